using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using PeerBot.Core.Configuration;
using PeerBot.Core.Safety;
using PeerBot.Testing;

namespace PeerBot.Core.Tests.Safety;

/// <summary>
/// The safety engine's background services (<see cref="SafetyMaintenanceService"/>, <see cref="SpiralRestoreService"/>)
/// over stores that fail (a read that times out, a locked file), an observer that throws, configured spans of millennia
/// and ten thousand kept messages from the year 1 to 2126: they log, retry and go on, never stopping the host.
/// </summary>
public sealed class SafetyBackgroundFaultTests
{
    [Fact]
    public async Task Maintenance_AlertStoreReadTimesOut_LogsAndDeliversOnALaterTick()
    {
        var h = new SafetyHarness();
        h.Platform.FailNext("SendDirectMessage");
        h.Platform.FailNext("SendDirectMessage");
        var outcome = await h.SayAsync("ana", 0, "i want to die");
        Assert.False((await h.Store.FindAsync(outcome.Alert!.Id, CancellationToken.None))!.Delivered);

        // A read that timed out surfaces as an OperationCanceledException the service did not ask for.
        var store = new FlakyAlertStore(h.Store) { FailListUndelivered = new TaskCanceledException("The request timed out.") };
        using var maintenance = new SafetyMaintenanceService(store, h.Pending, h.Delivery, h.Time, Options.Create(h.Options), NullLogger<SafetyMaintenanceService>.Instance);
        using var passes = new SemaphoreSlim(0);
        maintenance.PassCompleted += (_, _) => passes.Release();

        await maintenance.StartAsync(CancellationToken.None);
        try
        {
            Assert.True(await passes.WaitAsync(TimeSpan.FromSeconds(10)), "the first pass did not finish");
            AssertRunning(maintenance);
            for (var tick = 0; tick < 5 && !(await h.Store.FindAsync(outcome.Alert.Id, CancellationToken.None))!.Delivered; tick++)
            {
                h.Time.Advance(SafetyMaintenanceService.Interval);
                Assert.True(await passes.WaitAsync(TimeSpan.FromSeconds(10)), "a later pass did not finish");
                AssertRunning(maintenance);
            }
        }
        finally
        {
            await maintenance.StopAsync(CancellationToken.None);
        }

        Assert.Equal(1, store.ListUndeliveredFailures);
        Assert.True((await h.Store.FindAsync(outcome.Alert.Id, CancellationToken.None))!.Delivered);
    }

    [Fact]
    public async Task Maintenance_ObserverThrows_PassesGoOn()
    {
        var h = new SafetyHarness();
        var passes = 0;
        using var second = new SemaphoreSlim(0);
        h.Maintenance.PassCompleted += (_, _) =>
        {
            if (Interlocked.Increment(ref passes) == 1)
            {
                throw new InvalidOperationException("observer bug");
            }

            second.Release();
        };

        await h.Maintenance.StartAsync(CancellationToken.None);
        try
        {
            await WaitUntilAsync(() => Volatile.Read(ref passes) >= 1 || h.Maintenance.ExecuteTask!.IsCompleted);
            AssertRunning(h.Maintenance);
            h.Time.Advance(SafetyMaintenanceService.Interval);
            Assert.True(await second.WaitAsync(TimeSpan.FromSeconds(10)), "no pass after the observer threw");
            AssertRunning(h.Maintenance);
        }
        finally
        {
            await h.Maintenance.StopAsync(CancellationToken.None);
        }
    }

    [Fact]
    public async Task Maintenance_RetentionOfMillenniaAndTenThousandKeptMessagesFromYear1To2126_PurgesWithoutThrowing()
    {
        var options = new PeerBotOptions { Safety = new SafetyOptions { ExcerptRetention = TimeSpan.MaxValue } };
        var h = new SafetyHarness(options: options);
        var outcome = await h.SayAsync("ana", 0, "i want to die");
        var span = new DateTimeOffset(2126, 1, 1, 0, 0, 0, TimeSpan.Zero) - DateTimeOffset.MinValue;
        for (var i = 0; i < 10_000; i++)
        {
            var at = DateTimeOffset.MinValue + TimeSpan.FromTicks(span.Ticks / 10_000 * ((i * 7919L) % 10_000));
            await h.Pending.AddAsync("g1", new SpiralEntry(at, "ben", "nothing will ever change", ["permanence"]), CancellationToken.None);
        }

        h.Time.Advance(TimeSpan.FromDays(3650));
        await h.Maintenance.RunOnceAsync(CancellationToken.None);

        // Kept for ever: the excerpts stay. Out of the window: every kept message before it is gone, the later ones stay.
        Assert.NotEmpty((await h.Store.FindAsync(outcome.Alert!.Id, CancellationToken.None))!.Excerpts);
        var windowStart = h.Time.GetUtcNow() - h.Options.Safety.SpiralWindow;
        Assert.All(h.Pending.Entries, e => Assert.True(e.Entry.Timestamp >= windowStart));
        Assert.InRange(h.Pending.Entries.Count, 1, 9_999);
    }

    [Fact]
    public async Task Restore_StoreTimesOutThenIsLocked_RetriesWithBackoffAndRestoresTheSpiral()
    {
        var time = new SignallingTimeProvider(SafetyHarness.Start);
        var h = new SafetyHarness(time: time);
        await h.SayAsync("ana", 0, "nothing will ever change here");
        await h.SayAsync("ben", 2, "what's the point of any of it");
        time.Advance(TimeSpan.FromMinutes(4));

        // The next run: its first two reads of the kept window fail.
        var pending = new FlakySpiralEntryStore(h.Pending, new TaskCanceledException("The read timed out."), new InvalidOperationException("database locked"));
        using var restarted = new SafetyMonitor(new RuleBasedClassifier(h.Options.Safety), new SpiralDetector(h.Options.Safety), h.Store, pending, h.Delivery,
            new AlertIdGenerator(new Random(9)), time, NullLogger<SafetyMonitor>.Instance);
        using var restore = new SpiralRestoreService(restarted, time, NullLogger<SpiralRestoreService>.Instance);
        await restore.StartAsync(CancellationToken.None);
        try
        {
            await restore.Completed.WaitAsync(TimeSpan.FromSeconds(10));
            AssertRunning(restore);

            // Tried again after 30 s, then 60 s.
            var waits = new List<TimeSpan>();
            for (var attempt = 0; attempt < 2; attempt++)
            {
                await WaitUntilAsync(() => time.NextDue is not null || restore.ExecuteTask!.IsCompleted);
                AssertRunning(restore);
                waits.Add(time.NextDue!.Value - time.GetUtcNow());
                Assert.True(time.AdvanceToNextDue());
            }

            await restore.ExecuteTask!.WaitAsync(TimeSpan.FromSeconds(10));
            Assert.Equal([TimeSpan.FromSeconds(30), TimeSpan.FromSeconds(60)], waits);
            Assert.Equal(3, pending.ListSinceCalls);
        }
        finally
        {
            await restore.StopAsync(CancellationToken.None);
        }

        // Restored by the service, not by the message: the third makes one spiral of all three.
        var third = await restarted.ObserveAsync(new ObservedMessage("g1", "cat", "cat", time.GetUtcNow(), "i've given up honestly"), CancellationToken.None);
        Assert.Equal(AlertKind.Spiral, third.Alert?.Kind);
        Assert.Equal(3, third.Alert!.MessageCount);
        Assert.Equal(3, pending.ListSinceCalls);
    }

    private static void AssertRunning(Microsoft.Extensions.Hosting.BackgroundService service)
    {
        if (service.ExecuteTask is { IsFaulted: true } or { IsCanceled: true })
        {
            Assert.Fail($"{service.GetType().Name} stopped with an exception (which stops the host): {service.ExecuteTask.Exception?.GetBaseException()}");
        }
    }

    private static async Task WaitUntilAsync(Func<bool> condition)
    {
        var safetyNet = System.Diagnostics.Stopwatch.StartNew();
        while (!condition())
        {
            Assert.True(safetyNet.Elapsed < TimeSpan.FromSeconds(10), "timed out waiting");
            await Task.Delay(5);
        }
    }

    /// <summary>An alert store whose listing of undelivered alerts fails once.</summary>
    private sealed class FlakyAlertStore(IAlertStore inner) : IAlertStore
    {
        private int _failures;

        public Exception? FailListUndelivered { get; set; }

        public int ListUndeliveredFailures => Volatile.Read(ref _failures);

        public Task<bool> TryAddAsync(AlertRecord alert, CancellationToken cancellationToken) => inner.TryAddAsync(alert, cancellationToken);

        public Task<AlertRecord?> FindAsync(string alertId, CancellationToken cancellationToken) => inner.FindAsync(alertId, cancellationToken);

        public Task<IReadOnlyList<AlertRecord>> ListAsync(IReadOnlyCollection<string> groupIds, bool includeResolved, CancellationToken cancellationToken) =>
            inner.ListAsync(groupIds, includeResolved, cancellationToken);

        public Task UpdateAsync(AlertRecord alert, CancellationToken cancellationToken) => inner.UpdateAsync(alert, cancellationToken);

        public Task<AlertRecord?> FindByAuthorAnswerTokenAsync(string token, CancellationToken cancellationToken) => inner.FindByAuthorAnswerTokenAsync(token, cancellationToken);

        public Task<IReadOnlyList<AlertRecord>> ListUndeliveredAsync(CancellationToken cancellationToken)
        {
            if (FailListUndelivered is { } failure)
            {
                FailListUndelivered = null;
                Interlocked.Increment(ref _failures);
                throw failure;
            }

            return inner.ListUndeliveredAsync(cancellationToken);
        }

        public Task<int> PurgeExcerptsAsync(DateTimeOffset raisedBefore, DateTimeOffset now, CancellationToken cancellationToken) =>
            inner.PurgeExcerptsAsync(raisedBefore, now, cancellationToken);

        public Task<IReadOnlyList<AlertRecord>> ListPurgeNotShownAsync(CancellationToken cancellationToken) => inner.ListPurgeNotShownAsync(cancellationToken);
    }

    /// <summary>A kept-window store whose first reads throw the given failures, in order.</summary>
    private sealed class FlakySpiralEntryStore(ISpiralEntryStore inner, params Exception[] failures) : ISpiralEntryStore
    {
        private readonly Queue<Exception> _failures = new(failures);
        private int _calls;

        public int ListSinceCalls => Volatile.Read(ref _calls);

        public Task AddAsync(string groupId, SpiralEntry entry, CancellationToken cancellationToken) => inner.AddAsync(groupId, entry, cancellationToken);

        public Task<IReadOnlyList<PendingSpiralEntry>> ListSinceAsync(DateTimeOffset since, CancellationToken cancellationToken)
        {
            Interlocked.Increment(ref _calls);
            lock (_failures)
            {
                if (_failures.TryDequeue(out var failure))
                {
                    throw failure;
                }
            }

            return inner.ListSinceAsync(since, cancellationToken);
        }

        public Task<int> DeleteUpToAsync(string groupId, DateTimeOffset upTo, CancellationToken cancellationToken) => inner.DeleteUpToAsync(groupId, upTo, cancellationToken);

        public Task<int> PurgeBeforeAsync(DateTimeOffset before, CancellationToken cancellationToken) => inner.PurgeBeforeAsync(before, cancellationToken);

        public Task<int> DeleteByAuthorsAsync(IReadOnlyCollection<string> authorKeys, CancellationToken cancellationToken) => inner.DeleteByAuthorsAsync(authorKeys, cancellationToken);
    }
}
