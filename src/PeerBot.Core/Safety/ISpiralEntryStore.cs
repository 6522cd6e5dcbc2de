namespace PeerBot.Core.Safety;

/// <summary>A fatalistic message of a group that counts towards a spiral not yet alerted, as kept across restarts.</summary>
/// <param name="GroupId">The group.</param>
/// <param name="Entry">The message as the spiral detector counts it: time, author key, excerpt, reasons.</param>
public sealed record PendingSpiralEntry(string GroupId, SpiralEntry Entry);

/// <summary>
/// The fatalistic messages of each group's current spiral window, kept so that a spiral whose messages straddle a
/// restart still alerts. Only fatalistic messages are kept (ordinary ones are never written), each for at most
/// <see cref="Configuration.SafetyOptions.SpiralWindow"/>: an entry is written when observed, deleted for its group
/// when the group's spiral alert fires (the alert keeps its own excerpts), and purged once it falls out of the window.
/// Author keys are person ids or anonymity handles, never a platform id of an anonymous author.
/// Implementations must be safe to call concurrently.
/// </summary>
public interface ISpiralEntryStore
{
    /// <summary>Keeps one fatalistic message of a group; durable once the task completes.</summary>
    Task AddAsync(string groupId, SpiralEntry entry, CancellationToken cancellationToken);

    /// <summary>Entries of every group written at or after <paramref name="since"/>, oldest first.</summary>
    Task<IReadOnlyList<PendingSpiralEntry>> ListSinceAsync(DateTimeOffset since, CancellationToken cancellationToken);

    /// <summary>
    /// Deletes a group's entries written at or before <paramref name="upTo"/> (the time of the spiral alert that
    /// counted or cleared them); returns how many.
    /// </summary>
    Task<int> DeleteUpToAsync(string groupId, DateTimeOffset upTo, CancellationToken cancellationToken);

    /// <summary>Deletes every entry written before <paramref name="before"/> (out of the window); returns how many.</summary>
    Task<int> PurgeBeforeAsync(DateTimeOffset before, CancellationToken cancellationToken);

    /// <summary>
    /// Deletes every entry, of any group, whose author key is one of <paramref name="authorKeys"/> (compared exactly:
    /// a person id and an anonymity handle), for <c>/peer forget-me</c>; returns how many.
    /// </summary>
    Task<int> DeleteByAuthorsAsync(IReadOnlyCollection<string> authorKeys, CancellationToken cancellationToken);
}

/// <summary>An in-memory <see cref="ISpiralEntryStore"/>, for tests and offline runs; nothing survives a restart.</summary>
public sealed class InMemorySpiralEntryStore : ISpiralEntryStore
{
    private readonly List<PendingSpiralEntry> _entries = [];
    private readonly Lock _lock = new();

    /// <summary>Every entry held, oldest first (tests).</summary>
    public IReadOnlyList<PendingSpiralEntry> Entries
    {
        get
        {
            lock (_lock)
            {
                return _entries.OrderBy(e => e.Entry.Timestamp).ToList();
            }
        }
    }

    /// <inheritdoc />
    public Task AddAsync(string groupId, SpiralEntry entry, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(groupId);
        ArgumentNullException.ThrowIfNull(entry);
        lock (_lock)
        {
            _entries.Add(new PendingSpiralEntry(groupId, entry));
        }

        return Task.CompletedTask;
    }

    /// <inheritdoc />
    public Task<IReadOnlyList<PendingSpiralEntry>> ListSinceAsync(DateTimeOffset since, CancellationToken cancellationToken)
    {
        lock (_lock)
        {
            IReadOnlyList<PendingSpiralEntry> list = _entries.Where(e => e.Entry.Timestamp >= since).OrderBy(e => e.Entry.Timestamp).ToList();
            return Task.FromResult(list);
        }
    }

    /// <inheritdoc />
    public Task<int> DeleteUpToAsync(string groupId, DateTimeOffset upTo, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(groupId);
        lock (_lock)
        {
            return Task.FromResult(_entries.RemoveAll(e => string.Equals(e.GroupId, groupId, StringComparison.Ordinal) && e.Entry.Timestamp <= upTo));
        }
    }

    /// <inheritdoc />
    public Task<int> PurgeBeforeAsync(DateTimeOffset before, CancellationToken cancellationToken)
    {
        lock (_lock)
        {
            return Task.FromResult(_entries.RemoveAll(e => e.Entry.Timestamp < before));
        }
    }

    /// <inheritdoc />
    public Task<int> DeleteByAuthorsAsync(IReadOnlyCollection<string> authorKeys, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(authorKeys);
        lock (_lock)
        {
            return Task.FromResult(_entries.RemoveAll(e => authorKeys.Contains(e.Entry.AuthorKey, StringComparer.Ordinal)));
        }
    }
}
