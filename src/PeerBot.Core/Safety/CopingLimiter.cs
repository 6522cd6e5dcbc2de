using PeerBot.Core.Configuration;

namespace PeerBot.Core.Safety;

/// <summary>
/// The rate limit of coping notes: at most one note about the same author (person id, or anonymity handle for an
/// anonymous post) in the same group per <see cref="SafetyOptions.CopingCooldown"/>. Measured on message timestamps,
/// never the clock, so the live monitor and the <c>analyze</c> verb decide alike; both reach it through
/// <see cref="SpiralDetector.Observe"/>. Thread-safe; holds one time per author and group.
/// </summary>
public sealed class CopingLimiter
{
    private const int PruneAbove = 4096;

    private readonly SafetyOptions _options;
    private readonly Dictionary<(string GroupId, string AuthorKey), DateTimeOffset> _lastNote = [];
    private readonly Lock _lock = new();

    /// <summary>Creates a limiter with the given settings.</summary>
    public CopingLimiter(SafetyOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        _options = options;
    }

    /// <summary>How long after a note about a person in a group the next one may be sent.</summary>
    public TimeSpan Cooldown => _options.CopingCooldown;

    /// <summary>
    /// Says whether a coping message written at <paramref name="timestamp"/> gets a note, and if so counts the note, so
    /// the same author's coping messages in the group stay quiet until the cooldown has passed.
    /// </summary>
    public bool TryNote(string groupId, string authorKey, DateTimeOffset timestamp)
    {
        ArgumentNullException.ThrowIfNull(groupId);
        ArgumentNullException.ThrowIfNull(authorKey);
        lock (_lock)
        {
            if (_lastNote.TryGetValue((groupId, authorKey), out var last) && timestamp - last < _options.CopingCooldown)
            {
                return false;
            }

            _lastNote[(groupId, authorKey)] = timestamp;
            if (_lastNote.Count > PruneAbove)
            {
                // Notes whose cooldown has passed no longer limit anything.
                foreach (var key in _lastNote.Where(n => timestamp - n.Value >= _options.CopingCooldown).Select(n => n.Key).ToList())
                {
                    _lastNote.Remove(key);
                }
            }

            return true;
        }
    }

    /// <summary>
    /// Tells the limiter about a note sent before it was created (a previous run's stored coping alert), so the limit
    /// holds across a restart. A later remembered note wins.
    /// </summary>
    public void Remember(string groupId, string authorKey, DateTimeOffset notedAt)
    {
        ArgumentNullException.ThrowIfNull(groupId);
        ArgumentNullException.ThrowIfNull(authorKey);
        lock (_lock)
        {
            if (!_lastNote.TryGetValue((groupId, authorKey), out var last) || notedAt > last)
            {
                _lastNote[(groupId, authorKey)] = notedAt;
            }
        }
    }
}
