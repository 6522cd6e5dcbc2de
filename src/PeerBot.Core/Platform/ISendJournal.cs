using System.Collections.Concurrent;

namespace PeerBot.Core.Platform;

/// <summary>
/// PeerBot's own record of the messages that must go exactly once (those with an
/// <see cref="OutgoingMessage.IdempotencyKey"/>): an intent is written before the message is sent and completed once the
/// platform has answered, so after any crash PeerBot knows which sends may have happened and looks for those on the
/// platform before sending again (<see cref="ExactlyOncePlatform"/>). The platforms cannot do this for it: Discord checks
/// a nonce only over the past few minutes, and Slack has no idempotency key at all.
/// </summary>
/// <remarks>
/// A record holds a one-way mark of the platform and key (<see cref="SendMarker"/>), the hour the intent was made, and,
/// once sent, where the message is; a <see cref="OutgoingMessage.Discreet"/> message's record never says where.
/// </remarks>
public interface ISendJournal
{
    /// <summary>The record of a send, or null when none was made.</summary>
    SendRecord? Find(string id);

    /// <summary>Adds or replaces a record.</summary>
    void Save(SendRecord record);

    /// <summary>Removes the records made before <paramref name="cutoff"/>; returns how many.</summary>
    int RemoveOlderThan(DateTimeOffset cutoff);
}

/// <summary>One send's record in the <see cref="ISendJournal"/>.</summary>
public sealed record SendRecord
{
    /// <summary>The mark of the platform and idempotency key (<see cref="SendMarker.Of"/>).</summary>
    public required string Id { get; init; }

    /// <summary>The start of the hour the intent was recorded in: the earliest the message can be on the platform.</summary>
    public required DateTimeOffset Since { get; init; }

    /// <summary>True once the platform answered that the message is there (or it was found there).</summary>
    public bool Sent { get; init; }

    /// <summary>The channel the message went to, once sent; null before, and always for a discreet message.</summary>
    public string? ChannelId { get; init; }

    /// <summary>The platform's id of the message, once sent; null before, and always for a discreet message.</summary>
    public string? MessageId { get; init; }
}

/// <summary>An <see cref="ISendJournal"/> that lasts as long as the process: for hosts without a database, and tests.</summary>
public sealed class InMemorySendJournal : ISendJournal
{
    private readonly ConcurrentDictionary<string, SendRecord> _records = new(StringComparer.Ordinal);

    /// <summary>Every record, for tests.</summary>
    public IReadOnlyCollection<SendRecord> Records => _records.Values.ToList();

    /// <inheritdoc />
    public SendRecord? Find(string id) => _records.GetValueOrDefault(id);

    /// <inheritdoc />
    public void Save(SendRecord record)
    {
        ArgumentNullException.ThrowIfNull(record);
        _records[record.Id] = record;
    }

    /// <inheritdoc />
    public int RemoveOlderThan(DateTimeOffset cutoff)
    {
        var removed = 0;
        foreach (var (id, record) in _records)
        {
            if (record.Since < cutoff && _records.TryRemove(id, out _))
            {
                removed++;
            }
        }

        return removed;
    }
}
