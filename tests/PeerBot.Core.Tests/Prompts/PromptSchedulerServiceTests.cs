using System.Collections.Concurrent;
using Microsoft.Extensions.Logging.Abstractions;
using PeerBot.Core.Groups;
using PeerBot.Core.Platform;
using PeerBot.Core.Prompts;
using PeerBot.Testing;

namespace PeerBot.Core.Tests.Prompts;

/// <summary>
/// The prompt scheduler's background loop over extreme stored data: histories and pauses at the edges of time, a store
/// that fails, an observer that throws, no groups and very many. It must never stop (which would stop the host), never
/// hand a timer more than <see cref="ClockWaits.MaxWait"/>, and post what is due once.
/// </summary>
public sealed class PromptSchedulerServiceTests : IAsyncDisposable
{
    // Monday 2 November 2026, 09:00 in New York; the group's prompt is on Tuesdays at 19:00 there (Wednesday 00:00 UTC).
    private static readonly DateTimeOffset Monday = new(2026, 11, 2, 14, 0, 0, TimeSpan.Zero);
    private static readonly DateTimeOffset TuesdayPrompt = new(2026, 11, 4, 0, 0, 0, TimeSpan.Zero);
    private static readonly DateTimeOffset Year2126 = new(2126, 11, 2, 12, 0, 0, TimeSpan.Zero);

    private readonly SignallingTimeProvider _time = new(Monday);
    private readonly PromptFixture _fixture;
    private readonly BlockingCollection<DateTimeOffset> _passes = [];
    private PromptSchedulerService? _service;

    public PromptSchedulerServiceTests()
    {
        _fixture = new PromptFixture(Monday, time: _time);
    }

    public async ValueTask DisposeAsync()
    {
        if (_service is not null)
        {
            await _service.StopAsync(default);
            _service.Dispose();
        }

        _fixture.Dispose();
        _passes.Dispose();
    }

    [Theory]
    [InlineData(0L)] // DateTimeOffset.MinValue
    [InlineData(637_134_336_000_000_000L)] // 1 January 2020
    [InlineData(639_287_388_000_000_000L)] // the previous Tuesday's prompt, 27 October 2026 23:00 UTC
    public async Task ExecuteAsync_LastPromptLongAgo_SkipsWhatWasMissedAndPostsTheNextOnceOnTime(long lastTicks)
    {
        _fixture.PromptStore.SaveState(new PromptGroupState { Id = "g1", LastPromptOccurrence = new DateTimeOffset(lastTicks, TimeSpan.Zero) });
        await StartAsync();

        var waits = await FollowUntilAsync(TuesdayPrompt);

        Assert.All(waits, w => Assert.InRange(w, TimeSpan.Zero, ClockWaits.MaxWait));
        AssertPostedOnceOnTime();
        Assert.Equal(TuesdayPrompt, _fixture.PromptStore.GetState("g1").LastPromptOccurrence);
        AssertRunning();
    }

    [Fact]
    public async Task ExecuteAsync_LastPromptStoredInTheFuture_PostsTheNextOnceOnTime()
    {
        // A history from a clock that ran a century ahead must not silence the group until then.
        _fixture.PromptStore.SaveState(new PromptGroupState { Id = "g1", LastPromptOccurrence = Year2126 });
        await StartAsync();

        var waits = await FollowUntilAsync(TuesdayPrompt);

        Assert.All(waits, w => Assert.InRange(w, TimeSpan.Zero, ClockWaits.MaxWait));
        AssertPostedOnceOnTime();
        AssertRunning();
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task ExecuteAsync_GroupPausedForACenturyOrForEver_SkipsItsPromptsInCappedWaits(bool forEver)
    {
        PauseGroup(forEver ? DateTimeOffset.MaxValue : Year2126);
        await StartAsync();

        var waits = await FollowUntilAsync(TuesdayPrompt + TimeSpan.FromHours(3));

        Assert.All(waits, w => Assert.InRange(w, TimeSpan.Zero, ClockWaits.MaxWait));
        Assert.Empty(_fixture.PromptMessages);
        Assert.Equal(TuesdayPrompt, _fixture.PromptStore.GetState("g1").LastPromptOccurrence);
        AssertRunning();
    }

    [Fact]
    public async Task ExecuteAsync_NoGroups_WakesHourlyAndKeepsRunning()
    {
        var record = _fixture.GroupStore.FindGroup("g1")!;
        record.Archived = true;
        _fixture.GroupStore.SaveGroup(record);
        await StartAsync();

        var waits = await FollowUntilAsync(Monday + TimeSpan.FromHours(3));

        Assert.All(waits, w => Assert.Equal(ClockWaits.MaxWait, w));
        Assert.Empty(_fixture.Platform.MessagesIn(_fixture.Channel.Id));
        AssertRunning();
    }

    [Fact]
    public async Task ExecuteAsync_TenThousandGroupsPausedForYears_PassesCompleteAndWaitsStayCapped()
    {
        for (var i = 0; i < 10_000; i++)
        {
            _fixture.GroupStore.SaveGroup(new GroupRecord
            {
                Id = $"many-{i}",
                Name = $"Many {i}",
                Platform = PlatformKind.Sandbox,
                ChannelName = $"peer-many-{i}",
                ChannelId = $"C-many-{i}",
                PlannedMemberIds = ["m1"],
                PlannedFacilitatorIds = ["dr-lee"],
                Schedule = i % 2 == 0 ? "0 19 * * TUE" : "*/5 * * * *",
                TimeZone = "America/New_York",
                PausedUntil = Monday.AddYears(1 + (i % 100)),
            });
        }

        await StartAsync();

        var first = NextPass();
        Assert.InRange(first - _time.GetUtcNow(), TimeSpan.Zero, ClockWaits.MaxWait);
        await Task.Run(() => _time.AdvanceTo(first));
        var second = NextPass();
        Assert.InRange(second - _time.GetUtcNow(), TimeSpan.FromMilliseconds(1), ClockWaits.MaxWait);
        Assert.Empty(_fixture.Platform.MessagesIn(_fixture.Channel.Id));
        AssertRunning();
    }

    [Fact]
    public async Task ExecuteAsync_StoreThrows_LogsBacksOffAndPostsOnceItReads()
    {
        _fixture.PromptStore.FailStateReads = new InvalidOperationException("the database file is locked");
        await StartAsync();

        // Each failed pass waits longer: 1, 2, 4 minutes (PromptScheduler.RetryDelay, doubling), and the loop lives on.
        var waits = new List<TimeSpan>();
        for (var i = 0; i < 3; i++)
        {
            var next = NextPass();
            waits.Add(next - _time.GetUtcNow());
            await Task.Run(() => _time.AdvanceTo(next));
        }

        Assert.Equal([TimeSpan.FromMinutes(1), TimeSpan.FromMinutes(2), TimeSpan.FromMinutes(4)], waits);
        AssertRunning();

        _fixture.PromptStore.FailStateReads = null;
        await FollowUntilAsync(TuesdayPrompt);

        AssertPostedOnceOnTime();
    }

    [Fact]
    public async Task ExecuteAsync_ObserverThrows_KeepsRunningAndPosts()
    {
        var throwOnce = 1;
        await StartAsync(service => service.PassCompleted += (_, _) =>
        {
            if (Interlocked.Exchange(ref throwOnce, 0) == 1)
            {
                throw new InvalidOperationException("observer bug");
            }
        });

        // The pass whose observer threw is retried after the first backoff; from then on the schedule runs as before.
        // The throw replaces the pass's timer with the backoff's, so the clock follows whichever timer is set until a
        // pass completes again (never more than a few moves).
        NextPass();
        for (var moves = 0; _passes.Count == 0; moves++)
        {
            Assert.True(moves < 20, $"no pass after {moves} clock moves (clock {_time.GetUtcNow():O})");
            AssertRunning();
            await WaitForTimerAsync();
            await Task.Run(_time.AdvanceToNextDue);
            SpinWait.SpinUntil(() => _passes.Count > 0, TimeSpan.FromMilliseconds(200));
        }

        await FollowUntilAsync(TuesdayPrompt);

        AssertPostedOnceOnTime();
        AssertRunning();
    }

    /// <summary>Exactly one prompt is out, the Tuesday one, posted at its time.</summary>
    private void AssertPostedOnceOnTime()
    {
        Assert.Single(_fixture.PromptMessages);
        var posted = Assert.Single(_fixture.PromptStore.Posted("g1"), p => p.How == "scheduled");
        Assert.Equal(TuesdayPrompt, posted.Occurrence);
        Assert.Equal(TuesdayPrompt, posted.At);
    }

    private void PauseGroup(DateTimeOffset until)
    {
        var record = _fixture.GroupStore.FindGroup("g1")!;
        record.PausedUntil = until;
        _fixture.GroupStore.SaveGroup(record);
    }

    private async Task StartAsync(Action<PromptSchedulerService>? observe = null)
    {
        // Services over what the store now holds, as at a start. The directory reads the store before the service
        // subscribes to its changes, so its first read is no change that asks for a second pass at once.
        _fixture.Restart();
        _fixture.Directory.Refresh();
        _service = new PromptSchedulerService(_fixture.Scheduler, _fixture.Directory, _time, NullLogger<PromptSchedulerService>.Instance);
        _service.PassCompleted += (_, next) => _passes.Add(next);
        observe?.Invoke(_service);
        await _service.StartAsync(default);
    }

    /// <summary>The next pass's wake-up time; fails at once, with the reason, when the service has stopped.</summary>
    private DateTimeOffset NextPass()
    {
        var safetyNet = System.Diagnostics.Stopwatch.StartNew();
        while (safetyNet.Elapsed < TimeSpan.FromSeconds(20))
        {
            if (_passes.TryTake(out var next, TimeSpan.FromMilliseconds(50)))
            {
                return next;
            }

            AssertRunning();
        }

        Assert.Fail($"no scheduling pass finished (clock {_time.GetUtcNow():O}, next timer {_time.NextDue:O})");
        return default;
    }

    private void AssertRunning()
    {
        if (_service?.ExecuteTask is { IsCompleted: true } stopped)
        {
            Assert.Fail($"the prompt scheduler stopped (which stops the host): {stopped.Exception?.GetBaseException()}");
        }
    }

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

    /// <summary>
    /// Follows the service's passes, moving the clock to each wake-up as time would, through the pass at or after
    /// <paramref name="until"/>; returns each wait the service set.
    /// </summary>
    private async Task<List<TimeSpan>> FollowUntilAsync(DateTimeOffset until)
    {
        var waits = new List<TimeSpan>();
        while (true)
        {
            var next = NextPass();
            waits.Add(next - _time.GetUtcNow());
            Assert.True(waits.Count <= 500, $"{waits.Count} passes by {_time.GetUtcNow():O}: the scheduler is spinning");
            if (_time.GetUtcNow() >= until)
            {
                return waits;
            }

            // On another thread: a timer's continuation may run inline in the move.
            await Task.Run(() => _time.AdvanceTo(next));
        }
    }
}
