using System.Text.Json.Nodes;

namespace PeerBot.Testing.Discord;

/// <summary>Settings of a <see cref="DiscordEmulator"/>.</summary>
public sealed class DiscordEmulatorOptions
{
    /// <summary>The token the emulator accepts.</summary>
    public string Token { get; set; } = "emulator.bot.token";

    /// <summary>The heartbeat interval sent in Hello.</summary>
    public int HeartbeatIntervalMs { get; set; } = 41250;

    /// <summary>Requests per second before a global 429 (interaction callbacks exempt); 0 for none.</summary>
    public int GlobalRequestsPerSecond { get; set; } = 50;

    /// <summary>The default per-route limit and window.</summary>
    public int DefaultRouteLimit { get; set; } = 50;

    /// <summary>The default per-route window, in seconds.</summary>
    public double DefaultResetAfterSeconds { get; set; } = 1.0;

    /// <summary>How long Discord accepts the first answer to an interaction.</summary>
    public TimeSpan InteractionDeadline { get; set; } = TimeSpan.FromSeconds(3);

    /// <summary>Channels one category may hold (Discord: 50; beyond it a create or move answers 400, code 50035, CHANNEL_PARENT_MAX_CHANNELS).</summary>
    public int CategoryChannelLimit { get; set; } = 50;

    /// <summary>Channels (categories included) one server may hold (Discord: 500; beyond it a create answers 400, code 30013).</summary>
    public int GuildChannelLimit { get; set; } = 500;

    /// <summary>
    /// Direct-message channels the bot may open (<c>POST /users/@me/channels</c>) in <see cref="DirectChannelOpenWindow"/>;
    /// beyond it Discord answers 403, code 40003 "You are opening direct messages too fast". Discord publishes no figure;
    /// the default refuses 1,000 openings in a minute, as reported (about 167 in 10 s), and allows PeerBot's pace (10 at
    /// once, then 10 a second). 0 for no limit. Counted on the host's clock when one is set.
    /// </summary>
    public int DirectChannelOpenLimit { get; set; } = 150;

    /// <summary>The window of <see cref="DirectChannelOpenLimit"/>.</summary>
    public TimeSpan DirectChannelOpenWindow { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>How long an interaction's token is accepted on the webhook routes (Discord: 15 minutes; then 401, code 50027).</summary>
    public TimeSpan InteractionTokenLifetime { get; set; } = TimeSpan.FromMinutes(15);

    /// <summary>
    /// The largest file a message may carry (Discord: 10 MiB for a bot, more in a boosted server; beyond it 413, code
    /// 40005 "Request entity too large").
    /// </summary>
    public long MaxUploadBytes { get; set; } = 10 * 1024 * 1024;

    /// <summary>The intents Identify must ask for: GUILDS, GUILD_MESSAGES, DIRECT_MESSAGES, MESSAGE_CONTENT (no privileged GUILD_MEMBERS).</summary>
    public int ExpectedIntents { get; set; } = 37377;
}

/// <summary>A channel in the emulated server (or a DM).</summary>
public sealed class EmulatedChannel
{
    public required string Id { get; init; }

    public required int Type { get; init; }

    public string Name { get; set; } = "";

    public string? ParentId { get; set; }

    public string? Topic { get; set; }

    public string? RecipientId { get; init; }

    public List<EmulatedOverwrite> Overwrites { get; } = [];

    public List<EmulatedMessage> Messages { get; } = [];
}

/// <summary>A permission overwrite as stored (strings, as Discord returns them).</summary>
public sealed record EmulatedOverwrite(string Id, int Type, long Allow, long Deny);

/// <summary>A message in a channel.</summary>
public sealed class EmulatedMessage
{
    public required string Id { get; init; }

    public required string ChannelId { get; init; }

    public required string AuthorId { get; init; }

    public string Content { get; set; } = "";

    public int Flags { get; set; }

    public JsonNode? Components { get; set; }

    public JsonNode? AllowedMentions { get; set; }

    public string? Nonce { get; init; }

    /// <summary>When the message was created, on the clock the nonce window is measured with.</summary>
    public DateTimeOffset CreatedAt { get; init; }

    public bool Deleted { get; set; }

    /// <summary>Files sent with the message.</summary>
    public IReadOnlyList<EmulatedAttachment> Attachments { get; init; } = [];
}

/// <summary>A file attached to a message: its name, its description (alt text), its media type and its bytes.</summary>
public sealed record EmulatedAttachment(string Id, string FileName, string? Description, string ContentType, byte[] Bytes);

/// <summary>A request the emulator received.</summary>
public sealed record RecordedRequest(string Method, string Path, string Route, JsonNode? Body, DateTimeOffset At, int Status)
{
    /// <summary>When it arrived on the host's clock (<see cref="DiscordEmulator.HostClock"/>), if one is set.</summary>
    public DateTimeOffset? HostAt { get; init; }

    /// <summary>The <c>retry_after</c> (seconds) a 429 answer carried.</summary>
    public double? RetryAfter { get; init; }

    /// <summary>True when a 429 answer was for the global limit.</summary>
    public bool Global { get; init; }

    /// <summary>True when the request carried an Authorization header.</summary>
    public bool Authorized { get; init; }
}

/// <summary>An interaction the emulator sent, and how the bot answered it.</summary>
public sealed class EmulatedInteraction
{
    private readonly TaskCompletionSource<InteractionAnswer> _first = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly TaskCompletionSource<JsonNode> _final = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public required string Id { get; init; }

    public required string Token { get; init; }

    public required int Type { get; init; }

    public required DateTimeOffset SentAt { get; init; }

    public string? MessageId { get; init; }

    public string? MessageChannelId { get; init; }

    /// <summary>The first answer (callback).</summary>
    public Task<InteractionAnswer> FirstAnswer => _first.Task;

    /// <summary>The content the person finally sees: the callback's message, or the edit of @original after a deferral.</summary>
    public Task<JsonNode> FinalMessage => _final.Task;

    public List<JsonNode> Followups { get; } = [];

    /// <summary>Set by <see cref="DiscordEmulator.ExpireInteractionToken"/>: the token is refused as if 15 minutes had passed.</summary>
    public bool TokenExpired { get; internal set; }

    internal InteractionAnswer? Answer { get; private set; }

    internal void SetAnswer(InteractionAnswer answer)
    {
        Answer = answer;
        _first.TrySetResult(answer);
        if (answer.CallbackType is 4 or 7 or 9 && answer.Data is not null)
        {
            _final.TrySetResult(answer.Data);
        }
    }

    internal void SetFinal(JsonNode message) => _final.TrySetResult(message);
}

/// <summary>An interaction callback: its type, data and how long after the interaction it came.</summary>
public sealed record InteractionAnswer(int CallbackType, JsonNode? Data, TimeSpan Delay)
{
    public bool IsEphemeral => Data?["flags"] is JsonValue f && (f.GetValue<int>() & 64) != 0;
}

/// <summary>A per-route rate limit the emulator enforces.</summary>
public sealed record RouteLimit(int Limit, double ResetAfterSeconds, string Bucket);

/// <summary>The requests of one rate-limit window of one bucket.</summary>
public sealed record LimitWindow(string Bucket, DateTimeOffset Start, int Requests);
