namespace PeerBot.Discord;

/// <summary>
/// Tuning of the Discord adapter beyond the public configuration keys (<c>PeerBot:Discord</c>).
/// The defaults follow Discord's documentation; tests shorten them.
/// </summary>
public sealed class DiscordAdapterOptions
{
    /// <summary>How long an interaction handler may run before the answer is deferred (Discord allows 3 s).</summary>
    public TimeSpan InteractionDeferAfter { get; set; } = TimeSpan.FromSeconds(2);

    /// <summary>The category archived group channels move to; null for "{CategoryName} Archive".</summary>
    public string? ArchiveCategoryName { get; set; }

    /// <summary>Channels one category holds on Discord (50); group and archive channels spill into further categories beyond it.</summary>
    public int CategoryChannelLimit { get; set; } = 50;

    /// <summary>Channels and categories one server holds on Discord (500); PeerBot refuses, with a clear error, to go past it.</summary>
    public int GuildChannelLimit { get; set; } = 500;

    /// <summary>
    /// The pace of opening direct-message channels beyond <see cref="DirectChannelOpenBurst"/>: one per interval. Discord
    /// refuses to open many in a short time (403, code 40003 "You are opening direct messages too fast") without
    /// publishing the figure; opened channels are remembered across restarts, so this paces only the first start with
    /// many people.
    /// </summary>
    public TimeSpan DirectChannelOpenInterval { get; set; } = TimeSpan.FromMilliseconds(100);

    /// <summary>Direct-message channels opened at once before the pace of <see cref="DirectChannelOpenInterval"/> applies.</summary>
    public int DirectChannelOpenBurst { get; set; } = 10;

    /// <summary>The first wait after a 40003 refusal; it doubles with each further refusal up to <see cref="DirectChannelOpenMaxBackoff"/>.</summary>
    public TimeSpan DirectChannelOpenBackoff { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>The longest wait after a 40003 refusal.</summary>
    public TimeSpan DirectChannelOpenMaxBackoff { get; set; } = TimeSpan.FromMinutes(2);

    /// <summary>How often opening one direct-message channel is retried after 40003 refusals before it is reported as rate limited.</summary>
    public int DirectChannelOpenRetries { get; set; } = 6;

    /// <summary>Timeout of one HTTP request.</summary>
    public TimeSpan RequestTimeout { get; set; } = TimeSpan.FromSeconds(15);

    /// <summary>Retries after a 5xx answer or a timeout.</summary>
    public int MaxRetries { get; set; } = 3;

    /// <summary>Base delay of the retry backoff after a 5xx answer or a timeout.</summary>
    public TimeSpan RetryBaseDelay { get; set; } = TimeSpan.FromMilliseconds(500);

    /// <summary>Requests per second allowed by the global limit (Discord: 50 per bot).</summary>
    public int GlobalRequestsPerSecond { get; set; } = 50;

    /// <summary>Added to every learned reset time, so a bucket is never used a moment too early.</summary>
    public TimeSpan RateLimitMargin { get; set; } = TimeSpan.FromMilliseconds(50);

    /// <summary>First delay between gateway connection attempts; it doubles up to <see cref="ReconnectMaxDelay"/>.</summary>
    public TimeSpan ReconnectBaseDelay { get; set; } = TimeSpan.FromSeconds(1);

    /// <summary>Longest delay between gateway connection attempts.</summary>
    public TimeSpan ReconnectMaxDelay { get; set; } = TimeSpan.FromSeconds(60);

    /// <summary>Shortest and longest wait before identifying again after an invalid session (Discord suggests 1 to 5 s).</summary>
    public TimeSpan InvalidSessionMinDelay { get; set; } = TimeSpan.FromSeconds(1);

    /// <summary>Longest wait before identifying again after an invalid session.</summary>
    public TimeSpan InvalidSessionMaxDelay { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>How long to wait for Hello after connecting.</summary>
    public TimeSpan HelloTimeout { get; set; } = TimeSpan.FromSeconds(20);

    /// <summary>The URL in the User-Agent, as Discord's documented form <c>DiscordBot ($url, $version)</c> asks.</summary>
    public string UserAgentUrl { get; set; } = "https://github.com/peerbot/peerbot";

    /// <summary>Sets <see cref="Environment.ExitCode"/> to 1 when a fatal error stops the host.</summary>
    public bool SetExitCodeOnFatal { get; set; } = true;
}
