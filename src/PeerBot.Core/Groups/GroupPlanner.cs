using System.Globalization;
using PeerBot.Core.Configuration;
using PeerBot.Core.Platform;

namespace PeerBot.Core.Groups;

/// <summary>A group as the configuration (and formation) wants it.</summary>
/// <param name="Id">Stable id.</param>
/// <param name="Name">Display name.</param>
/// <param name="Platform">The platform it lives on.</param>
/// <param name="IsFormed">True when formation made it.</param>
/// <param name="MemberIds">Resident person ids, paused residents left out.</param>
/// <param name="FacilitatorIds">Facilitator person ids, psychologists first.</param>
/// <param name="TimeZone">IANA time zone of its schedule.</param>
/// <param name="Schedule">Cron schedule of its prompts.</param>
/// <param name="GroundRules">Ground rules set by a coordinator; null for the built-in ones.</param>
public sealed record PlannedGroup(
    string Id,
    string Name,
    PlatformKind Platform,
    bool IsFormed,
    IReadOnlyList<string> MemberIds,
    IReadOnlyList<string> FacilitatorIds,
    string TimeZone,
    string Schedule,
    string? GroundRules);

/// <summary>The outcome of planning: the groups, the formation assignments to remember, and problems found.</summary>
/// <param name="Groups">Explicit groups first, in config order, then formed groups by number.</param>
/// <param name="FormationAssignments">Person id to formed group id, paused residents included (they return to their group).</param>
/// <param name="Errors">Configuration problems, each starting with its config path; empty when valid.</param>
/// <param name="Warnings">Things a coordinator should know that do not stop the bot.</param>
public sealed record GroupPlan(
    IReadOnlyList<PlannedGroup> Groups,
    IReadOnlyDictionary<string, string> FormationAssignments,
    IReadOnlyList<string> Errors,
    IReadOnlyList<string> Warnings);

/// <summary>What planning needs to know from the store to keep groups stable.</summary>
/// <param name="Groups">Groups recorded so far (archived included).</param>
/// <param name="FormationAssignments">Person id to formed group id from the last plan.</param>
/// <param name="PausedPersonIds">Residents who paused themselves and are still paused.</param>
public sealed record PlanningState(
    IReadOnlyList<GroupRecord> Groups,
    IReadOnlyDictionary<string, string> FormationAssignments,
    IReadOnlyCollection<string> PausedPersonIds)
{
    /// <summary>Nothing stored yet.</summary>
    public static PlanningState Empty { get; } = new([], new Dictionary<string, string>(), []);

    /// <summary>Reads the state from a store, counting pauses that have not ended by <paramref name="now"/>.</summary>
    public static PlanningState FromStore(IGroupStore store, DateTimeOffset now)
    {
        ArgumentNullException.ThrowIfNull(store);
        return new PlanningState(
            store.AllGroups(),
            store.FormationAssignments(),
            store.MemberPauses().Where(p => p.Value > now).Select(p => p.Key).ToList());
    }
}

/// <summary>
/// Plans the groups from the configuration: explicit groups as written, and formation for every resident in none.
/// Pure and deterministic: the same options and state give the same plan.
/// </summary>
/// <remarks>
/// Formation deals residents, seniors first, over the groups in a snake order so every group gets a senior
/// when there are enough, and sizes differ by at most one. Once groups exist, residents stay in them:
/// a newcomer joins the smallest group (a group without a senior first, when the newcomer is a senior),
/// a group that falls below three is dissolved into the others, one that grows past its limit is split.
/// </remarks>
public static class GroupPlanner
{
    /// <summary>Smallest group size a coordinator may set.</summary>
    public const int MinGroupSize = 3;

    /// <summary>Largest group size a coordinator may set.</summary>
    public const int MaxGroupSize = 8;

    /// <summary>Prefix of formed group ids.</summary>
    public const string FormedIdPrefix = "formed-";

    /// <summary>Plans the groups.</summary>
    public static GroupPlan Plan(PeerBotOptions options, PlanningState? state = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        state ??= PlanningState.Empty;
        var errors = new List<string>();
        var warnings = new List<string>();
        var people = new Dictionary<string, PersonOptions>(StringComparer.OrdinalIgnoreCase);
        for (var i = 0; i < options.People.Count; i++)
        {
            var person = options.People[i];
            if (string.IsNullOrWhiteSpace(person.Id))
            {
                errors.Add($"People[{i}].Id: a person needs an id.");
            }
            else if (!people.TryAdd(person.Id, person))
            {
                errors.Add($"People[{i}].Id: '{person.Id}' is used by more than one person.");
            }
        }

        var paused = new HashSet<string>(state.PausedPersonIds, StringComparer.OrdinalIgnoreCase);
        var groups = new List<PlannedGroup>();
        var inExplicit = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
        var explicitIds = AssignExplicitIds(options.Groups, state.Groups, errors);

        for (var i = 0; i < options.Groups.Count; i++)
        {
            var config = options.Groups[i];
            var path = $"Groups[{i}]";
            var members = new List<string>();
            foreach (var id in config.Members.Distinct(StringComparer.OrdinalIgnoreCase))
            {
                if (!people.TryGetValue(id, out var person))
                {
                    errors.Add($"{path}.Members: '{id}' is not one of the configured People.");
                }
                else if (person.Role != PersonRole.Resident)
                {
                    errors.Add($"{path}.Members: '{person.Id}' is {person.Role}; members are residents (name facilitators under Facilitators).");
                }
                else
                {
                    // A resident may belong to several explicit groups (they choose the group when sharing).
                    inExplicit.Add(person.Id);
                    if (!paused.Contains(person.Id))
                    {
                        members.Add(person.Id);
                    }
                }
            }

            var facilitators = new List<PersonOptions>();
            foreach (var id in config.Facilitators.Distinct(StringComparer.OrdinalIgnoreCase))
            {
                if (!people.TryGetValue(id, out var person))
                {
                    errors.Add($"{path}.Facilitators: '{id}' is not one of the configured People.");
                }
                else if (person.Role is not (PersonRole.Alumni or PersonRole.Psychologist or PersonRole.Coordinator))
                {
                    errors.Add($"{path}.Facilitators: '{person.Id}' is a {person.Role}; facilitators are alumni, psychologists or coordinators.");
                }
                else
                {
                    facilitators.Add(person);
                }
            }

            if (string.IsNullOrWhiteSpace(config.Name))
            {
                errors.Add($"{path}.Name: a group needs a name.");
            }

            var platform = ResolvePlatform(options, config.Platform, $"{path}.Platform", errors);
            groups.Add(new PlannedGroup(
                explicitIds[i],
                config.Name.Trim(),
                platform,
                IsFormed: false,
                members,
                OrderFacilitators(facilitators),
                config.TimeZone ?? options.TimeZone,
                config.Schedule ?? options.Prompts.Schedule,
                config.GroundRules));
        }

        var duplicateNames = options.Groups.GroupBy(g => g.Name.Trim(), StringComparer.OrdinalIgnoreCase).Where(g => g.Count() > 1 && g.Key.Length > 0);
        foreach (var duplicate in duplicateNames)
        {
            errors.Add($"Groups: the name '{duplicate.Key}' is used by more than one group.");
        }

        var assignments = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
        if (options.Formation is { } formation)
        {
            if (formation.GroupSize is < MinGroupSize or > MaxGroupSize)
            {
                errors.Add($"Formation.GroupSize: {formation.GroupSize} is outside {MinGroupSize} to {MaxGroupSize}.");
            }

            var size = Math.Clamp(formation.GroupSize, MinGroupSize, MaxGroupSize);
            var platform = ResolvePlatform(options, formation.Platform, "Formation.Platform", errors);
            var residents = options.People
                .Where(p => p.Role == PersonRole.Resident && !string.IsNullOrWhiteSpace(p.Id) && !inExplicit.Contains(p.Id))
                .DistinctBy(p => p.Id, StringComparer.OrdinalIgnoreCase)
                .ToList();
            var active = residents.Where(p => !paused.Contains(p.Id)).ToList();
            var formed = Form(active, residents.Where(p => paused.Contains(p.Id)).ToList(), size, state);
            if (active.Count is > 0 and < MinGroupSize)
            {
                warnings.Add($"Formation: only {active.Count} resident(s) to form, fewer than {MinGroupSize}; they make one small group.");
            }

            // Facilitators who cannot be reached on the formation platform are left out of its groups.
            var facilitatorPool = options.People
                .Where(p => p.Role is PersonRole.Alumni or PersonRole.Psychologist && !string.IsNullOrWhiteSpace(p.Id))
                .Where(p => CanReach(options, p, platform))
                .ToList();
            var orderedGroups = formed.OrderBy(g => FormedNumber(g.Key)).ToList();
            var facilitatorsByGroup = SpreadFacilitators(orderedGroups.Select(g => g.Key).ToList(), facilitatorPool);
            if (orderedGroups.Count > 0 && !facilitatorPool.Any(p => p.Role == PersonRole.Alumni))
            {
                warnings.Add("Formation: no alumni are configured, so formed groups have no alumni facilitator.");
            }

            foreach (var (groupId, members) in orderedGroups)
            {
                groups.Add(new PlannedGroup(
                    groupId,
                    "Peer Circle " + FormedNumber(groupId).ToString(CultureInfo.InvariantCulture),
                    platform,
                    IsFormed: true,
                    members,
                    facilitatorsByGroup[groupId],
                    options.TimeZone,
                    options.Prompts.Schedule,
                    formation.GroundRules));
                foreach (var member in members)
                {
                    assignments[member] = groupId;
                }
            }

            // Paused residents keep their place so they come back to the same people.
            foreach (var resident in residents.Where(p => paused.Contains(p.Id)))
            {
                if (state.FormationAssignments.TryGetValue(resident.Id, out var previous) && formed.ContainsKey(previous))
                {
                    assignments[resident.Id] = previous;
                }
            }
        }
        else
        {
            var unplaced = options.People.Where(p => p.Role == PersonRole.Resident && !inExplicit.Contains(p.Id)).Select(p => p.Id).ToList();
            if (unplaced.Count > 0)
            {
                warnings.Add($"Formation is off and {unplaced.Count} resident(s) are in no group: {string.Join(", ", unplaced)}.");
            }
        }

        foreach (var group in groups)
        {
            var unreachable = group.MemberIds.Concat(group.FacilitatorIds)
                .Where(id => people.TryGetValue(id, out var person) && !CanReach(options, person, group.Platform))
                .ToList();
            if (unreachable.Count > 0)
            {
                warnings.Add($"{group.Name}: {string.Join(", ", unreachable)} ha{(unreachable.Count == 1 ? "s" : "ve")} no {group.Platform} id or name in config, so cannot be added to its channel.");
            }
        }

        return new GroupPlan(groups, assignments, errors, warnings);
    }

    /// <summary>
    /// Whether a person is named on a platform. When nobody in the config is named on it (a sandbox, or a config
    /// written before handles were added), everyone counts as reachable, so planning still works.
    /// </summary>
    public static bool CanReach(PeerBotOptions options, PersonOptions person, PlatformKind platform)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(person);
        Func<PersonOptions, string?> handle = platform switch
        {
            PlatformKind.Discord => p => p.Discord,
            PlatformKind.Slack => p => p.Slack,
            _ => _ => null,
        };
        return platform == PlatformKind.Sandbox
            || !string.IsNullOrWhiteSpace(handle(person))
            || options.People.All(p => string.IsNullOrWhiteSpace(handle(p)));
    }

    /// <summary>The number of a formed group id (<c>formed-3</c> is 3), or 0 for another id.</summary>
    public static int FormedNumber(string groupId)
    {
        ArgumentNullException.ThrowIfNull(groupId);
        return groupId.StartsWith(FormedIdPrefix, StringComparison.Ordinal)
            && int.TryParse(groupId.AsSpan(FormedIdPrefix.Length), NumberStyles.None, CultureInfo.InvariantCulture, out var n)
            ? n
            : 0;
    }

    /// <summary>The platform a group lands on when config leaves it out: the only enabled one, else the sandbox.</summary>
    public static PlatformKind? DefaultPlatform(PeerBotOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        return (options.Discord.Enabled, options.Slack.Enabled) switch
        {
            (true, true) => null,
            (true, false) => PlatformKind.Discord,
            (false, true) => PlatformKind.Slack,
            _ => PlatformKind.Sandbox,
        };
    }

    private static PlatformKind ResolvePlatform(PeerBotOptions options, PlatformKind? configured, string path, List<string> errors)
    {
        // With no platform configured the sandbox stands in for every group (PlatformSelection).
        if (options.ResolvePlatform(configured) is { } resolved)
        {
            return resolved;
        }

        if (configured is { } kind)
        {
            errors.Add($"{path}: {kind} is not configured.");
            return kind;
        }

        errors.Add($"{path}: both Discord and Slack are configured; say which platform this group lives on.");
        return PlatformKind.Discord;
    }

    private static List<string> OrderFacilitators(IEnumerable<PersonOptions> facilitators) =>
        facilitators
            .OrderBy(p => p.Role == PersonRole.Psychologist ? 0 : p.Role == PersonRole.Alumni ? 1 : 2)
            .Select(p => p.Id)
            .ToList();

    private static string[] AssignExplicitIds(List<GroupOptions> configured, IReadOnlyList<GroupRecord> stored, List<string> errors)
    {
        var ids = new string?[configured.Count];
        var claimed = new HashSet<string>(StringComparer.Ordinal);
        var candidates = stored.Where(g => !g.IsFormed && !g.Archived).ToList();

        // First: ids a coordinator wrote, then names the store already knows.
        for (var i = 0; i < configured.Count; i++)
        {
            var config = configured[i];
            if (!string.IsNullOrWhiteSpace(config.Id))
            {
                var id = config.Id.Trim();
                if (id.StartsWith(FormedIdPrefix, StringComparison.Ordinal) || id.Any(c => !(char.IsAsciiLetterOrDigit(c) || c is '-' or '_')))
                {
                    errors.Add($"Groups[{i}].Id: '{id}' must use letters, digits, '-' or '_' and must not start with '{FormedIdPrefix}'.");
                }

                if (!claimed.Add(id))
                {
                    errors.Add($"Groups[{i}].Id: '{id}' is used by more than one group.");
                }

                ids[i] = id;
            }
        }

        for (var i = 0; i < configured.Count; i++)
        {
            if (ids[i] is not null)
            {
                continue;
            }

            var byName = candidates.FirstOrDefault(g => !claimed.Contains(g.Id) && string.Equals(g.Name, configured[i].Name.Trim(), StringComparison.OrdinalIgnoreCase));
            if (byName is not null)
            {
                ids[i] = byName.Id;
                claimed.Add(byName.Id);
            }
        }

        // A renamed group: a stored group gone from config, same platform, sharing at least half its members.
        var configNames = new HashSet<string>(configured.Select(g => g.Name.Trim()), StringComparer.OrdinalIgnoreCase);
        for (var i = 0; i < configured.Count; i++)
        {
            if (ids[i] is not null)
            {
                continue;
            }

            var members = new HashSet<string>(configured[i].Members, StringComparer.OrdinalIgnoreCase);
            var renamed = candidates
                .Where(g => !claimed.Contains(g.Id) && !configNames.Contains(g.Name) && g.PlannedMemberIds.Count > 0)
                .Where(g => configured[i].Platform is null || configured[i].Platform == g.Platform)
                .Select(g => (Group: g, Shared: g.PlannedMemberIds.Count(members.Contains)))
                .Where(c => c.Shared * 2 >= Math.Max(c.Group.PlannedMemberIds.Count, members.Count) && c.Shared > 0)
                .OrderByDescending(c => c.Shared)
                .ThenBy(c => c.Group.Id, StringComparer.Ordinal)
                .FirstOrDefault();
            if (renamed.Group is not null)
            {
                ids[i] = renamed.Group.Id;
                claimed.Add(renamed.Group.Id);
            }
        }

        var taken = new HashSet<string>(stored.Select(g => g.Id), StringComparer.Ordinal);
        taken.UnionWith(claimed);
        for (var i = 0; i < configured.Count; i++)
        {
            if (ids[i] is not null)
            {
                continue;
            }

            var baseId = GroupNaming.Slug(configured[i].Name);
            var id = baseId;
            for (var n = 2; taken.Contains(id); n++)
            {
                id = baseId + "-" + n.ToString(CultureInfo.InvariantCulture);
            }

            taken.Add(id);
            ids[i] = id;
        }

        return ids.Select(id => id!).ToArray();
    }

    private static Dictionary<string, List<string>> Form(List<PersonOptions> residents, List<PersonOptions> pausedResidents, int size, PlanningState state)
    {
        var rank = residents
            .OrderByDescending(p => p.Pgy ?? 1)
            .ThenBy(p => p.Id, StringComparer.Ordinal)
            .Select((p, i) => (p.Id, i))
            .ToDictionary(x => x.Id, x => x.i, StringComparer.OrdinalIgnoreCase);
        var pgy = residents.ToDictionary(p => p.Id, p => p.Pgy ?? 1, StringComparer.OrdinalIgnoreCase);
        var nextNumber = 1 + state.Groups.Select(g => FormedNumber(g.Id))
            .Concat(state.FormationAssignments.Values.Select(FormedNumber))
            .DefaultIfEmpty(0)
            .Max();

        var groups = new Dictionary<string, List<string>>(StringComparer.Ordinal);
        var newcomers = new List<string>();
        var archived = new HashSet<string>(state.Groups.Where(g => g.Archived).Select(g => g.Id), StringComparer.Ordinal);
        foreach (var resident in residents)
        {
            if (state.FormationAssignments.TryGetValue(resident.Id, out var groupId) && FormedNumber(groupId) > 0 && !archived.Contains(groupId))
            {
                if (!groups.TryGetValue(groupId, out var list))
                {
                    groups[groupId] = list = [];
                }

                list.Add(resident.Id);
            }
            else
            {
                newcomers.Add(resident.Id);
            }
        }

        // A paused resident keeps their seat: a pause is temporary, and the group should not be reshuffled around it.
        var held = new Dictionary<string, int>(StringComparer.Ordinal);
        var heldSenior = new HashSet<string>(StringComparer.Ordinal);
        foreach (var person in pausedResidents)
        {
            if (state.FormationAssignments.TryGetValue(person.Id, out var groupId) && FormedNumber(groupId) > 0 && !archived.Contains(groupId))
            {
                held[groupId] = held.GetValueOrDefault(groupId) + 1;
                groups.TryAdd(groupId, []);
                if ((person.Pgy ?? 1) >= 2)
                {
                    heldSenior.Add(groupId);
                }
            }
        }

        int Seats(KeyValuePair<string, List<string>> group) => group.Value.Count + held.GetValueOrDefault(group.Key);
        string NextId() => FormedIdPrefix + (nextNumber++).ToString(CultureInfo.InvariantCulture);
        if (groups.Count == 0)
        {
            return Deal(newcomers, size, rank, NextId);
        }

        // A group that fell below the minimum is dissolved into the others.
        while (groups.Count > 1 && groups.Any(g => Seats(g) < MinGroupSize))
        {
            var smallest = groups.Where(g => Seats(g) < MinGroupSize).OrderBy(Seats).ThenBy(g => FormedNumber(g.Key)).First();
            groups.Remove(smallest.Key);
            held.Remove(smallest.Key);
            newcomers.AddRange(smallest.Value);
        }

        // Enough newcomers for whole new groups (a cohort arriving, or a group dissolved into many): they form their own,
        // so residents already in groups stay where they are.
        var wantedCount = GroupCount(residents.Count + held.Values.Sum(), size);
        var extra = Math.Min(wantedCount - groups.Count, newcomers.Count / MinGroupSize);
        if (extra > 0)
        {
            var cohort = newcomers.OrderBy(id => rank[id]).Take(Math.Min(newcomers.Count, extra * size)).ToList();
            foreach (var (groupId, members) in Deal(cohort, size, rank, NextId, extra))
            {
                groups[groupId] = members;
            }

            newcomers.RemoveAll(cohort.Contains);
        }

        bool IsSenior(string id) => pgy[id] >= 2;
        foreach (var newcomer in newcomers.OrderBy(id => rank[id]))
        {
            var target = groups
                .OrderBy(g => IsSenior(newcomer) && !g.Value.Any(IsSenior) ? 0 : 1)
                .ThenBy(Seats)
                .ThenBy(g => g.Value.Count(m => pgy[m] == pgy[newcomer]))
                .ThenBy(g => FormedNumber(g.Key))
                .First();
            target.Value.Add(newcomer);
        }

        // A group grown past its limit is split in two; only its own members move.
        var limit = Math.Max((2 * size) - 1, size + 3);
        foreach (var (groupId, members) in groups.Where(g => Seats(g) > limit && g.Value.Count >= 2 * MinGroupSize).ToList())
        {
            var first = true;
            string KeepThenNext()
            {
                if (first)
                {
                    first = false;
                    return groupId;
                }

                return NextId();
            }

            foreach (var (splitId, splitMembers) in Deal(members, size, rank, KeepThenNext))
            {
                groups[splitId] = splitMembers;
            }
        }

        RepairYearMix(groups, pgy, rank, heldSenior);
        foreach (var members in groups.Values)
        {
            members.Sort((a, b) => rank[a].CompareTo(rank[b]));
        }

        return groups;
    }

    private static void RepairYearMix(Dictionary<string, List<string>> groups, Dictionary<string, int> pgy, Dictionary<string, int> rank, HashSet<string> heldSenior)
    {
        bool IsSenior(string id) => pgy[id] >= 2;
        var seniors = groups.Values.Sum(g => g.Count(IsSenior));
        if (seniors < groups.Values.Count(g => g.Count > 0))
        {
            return;
        }

        // A group whose senior is only paused is left alone: they are coming back.
        foreach (var (_, lacking) in groups.Where(g => g.Value.Count > 0 && !g.Value.Any(IsSenior) && !heldSenior.Contains(g.Key)).OrderBy(g => FormedNumber(g.Key)).ToList())
        {
            var donor = groups.Values
                .Where(g => g.Count(IsSenior) >= 2)
                .OrderByDescending(g => g.Count(IsSenior))
                .ThenByDescending(g => g.Count)
                .First();
            var senior = donor.Where(IsSenior).OrderByDescending(id => rank[id]).First();
            donor.Remove(senior);
            lacking.Add(senior);
            if (donor.Count < MinGroupSize)
            {
                // Keep the donor at three: a junior goes the other way.
                var junior = lacking.Where(id => !IsSenior(id)).OrderByDescending(id => rank[id]).First();
                lacking.Remove(junior);
                donor.Add(junior);
            }
        }
    }

    private static int GroupCount(int residents, int size) =>
        residents < MinGroupSize
            ? 1
            : Math.Max(1, Math.Min((int)Math.Round(residents / (double)size, MidpointRounding.AwayFromZero), residents / MinGroupSize));

    private static Dictionary<string, List<string>> Deal(List<string> residents, int size, Dictionary<string, int> rank, Func<string> newId, int? groupCount = null)
    {
        var result = new Dictionary<string, List<string>>(StringComparer.Ordinal);
        if (residents.Count == 0)
        {
            return result;
        }

        var count = groupCount ?? GroupCount(residents.Count, size);
        var lists = Enumerable.Range(0, count).Select(_ => new List<string>()).ToList();
        var ordered = residents.OrderBy(id => rank[id]).ToList();
        for (var i = 0; i < ordered.Count; i++)
        {
            var round = i / count;
            var position = i % count;
            var index = round % 2 == 0 ? position : count - 1 - position;
            lists[index].Add(ordered[i]);
        }

        foreach (var list in lists)
        {
            result[newId()] = list;
        }

        return result;
    }

    private static Dictionary<string, List<string>> SpreadFacilitators(List<string> groupIds, List<PersonOptions> pool)
    {
        var result = groupIds.ToDictionary(id => id, _ => new List<string>(), StringComparer.Ordinal);
        if (groupIds.Count == 0)
        {
            return result;
        }

        // Psychologists first in each group, then alumni; each list spread round-robin so loads differ by at most one.
        foreach (var role in new[] { PersonRole.Psychologist, PersonRole.Alumni })
        {
            var people = pool.Where(p => p.Role == role).OrderBy(p => p.Id, StringComparer.Ordinal).ToList();
            if (people.Count == 0)
            {
                continue;
            }

            if (people.Count <= groupIds.Count)
            {
                for (var i = 0; i < groupIds.Count; i++)
                {
                    result[groupIds[i]].Add(people[i % people.Count].Id);
                }
            }
            else
            {
                for (var i = 0; i < people.Count; i++)
                {
                    result[groupIds[i % groupIds.Count]].Add(people[i].Id);
                }
            }
        }

        return result;
    }
}
