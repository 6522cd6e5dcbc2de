using LiteDB;
using PeerBot.Core.Commands;

namespace PeerBot.Storage.Commands;

/// <summary>The audit log in LiteDB (collection <c>audit</c>).</summary>
public sealed class LiteAuditLog : IAuditLog
{
    private readonly PeerBotDatabase _database;
    private readonly ILiteCollection<BsonDocument> _entries;

    /// <summary>Creates the log over the shared database.</summary>
    public LiteAuditLog(PeerBotDatabase database)
    {
        ArgumentNullException.ThrowIfNull(database);
        _database = database;
        _entries = database.SetUp(db =>
        {
            PeerBotDatabase.EnsureCollection(db, "audit");
            var collection = db.GetCollection("audit");
            collection.EnsureIndex("Actor");
            collection.EnsureIndex("At");
            return collection;
        });
    }

    /// <inheritdoc />
    public void Write(AuditEntry entry)
    {
        ArgumentNullException.ThrowIfNull(entry);
        _entries.Insert(new BsonDocument
        {
            ["_id"] = entry.Id,
            ["At"] = entry.At.UtcTicks,
            ["Actor"] = entry.ActorPersonId.ToUpperInvariant(),
            ["ActorId"] = entry.ActorPersonId,
            ["Action"] = entry.Action,
            ["GroupId"] = entry.GroupId,
            ["Target"] = entry.Target,
            ["Outcome"] = entry.Outcome.ToString(),
            ["Detail"] = entry.Detail,
        });
    }

    /// <inheritdoc />
    public IReadOnlyList<AuditEntry> ByActor(string personId) =>
        _entries.Find(Query.EQ("Actor", personId.ToUpperInvariant())).Select(FromDocument).OrderByDescending(e => e.At).ToList();

    /// <inheritdoc />
    public IReadOnlyList<AuditEntry> Recent(int count) =>
        _entries.Find(Query.All("At", Query.Descending), limit: count).Select(FromDocument).ToList();

    /// <inheritdoc />
    public int DeleteByActor(string personId)
    {
        var deleted = _entries.DeleteMany(Query.EQ("Actor", personId.ToUpperInvariant()));
        if (deleted > 0)
        {
            _database.FlushErasures();
        }

        return deleted;
    }

    private static AuditEntry FromDocument(BsonDocument doc) => new(
        doc["_id"].AsString,
        new DateTimeOffset(doc["At"].AsInt64, TimeSpan.Zero),
        doc["ActorId"].AsString,
        doc["Action"].AsString,
        doc["GroupId"].IsString ? doc["GroupId"].AsString : null,
        doc["Target"].IsString ? doc["Target"].AsString : null,
        Enum.Parse<AuditOutcome>(doc["Outcome"].AsString),
        doc["Detail"].IsString ? doc["Detail"].AsString : null);
}
