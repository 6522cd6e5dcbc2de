using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Time.Testing;
using PeerBot.Core.Configuration;
using PeerBot.Core.Groups;
using PeerBot.Core.People;
using PeerBot.Core.Platform;
using PeerBot.Testing;
using PeerBot.Testing.Groups;

namespace PeerBot.Core.Tests.Groups;

public sealed class GroupReconcilerTests : IDisposable
{
    private readonly FakeTimeProvider _time = new(new DateTimeOffset(2026, 11, 2, 12, 0, 0, TimeSpan.Zero));
    private readonly InMemoryGroupStore _store = new();
    private readonly FakeChatPlatform _discord = new(PlatformKind.Discord);
    private readonly FakeChatPlatform _slack = new(PlatformKind.Slack);
    private readonly TestOptionsMonitor<PeerBotOptions> _options = new(GroupPlannerTests.ExampleOptions());
    private PeopleDirectory _people = null!;
    private GroupReconciler _reconciler = null!;
    private GroupDirectory _directory = null!;

    public GroupReconcilerTests() => Build();

    public void Dispose() => _reconciler.Dispose();

    private void Build()
    {
        _people = new PeopleDirectory(_options.CurrentValue.People);
        foreach (var person in _options.CurrentValue.People)
        {
            _people.SetPlatformUserId(person.Id, PlatformKind.Discord, "D-" + person.Id);
            _people.SetPlatformUserId(person.Id, PlatformKind.Slack, "S-" + person.Id);
        }

        _directory = new GroupDirectory(_store, _time);
        _reconciler?.Dispose();
        _reconciler = new GroupReconciler(_options, _store, _people, new PlatformRegistry([_discord, _slack]), _directory, _time, NullLogger<GroupReconciler>.Instance);
    }

    private int CallCount => _discord.Calls.Count + _slack.Calls.Count;

    private IEnumerable<PlatformCall> AllCalls => _discord.Calls.Concat(_slack.Calls);

    [Fact]
    public async Task ReconcileAsync_FirstRun_CreatesPrivateChannelsWithEveryone()
    {
        var result = await _reconciler.ReconcileAsync(default);

        Assert.True(result.Complete, string.Join("; ", result.Problems));
        var groups = _directory.All();
        Assert.Equal(GroupPlanner.Plan(_options.CurrentValue).Groups.Count, groups.Count);
        var tuesday = groups.Single(g => g.Name == "Tuesday Circle");
        var channel = _slack.Channels[tuesday.Channel!.Id];
        Assert.Equal("peer-tuesday-circle", channel.Name);
        Assert.Equal(new[] { "S-ana", "S-ben", "S-cara", "S-dr-kim", "S-dr-lee" }, channel.Members.Order());
        Assert.All(groups.Where(g => g.Platform == PlatformKind.Discord), g => Assert.True(_discord.Channels.ContainsKey(g.Channel!.Id)));
        Assert.Equal(groups.Count, AllCalls.Count(c => c.Operation == "EnsurePrivateChannel"));
    }

    [Fact]
    public async Task ReconcileAsync_PlatformStillResolvingPeople_LeavesItsGroupsUntilResolved()
    {
        _reconciler.Dispose();
        _reconciler = new GroupReconciler(_options, _store, _people, new PlatformRegistry([_discord, _slack]), _directory, _time, NullLogger<GroupReconciler>.Instance, _people);
        _people.ExpectResolution(PlatformKind.Discord);
        var resolvedRaised = false;
        _people.PlatformResolved += (_, platform) => resolvedRaised = platform == PlatformKind.Discord && !_people.IsResolutionPending(PlatformKind.Discord);

        var early = await _reconciler.ReconcileAsync(default);

        // Nothing is done on Discord while its adapter is still checking the server and resolving people; Slack goes ahead.
        Assert.True(early.Complete, string.Join("; ", early.Problems));
        Assert.Empty(early.Problems);
        Assert.Empty(_discord.Calls);
        Assert.NotEmpty(_slack.Calls);
        Assert.All(_directory.All().Where(g => g.Platform == PlatformKind.Discord), g => Assert.Null(g.Channel));

        _people.MarkResolved(PlatformKind.Discord);
        var late = await _reconciler.ReconcileAsync(default);

        Assert.True(resolvedRaised);
        Assert.True(late.Complete, string.Join("; ", late.Problems));
        var discordGroups = _directory.All().Where(g => g.Platform == PlatformKind.Discord).ToList();
        Assert.NotEmpty(discordGroups);
        Assert.All(discordGroups, g => Assert.True(_discord.Channels.ContainsKey(g.Channel!.Id)));
    }

    [Fact]
    public async Task ReconcileAsync_FirstRun_WelcomesEachPersonOnceAndIntroducesEachGroup()
    {
        await _reconciler.ReconcileAsync(default);

        var tuesday = _directory.All().Single(g => g.Name == "Tuesday Circle");
        var intro = Assert.Single(_slack.MessagesIn(tuesday.Channel!.Id)).Content.ToPlainText();
        Assert.Contains("Ana (PGY-1)", intro, StringComparison.Ordinal);
        Assert.Contains("Dr. Kim (psychologist)", intro, StringComparison.Ordinal);
        Assert.Contains("What is said here stays here.", intro, StringComparison.Ordinal);
        Assert.Contains("No advice unless someone asks for it.", intro, StringComparison.Ordinal);

        var welcomes = _slack.DirectMessages.Where(d => d.Message.ToPlainText().Contains("Tuesday Circle", StringComparison.Ordinal)).ToList();
        Assert.Equal(5, welcomes.Count);
        var toAna = welcomes.Single(w => w.UserId == "S-ana").Message.ToPlainText();
        Assert.Contains("facilitated by Dr. Kim and Dr. Lee", toAna, StringComparison.Ordinal);
        Assert.Contains("never keeps", toAna, StringComparison.Ordinal);
        Assert.Contains("/peer share", toAna, StringComparison.Ordinal);
        Assert.Contains("/peer pause", toAna, StringComparison.Ordinal);
        Assert.Contains("988", toAna, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ReconcileAsync_FirstRun_WelcomesResidentsWithSupportLineAndNoCrisisWording()
    {
        _options.CurrentValue.Safety.SupportMessage = "Our wellness line is (555) 010-0199.";

        await _reconciler.ReconcileAsync(default);

        var tuesday = _directory.All().Single(g => g.Name == "Tuesday Circle");
        var toAna = _slack.DirectMessages.Single(d => d.UserId == "S-ana" && d.Message.IdempotencyKey == $"welcome:{tuesday.Id}:ana").Message.ToPlainText();
        Assert.Contains("Support beyond the group: Our wellness line is (555) 010-0199.", toAna, StringComparison.Ordinal);
        Assert.DoesNotContain("carrying something really heavy", toAna, StringComparison.Ordinal);
        Assert.DoesNotContain(_options.CurrentValue.Safety.CrisisMessage, toAna, StringComparison.Ordinal);
        Assert.DoesNotContain("If things get heavy", toAna, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ReconcileAsync_FirstRun_WelcomesFacilitatorsWithTheirRoleAndCommands()
    {
        await _reconciler.ReconcileAsync(default);

        var tuesday = _directory.All().Single(g => g.Name == "Tuesday Circle");
        var toLee = _slack.DirectMessages.Single(d => d.UserId == "S-dr-lee" && d.Message.IdempotencyKey == $"welcome:{tuesday.Id}:dr-lee").Message.ToPlainText();
        Assert.Contains("Thank you for facilitating Tuesday Circle", toLee, StringComparison.Ordinal);
        Assert.Contains("Your role:", toLee, StringComparison.Ordinal);
        foreach (var command in new[] { "/peer flags", "/peer ack ID", "/peer resolve ID", "/peer prompt now|skip|preview", "/peer anon remove POST" })
        {
            Assert.Contains(command, toLee, StringComparison.Ordinal);
        }

        Assert.DoesNotContain("carrying something really heavy", toLee, StringComparison.Ordinal);
        Assert.DoesNotContain("If things get heavy", toLee, StringComparison.Ordinal);
        Assert.DoesNotContain("Sharing anonymously:", toLee, StringComparison.Ordinal);
        Assert.DoesNotContain("Taking a break:", toLee, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ReconcileAsync_CoordinatorGroundRules_ReplaceTheBuiltInOnes()
    {
        _options.CurrentValue.Groups[1].GroundRules = "Cameras optional.\nBe kind.";

        await _reconciler.ReconcileAsync(default);

        var night = _directory.All().Single(g => g.Name == "Night Float");
        var intro = _discord.MessagesIn(night.Channel!.Id)[0].Content.ToPlainText();
        Assert.Contains("• Cameras optional.\n• Be kind.", intro, StringComparison.Ordinal);
        Assert.DoesNotContain("Listen first.", intro, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ReconcileAsync_RunTwice_SecondRunMakesNoPlatformCall()
    {
        await _reconciler.ReconcileAsync(default);
        var calls = CallCount;

        var second = await _reconciler.ReconcileAsync(default);

        Assert.True(second.Complete);
        Assert.Equal(0, second.PlatformCalls);
        Assert.Equal(calls, CallCount);
    }

    [Fact]
    public async Task ReconcileAsync_RestartWithNewProcess_NoPlatformCall()
    {
        await _reconciler.ReconcileAsync(default);
        var calls = CallCount;

        Build();
        await _reconciler.ReconcileAsync(default);

        Assert.Equal(calls, CallCount);
    }

    [Fact]
    public async Task ReconcileAsync_FailureMidway_ResumesWithoutDuplicates()
    {
        _slack.FailNext("PostMessage");
        _discord.FailNext("SendDirectMessage");

        var first = await _reconciler.ReconcileAsync(default);
        var second = await _reconciler.ReconcileAsync(default);
        var third = await _reconciler.ReconcileAsync(default);

        Assert.False(first.Complete);
        Assert.True(second.Complete, string.Join("; ", second.Problems));
        Assert.Equal(0, third.PlatformCalls);
        var groups = _directory.All();
        Assert.Equal(groups.Count, AllCalls.Count(c => c.Operation == "EnsurePrivateChannel"));
        Assert.All(groups, g => Assert.Single((g.Platform == PlatformKind.Slack ? _slack : _discord).MessagesIn(g.Channel!.Id)));

        // Every person in every group got exactly one welcome for it.
        foreach (var group in groups)
        {
            var platform = group.Platform == PlatformKind.Slack ? _slack : _discord;
            foreach (var person in group.MemberIds.Concat(group.FacilitatorIds))
            {
                var userId = _people.PlatformUserId(person, group.Platform);
                Assert.Single(platform.DirectMessages, d => d.UserId == userId && d.Message.IdempotencyKey == $"welcome:{group.Id}:{person}");
            }
        }
    }

    [Fact]
    public async Task ReconcileAsync_GroupRenamed_KeepsItsChannelAndChannelName()
    {
        await _reconciler.ReconcileAsync(default);
        var record = _store.FindGroup("tuesday-circle")!;
        var name = record.ChannelName;

        _options.CurrentValue.Groups[0].Name = "Tuesday Evening Circle";
        await _reconciler.ReconcileAsync(default);

        var renamed = _store.FindGroup("tuesday-circle")!;
        Assert.Equal(name, renamed.ChannelName);
        Assert.Equal(record.ChannelId, renamed.ChannelId);
        Assert.Equal("Tuesday Evening Circle", _directory.Find("tuesday-circle")!.Name);
        Assert.Single(_slack.Calls, c => c.Operation == "EnsurePrivateChannel");
        Assert.Contains(_store.Changes("tuesday-circle"), c => c.Kind == "renamed");
    }

    [Fact]
    public async Task ReconcileAsync_MemberAddedAndRemoved_AdjustsOnlyThem()
    {
        await _reconciler.ReconcileAsync(default);
        var before = CallCount;

        _options.CurrentValue.People.Add(new PersonOptions { Id = "max", Name = "Max", Role = PersonRole.Resident, Pgy = 1 });
        _options.CurrentValue.Groups[0].Members = ["ana", "ben", "max"];
        Build();
        var result = await _reconciler.ReconcileAsync(default);

        var tuesday = _directory.Find("tuesday-circle")!;
        var newCalls = _slack.Calls.Skip(_slack.Calls.Count - result.PlatformCalls).ToList();
        Assert.Contains(new PlatformCall("AddMember", tuesday.Channel!.Id, "S-max"), newCalls);
        Assert.Contains(new PlatformCall("RemoveMember", tuesday.Channel!.Id, "S-cara"), newCalls);
        Assert.Single(_slack.DirectMessages, d => d.UserId == "S-max");
        Assert.Single(_slack.DirectMessages, d => d.UserId == "S-ana");
        Assert.DoesNotContain(_slack.Channels[tuesday.Channel.Id].Members, m => m == "S-cara");
        Assert.True(CallCount > before);

        // cara now lands in a formed group on Discord.
        Assert.Contains(_directory.GroupsOfMember("cara"), g => g.Platform == PlatformKind.Discord);
    }

    [Fact]
    public async Task ReconcileAsync_GroupLeftConfig_ArchivesOnceAndKeepsHistory()
    {
        await _reconciler.ReconcileAsync(default);
        var night = _directory.Find("night-float")!;

        _options.CurrentValue.Groups.RemoveAt(1);
        await _reconciler.ReconcileAsync(default);
        await _reconciler.ReconcileAsync(default);

        Assert.Single(_discord.Calls, c => c.Operation == "ArchiveChannel" && c.Target == night.Channel!.Id);
        Assert.DoesNotContain(_discord.Calls, c => c.Operation == "DeleteMessage");
        Assert.True(_discord.Channels[night.Channel!.Id].Archived);
        Assert.NotEmpty(_discord.MessagesIn(night.Channel.Id));
        Assert.Null(_directory.Find("night-float"));
        Assert.True(_store.FindGroup("night-float")!.Archived);
        Assert.Contains(_store.Changes("night-float"), c => c.Kind == "archived");
    }

    [Fact]
    public async Task ReconcileAsync_MemberPausedThenResumed_RemovedThenBackWithoutSecondWelcome()
    {
        var pauses = new MemberPauses(_store, _time, () => _reconciler.ReconcileAsync(default), NullLogger<MemberPauses>.Instance);
        await _reconciler.ReconcileAsync(default);
        var channel = _directory.Find("tuesday-circle")!.Channel!;

        await pauses.PauseAsync("ana", _time.GetUtcNow().AddDays(14), default);
        await _reconciler.ReconcileAsync(default);
        Assert.DoesNotContain("S-ana", _slack.Channels[channel.Id].Members);
        Assert.DoesNotContain("ana", _directory.Find("tuesday-circle")!.MemberIds);
        Assert.NotNull(pauses.PausedUntil("ana"));

        await pauses.ResumeAsync("ana", default);
        await _reconciler.ReconcileAsync(default);
        Assert.Contains("S-ana", _slack.Channels[channel.Id].Members);
        Assert.Null(pauses.PausedUntil("ana"));
        Assert.Single(_slack.DirectMessages, d => d.UserId == "S-ana");
    }

    [Fact]
    public async Task ReconcileAsync_PauseRunsOut_PersonIsBack()
    {
        var pauses = new MemberPauses(_store, _time, () => _reconciler.ReconcileAsync(default), NullLogger<MemberPauses>.Instance);
        await _reconciler.ReconcileAsync(default);
        await pauses.PauseAsync("ben", _time.GetUtcNow().AddDays(7), default);
        await _reconciler.ReconcileAsync(default);

        _time.Advance(TimeSpan.FromDays(8));
        await _reconciler.ReconcileAsync(default);

        Assert.Contains("ben", _directory.Find("tuesday-circle")!.MemberIds);
        Assert.Null(pauses.PausedUntil("ben"));
    }

    [Fact]
    public async Task ReconcileAsync_PlatformNotEnabled_ReportsAndLeavesOtherGroupsDone()
    {
        _reconciler.Dispose();
        _reconciler = new GroupReconciler(_options, _store, _people, new PlatformRegistry([_discord]), _directory, _time, NullLogger<GroupReconciler>.Instance);

        var result = await _reconciler.ReconcileAsync(default);

        Assert.False(result.Complete);
        Assert.Contains(result.Problems, p => p.Contains("Slack, which is not enabled", StringComparison.Ordinal));
        Assert.All(_directory.All().Where(g => g.Platform == PlatformKind.Discord), g => Assert.NotNull(g.Channel));
    }

    [Fact]
    public async Task ReconcileAsync_InvalidConfig_ChangesNothing()
    {
        await _reconciler.ReconcileAsync(default);
        var calls = CallCount;
        _options.CurrentValue.Groups[0].Members.Add("ghost");

        var result = await _reconciler.ReconcileAsync(default);

        Assert.False(result.Complete);
        Assert.Contains(result.Problems, p => p.Contains("'ghost'", StringComparison.Ordinal));
        Assert.Equal(calls, CallCount);
    }

    [Fact]
    public async Task ReconcileAsync_EveryChange_IsRecordedInTheStore()
    {
        await _reconciler.ReconcileAsync(default);

        var changes = _store.Changes("tuesday-circle");
        Assert.Contains(changes, c => c.Kind == "channel-created" && c.Detail == "peer-tuesday-circle");
        Assert.Equal(5, changes.Count(c => c.Kind == "person-added"));
        Assert.Equal(5, changes.Count(c => c.Kind == "welcomed"));
        Assert.Single(changes, c => c.Kind == "intro-posted");
    }

    [Fact]
    public async Task ReconcileAsync_CrashAfterChannelCreatedBeforeStoreSaved_ReusesTheChannel()
    {
        _slack.ReuseChannelsByName = true;
        _store.CrashOnSave = r => r.Id == "tuesday-circle" && r.ChannelId is not null;

        await Assert.ThrowsAsync<InvalidOperationException>(() => _reconciler.ReconcileAsync(default));
        Build();
        var result = await _reconciler.ReconcileAsync(default);

        Assert.True(result.Complete, string.Join("; ", result.Problems));
        var creates = _slack.Calls.Where(c => c.Operation == "EnsurePrivateChannel").ToList();
        Assert.Equal(2, creates.Count);
        Assert.All(creates, c => Assert.Equal("peer-tuesday-circle", c.Detail));
        Assert.Single(_slack.Channels.Values, c => c.DirectUserId is null);
        Assert.Single(_slack.MessagesIn(_directory.Find("tuesday-circle")!.Channel!.Id));
    }

    [Fact]
    public async Task ReconcileAsync_PersonNotResolvedYet_IncompleteThenAddedOnceResolved()
    {
        _people = new PeopleDirectory(_options.CurrentValue.People);
        foreach (var person in _options.CurrentValue.People.Where(p => p.Id != "ben"))
        {
            _people.SetPlatformUserId(person.Id, PlatformKind.Discord, "D-" + person.Id);
            _people.SetPlatformUserId(person.Id, PlatformKind.Slack, "S-" + person.Id);
        }

        _reconciler.Dispose();
        _reconciler = new GroupReconciler(_options, _store, _people, new PlatformRegistry([_discord, _slack]), _directory, _time, NullLogger<GroupReconciler>.Instance);

        var first = await _reconciler.ReconcileAsync(default);
        _people.SetPlatformUserId("ben", PlatformKind.Slack, "S-ben");
        var second = await _reconciler.ReconcileAsync(default);

        Assert.False(first.Complete);
        Assert.Contains(first.Problems, p => p.StartsWith("'ben' has no Slack user", StringComparison.Ordinal));
        Assert.True(second.Complete);
        var channel = _directory.Find("tuesday-circle")!.Channel!;
        Assert.Contains(new PlatformCall("AddMember", channel.Id, "S-ben"), _slack.Calls);
        Assert.Single(_slack.DirectMessages, d => d.UserId == "S-ben");
    }

    [Fact]
    public async Task ReconcileAsync_ArchivedChannelAlreadyGone_StillMarksArchived()
    {
        await _reconciler.ReconcileAsync(default);
        _options.CurrentValue.Groups.RemoveAt(1);
        _discord.FailNext("ArchiveChannel", new PlatformException(PlatformErrorKind.NotFound, "Unknown channel"));

        var result = await _reconciler.ReconcileAsync(default);

        Assert.True(result.Complete);
        Assert.True(_store.FindGroup("night-float")!.Archived);
    }
}
