using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace PeerBot.Core.Digest;

/// <summary>Runs <see cref="DigestScheduler"/>: a pass, then a wait (capped, so a changed clock or setting is seen within the hour).</summary>
public sealed partial class DigestSchedulerService : BackgroundService
{
    /// <summary>The longest failed-pass backoff.</summary>
    public static readonly TimeSpan MaxRetryDelay = TimeSpan.FromMinutes(15);

    private readonly DigestScheduler _scheduler;
    private readonly TimeProvider _time;
    private readonly ILogger<DigestSchedulerService> _logger;

    /// <summary>Creates the service.</summary>
    public DigestSchedulerService(DigestScheduler scheduler, TimeProvider time, ILogger<DigestSchedulerService> logger)
    {
        _scheduler = scheduler;
        _time = time;
        _logger = logger;
    }

    /// <summary>Raised after each pass with the time of the next one (tests wait on it instead of sleeping).</summary>
    public event EventHandler<DateTimeOffset>? PassCompleted;

    /// <inheritdoc />
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var failures = 0;
        while (!stoppingToken.IsCancellationRequested)
        {
            TimeSpan wait;
            try
            {
                var next = await _scheduler.RunDueAsync(stoppingToken).ConfigureAwait(false);
                failures = 0;
                wait = next is { } at ? ClockWaits.Until(at, _time.GetUtcNow()) : ClockWaits.MaxWait;
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                return;
            }
#pragma warning disable CA1031 // A failed pass is logged and retried; the host keeps running.
            catch (Exception ex)
#pragma warning restore CA1031
            {
                failures++;
                wait = ClockWaits.Backoff(failures, TimeSpan.FromSeconds(30), MaxRetryDelay);
                LogPassFailed(ex, wait);
            }

            PassCompleted?.Invoke(this, _time.GetUtcNow() + wait);
            try
            {
                await Task.Delay(wait, _time, stoppingToken).ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                return;
            }
        }
    }

    [LoggerMessage(Level = LogLevel.Error, Message = "A digest pass failed; trying again in {Delay}")]
    private partial void LogPassFailed(Exception exception, TimeSpan delay);
}
