using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace PeerBot.Core.Sharing;

/// <summary>
/// Works the anonymous outbox: wakes when a post is due (or a new one is accepted) and lets
/// <see cref="AnonymousOutbox.ProcessDueAsync"/> deliver it. On start it picks up whatever a
/// previous run left, including posts a crash left half-sent. A post due however far ahead is waited for a minute at a
/// time; a failed pass is logged and retried with a growing delay, never stopping the host.
/// </summary>
public sealed partial class AnonymousDeliveryWorker : BackgroundService
{
    /// <summary>The wait before the first retry after a failed pass.</summary>
    public static readonly TimeSpan FirstRetryDelay = TimeSpan.FromSeconds(30);

    /// <summary>The longest wait before retrying after failed passes.</summary>
    public static readonly TimeSpan MaxRetryDelay = TimeSpan.FromMinutes(10);

    private static readonly TimeSpan IdlePoll = TimeSpan.FromMinutes(1);
    private readonly AnonymousSharingService _sharing;
    private readonly TimeProvider _time;
    private readonly ILogger<AnonymousDeliveryWorker> _logger;

    /// <summary>Creates the worker.</summary>
    public AnonymousDeliveryWorker(AnonymousSharingService sharing, TimeProvider time, ILogger<AnonymousDeliveryWorker> logger)
    {
        _sharing = sharing;
        _time = time;
        _logger = logger;
    }

    /// <inheritdoc />
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var failures = 0;
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                var passStart = _time.GetUtcNow();
                var done = await _sharing.Outbox.ProcessDueAsync(stoppingToken).ConfigureAwait(false);
                var next = _sharing.Outbox.NextDueAt();

                // Rounded up: a wait that ends a fraction of a millisecond early finds nothing due and spins on zero-length
                // waits. Capped: a post due in years is waited for a poll at a time.
                var wait = next is { } due ? ClockWaits.Until(due, _time.GetUtcNow(), IdlePoll) : IdlePoll;
                if (done == 0 && next < passStart)
                {
                    // A post was due before the pass began, yet the pass found nothing to do: the store disagrees with
                    // itself. Back off instead of spinning on it.
                    failures++;
                    var delay = RetryDelay(failures);
                    LogStalled(delay);
                    await _sharing.Outbox.WaitForWorkAsync(delay, stoppingToken).ConfigureAwait(false);
                    continue;
                }

                failures = 0;
                if (wait > TimeSpan.Zero)
                {
                    await _sharing.Outbox.WaitForWorkAsync(wait, stoppingToken).ConfigureAwait(false);
                }
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                return;
            }
#pragma warning disable CA1031 // The outbox must keep running; the failure is logged and retried after a pause.
            catch (Exception ex)
#pragma warning restore CA1031
            {
                failures++;
                var delay = RetryDelay(failures);
                LogFailed(ex.GetType().Name, delay);
                try
                {
                    await Task.Delay(delay, _time, stoppingToken).ConfigureAwait(false);
                }
                catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
                {
                    return;
                }
            }
        }
    }

    /// <summary>The wait before retrying after <paramref name="failures"/> failed passes in a row: 30 s, doubling, at most <see cref="MaxRetryDelay"/>.</summary>
    public static TimeSpan RetryDelay(int failures) => ClockWaits.Backoff(failures, FirstRetryDelay, MaxRetryDelay);

    [LoggerMessage(Level = LogLevel.Error, Message = "The anonymous delivery worker failed ({ExceptionType}); it retries in {Delay}.")]
    private partial void LogFailed(string exceptionType, TimeSpan delay);

    [LoggerMessage(Level = LogLevel.Warning, Message = "The anonymous outbox reports a post due but none could be taken; the worker looks again in {Delay}.")]
    private partial void LogStalled(TimeSpan delay);
}
