using PeerBot.Core.Prompts;

namespace PeerBot.Core.Tests.Prompts;

public class ScheduleDeciderTests
{
    private static CronSchedule NewYork(string cron) => CronSchedule.Parse(cron, "America/New_York").Value!;

    [Fact]
    public void Next_WeeklyAcrossFallBack_StaysAtSevenLocal()
    {
        var schedule = NewYork("0 19 * * TUE");

        var before = schedule.Next(new DateTimeOffset(2026, 10, 26, 0, 0, 0, TimeSpan.Zero))!.Value;
        var after = schedule.Next(before)!.Value;

        Assert.Equal(new DateTimeOffset(2026, 10, 27, 23, 0, 0, TimeSpan.Zero), before.ToUniversalTime());
        Assert.Equal(new DateTimeOffset(2026, 11, 4, 0, 0, 0, TimeSpan.Zero), after.ToUniversalTime());
    }

    [Fact]
    public void Next_DailyInRepeatedHourAtFallBack_FiresOnce()
    {
        var schedule = NewYork("30 1 * * *");
        var from = new DateTimeOffset(2026, 10, 31, 12, 0, 0, TimeSpan.Zero);

        var occurrences = Occurrences(schedule, from, from.AddDays(3));

        Assert.Equal(
            [new DateTimeOffset(2026, 11, 1, 5, 30, 0, TimeSpan.Zero), new DateTimeOffset(2026, 11, 2, 6, 30, 0, TimeSpan.Zero), new DateTimeOffset(2026, 11, 3, 6, 30, 0, TimeSpan.Zero)],
            occurrences);
    }

    [Fact]
    public void Next_DailyInSkippedHourAtSpringForward_FiresOnceThatDay()
    {
        var schedule = NewYork("30 2 * * *");
        var from = new DateTimeOffset(2026, 3, 7, 12, 0, 0, TimeSpan.Zero);

        var occurrences = Occurrences(schedule, from, from.AddDays(3));

        // 02:30 does not exist on 8 March; Cronos fires at the jump, 03:00 EDT, once.
        Assert.Equal(
            [new DateTimeOffset(2026, 3, 8, 7, 0, 0, TimeSpan.Zero), new DateTimeOffset(2026, 3, 9, 6, 30, 0, TimeSpan.Zero), new DateTimeOffset(2026, 3, 10, 6, 30, 0, TimeSpan.Zero)],
            occurrences);
    }

    [Fact]
    public void Decide_NoHistory_StartsWithoutPosting()
    {
        var now = new DateTimeOffset(2026, 11, 3, 23, 30, 0, TimeSpan.Zero);

        var decision = ScheduleDecider.Decide(NewYork("0 19 * * TUE"), now, null, null);

        Assert.Equal(ScheduleAction.Start, decision.Action);
        Assert.Equal(new DateTimeOffset(2026, 11, 4, 0, 0, 0, TimeSpan.Zero), decision.NextDue);
    }

    [Theory]
    [InlineData(0, ScheduleAction.Post)]
    [InlineData(359, ScheduleAction.Post)]
    [InlineData(360, ScheduleAction.Skip)]
    [InlineData(60 * 48, ScheduleAction.Skip)]
    public void Decide_LateBy_PostsOnlyWithinSixHours(int minutesLate, ScheduleAction expected)
    {
        var occurrence = new DateTimeOffset(2026, 11, 4, 0, 0, 0, TimeSpan.Zero);

        var decision = ScheduleDecider.Decide(NewYork("0 19 * * TUE"), occurrence.AddMinutes(minutesLate), occurrence.AddDays(-7), null);

        Assert.Equal(expected, decision.Action);
        Assert.Equal(occurrence, decision.Occurrence);
    }

    [Fact]
    public void Decide_SeveralMissed_OnlyTheLatestCounts()
    {
        var schedule = NewYork("0 19 * * *");
        var last = new DateTimeOffset(2026, 11, 1, 0, 0, 0, TimeSpan.Zero);
        var now = new DateTimeOffset(2026, 11, 6, 1, 0, 0, TimeSpan.Zero);

        var decision = ScheduleDecider.Decide(schedule, now, last, null);

        Assert.Equal(ScheduleAction.Post, decision.Action);
        Assert.Equal(new DateTimeOffset(2026, 11, 6, 0, 0, 0, TimeSpan.Zero), decision.Occurrence);
    }

    [Fact]
    public void Decide_Paused_Skips()
    {
        var occurrence = new DateTimeOffset(2026, 11, 4, 0, 0, 0, TimeSpan.Zero);

        var decision = ScheduleDecider.Decide(NewYork("0 19 * * TUE"), occurrence, occurrence.AddDays(-7), occurrence.AddDays(3));

        Assert.Equal(ScheduleAction.Skip, decision.Action);
    }

    [Fact]
    public void Decide_NothingDue_WaitsForNext()
    {
        var last = new DateTimeOffset(2026, 11, 4, 0, 0, 0, TimeSpan.Zero);

        var decision = ScheduleDecider.Decide(NewYork("0 19 * * TUE"), last.AddDays(2), last, null);

        Assert.Equal(ScheduleAction.Wait, decision.Action);
        Assert.Equal(last.AddDays(7), decision.NextDue);
    }

    [Fact]
    public void Decide_ClockSetBackABitAfterAPost_WaitsWithoutPostingItAgain()
    {
        var last = new DateTimeOffset(2026, 11, 4, 0, 0, 0, TimeSpan.Zero);

        var decision = ScheduleDecider.Decide(NewYork("0 19 * * TUE"), last.AddSeconds(-5), last, null);

        Assert.Equal(ScheduleAction.Wait, decision.Action);
        Assert.Equal(last, decision.NextDue);
    }

    [Theory]
    [InlineData(2126)]
    [InlineData(9999)]
    public void Decide_HistoryBeyondTheNextOccurrence_StartsAgainFromNow(int year)
    {
        var now = new DateTimeOffset(2026, 11, 2, 14, 0, 0, TimeSpan.Zero);
        var last = new DateTimeOffset(year, 11, 4, 0, 0, 0, TimeSpan.Zero);

        var decision = ScheduleDecider.Decide(NewYork("0 19 * * TUE"), now, last, null);

        Assert.Equal(ScheduleAction.Start, decision.Action);
        Assert.Equal(new DateTimeOffset(2026, 11, 4, 0, 0, 0, TimeSpan.Zero), decision.NextDue);
    }

    [Theory]
    [InlineData("0 19 * * XYZ", "America/New_York", "is not a valid five-field cron schedule")]
    [InlineData("0 19 * * TUE", "Mars/Olympus", "is not a known IANA time zone")]
    [InlineData("", "UTC", "a schedule is required")]
    public void Parse_Bad_SaysWhat(string cron, string zone, string expected)
    {
        var result = CronSchedule.Parse(cron, zone);

        Assert.False(result.Succeeded);
        Assert.Contains(expected, result.Error, StringComparison.Ordinal);
    }

    private static List<DateTimeOffset> Occurrences(CronSchedule schedule, DateTimeOffset from, DateTimeOffset to)
    {
        var list = new List<DateTimeOffset>();
        var cursor = from;
        while (schedule.Next(cursor) is { } next && next <= to)
        {
            list.Add(next.ToUniversalTime());
            cursor = next;
        }

        return list;
    }
}
