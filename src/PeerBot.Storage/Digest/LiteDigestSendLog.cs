using System.Globalization;
using LiteDB;
using PeerBot.Core.Digest;

namespace PeerBot.Storage.Digest;

/// <summary>
/// The digest schedule's record in LiteDB, collection <c>digest_sent</c>: one document for the last occurrence dealt
/// with and one per recipient and week sent (the recipient's configuration id, the week, the time; nothing else).
/// </summary>
public sealed class LiteDigestSendLog : IDigestSendLog
{
    private const string StateId = "~schedule";
    private readonly ILiteCollection<BsonDocument> _sent;

    /// <summary>Creates the log over the shared database.</summary>
    public LiteDigestSendLog(PeerBotDatabase database)
    {
        ArgumentNullException.ThrowIfNull(database);
        _sent = database.SetUp(db =>
        {
            PeerBotDatabase.EnsureCollection(db, "digest_sent");
            return db.GetCollection("digest_sent");
        });
    }

    /// <inheritdoc />
    public DateTimeOffset? LastOccurrence =>
        _sent.FindById(StateId) is { } doc && doc["Last"].IsDateTime
            ? new DateTimeOffset(doc["Last"].AsDateTime.ToUniversalTime(), TimeSpan.Zero)
            : null;

    /// <inheritdoc />
    public void SetLastOccurrence(DateTimeOffset occurrence) =>
        _sent.Upsert(new BsonDocument { ["_id"] = StateId, ["Last"] = occurrence.UtcDateTime });

    /// <inheritdoc />
    public bool IsSent(DateOnly week, string personId) => _sent.FindById(Id(week, personId)) is not null;

    /// <inheritdoc />
    public void MarkSent(DateOnly week, string personId, DateTimeOffset at) =>
        _sent.Upsert(new BsonDocument { ["_id"] = Id(week, personId), ["At"] = at.UtcDateTime });

    private static string Id(DateOnly week, string personId) =>
        $"{week.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture)}|{personId.ToUpperInvariant()}";
}
