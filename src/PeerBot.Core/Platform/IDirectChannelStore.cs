using System.Collections.Concurrent;

namespace PeerBot.Core.Platform;

/// <summary>
/// The direct-message channels an adapter has opened with people, kept across restarts so that a start does not open
/// one per person again (Discord refuses to open many in a short time: 403, code 40003). Each entry is an opaque key for
/// the person, which the adapter derives one way from their platform id (never the id itself: anyone may be an
/// anonymous author, whose platform id never reaches the store), and the id of the bot's channel with them; nothing
/// else: no time, no content, no link to any post.
/// </summary>
public interface IDirectChannelStore
{
    /// <summary>The channel opened earlier with this person, or null.</summary>
    string? Find(PlatformKind platform, string personKey);

    /// <summary>Remembers the channel opened with this person.</summary>
    void Save(PlatformKind platform, string personKey, string channelId);

    /// <summary>Forgets the channel (the platform no longer knows it).</summary>
    void Forget(PlatformKind platform, string personKey);
}

/// <summary>An <see cref="IDirectChannelStore"/> that lasts as long as the process: for hosts without a database, and tests.</summary>
public sealed class InMemoryDirectChannelStore : IDirectChannelStore
{
    private readonly ConcurrentDictionary<(PlatformKind, string), string> _channels = new();

    /// <inheritdoc />
    public string? Find(PlatformKind platform, string personKey) => _channels.GetValueOrDefault((platform, personKey));

    /// <inheritdoc />
    public void Save(PlatformKind platform, string personKey, string channelId) => _channels[(platform, personKey)] = channelId;

    /// <inheritdoc />
    public void Forget(PlatformKind platform, string personKey) => _channels.TryRemove((platform, personKey), out _);
}
