using LiteDB;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Moq;
using PeerBot.Core.Commands;
using PeerBot.Core.Digest;
using PeerBot.Core.Groups;
using PeerBot.Core.Platform;
using PeerBot.Core.Prompts;
using PeerBot.Core.Safety;
using PeerBot.Core.Sharing;
using PeerBot.Core.Tests.Prompts;
using PeerBot.Core.Tests.Safety;
using PeerBot.Storage;
using PeerBot.Storage.Digest;
using PeerBot.Testing;
using PeerBot.Testing.Sharing;
using W = PeerBot.Testing.Sharing.SharingWorld;

namespace PeerBot.Core.Tests.Digest;

/// <summary>The digest's weekly counters, fed where Core already sees the events; counts only.</summary>
public sealed class DigestCountingTests : IDisposable
{
    private readonly PeerBotDatabase _db = PeerBotDatabase.OpenInMemory();
    private readonly LiteDigestCounters _counters;
    private readonly SharingWorld _world;

    public DigestCountingTests()
    {
        _counters = new LiteDigestCounters(_db);
        _world = new SharingWorld(digest: _counters);
    }

    public void Dispose()
    {
        _world.Dispose();
        _db.Dispose();
    }

    private DateOnly ThisWeek => StatsWeek.StartOf(_world.Time.GetUtcNow());

    private DigestWeek Week(string groupId = W.Tuesday) =>
        _counters.Weeks(groupId, ThisWeek).SingleOrDefault() ?? DigestWeek.Empty(ThisWeek);

    private Task SayAsync(string userId, string text, string? channelId = null, string id = "m") =>
        _world.Handler.HandleMessageAsync(
            new IncomingMessage(PlatformKind.Slack, channelId ?? _world.TuesdayChannel.Id, id + Guid.NewGuid().ToString("N"), userId, text, _world.Time.GetUtcNow(), false), default);

    [Fact]
    public async Task HandleMessageAsync_GroupMessages_CountsMessagesAndDistinctMembersOnly()
    {
        await SayAsync(W.AnaUser, "long night");
        await SayAsync(W.AnaUser, "still here");
        await SayAsync(W.BenUser, "same");
        await SayAsync(W.LeeUser, "thanks for sharing");      // the facilitator: a message, not a member
        await SayAsync("U0NOBODY", "hello");                 // someone not on the roster

        var week = Week();
        Assert.Equal(5, week[DigestCounter.Messages]);
        Assert.Equal(2, week.Participants);
    }

    [Fact]
    public async Task HandleMessageAsync_MemberOfAnotherGroup_CountsOnlyInTheirOwnGroups()
    {
        await SayAsync(W.CyUser, "night shift again", _world.OwlsChannel.Id);
        await SayAsync(W.CyUser, "hi all");

        Assert.Equal(1, Week(W.Owls).Participants);
        Assert.Equal(1, Week(W.Tuesday).Participants);
    }

    [Fact]
    public async Task HandleMessageAsync_NewWeek_ParticipantsStartAgainAndLastWeekKeepsOnlyItsCount()
    {
        await SayAsync(W.AnaUser, "monday");
        await SayAsync(W.BenUser, "monday too");
        var firstWeek = ThisWeek;
        _world.Time.Advance(TimeSpan.FromDays(7));

        await SayAsync(W.AnaUser, "a week later");

        var weeks = _counters.Weeks(W.Tuesday, firstWeek);
        Assert.Equal([2, 1], weeks.Select(w => w.Participants));
        var stored = _db.Database.GetCollection("digest_weekly").FindById($"{W.Tuesday}|{firstWeek:yyyy-MM-dd}");
        Assert.False(stored.ContainsKey("Marks"));
    }

    [Fact]
    public async Task HandleMessageAsync_Stored_NoIdentifierOfAnyone()
    {
        await SayAsync(W.AnaUser, "long night");
        await SayAsync(W.BenUser, "same " + FakeSafetyMonitor.FatalisticMarker);

        var everything = string.Join("\n", _db.Database.GetCollectionNames()
            .Where(n => n.StartsWith("digest", StringComparison.Ordinal))
            .SelectMany(n => _db.Database.GetCollection(n).FindAll())
            .Select(d => JsonSerializer.Serialize(d)));
        foreach (var identifier in new[] { W.Ana, W.AnaUser, W.Ben, W.BenUser, "Ana R.", "long night", _world.Handles.HandleOf(W.Ana) })
        {
            Assert.DoesNotContain(identifier, everything, StringComparison.OrdinalIgnoreCase);
        }

        // The marks are scoped to the group and the week: not the check-in's, not another week's.
        var mark = _world.Handles.ScopedMarkOf(DigestRecorder.ParticipantScope(W.Tuesday, ThisWeek), W.Ana);
        Assert.Contains(mark, everything, StringComparison.Ordinal);
        Assert.DoesNotContain(_world.Handles.ScopedMarkOf(DigestRecorder.ParticipantScope(W.Tuesday, ThisWeek.AddDays(7)), W.Ana), everything, StringComparison.Ordinal);
    }

    [Fact]
    public async Task HandleMessageAsync_Fatalistic_Counted()
    {
        await SayAsync(W.AnaUser, "nothing changes " + FakeSafetyMonitor.FatalisticMarker);
        await SayAsync(W.BenUser, "rough shift");

        Assert.Equal(1, Week()[DigestCounter.FatalisticMessages]);
    }

    [Fact]
    public async Task HandleMessageEditedAsync_NotCountedAgain()
    {
        await SayAsync(W.AnaUser, "long night");

        await _world.Handler.HandleMessageEditedAsync(
            new MessageEdited(PlatformKind.Slack, _world.TuesdayChannel.Id, "m1", W.AnaUser, "long night " + FakeSafetyMonitor.FatalisticMarker, _world.Time.GetUtcNow(), false), default);

        Assert.Equal(1, Week()[DigestCounter.Messages]);
        Assert.Equal(0, Week()[DigestCounter.FatalisticMessages]);
    }

    [Fact]
    public async Task HandleMessageAsync_AfterAPrompt_FirstMessageCountsTheReplyOnce()
    {
        var postedAt = _world.Time.GetUtcNow();
        _world.Digest!.PromptPosted(W.Tuesday, postedAt);
        _world.Time.Advance(TimeSpan.FromMinutes(10));

        await SayAsync(W.AnaUser, "for me it was nights");
        await SayAsync(W.BenUser, "same");

        Assert.Equal(1, Week()[DigestCounter.PromptsPosted]);
        Assert.Equal(1, Week()[DigestCounter.PromptsReplied]);
        Assert.Equal([true], _counters.RecentPrompts(W.Tuesday).Select(p => p.Replied));
    }

    [Fact]
    public async Task AnonymousPost_Delivered_CountsAMessageAndAReplyButNoParticipant()
    {
        _world.Digest!.PromptPosted(W.Tuesday, _world.Time.GetUtcNow());
        var shared = await _world.Sharing.Submission.SubmitAsync(new ShareRequest(_world.Person(W.Ana), null, "hard week " + FakeSafetyMonitor.FatalisticMarker), default);
        Assert.True(shared.Succeeded, shared.Error);

        await _world.PassMaxDelayAndDeliverAsync();

        var week = Week();
        Assert.Equal(1, week[DigestCounter.Messages]);
        Assert.Equal(1, week[DigestCounter.FatalisticMessages]);
        Assert.Equal(1, week[DigestCounter.PromptsReplied]);
        Assert.Equal(0, week.Participants);
    }

    [Fact]
    public async Task HandleMessageAsync_CounterStoreFails_MessageStillScreenedAndFailureLogged()
    {
        var broken = new Mock<IDigestCounters>();
        broken.Setup(c => c.Add(It.IsAny<string>(), It.IsAny<DigestCounter>(), It.IsAny<DateOnly>(), It.IsAny<int>())).Throws(new LiteException(0, "disk full"));
        using var world = new SharingWorld(digest: broken.Object);

        await world.Handler.HandleMessageAsync(new IncomingMessage(PlatformKind.Slack, world.TuesdayChannel.Id, "m1", W.AnaUser, "hi", world.Time.GetUtcNow(), false), default);

        Assert.Single(world.Safety.Observed);
        Assert.Contains(world.Logs.Lines, l => l.Contains("digest counter", StringComparison.Ordinal));
    }

    [Fact]
    public async Task PromptService_PostNow_CountsAPromptPosted()
    {
        using var fixture = new PromptFixture(new DateTimeOffset(2026, 11, 2, 14, 0, 0, TimeSpan.Zero)) { Digest = Recorder() };
        fixture.Restart();

        var posted = await fixture.Prompts.PostNextNowAsync("g1", default);

        Assert.True(posted.Succeeded, posted.Error);
        Assert.Equal(1, _counters.Weeks("g1", StatsWeek.StartOf(fixture.Time.GetUtcNow())).Single()[DigestCounter.PromptsPosted]);
        Assert.Single(_counters.RecentPrompts("g1"));
    }

    [Theory]
    [InlineData(new[] { 1, 2, 4 }, 1, 3, 7)]
    [InlineData(new[] { 1, 5 }, 0, 0, 0)]
    public async Task CheckInService_Closes_CountsOnlyTotalsOfThreeOrMore(int[] scores, int shared, int answers, int sum)
    {
        using var fixture = new PromptFixture(new DateTimeOffset(2026, 11, 2, 14, 0, 0, TimeSpan.Zero), members: 6) { Digest = Recorder() };
        fixture.Restart();
        Assert.True((await fixture.Operations.PostCheckInAsync("g1", default)).Succeeded);
        Assert.True(CheckInService.TryParseAction(fixture.Platform.MessagesIn(fixture.Channel.Id)[0].Content.Buttons[0].ActionId, out var id, out _));
        for (var i = 0; i < scores.Length; i++)
        {
            Assert.True((await fixture.CheckIns.RecordAnswerAsync(id, $"m{i + 1}", scores[i], default)).Succeeded);
        }

        fixture.Time.Advance(TimeSpan.FromDays(2));
        await fixture.CheckIns.CloseDueAsync(default);
        await fixture.CheckIns.CloseDueAsync(default);

        var week = _counters.Weeks("g1", StatsWeek.StartOf(fixture.Time.GetUtcNow())).SingleOrDefault() ?? DigestWeek.Empty(default);
        Assert.Equal((shared, answers, sum), (week[DigestCounter.CheckInsShared], week[DigestCounter.CheckInAnswers], week[DigestCounter.CheckInScoreSum]));
    }

    [Fact]
    public async Task SafetyMonitor_SpiralRaisedAndResolved_CountedOnce()
    {
        var h = new SafetyHarness(digest: Recorder());
        await h.SayAsync("ana", 0, "nothing will ever change here");
        await h.SayAsync("ben", 4, "what's the point of the survey even");
        var outcome = await h.SayAsync("cat", 6, "i've given up honestly");
        Assert.Equal(AlertKind.Spiral, outcome.Alert?.Kind);

        Assert.True((await h.Alerts.ResolveAsync(outcome.Alert!.Id, "lee", null, default)).Succeeded);
        Assert.False((await h.Alerts.ResolveAsync(outcome.Alert.Id, "kim", null, default)).Succeeded);

        var week = _counters.Weeks("g1", StatsWeek.StartOf(SafetyHarness.Start)).Single();
        Assert.Equal((1, 1, 0, 0), (week[DigestCounter.SpiralRaised], week[DigestCounter.SpiralResolved], week[DigestCounter.CrisisRaised], week[DigestCounter.CopingRaised]));
    }

    [Fact]
    public async Task SafetyMonitor_Crisis_CountsACrisisFlag()
    {
        var h = new SafetyHarness(digest: Recorder());

        var outcome = await h.SayAsync("ana", 0, "i want to die");

        Assert.Equal(AlertKind.Crisis, outcome.Alert?.Kind);
        Assert.Equal(1, _counters.Weeks("g1", StatsWeek.StartOf(SafetyHarness.Start)).Single()[DigestCounter.CrisisRaised]);
    }

    private DigestRecorder Recorder() =>
        new(_counters, _world.Handles, NullLogger<DigestRecorder>.Instance);
}
