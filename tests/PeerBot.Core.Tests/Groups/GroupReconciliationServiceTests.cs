using System.Collections.Concurrent;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Time.Testing;
using PeerBot.Core.Configuration;
using PeerBot.Core.Groups;
using PeerBot.Core.People;
using PeerBot.Core.Platform;
using PeerBot.Testing;
using PeerBot.Testing.Groups;

namespace PeerBot.Core.Tests.Groups;

public sealed class GroupReconciliationServiceTests : IAsyncDisposable
{
    private readonly SignallingTimeProvider _time = new(new DateTimeOffset(2026, 11, 2, 12, 0, 0, TimeSpan.Zero));
    private readonly InMemoryGroupStore _store = new();
    private readonly FakeChatPlatform _platform = new(PlatformKind.Sandbox);
    private readonly TestOptionsMonitor<PeerBotOptions> _options;
    private readonly GroupReconciler _reconciler;
    private readonly GroupReconciliationService _service;
    private readonly GroupDirectory _directory;
    private readonly BlockingCollection<ReconcileResult> _runs = [];

    public GroupReconciliationServiceTests()
    {
        var options = GroupPlannerTests.ExampleOptions();
        options.Discord = new DiscordOptions();
        options.Slack = new SlackOptions();
        options.Formation!.Platform = PlatformKind.Sandbox;
        options.Groups.ForEach(g => g.Platform = PlatformKind.Sandbox);
        _options = new TestOptionsMonitor<PeerBotOptions>(options);
        var people = new PeopleDirectory(options.People);
        options.People.ForEach(p => people.SetPlatformUserId(p.Id, PlatformKind.Sandbox, "U-" + p.Id));
        _directory = new GroupDirectory(_store, _time);
        _reconciler = new GroupReconciler(_options, _store, people, new PlatformRegistry([_platform]), _directory, _time, NullLogger<GroupReconciler>.Instance);
        _service = new GroupReconciliationService(_reconciler, _store, _options, _time, NullLogger<GroupReconciliationService>.Instance);
        _service.Idle += (_, result) => _runs.Add(result);
    }

    public async ValueTask DisposeAsync()
    {
        await _service.StopAsync(default);
        _service.Dispose();
        _reconciler.Dispose();
        _runs.Dispose();
    }

    private ReconcileResult NextRun()
    {
        // Fails at once, with the reason, when the service has stopped (as a host would on its exception).
        var safetyNet = System.Diagnostics.Stopwatch.StartNew();
        while (safetyNet.Elapsed < TimeSpan.FromSeconds(10))
        {
            if (_runs.TryTake(out var result, TimeSpan.FromMilliseconds(50)))
            {
                return result;
            }

            AssertRunning();
        }

        Assert.Fail($"no reconciliation run finished (clock {_time.GetUtcNow():O}, next timer {_time.NextDue:O}, {_time.PendingTimers} pending, {_time.TimersCreated} created)");
        return null!;
    }

    private void AssertRunning()
    {
        if (_service.ExecuteTask is { IsCompleted: true } stopped)
        {
            Assert.Fail($"the reconciliation service stopped (which stops the host): {stopped.Exception?.GetBaseException()}");
        }
    }

    /// <summary>Waits until the service has a timer pending.</summary>
    private async Task WaitForTimerAsync()
    {
        while (true)
        {
            var created = _time.WhenTimerCreated;
            if (_time.NextDue is not null)
            {
                return;
            }

            AssertRunning();
            await created.WaitAsync(TimeSpan.FromSeconds(10));
        }
    }

    /// <summary>Moves the clock to the service's next timer and waits until it has set the one after (or run).</summary>
    private async Task StepToNextTimerAsync()
    {
        var created = _time.TimersCreated;
        Assert.True(await Task.Run(_time.AdvanceToNextDue), "the service set no timer");
        await _time.WaitForTimersCreatedAsync(created, TimeSpan.FromSeconds(10));
    }

    [Fact]
    public async Task ExecuteAsync_Start_ReconcilesAtOnce()
    {
        await _service.StartAsync(default);

        var result = NextRun();

        Assert.True(result.Complete);
        Assert.Equal(4, _directory.All().Count(g => g.Channel is not null));
    }

    [Fact]
    public async Task ExecuteAsync_ConfigChanges_ReconcilesAgain()
    {
        await _service.StartAsync(default);
        NextRun();

        var changed = GroupPlannerTests.ExampleOptions();
        changed.Discord = new DiscordOptions();
        changed.Slack = new SlackOptions();
        changed.Formation!.Platform = PlatformKind.Sandbox;
        changed.Groups.ForEach(g => g.Platform = PlatformKind.Sandbox);
        changed.Groups.RemoveAt(1);
        _options.Set(changed);
        NextRun();

        Assert.Null(_directory.Find("night-float"));
        Assert.Single(_platform.Calls, c => c.Operation == "ArchiveChannel");
    }

    [Fact]
    public async Task ExecuteAsync_MemberPauseRunsOut_PutsThemBackWithoutBeingAsked()
    {
        var pauses = new MemberPauses(_store, _time, _service, NullLogger<MemberPauses>.Instance);
        await _service.StartAsync(default);
        NextRun();

        await pauses.PauseAsync("ana", _time.GetUtcNow().AddDays(7), default);
        NextRun();
        Assert.DoesNotContain("ana", _directory.Find("tuesday-circle")!.MemberIds);

        _time.Advance(TimeSpan.FromDays(7));
        NextRun();

        Assert.Contains("ana", _directory.Find("tuesday-circle")!.MemberIds);
        var channel = _directory.Find("tuesday-circle")!.Channel!;
        Assert.Contains("U-ana", _platform.Channels[channel.Id].Members);
    }

    [Fact]
    public async Task ExecuteAsync_PauseEndsAtAFractionOfAMillisecond_WaitsUntilAfterItAndPutsThemBackInOneRun()
    {
        // A timer drops the fraction of a millisecond: a wait of exactly (pause end - now) would wake just before the end,
        // find the pause still running and spin on zero-length waits, reconciling each time, for ever on a fake clock.
        var pauses = new MemberPauses(_store, _time, _service, NullLogger<MemberPauses>.Instance);
        await _service.StartAsync(default);
        NextRun();
        var until = _time.GetUtcNow().AddDays(7) + TimeSpan.FromTicks(4_000);

        await pauses.PauseAsync("ana", until, default);
        NextRun();

        // A week is waited for in steps of at most ClockWaits.MaxWait, with no run in between.
        while (_time.NextDue is { } step && step < until)
        {
            Assert.True(step - _time.GetUtcNow() <= ClockWaits.MaxWait, $"a single wait of {step - _time.GetUtcNow()}");
            await StepToNextTimerAsync();
            Assert.Empty(_runs);
        }

        Assert.True(_time.NextDue >= until, $"the service wakes at {_time.NextDue:O}, before the pause ends at {until:O}");
        Assert.True(_time.NextDue < until + TimeSpan.FromMilliseconds(1), "within a millisecond after it");
        _time.AdvanceToNextDue();
        NextRun();
        Assert.Contains("ana", _directory.Find("tuesday-circle")!.MemberIds);
        Assert.Null(_time.NextDue);
        Assert.Empty(_runs);
    }

    [Fact]
    public async Task ExecuteAsync_PlatformFails_RetriesAfterABackoff()
    {
        _platform.FailNext("EnsurePrivateChannel");
        await _service.StartAsync(default);
        Assert.False(NextRun().Complete);

        _time.Advance(TimeSpan.FromSeconds(30));

        Assert.True(NextRun().Complete);
        Assert.Equal(4, _directory.All().Count(g => g.Channel is not null));
    }

    [Theory]
    [InlineData(8 * 7)] // /peer pause 8: just over the ~49.7 days a timer accepts
    [InlineData(52 * 7)] // /peer pause 52
    [InlineData(365 * 100)] // a pause ending in 2126 (as /peer forget-me stores one)
    public async Task ExecuteAsync_PauseLongerThanATimerAccepts_KeepsRunningAndWaitsInCappedSteps(int days)
    {
        var pauses = new MemberPauses(_store, _time, _service, NullLogger<MemberPauses>.Instance);
        await _service.StartAsync(default);
        NextRun();

        await pauses.PauseAsync("ana", _time.GetUtcNow().AddDays(days), default);

        Assert.True(NextRun().Complete);
        Assert.DoesNotContain("ana", _directory.Find("tuesday-circle")!.MemberIds);
        Assert.True(_time.NextDue - _time.GetUtcNow() <= ClockWaits.MaxWait, $"waits {_time.NextDue - _time.GetUtcNow()} at once");

        // Two capped waits run out: the service looks at the clock and waits again, without a run.
        await StepToNextTimerAsync();
        await StepToNextTimerAsync();
        Assert.Empty(_runs);
        AssertRunning();

        // It still answers: the resident comes back when they ask.
        await pauses.ResumeAsync("ana", default);
        Assert.True(NextRun().Complete);
        Assert.Contains("ana", _directory.Find("tuesday-circle")!.MemberIds);
        Assert.Null(_time.NextDue);
    }

    [Fact]
    public async Task ExecuteAsync_PauseStoredUntil2126BeforeStart_StartsAndKeepsRunning()
    {
        // The pause is in the store: before the fix every start stopped again at once.
        _store.SetMemberPause("ana", new DateTimeOffset(2126, 11, 2, 12, 0, 0, TimeSpan.Zero));

        await _service.StartAsync(default);

        var result = NextRun();
        Assert.True(result.Complete);
        Assert.DoesNotContain("ana", _directory.Find("tuesday-circle")!.MemberIds);
        Assert.Equal(_time.GetUtcNow() + ClockWaits.MaxWait, _time.NextDue);
        await StepToNextTimerAsync();
        Assert.Equal(_time.GetUtcNow() + ClockWaits.MaxWait, _time.NextDue);
        Assert.Empty(_runs);
        AssertRunning();
    }

    [Fact]
    public async Task ExecuteAsync_PausesAtTheEdgesOfTime_KeepsRunningAndPutsBackThoseWhosePauseEnded()
    {
        _store.SetMemberPause("ana", DateTimeOffset.MinValue);
        _store.SetMemberPause("ben", new DateTimeOffset(2020, 1, 1, 0, 0, 0, TimeSpan.Zero));
        _store.SetMemberPause("cara", _time.GetUtcNow());
        _store.SetMemberPause("dev", DateTimeOffset.MaxValue);

        await _service.StartAsync(default);

        Assert.True(NextRun().Complete);
        var members = _directory.All().SelectMany(g => g.MemberIds).ToList();
        Assert.Contains("ana", members);
        Assert.Contains("ben", members);
        Assert.Contains("cara", members);
        Assert.DoesNotContain("dev", members);
        Assert.Equal(_time.GetUtcNow() + ClockWaits.MaxWait, _time.NextDue);
        await StepToNextTimerAsync();
        Assert.Empty(_runs);
        AssertRunning();
    }

    [Fact]
    public async Task ExecuteAsync_TenThousandPauses_WakesAtTheNearestEndOnly()
    {
        var now = _time.GetUtcNow();
        for (var i = 0; i < 10_000; i++)
        {
            // Ended, ending within days, and ending over centuries, in no order.
            _store.SetMemberPause("someone-" + i, (i % 3) switch
            {
                0 => now.AddDays(-i),
                1 => now.AddDays(1 + (i % 97)).AddTicks(i),
                _ => now.AddYears(1 + (i % 500)),
            });
        }

        var nearest = now.AddMinutes(30).AddTicks(4_000);
        _store.SetMemberPause("ana", nearest);

        await _service.StartAsync(default);
        Assert.True(NextRun().Complete);
        Assert.DoesNotContain("ana", _directory.Find("tuesday-circle")!.MemberIds);
        Assert.Equal(ClockWaits.WholeMilliseconds(nearest - now), _time.NextDue - now);

        _time.AdvanceTo(_time.NextDue!.Value);

        Assert.True(NextRun().Complete);
        Assert.Contains("ana", _directory.Find("tuesday-circle")!.MemberIds);
        Assert.True(_time.NextDue - _time.GetUtcNow() <= ClockWaits.MaxWait);
        AssertRunning();
    }

    [Fact]
    public async Task ExecuteAsync_StoreThrowsOnPauseReads_LogsBacksOffAndSucceedsOnceItReads()
    {
        _store.FailPauseReads = new InvalidOperationException("the database file is locked");

        await _service.StartAsync(default);

        // The run fails and so does the read of the pauses outside it: retried after 30 s, then 60 s, the service alive.
        Assert.False(NextRun().Complete);
        Assert.Equal(_time.GetUtcNow() + TimeSpan.FromSeconds(30), _time.NextDue);
        _time.Advance(TimeSpan.FromSeconds(30));
        Assert.False(NextRun().Complete);
        Assert.Equal(_time.GetUtcNow() + TimeSpan.FromSeconds(60), _time.NextDue);
        AssertRunning();

        _store.FailPauseReads = null;
        _time.Advance(TimeSpan.FromSeconds(60));

        Assert.True(NextRun().Complete);
        Assert.Equal(4, _directory.All().Count(g => g.Channel is not null));
        Assert.Null(_time.NextDue);
    }

    [Fact]
    public async Task ExecuteAsync_ObserverThrows_KeepsRunning()
    {
        var throwOnce = 1;
        _service.Idle += (_, _) =>
        {
            if (Interlocked.Exchange(ref throwOnce, 0) == 1)
            {
                throw new InvalidOperationException("observer bug");
            }
        };

        await _service.StartAsync(default);
        Assert.True(NextRun().Complete);

        // Retried after the first backoff (its timer is set once the observer has thrown), and then runs as before.
        await WaitForTimerAsync();

        Assert.Equal(_time.GetUtcNow() + TimeSpan.FromSeconds(30), _time.NextDue);
        _time.Advance(TimeSpan.FromSeconds(30));
        Assert.True(NextRun().Complete);
        Assert.True((await _service.RequestReconcile().WaitAsync(TimeSpan.FromSeconds(10))).Complete);
        AssertRunning();
    }
}
