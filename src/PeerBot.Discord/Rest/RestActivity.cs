namespace PeerBot.Discord.Rest;

/// <summary>What a request is waiting for.</summary>
internal enum RestWaitKind
{
    /// <summary>Behind another request of its bucket (bucket requests go one at a time): not a timer.</summary>
    BucketQueue,

    /// <summary>For its exhausted bucket to reset.</summary>
    BucketReset,

    /// <summary>For a slot in the global requests-per-second limit.</summary>
    GlobalLimit,

    /// <summary>For a global pause (after a global 429) to end.</summary>
    GlobalPause,

    /// <summary>For the backoff after a 5xx answer or a failed connection.</summary>
    RetryBackoff,

    /// <summary>For the pace of opening direct-message channels, or the backoff after Discord said they open too fast.</summary>
    DirectChannelPacing,

    /// <summary>Behind another direct-message channel being opened: not a timer.</summary>
    DirectChannelQueue,
}

/// <summary>A wait a request started: what for, on which bucket, and how long on the clock (null for a queue).</summary>
internal readonly record struct RestWait(RestWaitKind Kind, string Bucket, TimeSpan? Delay);

/// <summary>
/// Which requests are inside the REST client and which of them are parked: waiting on the clock, or queued behind another
/// request of their bucket. A test on a fake clock reads it to know that every request is waiting, and only then moves the
/// clock, instead of sleeping in real time. A clock that reports its timers cannot tell this alone: a request queued on a
/// bucket waits on no timer, and a request's timeout timer exists while it is not waiting at all.
/// Nothing in production reads it; it costs a lock per request and per wait.
/// </summary>
internal sealed class RestActivity
{
    private readonly object _gate = new();
    private readonly List<Task> _parked = [];
    private int _active;
    private TaskCompletionSource? _changed;

    /// <summary>Raised once a wait has started: its timer exists, or the request has joined its bucket's queue.</summary>
    public event Action<RestWait>? WaitStarted;

    /// <summary>Requests inside the client.</summary>
    public int Active
    {
        get
        {
            lock (_gate)
            {
                return _active;
            }
        }
    }

    /// <summary>
    /// True when every request inside the client is parked (or none is inside): nothing happens until the clock moves.
    /// A wait that has just ended counts as running even before its request resumes, so a test never moves the clock twice
    /// for one wait.
    /// </summary>
    public bool IsIdle
    {
        get
        {
            lock (_gate)
            {
                return IdleLocked();
            }
        }
    }

    /// <summary>Completes once <see cref="IsIdle"/> holds.</summary>
    public async Task WhenIdleAsync(CancellationToken cancellationToken)
    {
        while (true)
        {
            Task changed;
            lock (_gate)
            {
                if (IdleLocked())
                {
                    return;
                }

                changed = (_changed ??= new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously)).Task;
            }

            await changed.WaitAsync(cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>A request came in.</summary>
    public void Enter()
    {
        lock (_gate)
        {
            _active++;
        }

        Notify();
    }

    /// <summary>A request is done.</summary>
    public void Exit()
    {
        lock (_gate)
        {
            _active--;
        }

        Notify();
    }

    /// <summary>Waits for <paramref name="wait"/>, the request counted as parked until it completes.</summary>
    public async Task ParkAsync(Task wait, RestWait what)
    {
        if (wait.IsCompleted)
        {
            await wait.ConfigureAwait(false);
            return;
        }

        lock (_gate)
        {
            _parked.Add(wait);
        }

        Notify();
        WaitStarted?.Invoke(what);
        try
        {
            await wait.ConfigureAwait(false);
        }
        finally
        {
            lock (_gate)
            {
                _parked.Remove(wait);
            }
        }
    }

    private bool IdleLocked()
    {
        // Read the waits' state now: a bucket's queue or a fired timer completes the task at once, while the request
        // resumes later on the thread pool.
        var parked = 0;
        foreach (var wait in _parked)
        {
            if (!wait.IsCompleted)
            {
                parked++;
            }
        }

        return parked >= _active;
    }

    private void Notify()
    {
        TaskCompletionSource? changed;
        lock (_gate)
        {
            changed = _changed;
            _changed = null;
        }

        changed?.TrySetResult();
    }
}
