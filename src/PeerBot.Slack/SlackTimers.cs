namespace PeerBot.Slack;

/// <summary>
/// Every wait of the adapter (backoff, rate limits, timeouts) goes through here, on the injected
/// <see cref="TimeProvider"/>. <see cref="DelayStarted"/> fires once the timer exists, so a test can
/// advance a fake clock exactly when something waits instead of sleeping.
/// </summary>
public sealed class SlackTimers(TimeProvider time)
{
    /// <summary>The clock.</summary>
    public TimeProvider Time { get; } = time;

    /// <summary>Raised when a wait starts, with its length and what it is for.</summary>
    public event Action<TimeSpan, string>? DelayStarted;

    /// <summary>Waits on the clock.</summary>
    public Task DelayAsync(TimeSpan delay, string purpose, CancellationToken cancellationToken)
    {
        if (delay <= TimeSpan.Zero)
        {
            return Task.CompletedTask;
        }

        var task = Task.Delay(delay, Time, cancellationToken);
        DelayStarted?.Invoke(delay, purpose);
        return task;
    }

    /// <summary>A delay of <paramref name="baseDelay"/> doubled per attempt, capped, with jitter between half and all of it.</summary>
    public static TimeSpan Backoff(int attempt, TimeSpan baseDelay, TimeSpan maxDelay)
    {
        var exponent = Math.Clamp(attempt - 1, 0, 20);
        var full = Math.Min(baseDelay.TotalMilliseconds * Math.Pow(2, exponent), maxDelay.TotalMilliseconds);
#pragma warning disable CA5394 // Jitter spreads reconnects; it needs no cryptographic strength.
        var jittered = full * (0.5 + (Random.Shared.NextDouble() * 0.5));
#pragma warning restore CA5394
        return TimeSpan.FromMilliseconds(jittered);
    }
}
