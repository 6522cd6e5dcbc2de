using System.Collections.Concurrent;
using PeerBot.Core;

namespace PeerBot.Slack.Api;

/// <summary>
/// Keeps each method (and each channel for posting) under its calls-per-minute budget with a sliding window,
/// and holds calls back while Slack's <c>Retry-After</c> runs. Waits are rounded up to whole milliseconds: the timer
/// drops the fraction, and a call woken just before its slot would find it still closed and spin on zero-length waits.
/// </summary>
public sealed class SlackRateLimiter(SlackTimers timers)
{
    /// <summary>
    /// How much later than its minute a call may reach Slack than the call it follows: the window is counted on send
    /// times and Slack counts arrival times, so a call slowed on the way (a new connection, a pause on a busy machine)
    /// could otherwise land in the same minute of Slack's as the call one budget later, and draw a 429.
    /// </summary>
    public static readonly TimeSpan LatencyAllowance = TimeSpan.FromMilliseconds(500);

    private static readonly TimeSpan Window = TimeSpan.FromMinutes(1) + LatencyAllowance;
    private readonly ConcurrentDictionary<string, Bucket> _buckets = new(StringComparer.Ordinal);

    /// <summary>Waits until a call under <paramref name="key"/> may go out, then counts it.</summary>
    public async Task WaitAsync(string key, int perMinute, CancellationToken cancellationToken)
    {
        var bucket = _buckets.GetOrAdd(key, _ => new Bucket());
        await bucket.Gate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            while (true)
            {
                var now = timers.Time.GetUtcNow();
                DateTimeOffset pausedUntil;
                lock (bucket)
                {
                    pausedUntil = bucket.PausedUntil;
                }

                if (pausedUntil > now)
                {
                    await timers.DelayAsync(ClockWaits.WholeMilliseconds(pausedUntil - now), $"retry-after {key}", cancellationToken).ConfigureAwait(false);
                    continue;
                }

                while (bucket.Stamps.Count > 0 && bucket.Stamps.Peek() <= now - Window)
                {
                    bucket.Stamps.Dequeue();
                }

                if (bucket.Stamps.Count >= perMinute)
                {
                    await timers.DelayAsync(ClockWaits.WholeMilliseconds(bucket.Stamps.Peek() + Window - now), $"rate-limit {key}", cancellationToken).ConfigureAwait(false);
                    continue;
                }

                bucket.Stamps.Enqueue(now);
                return;
            }
        }
        finally
        {
            bucket.Gate.Release();
        }
    }

    /// <summary>Holds every call under <paramref name="key"/> back for <paramref name="retryAfter"/>.</summary>
    public void Pause(string key, TimeSpan retryAfter)
    {
        var bucket = _buckets.GetOrAdd(key, _ => new Bucket());
        var until = timers.Time.GetUtcNow() + retryAfter;
        lock (bucket)
        {
            if (until > bucket.PausedUntil)
            {
                bucket.PausedUntil = until;
            }
        }
    }

    private sealed class Bucket
    {
        public SemaphoreSlim Gate { get; } = new(1, 1);

        public Queue<DateTimeOffset> Stamps { get; } = new();

        public DateTimeOffset PausedUntil { get; set; }
    }
}
