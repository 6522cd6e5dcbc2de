using System.Globalization;
using System.Text;
using System.Text.Encodings.Web;
using System.Text.Json;
using PeerBot.Core.Configuration;

namespace PeerBot.Core.Groups;

/// <summary>One difference between the stored groups and the plan.</summary>
/// <param name="Kind"><c>group-added</c>, <c>group-archived</c>, <c>group-renamed</c>, <c>person-added</c>, <c>person-removed</c>,
/// <c>person-moved</c>, <c>facilitator-added</c> or <c>facilitator-removed</c>.</param>
/// <param name="Group">The group's name (for a move, the group the person goes to).</param>
/// <param name="PersonId">The person, for person changes.</param>
/// <param name="From">The previous group name (a move) or the previous name (a rename).</param>
public sealed record GroupPlanChange(string Kind, string Group, string? PersonId = null, string? From = null);

/// <summary>
/// What <c>plan-groups</c> shows: the groups formation would build from the configuration and, when the store already
/// has groups, what would change. Builds from options and stored state only; it touches no platform.
/// </summary>
public sealed class GroupPlanReport
{
    private static readonly JsonWriterOptions WriterOptions = new() { Indented = true, Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping };
    private readonly Dictionary<string, PersonOptions> _people;

    private GroupPlanReport(GroupPlan plan, IReadOnlyList<GroupPlanChange> changes, bool hasStoredGroups, PeerBotOptions options)
    {
        Plan = plan;
        Changes = changes;
        HasStoredGroups = hasStoredGroups;
        _people = options.People.Where(p => !string.IsNullOrWhiteSpace(p.Id)).DistinctBy(p => p.Id, StringComparer.OrdinalIgnoreCase)
            .ToDictionary(p => p.Id, StringComparer.OrdinalIgnoreCase);
    }

    /// <summary>The plan.</summary>
    public GroupPlan Plan { get; }

    /// <summary>Differences from the stored groups; empty when nothing is stored or nothing changes.</summary>
    public IReadOnlyList<GroupPlanChange> Changes { get; }

    /// <summary>True when the store already had groups to compare with.</summary>
    public bool HasStoredGroups { get; }

    /// <summary>True when the configuration is valid (the verb exits 0).</summary>
    public bool IsValid => Plan.Errors.Count == 0;

    /// <summary>Plans the groups and compares them with the stored state, if any.</summary>
    /// <param name="options">The configuration.</param>
    /// <param name="state">What the store holds, or null when there is no database yet.</param>
    public static GroupPlanReport Build(PeerBotOptions options, PlanningState? state)
    {
        ArgumentNullException.ThrowIfNull(options);
        var plan = GroupPlanner.Plan(options, state);
        var stored = state?.Groups.Where(g => !g.Archived).ToList() ?? [];
        return new GroupPlanReport(plan, Compare(stored, plan), stored.Count > 0, options);
    }

    /// <summary>The report for a person at a terminal.</summary>
    public string RenderText()
    {
        var text = new StringBuilder();
        foreach (var error in Plan.Errors)
        {
            text.Append("error: ").AppendLine(error);
        }

        foreach (var warning in Plan.Warnings)
        {
            text.Append("warning: ").AppendLine(warning);
        }

        var members = Plan.Groups.Sum(g => g.MemberIds.Count);
        text.AppendLine(CultureInfo.InvariantCulture, $"{Plan.Groups.Count} group(s), {members} resident(s) placed.");
        foreach (var group in Plan.Groups)
        {
            text.AppendLine();
            text.AppendLine(CultureInfo.InvariantCulture, $"{group.Name}  [{group.Id}, {group.Platform}, {(group.IsFormed ? "formed" : "explicit")}]");
            text.AppendLine(CultureInfo.InvariantCulture, $"  schedule: {group.Schedule} ({group.TimeZone})");
            text.AppendLine("  facilitators: " + (group.FacilitatorIds.Count == 0 ? "(none)" : string.Join(", ", group.FacilitatorIds.Select(Describe))));
            text.AppendLine(CultureInfo.InvariantCulture, $"  members ({group.MemberIds.Count}): {(group.MemberIds.Count == 0 ? "(none)" : string.Join(", ", group.MemberIds.Select(Describe)))}");
        }

        if (HasStoredGroups)
        {
            text.AppendLine();
            if (Changes.Count == 0)
            {
                text.AppendLine("No changes from the groups already running.");
            }
            else
            {
                text.AppendLine(CultureInfo.InvariantCulture, $"Changes from the groups already running ({Changes.Count}):");
                foreach (var change in Changes)
                {
                    text.AppendLine("  " + DescribeChange(change));
                }
            }
        }

        return text.ToString();
    }

    /// <summary>
    /// The report as JSON: <c>{"groups":[{"id","name","platform","formed","schedule","timeZone","members":[ids],"facilitators":[ids]}],
    /// "changes":[{"kind","group","person","from"}],"errors":[..],"warnings":[..]}</c>.
    /// </summary>
    public string RenderJson()
    {
        using var stream = new MemoryStream();
        using (var json = new Utf8JsonWriter(stream, WriterOptions))
        {
            json.WriteStartObject();
            json.WriteStartArray("groups");
            foreach (var group in Plan.Groups)
            {
                json.WriteStartObject();
                json.WriteString("id", group.Id);
                json.WriteString("name", group.Name);
                json.WriteString("platform", group.Platform.ToString());
                json.WriteBoolean("formed", group.IsFormed);
                json.WriteString("schedule", group.Schedule);
                json.WriteString("timeZone", group.TimeZone);
                WriteArray(json, "members", group.MemberIds);
                WriteArray(json, "facilitators", group.FacilitatorIds);
                json.WriteEndObject();
            }

            json.WriteEndArray();
            json.WriteStartArray("changes");
            foreach (var change in Changes)
            {
                json.WriteStartObject();
                json.WriteString("kind", change.Kind);
                json.WriteString("group", change.Group);
                if (change.PersonId is not null)
                {
                    json.WriteString("person", change.PersonId);
                }

                if (change.From is not null)
                {
                    json.WriteString("from", change.From);
                }

                json.WriteEndObject();
            }

            json.WriteEndArray();
            WriteArray(json, "errors", Plan.Errors);
            WriteArray(json, "warnings", Plan.Warnings);
            json.WriteEndObject();
        }

        return Encoding.UTF8.GetString(stream.ToArray());
    }

    private static void WriteArray(Utf8JsonWriter json, string name, IEnumerable<string> values)
    {
        json.WriteStartArray(name);
        foreach (var value in values)
        {
            json.WriteStringValue(value);
        }

        json.WriteEndArray();
    }

    private static List<GroupPlanChange> Compare(List<GroupRecord> stored, GroupPlan plan)
    {
        var changes = new List<GroupPlanChange>();
        if (stored.Count == 0)
        {
            return changes;
        }

        var storedById = stored.ToDictionary(g => g.Id, StringComparer.Ordinal);
        var plannedIds = new HashSet<string>(plan.Groups.Select(g => g.Id), StringComparer.Ordinal);
        var wasIn = new Dictionary<string, GroupRecord>(StringComparer.OrdinalIgnoreCase);
        foreach (var record in stored)
        {
            foreach (var member in record.PlannedMemberIds)
            {
                wasIn[member] = record;
            }
        }

        var willBeIn = new Dictionary<string, PlannedGroup>(StringComparer.OrdinalIgnoreCase);
        foreach (var group in plan.Groups)
        {
            foreach (var member in group.MemberIds)
            {
                willBeIn[member] = group;
            }
        }

        foreach (var group in plan.Groups)
        {
            if (!storedById.TryGetValue(group.Id, out var record))
            {
                changes.Add(new GroupPlanChange("group-added", group.Name));
            }
            else if (!string.Equals(record.Name, group.Name, StringComparison.Ordinal))
            {
                changes.Add(new GroupPlanChange("group-renamed", group.Name, From: record.Name));
            }

            var before = new HashSet<string>(record?.PlannedFacilitatorIds ?? [], StringComparer.OrdinalIgnoreCase);
            changes.AddRange(group.FacilitatorIds.Where(f => !before.Contains(f)).Select(f => new GroupPlanChange("facilitator-added", group.Name, f)));
            changes.AddRange(before.Where(f => !group.FacilitatorIds.Contains(f, StringComparer.OrdinalIgnoreCase)).Order(StringComparer.Ordinal)
                .Select(f => new GroupPlanChange("facilitator-removed", group.Name, f)));
        }

        foreach (var record in stored.Where(r => !plannedIds.Contains(r.Id)))
        {
            changes.Add(new GroupPlanChange("group-archived", record.Name));
        }

        foreach (var (person, group) in willBeIn.OrderBy(p => p.Key, StringComparer.Ordinal))
        {
            if (!wasIn.TryGetValue(person, out var previous))
            {
                changes.Add(new GroupPlanChange("person-added", group.Name, person));
            }
            else if (!string.Equals(previous.Id, group.Id, StringComparison.Ordinal))
            {
                changes.Add(new GroupPlanChange("person-moved", group.Name, person, previous.Name));
            }
        }

        foreach (var (person, previous) in wasIn.Where(p => !willBeIn.ContainsKey(p.Key)).OrderBy(p => p.Key, StringComparer.Ordinal))
        {
            changes.Add(new GroupPlanChange("person-removed", previous.Name, person));
        }

        return changes;
    }

    private static string DescribeChange(GroupPlanChange change) => change.Kind switch
    {
        "group-added" => $"+ new group {change.Group}",
        "group-archived" => $"- group {change.Group} leaves the configuration; its channel will be archived",
        "group-renamed" => $"~ group {change.From} is renamed {change.Group}",
        "person-added" => $"+ {change.PersonId} joins {change.Group}",
        "person-removed" => $"- {change.PersonId} leaves {change.Group}",
        "person-moved" => $"~ {change.PersonId} moves from {change.From} to {change.Group}",
        "facilitator-added" => $"+ {change.PersonId} facilitates {change.Group}",
        "facilitator-removed" => $"- {change.PersonId} no longer facilitates {change.Group}",
        _ => $"{change.Kind} {change.Group} {change.PersonId}",
    };

    private string Describe(string personId)
    {
        if (!_people.TryGetValue(personId, out var person))
        {
            return personId;
        }

        var detail = person.Role == PersonRole.Resident
            ? person.Pgy is { } pgy ? $"PGY-{pgy}" : "resident"
            : person.Role.ToString().ToLowerInvariant();
        return $"{person.Name} ({person.Id}, {detail})";
    }
}
