using PeerBot.Core.Digest;
using PeerBot.Core.Safety;

namespace PeerBot.Core.Tests.Digest;

public sealed class DigestBuilderTests : IDisposable
{
    private readonly DigestWorld _world = new();

    public void Dispose() => _world.Dispose();

    [Fact]
    public async Task ForPersonAsync_Facilitator_TheirGroupsOnlyWithEightWeeksEndingLastWeek()
    {
        _world.Week("g-tue", DigestWorld.LastWeek, 4, (DigestCounter.Messages, 12));
        _world.Week("g-tue", DigestWorld.WeekBefore, 5, (DigestCounter.Messages, 20));
        _world.Week("g-tue", DigestWorld.LastWeek.AddDays(7), 1, (DigestCounter.Messages, 99)); // this week, not complete

        var report = await _world.Builder.ForPersonAsync(_world.Person("lee"), null, default);

        Assert.NotNull(report);
        Assert.False(report.ProgramWide);
        Assert.Equal(DigestWorld.LastWeek, report.WeekStart);
        var group = Assert.Single(report.Groups);
        Assert.Equal("Tuesday Circle", group.Name);
        Assert.Equal(DigestBuilder.WeeksShown, group.Weeks.Count);
        Assert.Equal(DigestWorld.LastWeek.AddDays(-49), group.Weeks[0].WeekStart);
        Assert.Equal(12, group.LastWeek[DigestCounter.Messages]);
        Assert.Equal("Tuesday Circle: 4 of 5 members took part, down from 5; 12 messages.", group.Lines[0]);
    }

    [Fact]
    public async Task ForPersonAsync_Coordinator_EveryGroupProgramWide()
    {
        var report = await _world.Builder.ForPersonAsync(_world.Person("mo"), null, default);

        Assert.True(report!.ProgramWide);
        Assert.Equal(["Night Owls", "Tuesday Circle"], report.Groups.Select(g => g.Name));
        Assert.StartsWith("Program digest, every group, week of Mon 9 Nov 2026", DigestText.ToPlainText(report), StringComparison.Ordinal);
    }

    [Fact]
    public async Task ForPersonAsync_ResidentOrOtherGroup_Nothing()
    {
        Assert.Null(await _world.Builder.ForPersonAsync(_world.Person("ana"), null, default));
        Assert.Null(await _world.Builder.ForPersonAsync(_world.Person("lee"), "g-owl", default));
        Assert.Equal(["kim", "lee", "mo", "pat"], _world.Builder.Recipients().Select(p => p.Id));
    }

    [Fact]
    public async Task ForGroupAsync_StaleFlagsSilentPromptsLowParticipation_AllNeedAttention()
    {
        _world.OpenFlag("A1B2", "g-tue", TimeSpan.FromDays(3));
        _world.OpenFlag("C3D4", "g-tue", TimeSpan.FromDays(1.5), AlertStatus.Acknowledged);
        _world.OpenFlag("E5F6", "g-tue", TimeSpan.FromHours(2));
        _world.OpenFlag("G7H8", "g-tue", TimeSpan.FromDays(5), AlertStatus.Resolved);
        _world.Counters.PromptPosted("g-tue", DigestWorld.Now.AddDays(-13));
        _world.Counters.PromptPosted("g-tue", DigestWorld.Now.AddDays(-6));
        _world.Week("g-tue", DigestWorld.LastWeek, 2);
        _world.Week("g-tue", DigestWorld.WeekBefore, 2);

        var report = await _world.Builder.ForPersonAsync(_world.Person("kim"), null, default);

        Assert.Equal(
        [
            "Tuesday Circle: 2 open flags older than a day, the oldest raised 3 days ago (A1B2, C3D4); /peer flags lists them.",
            "Tuesday Circle: no reply to its last two prompts.",
            "Tuesday Circle: fewer than half the members took part, two weeks running.",
        ], report!.Attention);
        Assert.Contains("Needs your attention", DigestText.ToPlainText(report), StringComparison.Ordinal);
    }

    [Fact]
    public async Task ForGroupAsync_HealthyGroup_NothingNeedsAttention()
    {
        _world.OpenFlag("E5F6", "g-tue", TimeSpan.FromHours(2));
        _world.Counters.PromptPosted("g-tue", DigestWorld.Now.AddDays(-13));
        _world.Counters.TryMarkReplied("g-tue", DigestWorld.Now.AddDays(-13).AddHours(1), out _);
        _world.Counters.PromptPosted("g-tue", DigestWorld.Now.AddDays(-6));
        _world.Week("g-tue", DigestWorld.LastWeek, 3);
        _world.Week("g-tue", DigestWorld.WeekBefore, 2);

        var report = await _world.Builder.ForPersonAsync(_world.Person("lee"), "g-tue", default);

        Assert.Empty(report!.Attention);
        Assert.Contains("Nothing needs your attention this week.", DigestText.ToPlainText(report), StringComparison.Ordinal);
    }

    [Fact]
    public async Task ForGroupAsync_LatestPromptUnderADayOld_NotYetSilent()
    {
        _world.Counters.PromptPosted("g-tue", DigestWorld.Now.AddDays(-7));
        _world.Counters.PromptPosted("g-tue", DigestWorld.Now.AddHours(-3));

        var report = await _world.Builder.ForPersonAsync(_world.Person("lee"), "g-tue", default);

        Assert.DoesNotContain(report!.Attention, a => a.Contains("prompts", StringComparison.Ordinal));
    }

    [Fact]
    public async Task ToPlainText_CoordinatorDigest_NoNamesNoExcerptsNoPersonIds()
    {
        _world.OpenFlag("A1B2", "g-tue", TimeSpan.FromDays(3));
        _world.Week("g-tue", DigestWorld.LastWeek, 4, (DigestCounter.Messages, 12), (DigestCounter.FatalisticMessages, 3));
        _world.Week("g-owl", DigestWorld.LastWeek, 1, (DigestCounter.Messages, 2));

        var text = DigestText.ToPlainText((await _world.Builder.ForPersonAsync(_world.Person("mo"), null, default))!);

        foreach (var person in _world.People.All)
        {
            Assert.DoesNotContain(person.Name, text, StringComparison.OrdinalIgnoreCase);
            Assert.DoesNotContain($" {person.Id} ", text, StringComparison.OrdinalIgnoreCase);
        }

        Assert.DoesNotContain("nothing will ever change", text, StringComparison.OrdinalIgnoreCase);
        Assert.DoesNotContain("mark-", text, StringComparison.Ordinal);
        Assert.Contains("Night Owls: fewer than 3 of 4 members took part", text, StringComparison.Ordinal);
    }
}
