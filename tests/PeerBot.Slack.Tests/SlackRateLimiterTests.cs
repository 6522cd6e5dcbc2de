using PeerBot.Slack.Api;
using PeerBot.Testing;

namespace PeerBot.Slack.Tests;

/// <summary>
/// Waits that end a fraction of a millisecond after a whole one: a timer drops the fraction, so without rounding up the
/// call would wake just before its slot, find it still closed and spin on zero-length waits no fake clock ever moves.
/// </summary>
public sealed class SlackRateLimiterTests
{
    private static readonly DateTimeOffset Start = new(2026, 11, 2, 18, 0, 0, TimeSpan.Zero);

    [Fact]
    public async Task WaitAsync_RetryAfterWithFractionOfAMillisecond_GoesOutAtOrAfterItWithoutSpinning()
    {
        var time = new SignallingTimeProvider(Start);
        var timers = new SlackTimers(time);
        var delays = new List<TimeSpan>();
        timers.DelayStarted += (delay, _) =>
        {
            lock (delays)
            {
                delays.Add(delay);
            }
        };
        var limiter = new SlackRateLimiter(timers);
        limiter.Pause("chat.postMessage", TimeSpan.FromTicks(10_004_000));

        await WaitMovingTheClockAsync(time, ct => limiter.WaitAsync("chat.postMessage", 100, ct));

        Assert.True(time.GetUtcNow() >= Start + TimeSpan.FromTicks(10_004_000), $"went out at {time.GetUtcNow():O}, before the Retry-After ran out");
        lock (delays)
        {
            Assert.Equal([TimeSpan.FromMilliseconds(1_001)], delays);
        }
    }

    [Fact]
    public async Task WaitAsync_WindowSlidesAtAFractionOfAMillisecond_GoesOutAtOrAfterItWithoutSpinning()
    {
        var time = new SignallingTimeProvider(Start);
        var limiter = new SlackRateLimiter(new SlackTimers(time));
        await limiter.WaitAsync("conversations.create", 1, CancellationToken.None);
        time.Advance(TimeSpan.FromTicks(6_000));

        await WaitMovingTheClockAsync(time, ct => limiter.WaitAsync("conversations.create", 1, ct));

        var due = Start + TimeSpan.FromMinutes(1) + SlackRateLimiter.LatencyAllowance;
        Assert.True(time.GetUtcNow() >= due, $"went out at {time.GetUtcNow():O}, inside the first call's minute and its latency allowance");
        Assert.True(time.GetUtcNow() < due + TimeSpan.FromMilliseconds(1), "at most a millisecond late");
    }

    /// <summary>
    /// Runs the wait and moves the clock to each timer it sets (no more than a few), failing if it neither finishes nor sets
    /// a timer: that is the spin. The wait is cancelled at the end, so a spinning one stops too.
    /// </summary>
    private static async Task WaitMovingTheClockAsync(SignallingTimeProvider time, Func<CancellationToken, Task> wait)
    {
        using var stop = new CancellationTokenSource();
        using var safetyNet = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        var call = Task.Run(() => wait(stop.Token));
        var moves = 0;
        try
        {
            while (!call.IsCompleted)
            {
                var created = time.WhenTimerCreated;
                if (time.PendingTimers > 0)
                {
                    Assert.True(++moves <= 5, "the call kept setting timers without going out");

                    // On another thread: a timer's continuation may run inline in the move, and a spinning one never returns.
                    await Task.Run(time.AdvanceToNextDue).WaitAsync(safetyNet.Token);
                    continue;
                }

                await Task.WhenAny(call, created).WaitAsync(safetyNet.Token);
            }
        }
        catch (OperationCanceledException) when (safetyNet.IsCancellationRequested)
        {
            Assert.Fail($"the call set no timer and did not go out (spinning); clock {time.GetUtcNow():O}");
        }
        finally
        {
            await stop.CancelAsync();
        }

        await call;
    }
}
