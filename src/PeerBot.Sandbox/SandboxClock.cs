using PeerBot.Core;

namespace PeerBot.Sandbox;

/// <summary>
/// The sandbox's own clock: another clock (the system's) plus an offset that only moves forward, so a
/// visitor can jump to the next scheduled prompt instead of waiting for Tuesday. Timers made through it
/// are tracked and re-armed on every jump, so whatever fell due in the skipped time fires at once and the
/// rest keep their due time in sandbox time. The offset can be kept with the sandbox's data, so its messages
/// are never dated after "now" once the program restarts.
/// </summary>
public sealed class SandboxClock : TimeProvider
{
    private readonly TimeProvider _inner;
    private readonly object _gate = new();
    private readonly HashSet<SandboxTimer> _timers = [];
    private readonly Action<TimeSpan>? _saveOffset;
    private TimeSpan _offset;

    /// <summary>Creates a clock over the system clock.</summary>
    public SandboxClock() : this(System) { }

    /// <summary>Creates a clock over another clock (tests pass a fake one).</summary>
    public SandboxClock(TimeProvider inner) : this(inner, TimeSpan.Zero, null) { }

    /// <summary>
    /// Creates a clock over another clock, already <paramref name="offset"/> ahead (the offset kept from an earlier
    /// run), that hands every new offset to <paramref name="saveOffset"/> before any timer fires for it.
    /// </summary>
    public SandboxClock(TimeProvider inner, TimeSpan offset, Action<TimeSpan>? saveOffset)
    {
        ArgumentNullException.ThrowIfNull(inner);
        ArgumentOutOfRangeException.ThrowIfLessThan(offset, TimeSpan.Zero);
        _inner = inner;
        _offset = offset;
        _saveOffset = saveOffset;
    }

    /// <summary>Raised after the clock jumped, with the new time.</summary>
    public event EventHandler<DateTimeOffset>? Advanced;

    /// <summary>How far the sandbox is ahead of the clock beneath it.</summary>
    public TimeSpan Offset
    {
        get
        {
            lock (_gate)
            {
                return _offset;
            }
        }
    }

    /// <summary>Timers currently waiting (for tests and diagnostics).</summary>
    internal int PendingTimerCount
    {
        get
        {
            lock (_gate)
            {
                return _timers.Count;
            }
        }
    }

    /// <inheritdoc />
    public override DateTimeOffset GetUtcNow() => _inner.GetUtcNow() + Offset;

    /// <inheritdoc />
    public override long GetTimestamp() => _inner.GetTimestamp() + OffsetTicks(Offset);

    /// <inheritdoc />
    public override long TimestampFrequency => _inner.TimestampFrequency;

    /// <inheritdoc />
    public override TimeZoneInfo LocalTimeZone => _inner.LocalTimeZone;

    /// <inheritdoc />
    public override ITimer CreateTimer(TimerCallback callback, object? state, TimeSpan dueTime, TimeSpan period)
    {
        ArgumentNullException.ThrowIfNull(callback);
        var timer = new SandboxTimer(this, callback, state);
        lock (_gate)
        {
            _timers.Add(timer);
        }

        timer.Change(dueTime, period);
        return timer;
    }

    /// <summary>Moves the clock forward; timers due in the skipped span fire now.</summary>
    /// <returns>The new time.</returns>
    public DateTimeOffset Advance(TimeSpan by)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(by, TimeSpan.Zero);
        SandboxTimer[] timers;
        lock (_gate)
        {
            _offset += by;

            // Saved under the lock, so two jumps are kept in the order they happened.
            _saveOffset?.Invoke(_offset);
            timers = [.. _timers];
        }

        foreach (var timer in timers)
        {
            timer.Rearm();
        }

        var now = GetUtcNow();
        Advanced?.Invoke(this, now);
        return now;
    }

    /// <summary>Moves the clock forward to a time; a time already past leaves it as it is.</summary>
    /// <returns>The new time.</returns>
    public DateTimeOffset AdvanceTo(DateTimeOffset when)
    {
        var gap = when - GetUtcNow();
        return gap > TimeSpan.Zero ? Advance(gap) : GetUtcNow();
    }

    private long OffsetTicks(TimeSpan offset) =>
        (long)(offset.Ticks * ((double)_inner.TimestampFrequency / TimeSpan.TicksPerSecond));

    private void Forget(SandboxTimer timer)
    {
        lock (_gate)
        {
            _timers.Remove(timer);
        }
    }

    /// <summary>
    /// A timer whose due time is kept in sandbox time; the timer beneath is always one-shot and armed for
    /// the time remaining, so a jump of the offset only needs a re-arm.
    /// </summary>
    private sealed class SandboxTimer : ITimer
    {
        private readonly SandboxClock _clock;
        private readonly TimerCallback _callback;
        private readonly object? _state;
        private readonly ITimer _inner;
        private readonly object _gate = new();
        private DateTimeOffset? _dueAt;
        private TimeSpan _period = Timeout.InfiniteTimeSpan;
        private bool _disposed;

        public SandboxTimer(SandboxClock clock, TimerCallback callback, object? state)
        {
            _clock = clock;
            _callback = callback;
            _state = state;
            _inner = clock._inner.CreateTimer(static s => ((SandboxTimer)s!).Fire(), this, Timeout.InfiniteTimeSpan, Timeout.InfiniteTimeSpan);
        }

        public bool Change(TimeSpan dueTime, TimeSpan period)
        {
            if (dueTime < TimeSpan.Zero && dueTime != Timeout.InfiniteTimeSpan)
            {
                throw new ArgumentOutOfRangeException(nameof(dueTime));
            }

            if (period < TimeSpan.Zero && period != Timeout.InfiniteTimeSpan)
            {
                throw new ArgumentOutOfRangeException(nameof(period));
            }

            lock (_gate)
            {
                if (_disposed)
                {
                    return false;
                }

                _period = period;
                if (dueTime == Timeout.InfiniteTimeSpan)
                {
                    _dueAt = null;
                    _inner.Change(Timeout.InfiniteTimeSpan, Timeout.InfiniteTimeSpan);
                }
                else
                {
                    _dueAt = _clock.GetUtcNow() + dueTime;
                    _inner.Change(dueTime, Timeout.InfiniteTimeSpan);
                }

                return true;
            }
        }

        public void Rearm()
        {
            lock (_gate)
            {
                if (_disposed || _dueAt is not { } dueAt)
                {
                    return;
                }

                var remaining = dueAt - _clock.GetUtcNow();
                _inner.Change(remaining > TimeSpan.Zero ? remaining : TimeSpan.Zero, Timeout.InfiniteTimeSpan);
            }
        }

        public void Dispose()
        {
            lock (_gate)
            {
                if (_disposed)
                {
                    return;
                }

                _disposed = true;
                _dueAt = null;
                _inner.Dispose();
            }

            _clock.Forget(this);
        }

        public ValueTask DisposeAsync()
        {
            Dispose();
            return ValueTask.CompletedTask;
        }

        private void Fire()
        {
            lock (_gate)
            {
                if (_disposed || _dueAt is not { } dueAt)
                {
                    return;
                }

                var now = _clock.GetUtcNow();
                if (now < dueAt)
                {
                    // The timer beneath is armed in its own time; only sandbox time decides when this is due.
                    _inner.Change(ClockWaits.WholeMilliseconds(dueAt - now), Timeout.InfiniteTimeSpan);
                    return;
                }

                if (_period == Timeout.InfiniteTimeSpan || _period == TimeSpan.Zero)
                {
                    _dueAt = null;
                }
                else
                {
                    _dueAt = now + _period;
                    _inner.Change(_period, Timeout.InfiniteTimeSpan);
                }
            }

            _callback(_state);
        }
    }
}
