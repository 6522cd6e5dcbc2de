using PeerBot.Core.Configuration;
using PeerBot.Core.Safety;

namespace PeerBot.Core.Tests.Safety;

public sealed class SpiralDetectorTests
{
    private static readonly DateTimeOffset T0 = new(2026, 11, 2, 21, 0, 0, TimeSpan.Zero);
    private static readonly MessageAssessment Fatal = new(true, 0.8, false, ["futility: \"no point\""]);
    private static readonly MessageAssessment Calm = new(false, 0, false, []);
    private static readonly MessageAssessment Crisis = new(false, 0, true, ["crisis, ideation: \"want to die\""]);
    private static readonly MessageAssessment Coping = new(false, 0, false, ["coping: \"wine to sleep\""]) { Coping = true };

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

    private static SpiralEntry Kept(int minute, string author) =>
        new(T0.AddMinutes(minute), author, SpiralDetector.Excerpt("text by " + author), Fatal.Reasons);

    [Fact]
    public void Seed_TwoKeptMessages_ThirdObservedAfterRestartAlertsWithAllThree()
    {
        var d = new SpiralDetector(new SafetyOptions());

        Assert.Null(d.Seed("g1", [Kept(0, "ana"), Kept(5, "ben")]));
        var third = At(d, 10, "cat", Fatal);

        Assert.Equal(AlertKind.Spiral, third.Alert);
        Assert.NotNull(third.Spiral);
        Assert.Equal(["ana", "ben", "cat"], third.Spiral.Select(e => e.AuthorKey));
        Assert.Equal(T0, third.Spiral[0].Timestamp);
    }

    [Fact]
    public void Seed_KeptMessagesOutOfTheWindowOfTheNextMessage_DoNotCount()
    {
        var d = new SpiralDetector(new SafetyOptions { SpiralWindow = TimeSpan.FromMinutes(30) });

        d.Seed("g1", [Kept(0, "ana"), Kept(5, "ben")]);

        // At minute 34 ana's kept message has left the window, ben's has not.
        Assert.Null(At(d, 34, "cat", Fatal).Alert);
        var spiral = At(d, 35, "ana", Fatal).Spiral;
        Assert.NotNull(spiral);
        Assert.Equal(["ben", "cat", "ana"], spiral.Select(e => e.AuthorKey));
    }

    [Fact]
    public void Seed_MessagesAtOrBeforeTheRememberedAlert_LeftOut()
    {
        var d = new SpiralDetector(new SafetyOptions { AlertCooldown = TimeSpan.FromMinutes(10) });
        d.RememberAlert("g1", T0.AddMinutes(5));

        d.Seed("g1", [Kept(0, "ana"), Kept(5, "ben"), Kept(20, "cat")]);

        // Only cat's message is left: two more are needed, from someone else too.
        Assert.Null(At(d, 21, "cat", Fatal).Alert);
        Assert.Equal(AlertKind.Spiral, At(d, 22, "ana", Fatal).Alert);
    }

    [Fact]
    public void Seed_SameMessagesTwice_CountedOnce()
    {
        var d = new SpiralDetector(new SafetyOptions { SpiralMinPeople = 1 });

        Assert.Null(d.Seed("g1", [Kept(0, "ana")]));
        Assert.Null(d.Seed("g1", [Kept(0, "ana"), Kept(1, "ana")]));

        Assert.Equal(AlertKind.Spiral, At(d, 2, "ana", Fatal).Alert);
    }

    [Fact]
    public void Seed_KeptMessagesAlreadyMakeASpiral_ReturnedOnceThenCoolsDown()
    {
        var d = new SpiralDetector(new SafetyOptions { AlertCooldown = TimeSpan.FromHours(2) });

        var spiral = d.Seed("g1", [Kept(0, "ana"), Kept(1, "ben"), Kept(2, "ana")]);

        Assert.NotNull(spiral);
        Assert.Equal(3, spiral.Count);
        Assert.Null(d.Seed("g1", [Kept(0, "ana"), Kept(1, "ben"), Kept(2, "ana")]));
        Assert.Null(At(d, 3, "cat", Fatal).Alert);
        Assert.Null(At(d, 4, "ben", Fatal).Alert);
        Assert.Null(At(d, 5, "cat", Fatal).Alert);
    }

    [Fact]
    public void Seed_KeptMessagesFromOnePersonOnly_NoSpiralReturned()
    {
        // Three kept messages, one author: a spiral is a group sliding, not one person (SpiralMinPeople = 2).
        var d = new SpiralDetector(new SafetyOptions());

        Assert.Null(d.Seed("g1", [Kept(0, "ana"), Kept(1, "ana"), Kept(2, "ana")]));
        Assert.Null(At(d, 3, "ana", Fatal).Alert);
        Assert.Equal(AlertKind.Spiral, At(d, 4, "ben", Fatal).Alert);
    }

    [Fact]
    public void Seed_WithinTheRememberedCooldown_NoSpiralReturned()
    {
        var d = new SpiralDetector(new SafetyOptions { AlertCooldown = TimeSpan.FromHours(2) });
        d.RememberAlert("g1", T0.AddMinutes(-10));

        Assert.Null(d.Seed("g1", [Kept(0, "ana"), Kept(1, "ben"), Kept(2, "ana")]));
    }

    [Fact]
    public void Seed_MoreThanTheLimit_KeepsTheNewest()
    {
        var d = new SpiralDetector(new SafetyOptions { SpiralMinMessages = SpiralDetector.MaxEntriesPerGroup, SpiralMinPeople = 2, SpiralWindow = TimeSpan.FromDays(365) });

        var spiral = d.Seed("g1", Enumerable.Range(0, 500).Select(i => Kept(i, "p" + (i % 3))));

        Assert.Equal(SpiralDetector.MaxEntriesPerGroup, spiral!.Count);
        Assert.Equal(T0.AddMinutes(300), spiral[0].Timestamp);
        Assert.Equal(T0.AddMinutes(499), spiral[^1].Timestamp);
    }

    [Fact]
    public void Excerpt_LongMultiLineText_OneShortLine()
    {
        var excerpt = SpiralDetector.Excerpt("line one\nline two   " + new string('x', 300));

        Assert.DoesNotContain('\n', excerpt);
        Assert.True(excerpt.Length <= 140);
        Assert.StartsWith("line one line two", excerpt, StringComparison.Ordinal);
    }

    [Fact]
    public void Observe_Coping_OneNotePerAuthorAndGroupPerCooldown()
    {
        var d = new SpiralDetector(new SafetyOptions { CopingCooldown = TimeSpan.FromDays(7) });
        var week = (int)TimeSpan.FromDays(7).TotalMinutes;

        Assert.Equal(AlertKind.Coping, At(d, 0, "ana", Coping).Alert);
        Assert.False(At(d, 0, "ana", Coping).Coping);
        Assert.Null(At(d, week - 1, "ana", Coping).Alert);
        Assert.Equal(AlertKind.Coping, At(d, 5, "ben", Coping).Alert);
        Assert.Equal(AlertKind.Coping, At(d, 5, "ana", Coping, group: "g2").Alert);
        Assert.Equal(AlertKind.Coping, At(d, week, "ana", Coping).Alert);
    }

    [Fact]
    public void Observe_CopingAndCrisis_CrisisOnlyAndTheNoteNotUsedUp()
    {
        var d = new SpiralDetector(new SafetyOptions());

        var both = At(d, 0, "ana", Crisis with { Coping = true });

        Assert.Equal(new SafetyDecision(true, null, false), both);
        Assert.Equal(AlertKind.Crisis, both.Alert);
        Assert.Equal(AlertKind.Coping, At(d, 1, "ana", Coping).Alert);
    }

    [Fact]
    public void Observe_CopingMessageCompletesSpiral_BothFireSpiralShown()
    {
        var d = new SpiralDetector(new SafetyOptions());
        At(d, 0, "ana", Fatal);
        At(d, 1, "ben", Fatal);

        var third = At(d, 2, "cat", Fatal with { Coping = true });

        Assert.NotNull(third.Spiral);
        Assert.True(third.Coping);
        Assert.Equal(AlertKind.Spiral, third.Alert);
    }

    [Fact]
    public void Observe_NotCoping_NoNoteAndNoLimitUsed()
    {
        var d = new SpiralDetector(new SafetyOptions());

        Assert.False(At(d, 0, "ana", Calm).Coping);
        Assert.False(At(d, 1, "ana", Fatal).Coping);
        Assert.True(At(d, 2, "ana", Coping).Coping);
    }

    [Fact]
    public void RememberCopingNote_FromAnEarlierRun_HoldsTheLimitAndLaterWins()
    {
        var d = new SpiralDetector(new SafetyOptions { CopingCooldown = TimeSpan.FromDays(7) });
        d.RememberCopingNote("g1", "ana", T0.AddDays(-6));
        d.RememberCopingNote("g1", "ana", T0.AddDays(-8));

        Assert.Null(At(d, 0, "ana", Coping).Alert);
        Assert.Equal(AlertKind.Coping, At(d, 0, "ben", Coping).Alert);
        Assert.Equal(AlertKind.Coping, At(d, (int)TimeSpan.FromDays(1).TotalMinutes, "ana", Coping).Alert);
    }

    [Fact]
    public void CopingLimiter_ManyAuthors_ForgetsOnlyNotesPastTheirCooldown()
    {
        var limiter = new CopingLimiter(new SafetyOptions { CopingCooldown = TimeSpan.FromDays(1) });
        for (var i = 0; i < 5000; i++)
        {
            Assert.True(limiter.TryNote("g1", "p" + i, T0.AddMinutes(i)));
        }

        // Pruning the old ones never lets a recent author through.
        Assert.False(limiter.TryNote("g1", "p4999", T0.AddMinutes(5000)));
        Assert.True(limiter.TryNote("g1", "p0", T0.AddDays(2)));
    }
}
