using LiteDB;
using PeerBot.Core.Platform;

namespace PeerBot.Storage.Platform;

/// <summary>
/// The send journal (collection <c>send_journal</c>): per message that must go exactly once, the one-way mark of its
/// platform and key, the hour its intent was made, and, once sent, where it went (never for a discreet message). Indexed
/// by hour for the sweep.
/// </summary>
public sealed class LiteDbSendJournal : ISendJournal
{
    private readonly ILiteCollection<BsonDocument> _records;

    /// <summary>Creates the journal over the shared database.</summary>
    public LiteDbSendJournal(PeerBotDatabase database)
    {
        ArgumentNullException.ThrowIfNull(database);
        _records = database.SetUp(db =>
        {
            PeerBotDatabase.EnsureCollection(db, "send_journal");
            var records = db.GetCollection("send_journal");
            records.EnsureIndex("Since");
            return records;
        });
    }

    /// <inheritdoc />
    public SendRecord? Find(string id)
    {
        ArgumentNullException.ThrowIfNull(id);
        var doc = _records.FindById(id);
        if (doc is null)
        {
            return null;
        }

        return new SendRecord
        {
            Id = id,
            Since = new DateTimeOffset(doc["Since"].AsInt64, TimeSpan.Zero),
            Sent = doc["Sent"].IsBoolean && doc["Sent"].AsBoolean,
            ChannelId = doc["Channel"].IsString ? doc["Channel"].AsString : null,
            MessageId = doc["Message"].IsString ? doc["Message"].AsString : null,
        };
    }

    /// <inheritdoc />
    public void Save(SendRecord record)
    {
        ArgumentNullException.ThrowIfNull(record);
        var doc = new BsonDocument
        {
            ["_id"] = record.Id,
            ["Since"] = record.Since.UtcTicks,
            ["Sent"] = record.Sent,
        };
        if (record.ChannelId is not null)
        {
            doc["Channel"] = record.ChannelId;
        }

        if (record.MessageId is not null)
        {
            doc["Message"] = record.MessageId;
        }

        _records.Upsert(doc);
    }

    /// <inheritdoc />
    public int RemoveOlderThan(DateTimeOffset cutoff) =>
        _records.DeleteMany(Query.LT("Since", cutoff.UtcTicks));
}
