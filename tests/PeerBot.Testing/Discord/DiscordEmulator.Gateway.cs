using System.Net.WebSockets;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Http;

namespace PeerBot.Testing.Discord;

public sealed partial class DiscordEmulator
{
    private readonly List<GatewayConnection> _connections = [];
    private readonly Dictionary<string, GatewaySession> _sessions = new(StringComparer.Ordinal);
    private readonly List<int?> _clientCloseCodes = [];
    private GatewaySession? _current;
    private volatile bool _ackHeartbeats = true;
    private int _identifies;
    private int _resumes;
    private int _heartbeats;
    private int? _identifyCloseCode;

    /// <summary>Identify payloads received.</summary>
    public int Identifies => Volatile.Read(ref _identifies);

    /// <summary>Resume payloads received.</summary>
    public int Resumes => Volatile.Read(ref _resumes);

    /// <summary>Heartbeats received.</summary>
    public int Heartbeats => Volatile.Read(ref _heartbeats);

    /// <summary>Close codes the bot closed its connections with (null: no close frame).</summary>
    public IReadOnlyList<int?> ClientCloseCodes
    {
        get
        {
            lock (_gate)
            {
                return _clientCloseCodes.ToList();
            }
        }
    }

    /// <summary>Open gateway connections.</summary>
    public int OpenConnections
    {
        get
        {
            lock (_gate)
            {
                return _connections.Count;
            }
        }
    }

    /// <summary>True once a session is ready and a connection is attached to it.</summary>
    public bool IsConnected
    {
        get
        {
            lock (_gate)
            {
                return _current?.Connection is not null;
            }
        }
    }

    /// <summary>Stops (or resumes) answering heartbeats with op 11, making the connection a zombie.</summary>
    public void AckHeartbeats(bool ack) => _ackHeartbeats = ack;

    /// <summary>Closes every later Identify with this code (e.g. 4014 disallowed intents, 4004 bad token).</summary>
    public void CloseIdentifyWith(int? code) => _identifyCloseCode = code;

    /// <summary>
    /// Drops the live connection: with a close code, or abruptly (null) like a network failure. Close codes with which
    /// Discord ends the session (4007 invalid sequence, 4009 session timed out: "reconnect and start a new session") forget
    /// it, so a Resume of it is answered with op 9 as Discord does.
    /// </summary>
    public async Task DropConnectionAsync(int? closeCode = null)
    {
        GatewayConnection? connection;
        GatewaySession? session;
        lock (_gate)
        {
            session = _current;
            connection = session?.Connection;
            if (session is not null && connection is not null && closeCode is 4007 or 4009)
            {
                _sessions.Remove(session.Id);
            }
        }

        if (session is null || connection is null)
        {
            return;
        }

        await session.Lock.WaitAsync();
        try
        {
            if (session.Connection == connection)
            {
                session.Connection = null;
            }
        }
        finally
        {
            session.Lock.Release();
        }

        await connection.CloseAsync(closeCode);
        Changed();
    }

    /// <summary>Sends op 7 Reconnect on the live connection.</summary>
    public Task SendReconnectAsync() => SendOpAsync(new JsonObject { ["op"] = 7, ["d"] = null });

    /// <summary>Sends op 9 Invalid Session; with <paramref name="resumable"/> false the session is forgotten.</summary>
    public async Task SendInvalidSessionAsync(bool resumable)
    {
        if (!resumable)
        {
            lock (_gate)
            {
                if (_current is not null)
                {
                    _sessions.Remove(_current.Id);
                }
            }
        }

        await SendOpAsync(new JsonObject { ["op"] = 9, ["d"] = resumable });
    }

    /// <summary>A person writes in a channel; returns the message id.</summary>
    public async Task<string> InjectMessageAsync(string channelId, string authorId, string content, bool attachments = false)
    {
        var channel = FindChannel(channelId) ?? throw new InvalidOperationException("no channel " + channelId);
        var message = new EmulatedMessage { Id = NextMessageId(), ChannelId = channelId, AuthorId = authorId, Content = content };
        lock (_gate)
        {
            channel.Messages.Add(message);
        }

        var json = MessageJson(message, channel);
        if (attachments)
        {
            json["attachments"] = new JsonArray(new JsonObject { ["id"] = NextId(), ["filename"] = "a.png" });
        }

        if (channel.Type == 1)
        {
            json["channel_type"] = 1;
        }

        await DispatchAsync("MESSAGE_CREATE", json);
        return message.Id;
    }

    /// <summary>
    /// A person edits their message (<c>MESSAGE_UPDATE</c> with the full message); with <paramref name="content"/> null, an
    /// update Discord sends without content, as for a link preview added to it.
    /// </summary>
    public async Task EditMessageAsync(string channelId, string messageId, string? content)
    {
        var channel = FindChannel(channelId) ?? throw new InvalidOperationException("no channel " + channelId);
        EmulatedMessage message;
        lock (_gate)
        {
            message = channel.Messages.Single(m => m.Id == messageId);
            if (content is not null)
            {
                message.Content = content;
            }
        }

        var json = MessageJson(message, channel);
        json["edited_timestamp"] = Clock.GetUtcNow().ToString("O", System.Globalization.CultureInfo.InvariantCulture);
        if (content is null)
        {
            json.Remove("content");
            json.Remove("author");
            json["embeds"] = new JsonArray(new JsonObject { ["type"] = "link", ["url"] = "https://example.org" });
        }

        await DispatchAsync("MESSAGE_UPDATE", json);
    }

    /// <summary>Opens (or returns) the DM channel of a person with the bot.</summary>
    public EmulatedChannel OpenDirectChannel(string userId)
    {
        var existing = DirectChannel(userId);
        if (existing is not null)
        {
            return existing;
        }

        var channel = new EmulatedChannel { Id = NextId(), Type = 1, RecipientId = userId };
        lock (_gate)
        {
            _channels[channel.Id] = channel;
        }

        return channel;
    }

    /// <summary>Someone runs <c>/peer</c>; <paramref name="options"/> is the command's <c>data.options</c>.</summary>
    public Task<EmulatedInteraction> InjectCommandAsync(string userId, string? channelId, bool inGuild, JsonArray options) =>
        InjectInteractionAsync(2, userId, channelId, inGuild, new JsonObject { ["id"] = NextId(), ["name"] = "peer", ["type"] = 1, ["options"] = options });

    /// <summary>
    /// Someone submits a modal. A modal opened from a button carries that button's message (<paramref name="messageId"/>),
    /// and its answer may then update that message (type 7, or 6 and an edit of <c>@original</c>) as a button's may.
    /// </summary>
    public Task<EmulatedInteraction> InjectModalSubmitAsync(string userId, string? channelId, bool inGuild, string customId, IReadOnlyDictionary<string, string> values, string? messageId = null)
    {
        var components = new JsonArray();
        foreach (var (id, value) in values)
        {
            components.Add(new JsonObject { ["type"] = 18, ["id"] = components.Count + 1, ["component"] = new JsonObject { ["type"] = 4, ["custom_id"] = id, ["value"] = value } });
        }

        return InjectInteractionAsync(5, userId, channelId, inGuild, new JsonObject { ["custom_id"] = customId, ["components"] = components }, messageId);
    }

    /// <summary>Someone presses a button on a message.</summary>
    public Task<EmulatedInteraction> InjectButtonAsync(string userId, string channelId, string messageId, string customId, bool inGuild) =>
        InjectInteractionAsync(3, userId, channelId, inGuild, new JsonObject { ["custom_id"] = customId, ["component_type"] = 2 }, messageId);

    /// <summary>A subcommand option, e.g. <c>Sub("ack", ("id", "A1"))</c>.</summary>
    public static JsonArray Sub(string name, params (string Name, object Value)[] options)
    {
        var values = new JsonArray();
        foreach (var (n, v) in options)
        {
            values.Add(new JsonObject { ["name"] = n, ["type"] = v is int ? 4 : 3, ["value"] = v is int i ? i : v.ToString() });
        }

        return [new JsonObject { ["name"] = name, ["type"] = 1, ["options"] = values }];
    }

    /// <summary>A subcommand inside a group, e.g. <c>Group("prompt", Sub("now"))</c>.</summary>
    public static JsonArray Group(string name, JsonArray sub) =>
        [new JsonObject { ["name"] = name, ["type"] = 2, ["options"] = sub.DeepClone() }];

    public async Task<EmulatedInteraction> InjectInteractionAsync(int type, string userId, string? channelId, bool inGuild, JsonObject data, string? messageId = null)
    {
        var interaction = new EmulatedInteraction
        {
            Id = NextId(),
            Token = "itoken-" + Guid.NewGuid().ToString("N"),
            Type = type,
            SentAt = Clock.GetUtcNow(),
            MessageId = messageId,
            MessageChannelId = channelId,
        };
        var payload = new JsonObject
        {
            ["id"] = interaction.Id,
            ["application_id"] = ApplicationId,
            ["type"] = type,
            ["data"] = data,
            ["channel_id"] = channelId,
            ["token"] = interaction.Token,
            ["version"] = 1,
            ["app_permissions"] = BotPermissions.ToString(System.Globalization.CultureInfo.InvariantCulture),
            ["locale"] = "en-US",
            ["context"] = inGuild ? 0 : 1,

            // Fields Discord's interaction object always carries (the app is installed to the server only): clients such
            // as discord.js read them unconditionally.
            ["entitlements"] = new JsonArray(),
            ["authorizing_integration_owners"] = new JsonObject { ["0"] = inGuild ? GuildId : "0" },
            ["attachment_size_limit"] = Options.MaxUploadBytes,
        };
        lock (_gate)
        {
            // The channel as a partial object beside its id, as Discord sends it (discord.js takes the id from it).
            if (channelId is not null)
            {
                var channelType = _channels.TryGetValue(channelId, out var source) ? source.Type : inGuild ? 0 : 1;
                payload["channel"] = channelType == 1
                    ? new JsonObject { ["id"] = channelId, ["type"] = 1 }
                    : new JsonObject { ["id"] = channelId, ["type"] = channelType, ["name"] = source?.Name, ["guild_id"] = GuildId, ["parent_id"] = source?.ParentId };
            }

            if (inGuild)
            {
                payload["guild_id"] = GuildId;
                payload["member"] = new JsonObject { ["user"] = UserJson(userId), ["roles"] = new JsonArray(), ["permissions"] = "1024" };
            }
            else
            {
                payload["user"] = UserJson(userId);
            }

            if (messageId is not null && channelId is not null && FindMessage(channelId, messageId) is { } m)
            {
                payload["message"] = MessageJson(m);
            }

            _interactions[interaction.Id] = interaction;
        }

        await DispatchAsync("INTERACTION_CREATE", payload);
        return interaction;
    }

    private (int, JsonNode?) Callback(Request r)
    {
        EmulatedInteraction? interaction;
        lock (_gate)
        {
            interaction = _interactions.GetValueOrDefault(r.Params["interaction_id"]);
        }

        if (interaction is null || interaction.Token != r.Params["interaction_token"])
        {
            return NotFound(10062, "interaction");
        }

        var delay = Clock.GetUtcNow() - interaction.SentAt;
        if (delay > Options.InteractionDeadline)
        {
            Violation($"interaction {interaction.Id} answered after {delay.TotalSeconds:0.00} s (Discord allows {Options.InteractionDeadline.TotalSeconds} s)");
            return NotFound(10062, "interaction");
        }

        if (interaction.Answer is not null)
        {
            Violation($"interaction {interaction.Id} answered twice");
            return (400, Error(40060, "Interaction has already been acknowledged."));
        }

        var type = r.Body!["type"]!.GetValue<int>();
        var data = r.Body["data"]?.DeepClone();
        if (type is 4 or 5 && (data?["flags"] is not JsonValue flags || (flags.GetValue<int>() & 64) == 0))
        {
            Violation($"interaction {interaction.Id} answered with type {type} that is not ephemeral");
        }

        if (type is 6 or 7 && (interaction.Type == 2 || (interaction.Type == 5 && interaction.MessageId is null)))
        {
            // Only a component's interaction, or a modal opened from one, has a message to update.
            Violation($"interaction {interaction.Id} of type {interaction.Type} answered with type {type}, which needs a message to update");
            return (400, Error(50035, "Invalid Form Body: interaction has no message to update"));
        }

        if (type is 4 or 7 && data is JsonObject answered && answered["allowed_mentions"] is not JsonObject)
        {
            Violation($"interaction {interaction.Id} answered without allowed_mentions");
        }
        if (type == 7 && interaction.MessageId is not null && data is JsonObject edit && FindMessage(interaction.MessageChannelId!, interaction.MessageId) is { } message)
        {
            ApplyEdit(message, edit);
        }

        interaction.SetAnswer(new InteractionAnswer(type, data, delay));
        Changed();
        return (204, null);
    }

    /// <summary>Makes an interaction's token expire now, as 15 minutes after the interaction: its webhook routes answer 401, code 50027.</summary>
    public void ExpireInteractionToken(EmulatedInteraction interaction)
    {
        ArgumentNullException.ThrowIfNull(interaction);
        lock (_gate)
        {
            interaction.TokenExpired = true;
        }
    }

    /// <summary>Discord's answer on a webhook route whose interaction token has expired (15 minutes).</summary>
    private bool Expired(EmulatedInteraction? interaction) =>
        interaction is not null && (interaction.TokenExpired || Clock.GetUtcNow() - interaction.SentAt > Options.InteractionTokenLifetime);

    private static (int, JsonNode?) InvalidWebhookToken() => (401, Error(50027, "Invalid Webhook Token"));

    private (int, JsonNode?) EditOriginal(Request r)
    {
        var interaction = ByToken(r.Params["webhook_id"], r.Params["webhook_token"]);
        if (Expired(interaction))
        {
            return InvalidWebhookToken();
        }

        if (interaction?.Answer is null)
        {
            return NotFound(10008, "Message");
        }

        var body = r.Body!.AsObject();
        CheckNoPings(r, body);
        if (interaction.Answer.CallbackType is 6 or 7 && interaction.MessageId is not null
            && FindMessage(interaction.MessageChannelId!, interaction.MessageId) is { } message)
        {
            ApplyEdit(message, body);
        }

        interaction.SetFinal(body.DeepClone());
        Changed();
        return (200, new JsonObject { ["id"] = interaction.MessageId ?? NextId(), ["channel_id"] = interaction.MessageChannelId, ["content"] = body["content"]?.DeepClone() });
    }

    private (int, JsonNode?) Followup(Request r)
    {
        var interaction = ByToken(r.Params["webhook_id"], r.Params["webhook_token"]);
        if (Expired(interaction))
        {
            return InvalidWebhookToken();
        }

        if (interaction?.Answer is null)
        {
            return NotFound(10015, "Webhook");
        }

        CheckNoPings(r, r.Body!.AsObject());
        lock (_gate)
        {
            interaction.Followups.Add(r.Body!.DeepClone());
        }

        Changed();
        return (200, new JsonObject { ["id"] = NextId(), ["content"] = r.Body!["content"]?.DeepClone() });
    }

    private EmulatedInteraction? ByToken(string applicationId, string token)
    {
        if (applicationId != ApplicationId)
        {
            return null;
        }

        lock (_gate)
        {
            return _interactions.Values.FirstOrDefault(i => i.Token == token);
        }
    }

    /// <summary>Sends a dispatch to the current session: logged for replay, and sent if a connection is attached.</summary>
    internal async Task DispatchAsync(string name, JsonObject data)
    {
        GatewaySession? session;
        lock (_gate)
        {
            session = _current;
        }

        if (session is null)
        {
            return;
        }

        await session.Lock.WaitAsync();
        try
        {
            var seq = ++session.Sequence;
            var payload = new JsonObject { ["op"] = 0, ["s"] = seq, ["t"] = name, ["d"] = data.DeepClone() }.ToJsonString();
            session.Events.Add((seq, payload));
            if (session.Connection is { } connection && !await connection.TrySendAsync(payload))
            {
                session.Connection = null;
            }
        }
        finally
        {
            session.Lock.Release();
        }

        Changed();
    }

    private async Task SendOpAsync(JsonObject payload)
    {
        GatewayConnection? connection;
        lock (_gate)
        {
            connection = _current?.Connection;
        }

        if (connection is not null)
        {
            await connection.TrySendAsync(payload.ToJsonString());
        }
    }

    private async Task HandleGatewayAsync(HttpContext context, bool resumeUrl)
    {
        if (!context.WebSockets.IsWebSocketRequest)
        {
            context.Response.StatusCode = 400;
            return;
        }

        if (context.Request.Query["v"] != "10" || context.Request.Query["encoding"] != "json")
        {
            Violation("gateway connected without ?v=10&encoding=json: " + context.Request.QueryString);
        }

        var socket = await context.WebSockets.AcceptWebSocketAsync();
        var connection = new GatewayConnection(socket);
        lock (_gate)
        {
            _connections.Add(connection);
        }

        GatewaySession? attached = null;
        try
        {
            await connection.TrySendAsync(new JsonObject { ["op"] = 10, ["d"] = new JsonObject { ["heartbeat_interval"] = Options.HeartbeatIntervalMs } }.ToJsonString());
            while (true)
            {
                var text = await connection.ReceiveAsync();
                if (text is null)
                {
                    lock (_gate)
                    {
                        _clientCloseCodes.Add((int?)socket.CloseStatus);
                    }

                    break;
                }

                JsonNode? payload;
                try
                {
                    payload = JsonNode.Parse(text);
                }
                catch (JsonException)
                {
                    Violation("gateway payload is not JSON");
                    await connection.CloseAsync(4002);
                    break;
                }

                if (Encoding.UTF8.GetByteCount(text) > 4096)
                {
                    Violation("gateway payload over 4096 bytes");
                }

                var op = payload?["op"]?.GetValue<int>() ?? -1;
                switch (op)
                {
                    case 1:
                        Interlocked.Increment(ref _heartbeats);
                        if (_ackHeartbeats)
                        {
                            await connection.TrySendAsync("{\"op\":11}");
                        }

                        break;
                    case 2:
                        attached = await IdentifyAsync(connection, payload!["d"]!.AsObject());
                        break;
                    case 6:
                        if (!resumeUrl)
                        {
                            Violation("Resume sent to the gateway URL instead of resume_gateway_url");
                        }

                        attached = await ResumeAsync(connection, payload!["d"]!.AsObject());
                        break;
                    default:
                        Violation($"gateway op {op} not expected from a bot");
                        break;
                }

                Changed();
            }
        }
        finally
        {
            if (attached is not null)
            {
                await attached.Lock.WaitAsync();
                if (attached.Connection == connection)
                {
                    attached.Connection = null;
                }

                attached.Lock.Release();
            }

            lock (_gate)
            {
                _connections.Remove(connection);
            }

            Changed();
        }
    }

    private async Task<GatewaySession?> IdentifyAsync(GatewayConnection connection, JsonObject d)
    {
        Interlocked.Increment(ref _identifies);
        if (d["token"]?.GetValue<string>() != Options.Token)
        {
            await connection.CloseAsync(4004);
            return null;
        }

        if (_identifyCloseCode is { } code)
        {
            await connection.CloseAsync(code);
            return null;
        }

        var intents = d["intents"]?.GetValue<int>();
        if (intents != Options.ExpectedIntents)
        {
            Violation($"Identify asked for intents {intents}, expected {Options.ExpectedIntents}");
        }

        var session = new GatewaySession(Guid.NewGuid().ToString("N"));
        lock (_gate)
        {
            _sessions[session.Id] = session;
            _current = session;
        }

        await session.Lock.WaitAsync();
        session.Connection = connection;
        session.Lock.Release();
        var resume = BaseUrl.Replace("http://", "ws://", StringComparison.Ordinal) + "/resume";
        await DispatchAsync("READY", new JsonObject
        {
            ["v"] = 10,
            ["user"] = UserJson(BotUserId),
            ["guilds"] = new JsonArray(new JsonObject { ["id"] = GuildId, ["unavailable"] = true }),
            ["session_id"] = session.Id,
            ["resume_gateway_url"] = resume,
            ["application"] = new JsonObject { ["id"] = ApplicationId, ["flags"] = 0 },
        });
        JsonArray channels;
        lock (_gate)
        {
            channels = new JsonArray(_channels.Values.Where(c => c.Type != 1).Select(c => (JsonNode)ChannelJson(c)).ToArray());
        }

        await DispatchAsync("GUILD_CREATE", new JsonObject
        {
            ["id"] = GuildId,
            ["name"] = "Residency",
            ["unavailable"] = false,
            ["member_count"] = _members.Count,
            ["channels"] = channels,
            ["threads"] = new JsonArray(),
        });
        return session;
    }

    private async Task<GatewaySession?> ResumeAsync(GatewayConnection connection, JsonObject d)
    {
        Interlocked.Increment(ref _resumes);
        GatewaySession? session;
        lock (_gate)
        {
            session = _sessions.GetValueOrDefault(d["session_id"]?.GetValue<string>() ?? "");
        }

        if (session is null || d["token"]?.GetValue<string>() != Options.Token)
        {
            await connection.TrySendAsync("{\"op\":9,\"d\":false}");
            return null;
        }

        var seq = d["seq"]?.GetValue<long>() ?? 0;
        await session.Lock.WaitAsync();
        try
        {
            session.Connection = connection;
            foreach (var (s, payload) in session.Events.Where(e => e.Seq > seq).ToList())
            {
                if (!await connection.TrySendAsync(payload))
                {
                    session.Connection = null;
                    return session;
                }
            }

            var resumed = ++session.Sequence;
            var done = new JsonObject { ["op"] = 0, ["s"] = resumed, ["t"] = "RESUMED", ["d"] = new JsonObject() }.ToJsonString();
            session.Events.Add((resumed, done));
            await connection.TrySendAsync(done);
        }
        finally
        {
            session.Lock.Release();
        }

        lock (_gate)
        {
            _current = session;
        }

        return session;
    }

    private sealed class GatewaySession(string id)
    {
        public string Id { get; } = id;

        public SemaphoreSlim Lock { get; } = new(1, 1);

        public long Sequence { get; set; }

        public List<(long Seq, string Payload)> Events { get; } = [];

        public GatewayConnection? Connection { get; set; }
    }

    private sealed class GatewayConnection(WebSocket socket)
    {
        private SemaphoreSlim SendLock { get; } = new(1, 1);

        public WebSocket Socket { get; } = socket;

        public async Task<bool> TrySendAsync(string text)
        {
            await SendLock.WaitAsync();
            try
            {
                if (Socket.State != WebSocketState.Open)
                {
                    return false;
                }

                await Socket.SendAsync(Encoding.UTF8.GetBytes(text), WebSocketMessageType.Text, true, CancellationToken.None);
                return true;
            }
            catch (Exception ex) when (ex is WebSocketException or ObjectDisposedException or OperationCanceledException or IOException)
            {
                return false;
            }
            finally
            {
                SendLock.Release();
            }
        }

        public async Task<string?> ReceiveAsync()
        {
            var buffer = new byte[8192];
            using var message = new MemoryStream();
            try
            {
                while (true)
                {
                    var result = await Socket.ReceiveAsync(buffer, CancellationToken.None);
                    if (result.MessageType == WebSocketMessageType.Close)
                    {
                        return null;
                    }

                    message.Write(buffer, 0, result.Count);
                    if (result.EndOfMessage)
                    {
                        return Encoding.UTF8.GetString(message.ToArray());
                    }
                }
            }
            catch (Exception ex) when (ex is WebSocketException or ObjectDisposedException or OperationCanceledException or IOException)
            {
                return null;
            }
        }

        public async Task CloseAsync(int? code)
        {
            if (code is null)
            {
                try
                {
                    Socket.Abort();
                }
                catch (ObjectDisposedException)
                {
                    // Already finished.
                }

                return;
            }

            await SendLock.WaitAsync();
            try
            {
                await Socket.CloseOutputAsync((WebSocketCloseStatus)code.Value, "emulator", CancellationToken.None);
            }
            catch (Exception ex) when (ex is WebSocketException or ObjectDisposedException or OperationCanceledException or IOException)
            {
                try
                {
                    Socket.Abort();
                }
                catch (ObjectDisposedException)
                {
                    // Already finished.
                }
            }
            finally
            {
                SendLock.Release();
            }
        }
    }
}
