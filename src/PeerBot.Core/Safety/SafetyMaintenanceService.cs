using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using PeerBot.Core.Configuration;

namespace PeerBot.Core.Safety;

/// <summary>
/// Keeps alerts moving and private: retries deliveries that failed (crisis first), purges excerpts
/// older than <see cref="SafetyOptions.ExcerptRetention"/> (from the store and from the alert messages already
/// delivered, edited until every one shows the purge) and the kept fatalistic messages that have left
/// <see cref="SafetyOptions.SpiralWindow"/> (<see cref="ISpiralEntryStore"/>). Runs at start and then every
/// <see cref="Interval"/> on the injected <see cref="TimeProvider"/>. A pass that fails in any way (a store, a delivery,
/// a call that timed out) is logged and the next runs on the next tick: the interval is fixed and short, so crisis
/// alerts keep being retried every minute, and no stored or configured value sets a wait.
/// </summary>
public sealed partial class SafetyMaintenanceService : BackgroundService
{
    /// <summary>How often the retry and purge run.</summary>
    public static readonly TimeSpan Interval = TimeSpan.FromMinutes(1);

    /// <summary>Delivery attempts after which an alert is no longer retried (it stays in the store and in <c>/peer flags</c>).</summary>
    public const int MaxDeliveryAttempts = 1440;

    private readonly IAlertStore _store;
    private readonly ISpiralEntryStore _pending;
    private readonly AlertDelivery _delivery;
    private readonly TimeProvider _time;
    private readonly SafetyOptions _options;
    private readonly ILogger<SafetyMaintenanceService> _logger;

    /// <summary>Creates the service.</summary>
    public SafetyMaintenanceService(
        IAlertStore store,
        ISpiralEntryStore pending,
        AlertDelivery delivery,
        TimeProvider time,
        IOptions<PeerBotOptions> options,
        ILogger<SafetyMaintenanceService> logger)
    {
        ArgumentNullException.ThrowIfNull(options);
        _store = store;
        _pending = pending;
        _delivery = delivery;
        _time = time;
        _options = options.Value.Safety;
        _logger = logger;
    }

    /// <summary>Signalled after each pass; tests wait on it instead of sleeping.</summary>
    public event EventHandler? PassCompleted;

    /// <summary>One pass: retry undelivered alerts, then purge expired excerpts and kept messages out of the spiral window.</summary>
    public async Task RunOnceAsync(CancellationToken cancellationToken)
    {
        var pending = await _store.ListUndeliveredAsync(cancellationToken).ConfigureAwait(false);
        foreach (var alert in pending)
        {
            if (alert.DeliveryAttempts >= MaxDeliveryAttempts)
            {
                continue;
            }

            var after = await _delivery.DeliverAsync(alert, cancellationToken).ConfigureAwait(false);
            if (after.Delivered)
            {
                LogRetried(after.Id, after.DeliveryAttempts);
            }
            else if (after.DeliveryAttempts >= MaxDeliveryAttempts)
            {
                LogGaveUp(after.Id, after.DeliveryAttempts);
            }
        }

        var now = _time.GetUtcNow();
        var purged = await _store.PurgeExcerptsAsync(Before(now, _options.ExcerptRetention), now, cancellationToken).ConfigureAwait(false);
        if (purged > 0)
        {
            LogPurged(purged, _options.ExcerptRetention);
        }

        // The store has dropped the excerpts; the DMs facilitators already have still show them until edited.
        foreach (var alert in await _store.ListPurgeNotShownAsync(cancellationToken).ConfigureAwait(false))
        {
            await _delivery.ShowPurgeAsync(alert, cancellationToken).ConfigureAwait(false);
        }

        var expired = await _pending.PurgeBeforeAsync(Before(now, _options.SpiralWindow), cancellationToken).ConfigureAwait(false);
        if (expired > 0)
        {
            LogWindowPurged(expired, _options.SpiralWindow);
        }
    }

    /// <inheritdoc />
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(Interval, _time);
        do
        {
            try
            {
                await RunOnceAsync(stoppingToken).ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                return;
            }
#pragma warning disable CA1031 // One bad pass (a store hiccup, an adapter bug, a timed-out call) must not stop retries of crisis alerts for good.
            catch (Exception ex)
#pragma warning restore CA1031
            {
                LogPassFailed(ex);
            }

            try
            {
                PassCompleted?.Invoke(this, EventArgs.Empty);
            }
#pragma warning disable CA1031 // An observer's failure is not the service's.
            catch (Exception ex)
#pragma warning restore CA1031
            {
                LogObserverFailed(ex);
            }
        }
        while (await WaitAsync(timer, stoppingToken).ConfigureAwait(false));
    }

    /// <summary><paramref name="now"/> minus <paramref name="span"/>, or the earliest time when that is before it (a configured span of millennia).</summary>
    private static DateTimeOffset Before(DateTimeOffset now, TimeSpan span) =>
        span >= now - DateTimeOffset.MinValue ? DateTimeOffset.MinValue : now - span;

    private static async Task<bool> WaitAsync(PeriodicTimer timer, CancellationToken stoppingToken)
    {
        try
        {
            return await timer.WaitForNextTickAsync(stoppingToken).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
            return false;
        }
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Alert {AlertId} delivered after {Attempts} attempt(s).")]
    private partial void LogRetried(string alertId, int attempts);

    [LoggerMessage(Level = LogLevel.Error, Message = "Alert {AlertId} could not be delivered after {Attempts} attempts; it stays listed in /peer flags.")]
    private partial void LogGaveUp(string alertId, int attempts);

    [LoggerMessage(Level = LogLevel.Information, Message = "Purged the excerpts of {Count} alert(s) older than {Retention}.")]
    private partial void LogPurged(int count, TimeSpan retention);

    [LoggerMessage(Level = LogLevel.Debug, Message = "Deleted {Count} kept fatalistic message(s) older than the spiral window ({Window}).")]
    private partial void LogWindowPurged(int count, TimeSpan window);

    [LoggerMessage(Level = LogLevel.Error, Message = "A safety maintenance pass failed; the next runs in a minute.")]
    private partial void LogPassFailed(Exception exception);

    [LoggerMessage(Level = LogLevel.Error, Message = "An observer of the safety maintenance passes failed; the passes go on.")]
    private partial void LogObserverFailed(Exception exception);
}
