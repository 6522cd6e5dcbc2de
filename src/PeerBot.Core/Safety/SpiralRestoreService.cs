using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace PeerBot.Core.Safety;

/// <summary>
/// At start, seeds the spiral detector with the fatalistic messages a previous run kept that are still within the
/// spiral window (<see cref="SafetyMonitor.RestoreAsync"/>). Runs in the background, so a platform that is slow to
/// answer a restored alert's delivery never holds up the start; a message that arrives first restores it itself. A
/// failed restore (any exception) is logged and tried again with a growing delay until it succeeds or the host stops.
/// </summary>
public sealed partial class SpiralRestoreService : BackgroundService
{
    /// <summary>The longest wait between attempts after failed restores.</summary>
    public static readonly TimeSpan MaxRetryDelay = TimeSpan.FromMinutes(15);

    private readonly SafetyMonitor _monitor;
    private readonly TimeProvider _time;
    private readonly ILogger<SpiralRestoreService> _logger;

    /// <summary>Creates the service.</summary>
    public SpiralRestoreService(SafetyMonitor monitor, TimeProvider time, ILogger<SpiralRestoreService> logger)
    {
        _monitor = monitor;
        _time = time;
        _logger = logger;
    }

    /// <summary>Completes once the restore has run the first time (successfully or not); tests wait on it instead of sleeping.</summary>
    public Task Completed => _completed.Task;

    private readonly TaskCompletionSource _completed = new(TaskCreationOptions.RunContinuationsAsynchronously);

    /// <inheritdoc />
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var failures = 0;
        try
        {
            while (!stoppingToken.IsCancellationRequested)
            {
                try
                {
                    await _monitor.RestoreAsync(stoppingToken).ConfigureAwait(false);
                    if (failures > 0)
                    {
                        LogRestoredAfterRetry(failures);
                    }

                    return;
                }
                catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
                {
                    return;
                }
#pragma warning disable CA1031 // Not fatal (a failed store read, a call that timed out): logged and tried again later.
                catch (Exception ex)
#pragma warning restore CA1031
                {
                    failures++;
                    var delay = RetryDelay(failures);
                    LogFailed(ex, delay);
                    _completed.TrySetResult();
                    await Task.Delay(delay, _time, stoppingToken).ConfigureAwait(false);
                }
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
            // Stopping during a retry's wait.
        }
        finally
        {
            _completed.TrySetResult();
        }
    }

    /// <summary>
    /// The wait before trying again after <paramref name="failures"/> failed restores: 30 s, doubling, at most
    /// <see cref="MaxRetryDelay"/>. A fatalistic message arriving meanwhile restores the window itself.
    /// </summary>
    public static TimeSpan RetryDelay(int failures) => ClockWaits.Backoff(failures, TimeSpan.FromSeconds(30), MaxRetryDelay);

    [LoggerMessage(Level = LogLevel.Information, Message = "The spiral window kept by the previous run was restored after {Failures} failed attempt(s).")]
    private partial void LogRestoredAfterRetry(int failures);

    [LoggerMessage(Level = LogLevel.Error, Message = "The spiral window kept by the previous run could not be restored; it is tried again in {Delay} or by the first fatalistic message, whichever comes first.")]
    private partial void LogFailed(Exception exception, TimeSpan delay);
}
