using LiteDB;
using PeerBot.Core.Safety;

namespace PeerBot.Storage.Safety;

/// <summary>
/// The fatalistic messages of each group's current spiral window, in the shared LiteDB database (collection
/// <c>safety_spiral_pending</c>), so a spiral that straddles a restart still alerts. A new collection, so the schema
/// version is unchanged: an older build ignores it. Each entry holds a group id, a time, an author key (person id,
/// anonymity handle, or a digest for someone not on the roster; never a platform id), an excerpt of at most 140
/// characters and the reasons. Deleting entries checkpoints at once, so their words leave LiteDB's log file too.
/// </summary>
public sealed class LiteDbSpiralEntryStore : ISpiralEntryStore
{
    /// <summary>The collection name.</summary>
    public const string CollectionName = "safety_spiral_pending";

    private readonly PeerBotDatabase _database;
    private readonly ILiteCollection<BsonDocument> _entries;

    /// <summary>Creates the store over the instance's database.</summary>
    public LiteDbSpiralEntryStore(PeerBotDatabase database)
    {
        ArgumentNullException.ThrowIfNull(database);
        _database = database;
        _entries = database.SetUp(db =>
        {
            PeerBotDatabase.EnsureCollection(db, CollectionName);
            var collection = db.GetCollection(CollectionName);
            collection.EnsureIndex("groupId");
            collection.EnsureIndex("ts");
            collection.EnsureIndex("authorKey");
            return collection;
        });
    }

    /// <inheritdoc />
    public Task AddAsync(string groupId, SpiralEntry entry, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(groupId);
        ArgumentNullException.ThrowIfNull(entry);
        _entries.Insert(new BsonDocument
        {
            ["_id"] = ObjectId.NewObjectId(),
            ["groupId"] = groupId,
            ["ts"] = entry.Timestamp.UtcTicks,
            ["authorKey"] = entry.AuthorKey,
            ["excerpt"] = entry.Excerpt,
            ["reasons"] = new BsonArray(entry.Reasons.Select(r => new BsonValue(r))),
        });
        return Task.CompletedTask;
    }

    /// <inheritdoc />
    public Task<IReadOnlyList<PendingSpiralEntry>> ListSinceAsync(DateTimeOffset since, CancellationToken cancellationToken)
    {
        IReadOnlyList<PendingSpiralEntry> list = _entries.Find(Query.GTE("ts", since.UtcTicks))
            .Select(FromDocument)
            .OrderBy(e => e.Entry.Timestamp)
            .ToList();
        return Task.FromResult(list);
    }

    /// <inheritdoc />
    public Task<int> DeleteUpToAsync(string groupId, DateTimeOffset upTo, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(groupId);
        var deleted = _entries.DeleteMany(Query.And(Query.EQ("groupId", groupId), Query.LTE("ts", upTo.UtcTicks)));
        return Task.FromResult(Erased(deleted));
    }

    /// <inheritdoc />
    public Task<int> PurgeBeforeAsync(DateTimeOffset before, CancellationToken cancellationToken)
    {
        var deleted = _entries.DeleteMany(Query.LT("ts", before.UtcTicks));
        return Task.FromResult(Erased(deleted));
    }

    /// <inheritdoc />
    public Task<int> DeleteByAuthorsAsync(IReadOnlyCollection<string> authorKeys, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(authorKeys);
        var keys = authorKeys.Where(k => !string.IsNullOrEmpty(k)).Distinct(StringComparer.Ordinal).Select(k => new BsonValue(k)).ToArray();
        if (keys.Length == 0)
        {
            return Task.FromResult(0);
        }

        // LiteDB compares strings ignoring case; handles are case-sensitive, so the match is made exact here.
        var ids = _entries.Find(Query.In("authorKey", keys))
            .Where(d => authorKeys.Contains(d["authorKey"].AsString, StringComparer.Ordinal))
            .Select(d => d["_id"])
            .ToList();
        var deleted = ids.Count(id => _entries.Delete(id));
        return Task.FromResult(Erased(deleted));
    }

    private int Erased(int deleted)
    {
        if (deleted > 0)
        {
            // The excerpts are group members' words: gone from the files now, not at LiteDB's next checkpoint.
            _database.FlushErasures();
        }

        return deleted;
    }

    private static PendingSpiralEntry FromDocument(BsonDocument d) => new(
        d["groupId"].AsString,
        new SpiralEntry(
            new DateTimeOffset(d["ts"].AsInt64, TimeSpan.Zero),
            d["authorKey"].AsString,
            d["excerpt"].AsString,
            d["reasons"].AsArray.Select(v => v.AsString).ToList()));
}
