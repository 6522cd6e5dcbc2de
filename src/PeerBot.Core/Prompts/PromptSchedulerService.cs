using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using PeerBot.Core.Groups;

namespace PeerBot.Core.Prompts;

/// <summary>
/// Runs <see cref="PromptScheduler"/> whenever something is due, waiting on <see cref="TimeProvider"/> in between,
/// and looks again at once when the groups change (a new group, a pause). A due time however far ahead is waited for in
/// steps of at most <see cref="MaxWait"/>; a failure anywhere in a pass is logged and retried with a growing delay.
/// </summary>
public sealed class PromptSchedulerService : BackgroundService
{
    /// <summary>The longest wait between passes, so a clock change is noticed.</summary>
    public static readonly TimeSpan MaxWait = ClockWaits.MaxWait;

    /// <summary>The longest wait before retrying after failed passes.</summary>
    public static readonly TimeSpan MaxRetryDelay = TimeSpan.FromMinutes(15);

    private readonly PromptScheduler _scheduler;
    private readonly GroupDirectory _groups;
    private readonly TimeProvider _time;
    private readonly ILogger<PromptSchedulerService> _logger;
    private readonly SemaphoreSlim _signal = new(0, 1);

    /// <summary>Creates the service.</summary>
    public PromptSchedulerService(PromptScheduler scheduler, GroupDirectory groups, TimeProvider time, ILogger<PromptSchedulerService> logger)
    {
        ArgumentNullException.ThrowIfNull(groups);
        _scheduler = scheduler;
        _groups = groups;
        _time = time;
        _logger = logger;
        _groups.Changed += OnGroupsChanged;
    }

    /// <summary>Raised after each pass with the time of the next one (tests wait on it).</summary>
    public event EventHandler<DateTimeOffset>? PassCompleted;

    /// <inheritdoc />
    public override void Dispose()
    {
        _groups.Changed -= OnGroupsChanged;
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
                DateTimeOffset? next;
                try
                {
                    next = await _scheduler.RunDueAsync(stoppingToken).ConfigureAwait(false);
                    failures = 0;
                }
                catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
                {
                    return;
                }
#pragma warning disable CA1031 // A bug in one pass is logged; the schedule keeps running.
                catch (Exception ex)
#pragma warning restore CA1031
                {
                    failures++;
                    var delay = RetryDelay(failures);
                    _logger.LogError(ex, "A prompt scheduling pass failed; trying again in {Delay}", delay);
                    next = _time.GetUtcNow() + delay;
                }

                await WaitAsync(next, stoppingToken).ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                return;
            }
#pragma warning disable CA1031 // Whatever else fails (the wait, an observer) is logged and retried; the host keeps running.
            catch (Exception ex)
#pragma warning restore CA1031
            {
                failures++;
                var delay = RetryDelay(failures);
                _logger.LogError(ex, "The prompt scheduler failed between passes; trying again in {Delay}", delay);
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

    /// <summary>
    /// The wait before the next pass after <paramref name="failures"/> failed passes in a row:
    /// <see cref="PromptScheduler.RetryDelay"/>, doubling, at most <see cref="MaxRetryDelay"/>.
    /// </summary>
    public static TimeSpan RetryDelay(int failures) => ClockWaits.Backoff(failures, PromptScheduler.RetryDelay, MaxRetryDelay);

    /// <summary>Waits until <paramref name="next"/> (at most <see cref="MaxWait"/>; null: <see cref="MaxWait"/>) or a change of the groups.</summary>
    private async Task WaitAsync(DateTimeOffset? next, CancellationToken stoppingToken)
    {
        var now = _time.GetUtcNow();
        var wait = next is { } at ? ClockWaits.Until(at, now, MaxWait) : MaxWait;
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(stoppingToken);
        var delay = Task.Delay(wait, _time, linked.Token);
        var signal = _signal.WaitAsync(linked.Token);

        // Raised once the timer is set, so an observer moving the clock cannot race it.
        PassCompleted?.Invoke(this, now + wait);
        await Task.WhenAny(delay, signal).ConfigureAwait(false);
        await linked.CancelAsync().ConfigureAwait(false);
        stoppingToken.ThrowIfCancellationRequested();
    }

    private void OnGroupsChanged(object? sender, EventArgs e)
    {
        _scheduler.NoteGroupsChanged(_time.GetUtcNow());
        try
        {
            _signal.Release();
        }
        catch (SemaphoreFullException)
        {
            // A pass is already requested.
        }
        catch (ObjectDisposedException)
        {
            // Stopping.
        }
    }
}
