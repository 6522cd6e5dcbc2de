using PeerBot.Core.Platform;
using PeerBot.Core.Prompts;

namespace PeerBot.Core.Tests.Prompts;

public class PromptSchedulerTests
{
    // Monday 19 October 2026, noon in New York; clocks fall back on Sunday 1 November.
    private static readonly DateTimeOffset Start = new(2026, 10, 19, 16, 0, 0, TimeSpan.Zero);

    [Fact]
    public async Task RunDueAsync_TenWeeksAcrossFallBack_PostsEveryTuesdayAtSevenLocal()
    {
        using var fixture = new PromptFixture(Start);

        await fixture.RunUntilAsync(Start.AddDays(70));

        var posted = fixture.PromptStore.Posted("g1").Where(p => p.How == "scheduled").ToList();
        Assert.Equal(10, posted.Count);
        var newYork = TimeZoneInfo.FindSystemTimeZoneById("America/New_York");
        Assert.All(posted, p =>
        {
            var local = TimeZoneInfo.ConvertTime(p.At, newYork);
            Assert.Equal(DayOfWeek.Tuesday, local.DayOfWeek);
            Assert.Equal(new TimeSpan(19, 0, 0), local.TimeOfDay);
        });
        Assert.Equal(new DateTimeOffset(2026, 10, 27, 23, 0, 0, TimeSpan.Zero), posted[1].At);
        Assert.Equal(new DateTimeOffset(2026, 11, 4, 0, 0, 0, TimeSpan.Zero), posted[2].At);
        Assert.Equal(10, fixture.PromptMessages.Count);
        Assert.Equal(10, fixture.PromptMessages.Select(m => m.Content.ToPlainText()).Distinct().Count());
    }

    [Fact]
    public async Task RunDueAsync_SpringForwardDaily_PostsOncePerDay()
    {
        using var fixture = new PromptFixture(new DateTimeOffset(2026, 3, 5, 12, 0, 0, TimeSpan.Zero), schedule: "30 2 * * *");

        await fixture.RunUntilAsync(new DateTimeOffset(2026, 3, 12, 12, 0, 0, TimeSpan.Zero));

        var days = fixture.PromptStore.Posted("g1").Where(p => p.How == "scheduled")
            .Select(p => TimeZoneInfo.ConvertTime(p.At, TimeZoneInfo.FindSystemTimeZoneById("America/New_York")).Date).ToList();
        Assert.Equal(7, days.Count);
        Assert.Equal(days.Count, days.Distinct().Count());
    }

    [Fact]
    public async Task RunDueAsync_WholeLibrary_NoRepeatBeforeEveryPromptWasUsed()
    {
        using var fixture = new PromptFixture(new DateTimeOffset(2026, 1, 1, 12, 0, 0, TimeSpan.Zero), schedule: "0 9 * * *", timeZone: "Europe/Berlin");
        var count = fixture.Library.Prompts.Count;

        await fixture.RunUntilAsync(fixture.Time.GetUtcNow().AddDays(count + 5));

        var ids = fixture.PromptStore.Posted("g1").Where(p => p.How == "scheduled").Select(p => p.PromptId).ToList();
        Assert.True(ids.Count >= count + 4);
        Assert.Equal(count, ids.Take(count).Distinct().Count());
        Assert.NotEqual(ids[count - 1], ids[count]);
        Assert.Equal(ids.Skip(count).Count(), ids.Skip(count).Distinct().Count());
    }

    [Fact]
    public async Task RunDueAsync_RestartAfterShortDowntime_PostsMissedPromptOnce()
    {
        using var fixture = new PromptFixture(Start);
        await fixture.RunUntilAsync(new DateTimeOffset(2026, 10, 27, 22, 0, 0, TimeSpan.Zero));

        // Down from 18:00 to 21:30 local: the 19:00 prompt is 2.5 hours late.
        fixture.Time.SetUtcNow(new DateTimeOffset(2026, 10, 28, 1, 30, 0, TimeSpan.Zero));
        fixture.Restart();
        await fixture.Scheduler.RunDueAsync(default);
        await fixture.Scheduler.RunDueAsync(default);
        fixture.Restart();
        await fixture.Scheduler.RunDueAsync(default);

        Assert.Equal(2, fixture.PromptMessages.Count);
        Assert.Equal(new DateTimeOffset(2026, 10, 27, 23, 0, 0, TimeSpan.Zero), fixture.PromptStore.Posted("g1")[^1].Occurrence);
    }

    [Fact]
    public async Task RunDueAsync_RestartAfterLongDowntime_SkipsAndNeverBursts()
    {
        using var fixture = new PromptFixture(Start);
        await fixture.RunUntilAsync(new DateTimeOffset(2026, 10, 21, 0, 0, 0, TimeSpan.Zero));
        var before = fixture.PromptMessages.Count;

        // Down for three weeks, back seven hours after a Tuesday prompt was due.
        fixture.Time.SetUtcNow(new DateTimeOffset(2026, 11, 11, 7, 0, 0, TimeSpan.Zero));
        fixture.Restart();
        await fixture.Scheduler.RunDueAsync(default);

        Assert.Equal(before, fixture.PromptMessages.Count);
        Assert.Contains(fixture.PromptStore.Posted("g1"), p => p.How == "missed" && p.Occurrence == new DateTimeOffset(2026, 11, 11, 0, 0, 0, TimeSpan.Zero));

        await fixture.RunUntilAsync(new DateTimeOffset(2026, 11, 19, 0, 0, 0, TimeSpan.Zero));
        Assert.Equal(before + 1, fixture.PromptMessages.Count);
    }

    [Fact]
    public async Task RunDueAsync_PlatformFailsThenRecovers_PostsOnceWithTheSameKey()
    {
        using var fixture = new PromptFixture(Start);
        await fixture.RunUntilAsync(new DateTimeOffset(2026, 10, 20, 22, 0, 0, TimeSpan.Zero));
        fixture.Platform.FailNext("PostMessage");

        fixture.Time.SetUtcNow(new DateTimeOffset(2026, 10, 20, 23, 0, 0, TimeSpan.Zero));
        var retryAt = await fixture.Scheduler.RunDueAsync(default);
        Assert.Equal(fixture.Time.GetUtcNow() + PromptScheduler.RetryDelay, retryAt);
        Assert.NotNull(fixture.PromptStore.GetState("g1").Pending);

        fixture.Time.SetUtcNow(retryAt!.Value);
        fixture.Restart();
        await fixture.Scheduler.RunDueAsync(default);

        var attempts = fixture.Platform.Calls.Where(c => c.Operation == "PostMessage").Select(c => c.Message!.IdempotencyKey).ToList();
        Assert.Equal(2, attempts.Count);
        Assert.Single(attempts.Distinct());
        Assert.Single(fixture.PromptMessages);
        Assert.Null(fixture.PromptStore.GetState("g1").Pending);
    }

    [Fact]
    public async Task RunDueAsync_PostReachedPlatformBeforeCrash_IsNotDuplicated()
    {
        using var fixture = new PromptFixture(Start);
        await fixture.RunUntilAsync(new DateTimeOffset(2026, 10, 20, 22, 0, 0, TimeSpan.Zero));
        var occurrence = new DateTimeOffset(2026, 10, 20, 23, 0, 0, TimeSpan.Zero);
        fixture.Time.SetUtcNow(occurrence);
        await fixture.Scheduler.RunDueAsync(default);
        var posted = Assert.Single(fixture.PromptMessages);

        // The crash: the store lost the confirmation, so the post still looks pending after restart.
        var state = fixture.PromptStore.GetState("g1");
        state.Pending = new PendingPost { Kind = "prompt", PromptId = state.LastPromptId, Occurrence = occurrence, IdempotencyKey = posted.Content.IdempotencyKey! };
        state.LastPromptOccurrence = occurrence.AddDays(-7);
        fixture.PromptStore.SaveState(state);
        fixture.Time.Advance(TimeSpan.FromMinutes(5));
        fixture.Restart();
        await fixture.Scheduler.RunDueAsync(default);

        Assert.Single(fixture.PromptMessages);
        Assert.Equal(occurrence, fixture.PromptStore.GetState("g1").LastPromptOccurrence);
    }

    [Fact]
    public async Task RunDueAsync_PausedGroup_GetsNothingUntilResumed()
    {
        using var fixture = new PromptFixture(Start);
        await fixture.RunUntilAsync(Start.AddHours(1));
        var paused = await fixture.Operations.PauseGroupAsync("g1", Start.AddDays(15), default);
        Assert.True(paused.Succeeded);

        await fixture.RunUntilAsync(Start.AddDays(14));
        Assert.Empty(fixture.PromptMessages);
        Assert.Null(fixture.Operations.NextPromptAt("g1"));

        await fixture.Operations.ResumeGroupAsync("g1", default);
        await fixture.RunUntilAsync(Start.AddDays(21));
        Assert.Single(fixture.PromptMessages);
    }

    [Fact]
    public async Task RunDueAsync_NewGroup_StartsCountingWithoutPostingForThePast()
    {
        using var fixture = new PromptFixture(new DateTimeOffset(2026, 10, 20, 23, 30, 0, TimeSpan.Zero));

        await fixture.Scheduler.RunDueAsync(default);

        Assert.Empty(fixture.PromptMessages);
        Assert.Equal(fixture.Time.GetUtcNow(), fixture.PromptStore.GetState("g1").LastPromptOccurrence);
    }

    [Fact]
    public async Task RunDueAsync_OccurrenceBetweenGroupChangeAndFirstPass_IsPostedOnce()
    {
        // Tuesday 18:59 in New York: the group gets its channel; the first pass only runs after 19:00 (a slow start,
        // or the sandbox clock jumped to the prompt first).
        using var fixture = new PromptFixture(new DateTimeOffset(2026, 10, 20, 22, 59, 0, TimeSpan.Zero));
        fixture.Scheduler.NoteGroupsChanged(fixture.Time.GetUtcNow());
        fixture.Time.SetUtcNow(new DateTimeOffset(2026, 10, 20, 23, 0, 30, TimeSpan.Zero));

        await fixture.Scheduler.RunDueAsync(default);
        await fixture.Scheduler.RunDueAsync(default);

        Assert.Single(fixture.PromptMessages);
        Assert.Equal(new DateTimeOffset(2026, 10, 20, 23, 0, 0, TimeSpan.Zero), fixture.PromptStore.Posted("g1")[^1].Occurrence);
    }

    [Fact]
    public async Task RunDueAsync_OccurrenceBeforeTheGroupChanged_IsNotPosted()
    {
        using var fixture = new PromptFixture(new DateTimeOffset(2026, 10, 20, 23, 10, 0, TimeSpan.Zero));
        fixture.Scheduler.NoteGroupsChanged(fixture.Time.GetUtcNow());
        fixture.Time.Advance(TimeSpan.FromMinutes(5));

        await fixture.Scheduler.RunDueAsync(default);

        Assert.Empty(fixture.PromptMessages);
        Assert.Equal(new DateTimeOffset(2026, 10, 20, 23, 10, 0, TimeSpan.Zero), fixture.PromptStore.GetState("g1").LastPromptOccurrence);
    }

    [Fact]
    public async Task RunDueAsync_CheckInSchedule_PostsCheckInsToo()
    {
        using var fixture = new PromptFixture(Start);
        fixture.Options.CurrentValue.Prompts.CheckInSchedule = "0 8 * * MON";

        await fixture.RunUntilAsync(Start.AddDays(17));

        var checkIns = fixture.Platform.Calls.Where(c => c.Operation == "PostMessage" && c.Message!.Buttons.Count == 5).ToList();
        Assert.Equal(2, checkIns.Count);
        Assert.All(checkIns, c => Assert.Contains(CheckInService.Question, c.Detail, StringComparison.Ordinal));

        // Each closed after its window with the note that too few answered.
        Assert.Equal(2, fixture.Platform.MessagesIn(fixture.Channel.Id).Count(m => m.Content.ToPlainText().StartsWith("Fewer than 3", StringComparison.Ordinal)));
    }
}
