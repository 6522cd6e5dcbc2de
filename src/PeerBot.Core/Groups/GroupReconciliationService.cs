using PeerBot.Core.People;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using PeerBot.Core.Configuration;

namespace PeerBot.Core.Groups;

/// <summary>
/// Runs reconciliation at start, whenever the configuration or a pause changes, when a pause runs out,
/// and again after a failure (with a growing delay, at most <see cref="MaxRetryDelay"/>).
/// </summary>
public sealed class GroupReconciliationService : BackgroundService
{
    /// <summary>The longest wait before retrying a failed run.</summary>
    public static readonly TimeSpan MaxRetryDelay = TimeSpan.FromMinutes(15);

    private readonly GroupReconciler _reconciler;
    private readonly IGroupStore _store;
    private readonly TimeProvider _time;
    private readonly ILogger<GroupReconciliationService> _logger;
    private readonly SemaphoreSlim _signal = new(0, 1);
    private readonly IDisposable? _optionsSubscription;
    private readonly PeopleDirectory? _people;
    private TaskCompletionSource<ReconcileResult> _nextRun = new(TaskCreationOptions.RunContinuationsAsynchronously);

    /// <summary>Creates the service.</summary>
    public GroupReconciliationService(
        GroupReconciler reconciler,
        IGroupStore store,
        IOptionsMonitor<PeerBotOptions> options,
        TimeProvider time,
        ILogger<GroupReconciliationService> logger,
        PeopleDirectory? people = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        _people = people;
        if (people is not null)
        {
            // An adapter finishing its start-up resolution is the moment groups can be completed.
            people.PlatformResolved += OnPlatformResolved;
        }

        _reconciler = reconciler;
        _store = store;
        _time = time;
        _logger = logger;
        _optionsSubscription = options.OnChange((_, _) => RequestReconcile());
    }

    /// <summary>Raised after each run, once the service waits for the next one (tests follow it).</summary>
    public event EventHandler<ReconcileResult>? Idle;

    /// <summary>Asks for a run soon; returns a task that completes with the result of the next run.</summary>
    public Task<ReconcileResult> RequestReconcile()
    {
        var next = Volatile.Read(ref _nextRun).Task;
        try
        {
            _signal.Release();
        }
        catch (SemaphoreFullException)
        {
            // A run is already requested; this request rides along with it.
        }

        return next;
    }

    private void OnPlatformResolved(object? sender, Platform.PlatformKind platform) => _ = RequestReconcile();

    /// <inheritdoc />
    public override void Dispose()
    {
        if (_people is not null)
        {
            _people.PlatformResolved -= OnPlatformResolved;
        }

        _optionsSubscription?.Dispose();
        _signal.Dispose();
        base.Dispose();
    }

    /// <inheritdoc />
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var failures = 0;
        while (!stoppingToken.IsCancellationRequested)
        {
            var completion = Interlocked.Exchange(ref _nextRun, new TaskCompletionSource<ReconcileResult>(TaskCreationOptions.RunContinuationsAsynchronously));
            ReconcileResult result;
            try
            {
                result = await _reconciler.ReconcileAsync(stoppingToken).ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                completion.TrySetCanceled(stoppingToken);
                return;
            }
#pragma warning disable CA1031 // A bug in one run is logged and retried; the service keeps running.
            catch (Exception ex)
#pragma warning restore CA1031
            {
                _logger.LogError(ex, "Reconciliation failed unexpectedly; it is retried later");
                result = new ReconcileResult(false, 0, [ex.Message]);
            }

            completion.TrySetResult(result);
            failures = result.Complete ? 0 : failures + 1;
            var wait = NextWait(failures);
            try
            {
                using var timeout = CancellationTokenSource.CreateLinkedTokenSource(stoppingToken);
                var delayTask = Task.Delay(wait ?? Timeout.InfiniteTimeSpan, _time, timeout.Token);
                var signalTask = _signal.WaitAsync(timeout.Token);

                // Raised once the timer is set, so an observer moving the clock cannot race it.
                Idle?.Invoke(this, result);
                await Task.WhenAny(delayTask, signalTask).ConfigureAwait(false);
                await timeout.CancelAsync().ConfigureAwait(false);
                stoppingToken.ThrowIfCancellationRequested();
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                _nextRun.TrySetCanceled(stoppingToken);
                return;
            }
        }
    }

    private TimeSpan? NextWait(int failures)
    {
        var now = _time.GetUtcNow();
        TimeSpan? wait = null;
        if (failures > 0)
        {
            var seconds = Math.Min(MaxRetryDelay.TotalSeconds, 30 * Math.Pow(2, Math.Min(failures - 1, 10)));
            wait = TimeSpan.FromSeconds(seconds);
        }

        var nextPauseEnd = _store.MemberPauses().Values.Where(until => until > now).DefaultIfEmpty(DateTimeOffset.MaxValue).Min();
        if (nextPauseEnd != DateTimeOffset.MaxValue)
        {
            var untilPause = ClockWaits.WholeMilliseconds(nextPauseEnd - now);
            wait = wait is null || untilPause < wait ? untilPause : wait;
        }

        return wait;
    }
}
