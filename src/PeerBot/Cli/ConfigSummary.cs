using System.Globalization;
using System.Text;
using Humanizer;
using PeerBot.Core.Configuration;
using PeerBot.Core.Platform;

namespace PeerBot.Cli;

/// <summary>The readable summary <c>check-config</c> prints.</summary>
internal static class ConfigSummary
{
    public static string Render(PeerBotOptions options, DateTimeOffset now)
    {
        var text = new StringBuilder();
        var people = options.People.ToDictionary(p => p.Id, StringComparer.OrdinalIgnoreCase);
        string Label(string id) => people.TryGetValue(id, out var p)
            ? p.Role == PersonRole.Resident ? $"{p.Name} ({p.Id}, PGY-{p.Pgy})" : $"{p.Name} ({p.Id}, {p.Role})"
            : id;

        text.AppendLine("Configuration is valid.").AppendLine();

        var enabled = options.EnabledPlatforms();
        text.AppendLine(enabled.Count == 0
            ? "Platforms: none configured, so the local sandbox hosts every group (set Discord:Token, or Slack:BotToken and Slack:AppToken, to go live)."
            : "Platforms: " + string.Join(", ", enabled.Select(p => p == PlatformKind.Discord ? $"Discord (server {options.Discord.GuildId})" : "Slack (Socket Mode)")));
        text.AppendLine(CultureInfo.InvariantCulture, $"Storage: {options.Storage.Path}; default time zone {options.TimeZone}").AppendLine();

        var byRole = options.People.GroupBy(p => p.Role).ToDictionary(g => g.Key, g => g.ToList());
        var counts = string.Join(", ", Enum.GetValues<PersonRole>().Select(r =>
        {
            var count = byRole.GetValueOrDefault(r)?.Count ?? 0;
            return count.ToString(CultureInfo.InvariantCulture) + " " + RoleNoun(r, count);
        }));
        text.AppendLine(CultureInfo.InvariantCulture, $"People ({options.People.Count}): {counts}");
        foreach (var role in Enum.GetValues<PersonRole>())
        {
            if (!byRole.TryGetValue(role, out var list))
            {
                continue;
            }

            var ordered = role == PersonRole.Resident ? list.OrderBy(p => p.Pgy).ThenBy(p => p.Id, StringComparer.Ordinal) : list.OrderBy(p => p.Id, StringComparer.Ordinal);
            text.AppendLine(CultureInfo.InvariantCulture, $"  {RoleNoun(role, 2).Transform(To.TitleCase)}: {string.Join(", ", ordered.Select(p => Label(p.Id)))}");
        }

        text.AppendLine();
        text.AppendLine(CultureInfo.InvariantCulture, $"Groups ({options.Groups.Count} explicit{(options.Formation is null ? "" : ", plus formation")}):");
        foreach (var group in options.Groups)
        {
            var platform = PlatformLabel(options, group.Platform);
            var zone = group.TimeZone ?? options.TimeZone;
            var schedule = group.Schedule ?? options.Prompts.Schedule;
            var next = Schedules.NextOccurrence(schedule, zone, now);
            text.AppendLine(CultureInfo.InvariantCulture, $"  {group.Name} ({platform})");
            text.AppendLine(CultureInfo.InvariantCulture, $"    Members: {string.Join(", ", group.Members.Select(Label))}");
            text.AppendLine(CultureInfo.InvariantCulture, $"    Facilitators: {string.Join(", ", group.Facilitators.Select(Label))}");
            text.AppendLine(CultureInfo.InvariantCulture, $"    Prompts: \"{schedule}\"; next {(next is null ? "never (the schedule never fires)" : Schedules.Describe(next.Value, zone, now))}");
        }

        if (options.Formation is { } formation)
        {
            var grouped = new HashSet<string>(options.Groups.SelectMany(g => g.Members), StringComparer.OrdinalIgnoreCase);
            var ungrouped = options.People.Where(p => p.Role == PersonRole.Resident && !grouped.Contains(p.Id)).ToList();
            var next = Schedules.NextOccurrence(options.Prompts.Schedule, options.TimeZone, now);
            text.AppendLine(CultureInfo.InvariantCulture, $"  Formation: {"resident".ToQuantity(ungrouped.Count)} in no explicit group, formed into groups of about {formation.GroupSize} on {PlatformLabel(options, formation.Platform)} (run plan-groups to see them)");
            if (next is not null)
            {
                text.AppendLine(CultureInfo.InvariantCulture, $"    Prompts: \"{options.Prompts.Schedule}\"; next {Schedules.Describe(next.Value, options.TimeZone, now)}");
            }
        }

        text.AppendLine();
        var anonymity = options.Anonymity;
        text.AppendLine(anonymity.Enabled
            ? $"Anonymous sharing: on; posts appear {Span(anonymity.MinDelay)} to {Span(anonymity.MaxDelay)} after sharing; at most {anonymity.MaxPerDay} a day per person; review by facilitators {(anonymity.Review ? "on" : "off")}"
            : "Anonymous sharing: off");
        var safety = options.Safety;
        text.AppendLine(CultureInfo.InvariantCulture, $"Safety: a spiral is {"fatalistic message".ToQuantity(safety.SpiralMinMessages)} from at least {"person".ToQuantity(safety.SpiralMinPeople)} within {Span(safety.SpiralWindow)}; after an alert a group may alert again after {Span(safety.AlertCooldown)}; at most one coping note per person and group in {Span(safety.CopingCooldown)}; excerpts kept {Span(safety.ExcerptRetention)}");
        text.AppendLine(CultureInfo.InvariantCulture, $"Prompt library: built-in{(options.Prompts.LibraryPath is null ? "" : " with " + options.Prompts.LibraryPath)}");
        return text.ToString();
    }

    private static string PlatformLabel(PeerBotOptions options, PlatformKind? requested) =>
        options.UsesSandbox() && requested is not null and not PlatformKind.Sandbox
            ? $"{requested}, in the sandbox until {requested} is configured"
            : options.ResolvePlatform(requested)?.ToString() ?? "no platform";

    private static string Span(TimeSpan span) =>
        span == TimeSpan.Zero ? "no time" : span.Humanize(precision: 2, culture: CultureInfo.InvariantCulture);

    private static string RoleNoun(PersonRole role, int count) => role switch
    {
        PersonRole.Resident => count == 1 ? "resident" : "residents",
        PersonRole.Alumni => "alumni",
        PersonRole.Psychologist => count == 1 ? "psychologist" : "psychologists",
        _ => count == 1 ? "coordinator" : "coordinators",
    };
}
