using LiteDB;
using PeerBot.Core.Platform;

namespace PeerBot.Storage.Platform;

/// <summary>The bot's direct-message channels per person (collection <c>direct_channels</c>): an opaque key and a channel id.</summary>
public sealed class LiteDbDirectChannelStore : IDirectChannelStore
{
    private readonly ILiteCollection<BsonDocument> _channels;

    /// <summary>Creates the store over the shared database.</summary>
    public LiteDbDirectChannelStore(PeerBotDatabase database)
    {
        ArgumentNullException.ThrowIfNull(database);
        _channels = database.SetUp(db =>
        {
            PeerBotDatabase.EnsureCollection(db, "direct_channels");
            return db.GetCollection("direct_channels");
        });
    }

    /// <inheritdoc />
    public string? Find(PlatformKind platform, string personKey)
    {
        var doc = _channels.FindById(Key(platform, personKey));
        return doc is null ? null : doc["Channel"].AsString;
    }

    /// <inheritdoc />
    public void Save(PlatformKind platform, string personKey, string channelId) =>
        _channels.Upsert(new BsonDocument { ["_id"] = Key(platform, personKey), ["Channel"] = channelId });

    /// <inheritdoc />
    public void Forget(PlatformKind platform, string personKey) => _channels.Delete(Key(platform, personKey));

    private static string Key(PlatformKind platform, string personKey) => platform + ":" + personKey;
}
