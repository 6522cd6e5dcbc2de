using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace PeerBot.Core.Sharing;

/// <summary>
/// Works the anonymous outbox: wakes when a post is due (or a new one is accepted) and lets
/// <see cref="AnonymousSharingService.ProcessDueAsync"/> deliver it. On start it picks up whatever a
/// previous run left, including posts a crash left half-sent.
/// </summary>
public sealed partial class AnonymousDeliveryWorker : BackgroundService
{
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
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                await _sharing.ProcessDueAsync(stoppingToken).ConfigureAwait(false);
                var next = _sharing.NextDueAt();
                // Rounded up: a wait that ends a fraction of a millisecond early finds nothing due and spins on zero-length waits.
                var wait = next is null ? IdlePoll : ClockWaits.WholeMilliseconds(next.Value - _time.GetUtcNow());
                if (wait > TimeSpan.Zero)
                {
                    await _sharing.WaitForWorkAsync(wait < IdlePoll ? wait : IdlePoll, stoppingToken).ConfigureAwait(false);
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
                LogFailed(ex.GetType().Name);
                await _sharing.WaitForWorkAsync(TimeSpan.FromSeconds(30), stoppingToken).ConfigureAwait(false);
            }
        }
    }

    [LoggerMessage(Level = LogLevel.Error, Message = "The anonymous delivery worker failed ({ExceptionType}); it retries in 30 seconds.")]
    private partial void LogFailed(string exceptionType);
}
