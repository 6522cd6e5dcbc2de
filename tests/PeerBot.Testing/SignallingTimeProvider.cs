using Microsoft.Extensions.Time.Testing;

namespace PeerBot.Testing;

/// <summary>
/// A <see cref="FakeTimeProvider"/> that tells when a timer is created and which timers are still pending, so a test moves
/// the clock once the code under test has set the timer it waits on, and to exactly the moment the next one is due,
/// instead of sleeping in real time and hoping the code got there. A timer is pending from its creation until it fires
/// (a one-shot timer), is stopped with <see cref="ITimer.Change"/>, or is disposed.
/// </summary>
public sealed class SignallingTimeProvider : FakeTimeProvider
{
    private readonly object _gate = new();
    private readonly List<TrackedTimer> _pending = [];
    private TaskCompletionSource _created = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private int _timersCreated;

    /// <summary>A clock starting at <see cref="FakeTimeProvider"/>'s default moment.</summary>
    public SignallingTimeProvider()
    {
    }

    /// <summary>A clock starting at <paramref name="start"/>.</summary>
    public SignallingTimeProvider(DateTimeOffset start)
        : base(start)
    {
    }

    /// <summary>Raised on the creating thread once a timer exists, with the time until it is first due.</summary>
    public event Action<TimeSpan>? TimerCreated;

    /// <summary>How many timers have been created.</summary>
    public int TimersCreated => Volatile.Read(ref _timersCreated);

    /// <summary>Completes when the next timer is created: read it before checking state, then await it.</summary>
    public Task WhenTimerCreated => Volatile.Read(ref _created).Task;

    /// <summary>How many timers are pending.</summary>
    public int PendingTimers
    {
        get
        {
            lock (_gate)
            {
                return _pending.Count;
            }
        }
    }

    /// <summary>When the earliest pending timer is due; null when none is pending.</summary>
    public DateTimeOffset? NextDue
    {
        get
        {
            lock (_gate)
            {
                DateTimeOffset? next = null;
                foreach (var timer in _pending)
                {
                    if (next is null || timer.Due < next)
                    {
                        next = timer.Due;
                    }
                }

                return next;
            }
        }
    }

    /// <summary>Completes once more than <paramref name="count"/> timers have been created in all.</summary>
    public async Task WaitForTimersCreatedAsync(int count, TimeSpan timeout)
    {
        using var safetyNet = new CancellationTokenSource(timeout);
        while (true)
        {
            var created = Volatile.Read(ref _created).Task;
            if (TimersCreated > count)
            {
                return;
            }

            try
            {
                await created.WaitAsync(safetyNet.Token);
            }
            catch (OperationCanceledException) when (safetyNet.IsCancellationRequested)
            {
                throw new TimeoutException($"No timer was created within {timeout} (created so far: {TimersCreated}, waiting for more than {count}).");
            }
        }
    }

    /// <summary>Moves the clock to the earliest pending timer, firing it (and any due at the same moment); false when none is pending.</summary>
    public bool AdvanceToNextDue()
    {
        if (NextDue is not { } due)
        {
            return false;
        }

        AdvanceTo(due);
        return true;
    }

    /// <summary>Moves the clock to <paramref name="moment"/> when that is later than now, firing every timer due by then.</summary>
    public void AdvanceTo(DateTimeOffset moment)
    {
        var now = GetUtcNow();
        if (moment > now)
        {
            Advance(moment - now);
        }
    }

    /// <inheritdoc />
    public override ITimer CreateTimer(TimerCallback callback, object? state, TimeSpan dueTime, TimeSpan period)
    {
        var tracked = new TrackedTimer(this, callback, state);
        tracked.Schedule(dueTime, period);
        tracked.Inner = base.CreateTimer(static s => ((TrackedTimer)s!).Fire(), tracked, dueTime, period);
        Interlocked.Increment(ref _timersCreated);
        TimerCreated?.Invoke(dueTime);
        Interlocked.Exchange(ref _created, new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously)).TrySetResult();
        return tracked;
    }

    private sealed class TrackedTimer(SignallingTimeProvider owner, TimerCallback callback, object? state) : ITimer
    {
        private TimeSpan _period = Timeout.InfiniteTimeSpan;
        private bool _disposed;

        public ITimer? Inner { get; set; }

        public DateTimeOffset Due { get; private set; }

        public void Schedule(TimeSpan dueTime, TimeSpan period)
        {
            lock (owner._gate)
            {
                if (_disposed)
                {
                    return;
                }

                _period = period;
                owner._pending.Remove(this);
                if (dueTime != Timeout.InfiniteTimeSpan)
                {
                    Due = owner.GetUtcNow() + dueTime;
                    owner._pending.Add(this);
                }
            }
        }

        public void Fire()
        {
            lock (owner._gate)
            {
                owner._pending.Remove(this);
                if (!_disposed && _period != Timeout.InfiniteTimeSpan && _period > TimeSpan.Zero)
                {
                    Due += _period;
                    owner._pending.Add(this);
                }
            }

            callback(state);
        }

        public bool Change(TimeSpan dueTime, TimeSpan period)
        {
            Schedule(dueTime, period);
            return Inner!.Change(dueTime, period);
        }

        public void Dispose()
        {
            lock (owner._gate)
            {
                _disposed = true;
                owner._pending.Remove(this);
            }

            Inner?.Dispose();
        }

        public async ValueTask DisposeAsync()
        {
            lock (owner._gate)
            {
                _disposed = true;
                owner._pending.Remove(this);
            }

            if (Inner is not null)
            {
                await Inner.DisposeAsync();
            }
        }
    }
}
