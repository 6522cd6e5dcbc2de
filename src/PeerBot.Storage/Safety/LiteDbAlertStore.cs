using LiteDB;
using PeerBot.Core.Platform;
using PeerBot.Core.Safety;

namespace PeerBot.Storage.Safety;

/// <summary>
/// Safety alerts in the shared LiteDB database (collection <c>safety_alerts</c>). Documents are mapped by
/// hand so times keep their exact UTC instant and the schema is explicit. No platform user id is stored:
/// people are person ids, and an anonymous author is stored only as the anonymity handle a coping note keeps for its
/// per-person limit (<see cref="AlertRecord.AuthorKey"/>).
/// </summary>
public sealed class LiteDbAlertStore : IAlertStore
{
    /// <summary>The collection name.</summary>
    public const string CollectionName = "safety_alerts";

    private readonly PeerBotDatabase _database;
    private readonly ILiteCollection<BsonDocument> _alerts;

    /// <summary>Creates the store over the instance's database.</summary>
    public LiteDbAlertStore(PeerBotDatabase database)
    {
        ArgumentNullException.ThrowIfNull(database);
        _database = database;
        _alerts = database.SetUp(db =>
        {
            PeerBotDatabase.EnsureCollection(db, CollectionName);
            var collection = db.GetCollection(CollectionName);
            collection.EnsureIndex("groupId");
            collection.EnsureIndex("delivered");
            collection.EnsureIndex("raisedAt");
            collection.EnsureIndex("purgeShown");
            collection.EnsureIndex("authorAnswerToken");

            // Alerts purged before the delivered messages were edited too have no purgeShown field: mark them as not
            // shown, so their messages lose the excerpts as well.
            foreach (var old in collection.Find(Query.Not("excerptsPurgedAt", BsonValue.Null)).Where(d => !d.ContainsKey("purgeShown")).ToList())
            {
                old["purgeShown"] = false;
                collection.Update(old);
            }

            return collection;
        });
    }

    /// <inheritdoc />
    public Task<bool> TryAddAsync(AlertRecord alert, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(alert);
        try
        {
            _alerts.Insert(ToDocument(alert));
            return Task.FromResult(true);
        }
        catch (LiteException ex) when (ex.ErrorCode == LiteException.INDEX_DUPLICATE_KEY)
        {
            return Task.FromResult(false);
        }
    }

    /// <inheritdoc />
    public Task<AlertRecord?> FindAsync(string alertId, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(alertId);
        var document = _alerts.FindById(Key(alertId));
        return Task.FromResult(document is null ? null : FromDocument(document));
    }

    /// <inheritdoc />
    public Task<AlertRecord?> FindByAuthorAnswerTokenAsync(string token, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(token);
        // The database's collation ignores case; a token matches exactly or not at all.
        var document = token.Length == 0
            ? null
            : _alerts.Find(Query.EQ("authorAnswerToken", token)).FirstOrDefault(d => string.Equals(NullableString(d["authorAnswerToken"]), token, StringComparison.Ordinal));
        return Task.FromResult(document is null ? null : FromDocument(document));
    }

    /// <inheritdoc />
    public Task<IReadOnlyList<AlertRecord>> ListAsync(IReadOnlyCollection<string> groupIds, bool includeResolved, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(groupIds);
        if (groupIds.Count == 0)
        {
            return Task.FromResult<IReadOnlyList<AlertRecord>>([]);
        }

        IReadOnlyList<AlertRecord> list = _alerts.Find(Query.In("groupId", groupIds.Select(g => new BsonValue(g)).ToArray()))
            .Select(FromDocument)
            .Where(a => includeResolved || a.Status != AlertStatus.Resolved)
            .OrderByDescending(a => a.RaisedAt)
            .ThenByDescending(a => a.Id, StringComparer.Ordinal)
            .ToList();
        return Task.FromResult(list);
    }

    /// <inheritdoc />
    public Task UpdateAsync(AlertRecord alert, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(alert);
        if (!_alerts.Update(ToDocument(alert)))
        {
            throw new InvalidOperationException($"Alert {alert.Id} was never added.");
        }

        return Task.CompletedTask;
    }

    /// <inheritdoc />
    public Task<IReadOnlyList<AlertRecord>> ListUndeliveredAsync(CancellationToken cancellationToken)
    {
        IReadOnlyList<AlertRecord> list = _alerts.Find(Query.EQ("delivered", false))
            .Select(FromDocument)
            .OrderBy(a => a.Kind == AlertKind.Crisis ? 0 : 1)
            .ThenBy(a => a.RaisedAt)
            .ToList();
        return Task.FromResult(list);
    }

    /// <inheritdoc />
    public Task<int> PurgeExcerptsAsync(DateTimeOffset raisedBefore, DateTimeOffset now, CancellationToken cancellationToken)
    {
        var due = _alerts.Find(Query.LT("raisedAt", raisedBefore.UtcTicks))
            .Select(FromDocument)
            .Where(a => a.ExcerptsPurgedAt is null)
            .ToList();
        foreach (var alert in due)
        {
            _alerts.Update(ToDocument(alert.Purged(now)));
        }

        if (due.Count > 0)
        {
            // Without a checkpoint the pages as they were before the purge, excerpts included, stay in LiteDB's log file.
            _database.FlushErasures();
        }

        return Task.FromResult(due.Count);
    }

    /// <inheritdoc />
    public Task<IReadOnlyList<AlertRecord>> ListPurgeNotShownAsync(CancellationToken cancellationToken)
    {
        IReadOnlyList<AlertRecord> list = _alerts.Find(Query.EQ("purgeShown", false))
            .Select(FromDocument)
            .Where(a => a.ExcerptsPurgedAt is not null)
            .OrderBy(a => a.RaisedAt)
            .ToList();
        return Task.FromResult(list);
    }

    private static string Key(string alertId) => alertId.Trim().ToUpperInvariant();

    private static BsonDocument ToDocument(AlertRecord a) => new()
    {
        ["_id"] = Key(a.Id),
        ["groupId"] = a.GroupId,
        ["kind"] = a.Kind.ToString(),
        ["status"] = a.Status.ToString(),
        ["raisedAt"] = a.RaisedAt.UtcTicks,
        ["messageCount"] = a.MessageCount,
        ["peopleCount"] = a.PeopleCount,
        ["excerpts"] = new BsonArray(a.Excerpts.Select(e => new BsonValue(e))),
        ["reasons"] = new BsonArray(a.Reasons.Select(r => new BsonValue(r))),
        ["suggestedPrompt"] = a.SuggestedPrompt,
        ["authorPersonId"] = a.AuthorPersonId,
        ["authorAnonymous"] = a.AuthorAnonymous,
        ["authorKey"] = a.AuthorKey,
        ["deliveredTo"] = new BsonArray(a.DeliveredTo.Select(d => (BsonValue)new BsonDocument
        {
            ["personId"] = d.PersonId,
            ["platform"] = d.Message.Channel.Platform.ToString(),
            ["channelId"] = d.Message.Channel.Id,
            ["messageId"] = d.Message.Id,
        })),
        ["authorReplied"] = a.AuthorReplied,
        ["authorAnswerToken"] = a.AuthorAnswerToken,
        ["authorAnswer"] = a.AuthorAnswer?.ToString(),
        ["authorAnsweredAt"] = Ticks(a.AuthorAnsweredAt),
        ["delivered"] = a.Delivered,
        ["deliveryAttempts"] = a.DeliveryAttempts,
        ["acknowledgedBy"] = a.AcknowledgedBy,
        ["acknowledgedAt"] = Ticks(a.AcknowledgedAt),
        ["resolvedBy"] = a.ResolvedBy,
        ["resolvedAt"] = Ticks(a.ResolvedAt),
        ["resolutionNote"] = a.ResolutionNote,
        ["excerptsPurgedAt"] = Ticks(a.ExcerptsPurgedAt),
        ["purgeShown"] = a.PurgeShown,
    };

    private static AlertRecord FromDocument(BsonDocument d) => new()
    {
        Id = d["_id"].AsString,
        GroupId = d["groupId"].AsString,
        Kind = Enum.Parse<AlertKind>(d["kind"].AsString),
        Status = Enum.Parse<AlertStatus>(d["status"].AsString),
        RaisedAt = Time(d["raisedAt"]) ?? DateTimeOffset.MinValue,
        MessageCount = d["messageCount"].AsInt32,
        PeopleCount = d["peopleCount"].AsInt32,
        Excerpts = d["excerpts"].AsArray.Select(v => v.AsString).ToList(),
        Reasons = d["reasons"].AsArray.Select(v => v.AsString).ToList(),
        SuggestedPrompt = NullableString(d["suggestedPrompt"]),
        AuthorPersonId = NullableString(d["authorPersonId"]),
        AuthorAnonymous = d["authorAnonymous"].AsBoolean,

        // Absent from alerts written before coping notes existed: a missing field reads as null.
        AuthorKey = NullableString(d["authorKey"]),
        DeliveredTo = d["deliveredTo"].AsArray.Select(v => v.AsDocument).Select(m => new DeliveredAlertMessage(
            m["personId"].AsString,
            new MessageRef(new ChannelRef(Enum.Parse<PlatformKind>(m["platform"].AsString), m["channelId"].AsString), m["messageId"].AsString))).ToList(),
        AuthorReplied = d["authorReplied"].AsBoolean,

        // Absent from alerts written before authors were asked: a missing field reads as null.
        AuthorAnswerToken = NullableString(d["authorAnswerToken"]),
        AuthorAnswer = NullableString(d["authorAnswer"]) is { } answer ? Enum.Parse<CrisisAnswer>(answer) : null,
        AuthorAnsweredAt = Time(d["authorAnsweredAt"]),
        Delivered = d["delivered"].AsBoolean,
        DeliveryAttempts = d["deliveryAttempts"].AsInt32,
        AcknowledgedBy = NullableString(d["acknowledgedBy"]),
        AcknowledgedAt = Time(d["acknowledgedAt"]),
        ResolvedBy = NullableString(d["resolvedBy"]),
        ResolvedAt = Time(d["resolvedAt"]),
        ResolutionNote = NullableString(d["resolutionNote"]),
        ExcerptsPurgedAt = Time(d["excerptsPurgedAt"]),

        // Absent from alerts written before purges were carried to delivered messages: read as not shown.
        PurgeShown = d["purgeShown"] is { IsBoolean: true } shown && shown.AsBoolean,
    };

    private static BsonValue Ticks(DateTimeOffset? time) => time is { } t ? new BsonValue(t.UtcTicks) : BsonValue.Null;

    private static DateTimeOffset? Time(BsonValue value) => value.IsNull ? null : new DateTimeOffset(value.AsInt64, TimeSpan.Zero);

    private static string? NullableString(BsonValue value) => value.IsNull ? null : value.AsString;
}
