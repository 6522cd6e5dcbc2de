using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Time.Testing;
using PeerBot.Core.Configuration;
using PeerBot.Core.Groups;
using PeerBot.Core.People;
using PeerBot.Core.Platform;
using PeerBot.Storage.Groups;
using PeerBot.Testing;

namespace PeerBot.Storage.Tests.Groups;

public sealed class LiteDbGroupStoreTests : IDisposable
{
    private readonly PeerBotDatabase _database = PeerBotDatabase.OpenInMemory();

    public void Dispose() => _database.Dispose();

    [Fact]
    public void SaveGroup_RoundTrip_KeepsEveryField()
    {
        var store = new LiteDbGroupStore(_database);
        var paused = new DateTimeOffset(2026, 11, 20, 18, 30, 0, TimeSpan.FromHours(-5));
        store.SaveGroup(new GroupRecord
        {
            Id = "tuesday-circle",
            Name = "Tuesday Circle",
            Platform = PlatformKind.Slack,
            ChannelName = "peer-tuesday-circle",
            ChannelId = "C123",
            AppliedPersonIds = ["ana", "dr-lee"],
            WelcomedPersonIds = ["ana"],
            IntroPosted = true,
            PausedUntil = paused,
            PlannedMemberIds = ["ana"],
            PlannedFacilitatorIds = ["dr-lee"],
            TimeZone = "America/New_York",
            Schedule = "0 19 * * TUE",
            GroundRules = "Be kind.",
            CreatedAt = new DateTimeOffset(2026, 11, 1, 12, 0, 0, TimeSpan.Zero),
        });

        var loaded = new LiteDbGroupStore(_database).FindGroup("tuesday-circle")!;

        Assert.Equal("Tuesday Circle", loaded.Name);
        Assert.Equal(PlatformKind.Slack, loaded.Platform);
        Assert.Equal(new ChannelRef(PlatformKind.Slack, "C123"), loaded.Channel);
        Assert.Equal(["ana", "dr-lee"], loaded.AppliedPersonIds);
        Assert.Equal(["ana"], loaded.WelcomedPersonIds);
        Assert.True(loaded.IntroPosted);
        Assert.Equal(paused, loaded.PausedUntil);
        Assert.Equal("Be kind.", loaded.GroundRules);
        Assert.Equal(new DateTimeOffset(2026, 11, 1, 12, 0, 0, TimeSpan.Zero), loaded.CreatedAt);
        Assert.Single(store.AllGroups());
    }

    [Fact]
    public void SaveFormationAssignments_Replace_KeepsOnlyTheNewOnes()
    {
        var store = new LiteDbGroupStore(_database);
        store.SaveFormationAssignments(new Dictionary<string, string> { ["ana"] = "formed-1", ["ben"] = "formed-2" });

        store.SaveFormationAssignments(new Dictionary<string, string> { ["ana"] = "formed-3" });

        var assignments = store.FormationAssignments();
        Assert.Single(assignments);
        Assert.Equal("formed-3", assignments["ANA"]);
    }

    [Fact]
    public void SetMemberPause_SetAndClear_RoundTrips()
    {
        var store = new LiteDbGroupStore(_database);
        var until = new DateTimeOffset(2026, 12, 1, 0, 0, 0, TimeSpan.Zero);

        store.SetMemberPause("ana", until);
        store.SetMemberPause("ben", until);
        store.SetMemberPause("ben", null);

        Assert.Equal(until, store.MemberPauses()["ana"]);
        Assert.False(store.MemberPauses().ContainsKey("ben"));
    }

    [Fact]
    public void AppendChange_Several_ComeBackInOrderPerGroup()
    {
        var store = new LiteDbGroupStore(_database);
        store.AppendChange(new GroupChange { GroupId = "a", Kind = "channel-created" });
        store.AppendChange(new GroupChange { GroupId = "b", Kind = "channel-created" });
        store.AppendChange(new GroupChange { GroupId = "a", Kind = "person-added", PersonId = "ana" });

        Assert.Equal(["channel-created", "person-added"], store.Changes("a").Select(c => c.Kind));
        Assert.Equal(3, store.Changes().Count);
    }

    [Fact]
    public async Task Reconcile_RestartOnTheSameFile_MakesNoPlatformCall()
    {
        var folder = Directory.CreateTempSubdirectory("peerbot-groups-");
        try
        {
            var path = Path.Combine(folder.FullName, "peerbot.db");
            var platform = new FakeChatPlatform(PlatformKind.Sandbox);
            var options = new PeerBotOptions { Formation = new FormationOptions { GroupSize = 3 } };
            for (var i = 0; i < 7; i++)
            {
                options.People.Add(new PersonOptions { Id = $"r{i}", Name = $"R{i}", Role = PersonRole.Resident, Pgy = (i % 3) + 1 });
            }

            options.People.Add(new PersonOptions { Id = "alum", Name = "Alum", Role = PersonRole.Alumni });
            var people = new PeopleDirectory(options.People);
            foreach (var person in options.People)
            {
                people.SetPlatformUserId(person.Id, PlatformKind.Sandbox, "U-" + person.Id);
            }

            async Task<ReconcileResult> RunAsync()
            {
                using var database = PeerBotDatabase.OpenFile(path);
                var store = new LiteDbGroupStore(database);
                var time = new FakeTimeProvider(new DateTimeOffset(2026, 11, 2, 12, 0, 0, TimeSpan.Zero));
                using var reconciler = new GroupReconciler(new TestOptionsMonitor<PeerBotOptions>(options), store, people, new PlatformRegistry([platform]), new GroupDirectory(store, time), time, NullLogger<GroupReconciler>.Instance);
                return await reconciler.ReconcileAsync(default);
            }

            var first = await RunAsync();
            var calls = platform.Calls.Count;
            var second = await RunAsync();

            Assert.True(first.Complete);
            Assert.True(first.PlatformCalls > 0);
            Assert.Equal(0, second.PlatformCalls);
            Assert.Equal(calls, platform.Calls.Count);
            Assert.Equal(2, platform.Channels.Values.Count(c => c.DirectUserId is null));
        }
        finally
        {
            folder.Delete(recursive: true);
        }
    }
}
