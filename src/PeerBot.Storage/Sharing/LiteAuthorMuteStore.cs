using LiteDB;
using PeerBot.Core.Sharing;

namespace PeerBot.Storage.Sharing;

/// <summary>Mutes of anonymous authors by handle (collection <c>anon_mutes</c>).</summary>
public sealed class LiteAuthorMuteStore : IAuthorMuteStore
{
    private readonly ILiteCollection<BsonDocument> _mutes;

    /// <summary>Creates the store over the shared database.</summary>
    public LiteAuthorMuteStore(PeerBotDatabase database)
    {
        ArgumentNullException.ThrowIfNull(database);
        _mutes = database.SetUp(db =>
        {
            PeerBotDatabase.EnsureCollection(db, "anon_mutes");
            var collection = db.GetCollection("anon_mutes");
            return collection;
        });
    }

    /// <inheritdoc />
    public DateTimeOffset? MutedUntil(string authorHandle)
    {
        var doc = _mutes.FindById(authorHandle);
        return doc is null ? null : new DateTimeOffset(doc["Until"].AsInt64, TimeSpan.Zero);
    }

    /// <inheritdoc />
    public void Mute(string authorHandle, DateTimeOffset until) =>
        _mutes.Upsert(new BsonDocument { ["_id"] = authorHandle, ["Until"] = until.UtcTicks });

    /// <inheritdoc />
    public bool Unmute(string authorHandle) => _mutes.Delete(authorHandle);

    /// <inheritdoc />
    public bool Any() => _mutes.Count() > 0;
}

/// <summary>The anonymity key's fingerprint (collection <c>anon_meta</c>).</summary>
public sealed class LiteAnonymityKeyRecord : IAnonymityKeyRecord
{
    private const string KeyId = "anonymity-key";
    private readonly ILiteCollection<BsonDocument> _meta;

    /// <summary>Creates the record over the shared database.</summary>
    public LiteAnonymityKeyRecord(PeerBotDatabase database)
    {
        ArgumentNullException.ThrowIfNull(database);
        _meta = database.SetUp(db =>
        {
            PeerBotDatabase.EnsureCollection(db, "anon_meta");
            var collection = db.GetCollection("anon_meta");
            return collection;
        });
    }

    /// <inheritdoc />
    public string? Fingerprint => _meta.FindById(KeyId)?["Fingerprint"].AsString;

    /// <inheritdoc />
    public void RecordFingerprint(string fingerprint) =>
        _meta.Upsert(new BsonDocument { ["_id"] = KeyId, ["Fingerprint"] = fingerprint });
}
