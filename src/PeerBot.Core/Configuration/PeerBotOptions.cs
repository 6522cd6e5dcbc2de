using PeerBot.Core.Platform;

namespace PeerBot.Core.Configuration;

/// <summary>
/// The whole configuration of PeerBot, bound from the <c>PeerBot</c> section
/// (appsettings.json, <c>--config FILE</c>, environment variables such as <c>PeerBot__Discord__Token</c>).
/// Key names are a public contract: renaming one is a breaking change.
/// </summary>
public sealed class PeerBotOptions
{
    /// <summary>The configuration section the options are bound from.</summary>
    public const string SectionName = "PeerBot";

    /// <summary>Where the database lives.</summary>
    public StorageOptions Storage { get; set; } = new();

    /// <summary>IANA time zone used for schedules of groups that set none.</summary>
    public string TimeZone { get; set; } = "UTC";

    /// <summary>The Discord platform; enabled when its token is set.</summary>
    public DiscordOptions Discord { get; set; } = new();

    /// <summary>The Slack platform; enabled when both its tokens are set.</summary>
    public SlackOptions Slack { get; set; } = new();

    /// <summary>The local browser workspace, used when no platform is configured.</summary>
    public SandboxOptions Sandbox { get; set; } = new();

    /// <summary>Everyone PeerBot knows: residents, alumni, psychologists and coordinators.</summary>
    public List<PersonOptions> People { get; set; } = [];

    /// <summary>Groups named explicitly by a coordinator.</summary>
    public List<GroupOptions> Groups { get; set; } = [];

    /// <summary>Automatic formation of groups for residents in no explicit group; null when off.</summary>
    public FormationOptions? Formation { get; set; }

    /// <summary>The prompt library and the default schedule.</summary>
    public PromptOptions Prompts { get; set; } = new();

    /// <summary>Anonymous sharing.</summary>
    public AnonymityOptions Anonymity { get; set; } = new();

    /// <summary>The safety engine: spirals, alerts and crisis resources.</summary>
    public SafetyOptions Safety { get; set; } = new();

    /// <summary>The weekly digest sent to facilitators and coordinators.</summary>
    public DigestOptions Digest { get; set; } = new();
}

/// <summary>Storage settings.</summary>
public sealed class StorageOptions
{
    /// <summary>Path of the LiteDB database file; its folder is created on first run.</summary>
    public string Path { get; set; } = "data/peerbot.db";
}

/// <summary>Discord settings.</summary>
public sealed class DiscordOptions
{
    /// <summary>The bot token (never logged).</summary>
    public string Token { get; set; } = "";

    /// <summary>The id of the program's server (guild).</summary>
    public string GuildId { get; set; } = "";

    /// <summary>The category under which group channels are created.</summary>
    public string CategoryName { get; set; } = "Peer Support";

    /// <summary>Base URL of the REST API; tests point it at an emulator.</summary>
    public string ApiBaseUrl { get; set; } = "https://discord.com/api/v10";

    /// <summary>True when a token is set.</summary>
    public bool Enabled => !string.IsNullOrWhiteSpace(Token);
}

/// <summary>Slack settings.</summary>
public sealed class SlackOptions
{
    /// <summary>The bot token, <c>xoxb-…</c> (never logged).</summary>
    public string BotToken { get; set; } = "";

    /// <summary>The app-level token for Socket Mode, <c>xapp-…</c> (never logged).</summary>
    public string AppToken { get; set; } = "";

    /// <summary>Base URL of the Web API; tests point it at an emulator.</summary>
    public string ApiBaseUrl { get; set; } = "https://slack.com/api/";

    /// <summary>True when both tokens are set.</summary>
    public bool Enabled => !string.IsNullOrWhiteSpace(BotToken) && !string.IsNullOrWhiteSpace(AppToken);
}

/// <summary>The local browser workspace.</summary>
public sealed class SandboxOptions
{
    /// <summary>Port of the web page on the loopback interface.</summary>
    public int Port { get; set; } = 5080;

    /// <summary>Bind beyond loopback; off by default and only for a trusted network.</summary>
    public bool AllowRemote { get; set; }

    /// <summary>Path of the sandbox's own database file.</summary>
    public string StoragePath { get; set; } = "data/sandbox.db";
}

/// <summary>The role a person plays.</summary>
public enum PersonRole
{
    /// <summary>A resident in training; needs a PGY year.</summary>
    Resident,

    /// <summary>A graduate of the program who facilitates groups.</summary>
    Alumni,

    /// <summary>A mental-health professional who co-facilitates and receives crisis alerts first.</summary>
    Psychologist,

    /// <summary>Runs the program; may act on every group.</summary>
    Coordinator,
}

/// <summary>One person, named on each platform they use.</summary>
public sealed class PersonOptions
{
    /// <summary>A short, unique id used to refer to the person in config (e.g. <c>ana</c>).</summary>
    public string Id { get; set; } = "";

    /// <summary>Display name.</summary>
    public string Name { get; set; } = "";

    /// <summary>Role.</summary>
    public PersonRole Role { get; set; } = PersonRole.Resident;

    /// <summary>Post-graduate year, for residents (1 to 7).</summary>
    public int? Pgy { get; set; }

    /// <summary>Discord user id (snowflake) or username.</summary>
    public string? Discord { get; set; }

    /// <summary>Slack user id or email address.</summary>
    public string? Slack { get; set; }
}

/// <summary>An explicit group.</summary>
public sealed class GroupOptions
{
    /// <summary>
    /// Optional stable id (letters, digits, hyphens). When set, the group keeps its channel whatever its name becomes;
    /// when left out, the id is derived from the name the first time and followed through renames by the store.
    /// </summary>
    public string? Id { get; set; }

    /// <summary>Display name, unique.</summary>
    public string Name { get; set; } = "";

    /// <summary>The platform the group lives on; may be left out when only one is configured.</summary>
    public PlatformKind? Platform { get; set; }

    /// <summary>Member person ids.</summary>
    public List<string> Members { get; set; } = [];

    /// <summary>Facilitator person ids (Alumni or Psychologist).</summary>
    public List<string> Facilitators { get; set; } = [];

    /// <summary>Cron schedule of prompts; defaults to <see cref="PromptOptions.Schedule"/>.</summary>
    public string? Schedule { get; set; }

    /// <summary>IANA time zone of the schedule; defaults to <see cref="PeerBotOptions.TimeZone"/>.</summary>
    public string? TimeZone { get; set; }

    /// <summary>Ground rules posted when the channel opens; defaults to the built-in rules.</summary>
    public string? GroundRules { get; set; }
}

/// <summary>Automatic formation of groups.</summary>
public sealed class FormationOptions
{
    /// <summary>The platform formed groups live on.</summary>
    public PlatformKind? Platform { get; set; }

    /// <summary>Target group size, 3 to 8.</summary>
    public int GroupSize { get; set; } = 5;

    /// <summary>Ground rules posted when a formed group's channel opens (one per line); defaults to the built-in rules.</summary>
    public string? GroundRules { get; set; }
}

/// <summary>Weekly digest settings.</summary>
public sealed class DigestOptions
{
    /// <summary>Whether digests are sent on the schedule (<c>/peer digest</c> and the <c>digest</c> verb work either way).</summary>
    public bool Enabled { get; set; } = true;

    /// <summary>Cron schedule (five fields) in the program's <see cref="PeerBotOptions.TimeZone"/>; Monday 08:00 by default.</summary>
    public string Schedule { get; set; } = "0 8 * * MON";
}

/// <summary>Prompt settings.</summary>
public sealed class PromptOptions
{
    /// <summary>Default cron schedule (five fields), e.g. <c>0 19 * * TUE</c>.</summary>
    public string Schedule { get; set; } = "0 19 * * TUE";

    /// <summary>A JSON prompt library replacing or extending the built-in one; null for built-in only.</summary>
    public string? LibraryPath { get; set; }

    /// <summary>Cron schedule of reset check-ins for every group; null for none (facilitators can still post one).</summary>
    public string? CheckInSchedule { get; set; }

    /// <summary>How long a check-in stays open before its tally is shared.</summary>
    public TimeSpan CheckInWindow { get; set; } = TimeSpan.FromDays(2);
}

/// <summary>Anonymous sharing settings.</summary>
public sealed class AnonymityOptions
{
    /// <summary>Whether members may share anonymously.</summary>
    public bool Enabled { get; set; } = true;

    /// <summary>
    /// The HMAC key file for author handles, created owner-only on first run. Its default folder is apart from the
    /// database's, so a copy of the database folder does not carry the key.
    /// </summary>
    public string KeyPath { get; set; } = "keys/anonymity.key";

    /// <summary>Shortest random delay before a post appears.</summary>
    public TimeSpan MinDelay { get; set; } = TimeSpan.FromSeconds(20);

    /// <summary>Longest random delay before a post appears.</summary>
    public TimeSpan MaxDelay { get; set; } = TimeSpan.FromMinutes(3);

    /// <summary>Most anonymous posts one author may make in a day.</summary>
    public int MaxPerDay { get; set; } = 5;

    /// <summary>When true, facilitators approve each post before it appears.</summary>
    public bool Review { get; set; }

    /// <summary>
    /// With <see cref="Review"/>: how long a post waits for a facilitator's decision once they were asked; after it, the
    /// post is not posted, its words are erased and its author is told.
    /// </summary>
    public TimeSpan ReviewTimeout { get; set; } = TimeSpan.FromHours(48);

    /// <summary>Longest anonymous post, in characters.</summary>
    public int MaxLength { get; set; } = 1800;
}

/// <summary>Safety engine settings.</summary>
public sealed class SafetyOptions
{
    /// <summary>
    /// Which classifier decides: <see cref="SafetyEngine.Semantic"/> (the lexicon and the trained heads over sentence
    /// embeddings, the default) or <see cref="SafetyEngine.Lexicon"/> alone (no model loaded; misses most crisis talk not
    /// in its phrase list, see docs/SAFETY.md).
    /// </summary>
    public SafetyEngine Engine { get; set; } = SafetyEngine.Semantic;

    /// <summary>The window in which fatalistic messages count towards a spiral.</summary>
    public TimeSpan SpiralWindow { get; set; } = TimeSpan.FromMinutes(30);

    /// <summary>Fatalistic messages needed in the window.</summary>
    public int SpiralMinMessages { get; set; } = 3;

    /// <summary>Distinct people needed among them.</summary>
    public int SpiralMinPeople { get; set; } = 2;

    /// <summary>After an alert, how long before the same group may alert again.</summary>
    public TimeSpan AlertCooldown { get; set; } = TimeSpan.FromHours(2);

    /// <summary>
    /// After a coping note about a person in a group, how long before another note about the same person in that group
    /// may be sent (one quiet note is enough to prompt a check-in; more would only crowd the psychologist's messages).
    /// </summary>
    public TimeSpan CopingCooldown { get; set; } = TimeSpan.FromDays(7);

    /// <summary>The private reply sent to the author of a crisis message.</summary>
    public string CrisisMessage { get; set; } =
        "It sounds like you are carrying something really heavy right now, and you don't have to carry it alone. "
        + "If you are in the US, you can call or text 988 (Suicide & Crisis Lifeline) any time, or text HOME to 741741. "
        + "If you might act on thoughts of harming yourself, call 911 or go to the nearest emergency department. "
        + "Your program's confidential resident wellness line is there for you too.";

    /// <summary>
    /// Where to find help beyond the group, in the welcome each member gets. It is read by everyone who joins, so it is
    /// calm and plain rather than the crisis reply; empty leaves the line out.
    /// </summary>
    public string SupportMessage { get; set; } =
        "If you ever want to talk with someone outside the group, your program's confidential resident wellness line is there for you, "
        + "and in the US you can call or text 988 any time.";

    /// <summary>How long flag excerpts are kept before they are purged.</summary>
    public TimeSpan ExcerptRetention { get; set; } = TimeSpan.FromDays(30);

    /// <summary>
    /// Fatalism score (0..1) at or above which a message counts as fatalistic. Raise it for fewer,
    /// surer flags; lower it to catch milder resignation.
    /// </summary>
    public double FatalismThreshold { get; set; } = 0.5;
}

/// <summary>The safety engine's classifier.</summary>
public enum SafetyEngine
{
    /// <summary>Lexicon and trained heads over MiniLM sentence embeddings.</summary>
    Semantic,

    /// <summary>The phrase lexicon alone.</summary>
    Lexicon,
}
