using LiteDB;
using PeerBot.Core.Prompts;

namespace PeerBot.Storage.Prompts;

/// <summary>The <see cref="IPromptStore"/> in the shared LiteDB database.</summary>
public sealed class LiteDbPromptStore : IPromptStore
{
    private readonly ILiteCollection<PromptGroupState> _states;
    private readonly ILiteCollection<PostedPrompt> _posted;
    private readonly ILiteCollection<CheckInRecord> _checkIns;

    /// <summary>Opens the collections.</summary>
    public LiteDbPromptStore(PeerBotDatabase database)
    {
        ArgumentNullException.ThrowIfNull(database);
        var mapper = database.Database.Mapper;
        mapper.Entity<PromptGroupState>().Id(s => s.Id, autoId: false);
        mapper.Entity<PostedPrompt>().Id(p => p.Id, autoId: true);
        mapper.Entity<CheckInRecord>().Id(c => c.Id, autoId: false);
        _states = database.Database.GetCollection<PromptGroupState>("prompt_states");
        _posted = database.Database.GetCollection<PostedPrompt>("prompt_posts");
        _posted.EnsureIndex(p => p.GroupId);
        _checkIns = database.Database.GetCollection<CheckInRecord>("checkins");
        _checkIns.EnsureIndex(c => c.Closed);
    }

    /// <inheritdoc />
    public PromptGroupState GetState(string groupId) => _states.FindById(groupId) ?? new PromptGroupState { Id = groupId };

    /// <inheritdoc />
    public void SaveState(PromptGroupState state)
    {
        ArgumentNullException.ThrowIfNull(state);
        _states.Upsert(state);
    }

    /// <inheritdoc />
    public void AppendPosted(PostedPrompt posted)
    {
        ArgumentNullException.ThrowIfNull(posted);
        posted.Id = 0;
        _posted.Insert(posted);
    }

    /// <inheritdoc />
    public IReadOnlyList<PostedPrompt> Posted(string groupId) => _posted.Find(p => p.GroupId == groupId).OrderBy(p => p.Id).ToList();

    /// <inheritdoc />
    public void SaveCheckIn(CheckInRecord checkIn)
    {
        ArgumentNullException.ThrowIfNull(checkIn);
        _checkIns.Upsert(checkIn);
    }

    /// <inheritdoc />
    public CheckInRecord? FindCheckIn(string checkInId) => _checkIns.FindById(checkInId);

    /// <inheritdoc />
    public IReadOnlyList<CheckInRecord> OpenCheckIns() => _checkIns.Find(c => !c.Closed).ToList();
}
