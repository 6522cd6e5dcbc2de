using PeerBot.Core.Groups;
using PeerBot.Core.Platform;

namespace PeerBot.Slack.Tests.Support;

/// <summary>An <see cref="IGroupDirectory"/> over a fixed list of groups, for tests of what the adapter tells staff.</summary>
public sealed class FixedGroupDirectory(params GroupInfo[] groups) : IGroupDirectory
{
    public IReadOnlyList<GroupInfo> All() => groups;

    public GroupInfo? Find(string groupId) => groups.FirstOrDefault(g => g.Id == groupId);

    public GroupInfo? FindByChannel(ChannelRef channel) => groups.FirstOrDefault(g => g.Channel == channel);

    public IReadOnlyList<GroupInfo> GroupsOfMember(string personId) => groups.Where(g => g.MemberIds.Contains(personId)).ToList();

    public IReadOnlyList<GroupInfo> GroupsFacilitatedBy(string personId) => groups.Where(g => g.FacilitatorIds.Contains(personId)).ToList();

    /// <summary>A Slack group with a channel, members and facilitators by person id.</summary>
    public static GroupInfo Group(string id, string name, string? channelId, IReadOnlyList<string> members, IReadOnlyList<string> facilitators) =>
        new(id, name, PlatformKind.Slack, channelId is null ? null : new ChannelRef(PlatformKind.Slack, channelId), members, facilitators, "UTC", "0 19 * * TUE", null);
}
