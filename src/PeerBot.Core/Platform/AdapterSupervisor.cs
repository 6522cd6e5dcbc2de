using Microsoft.Extensions.Logging;

namespace PeerBot.Core.Platform;

/// <summary>
/// Keeps an adapter's connection loop running: when the loop fails on anything but a fatal error (a bad token, a bad
/// setting, which only the operator can fix), the failure is logged as an error for operators and the loop starts again
/// after a backoff (doubling from <c>baseDelay</c> up to <c>maxDelay</c>; back to the base once a run lasted
/// <see cref="StableRun"/>). Nothing the network or a platform's frame does can then stop the adapter for good, while
/// alerts and anonymous posts wait in their stores until it is back.
/// </summary>
public static partial class AdapterSupervisor
{
    /// <summary>A run at least this long counts as healthy: the next failure starts the backoff again from its base.</summary>
    public static readonly TimeSpan StableRun = TimeSpan.FromMinutes(10);

    /// <summary>
    /// Runs <paramref name="loop"/> until it returns, <paramref name="stoppingToken"/> is cancelled, or it throws an
    /// exception <paramref name="isFatal"/> accepts (rethrown for the adapter to stop on).
    /// </summary>
    /// <param name="adapter">The adapter's name for the log ("Discord", "Slack").</param>
    /// <param name="loop">The connection loop.</param>
    /// <param name="isFatal">Errors that must stop the adapter (the operator has to act).</param>
    /// <param name="time">The clock backoffs wait on.</param>
    /// <param name="baseDelay">The first wait.</param>
    /// <param name="maxDelay">The longest wait.</param>
    /// <param name="logger">Where failures are reported.</param>
    /// <param name="stoppingToken">Stops the loop and the waits.</param>
    /// <returns>The number of restarts made.</returns>
    public static async Task<int> RunAsync(
        string adapter,
        Func<CancellationToken, Task> loop,
        Func<Exception, bool> isFatal,
        TimeProvider time,
        TimeSpan baseDelay,
        TimeSpan maxDelay,
        ILogger logger,
        CancellationToken stoppingToken)
    {
        ArgumentNullException.ThrowIfNull(loop);
        ArgumentNullException.ThrowIfNull(isFatal);
        ArgumentNullException.ThrowIfNull(time);
        ArgumentNullException.ThrowIfNull(logger);
        var restarts = 0;
        var failuresInARow = 0;
        while (true)
        {
            var started = time.GetUtcNow();
            TimeSpan delay;
            try
            {
                await loop(stoppingToken).ConfigureAwait(false);
                return restarts;
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                throw;
            }
            catch (Exception ex) when (!isFatal(ex) && !stoppingToken.IsCancellationRequested)
            {
                failuresInARow = time.GetUtcNow() - started >= StableRun ? 1 : failuresInARow + 1;
                delay = Backoff(failuresInARow, baseDelay, maxDelay);
                LogRestarting(logger, ex, adapter, failuresInARow, delay);
            }

            await Task.Delay(delay, time, stoppingToken).ConfigureAwait(false);
            restarts++;
            LogRestarted(logger, adapter, restarts);
        }
    }

    /// <summary>The wait before restart number <paramref name="failures"/> (1-based): base × 2^(failures−1), at most <paramref name="maxDelay"/>.</summary>
    public static TimeSpan Backoff(int failures, TimeSpan baseDelay, TimeSpan maxDelay)
    {
        var floor = baseDelay > TimeSpan.Zero ? baseDelay : TimeSpan.FromSeconds(1);
        var ceiling = maxDelay >= floor ? maxDelay : floor;
        var shift = Math.Clamp(failures - 1, 0, 20);
        var ticks = floor.Ticks > ceiling.Ticks >> shift ? ceiling.Ticks : floor.Ticks << shift;
        return TimeSpan.FromTicks(Math.Min(ticks, ceiling.Ticks));
    }

    [LoggerMessage(Level = LogLevel.Error, Message = "The {Adapter} connection loop failed ({Failures} in a row); restarting it in {Delay}. Alerts and anonymous posts wait in the store until it is back.")]
    private static partial void LogRestarting(ILogger logger, Exception exception, string adapter, int failures, TimeSpan delay);

    [LoggerMessage(Level = LogLevel.Warning, Message = "The {Adapter} connection loop restarted (restart {Restarts} since start).")]
    private static partial void LogRestarted(ILogger logger, string adapter, int restarts);
}
