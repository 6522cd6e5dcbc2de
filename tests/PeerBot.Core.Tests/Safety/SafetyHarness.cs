using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;
using Moq;
using PeerBot.Core.Configuration;
using PeerBot.Core.Groups;
using PeerBot.Core.People;
using PeerBot.Core.Platform;
using PeerBot.Core.Safety;
using PeerBot.Testing;

namespace PeerBot.Core.Tests.Safety;

/// <summary>A live safety path over a fake Slack workspace: residents ana, ben, cat; alumni lee; psychologists kim (in the group) and pat.</summary>
public sealed class SafetyHarness
{
    public static readonly DateTimeOffset Start = new(2026, 11, 2, 21, 0, 0, TimeSpan.Zero);

    public SafetyHarness(bool groupHasPsychologist = true, PeerBotOptions? options = null, FakeTimeProvider? time = null)
    {
        Options = options ?? new PeerBotOptions();
        People = new PeopleDirectory(
        [
            new PersonOptions { Id = "ana", Name = "Ana R.", Role = PersonRole.Resident, Pgy = 1 },
            new PersonOptions { Id = "ben", Name = "Ben T.", Role = PersonRole.Resident, Pgy = 2 },
            new PersonOptions { Id = "cat", Name = "Cat W.", Role = PersonRole.Resident, Pgy = 3 },
            new PersonOptions { Id = "lee", Name = "Dr Lee", Role = PersonRole.Alumni },
            new PersonOptions { Id = "kim", Name = "Dr Kim", Role = PersonRole.Psychologist },
            new PersonOptions { Id = "pat", Name = "Dr Pat", Role = PersonRole.Psychologist },
        ]);
        foreach (var id in new[] { "ana", "ben", "cat", "lee", "kim", "pat" })
        {
            People.SetPlatformUserId(id, PlatformKind.Slack, "U-" + id);
        }

        Group = new GroupInfo("g1", "Tuesday Circle", PlatformKind.Slack, new ChannelRef(PlatformKind.Slack, "C1"),
            ["ana", "ben", "cat"], groupHasPsychologist ? ["lee", "kim"] : ["lee"], "America/New_York", "0 19 * * TUE", null);
        var groups = new Mock<IGroupDirectory>();
        groups.Setup(g => g.Find("g1")).Returns(Group);
        Platform = new FakeChatPlatform(PlatformKind.Slack);
        Store = new InMemoryAlertStore();
        Time = time ?? new FakeTimeProvider(Start);
        var wrapped = Microsoft.Extensions.Options.Options.Create(Options);
        Delivery = new AlertDelivery(Store, groups.Object, People, new PlatformRegistry([Platform]), wrapped, NullLogger<AlertDelivery>.Instance);
        Pending = new InMemorySpiralEntryStore();
        Monitor = NewMonitor(new SpiralDetector(Options.Safety), Delivery, new Random(7));
        Alerts = new AlertService(Store, Delivery, Time, NullLogger<AlertService>.Instance);
        Maintenance = new SafetyMaintenanceService(Store, Pending, Delivery, Time, wrapped, NullLogger<SafetyMaintenanceService>.Instance);
    }

    public PeerBotOptions Options { get; }

    public PeopleDirectory People { get; }

    public GroupInfo Group { get; }

    public FakeChatPlatform Platform { get; }

    public InMemoryAlertStore Store { get; }

    /// <summary>The kept spiral window (what a restart restores).</summary>
    public InMemorySpiralEntryStore Pending { get; }

    public FakeTimeProvider Time { get; }

    public AlertDelivery Delivery { get; }

    public SafetyMonitor Monitor { get; }

    public AlertService Alerts { get; }

    public SafetyMaintenanceService Maintenance { get; }

    /// <summary>A monitor over this harness's stores and clock, as a restarted run would build it.</summary>
    public SafetyMonitor NewMonitor(SpiralDetector detector, AlertDelivery? delivery = null, Random? ids = null) =>
        new(new RuleBasedClassifier(Options.Safety), detector, Store, Pending, delivery ?? Delivery,
            new AlertIdGenerator(ids ?? new Random(8)), Time, NullLogger<SafetyMonitor>.Instance);

    public Task<SafetyOutcome> SayAsync(string author, int minute, string text) =>
        Monitor.ObserveAsync(new ObservedMessage("g1", author, author.StartsWith("anon:", StringComparison.Ordinal) ? null : author, Start.AddMinutes(minute), text), CancellationToken.None);

    public List<string> DirectMessageTargets() =>
        Platform.Calls.Where(c => c.Operation == "SendDirectMessage").Select(c => c.Target).ToList();
}
