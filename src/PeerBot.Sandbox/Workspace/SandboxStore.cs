using LiteDB;
using PeerBot.Storage;

namespace PeerBot.Sandbox.Workspace;

/// <summary>
/// The sandbox's channels and messages, in the instance's LiteDB database (in sandbox mode a file of its own,
/// so demo data never mixes with a real program's). Not thread-safe for compound changes: the workspace
/// serialises its calls.
/// </summary>
public sealed class SandboxStore
{
    internal const string ChannelCollection = "sandbox_channels";
    internal const string MessageCollection = "sandbox_messages";
    internal const string StateCollection = "sandbox_state";
    internal const string ReadCollection = "sandbox_read";
    private const string ClockId = "clock";

    private readonly ILiteCollection<SandboxChannelDocument> _channels;
    private readonly ILiteCollection<SandboxMessageDocument> _messages;
    private readonly ILiteCollection<SandboxStateDocument> _state;
    private readonly ILiteCollection<SandboxReadDocument> _read;

    /// <summary>Opens the collections, creating their indexes.</summary>
    public SandboxStore(PeerBotDatabase database)
    {
        ArgumentNullException.ThrowIfNull(database);
        // Through the database's set-up gate, like every store: the sandbox's stores open at once.
        (_channels, _messages, _state, _read) = database.SetUp(db =>
        {
            PeerBotDatabase.EnsureCollection(db, ChannelCollection);
            PeerBotDatabase.EnsureCollection(db, MessageCollection);
            PeerBotDatabase.EnsureCollection(db, StateCollection);
            PeerBotDatabase.EnsureCollection(db, ReadCollection);
            var channels = db.GetCollection<SandboxChannelDocument>(ChannelCollection);
            var messages = db.GetCollection<SandboxMessageDocument>(MessageCollection);
            channels.EnsureIndex(c => c.GroupId);
            messages.EnsureIndex(m => m.ChannelId);
            messages.EnsureIndex(m => m.Seq);
            return (channels, messages, db.GetCollection<SandboxStateDocument>(StateCollection), db.GetCollection<SandboxReadDocument>(ReadCollection));
        });
    }

    /// <summary>The highest message sequence number used so far.</summary>
    public long LastMessageSeq() => _messages.Count() == 0 ? 0 : _messages.Max(m => m.Seq);

    /// <summary>The highest channel order used so far.</summary>
    public long LastChannelOrder() => _channels.FindAll().Select(c => c.Order).DefaultIfEmpty(0).Max();

    /// <summary>Every channel, in creation order.</summary>
    public IReadOnlyList<SandboxChannelDocument> Channels() => _channels.FindAll().OrderBy(c => c.Order).ToList();

    /// <summary>The channel with this id, or null.</summary>
    public SandboxChannelDocument? FindChannel(string id) => _channels.FindById(id);

    /// <summary>The channel made for a group, or null.</summary>
    public SandboxChannelDocument? FindChannelOfGroup(string groupId) =>
        _channels.FindOne(c => c.GroupId == groupId);

    /// <summary>Inserts or replaces a channel.</summary>
    public void SaveChannel(SandboxChannelDocument channel) => _channels.Upsert(channel);

    /// <summary>The last messages of a channel, oldest first.</summary>
    public IReadOnlyList<SandboxMessageDocument> Messages(string channelId, int limit) =>
        _messages.Query().Where(m => m.ChannelId == channelId).OrderByDescending(m => m.Seq).Limit(limit).ToList()
            .OrderBy(m => m.Seq).ToList();

    /// <summary>The message with this id, or null.</summary>
    public SandboxMessageDocument? FindMessage(string id) => _messages.FindById(id);

    /// <summary>The first message of a channel with this send marker, or null.</summary>
    public SandboxMessageDocument? FindByMarker(string channelId, string marker) =>
        _messages.Query().Where(m => m.ChannelId == channelId && m.Marker == marker).OrderBy(m => m.Seq).FirstOrDefault();

    /// <summary>Inserts or replaces a message.</summary>
    public void SaveMessage(SandboxMessageDocument message) => _messages.Upsert(message);

    /// <summary>Deletes a message; true when it existed.</summary>
    public bool DeleteMessage(string id) => _messages.Delete(id);

    /// <summary>The sequence number of the last message a person has read in a channel; 0 when none.</summary>
    public long ReadUpTo(string userId, string channelId) =>
        _read.FindById(SandboxReadDocument.Key(userId, channelId))?.UpToSeq ?? 0;

    /// <summary>Keeps where a person has read up to in a channel.</summary>
    public void SaveReadUpTo(string userId, string channelId, long upToSeq) =>
        _read.Upsert(new SandboxReadDocument { Id = SandboxReadDocument.Key(userId, channelId), UpToSeq = upToSeq });

    /// <summary>How many messages of a channel after <paramref name="afterSeq"/> someone other than the person wrote.</summary>
    public int CountAfter(string channelId, long afterSeq, string userId) =>
        _messages.Count(m => m.ChannelId == channelId && m.Seq > afterSeq && m.AuthorId != userId);

    /// <summary>The sequence number of a channel's last message; 0 when it has none.</summary>
    public long LastSeqOf(string channelId) =>
        _messages.Query().Where(m => m.ChannelId == channelId).OrderByDescending(m => m.Seq).Limit(1).ToList() is [var last] ? last.Seq : 0;

    /// <summary>How far the sandbox's clock was moved ahead, as last saved; zero on a new sandbox.</summary>
    public TimeSpan ClockOffset() =>
        _state.FindById(ClockId) is { } clock ? TimeSpan.FromTicks(Math.Max(0, clock.Ticks)) : TimeSpan.Zero;

    /// <summary>Keeps how far the sandbox's clock is ahead.</summary>
    public void SaveClockOffset(TimeSpan offset) => _state.Upsert(new SandboxStateDocument { Id = ClockId, Ticks = offset.Ticks });
}
