using PeerBot.Core.Configuration;
using PeerBot.Core.Safety;

namespace PeerBot.Core.Tests.Safety;

public sealed class SpiralDetectorTests
{
    private static readonly DateTimeOffset T0 = new(2026, 11, 2, 21, 0, 0, TimeSpan.Zero);
    private static readonly MessageAssessment Fatal = new(true, 0.8, false, ["futility: \"no point\""]);
    private static readonly MessageAssessment Calm = new(false, 0, false, []);
    private static readonly MessageAssessment Crisis = new(false, 0, true, ["crisis, ideation: \"want to die\""]);

    private static SafetyDecision At(SpiralDetector d, int minute, string author, MessageAssessment a, string group = "g1") =>
        d.Observe(group, author, T0.AddMinutes(minute), a, "text by " + author);

    [Fact]
    public void Observe_ThreeFatalisticFromTwoPeopleInWindow_AlertsAtTheThird()
    {
        var d = new SpiralDetector(new SafetyOptions());

        Assert.Null(At(d, 0, "ana", Fatal).Alert);
        Assert.Null(At(d, 5, "ben", Fatal).Alert);
        var third = At(d, 10, "ana", Fatal);

        Assert.Equal(AlertKind.Spiral, third.Alert);
        Assert.Equal(3, third.Spiral!.Count);
        Assert.Equal(2, third.Spiral.Select(e => e.AuthorKey).Distinct().Count());
    }

    [Fact]
    public void Observe_OnePersonOnly_NoAlert()
    {
        var d = new SpiralDetector(new SafetyOptions());

        for (var i = 0; i < 6; i++)
        {
            Assert.Null(At(d, i, "ana", Fatal).Alert);
        }
    }

    [Fact]
    public void Observe_MessagesOutsideWindow_NoAlert()
    {
        var d = new SpiralDetector(new SafetyOptions { SpiralWindow = TimeSpan.FromMinutes(30) });

        At(d, 0, "ana", Fatal);
        At(d, 31, "ben", Fatal);
        Assert.Null(At(d, 62, "cat", Fatal).Alert);
        Assert.Null(At(d, 63, "dev", Fatal).Alert);
        Assert.Equal(AlertKind.Spiral, At(d, 64, "ana", Fatal).Alert);
    }

    [Fact]
    public void Observe_SpiralContinues_OneAlertThenCooldownThenAgain()
    {
        var d = new SpiralDetector(new SafetyOptions { AlertCooldown = TimeSpan.FromHours(2) });

        At(d, 0, "ana", Fatal);
        At(d, 1, "ben", Fatal);
        Assert.Equal(AlertKind.Spiral, At(d, 2, "cat", Fatal).Alert);
        for (var minute = 3; minute < 120; minute += 3)
        {
            Assert.Null(At(d, minute, minute % 2 == 0 ? "ana" : "ben", Fatal).Alert);
        }

        Assert.Equal(AlertKind.Spiral, At(d, 122, "cat", Fatal).Alert);
    }

    [Fact]
    public void Observe_GroupsAreIndependent()
    {
        var d = new SpiralDetector(new SafetyOptions());

        At(d, 0, "ana", Fatal, "g1");
        At(d, 1, "ben", Fatal, "g2");
        Assert.Null(At(d, 2, "cat", Fatal, "g1").Alert);
        Assert.Null(At(d, 3, "dev", Fatal, "g3").Alert);
    }

    [Fact]
    public void Observe_CalmMessagesBetween_DoNotBreakTheSpiral()
    {
        var d = new SpiralDetector(new SafetyOptions());

        At(d, 0, "ana", Fatal);
        At(d, 1, "ben", Calm);
        At(d, 2, "ben", Fatal);
        At(d, 3, "cat", Calm);

        Assert.Equal(AlertKind.Spiral, At(d, 4, "cat", Fatal).Alert);
    }

    [Fact]
    public void Observe_Crisis_AlwaysAlertsEvenInCooldown()
    {
        var d = new SpiralDetector(new SafetyOptions());

        Assert.Equal(AlertKind.Crisis, At(d, 0, "ana", Crisis).Alert);
        Assert.Equal(AlertKind.Crisis, At(d, 1, "ana", Crisis).Alert);
    }

    [Fact]
    public void Observe_AnonymousHandles_CountAsDistinctPeople()
    {
        var d = new SpiralDetector(new SafetyOptions());

        At(d, 0, "anon:7f3a", Fatal);
        At(d, 1, "anon:19bc", Fatal);

        Assert.Equal(AlertKind.Spiral, At(d, 2, "anon:7f3a", Fatal).Alert);
    }

    [Fact]
    public void Observe_ConfiguredThresholds_AreHonoured()
    {
        var d = new SpiralDetector(new SafetyOptions { SpiralMinMessages = 4, SpiralMinPeople = 3, SpiralWindow = TimeSpan.FromMinutes(10) });

        At(d, 0, "ana", Fatal);
        At(d, 1, "ben", Fatal);
        Assert.Null(At(d, 2, "ben", Fatal).Alert);
        Assert.Null(At(d, 3, "ben", Fatal).Alert);

        Assert.Equal(AlertKind.Spiral, At(d, 4, "cat", Fatal).Alert);
    }

    [Fact]
    public void Observe_LongHistory_MemoryStaysBounded()
    {
        var d = new SpiralDetector(new SafetyOptions { SpiralMinPeople = 1000, SpiralMinMessages = 1000, SpiralWindow = TimeSpan.FromDays(365) });

        for (var i = 0; i < 5000; i++)
        {
            At(d, i, "p" + (i % 7), Fatal);
        }

        var fire = new SpiralDetector(new SafetyOptions { SpiralMinMessages = SpiralDetector.MaxEntriesPerGroup, SpiralMinPeople = 2, SpiralWindow = TimeSpan.FromDays(365) });
        SafetyDecision last = SafetyDecision.None;
        for (var i = 0; i < 5000 && last.Alert is null; i++)
        {
            last = At(fire, i, "p" + (i % 7), Fatal);
        }

        Assert.Equal(SpiralDetector.MaxEntriesPerGroup, last.Spiral!.Count);
    }

    [Fact]
    public void Excerpt_LongMultiLineText_OneShortLine()
    {
        var excerpt = SpiralDetector.Excerpt("line one\nline two   " + new string('x', 300));

        Assert.DoesNotContain('\n', excerpt);
        Assert.True(excerpt.Length <= 140);
        Assert.StartsWith("line one line two", excerpt, StringComparison.Ordinal);
    }
}
