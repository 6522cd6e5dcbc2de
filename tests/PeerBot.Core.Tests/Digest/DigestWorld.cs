using Microsoft.Extensions.Time.Testing;
using PeerBot.Core.Configuration;
using PeerBot.Core.Digest;
using PeerBot.Core.Groups;
using PeerBot.Core.People;
using PeerBot.Core.Platform;
using PeerBot.Core.Safety;
using PeerBot.Storage;
using PeerBot.Storage.Digest;
using PeerBot.Testing.Sharing;

namespace PeerBot.Core.Tests.Digest;

/// <summary>
/// Two groups for digest tests: Tuesday Circle (five members, facilitated by Dr Lee and Dr Kim) and Night Owls (four
/// members, Dr Pat); Mo is the coordinator. The clock is Monday 16 Nov 2026, 13:00 UTC, so the digest reports on the
/// week of 9 Nov and compares it with the week of 2 Nov.
/// </summary>
internal sealed class DigestWorld : IDisposable
{
    public static readonly DateTimeOffset Now = new(2026, 11, 16, 13, 0, 0, TimeSpan.Zero);
    public static readonly DateOnly LastWeek = new(2026, 11, 9);
    public static readonly DateOnly WeekBefore = new(2026, 11, 2);

    private readonly PeerBotDatabase _db = PeerBotDatabase.OpenInMemory();

    public DigestWorld(DateTimeOffset? start = null)
    {
        Time = new FakeTimeProvider(start ?? Now);
        Counters = new LiteDigestCounters(_db);
        People = new PeopleDirectory(
        [
            .. new[] { "ana", "ben", "cat", "dan", "eve", "fay", "gus", "hal", "ivy" }.Select(id => new PersonOptions { Id = id, Name = Name(id), Role = PersonRole.Resident, Pgy = 1 }),
            new PersonOptions { Id = "lee", Name = "Dr Sam Lee", Role = PersonRole.Alumni },
            new PersonOptions { Id = "kim", Name = "Dr Kim", Role = PersonRole.Psychologist },
            new PersonOptions { Id = "pat", Name = "Dr Pat", Role = PersonRole.Psychologist },
            new PersonOptions { Id = "mo", Name = "Mo C.", Role = PersonRole.Coordinator },
        ]);
        Groups.Add(new GroupInfo("g-tue", "Tuesday Circle", PlatformKind.Slack, new ChannelRef(PlatformKind.Slack, "C1"), ["ana", "ben", "cat", "dan", "eve"], ["lee", "kim"], "America/New_York", "0 19 * * TUE", null));
        Groups.Add(new GroupInfo("g-owl", "Night Owls", PlatformKind.Slack, new ChannelRef(PlatformKind.Slack, "C2"), ["fay", "gus", "hal", "ivy"], ["pat"], "America/New_York", "0 21 * * THU", null));
        Builder = new DigestBuilder(Groups, People, Counters, Alerts, Time);
    }

    public FakeTimeProvider Time { get; }

    public LiteDigestCounters Counters { get; }

    public PeopleDirectory People { get; }

    public FakeGroupDirectory Groups { get; } = new();

    public InMemoryAlertStore Alerts { get; } = new();

    public DigestBuilder Builder { get; }

    public Person Person(string id) => People.Find(id)!;

    public static string Name(string id) => char.ToUpperInvariant(id[0]) + id[1..] + " Q.";

    /// <summary>Records a week of a group: <paramref name="participants"/> distinct marks and the given counters.</summary>
    public void Week(string groupId, DateOnly week, int participants, params (DigestCounter Counter, int Count)[] counts)
    {
        for (var i = 0; i < participants; i++)
        {
            Counters.AddParticipant(groupId, week, $"mark-{groupId}-{week:yyyyMMdd}-{i}");
        }

        foreach (var (counter, count) in counts)
        {
            Counters.Add(groupId, counter, week, count);
        }
    }

    public void OpenFlag(string id, string groupId, TimeSpan age, AlertStatus status = AlertStatus.Open) =>
        Assert.True(Alerts.TryAddAsync(
            new AlertRecord { Id = id, GroupId = groupId, Kind = AlertKind.Spiral, Status = status, RaisedAt = Now - age, MessageCount = 3, PeopleCount = 3, Excerpts = ["nothing will ever change"], Reasons = ["futility"] },
            default).GetAwaiter().GetResult());

    public void Dispose() => _db.Dispose();
}
