using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using PeerBot.Core.Groups;

namespace PeerBot.Core.Prompts;

/// <summary>
/// Runs <see cref="PromptScheduler"/> whenever something is due, waiting on <see cref="TimeProvider"/> in between,
/// and looks again at once when the groups change (a new group, a pause).
/// </summary>
public sealed class PromptSchedulerService : BackgroundService
{
    /// <summary>The longest wait between passes, so a clock change is noticed.</summary>
    public static readonly TimeSpan MaxWait = TimeSpan.FromHours(1);

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
        while (!stoppingToken.IsCancellationRequested)
        {
            var now = _time.GetUtcNow();
            DateTimeOffset? next;
            try
            {
                next = await _scheduler.RunDueAsync(stoppingToken).ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                return;
            }
#pragma warning disable CA1031 // A bug in one pass is logged; the schedule keeps running.
            catch (Exception ex)
#pragma warning restore CA1031
            {
                _logger.LogError(ex, "A prompt scheduling pass failed; trying again shortly");
                next = now + PromptScheduler.RetryDelay;
            }

            var wait = next is { } at ? at - _time.GetUtcNow() : MaxWait;
            wait = wait < TimeSpan.Zero ? TimeSpan.Zero : wait > MaxWait ? MaxWait : ClockWaits.WholeMilliseconds(wait);
            try
            {
                using var linked = CancellationTokenSource.CreateLinkedTokenSource(stoppingToken);
                var delay = Task.Delay(wait, _time, linked.Token);
                var signal = _signal.WaitAsync(linked.Token);

                // Raised once the timer is set, so an observer moving the clock cannot race it.
                PassCompleted?.Invoke(this, _time.GetUtcNow() + wait);
                await Task.WhenAny(delay, signal).ConfigureAwait(false);
                await linked.CancelAsync().ConfigureAwait(false);
                stoppingToken.ThrowIfCancellationRequested();
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                return;
            }
        }
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
