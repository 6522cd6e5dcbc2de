using Microsoft.Extensions.Logging;
using PeerBot.Core.Platform;
using PeerBot.Testing;

namespace PeerBot.Core.Tests;

public sealed class AdapterSupervisorTests
{
    private static readonly TimeSpan Base = TimeSpan.FromSeconds(1);
    private static readonly TimeSpan Max = TimeSpan.FromSeconds(60);

    [Fact]
    public async Task RunAsync_LoopFailsOnAnOddState_RestartedWithBackoffAndReported()
    {
        var time = new SignallingTimeProvider();
        var logger = new ListLogger();
        var runs = 0;
        var third = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        using var stop = new CancellationTokenSource();

        var supervised = AdapterSupervisor.RunAsync(
            "Discord",
            async ct =>
            {
                if (++runs <= 2)
                {
                    // What an aborted socket closed a second time throws: neither a WebSocketException nor fatal.
                    throw new OperationCanceledException("close on an aborted socket", new ObjectDisposedException("socket"));
                }

                third.TrySetResult();
                await Task.Delay(Timeout.Infinite, ct);
            },
            _ => false,
            time,
            Base,
            Max,
            logger,
            stop.Token);

        await time.WaitForTimersCreatedAsync(0, TimeSpan.FromSeconds(10));
        Assert.Equal(time.GetUtcNow() + Base, time.NextDue);
        time.AdvanceToNextDue();
        await time.WaitForTimersCreatedAsync(1, TimeSpan.FromSeconds(10));
        Assert.Equal(time.GetUtcNow() + (2 * Base), time.NextDue);
        time.AdvanceToNextDue();
        await third.Task.WaitAsync(TimeSpan.FromSeconds(10));

        Assert.False(supervised.IsCompleted);
        Assert.Equal(2, logger.Entries.Count(e => e.Level == LogLevel.Error && e.Message.Contains("Discord connection loop failed", StringComparison.Ordinal)));
        await stop.CancelAsync();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => supervised);
        Assert.Equal(3, runs);
    }

    [Fact]
    public async Task RunAsync_FatalError_RethrownWithoutRestart()
    {
        var runs = 0;

        var error = await Assert.ThrowsAsync<InvalidDataException>(() => AdapterSupervisor.RunAsync(
            "Slack",
            _ =>
            {
                runs++;
                throw new InvalidDataException("bad token");
            },
            ex => ex is InvalidDataException,
            new SignallingTimeProvider(),
            Base,
            Max,
            new ListLogger(),
            CancellationToken.None));

        Assert.Equal("bad token", error.Message);
        Assert.Equal(1, runs);
    }

    [Fact]
    public async Task RunAsync_LoopReturns_Completes()
    {
        var restarts = await AdapterSupervisor.RunAsync("Slack", _ => Task.CompletedTask, _ => false, new SignallingTimeProvider(), Base, Max, new ListLogger(), CancellationToken.None);

        Assert.Equal(0, restarts);
    }

    [Fact]
    public async Task RunAsync_FailsAfterALongHealthyRun_BackoffStartsAgainFromBase()
    {
        var time = new SignallingTimeProvider();
        var runs = 0;
        var fourth = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        using var stop = new CancellationTokenSource();

        var supervised = AdapterSupervisor.RunAsync(
            "Slack",
            async ct =>
            {
                runs++;
                if (runs == 3)
                {
                    // A healthy run: the clock moves past the stable time before it fails.
                    time.Advance(AdapterSupervisor.StableRun);
                }

                if (runs <= 3)
                {
                    throw new InvalidOperationException("boom " + runs);
                }

                fourth.TrySetResult();
                await Task.Delay(Timeout.Infinite, ct);
            },
            _ => false,
            time,
            Base,
            Max,
            new ListLogger(),
            stop.Token);

        await time.WaitForTimersCreatedAsync(0, TimeSpan.FromSeconds(10));
        time.AdvanceToNextDue();
        await time.WaitForTimersCreatedAsync(1, TimeSpan.FromSeconds(10));
        time.AdvanceToNextDue();
        await time.WaitForTimersCreatedAsync(2, TimeSpan.FromSeconds(10));

        Assert.Equal(time.GetUtcNow() + Base, time.NextDue);
        time.AdvanceToNextDue();
        await fourth.Task.WaitAsync(TimeSpan.FromSeconds(10));
        await stop.CancelAsync();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => supervised);
    }

    [Theory]
    [InlineData(1, 1)]
    [InlineData(2, 2)]
    [InlineData(3, 4)]
    [InlineData(7, 60)]
    [InlineData(10_000, 60)]
    public void Backoff_DoublesUpToTheMaximum(int failures, int seconds)
    {
        Assert.Equal(TimeSpan.FromSeconds(seconds), AdapterSupervisor.Backoff(failures, Base, Max));
    }

    private sealed class ListLogger : ILogger
    {
        public List<(LogLevel Level, string Message)> Entries { get; } = [];

        public IDisposable? BeginScope<TState>(TState state)
            where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => true;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
        {
            lock (Entries)
            {
                Entries.Add((logLevel, formatter(state, exception)));
            }
        }
    }
}
