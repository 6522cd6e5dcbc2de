using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Time.Testing;
using PeerBot.Core.Configuration;
using PeerBot.Core.Groups;
using PeerBot.Core.People;
using PeerBot.Core.Platform;
using PeerBot.Core.Prompts;
using PeerBot.Core.Sharing;
using PeerBot.Testing;
using PeerBot.Testing.Groups;
using PeerBot.Testing.Prompts;
using PeerBot.Core.Digest;

namespace PeerBot.Core.Tests.Prompts;

/// <summary>One group on a fake platform with the prompt services over in-memory stores; <see cref="Restart"/> rebuilds the services over the same stores.</summary>
internal sealed class PromptFixture : IDisposable
{
    public PromptFixture(DateTimeOffset start, string schedule = "0 19 * * TUE", string timeZone = "America/New_York", int members = 5, PromptLibrary? library = null, FakeTimeProvider? time = null)
    {
        Time = time ?? new FakeTimeProvider(start);
        Library = library ?? PromptLibrary.BuiltIn;
        var channel = Platform.EnsurePrivateChannelAsync(new PrivateChannelSpec("g1", "peer-g1", "", ["U1"], null), default).GetAwaiter().GetResult();
        Channel = channel;
        var people = Enumerable.Range(1, members).Select(i => new PersonOptions { Id = $"m{i}", Name = $"M{i}", Role = PersonRole.Resident, Pgy = 1 })
            .Append(new PersonOptions { Id = "dr-lee", Name = "Dr. Lee", Role = PersonRole.Alumni })
            .Append(new PersonOptions { Id = "stranger", Name = "S", Role = PersonRole.Resident, Pgy = 2 })
            .ToList();
        People = new PeopleDirectory(people);
        foreach (var person in people)
        {
            People.SetPlatformUserId(person.Id, PlatformKind.Sandbox, "U-" + person.Id);
        }

        GroupStore.SaveGroup(new GroupRecord
        {
            Id = "g1",
            Name = "Tuesday Circle",
            Platform = PlatformKind.Sandbox,
            ChannelName = "peer-g1",
            ChannelId = channel.Id,
            PlannedMemberIds = Enumerable.Range(1, members).Select(i => $"m{i}").ToList(),
            PlannedFacilitatorIds = ["dr-lee"],
            Schedule = schedule,
            TimeZone = timeZone,
        });
        Restart();
    }

    public FakeTimeProvider Time { get; }

    /// <summary>The digest's recorder prompts and check-ins feed after the next <see cref="Restart"/>; none by default.</summary>
    public DigestRecorder? Digest { get; set; }

    /// <summary>Check-in answer marks under a fixed test key.</summary>
    public IAuthorHandles Marks => new AuthorHandles(Enumerable.Repeat((byte)7, AnonymityKey.KeyLength).ToArray(), People);

    /// <summary>Members m1..mN, the facilitator dr-lee, and a stranger; platform user ids are U-&lt;id&gt;.</summary>
    public PeopleDirectory People { get; private set; } = null!;

    public FakeChatPlatform Platform { get; } = new(PlatformKind.Sandbox);

    public ChannelRef Channel { get; }

    public InMemoryGroupStore GroupStore { get; } = new();

    public InMemoryPromptStore PromptStore { get; } = new();

    public TestOptionsMonitor<PeerBotOptions> Options { get; } = new(new PeerBotOptions());

    public PromptLibrary Library { get; }

    public GroupDirectory Directory { get; private set; } = null!;

    public PromptService Prompts { get; private set; } = null!;

    public CheckInService CheckIns { get; private set; } = null!;

    public PromptScheduler Scheduler { get; private set; } = null!;

    public GroupOperations Operations { get; private set; } = null!;

    /// <summary>Prompt messages posted in the group (the intro and check-ins excluded).</summary>
    public IReadOnlyList<FakeMessage> PromptMessages =>
        Platform.MessagesIn(Channel.Id).Where(m => m.Content.IdempotencyKey?.StartsWith("prompt:", StringComparison.Ordinal) == true).ToList();

    /// <summary>PeerBot's record of sends that must happen once; like the stores, it outlives a restart.</summary>
    public InMemorySendJournal Journal { get; } = new();

    public void Restart()
    {
        Prompts?.Dispose();
        CheckIns?.Dispose();
        Directory = new GroupDirectory(GroupStore, Time);
        var registry = new PlatformRegistry([Platform], Journal, Time);
        Prompts = new PromptService(Library, PromptStore, Directory, registry, Time, NullLogger<PromptService>.Instance, Digest);
        CheckIns = new CheckInService(PromptStore, People, Directory, registry, Marks, Options, Time, NullLogger<CheckInService>.Instance, Digest);
        Scheduler = new PromptScheduler(Prompts, CheckIns, Directory, PromptStore, Options, Time, NullLogger<PromptScheduler>.Instance);
        Operations = new GroupOperations(Prompts, CheckIns, Directory, GroupStore, Time, NullLogger<GroupOperations>.Instance);
    }

    /// <summary>Runs the scheduler the way its service does, jumping the clock to each wake-up, until <paramref name="until"/>.</summary>
    public async Task RunUntilAsync(DateTimeOffset until)
    {
        while (true)
        {
            var next = await Scheduler.RunDueAsync(default);
            if (next is not { } at || at > until)
            {
                break;
            }

            if (at > Time.GetUtcNow())
            {
                Time.SetUtcNow(at);
            }
        }

        if (until > Time.GetUtcNow())
        {
            Time.SetUtcNow(until);
        }
    }

    public void Dispose()
    {
        Prompts.Dispose();
        CheckIns.Dispose();
    }
}
