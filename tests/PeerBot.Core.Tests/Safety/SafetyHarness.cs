using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;
using Moq;
using PeerBot.Core.Configuration;
using PeerBot.Core.Digest;
using PeerBot.Core.Groups;
using PeerBot.Core.People;
using PeerBot.Core.Platform;
using PeerBot.Core.Safety;
using PeerBot.Testing;

namespace PeerBot.Core.Tests.Safety;

/// <summary>
/// A live safety path over a fake Slack workspace: residents ana, ben, cat; alumni lee; psychologists kim (in the group)
/// and pat. Group g1 is Tuesday Circle; g2, Night Owls (ana and ben, facilitated by pat), is there for limits per group.
/// </summary>
public sealed class SafetyHarness
{
    public static readonly DateTimeOffset Start = new(2026, 11, 2, 21, 0, 0, TimeSpan.Zero);

    public SafetyHarness(bool groupHasPsychologist = true, PeerBotOptions? options = null, IMessageClassifier? classifier = null, FakeTimeProvider? time = null, DigestRecorder? digest = null)
    {
        Digest = digest;
        Options = options ?? new PeerBotOptions();
        Classifier = classifier ?? new RuleBasedClassifier(Options.Safety);
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
        Group2 = new GroupInfo("g2", "Night Owls", PlatformKind.Slack, new ChannelRef(PlatformKind.Slack, "C2"),
            ["ana", "ben"], ["pat"], "America/New_York", "0 19 * * THU", null);
        var groups = new Mock<IGroupDirectory>();
        groups.Setup(g => g.Find("g1")).Returns(Group);
        groups.Setup(g => g.Find("g2")).Returns(Group2);
        Platform = new FakeChatPlatform(PlatformKind.Slack);
        Store = new InMemoryAlertStore();
        Time = time ?? new FakeTimeProvider(Start);
        var wrapped = Microsoft.Extensions.Options.Options.Create(Options);
        Delivery = new AlertDelivery(Store, groups.Object, People, new PlatformRegistry([Platform]), wrapped, NullLogger<AlertDelivery>.Instance);
        Pending = new InMemorySpiralEntryStore();
        Monitor = NewMonitor(new SpiralDetector(Options.Safety), Delivery, new Random(7));
        Alerts = new AlertService(Store, Delivery, Time, NullLogger<AlertService>.Instance, digest);
        Maintenance = new SafetyMaintenanceService(Store, Pending, Delivery, Time, wrapped, NullLogger<SafetyMaintenanceService>.Instance);
    }

    public PeerBotOptions Options { get; }

    /// <summary>The digest's recorder the monitor and alerts feed, if the test gave one.</summary>
    public DigestRecorder? Digest { get; }

    public PeopleDirectory People { get; }

    public GroupInfo Group { get; }

    public GroupInfo Group2 { get; }

    /// <summary>The classifier every monitor of this harness uses.</summary>
    public IMessageClassifier Classifier { get; }

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
        new(Classifier, detector, Store, Pending, delivery ?? Delivery,
            new AlertIdGenerator(ids ?? new Random(8)), Time, NullLogger<SafetyMonitor>.Instance, Digest);

    public Task<SafetyOutcome> SayAsync(string author, int minute, string text) => SayAsync(Monitor, "g1", author, Start.AddMinutes(minute), text);

    /// <summary>A message to a monitor; authors starting with <c>anon:</c> are anonymous (no person id).</summary>
    public static Task<SafetyOutcome> SayAsync(SafetyMonitor monitor, string groupId, string author, DateTimeOffset at, string text) =>
        monitor.ObserveAsync(new ObservedMessage(groupId, author, author.StartsWith("anon:", StringComparison.Ordinal) ? null : author, at, text), CancellationToken.None);

    public List<string> DirectMessageTargets() =>
        Platform.Calls.Where(c => c.Operation == "SendDirectMessage").Select(c => c.Target).ToList();
}
