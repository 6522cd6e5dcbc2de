using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using PeerBot.Core.Commands;
using PeerBot.Core.Commands.Subcommands;
using PeerBot.Core.Configuration;
using PeerBot.Core.Digest;
using PeerBot.Core.Groups;
using PeerBot.Core.People;
using PeerBot.Core.Platform;
using PeerBot.Core.Sharing;

namespace PeerBot.Testing.Sharing;

/// <summary>
/// A small program for sharing and command tests: people, two groups on a fake Slack, fakes of the groups and
/// safety features, and the real sharing service and command handler over replaceable stores.
/// </summary>
public sealed class SharingWorld : IDisposable
{
    public const string Ana = "res-ana-7731";
    public const string AnaUser = "U0ANA99182";
    public const string Ben = "res-ben-4410";
    public const string BenUser = "U0BEN55120";
    public const string Cy = "res-cy-2290";
    public const string CyUser = "U0CY77341";
    public const string Zed = "res-zed-1180";
    public const string ZedUser = "U0ZED00917";
    public const string Lee = "dr-lee";
    public const string LeeUser = "U0LEE";
    public const string Kim = "dr-kim";
    public const string KimUser = "U0KIM";
    public const string Mo = "coord-mo";
    public const string MoUser = "U0MO";
    public const string Tuesday = "g-tue";
    public const string Owls = "g-owl";

    private readonly List<IDisposable> _disposables = [];

    public SharingWorld(
        IAnonymousPostStore? posts = null,
        IAuthorMuteStore? mutes = null,
        IAuditLog? audit = null,
        IStatsCounters? stats = null,
        Func<PeopleDirectory, IAuthorHandles>? handles = null,
        Action<AnonymityOptions>? configure = null,
        Action<List<PersonOptions>>? roster = null,
        IDigestCounters? digest = null)
    {
        Options.People =
        [
            new PersonOptions { Id = Ana, Name = "Ana R.", Role = PersonRole.Resident, Pgy = 1, Slack = AnaUser },
            new PersonOptions { Id = Ben, Name = "Ben T.", Role = PersonRole.Resident, Pgy = 3, Slack = BenUser },
            new PersonOptions { Id = Cy, Name = "Cy M.", Role = PersonRole.Resident, Pgy = 2, Slack = CyUser },
            new PersonOptions { Id = Zed, Name = "Zed Q.", Role = PersonRole.Resident, Pgy = 1, Slack = ZedUser },
            new PersonOptions { Id = Lee, Name = "Dr Lee", Role = PersonRole.Psychologist, Slack = LeeUser },
            new PersonOptions { Id = Kim, Name = "Dr Kim", Role = PersonRole.Alumni, Slack = KimUser },
            new PersonOptions { Id = Mo, Name = "Mo C.", Role = PersonRole.Coordinator, Slack = MoUser },
        ];
        roster?.Invoke(Options.People);
        Options.Anonymity.KeyPath = "unused.key";
        configure?.Invoke(Options.Anonymity);
        People = new PeopleDirectory(Options.People);
        foreach (var person in Options.People)
        {
            People.SetPlatformUserId(person.Id, PlatformKind.Slack, person.Slack!);
        }

        TuesdayChannel = Platform.EnsurePrivateChannelAsync(new PrivateChannelSpec(Tuesday, "tuesday-circle", "", [AnaUser, BenUser, CyUser, LeeUser], null), default).GetAwaiter().GetResult();
        OwlsChannel = Platform.EnsurePrivateChannelAsync(new PrivateChannelSpec(Owls, "night-owls", "", [CyUser, KimUser], null), default).GetAwaiter().GetResult();
        Groups.Add(new GroupInfo(Tuesday, "Tuesday Circle", PlatformKind.Slack, TuesdayChannel, [Ana, Ben, Cy], [Lee], "America/New_York", "0 19 * * TUE", null));
        Groups.Add(new GroupInfo(Owls, "Night Owls", PlatformKind.Slack, OwlsChannel, [Cy], [Kim], "America/New_York", "0 21 * * THU", null));

        Posts = posts ?? new InMemoryAnonymousPostStore();
        Mutes = mutes ?? new InMemoryAuthorMuteStore();
        Audit = audit ?? new InMemoryAuditLog();
        Stats = stats ?? new InMemoryStatsCounters();
        Handles = handles?.Invoke(People) ?? new AuthorHandles(Enumerable.Range(1, 32).Select(i => (byte)i).ToArray(), People);
        LoggerFactory = Microsoft.Extensions.Logging.LoggerFactory.Create(b => b.AddProvider(Logs).SetMinimumLevel(LogLevel.Trace));
        DigestCounters = digest;
        Digest = digest is null ? null : new DigestRecorder(digest, Handles, LoggerFactory.CreateLogger<DigestRecorder>());
        Registry = new PlatformRegistry([Platform], Journal, Time);
        Sharing = NewSharing();
        Handler = BuildHandler();
    }

    public PeerBotOptions Options { get; } = new();

    public SignallingTimeProvider Time { get; } = new(new DateTimeOffset(2026, 11, 2, 12, 0, 0, TimeSpan.Zero));

    public FakeChatPlatform Platform { get; } = new(PlatformKind.Slack);

    public PlatformRegistry Registry { get; }

    /// <summary>PeerBot's record of sends that must happen once; like the stores, it outlives a restart.</summary>
    public InMemorySendJournal Journal { get; } = new();

    public PeopleDirectory People { get; }

    public FakeGroupDirectory Groups { get; } = new();

    public FakeMemberPauses Pauses { get; } = new();

    public FakeSafetyMonitor Safety { get; } = new();

    public FakeAlertService Alerts { get; } = new();

    public FakeGroupOperations Operations { get; } = new();

    public FakeCheckInAnswers CheckIns { get; } = new();

    public ChannelRef TuesdayChannel { get; }

    public ChannelRef OwlsChannel { get; }

    public IAnonymousPostStore Posts { get; }

    public IAuthorMuteStore Mutes { get; }

    public IAuditLog Audit { get; }

    public IStatsCounters Stats { get; }

    public IAuthorHandles Handles { get; }

    /// <summary>The digest's counters, when the test gave some; the handler and the outbox then count into them.</summary>
    public IDigestCounters? DigestCounters { get; }

    public DigestRecorder? Digest { get; }

    public ListLoggerProvider Logs { get; } = new();

    public ILoggerFactory LoggerFactory { get; }

    public AnonymousSharingService Sharing { get; private set; }

    public PeerEventHandler Handler { get; private set; }

    public IDelayJitter Jitter { get; set; } = new SeededDelayJitter(42);

    /// <summary>A fresh service over the same stores and platform, as after a restart (wires the handler to it too).</summary>
    public AnonymousSharingService Restart(IAnonymousPostStore? posts = null, IChatPlatform? platform = null)
    {
        Sharing = NewSharing(posts, platform);
        Handler = BuildHandler();
        return Sharing;
    }

    public AnonymousSharingService NewSharing(IAnonymousPostStore? posts = null, IChatPlatform? platform = null)
    {
        var service = new AnonymousSharingService(
            posts ?? Posts, Mutes, Handles, Groups, People, platform is null ? Registry : new PlatformRegistry([platform], Journal, Time), Safety, Jitter, Stats, Time,
            Microsoft.Extensions.Options.Options.Create(Options), LoggerFactory.CreateLogger<AnonymousSharingService>(), Digest);
        _disposables.Add(service);
        return service;
    }

    public Person Person(string id) => People.Find(id)!;

    public Task<InteractionResponse> CommandAsync(string userId, string text, string? channelId = null) =>
        Handler.HandleCommandAsync(new CommandInvocation(PlatformKind.Slack, userId, channelId, text, channelId is null), default);

    public Task<InteractionResponse> PressAsync(string userId, string actionId, MessageRef? message = null) =>
        Handler.HandleButtonAsync(new ButtonPress(PlatformKind.Slack, userId, actionId, message), default);

    public Task<InteractionResponse> ShareFormAsync(string userId, string text, string? groupId = null)
    {
        var values = new Dictionary<string, string> { [ShareCommand.TextField] = text };
        if (groupId is not null)
        {
            values[ShareCommand.GroupField] = groupId;
        }

        return Handler.HandleFormAsync(new FormSubmission(PlatformKind.Slack, userId, ShareCommand.FormId, values), default);
    }

    /// <summary>Runs the outbox until nothing is due now.</summary>
    public async Task DeliverDueAsync()
    {
        while (await Sharing.Outbox.ProcessDueAsync(default) > 0)
        {
        }
    }

    /// <summary>Moves the clock past the longest delay and delivers.</summary>
    public async Task PassMaxDelayAndDeliverAsync()
    {
        Time.Advance(Options.Anonymity.MaxDelay + TimeSpan.FromSeconds(1));
        await DeliverDueAsync();
    }

    public IReadOnlyList<OutgoingMessage> DirectMessagesTo(string userId) =>
        Platform.DirectMessages.Where(d => d.UserId == userId).Select(d => d.Message).ToList();

    public void Dispose()
    {
        foreach (var disposable in _disposables)
        {
            disposable.Dispose();
        }

        LoggerFactory.Dispose();
    }

    private PeerEventHandler BuildHandler()
    {
        var options = Microsoft.Extensions.Options.Options.Create(Options);
        var auth = new CommandAuthorizer(Groups, Audit, Time, LoggerFactory.CreateLogger<CommandAuthorizer>());
        IPeerSubcommand[] subcommands =
        [
            new ShareCommand(Groups, auth, options),
            new PauseCommand(Groups, Pauses, Registry, Time),
            new ResumeCommand(Pauses, Time),
            new MyDataCommand(Groups, Pauses, Sharing, Audit, Safety, options, Time),
            new ForgetMeCommand(Groups, Pauses, Sharing, Handles, Safety, CheckIns, Audit, People, Registry, Time, LoggerFactory.CreateLogger<ForgetMeCommand>()),
            new GroupsCommand(auth, Operations, People, Time),
            new PromptCommand(auth, Operations, Time),
            new ReframeCommand(auth, Operations, Time),
            new CheckInCommand(auth, Operations, Time),
            new FlagsCommand(auth, Alerts, Groups, Time),
            new AckCommand(auth, Alerts, Groups, Time),
            new ResolveCommand(auth, Alerts, Groups, Time),
            new AnonCommand(auth, Sharing, Groups, Time),
            new StatsCommand(auth, Stats, Alerts, Time),
        ];
        return new PeerEventHandler(subcommands, People, Groups, Registry, Safety, Stats, Sharing, CheckIns, auth, Time, LoggerFactory.CreateLogger<PeerEventHandler>(), Digest, Alerts);
    }
}
