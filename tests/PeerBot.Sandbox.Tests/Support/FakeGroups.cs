using PeerBot.Core;
using PeerBot.Core.Groups;
using PeerBot.Core.Platform;

namespace PeerBot.Sandbox.Tests.Support;

/// <summary>Groups with fixed next-prompt times, for the clock's "next prompt" control.</summary>
internal sealed class FakeGroups : IGroupDirectory, IGroupOperations
{
    private readonly List<GroupInfo> _groups = [];
    private readonly Dictionary<string, DateTimeOffset?> _next = [];

    public void Add(string id, string name, DateTimeOffset? nextPromptAt)
    {
        _groups.Add(new GroupInfo(id, name, PlatformKind.Sandbox, null, [], [], "UTC", "0 19 * * TUE", null));
        _next[id] = nextPromptAt;
    }

    public IReadOnlyList<GroupInfo> All() => _groups;

    public GroupInfo? Find(string groupId) => _groups.FirstOrDefault(g => g.Id == groupId);

    public GroupInfo? FindByChannel(ChannelRef channel) => _groups.FirstOrDefault(g => g.Channel == channel);

    public IReadOnlyList<GroupInfo> GroupsOfMember(string personId) => [];

    public IReadOnlyList<GroupInfo> GroupsFacilitatedBy(string personId) => [];

    public DateTimeOffset? NextPromptAt(string groupId) => _next.GetValueOrDefault(groupId);

    public Task<OperationResult<PromptOutcome>> PostPromptNowAsync(string groupId, CancellationToken cancellationToken) => Unsupported<PromptOutcome>();

    public Task<OperationResult<PromptOutcome>> SkipPromptAsync(string groupId, CancellationToken cancellationToken) => Unsupported<PromptOutcome>();

    public Task<OperationResult<PromptOutcome>> PreviewPromptAsync(string groupId, CancellationToken cancellationToken) => Unsupported<PromptOutcome>();

    public Task<OperationResult<PromptOutcome>> PostReframeAsync(string groupId, CancellationToken cancellationToken) => Unsupported<PromptOutcome>();

    public Task<OperationResult<PromptOutcome>> PostCheckInAsync(string groupId, CancellationToken cancellationToken) => Unsupported<PromptOutcome>();

    public Task<OperationResult<GroupInfo>> PauseGroupAsync(string groupId, DateTimeOffset until, CancellationToken cancellationToken) => Unsupported<GroupInfo>();

    public Task<OperationResult<GroupInfo>> ResumeGroupAsync(string groupId, CancellationToken cancellationToken) => Unsupported<GroupInfo>();

    private static Task<OperationResult<T>> Unsupported<T>() =>
        Task.FromResult(OperationResult<T>.Failure("The sandbox tests' group fake only answers NextPromptAt."));
}
