using PeerBot.Core;
using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.Extensions.Logging;
using PeerBot.Core.Platform;
using PeerBot.Discord.Rest;

namespace PeerBot.Discord.Gateway;

/// <summary>What <c>GET /gateway/bot</c> says.</summary>
public sealed record GatewayBotInfo(string Url, int SessionStartTotal, int SessionStartRemaining, TimeSpan SessionStartResetAfter, int MaxConcurrency);

/// <summary>Receives gateway dispatches (op 0) in order; must return quickly.</summary>
public interface IGatewayDispatchHandler
{
    /// <summary>One dispatch: its event name (<c>t</c>) and data (<c>d</c>).</summary>
    Task OnDispatchAsync(string eventName, JsonElement data, CancellationToken cancellationToken);
}

/// <summary>A gateway failure that reconnecting cannot fix; the message says what to change.</summary>
public sealed class DiscordFatalException : Exception
{
    public DiscordFatalException() { }

    public DiscordFatalException(string message) : base(message) { }

    public DiscordFatalException(string message, Exception innerException) : base(message, innerException) { }

    public DiscordFatalException(string message, int closeCode) : base(message) => CloseCode = closeCode;

    /// <summary>The gateway close code, when one caused this.</summary>
    public int? CloseCode { get; }
}

/// <summary>
/// The gateway protocol state machine (API v10, JSON): Hello, Identify or Resume, heartbeats with the initial
/// jitter, zombie detection, op 7/9 handling, close-code classification and backoff between attempts.
/// The socket is an <see cref="IGatewayTransport"/> so the machine can be driven by a scripted fake.
/// </summary>
public sealed class GatewayClient
{
    /// <summary>GUILDS | GUILD_MESSAGES | DIRECT_MESSAGES | MESSAGE_CONTENT.</summary>
    public const int Intents = (1 << 0) | (1 << 9) | (1 << 12) | (1 << 15);

    /// <summary>The close code sent when the connection is replaced but the session should be resumed.</summary>
    public const int ResumableCloseCode = 4900;

    /// <summary>The close code sent for a zombie connection (no heartbeat ACK), as discord.js does.</summary>
    public const int ZombieCloseCode = 4200;

    private static readonly TimeSpan IdentifySpacing = TimeSpan.FromSeconds(5);

    private readonly Func<CancellationToken, Task<GatewayBotInfo>> _getGatewayBot;
    private readonly string _token;
    private readonly IGatewayTransportFactory _transports;
    private readonly IGatewayDispatchHandler _handler;
    private readonly DiscordAdapterOptions _options;
    private readonly TimeProvider _time;
    private readonly Random _random;
    private readonly ILogger _logger;
    private readonly object _gate = new();
    private string? _gatewayUrl;
    private DateTimeOffset _lastIdentify = DateTimeOffset.MinValue;
    private long? _sequence;

    public GatewayClient(
        Func<CancellationToken, Task<GatewayBotInfo>> getGatewayBot,
        string token,
        IGatewayTransportFactory transports,
        IGatewayDispatchHandler handler,
        DiscordAdapterOptions options,
        TimeProvider time,
        Random random,
        ILogger<GatewayClient> logger)
    {
        _getGatewayBot = getGatewayBot;
        _token = token;
        _transports = transports;
        _handler = handler;
        _options = options;
        _time = time;
        _random = random;
        _logger = logger;
    }

    /// <summary>The current session, or null before READY and after an invalid session.</summary>
    public string? SessionId { get; private set; }

    /// <summary>Where to resume the session.</summary>
    public string? ResumeGatewayUrl { get; private set; }

    /// <summary>The last sequence number received.</summary>
    public long? Sequence
    {
        get
        {
            lock (_gate)
            {
                return _sequence;
            }
        }
    }

    /// <summary>The bot's user id, from READY.</summary>
    public string? BotUserId { get; private set; }

    /// <summary>The application id, from READY.</summary>
    public string? ApplicationId { get; private set; }

    /// <summary>How many Identify payloads were sent.</summary>
    public int IdentifyCount { get; private set; }

    /// <summary>How many Resume payloads were sent.</summary>
    public int ResumeCount { get; private set; }

    /// <summary>How many zombie connections were detected.</summary>
    public int ZombieCount { get; private set; }

    /// <summary>Connects and stays connected until cancelled; throws <see cref="DiscordFatalException"/> when it must stop.</summary>
    public async Task RunAsync(CancellationToken cancellationToken)
    {
        var attempts = 0;
        while (!cancellationToken.IsCancellationRequested)
        {
            var resume = SessionId is not null && ResumeGatewayUrl is not null;
            Outcome outcome;
            var established = false;
            try
            {
                string url;
                if (resume)
                {
                    url = ResumeGatewayUrl!;
                }
                else
                {
                    url = await PrepareIdentifyAsync(cancellationToken).ConfigureAwait(false);
                }

                var uri = GatewayUri(url) ?? throw new UriFormatException("not a ws or wss address");
                var transport = _transports.Create();
                await using (transport.ConfigureAwait(false))
                {
                    await transport.ConnectAsync(uri, cancellationToken).ConfigureAwait(false);
                    try
                    {
                        (outcome, established) = await RunConnectionAsync(transport, resume, cancellationToken).ConfigureAwait(false);
                    }
                    catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
                    {
                        // A planned stop ends the session, so Discord shows the bot offline at once.
                        await transport.CloseAsync(1000, "PeerBot stopping", CancellationToken.None).ConfigureAwait(false);
                        throw;
                    }
                }
            }
            catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
            {
                return;
            }
            catch (PlatformException ex) when (ex.Kind == PlatformErrorKind.Unauthorized)
            {
                throw new DiscordFatalException(
                    "Discord rejected the bot token. Set PeerBot:Discord:Token to the current token from the Developer Portal "
                    + "(your application > Bot > Reset Token) and restart.", ex);
            }
            catch (UriFormatException ex)
            {
                // Only a new session brings a new address; retrying the same one would never connect.
                _logger.LogWarning("Discord gave a gateway address PeerBot cannot connect to ({Error}); identifying again", ex.Message);
                outcome = Outcome.NewSession;
            }
            catch (Exception ex) when (ex is System.Net.WebSockets.WebSocketException or HttpRequestException or IOException or PlatformException)
            {
                _logger.LogWarning("Discord gateway connection failed: {Error}", ex.Message);
                outcome = resume ? Outcome.Resume : Outcome.NewSession;
            }

            if (outcome.Fatal is { } fatal)
            {
                throw fatal;
            }

            if (cancellationToken.IsCancellationRequested)
            {
                return;
            }

            attempts = established ? 0 : attempts + 1;
            TimeSpan delay;
            if (outcome.Kind == OutcomeKind.InvalidSession)
            {
                ClearSession();
                var span = _options.InvalidSessionMaxDelay - _options.InvalidSessionMinDelay;
                delay = _options.InvalidSessionMinDelay + span * _random.NextDouble();
            }
            else
            {
                if (outcome.Kind == OutcomeKind.NewSession)
                {
                    ClearSession();
                }

                delay = attempts == 0
                    ? _options.ReconnectBaseDelay * _random.NextDouble()
                    : Min(_options.ReconnectBaseDelay * Math.Pow(2, attempts - 1), _options.ReconnectMaxDelay) * (0.5 + _random.NextDouble() / 2);
            }

            _logger.LogInformation("Discord gateway reconnecting in {Delay} ({Mode})", delay, SessionId is null ? "identify" : "resume");
            try
            {
                await Task.Delay(delay, _time, cancellationToken).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                return;
            }
        }
    }

    private async Task<string> PrepareIdentifyAsync(CancellationToken cancellationToken)
    {
        var info = await _getGatewayBot(cancellationToken).ConfigureAwait(false);
        _gatewayUrl = info.Url;
        if (info.SessionStartRemaining <= 0)
        {
            // Going over the daily identify limit resets the bot's token, so wait for the window instead.
            _logger.LogWarning("Discord session start limit reached ({Total} a day); waiting {Delay} before identifying", info.SessionStartTotal, info.SessionStartResetAfter);
            await Task.Delay(info.SessionStartResetAfter, _time, cancellationToken).ConfigureAwait(false);
        }

        var spacing = IdentifySpacing / Math.Max(1, info.MaxConcurrency);
        var wait = ClockWaits.WholeMilliseconds(_lastIdentify + spacing - _time.GetUtcNow());
        if (wait > TimeSpan.Zero)
        {
            await Task.Delay(wait, _time, cancellationToken).ConfigureAwait(false);
        }

        return _gatewayUrl;
    }

    private async Task<(Outcome Outcome, bool Established)> RunConnectionAsync(IGatewayTransport transport, bool resume, CancellationToken cancellationToken)
    {
        using var connection = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        var state = new ConnectionState();
        Task heartbeat = Task.CompletedTask;
        try
        {
            using var helloTimer = new CancellationTokenSource(_options.HelloTimeout, _time);
            using var helloTimeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, helloTimer.Token);
            GatewayFrame first;
            try
            {
                first = await transport.ReceiveAsync(helloTimeout.Token).ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
            {
                _logger.LogWarning("Discord gateway sent no Hello within {Timeout}", _options.HelloTimeout);
                return (resume ? Outcome.Resume : Outcome.NewSession, false);
            }

            if (first.IsClosed)
            {
                return (Classify(first.CloseCode, first.CloseReason, resume), false);
            }

            if (ReadHeartbeatInterval(first.Text!) is not { } interval)
            {
                _logger.LogWarning("Discord gateway did not start with a valid Hello; reconnecting");
                return (resume ? Outcome.Resume : Outcome.NewSession, false);
            }

            state.Interval = interval;

            heartbeat = HeartbeatLoopAsync(transport, state, connection);
            if (resume)
            {
                ResumeCount++;
                await SendAsync(transport, new JsonObject
                {
                    ["op"] = 6,
                    ["d"] = new JsonObject { ["token"] = _token, ["session_id"] = SessionId, ["seq"] = Sequence },
                }, connection.Token).ConfigureAwait(false);
            }
            else
            {
                IdentifyCount++;
                _lastIdentify = _time.GetUtcNow();
                await SendAsync(transport, new JsonObject
                {
                    ["op"] = 2,
                    ["d"] = new JsonObject
                    {
                        ["token"] = _token,
                        ["intents"] = Intents,
                        ["properties"] = new JsonObject { ["os"] = "linux", ["browser"] = "peerbot", ["device"] = "peerbot" },
                    },
                }, connection.Token).ConfigureAwait(false);
            }

            while (true)
            {
                GatewayFrame frame;
                try
                {
                    frame = await transport.ReceiveAsync(connection.Token).ConfigureAwait(false);
                }
                catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
                {
                    return (Outcome.Resume, state.Established);
                }

                if (frame.IsClosed)
                {
                    if (state.Zombie)
                    {
                        return (Outcome.Resume, state.Established);
                    }

                    return (Classify(frame.CloseCode, frame.CloseReason, true), state.Established);
                }

                var next = await HandleFrameAsync(transport, frame.Text!, state, connection.Token).ConfigureAwait(false);
                if (next is not null)
                {
                    await transport.CloseAsync(ResumableCloseCode, "reconnecting", CancellationToken.None).ConfigureAwait(false);
                    return (next, state.Established);
                }
            }
        }
        finally
        {
            await connection.CancelAsync().ConfigureAwait(false);
            try
            {
                await heartbeat.ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                // The heartbeat stops with its connection.
            }
            catch (Exception ex) when (ex is System.Net.WebSockets.WebSocketException or IOException or ObjectDisposedException)
            {
                // The socket failed under the heartbeat; the receive side already decided what happens next.
                _logger.LogDebug("Discord heartbeat ended: {Error}", ex.Message);
            }
        }
    }

    private async Task<Outcome?> HandleFrameAsync(IGatewayTransport transport, string text, ConnectionState state, CancellationToken cancellationToken)
    {
        JsonDocument doc;
        try
        {
            doc = JsonDocument.Parse(text);
        }
        catch (JsonException ex)
        {
            _logger.LogWarning("Discord gateway sent a payload that is not JSON ({Error}); ignored", ex.Message);
            return null;
        }
        catch (ArgumentException ex)
        {
            // Text holding half a character (a lone surrogate) cannot be read as JSON: drop the payload, not the client.
            _logger.LogWarning("Discord gateway sent a payload that is not valid text ({Error}); ignored", ex.Message);
            return null;
        }

        using (doc)
        {
            try
            {
                return await HandlePayloadAsync(transport, doc.RootElement, state, cancellationToken).ConfigureAwait(false);
            }
            catch (Exception ex) when (ex is InvalidOperationException or KeyNotFoundException or FormatException)
            {
                _logger.LogWarning("Discord gateway sent a payload of an unexpected shape ({Error}); ignored", ex.Message);
                return null;
            }
        }
    }

    private async Task<Outcome?> HandlePayloadAsync(IGatewayTransport transport, JsonElement root, ConnectionState state, CancellationToken cancellationToken)
    {
        var op = root.TryGetProperty("op", out var o) && o.TryGetInt32(out var v) ? v : -1;
        switch (op)
        {
            case 0:
                if (root.TryGetProperty("s", out var s) && s.ValueKind == JsonValueKind.Number)
                {
                    lock (_gate)
                    {
                        _sequence = s.GetInt64();
                    }
                }

                var name = root.TryGetProperty("t", out var t) ? t.GetString() ?? "" : "";
                var data = root.TryGetProperty("d", out var d) ? d.Clone() : default;
                if (name == "READY")
                {
                    if (ReadReady(data) is not { } ready)
                    {
                        // A session that cannot be resumed is no session: start a new one rather than run on without it
                        // (the next drop would try to resume nothing). The invalid-session pause keeps this from looping hot.
                        _logger.LogWarning("Discord sent a READY without a usable session id or resume url; identifying again with a new session");
                        return Outcome.InvalidSession;
                    }

                    SessionId = ready.SessionId;
                    ResumeGatewayUrl = ready.ResumeUrl;
                    BotUserId = ready.BotUserId;
                    ApplicationId = ready.ApplicationId;
                    state.Established = true;
                    _logger.LogInformation("Discord gateway ready");
                }
                else if (name == "RESUMED")
                {
                    state.Established = true;
                    _logger.LogInformation("Discord gateway session resumed");
                }

                try
                {
                    await _handler.OnDispatchAsync(name, data, cancellationToken).ConfigureAwait(false);
                }
                catch (Exception ex) when (ex is not OperationCanceledException)
                {
                    _logger.LogError(ex, "Handling Discord {Event} failed", name);
                }

                return null;
            case 1:
                await SendHeartbeatAsync(transport, cancellationToken).ConfigureAwait(false);
                return null;
            case 7:
                _logger.LogInformation("Discord asked the bot to reconnect");
                return Outcome.Resume;
            case 9:
                var resumable = root.TryGetProperty("d", out var rd) && rd.ValueKind == JsonValueKind.True;
                _logger.LogWarning("Discord invalidated the session ({Mode})", resumable ? "resumable" : "identify again");
                return resumable ? Outcome.Resume : Outcome.InvalidSession;
            case 11:
                state.Acked = true;
                return null;
            default:
                _logger.LogDebug("Discord gateway op {Op} ignored", op);
                return null;
        }
    }

    /// <summary>
    /// What READY must carry for the session to be resumed: a session id and a resume url that makes a gateway address
    /// (a missing url falls back to the one from <c>GET /gateway/bot</c>). Null when either is missing or unusable.
    /// </summary>
    private ReadyInfo? ReadReady(JsonElement data)
    {
        if (data.ValueKind != JsonValueKind.Object || StringOf(data, "session_id") is not { } sessionId || string.IsNullOrWhiteSpace(sessionId))
        {
            return null;
        }

        string? resumeUrl;
        if (!data.TryGetProperty("resume_gateway_url", out var r) || r.ValueKind == JsonValueKind.Null)
        {
            resumeUrl = _gatewayUrl;
        }
        else
        {
            resumeUrl = StringOf(data, "resume_gateway_url");
        }

        if (resumeUrl is null || GatewayUri(resumeUrl) is null)
        {
            return null;
        }

        return new ReadyInfo(sessionId, resumeUrl, IdOf(data, "user"), IdOf(data, "application"));

        static string? IdOf(JsonElement data, string name) =>
            data.TryGetProperty(name, out var owner) && owner.ValueKind == JsonValueKind.Object ? StringOf(owner, "id") : null;
    }

    private static string? StringOf(JsonElement element, string name)
    {
        if (!element.TryGetProperty(name, out var value) || value.ValueKind != JsonValueKind.String)
        {
            return null;
        }

        try
        {
            return value.GetString();
        }
        catch (InvalidOperationException)
        {
            // An escaped lone surrogate: not text.
            return null;
        }
    }

    /// <summary>The address to connect to for a gateway url, or null when the url cannot make one.</summary>
    private static Uri? GatewayUri(string url) =>
        Uri.TryCreate(url.TrimEnd('/') + "/?v=10&encoding=json", UriKind.Absolute, out var uri) && (uri.Scheme == "wss" || uri.Scheme == "ws") ? uri : null;

    private static TimeSpan? ReadHeartbeatInterval(string text)
    {
        try
        {
            using var hello = JsonDocument.Parse(text);
            var root = hello.RootElement;
            if (root.TryGetProperty("op", out var op) && op.TryGetInt32(out var code) && code == 10
                && root.TryGetProperty("d", out var d) && d.TryGetProperty("heartbeat_interval", out var i) && i.TryGetDouble(out var ms) && ms > 0)
            {
                return TimeSpan.FromMilliseconds(ms);
            }
        }
        catch (JsonException)
        {
            // Not JSON: treated as no Hello.
        }

        return null;
    }

    private async Task HeartbeatLoopAsync(IGatewayTransport transport, ConnectionState state, CancellationTokenSource connection)
    {
        var token = connection.Token;
        var delay = state.Interval * _random.NextDouble();
        state.Acked = true;
        while (!token.IsCancellationRequested)
        {
            await Task.Delay(delay, _time, token).ConfigureAwait(false);
            delay = state.Interval;
            if (!state.Acked)
            {
                ZombieCount++;
                state.Zombie = true;
                _logger.LogWarning("Discord gateway missed a heartbeat ACK; replacing the zombie connection");
                await transport.CloseAsync(ZombieCloseCode, "Zombie connection", CancellationToken.None).ConfigureAwait(false);
                await connection.CancelAsync().ConfigureAwait(false);
                return;
            }

            state.Acked = false;
            await SendHeartbeatAsync(transport, token).ConfigureAwait(false);
        }
    }

    private Task SendHeartbeatAsync(IGatewayTransport transport, CancellationToken cancellationToken) =>
        SendAsync(transport, new JsonObject { ["op"] = 1, ["d"] = Sequence }, cancellationToken);

    private static Task SendAsync(IGatewayTransport transport, JsonObject payload, CancellationToken cancellationToken) =>
        transport.SendAsync(payload.ToJsonString(), cancellationToken);

    private Outcome Classify(int? code, string? reason, bool resumable)
    {
        _logger.LogInformation("Discord gateway closed with {Code} {Reason}", code?.ToString(CultureInfo.InvariantCulture) ?? "no code", reason);
        return code switch
        {
            4004 => Outcome.Stop(new DiscordFatalException(
                "Discord rejected the bot token (gateway close 4004, authentication failed). Set PeerBot:Discord:Token to the current token "
                + "from the Developer Portal (your application > Bot > Reset Token) and restart.", 4004)),
            4013 => Outcome.Stop(new DiscordFatalException(
                "Discord rejected the gateway intents as invalid (close 4013). PeerBot asks for GUILDS, GUILD_MESSAGES, DIRECT_MESSAGES and "
                + "MESSAGE_CONTENT (" + Intents.ToString(CultureInfo.InvariantCulture) + "); this is a bug, please report it.", 4013)),
            4014 => Outcome.Stop(new DiscordFatalException(
                "Discord refused a privileged intent (gateway close 4014, disallowed intents). In the Developer Portal open your application > Bot > "
                + "Privileged Gateway Intents, enable the Message Content Intent, save, and restart PeerBot.", 4014)),
            4010 or 4011 => Outcome.Stop(new DiscordFatalException(
                $"Discord requires sharding for this bot (gateway close {code}); PeerBot runs one shard and serves one server.", code.Value)),
            4012 => Outcome.Stop(new DiscordFatalException("Discord no longer accepts gateway API v10 (close 4012); update PeerBot.", 4012)),
            // 4007 (invalid sequence) and 4009 (session timed out) end the session: Discord answers a Resume of it with op 9,
            // so reconnect and identify a new one. 4003, 4005 and 4008 are answered the same way by discord.js.
            1000 or 1001 or 4003 or 4005 or 4007 or 4008 or 4009 => Outcome.NewSession,
            _ => resumable ? Outcome.Resume : Outcome.NewSession,
        };
    }

    private void ClearSession()
    {
        SessionId = null;
        ResumeGatewayUrl = null;
        lock (_gate)
        {
            _sequence = null;
        }
    }

    private static TimeSpan Min(TimeSpan a, TimeSpan b) => a < b ? a : b;

    private sealed class ConnectionState
    {
        public TimeSpan Interval { get; set; }

        public volatile bool Acked;

        public volatile bool Zombie;

        public bool Established { get; set; }
    }

    private sealed record ReadyInfo(string SessionId, string ResumeUrl, string? BotUserId, string? ApplicationId);

    private enum OutcomeKind
    {
        Resume,
        NewSession,
        InvalidSession,
        Fatal,
    }

    private sealed record Outcome(OutcomeKind Kind, DiscordFatalException? Fatal)
    {
        public static readonly Outcome Resume = new(OutcomeKind.Resume, null);
        public static readonly Outcome NewSession = new(OutcomeKind.NewSession, null);
        public static readonly Outcome InvalidSession = new(OutcomeKind.InvalidSession, null);

        public static Outcome Stop(DiscordFatalException fatal) => new(OutcomeKind.Fatal, fatal);
    }
}
