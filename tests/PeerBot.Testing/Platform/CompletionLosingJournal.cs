using PeerBot.Core.Platform;

namespace PeerBot.Testing.Platform;

/// <summary>
/// A send journal whose completions never arrive: intents are written, "sent" records are lost, as when the process dies
/// between the platform's answer and the record. A restarted run over the inner journal sees only the intent.
/// </summary>
public sealed class CompletionLosingJournal(ISendJournal inner) : ISendJournal
{
    /// <inheritdoc />
    public SendRecord? Find(string id) => inner.Find(id);

    /// <inheritdoc />
    public void Save(SendRecord record)
    {
        ArgumentNullException.ThrowIfNull(record);
        if (!record.Sent)
        {
            inner.Save(record);
        }
    }

    /// <inheritdoc />
    public int RemoveOlderThan(DateTimeOffset cutoff) => inner.RemoveOlderThan(cutoff);
}
