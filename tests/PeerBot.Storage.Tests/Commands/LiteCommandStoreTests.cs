using PeerBot.Core.Commands;
using PeerBot.Storage.Commands;

namespace PeerBot.Storage.Tests.Commands;

public sealed class LiteCommandStoreTests : IDisposable
{
    private static readonly DateTimeOffset T0 = new(2026, 11, 4, 12, 0, 0, TimeSpan.Zero);
    private readonly PeerBotDatabase _db = PeerBotDatabase.OpenInMemory();

    [Fact]
    public void AuditLog_WriteByActorRecentDelete()
    {
        var log = new LiteAuditLog(_db);
        var first = new AuditEntry("AU1", T0, "dr-lee", "ack", "g-tue", "A1", AuditOutcome.Done, null);
        var second = new AuditEntry("AU2", T0.AddMinutes(1), "dr-lee", "anon mute", "g-tue", "P1", AuditOutcome.Refused, "not a facilitator");
        var other = new AuditEntry("AU3", T0.AddMinutes(2), "coord-mo", "stats", null, null, AuditOutcome.Done, null);
        log.Write(first);
        log.Write(second);
        log.Write(other);

        Assert.Equal([second, first], log.ByActor("DR-LEE"));
        Assert.Equal([other, second], log.Recent(2));
        Assert.Equal(2, log.DeleteByActor("dr-lee"));
        Assert.Empty(log.ByActor("dr-lee"));
        Assert.Single(log.Recent(10));
    }

    [Fact]
    public void StatsCounters_IncrementByWeekAndKind()
    {
        var stats = new LiteStatsCounters(_db);
        var monday = StatsWeek.StartOf(T0);

        stats.Increment("g-tue", StatKind.Messages, T0);
        stats.Increment("g-tue", StatKind.Messages, T0.AddDays(1));
        stats.Increment("g-tue", StatKind.AnonymousPosts, T0, 2);
        stats.Increment("g-tue", StatKind.Messages, T0.AddDays(7));
        stats.Increment("g-owl", StatKind.Messages, T0);

        var weeks = stats.Weekly("g-tue", monday);
        Assert.Equal(new DateOnly(2026, 11, 2), monday);
        Assert.Equal([monday, monday.AddDays(7)], weeks.Select(w => w.WeekStart));
        Assert.Equal(2, weeks[0][StatKind.Messages]);
        Assert.Equal(2, weeks[0][StatKind.AnonymousPosts]);
        Assert.Equal(0, weeks[0][StatKind.PromptsAnswered]);
        Assert.Single(stats.Weekly("g-tue", monday.AddDays(7)));
    }

    [Theory]
    [InlineData("2026-11-02T00:00:00Z", "2026-11-02")]
    [InlineData("2026-11-08T23:59:59Z", "2026-11-02")]
    [InlineData("2026-11-09T00:00:00Z", "2026-11-09")]
    [InlineData("2026-11-09T03:00:00+05:00", "2026-11-02")]
    public void StatsWeek_StartOf_MondayUtc(string at, string monday)
    {
        Assert.Equal(DateOnly.Parse(monday, System.Globalization.CultureInfo.InvariantCulture), StatsWeek.StartOf(DateTimeOffset.Parse(at, System.Globalization.CultureInfo.InvariantCulture)));
    }

    public void Dispose() => _db.Dispose();
}
