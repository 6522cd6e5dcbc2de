using PeerBot.Core.Commands;
using PeerBot.Core.Configuration;
using PeerBot.Core.Groups;
using PeerBot.Core.People;
using PeerBot.Core.Safety;

namespace PeerBot.Core.Digest;

/// <summary>
/// Builds digests from the weekly counters, the groups and the open flags. A digest reports on the last complete week
/// (Monday to Sunday, UTC) and shows the <see cref="WeeksShown"/> weeks up to it.
/// </summary>
public sealed class DigestBuilder
{
    /// <summary>How many weeks a digest shows.</summary>
    public const int WeeksShown = 8;

    /// <summary>How old an open flag must be to need attention.</summary>
    public static readonly TimeSpan StaleFlag = TimeSpan.FromDays(1);

    // A prompt gets a day to draw its first answer before its silence counts.
    private static readonly TimeSpan ReplyGrace = TimeSpan.FromDays(1);

    private readonly IGroupDirectory _groups;
    private readonly IPeopleDirectory _people;
    private readonly IDigestCounters _counters;
    private readonly IAlertStore _alerts;
    private readonly TimeProvider _time;

    /// <summary>Creates the builder.</summary>
    public DigestBuilder(IGroupDirectory groups, IPeopleDirectory people, IDigestCounters counters, IAlertStore alerts, TimeProvider time)
    {
        _groups = groups;
        _people = people;
        _counters = counters;
        _alerts = alerts;
        _time = time;
    }

    /// <summary>The Monday (UTC) of the last complete week at <paramref name="now"/>.</summary>
    public static DateOnly ReportedWeek(DateTimeOffset now) => StatsWeek.StartOf(now).AddDays(-7);

    /// <summary>
    /// The groups a person's digest covers: every group for a coordinator, the groups they facilitate otherwise (none
    /// for anyone else).
    /// </summary>
    public IReadOnlyList<GroupInfo> GroupsFor(Person person)
    {
        ArgumentNullException.ThrowIfNull(person);
        return (person.Role == PersonRole.Coordinator ? _groups.All() : _groups.GroupsFacilitatedBy(person.Id))
            .OrderBy(g => g.Name, StringComparer.OrdinalIgnoreCase)
            .ToList();
    }

    /// <summary>Everyone who gets a digest: each coordinator and each person who facilitates a group, by id.</summary>
    public IReadOnlyList<Person> Recipients() =>
        _people.All.Where(p => GroupsFor(p).Count > 0).OrderBy(p => p.Id, StringComparer.Ordinal).ToList();

    /// <summary>A person's digest, optionally of one of their groups only; null when they have no group to report on.</summary>
    public Task<DigestReport?> ForPersonAsync(Person person, string? onlyGroupId, CancellationToken cancellationToken) =>
        ForPersonAsync(person, onlyGroupId, _time.GetUtcNow(), cancellationToken);

    /// <summary>A person's digest as it reads at <paramref name="now"/> (a scheduled digest sent late reports on the week it was due for).</summary>
    public async Task<DigestReport?> ForPersonAsync(Person person, string? onlyGroupId, DateTimeOffset now, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(person);
        var groups = GroupsFor(person).Where(g => onlyGroupId is null || g.Id == onlyGroupId).ToList();
        if (groups.Count == 0)
        {
            return null;
        }

        var week = ReportedWeek(now);
        var digests = new List<GroupDigest>();
        foreach (var group in groups)
        {
            digests.Add(await ForGroupAsync(group, now, cancellationToken).ConfigureAwait(false));
        }

        return new DigestReport(person, person.Role == PersonRole.Coordinator, week, digests);
    }

    /// <summary>One group's digest at <paramref name="now"/>.</summary>
    public async Task<GroupDigest> ForGroupAsync(GroupInfo group, DateTimeOffset now, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(group);
        var reported = ReportedWeek(now);
        var first = reported.AddDays(-7 * (WeeksShown - 1));

        // Reading is a use of the counters: marks of finished weeks become counts now, whatever else happens.
        _counters.CloseWeeksBefore(StatsWeek.StartOf(now));
        var stored = _counters.Weeks(group.Id, first).ToDictionary(w => w.WeekStart);
        var weeks = Enumerable.Range(0, WeeksShown)
            .Select(i => first.AddDays(7 * i))
            .Select(w => stored.GetValueOrDefault(w) ?? DigestWeek.Empty(w))
            .ToList();
        var members = group.MemberIds.Count;
        var last = weeks[^1];
        var before = weeks[^2];
        var lines = DigestText.Lines(group.Name, members, last, before);

        var attention = new List<string>();
        var open = (await _alerts.ListAsync([group.Id], includeResolved: false, cancellationToken).ConfigureAwait(false))
            .Where(a => a.Status != AlertStatus.Resolved && now - a.RaisedAt >= StaleFlag)
            .OrderBy(a => a.RaisedAt)
            .ToList();
        if (open.Count > 0)
        {
            attention.Add(DigestText.StaleFlags(group.Name, open, now));
        }

        var prompts = _counters.RecentPrompts(group.Id);
        if (prompts.Count >= 2 && !prompts[0].Replied && !prompts[1].Replied && now - prompts[0].PostedAt >= ReplyGrace)
        {
            attention.Add($"{group.Name}: no reply to its last two prompts.");
        }

        if (members > 0 && last.Participants * 2 < members && before.Participants * 2 < members)
        {
            attention.Add($"{group.Name}: fewer than half the members took part, two weeks running.");
        }

        return new GroupDigest(group.Id, group.Name, members, weeks, lines, attention);
    }
}
