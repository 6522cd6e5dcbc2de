namespace PeerBot.Slack;

/// <summary>
/// Tuning of the Slack adapter. The tokens and the API base URL live in
/// <see cref="PeerBot.Core.Configuration.SlackOptions"/>; these only shape timing and limits.
/// </summary>
public sealed class SlackAdapterOptions
{
    /// <summary>How long a slash command or form submission may take before the envelope is acknowledged
    /// without a response payload and the reply is sent afterwards (Slack allows 3 s in all).</summary>
    public TimeSpan AckTimeout { get; set; } = TimeSpan.FromSeconds(2);

    /// <summary>How long to wait for <c>hello</c> on a new socket.</summary>
    public TimeSpan HelloTimeout { get; set; } = TimeSpan.FromSeconds(15);

    /// <summary>WebSocket ping interval; dead connections are detected by unanswered pings.</summary>
    public TimeSpan KeepAliveInterval { get; set; } = TimeSpan.FromSeconds(20);

    /// <summary>How long an unanswered ping is tolerated before the socket is aborted.</summary>
    public TimeSpan KeepAliveTimeout { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>A connection that receives no frame for this long is replaced (make-before-break).</summary>
    public TimeSpan IdleTimeout { get; set; } = TimeSpan.FromMinutes(30);

    /// <summary>First delay after a failed connection attempt; doubled per consecutive failure, with jitter.</summary>
    public TimeSpan ReconnectBaseDelay { get; set; } = TimeSpan.FromSeconds(1);

    /// <summary>Longest delay between connection attempts.</summary>
    public TimeSpan ReconnectMaxDelay { get; set; } = TimeSpan.FromMinutes(2);

    /// <summary>Retries of a Web API call after a 5xx or a network failure.</summary>
    public int MaxServerErrorRetries { get; set; } = 4;

    /// <summary>Retries of a Web API call after a 429.</summary>
    public int MaxRateLimitRetries { get; set; } = 10;

    /// <summary>First delay before retrying a Web API call after a 5xx; doubled per retry, with jitter.</summary>
    public TimeSpan RetryBaseDelay { get; set; } = TimeSpan.FromSeconds(1);

    /// <summary>Delay used when a 429 carries no <c>Retry-After</c>.</summary>
    public TimeSpan DefaultRetryAfter { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>Timeout of one Web API request.</summary>
    public TimeSpan RequestTimeout { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>Calls per minute allowed per method, by Slack's rate-limit tier (1 to 4), before the adapter waits
    /// on its own. Slack documents tier 1 as "1+ per minute" with bursts tolerated.</summary>
    public Dictionary<int, int> CallsPerMinuteByTier { get; set; } = new()
    {
        [1] = 5,
        [2] = 20,
        [3] = 50,
        [4] = 100,
    };

    /// <summary>Messages per minute per channel for <c>chat.postMessage</c> (Slack: about one per second, short bursts allowed).</summary>
    public int PostMessagesPerMinutePerChannel { get; set; } = 60;

    /// <summary>
    /// Messages per minute across the workspace for <c>chat.postMessage</c> (Slack: "several hundred"; a burst of welcome
    /// DMs to many people would otherwise draw 429s one DM after another).
    /// </summary>
    public int PostMessagesPerMinutePerWorkspace { get; set; } = 250;
}
