using PeerBot.Core.People;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using PeerBot.Core.Configuration;

namespace PeerBot.Core.Groups;

/// <summary>
/// Runs reconciliation at start, whenever the configuration or a pause changes, when a pause runs out,
/// and again after a failure (with a growing delay, at most <see cref="MaxRetryDelay"/>). Nothing in a pass stops it:
/// a failure anywhere (the run, a store read, the wait) is logged and retried, and a pause that ends weeks or years
/// ahead is waited for in steps of at most <see cref="ClockWaits.MaxWait"/>.
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
            try
            {
                var result = await RunOnceAsync(stoppingToken).ConfigureAwait(false);
                var failed = !result.Complete;
                DateTimeOffset? pauseEnd = null;
                try
                {
                    pauseEnd = NextPauseEnd();
                }
#pragma warning disable CA1031 // The pauses could not be read: retried like a failed run.
                catch (Exception ex)
#pragma warning restore CA1031
                {
                    failed = true;
                    _logger.LogError(ex, "The member pauses could not be read to plan the next reconciliation; it is retried later");
                }

                failures = failed ? failures + 1 : 0;
                DateTimeOffset? retryAt = failures > 0 ? _time.GetUtcNow() + RetryDelay(failures) : null;
                var wakeAt = pauseEnd is { } end && (retryAt is null || end < retryAt) ? end : retryAt;
                await WaitForNextRunAsync(wakeAt, result, stoppingToken).ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                break;
            }
#pragma warning disable CA1031 // Whatever else fails in a pass (the wait, an observer) is logged and retried; the host keeps running.
            catch (Exception ex)
#pragma warning restore CA1031
            {
                failures++;
                var delay = RetryDelay(failures);
                _logger.LogError(ex, "The reconciliation loop failed; it runs again in {Delay}", delay);
                try
                {
                    await Task.Delay(delay, _time, stoppingToken).ConfigureAwait(false);
                }
                catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
                {
                    break;
                }
            }
        }

        _nextRun.TrySetCanceled(stoppingToken);
    }

    /// <summary>The wait before retrying after <paramref name="failures"/> failed passes in a row: 30 s, doubling, at most <see cref="MaxRetryDelay"/>.</summary>
    private static TimeSpan RetryDelay(int failures) => ClockWaits.Backoff(failures, TimeSpan.FromSeconds(30), MaxRetryDelay);

    /// <summary>One reconciliation; completes the callers waiting for it. A failure is logged and returned as an incomplete result.</summary>
    private async Task<ReconcileResult> RunOnceAsync(CancellationToken stoppingToken)
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
            throw;
        }
#pragma warning disable CA1031 // A bug in one run is logged and retried; the service keeps running.
        catch (Exception ex)
#pragma warning restore CA1031
        {
            _logger.LogError(ex, "Reconciliation failed unexpectedly; it is retried later");
            result = new ReconcileResult(false, 0, [ex.Message]);
        }

        completion.TrySetResult(result);
        return result;
    }

    /// <summary>
    /// Waits until <paramref name="wakeAt"/> (a retry, the end of the nearest pause; null: no timer) or a request. A
    /// wait longer than <see cref="ClockWaits.MaxWait"/> (a pause of weeks or years) is made of several, each followed
    /// by a look at the clock, so no stored date can make the timer throw. Raises <see cref="Idle"/> once.
    /// </summary>
    private async Task WaitForNextRunAsync(DateTimeOffset? wakeAt, ReconcileResult result, CancellationToken stoppingToken)
    {
        // One wait for a request across all the capped waits: a request is never handed to a waiter given up between them.
        using var scope = CancellationTokenSource.CreateLinkedTokenSource(stoppingToken);
        var signalTask = _signal.WaitAsync(scope.Token);
        try
        {
            var idleRaised = false;
            while (true)
            {
                var wait = wakeAt is { } due ? ClockWaits.Until(due, _time.GetUtcNow()) : Timeout.InfiniteTimeSpan;
                var delayTask = Task.Delay(wait, _time, scope.Token);
                if (!idleRaised)
                {
                    // Raised once per run, once the timer is set, so an observer moving the clock cannot race it.
                    idleRaised = true;
                    Idle?.Invoke(this, result);
                }

                var first = await Task.WhenAny(delayTask, signalTask).ConfigureAwait(false);
                stoppingToken.ThrowIfCancellationRequested();
                if (first == signalTask || wakeAt is not { } at || _time.GetUtcNow() >= at)
                {
                    return;
                }
            }
        }
        finally
        {
            await scope.CancelAsync().ConfigureAwait(false);
        }
    }

    /// <summary>When the nearest pause still running ends, or null.</summary>
    private DateTimeOffset? NextPauseEnd()
    {
        var now = _time.GetUtcNow();
        DateTimeOffset? next = null;
        foreach (var until in _store.MemberPauses().Values)
        {
            if (until > now && (next is null || until < next))
            {
                next = until;
            }
        }

        return next;
    }
}
