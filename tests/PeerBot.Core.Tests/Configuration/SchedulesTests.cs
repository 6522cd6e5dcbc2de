using PeerBot.Core.Configuration;

namespace PeerBot.Core.Tests.Configuration;

public class SchedulesTests
{
    [Fact]
    public void NextOccurrence_AcrossSpringForward_KeepsLocalWallClock()
    {
        // 2026-03-08 is the US spring-forward Sunday: 19:00 New York is 23:00 UTC after it, 00:00 UTC next day before it.
        var before = Schedules.NextOccurrence("0 19 * * SAT", "America/New_York", new DateTimeOffset(2026, 3, 6, 12, 0, 0, TimeSpan.Zero));
        var after = Schedules.NextOccurrence("0 19 * * SAT", "America/New_York", new DateTimeOffset(2026, 3, 8, 12, 0, 0, TimeSpan.Zero));

        Assert.Equal(new DateTimeOffset(2026, 3, 8, 0, 0, 0, TimeSpan.Zero), before);
        Assert.Equal(new DateTimeOffset(2026, 3, 14, 23, 0, 0, TimeSpan.Zero), after);
    }

    [Fact]
    public void NextOccurrence_InvalidInput_ReturnsNull()
    {
        Assert.Null(Schedules.NextOccurrence("not cron", "UTC", DateTimeOffset.UnixEpoch));
        Assert.Null(Schedules.NextOccurrence("0 19 * * TUE", "Nowhere/City", DateTimeOffset.UnixEpoch));
    }

    [Fact]
    public void Describe_FutureTime_ReadsLikeAPerson()
    {
        var now = new DateTimeOffset(2026, 11, 22, 17, 0, 0, TimeSpan.Zero); // Sunday 12:00 in New York
        var next = Schedules.NextOccurrence("0 19 * * TUE", "America/New_York", now)!.Value;

        Assert.Equal("Tue 19:00 America/New_York, in 2 days", Schedules.Describe(next, "America/New_York", now));
    }
}
