using PeerBot.Core.Configuration;

namespace PeerBot.Core.Safety;

/// <summary>A fatalistic message counted towards a spiral.</summary>
/// <param name="Timestamp">When it was written.</param>
/// <param name="AuthorKey">Who wrote it (person id or anonymity handle), for counting distinct people.</param>
/// <param name="Excerpt">A short excerpt for the facilitator.</param>
/// <param name="Reasons">Why it was judged fatalistic.</param>
public sealed record SpiralEntry(DateTimeOffset Timestamp, string AuthorKey, string Excerpt, IReadOnlyList<string> Reasons);

/// <summary>What the safety engine decided at one message: whether a crisis alert, a spiral alert and/or a coping note fire there.</summary>
/// <param name="Crisis">True when the message is crisis talk: a crisis alert fires.</param>
/// <param name="Spiral">The fatalistic messages of the spiral when a spiral alert fires at this message; null otherwise.</param>
/// <param name="Coping">
/// True when a coping note fires: the message describes maladaptive coping, is not crisis talk (the crisis alert
/// suffices) and no note about its author in its group was sent within <see cref="SafetyOptions.CopingCooldown"/>.
/// </param>
public sealed record SafetyDecision(bool Crisis, IReadOnlyList<SpiralEntry>? Spiral, bool Coping = false)
{
    /// <summary>No alert.</summary>
    public static SafetyDecision None { get; } = new(false, null);

    /// <summary>The alert a transcript shows at this message: crisis, then spiral, then coping, or null.</summary>
    public AlertKind? Alert => Crisis ? AlertKind.Crisis : Spiral is not null ? AlertKind.Spiral : Coping ? AlertKind.Coping : null;
}

/// <summary>
/// Decides, per group, where facilitators are alerted: at every crisis message, and where at least
/// <see cref="SafetyOptions.SpiralMinMessages"/> fatalistic messages from at least
/// <see cref="SafetyOptions.SpiralMinPeople"/> people fall within <see cref="SafetyOptions.SpiralWindow"/>;
/// then not again for that group until <see cref="SafetyOptions.AlertCooldown"/> has passed and a fresh
/// spiral has built up. A coping message that is not crisis talk gets a quiet note, at most one per author and group
/// per <see cref="SafetyOptions.CopingCooldown"/> (<see cref="CopingLimiter"/>). Driven only by message timestamps,
/// never the clock, so the live monitor and the <c>analyze</c> verb make the same decisions. Thread-safe; memory per
/// group is bounded by the window.
/// </summary>
public sealed class SpiralDetector
{
    /// <summary>Most fatalistic messages remembered per group, whatever the window.</summary>
    public const int MaxEntriesPerGroup = 200;

    private const int ExcerptLength = 140;

    private readonly SafetyOptions _options;
    private readonly CopingLimiter _coping;
    private readonly Dictionary<string, GroupState> _groups = new(StringComparer.Ordinal);
    private readonly Lock _lock = new();

    /// <summary>Creates a detector with the given settings.</summary>
    public SpiralDetector(SafetyOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        _options = options;
        _coping = new CopingLimiter(options);
    }

    /// <summary>Observes one classified message of a group and says which alerts fire at it.</summary>
    /// <param name="groupId">The group.</param>
    /// <param name="authorKey">Who wrote it: a person id, or an anonymity handle for an anonymous post.</param>
    /// <param name="timestamp">When it was written.</param>
    /// <param name="assessment">The classification.</param>
    /// <param name="text">The text, for the excerpt a spiral keeps.</param>
    public SafetyDecision Observe(string groupId, string authorKey, DateTimeOffset timestamp, MessageAssessment assessment, string text)
    {
        ArgumentNullException.ThrowIfNull(groupId);
        ArgumentNullException.ThrowIfNull(authorKey);
        ArgumentNullException.ThrowIfNull(assessment);
        ArgumentNullException.ThrowIfNull(text);

        // A crisis message goes to a professional at once: a coping note about it would say less, later.
        var coping = assessment.Coping && !assessment.Crisis && _coping.TryNote(groupId, authorKey, timestamp);
        var spiral = assessment.Fatalistic ? ObserveFatalistic(groupId, authorKey, timestamp, assessment, text) : null;
        return !assessment.Crisis && spiral is null && !coping ? SafetyDecision.None : new SafetyDecision(assessment.Crisis, spiral, coping);
    }

    /// <summary>
    /// Tells the detector that a coping note about <paramref name="authorKey"/> in a group was sent at
    /// <paramref name="notedAt"/> before it was created (a previous run), so the per-person limit holds across a restart.
    /// </summary>
    public void RememberCopingNote(string groupId, string authorKey, DateTimeOffset notedAt) => _coping.Remember(groupId, authorKey, notedAt);

    private IReadOnlyList<SpiralEntry>? ObserveFatalistic(string groupId, string authorKey, DateTimeOffset timestamp, MessageAssessment assessment, string text)
    {
        IReadOnlyList<SpiralEntry>? spiral = null;
        lock (_lock)
        {
            if (!_groups.TryGetValue(groupId, out var state))
            {
                state = new GroupState();
                _groups[groupId] = state;
            }

            if (timestamp > state.Latest)
            {
                state.Latest = timestamp;
            }

            state.Entries.Enqueue(new SpiralEntry(timestamp, authorKey, Excerpt(text), assessment.Reasons));
            while (state.Entries.Count > 0
                && (state.Latest - state.Entries.Peek().Timestamp > _options.SpiralWindow || state.Entries.Count > MaxEntriesPerGroup))
            {
                state.Entries.Dequeue();
            }

            var coolingDown = state.LastAlert is { } last && timestamp - last < _options.AlertCooldown;
            if (!coolingDown
                && state.Entries.Count >= _options.SpiralMinMessages
                && DistinctAuthors(state.Entries) >= _options.SpiralMinPeople)
            {
                spiral = state.Entries.ToArray();
                state.Entries.Clear();
                state.LastAlert = timestamp;
            }
        }

        return spiral;
    }

    /// <summary>
    /// Tells the detector that a spiral alert fired for a group at <paramref name="raisedAt"/> before it was
    /// created (a previous run), so the cooldown holds across a restart. A later remembered alert wins.
    /// </summary>
    public void RememberAlert(string groupId, DateTimeOffset raisedAt)
    {
        ArgumentNullException.ThrowIfNull(groupId);
        lock (_lock)
        {
            if (!_groups.TryGetValue(groupId, out var state))
            {
                state = new GroupState();
                _groups[groupId] = state;
            }

            if (state.LastAlert is not { } last || raisedAt > last)
            {
                state.LastAlert = raisedAt;
            }
        }
    }

    /// <summary>
    /// Forgets every message held from these authors, in every group (<c>/peer forget-me</c>), so their words cannot
    /// reach a later spiral alert; returns how many were dropped. The cooldowns are kept: they name nobody. So are the
    /// times of coping notes, which hold no words and mirror the stored coping alerts.
    /// </summary>
    public int Forget(IReadOnlyCollection<string> authorKeys)
    {
        ArgumentNullException.ThrowIfNull(authorKeys);
        var dropped = 0;
        lock (_lock)
        {
            foreach (var state in _groups.Values)
            {
                var kept = state.Entries.Where(e => !authorKeys.Contains(e.AuthorKey, StringComparer.Ordinal)).ToList();
                dropped += state.Entries.Count - kept.Count;
                if (kept.Count != state.Entries.Count)
                {
                    state.Entries.Clear();
                    foreach (var entry in kept)
                    {
                        state.Entries.Enqueue(entry);
                    }
                }
            }
        }

        return dropped;
    }

    /// <summary>How long a fatalistic message counts towards a spiral (<see cref="SafetyOptions.SpiralWindow"/>).</summary>
    public TimeSpan Window => _options.SpiralWindow;

    /// <summary>
    /// Gives the detector fatalistic messages of a group that a previous run observed and that no alert has counted
    /// yet, so a spiral whose messages straddle a restart still alerts. Call <see cref="RememberAlert"/> first: entries
    /// at or before the group's last spiral alert were counted or cleared by it and are left out, as are entries the
    /// detector already holds (same time, author and excerpt). The window and the per-group limit apply as in
    /// <see cref="Observe"/>, measured from the latest message held. Seeding decides nothing on its own, except when
    /// the restored messages already make a spiral outside any cooldown (a run that stopped between keeping a message
    /// and alerting on it): then that spiral is returned, cleared and the cooldown starts at its latest message, as
    /// <see cref="Observe"/> would have done.
    /// </summary>
    /// <returns>The spiral to alert on, or null.</returns>
    public IReadOnlyList<SpiralEntry>? Seed(string groupId, IEnumerable<SpiralEntry> entries)
    {
        ArgumentNullException.ThrowIfNull(groupId);
        ArgumentNullException.ThrowIfNull(entries);
        lock (_lock)
        {
            if (!_groups.TryGetValue(groupId, out var state))
            {
                state = new GroupState();
                _groups[groupId] = state;
            }

            var held = state.Entries.ToList();
            var added = false;
            foreach (var entry in entries)
            {
                ArgumentNullException.ThrowIfNull(entry);
                if ((state.LastAlert is { } last && entry.Timestamp <= last) || held.Exists(h => SameMessage(h, entry)))
                {
                    continue;
                }

                held.Add(entry);
                added = true;
            }

            if (!added)
            {
                return null;
            }

            state.Entries.Clear();
            foreach (var entry in held.OrderBy(e => e.Timestamp))
            {
                state.Entries.Enqueue(entry);
                if (entry.Timestamp > state.Latest)
                {
                    state.Latest = entry.Timestamp;
                }
            }

            while (state.Entries.Count > 0
                && (state.Latest - state.Entries.Peek().Timestamp > _options.SpiralWindow || state.Entries.Count > MaxEntriesPerGroup))
            {
                state.Entries.Dequeue();
            }

            var coolingDown = state.LastAlert is { } lastAlert && state.Latest - lastAlert < _options.AlertCooldown;
            if (coolingDown
                || state.Entries.Count < _options.SpiralMinMessages
                || DistinctAuthors(state.Entries) < _options.SpiralMinPeople)
            {
                return null;
            }

            var spiral = state.Entries.ToArray();
            state.Entries.Clear();
            state.LastAlert = state.Latest;
            return spiral;
        }
    }

    private static bool SameMessage(SpiralEntry a, SpiralEntry b) =>
        a.Timestamp == b.Timestamp
        && string.Equals(a.AuthorKey, b.AuthorKey, StringComparison.Ordinal)
        && string.Equals(a.Excerpt, b.Excerpt, StringComparison.Ordinal);

    /// <summary>Makes a short excerpt of a message for an alert: one line, at most 140 characters.</summary>
    public static string Excerpt(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        var oneLine = string.Join(' ', text.Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries));
        return oneLine.Length <= ExcerptLength ? oneLine : string.Concat(oneLine.AsSpan(0, ExcerptLength - 1), "\u2026");
    }

    private static int DistinctAuthors(Queue<SpiralEntry> entries)
    {
        var count = 0;
        var seen = 0;
        foreach (var entry in entries)
        {
            var earlier = false;
            var index = 0;
            foreach (var other in entries)
            {
                if (index++ >= seen)
                {
                    break;
                }

                if (string.Equals(other.AuthorKey, entry.AuthorKey, StringComparison.Ordinal))
                {
                    earlier = true;
                    break;
                }
            }

            seen++;
            if (!earlier)
            {
                count++;
            }
        }

        return count;
    }

    private sealed class GroupState
    {
        public Queue<SpiralEntry> Entries { get; } = new();

        public DateTimeOffset Latest { get; set; } = DateTimeOffset.MinValue;

        public DateTimeOffset? LastAlert { get; set; }
    }
}
