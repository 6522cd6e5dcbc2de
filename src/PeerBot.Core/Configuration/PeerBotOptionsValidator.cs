using System.Globalization;
using System.Text.RegularExpressions;
using Cronos;
using PeerBot.Core.Platform;

namespace PeerBot.Core.Configuration;

/// <summary>
/// The semantic rules of the configuration (DESIGN.md, "Configuration"): every problem is collected with its
/// path, none stops the check early, and no secret's value appears in a message.
/// </summary>
public static partial class PeerBotOptionsValidator
{
    /// <summary>The smallest and largest group.</summary>
    public const int MinGroupSize = 3, MaxGroupSize = 8;

    private const string Root = PeerBotOptions.SectionName;

    /// <summary>Validates options already bound from configuration.</summary>
    /// <param name="options">The options.</param>
    /// <param name="fileExists">Tells whether a file exists (injected so tests need no files).</param>
    /// <param name="unread">
    /// Configuration paths (<c>PeerBot:People:3:Role</c>) whose values could not be read and were left at their default
    /// (<see cref="ConfigurationBinding"/> reports them). No problem is raised about such a value, or about anything
    /// below it, nor by a rule that would judge another value against it: the default is a stand-in, not the
    /// coordinator's choice, so a role that could not be read does not make its person "a resident without a year".
    /// </param>
    public static IReadOnlyList<ConfigProblem> Validate(PeerBotOptions options, Func<string, bool>? fileExists = null, IReadOnlyCollection<string>? unread = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        fileExists ??= File.Exists;
        var problems = new List<ConfigProblem>();
        var lost = new Unread(unread);
        void Add(string path, string message) => problems.Add(new ConfigProblem($"{Root}:{path}", message));

        if (string.IsNullOrWhiteSpace(options.Storage.Path))
        {
            Add("Storage:Path", "required: the path of the database file");
        }

        CheckTimeZone(options.TimeZone, "TimeZone", Add, required: true);
        CheckPlatforms(options, Add);
        var (people, roleUnknown) = CheckPeople(options, lost, Add);
        CheckGroups(options, people, roleUnknown, lost, Add);
        CheckFormation(options, people, roleUnknown, lost, Add);
        CheckPrompts(options, fileExists, Add);
        CheckCron(options.Digest.Schedule, "Digest:Schedule", Add);
        CheckAnonymity(options.Anonymity, lost, Add);
        CheckSafety(options.Safety, lost, Add);

        if (options.Sandbox.Port is < 0 or > 65535)
        {
            Add("Sandbox:Port", "must be a TCP port, 1 to 65535 (0 picks a free one)");
        }

        problems.RemoveAll(p => lost.Covers(p.Path));
        return problems;
    }

    /// <summary>The configuration paths whose values could not be read.</summary>
    private sealed class Unread(IReadOnlyCollection<string>? paths)
    {
        private readonly string[] _paths = paths?.ToArray() ?? [];

        /// <summary>True when the value at <paramref name="path"/> (relative to <c>PeerBot</c>, or full) was not read, itself or as part of a larger value.</summary>
        public bool Covers(string path)
        {
            if (_paths.Length == 0)
            {
                return false;
            }

            var full = path.StartsWith(Root + ":", StringComparison.OrdinalIgnoreCase) ? path : $"{Root}:{path}";
            return _paths.Any(p => string.Equals(full, p, StringComparison.OrdinalIgnoreCase)
                || full.StartsWith(p + ":", StringComparison.OrdinalIgnoreCase)
                || string.Equals(p, Root, StringComparison.OrdinalIgnoreCase));
        }
    }

    /// <summary>Parses a five-field cron expression, or returns null.</summary>
    public static CronExpression? ParseCron(string? expression) =>
        !string.IsNullOrWhiteSpace(expression) && CronExpression.TryParse(expression, CronFormat.Standard, out var cron) ? cron : null;

    /// <summary>Finds an IANA time zone, or returns null.</summary>
    public static TimeZoneInfo? FindTimeZone(string? id) =>
        !string.IsNullOrWhiteSpace(id) && TimeZoneInfo.TryFindSystemTimeZoneById(id, out var zone) ? zone : null;

    private static void CheckTimeZone(string? id, string path, Action<string, string> add, bool required)
    {
        if (string.IsNullOrWhiteSpace(id))
        {
            if (required)
            {
                add(path, "required: an IANA time zone such as America/New_York");
            }

            return;
        }

        if (FindTimeZone(id) is null)
        {
            add(path, $"unknown time zone \"{id}\"; use an IANA name such as America/New_York or Europe/London");
        }
    }

    private static void CheckCron(string? expression, string path, Action<string, string> add)
    {
        if (string.IsNullOrWhiteSpace(expression))
        {
            add(path, "required: a cron schedule of five fields, e.g. \"0 19 * * TUE\" (19:00 every Tuesday)");
        }
        else if (ParseCron(expression) is null)
        {
            add(path, $"\"{expression}\" is not a cron schedule of five fields (minute hour day-of-month month day-of-week), e.g. \"0 19 * * TUE\"");
        }
    }

    private static void CheckPlatforms(PeerBotOptions options, Action<string, string> add)
    {
        var discord = options.Discord;
        if (!string.IsNullOrWhiteSpace(discord.GuildId) && !Snowflake().IsMatch(discord.GuildId))
        {
            // Checked whether or not the token is set: coordinators check the file first and set the token later,
            // in the environment, as the README advises.
            add("Discord:GuildId", $"\"{discord.GuildId}\" is not a Discord server id (a number of 17 to 20 digits; enable Developer Mode, right-click the server, Copy Server ID)");
        }

        if (discord.Enabled)
        {
            if (string.IsNullOrWhiteSpace(discord.GuildId))
            {
                add("Discord:GuildId", "required when Discord:Token is set: the id of your program's server (enable Developer Mode, right-click the server, Copy Server ID)");
            }

            if (discord.Token.StartsWith("Bot ", StringComparison.OrdinalIgnoreCase))
            {
                add("Discord:Token", "give the token alone, without the \"Bot \" prefix");
            }
        }

        if (string.IsNullOrWhiteSpace(discord.CategoryName) || discord.CategoryName.Length > 100)
        {
            add("Discord:CategoryName", "required, at most 100 characters: the category group channels are created under");
        }

        CheckUrl(discord.ApiBaseUrl, "Discord:ApiBaseUrl", add);

        var slack = options.Slack;
        var hasBot = !string.IsNullOrWhiteSpace(slack.BotToken);
        var hasApp = !string.IsNullOrWhiteSpace(slack.AppToken);
        if (hasBot && !hasApp)
        {
            add("Slack:AppToken", "required when Slack:BotToken is set: the app-level token (xapp-…) with the connections:write scope, for Socket Mode");
        }

        if (hasApp && !hasBot)
        {
            add("Slack:BotToken", "required when Slack:AppToken is set: the bot token (xoxb-…) from OAuth & Permissions");
        }

        if (hasBot && !slack.BotToken.StartsWith("xoxb-", StringComparison.Ordinal))
        {
            add("Slack:BotToken", "does not look like a bot token: it should start with xoxb-");
        }

        if (hasApp && !slack.AppToken.StartsWith("xapp-", StringComparison.Ordinal))
        {
            add("Slack:AppToken", "does not look like an app-level token: it should start with xapp-");
        }

        CheckUrl(slack.ApiBaseUrl, "Slack:ApiBaseUrl", add);
    }

    private static void CheckUrl(string? url, string path, Action<string, string> add)
    {
        if (!Uri.TryCreate(url, UriKind.Absolute, out var uri) || (uri.Scheme != Uri.UriSchemeHttps && uri.Scheme != Uri.UriSchemeHttp))
        {
            add(path, $"\"{url}\" is not an absolute http(s) URL");
        }
    }

    /// <returns>The people by id, and those whose role could not be read (their role is a stand-in).</returns>
    private static (Dictionary<string, PersonOptions> ById, HashSet<PersonOptions> RoleUnknown) CheckPeople(PeerBotOptions options, Unread lost, Action<string, string> add)
    {
        var byId = new Dictionary<string, PersonOptions>(StringComparer.OrdinalIgnoreCase);
        var roleUnknown = new HashSet<PersonOptions>(ReferenceEqualityComparer.Instance);
        for (var i = 0; i < options.People.Count; i++)
        {
            var person = options.People[i];
            var path = $"People:{i}";
            if (person is null)
            {
                add(path, "empty entry");
                continue;
            }

            var roleKnown = !lost.Covers($"{path}:Role");
            if (!roleKnown)
            {
                roleUnknown.Add(person);
            }

            if (string.IsNullOrWhiteSpace(person.Id))
            {
                add($"{path}:Id", "required: a short id to name the person by in groups, e.g. \"ana\"");
            }
            else if (!PersonId().IsMatch(person.Id))
            {
                add($"{path}:Id", $"\"{person.Id}\" may hold only letters, digits, '.', '_' and '-' (at most 64)");
            }
            else if (!byId.TryAdd(person.Id, person))
            {
                add($"{path}:Id", $"duplicate id \"{person.Id}\": each person needs their own id");
            }

            if (string.IsNullOrWhiteSpace(person.Name))
            {
                add($"{path}:Name", "required: the name facilitators see");
            }

            if (roleKnown && person.Role == PersonRole.Resident && person.Pgy is null)
            {
                add($"{path}:Pgy", "required for a resident: their post-graduate year, 1 to 7");
            }
            else if (person.Pgy is < 1 or > 7)
            {
                add($"{path}:Pgy", $"{person.Pgy} is not a post-graduate year; use 1 to 7");
            }

            if (roleKnown && person.Role != PersonRole.Resident && person.Pgy is not null)
            {
                add($"{path}:Pgy", $"only residents have a post-graduate year; {person.Id} is {person.Role}");
            }

            if (!string.IsNullOrWhiteSpace(person.Discord) && !Snowflake().IsMatch(person.Discord) && !DiscordUsername().IsMatch(person.Discord))
            {
                add($"{path}:Discord", $"\"{person.Discord}\" is neither a Discord user id (17 to 20 digits) nor a username (2 to 32 lowercase letters, digits, '_' or '.')");
            }

            if (!string.IsNullOrWhiteSpace(person.Slack) && !SlackUserId().IsMatch(person.Slack) && !Email().IsMatch(person.Slack))
            {
                add($"{path}:Slack", $"\"{person.Slack}\" is neither a Slack user id (U… or W…) nor an email address");
            }
        }

        return (byId, roleUnknown);
    }

    private static void CheckGroups(PeerBotOptions options, Dictionary<string, PersonOptions> people, HashSet<PersonOptions> roleUnknown, Unread lost, Action<string, string> add)
    {
        // With the list of people unread, who exists and what they do is not known: members are not checked against it.
        var peopleKnown = !lost.Covers("People");
        var names = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
        for (var i = 0; i < options.Groups.Count; i++)
        {
            var group = options.Groups[i];
            var path = $"Groups:{i}";
            if (group is null)
            {
                add(path, "empty entry");
                continue;
            }

            if (string.IsNullOrWhiteSpace(group.Name))
            {
                add($"{path}:Name", "required: the group's name, e.g. \"Tuesday Circle\"");
            }
            else if (group.Name.Length > 80)
            {
                add($"{path}:Name", $"at most 80 characters; this name has {group.Name.Length}");
            }
            else if (!names.Add(group.Name.Trim()))
            {
                add($"{path}:Name", $"another group is already named \"{group.Name}\"");
            }

            var platform = lost.Covers($"{path}:Platform") ? null : CheckGroupPlatform(options, group.Platform, $"{path}:Platform", add);

            if (group.Members.Count is < MinGroupSize or > MaxGroupSize)
            {
                add($"{path}:Members", $"a group has {MinGroupSize} to {MaxGroupSize} members; this one has {group.Members.Count}");
            }

            var seen = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
            for (var j = 0; j < group.Members.Count; j++)
            {
                var id = group.Members[j];
                var memberPath = $"{path}:Members:{j}";
                if (!people.TryGetValue(id ?? "", out var person))
                {
                    if (peopleKnown)
                    {
                        add(memberPath, $"no person with id \"{id}\"");
                    }

                    continue;
                }

                if (!seen.Add(person.Id))
                {
                    add(memberPath, $"{person.Id} is listed twice in this group");
                }

                if (person.Role != PersonRole.Resident && !roleUnknown.Contains(person))
                {
                    add(memberPath, $"{person.Id} is {person.Role}, not a resident; list alumni and psychologists under Facilitators");
                }

                CheckHandle(person, platform, memberPath, add);
            }

            if (group.Facilitators.Count == 0)
            {
                add($"{path}:Facilitators", "every group needs at least one facilitator (an alumni or a psychologist)");
            }

            for (var j = 0; j < group.Facilitators.Count; j++)
            {
                var id = group.Facilitators[j];
                var facilitatorPath = $"{path}:Facilitators:{j}";
                if (!people.TryGetValue(id ?? "", out var person))
                {
                    if (peopleKnown)
                    {
                        add(facilitatorPath, $"no person with id \"{id}\"");
                    }

                    continue;
                }

                if (!seen.Add(person.Id))
                {
                    add(facilitatorPath, $"{person.Id} is already listed in this group");
                }

                if (person.Role is not (PersonRole.Alumni or PersonRole.Psychologist) && !roleUnknown.Contains(person))
                {
                    add(facilitatorPath, $"{person.Id} is {person.Role}; facilitators are Alumni or Psychologist");
                }

                CheckHandle(person, platform, facilitatorPath, add);
            }

            if (group.Schedule is not null)
            {
                CheckCron(group.Schedule, $"{path}:Schedule", add);
            }

            CheckTimeZone(group.TimeZone, $"{path}:TimeZone", add, required: false);
        }
    }

    private static PlatformKind? CheckGroupPlatform(PeerBotOptions options, PlatformKind? requested, string path, Action<string, string> add)
    {
        var resolved = options.ResolvePlatform(requested);
        if (resolved is not null)
        {
            return resolved;
        }

        if (requested is null)
        {
            add(path, "required when both Discord and Slack are configured: Discord or Slack");
        }
        else
        {
            var keys = requested == PlatformKind.Slack ? "Slack:BotToken and Slack:AppToken" : "Discord:Token";
            add(path, $"{requested} is not configured: set {keys}, or choose a configured platform");
        }

        return null;
    }

    private static void CheckHandle(PersonOptions person, PlatformKind? platform, string path, Action<string, string> add)
    {
        if (platform == PlatformKind.Discord && string.IsNullOrWhiteSpace(person.Discord))
        {
            add(path, $"{person.Id} is in a Discord group but has no Discord user id or username (People: Discord)");
        }
        else if (platform == PlatformKind.Slack && string.IsNullOrWhiteSpace(person.Slack))
        {
            add(path, $"{person.Id} is in a Slack group but has no Slack user id or email (People: Slack)");
        }
    }

    private static void CheckFormation(PeerBotOptions options, Dictionary<string, PersonOptions> people, HashSet<PersonOptions> roleUnknown, Unread lost, Action<string, string> add)
    {
        var formation = options.Formation;
        if (formation is null)
        {
            return;
        }

        var platform = lost.Covers("Formation:Platform") ? null : CheckGroupPlatform(options, formation.Platform, "Formation:Platform", add);
        if (formation.GroupSize is < MinGroupSize or > MaxGroupSize)
        {
            add("Formation:GroupSize", $"{formation.GroupSize} is outside {MinGroupSize} to {MaxGroupSize}");
        }

        // Who is left for formation depends on every role and every group's members: when one of them could not be
        // read, the count would be a guess, so it is not judged.
        if (lost.Covers("People") || roleUnknown.Count > 0 || lost.Covers("Groups")
            || Enumerable.Range(0, options.Groups.Count).Any(i => lost.Covers($"Groups:{i}:Members")))
        {
            return;
        }

        var grouped = new HashSet<string>(options.Groups.Where(g => g is not null).SelectMany(g => g.Members), StringComparer.OrdinalIgnoreCase);
        var ungrouped = people.Values.Where(p => p.Role == PersonRole.Resident && !grouped.Contains(p.Id)).ToList();
        if (ungrouped.Count == 0)
        {
            return;
        }

        if (ungrouped.Count < MinGroupSize)
        {
            add("Formation", $"{ungrouped.Count} resident(s) are in no explicit group ({string.Join(", ", ungrouped.Select(p => p.Id))}), too few to form a group of {MinGroupSize}; add them to an explicit group");
        }

        if (!people.Values.Any(p => p.Role == PersonRole.Alumni))
        {
            add("Formation", "formed groups each need an alumni facilitator, and People has no one with Role Alumni");
        }

        for (var i = 0; i < options.People.Count; i++)
        {
            var person = options.People[i];
            if (person is not null && ungrouped.Contains(person) || person?.Role is PersonRole.Alumni or PersonRole.Psychologist)
            {
                CheckHandle(person!, platform, $"People:{i}", add);
            }
        }
    }

    private static void CheckPrompts(PeerBotOptions options, Func<string, bool> fileExists, Action<string, string> add)
    {
        CheckCron(options.Prompts.Schedule, "Prompts:Schedule", add);
        if (!string.IsNullOrWhiteSpace(options.Prompts.LibraryPath) && !fileExists(options.Prompts.LibraryPath))
        {
            add("Prompts:LibraryPath", $"no file at \"{options.Prompts.LibraryPath}\" (relative paths start from {Directory.GetCurrentDirectory()})");
        }
    }

    private static void CheckAnonymity(AnonymityOptions anonymity, Unread lost, Action<string, string> add)
    {
        if (string.IsNullOrWhiteSpace(anonymity.KeyPath))
        {
            add("Anonymity:KeyPath", "required: where the key for anonymous handles is kept");
        }

        if (anonymity.MinDelay < TimeSpan.Zero)
        {
            add("Anonymity:MinDelay", "cannot be negative");
        }

        var bothRead = !lost.Covers("Anonymity:MinDelay") && !lost.Covers("Anonymity:MaxDelay");
        if (bothRead && anonymity.MaxDelay < anonymity.MinDelay)
        {
            add("Anonymity:MaxDelay", $"must not be shorter than MinDelay ({anonymity.MinDelay.ToString("c", CultureInfo.InvariantCulture)})");
        }
        else if (bothRead && anonymity.MaxDelay <= TimeSpan.Zero)
        {
            // With no delay at all, an anonymous post appears the moment its author sends it: whoever sees the group
            // just then (the author typing, then going quiet) can tell who it was.
            add("Anonymity:MaxDelay", "must be longer than zero: a post that appears the moment it is sent can be traced to its author by its timing (the default is 00:03:00)");
        }

        if (anonymity.MaxDelay > TimeSpan.FromDays(1))
        {
            add("Anonymity:MaxDelay", $"at most one day (1.00:00:00); it is {anonymity.MaxDelay.ToString("c", CultureInfo.InvariantCulture)}");
        }

        if (anonymity.ReviewTimeout < TimeSpan.FromHours(1) || anonymity.ReviewTimeout > TimeSpan.FromDays(14))
        {
            add("Anonymity:ReviewTimeout", $"between one hour (01:00:00) and 14 days (14.00:00:00); it is {anonymity.ReviewTimeout.ToString("c", CultureInfo.InvariantCulture)}");
        }

        if (anonymity.MaxPerDay < 1)
        {
            add("Anonymity:MaxPerDay", "at least 1 (set Anonymity:Enabled to false to turn sharing off)");
        }

        if (anonymity.MaxLength is < 1 or > 4000)
        {
            add("Anonymity:MaxLength", "1 to 4000 characters");
        }
    }

    private static void CheckSafety(SafetyOptions safety, Unread lost, Action<string, string> add)
    {
        if (safety.SpiralWindow <= TimeSpan.Zero)
        {
            add("Safety:SpiralWindow", "must be longer than zero, e.g. 00:30:00");
        }

        if (safety.SpiralMinMessages < 2)
        {
            add("Safety:SpiralMinMessages", "at least 2");
        }

        if (safety.SpiralMinPeople < 1)
        {
            add("Safety:SpiralMinPeople", "at least 1");
        }
        else if (safety.SpiralMinPeople > safety.SpiralMinMessages && !lost.Covers("Safety:SpiralMinMessages"))
        {
            add("Safety:SpiralMinPeople", $"cannot exceed SpiralMinMessages ({safety.SpiralMinMessages})");
        }

        if (safety.AlertCooldown < TimeSpan.Zero)
        {
            add("Safety:AlertCooldown", "cannot be negative");
        }

        if (safety.CopingCooldown <= TimeSpan.Zero)
        {
            add("Safety:CopingCooldown", "must be longer than zero, e.g. 7.00:00:00");
        }

        if (string.IsNullOrWhiteSpace(safety.CrisisMessage))
        {
            add("Safety:CrisisMessage", "required: the resources sent privately to someone in crisis");
        }

        if (safety.ExcerptRetention <= TimeSpan.Zero)
        {
            add("Safety:ExcerptRetention", "must be longer than zero, e.g. 30.00:00:00");
        }
    }

    [GeneratedRegex(@"^\d{17,20}$")]
    private static partial Regex Snowflake();

    [GeneratedRegex(@"^[a-z0-9_.]{2,32}$")]
    private static partial Regex DiscordUsername();

    [GeneratedRegex(@"^[UW][A-Z0-9]{2,}$")]
    private static partial Regex SlackUserId();

    [GeneratedRegex(@"^[^@\s]+@[^@\s]+\.[^@\s]+$")]
    private static partial Regex Email();

    [GeneratedRegex(@"^[A-Za-z0-9._-]{1,64}$")]
    private static partial Regex PersonId();
}
