using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace PeerBot.Core.Safety;

/// <summary>
/// At start, seeds the spiral detector with the fatalistic messages a previous run kept that are still within the
/// spiral window (<see cref="SafetyMonitor.RestoreAsync"/>). Runs in the background, so a platform that is slow to
/// answer a restored alert's delivery never holds up the start; a message that arrives first restores it itself.
/// </summary>
public sealed partial class SpiralRestoreService : BackgroundService
{
    private readonly SafetyMonitor _monitor;
    private readonly ILogger<SpiralRestoreService> _logger;

    /// <summary>Creates the service.</summary>
    public SpiralRestoreService(SafetyMonitor monitor, ILogger<SpiralRestoreService> logger)
    {
        _monitor = monitor;
        _logger = logger;
    }

    /// <summary>Completes once the restore has run (successfully or not); tests wait on it instead of sleeping.</summary>
    public Task Completed => _completed.Task;

    private readonly TaskCompletionSource _completed = new(TaskCreationOptions.RunContinuationsAsynchronously);

    /// <inheritdoc />
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        try
        {
            await _monitor.RestoreAsync(stoppingToken).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
            return;
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            // Not fatal: the first fatalistic message of the run tries again.
            LogFailed(ex);
        }
        finally
        {
            _completed.TrySetResult();
        }
    }

    [LoggerMessage(Level = LogLevel.Error, Message = "The spiral window kept by the previous run could not be restored at start; the first fatalistic message tries again.")]
    private partial void LogFailed(Exception exception);
}
