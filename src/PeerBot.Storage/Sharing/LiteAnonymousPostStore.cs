using LiteDB;
using PeerBot.Core.Platform;
using PeerBot.Core.Sharing;

namespace PeerBot.Storage.Sharing;

/// <summary>
/// Anonymous posts in LiteDB (collection <c>anon_posts</c>). A document holds the post id, group id,
/// the author's opaque handle and, while pending, the neutralised text: never a person or platform id of the author.
/// Times are stored as UTC ticks.
/// </summary>
public sealed class LiteAnonymousPostStore : IAnonymousPostStore
{
    private const string CollectionName = "anon_posts";
    private readonly PeerBotDatabase _database;
    private readonly ILiteCollection<BsonDocument> _posts;

    /// <summary>Creates the store over the shared database.</summary>
    public LiteAnonymousPostStore(PeerBotDatabase database)
    {
        ArgumentNullException.ThrowIfNull(database);
        _database = database;
        _posts = database.SetUp(db =>
        {
            PeerBotDatabase.EnsureCollection(db, CollectionName);
            var collection = db.GetCollection(CollectionName);
            collection.EnsureIndex("DueAt");
            collection.EnsureIndex("Author");
            collection.EnsureIndex("CrisisToken");
            return collection;
        });
    }

    /// <inheritdoc />
    public void Insert(AnonymousPost post)
    {
        ArgumentNullException.ThrowIfNull(post);
        _posts.Insert(ToDocument(post));
    }

    /// <inheritdoc />
    public void Update(AnonymousPost post)
    {
        ArgumentNullException.ThrowIfNull(post);
        var before = _posts.FindById(post.Id.ToUpperInvariant());
        if (before is null || !_posts.Update(ToDocument(post)))
        {
            throw new InvalidOperationException($"Anonymous post {post.Id} is not in the store.");
        }

        // Delivered, removed, declined or given up, or its author forgotten: the words and the handle must not stay
        // behind in the log file.
        if ((post.Text.Length == 0 && before["Text"].AsString.Length > 0)
            || (post.AuthorHandle.Length == 0 && before["Author"].AsString.Length > 0))
        {
            _database.FlushErasures();
        }
    }

    /// <inheritdoc />
    public AnonymousPost? Find(string postId)
    {
        if (string.IsNullOrWhiteSpace(postId))
        {
            return null;
        }

        var doc = _posts.FindById(postId.Trim().ToUpperInvariant());
        return doc is null ? null : FromDocument(doc);
    }

    /// <inheritdoc />
    public AnonymousPost? FindByCrisisToken(string token)
    {
        if (string.IsNullOrEmpty(token))
        {
            return null;
        }

        var doc = _posts.FindOne(Query.EQ("CrisisToken", token));
        return doc is null ? null : FromDocument(doc);
    }

    /// <inheritdoc />
    public IReadOnlyList<AnonymousPost> ListDue(DateTimeOffset now) =>
        _posts.Find(Query.Between("DueAt", new BsonValue(0L), new BsonValue(now.UtcTicks)))
            .Select(FromDocument)
            .OrderBy(p => p.DueAt)
            .ToList();

    /// <inheritdoc />
    public DateTimeOffset? NextDueAt()
    {
        var first = _posts.Find(Query.GTE("DueAt", new BsonValue(0L))).Select(FromDocument).MinBy(p => p.DueAt);
        return first?.DueAt;
    }

    /// <inheritdoc />
    public IReadOnlyList<AnonymousPost> ListByAuthor(string authorHandle) =>
        _posts.Find(Query.EQ("Author", authorHandle)).Select(FromDocument).OrderBy(p => p.CreatedAt).ToList();

    /// <inheritdoc />
    public IReadOnlyList<AnonymousPost> ListWithHandleCreatedBefore(DateTimeOffset createdBefore) =>
        _posts.Find(Query.And(Query.LT("CreatedAt", new BsonValue(createdBefore.UtcTicks)), Query.Not("Author", new BsonValue(""))))
            .Select(FromDocument)
            .ToList();

    /// <inheritdoc />
    public bool Any() => _posts.Count() > 0;

    private static BsonDocument ToDocument(AnonymousPost post) => new()
    {
        ["_id"] = post.Id.ToUpperInvariant(),
        ["GroupId"] = post.GroupId,
        ["Author"] = post.AuthorHandle,
        ["Text"] = post.Text,
        ["State"] = post.State.ToString(),
        ["CreatedAt"] = post.CreatedAt.UtcTicks,
        ["DueAt"] = post.DueAt is { } due ? new BsonValue(due.UtcTicks) : BsonValue.Null,
        ["Attempts"] = post.Attempts,
        ["DeliveredPlatform"] = post.Delivered is null ? BsonValue.Null : post.Delivered.Channel.Platform.ToString(),
        ["DeliveredChannel"] = post.Delivered?.Channel.Id,
        ["DeliveredMessage"] = post.Delivered?.Id,
        ["CrisisToken"] = post.CrisisToken,
        ["AlertId"] = post.AlertId,
        ["FailingSince"] = post.FailingSince is { } failing ? new BsonValue(failing.UtcTicks) : BsonValue.Null,
        ["PermanentFailures"] = post.PermanentFailures,
        ["Notices"] = (int)post.Notices,
        ["GaveUpAt"] = post.GaveUpAt is { } gaveUp ? new BsonValue(gaveUp.UtcTicks) : BsonValue.Null,
    };

    private static AnonymousPost FromDocument(BsonDocument doc)
    {
        MessageRef? delivered = null;
        if (doc["DeliveredMessage"].IsString)
        {
            var platform = Enum.Parse<PlatformKind>(doc["DeliveredPlatform"].AsString);
            delivered = new MessageRef(new ChannelRef(platform, doc["DeliveredChannel"].AsString), doc["DeliveredMessage"].AsString);
        }

        return new AnonymousPost(
            doc["_id"].AsString,
            doc["GroupId"].AsString,
            doc["Author"].AsString,
            doc["Text"].AsString,
            Enum.Parse<AnonymousPostState>(doc["State"].AsString),
            new DateTimeOffset(doc["CreatedAt"].AsInt64, TimeSpan.Zero),
            doc["DueAt"].IsNull ? null : new DateTimeOffset(doc["DueAt"].AsInt64, TimeSpan.Zero),
            doc["Attempts"].AsInt32,
            delivered,
            doc["CrisisToken"].IsString ? doc["CrisisToken"].AsString : null,
            doc["AlertId"].IsString ? doc["AlertId"].AsString : null,

            // Documents written before these fields existed read as "no failure yet, nothing owed".
            doc["FailingSince"].IsInt64 ? new DateTimeOffset(doc["FailingSince"].AsInt64, TimeSpan.Zero) : null,
            doc["PermanentFailures"].IsInt32 ? doc["PermanentFailures"].AsInt32 : 0,
            doc["Notices"].IsInt32 ? (PendingNotices)doc["Notices"].AsInt32 : PendingNotices.None,
            doc["GaveUpAt"].IsInt64 ? new DateTimeOffset(doc["GaveUpAt"].AsInt64, TimeSpan.Zero) : null);
    }
}
