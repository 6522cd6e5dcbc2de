using System.Diagnostics;
using System.Net.WebSockets;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;

namespace PeerBot.Testing.Slack;

/// <summary>Socket Mode side of the emulator: connections, envelopes, acknowledgements, disconnects.</summary>
public sealed partial class SlackEmulator
{
    private readonly List<SocketConnection> _sockets = [];
    private readonly Dictionary<string, PendingEnvelope> _envelopes = new(StringComparer.Ordinal);
    private readonly List<PendingEnvelope> _undelivered = [];
    private readonly List<SlackAck> _acks = [];
    private readonly HashSet<string> _tickets = new(StringComparer.Ordinal);
    private readonly Random _random = new(20261126);
    private int _socketNumber;
    private int _duplicateAcks;
    private int _redeliveries;

    /// <summary>Connections that said hello so far.</summary>
    public int ConnectionsOpened { get; private set; }

    /// <summary>Connections open now.</summary>
    public int OpenConnections
    {
        get
        {
            lock (_gate)
            {
                return _sockets.Count(s => !s.Ended);
            }
        }
    }

    /// <summary>Envelopes sent again because the connection they went on ended before acknowledging them.</summary>
    public int Redeliveries => Volatile.Read(ref _redeliveries);

    /// <summary>Acknowledgements for envelopes that were already acknowledged.</summary>
    public int DuplicateAcks => Volatile.Read(ref _duplicateAcks);

    /// <summary>First acknowledgement of each envelope, in order.</summary>
    public IReadOnlyList<SlackAck> Acks
    {
        get
        {
            lock (_gate)
            {
                return [.. _acks];
            }
        }
    }

    /// <summary>Envelopes sent and not acknowledged yet.</summary>
    public int UnacknowledgedEnvelopes
    {
        get
        {
            lock (_gate)
            {
                return _envelopes.Values.Count(e => !e.Acked);
            }
        }
    }

    /// <summary>Delivers a message event (<c>events_api</c>) from a person; returns its envelope id.</summary>
    public async Task<string> InjectMessageAsync(
        string channelId,
        string userId,
        string text,
        string? subtype = null,
        string? botId = null,
        bool withFile = false)
    {
        string ts;
        string channelType;
        lock (_gate)
        {
            ts = NextTs();
            var channel = _channels.GetValueOrDefault(channelId);
            channelType = channel is null ? "channel" : channel.IsIm ? "im" : channel.IsPrivate ? "group" : "channel";
            channel?.Messages.Add(new SlackEmulatedMessage(ts, userId, EscapeLikeSlack(text), null, []));
        }

        var ev = new JsonObject
        {
            ["type"] = "message",
            ["channel"] = channelId,
            ["user"] = userId,
            ["text"] = EscapeLikeSlack(text),
            ["ts"] = ts,
            ["event_ts"] = ts,
            ["channel_type"] = channelType,
            ["team"] = "T0EMU",
        };
        if (subtype is not null)
        {
            ev["subtype"] = subtype;
        }

        if (botId is not null)
        {
            ev["bot_id"] = botId;
        }

        if (withFile)
        {
            ev["files"] = new JsonArray(new JsonObject { ["id"] = "F" + Next(), ["name"] = "photo.png" });
        }

        return await DeliverEventAsync(ev);
    }

    /// <summary>
    /// A person replies in a thread; with <paramref name="alsoSendToChannel"/> ("Also send to #channel") Slack delivers it
    /// as subtype <c>thread_broadcast</c> with the thread's root. Returns the reply's ts.
    /// </summary>
    public async Task<string> InjectThreadReplyAsync(string channelId, string userId, string text, string threadTs, bool alsoSendToChannel = false)
    {
        string ts;
        string channelType;
        SlackEmulatedMessage? root;
        lock (_gate)
        {
            ts = NextTs();
            var channel = _channels.GetValueOrDefault(channelId);
            channelType = ChannelType(channel);
            root = channel?.Messages.FirstOrDefault(m => m.Ts == threadTs);
            channel?.Messages.Add(new SlackEmulatedMessage(ts, userId, EscapeLikeSlack(text), null, []));
        }

        var ev = new JsonObject
        {
            ["type"] = "message",
            ["channel"] = channelId,
            ["user"] = userId,
            ["text"] = EscapeLikeSlack(text),
            ["ts"] = ts,
            ["event_ts"] = ts,
            ["thread_ts"] = threadTs,
            ["parent_user_id"] = root?.User ?? userId,
            ["channel_type"] = channelType,
            ["team"] = "T0EMU",
        };
        if (alsoSendToChannel)
        {
            ev["subtype"] = "thread_broadcast";
            ev["root"] = new JsonObject { ["type"] = "message", ["user"] = root?.User ?? userId, ["text"] = root?.Text ?? "", ["ts"] = threadTs, ["thread_ts"] = threadTs };
        }

        await DeliverEventAsync(ev);
        return ts;
    }

    /// <summary>A person's <c>/me</c> message (subtype <c>me_message</c>, shown in italics). Returns its ts.</summary>
    public async Task<string> InjectMeMessageAsync(string channelId, string userId, string text)
    {
        string ts;
        string channelType;
        lock (_gate)
        {
            ts = NextTs();
            var channel = _channels.GetValueOrDefault(channelId);
            channelType = ChannelType(channel);
            channel?.Messages.Add(new SlackEmulatedMessage(ts, userId, EscapeLikeSlack(text), null, []));
        }

        await DeliverEventAsync(new JsonObject
        {
            ["type"] = "message",
            ["subtype"] = "me_message",
            ["channel"] = channelId,
            ["user"] = userId,
            ["text"] = EscapeLikeSlack(text),
            ["ts"] = ts,
            ["event_ts"] = ts,
            ["channel_type"] = channelType,
        });
        return ts;
    }

    /// <summary>
    /// A message in a channel changes (<c>message_changed</c>, hidden): its author edits it, or, with the same text, Slack
    /// attaches a link preview. The event carries the message as it is now and as it was; it has no <c>user</c> of its own.
    /// </summary>
    public async Task<string> InjectMessageChangedAsync(string channelId, string messageTs, string newText)
    {
        string ts;
        string channelType;
        SlackEmulatedMessage old;
        lock (_gate)
        {
            ts = NextTs();
            var channel = _channels[channelId];
            channelType = ChannelType(channel);
            var index = channel.Messages.FindIndex(m => m.Ts == messageTs);
            old = channel.Messages[index];
            channel.Messages[index] = old with { Text = EscapeLikeSlack(newText) };
        }

        var previous = new JsonObject { ["type"] = "message", ["user"] = old.User, ["text"] = old.Text, ["ts"] = old.Ts };
        var current = new JsonObject { ["type"] = "message", ["user"] = old.User, ["text"] = EscapeLikeSlack(newText), ["ts"] = old.Ts };
        if (old.User == BotUserId)
        {
            previous["bot_id"] = BotId;
            current["bot_id"] = BotId;
        }

        if (old.Text != EscapeLikeSlack(newText))
        {
            current["edited"] = new JsonObject { ["user"] = old.User, ["ts"] = ts };
        }

        return await DeliverEventAsync(new JsonObject
        {
            ["type"] = "message",
            ["subtype"] = "message_changed",
            ["hidden"] = true,
            ["channel"] = channelId,
            ["ts"] = ts,
            ["event_ts"] = ts,
            ["message"] = current,
            ["previous_message"] = previous,
            ["channel_type"] = channelType,
        });
    }

    private static string ChannelType(ChannelState? channel) => channel is null ? "channel" : channel.IsIm ? "im" : channel.IsPrivate ? "group" : "channel";

    private async Task<string> DeliverEventAsync(JsonObject ev)
    {
        var payload = new JsonObject
        {
            ["token"] = "verification-token",
            ["team_id"] = "T0EMU",
            ["api_app_id"] = "A0EMU",
            ["event"] = ev,
            ["type"] = "event_callback",
            ["event_id"] = "Ev" + Next(),
            ["event_time"] = 1_800_000_000,
            ["authorizations"] = new JsonArray(new JsonObject { ["team_id"] = "T0EMU", ["user_id"] = BotUserId, ["is_bot"] = true }),
            ["is_ext_shared_channel"] = false,
        };
        var pending = await DeliverAsync("events_api", payload, acceptsResponsePayload: false);
        return pending.Id;
    }

    /// <summary>Delivers any envelope (for malformed payloads); returns the acknowledgement's payload.</summary>
    public async Task<JsonObject?> InjectRawEnvelopeAsync(string type, JsonObject payload, bool acceptsResponsePayload)
    {
        var pending = await DeliverAsync(type, payload, acceptsResponsePayload);
        return await pending.Ack.Task.WaitAsync(TimeSpan.FromSeconds(30));
    }

    /// <summary>Sends an already delivered Events API event again in a new envelope (as Slack's retries do).</summary>
    public async Task<string> RedeliverEventInNewEnvelopeAsync(string envelopeId)
    {
        PendingEnvelope original;
        lock (_gate)
        {
            original = _envelopes[envelopeId];
        }

        var pending = await DeliverAsync(original.Type, (JsonObject)original.Payload.DeepClone(), original.AcceptsResponsePayload);
        return pending.Id;
    }

    /// <summary>Sends an envelope again with the same envelope id.</summary>
    public async Task ResendEnvelopeAsync(string envelopeId)
    {
        PendingEnvelope original;
        lock (_gate)
        {
            original = _envelopes[envelopeId];
        }

        await SendEnvelopeAsync(original, isRedelivery: true);
    }

    /// <summary>Runs <c>/peer</c> (or another command) as a person; returns the acknowledgement's payload.</summary>
    public async Task<JsonObject?> InjectSlashCommandAsync(string userId, string channelId, string text, string command = "/peer")
    {
        string triggerId;
        string responseId;
        string channelName;
        lock (_gate)
        {
            triggerId = IssueTrigger();
            responseId = Next();
            _responseUrls[responseId] = (userId, channelId);
            var channel = _channels.GetValueOrDefault(channelId);
            channelName = channel is null ? "general" : channel.IsIm ? "directmessage" : channel.Name;
        }

        var payload = new JsonObject
        {
            ["token"] = "verification-token",
            ["team_id"] = "T0EMU",
            ["team_domain"] = "emulated",
            ["channel_id"] = channelId,
            ["channel_name"] = channelName,
            ["user_id"] = userId,
            ["user_name"] = _users.GetValueOrDefault(userId)?.Name ?? userId,
            ["command"] = command,
            ["text"] = EscapeLikeSlack(text),
            ["api_app_id"] = "A0EMU",
            ["is_enterprise_install"] = "false",
            ["response_url"] = new Uri(BaseUrl, "response/" + responseId).ToString(),
            ["trigger_id"] = triggerId,
        };
        var pending = await DeliverAsync("slash_commands", payload, acceptsResponsePayload: true);
        return await pending.Ack.Task.WaitAsync(TimeSpan.FromSeconds(30));
    }

    /// <summary>Presses a button on a message the bot posted; returns the acknowledgement's payload.</summary>
    public async Task<JsonObject?> InjectButtonPressAsync(string userId, string channelId, string messageTs, string actionId)
    {
        string triggerId;
        string responseId;
        SlackEmulatedMessage message;
        lock (_gate)
        {
            message = _channels[channelId].Messages.Single(m => m.Ts == messageTs);
            var hasButton = message.Blocks?.OfType<JsonObject>().Any(b => b["type"]?.GetValue<string>() == "actions"
                && b["elements"] is JsonArray elements && elements.OfType<JsonObject>().Any(e => e["action_id"]?.GetValue<string>() == actionId)) == true;
            if (!hasButton)
            {
                throw new InvalidOperationException($"Message {messageTs} has no button {actionId}.");
            }

            triggerId = IssueTrigger();
            responseId = Next();
            _responseUrls[responseId] = (userId, channelId);
        }

        var payload = new JsonObject
        {
            ["type"] = "block_actions",
            ["user"] = new JsonObject { ["id"] = userId, ["username"] = userId, ["team_id"] = "T0EMU" },
            ["api_app_id"] = "A0EMU",
            ["token"] = "verification-token",
            ["container"] = new JsonObject { ["type"] = "message", ["message_ts"] = messageTs, ["channel_id"] = channelId, ["is_ephemeral"] = false },
            ["trigger_id"] = triggerId,
            ["team"] = new JsonObject { ["id"] = "T0EMU", ["domain"] = "emulated" },
            ["channel"] = new JsonObject { ["id"] = channelId },
            ["message"] = new JsonObject { ["ts"] = messageTs, ["text"] = message.Text },
            ["response_url"] = new Uri(BaseUrl, "response/" + responseId).ToString(),
            ["actions"] = new JsonArray(new JsonObject
            {
                ["action_id"] = actionId,
                ["block_id"] = "actions",
                ["type"] = "button",
                ["value"] = actionId,
                ["action_ts"] = NextTs(),
            }),
        };
        var pending = await DeliverAsync("interactive", payload, acceptsResponsePayload: false);
        return await pending.Ack.Task.WaitAsync(TimeSpan.FromSeconds(30));
    }

    /// <summary>
    /// Presses a button on an ephemeral message the bot posted with chat.postEphemeral; returns the acknowledgement's
    /// payload. As Slack does, the payload marks the container ephemeral and carries no <c>message</c>.
    /// </summary>
    public async Task<JsonObject?> InjectEphemeralButtonPressAsync(SlackEphemeral ephemeral, string actionId)
    {
        ArgumentNullException.ThrowIfNull(ephemeral);
        if (ephemeral.Ts is null || ephemeral.Channel is null)
        {
            throw new InvalidOperationException("Only an ephemeral message posted with chat.postEphemeral has buttons to press.");
        }

        var hasButton = ephemeral.Blocks?.OfType<JsonObject>().Any(b => b["type"]?.GetValue<string>() == "actions"
            && b["elements"] is JsonArray elements && elements.OfType<JsonObject>().Any(e => e["action_id"]?.GetValue<string>() == actionId)) == true;
        if (!hasButton)
        {
            throw new InvalidOperationException($"Ephemeral message {ephemeral.Ts} has no button {actionId}.");
        }

        string triggerId;
        string responseId;
        lock (_gate)
        {
            triggerId = IssueTrigger();
            responseId = Next();
            _responseUrls[responseId] = (ephemeral.User, ephemeral.Channel);
        }

        var payload = new JsonObject
        {
            ["type"] = "block_actions",
            ["user"] = new JsonObject { ["id"] = ephemeral.User, ["username"] = ephemeral.User, ["team_id"] = "T0EMU" },
            ["api_app_id"] = "A0EMU",
            ["token"] = "verification-token",
            ["container"] = new JsonObject { ["type"] = "message", ["message_ts"] = ephemeral.Ts, ["channel_id"] = ephemeral.Channel, ["is_ephemeral"] = true },
            ["trigger_id"] = triggerId,
            ["team"] = new JsonObject { ["id"] = "T0EMU", ["domain"] = "emulated" },
            ["channel"] = new JsonObject { ["id"] = ephemeral.Channel },
            ["response_url"] = new Uri(BaseUrl, "response/" + responseId).ToString(),
            ["actions"] = new JsonArray(new JsonObject
            {
                ["action_id"] = actionId,
                ["block_id"] = "actions",
                ["type"] = "button",
                ["value"] = actionId,
                ["action_ts"] = NextTs(),
            }),
        };
        var pending = await DeliverAsync("interactive", payload, acceptsResponsePayload: false);
        return await pending.Ack.Task.WaitAsync(TimeSpan.FromSeconds(30));
    }

    /// <summary>Submits an opened modal with values by block id; returns the acknowledgement's payload.</summary>
    public async Task<JsonObject?> SubmitViewAsync(string viewId, string userId, IReadOnlyDictionary<string, string> values)
    {
        JsonObject view;
        lock (_gate)
        {
            view = (JsonObject)_views.Single(v => v.Id == viewId).View.DeepClone();
        }

        var state = new JsonObject();
        foreach (var block in (view["blocks"] as JsonArray ?? []).OfType<JsonObject>().Where(b => b["type"]?.GetValue<string>() == "input"))
        {
            var blockId = block["block_id"]!.GetValue<string>();
            var element = (JsonObject)block["element"]!;
            var actionId = element["action_id"]!.GetValue<string>();
            var type = element["type"]!.GetValue<string>();
            if (!values.TryGetValue(blockId, out var value))
            {
                if (block["optional"]?.GetValue<bool>() != true)
                {
                    throw new InvalidOperationException($"Required field {blockId} left empty.");
                }

                continue;
            }

            JsonObject input = type switch
            {
                "plain_text_input" => new JsonObject { ["type"] = type, ["value"] = value },
                "static_select" => new JsonObject
                {
                    ["type"] = type,
                    ["selected_option"] = ((JsonArray)element["options"]!).OfType<JsonObject>().Single(o => o["value"]!.GetValue<string>() == value).DeepClone(),
                },
                _ => throw new InvalidOperationException($"The emulator does not submit {type}."),
            };
            state[blockId] = new JsonObject { [actionId] = input };
        }

        view["id"] = viewId;
        view["state"] = new JsonObject { ["values"] = state };
        var payload = new JsonObject
        {
            ["type"] = "view_submission",
            ["team"] = new JsonObject { ["id"] = "T0EMU", ["domain"] = "emulated" },
            ["user"] = new JsonObject { ["id"] = userId, ["username"] = userId, ["team_id"] = "T0EMU" },
            ["api_app_id"] = "A0EMU",
            ["token"] = "verification-token",
            ["trigger_id"] = IssueTriggerLocked(),
            ["view"] = view,
            ["response_urls"] = new JsonArray(),
        };
        var pending = await DeliverAsync("interactive", payload, acceptsResponsePayload: true);
        return await pending.Ack.Task.WaitAsync(TimeSpan.FromSeconds(30));
    }

    /// <summary>Sends <c>disconnect</c> with a reason on the newest open connection.</summary>
    /// <remarks><c>warning</c>: the server closes that connection once a newer one has said hello (or after 10 s);
    /// <c>refresh_requested</c>: it stays until the app closes it; <c>link_disabled</c>: closed at once.</remarks>
    public async Task SendDisconnectAsync(string reason)
    {
        // The newest connection may be closing under our feet (an earlier warning); then the next newest gets it.
        for (var attempt = 0; ; attempt++)
        {
            var connection = NewestConnection() ?? throw new InvalidOperationException("No Socket Mode connection is open.");
            try
            {
                await connection.SendAsync(new JsonObject
                {
                    ["type"] = "disconnect",
                    ["reason"] = reason,
                    ["debug_info"] = new JsonObject { ["host"] = "wss-emulated" },
                }.ToJsonString());
            }
            catch (Exception ex) when (attempt < 5 && ex is WebSocketException or IOException or ObjectDisposedException)
            {
                lock (_gate)
                {
                    connection.Ended = true;
                }

                continue;
            }

            connection.DisconnectReason = reason;
            if (reason == "link_disabled")
            {
                await connection.CloseAsync();
            }
            else if (reason == "warning")
            {
                _ = Task.Delay(TimeSpan.FromSeconds(10), Time).ContinueWith(_ => connection.CloseAsync(), TaskScheduler.Default);
            }

            return;
        }
    }

    /// <summary>Drops the newest connection without a close handshake.</summary>
    public void DropSocket() => NewestConnection()?.Context.Abort();

    /// <summary>
    /// Makes the newest connection a zombie: it stays open, but Slack sends nothing on it any more (no envelopes, no
    /// disconnect, no pong to the app's pings) and what the app sends is lost, as a link that died somewhere between
    /// the two ends. Envelopes go to another connection, or wait for
    /// the next one to say hello; those already sent on the zombie and not acknowledged are sent again once it ends.
    /// Returns false when no connection is open.
    /// </summary>
    public bool StopAnswering()
    {
        lock (_gate)
        {
            var connection = _sockets.LastOrDefault(s => s.Ready && !s.Ended && !s.Silent);
            if (connection is null)
            {
                return false;
            }

            connection.Silent = true;
            connection.Stream?.Freeze();
            ZombiesMade++;
        }

        Changed();
        return true;
    }

    /// <summary>Connections made zombies with <see cref="StopAnswering"/>.</summary>
    public int ZombiesMade { get; private set; }

    /// <summary>Open connections that still get envelopes (neither ended nor made zombies).</summary>
    public int LiveConnections
    {
        get
        {
            lock (_gate)
            {
                return _sockets.Count(s => s.Ready && !s.Ended && !s.Silent);
            }
        }
    }

    private SocketConnection? NewestConnection()
    {
        lock (_gate)
        {
            return _sockets.LastOrDefault(s => s.Ready && !s.Ended);
        }
    }

    private void AbortAllSockets()
    {
        List<SocketConnection> sockets;
        lock (_gate)
        {
            sockets = [.. _sockets];
        }

        foreach (var socket in sockets)
        {
            socket.Context.Abort();
        }
    }

    private string IssueSocketUrl()
    {
        var ticket = Next();
        _tickets.Add(ticket);
        var url = new UriBuilder(BaseUrl) { Scheme = "ws", Path = "/link/", Query = $"ticket={ticket}&app_id=A0EMU" };
        return url.Uri.ToString();
    }

    private string IssueTrigger()
    {
        var trigger = "trig." + Next();
        _triggers[trigger] = (DeadlineClock ?? Time).GetUtcNow();
        return trigger;
    }

    private string IssueTriggerLocked()
    {
        lock (_gate)
        {
            return IssueTrigger();
        }
    }

    private static string EscapeLikeSlack(string text) =>
        text.Replace("&", "&amp;", StringComparison.Ordinal).Replace("<", "&lt;", StringComparison.Ordinal).Replace(">", "&gt;", StringComparison.Ordinal);

    private async Task HandleSocketAsync(HttpContext context)
    {
        var ticket = context.Request.Query["ticket"].ToString();
        bool valid;
        lock (_gate)
        {
            valid = _tickets.Remove(ticket);
        }

        if (!context.WebSockets.IsWebSocketRequest || !valid)
        {
            // The URL from apps.connections.open is single use.
            context.Response.StatusCode = 400;
            return;
        }

        var (socket, stream) = await AcceptFreezableAsync(context);
        using var disposeSocket = socket;
        var connection = new SocketConnection(Interlocked.Increment(ref _socketNumber), socket, context) { Stream = stream };
        lock (_gate)
        {
            _sockets.Add(connection);
        }

        await connection.SendAsync(new JsonObject
        {
            ["type"] = "hello",
            ["num_connections"] = OpenConnections,
            ["connection_info"] = new JsonObject { ["app_id"] = "A0EMU" },
            ["debug_info"] = new JsonObject { ["host"] = "applink-emulated", ["build_number"] = 1, ["approximate_connection_time"] = 18060 },
        }.ToJsonString());

        List<PendingEnvelope> queued;
        List<SocketConnection> replaced;
        lock (_gate)
        {
            connection.Ready = true;
            ConnectionsOpened++;
            queued = [.. _undelivered];
            _undelivered.Clear();
            replaced = _sockets.Where(s => s != connection && s.DisconnectReason == "warning" && !s.Ended).ToList();
        }

        Changed();
        foreach (var pending in queued)
        {
            await SendEnvelopeAsync(pending, isRedelivery: true);
        }

        foreach (var old in replaced)
        {
            _ = old.CloseAsync();
        }

        try
        {
            await ReadAsync(connection);
        }
        finally
        {
            await EndAsync(connection);
        }
    }

    /// <summary>
    /// Accepts the WebSocket upgrade over a stream the emulator can freeze (<see cref="StopAnswering"/>): ASP.NET Core's
    /// own accept gives no way to stop its socket answering pings while the connection stays open.
    /// </summary>
    private static async Task<(WebSocket Socket, FreezableStream Stream)> AcceptFreezableAsync(HttpContext context)
    {
        var upgrade = context.Features.Get<IHttpUpgradeFeature>() ?? throw new InvalidOperationException("The server cannot upgrade this request.");
        var key = context.Request.Headers["Sec-WebSocket-Key"].ToString();
#pragma warning disable CA5350 // RFC 6455 defines Sec-WebSocket-Accept with SHA-1; it is no security measure here.
        var accept = Convert.ToBase64String(SHA1.HashData(Encoding.ASCII.GetBytes(key + "258EAFA5-E914-47DA-95CA-C5AB0DC85B11")));
#pragma warning restore CA5350
        context.Response.Headers.Connection = "Upgrade";
        context.Response.Headers.Upgrade = "websocket";
        context.Response.Headers["Sec-WebSocket-Accept"] = accept;
        var stream = new FreezableStream(await upgrade.UpgradeAsync());
        var socket = WebSocket.CreateFromStream(stream, new WebSocketCreationOptions { IsServer = true, KeepAliveInterval = TimeSpan.Zero });
        return (socket, stream);
    }

    private async Task ReadAsync(SocketConnection connection)
    {
        var buffer = new byte[64 * 1024];
        using var message = new MemoryStream();
        try
        {
            while (true)
            {
                var result = await connection.Socket.ReceiveAsync(buffer, CancellationToken.None);
                if (result.MessageType == WebSocketMessageType.Close)
                {
                    await connection.CloseAsync();
                    return;
                }

                message.Write(buffer, 0, result.Count);
                if (!result.EndOfMessage)
                {
                    continue;
                }

                var text = Encoding.UTF8.GetString(message.GetBuffer(), 0, (int)message.Length);
                message.SetLength(0);
                OnFrame(connection, text);
            }
        }
        catch (Exception ex) when (ex is WebSocketException or OperationCanceledException or IOException or Microsoft.AspNetCore.Connections.ConnectionAbortedException)
        {
            // The connection dropped.
        }
    }

    private void OnFrame(SocketConnection connection, string text)
    {
        if (JsonNode.Parse(text) is not JsonObject frame || frame["envelope_id"]?.GetValue<string>() is not { } envelopeId)
        {
            lock (_gate)
            {
                _violations.Add($"Socket Mode: the app sent a frame that is not an acknowledgement: {text}");
            }

            Changed();
            return;
        }

        PendingEnvelope? pending;
        lock (_gate)
        {
            if (!_envelopes.TryGetValue(envelopeId, out pending))
            {
                _violations.Add($"Socket Mode: acknowledgement of unknown envelope {envelopeId}.");
            }
            else if (pending.Acked)
            {
                Interlocked.Increment(ref _duplicateAcks);
                pending = null;
            }
            else
            {
                pending.Acked = true;
                var payload = frame["payload"] as JsonObject;
                if (payload is not null && !pending.AcceptsResponsePayload && payload.Count > 0)
                {
                    _violations.Add($"Socket Mode: a response payload on {envelopeId}, which does not accept one.");
                }

                if (payload?["response_action"]?.GetValue<string>() == "errors")
                {
                    // Slack shows errors only under input blocks of the submitted modal, by block_id.
                    var inputs = (pending.Payload["view"]?["blocks"] as JsonArray ?? []).OfType<JsonObject>()
                        .Where(b => b["type"]?.GetValue<string>() == "input").Select(b => b["block_id"]?.GetValue<string>()).ToHashSet();
                    if (pending.Payload["type"]?.GetValue<string>() != "view_submission" || payload["errors"] is not JsonObject errors || errors.Count == 0
                        || errors.Any(e => !inputs.Contains(e.Key) || e.Value is not JsonValue))
                    {
                        _violations.Add($"Socket Mode: response_action errors on {envelopeId} that name no input block of the submitted view: {payload.ToJsonString()}");
                    }
                }

                var ack = new SlackAck(envelopeId, pending.Type, (JsonObject?)payload?.DeepClone(), Stopwatch.GetElapsedTime(pending.SentAt), connection.Number);
                _acks.Add(ack);
                pending.Ack.TrySetResult(ack.Payload);
            }
        }

        Changed();
    }

    private async Task EndAsync(SocketConnection connection)
    {
        List<PendingEnvelope> orphans;
        lock (_gate)
        {
            connection.Ended = true;
            _sockets.Remove(connection);
            orphans = _envelopes.Values.Where(e => !e.Acked && e.Connection == connection).ToList();
        }

        Changed();
        foreach (var orphan in orphans)
        {
            Interlocked.Increment(ref _redeliveries);
            await SendEnvelopeAsync(orphan, isRedelivery: true);
        }
    }

    private async Task<PendingEnvelope> DeliverAsync(string type, JsonObject payload, bool acceptsResponsePayload)
    {
        var pending = new PendingEnvelope(Guid.NewGuid().ToString(), type, payload, acceptsResponsePayload);
        lock (_gate)
        {
            _envelopes[pending.Id] = pending;
        }

        await SendEnvelopeAsync(pending, isRedelivery: false);
        return pending;
    }

    private async Task SendEnvelopeAsync(PendingEnvelope pending, bool isRedelivery)
    {
        while (true)
        {
            SocketConnection target;
            string json;
            lock (_gate)
            {
                if (pending.Acked && !isRedelivery)
                {
                    return;
                }

                var candidates = _sockets.Where(s => s.Ready && !s.Ended && !s.Silent).ToList();
                if (candidates.Count == 0)
                {
                    _undelivered.Add(pending);
                    return;
                }

                target = candidates[_random.Next(candidates.Count)];
                pending.Connection = target;
                pending.SentAt = Stopwatch.GetTimestamp();
                var envelope = new JsonObject
                {
                    ["envelope_id"] = pending.Id,
                    ["type"] = pending.Type,
                    ["payload"] = pending.Payload.DeepClone(),
                    ["accepts_response_payload"] = pending.AcceptsResponsePayload,
                };
                if (pending.Type == "events_api")
                {
                    envelope["retry_attempt"] = pending.Attempts;
                    envelope["retry_reason"] = pending.Attempts == 0 ? "" : "timeout";
                }

                pending.Attempts++;
                json = envelope.ToJsonString();
            }

            try
            {
                await target.SendAsync(json);
                return;
            }
            catch (Exception ex) when (ex is WebSocketException or IOException or ObjectDisposedException or InvalidOperationException or OperationCanceledException)
            {
                lock (_gate)
                {
                    target.Ended = true;
                }
            }
        }
    }

    private sealed class PendingEnvelope(string id, string type, JsonObject payload, bool acceptsResponsePayload)
    {
        public string Id { get; } = id;

        public string Type { get; } = type;

        public JsonObject Payload { get; } = payload;

        public bool AcceptsResponsePayload { get; } = acceptsResponsePayload;

        public TaskCompletionSource<JsonObject?> Ack { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public bool Acked { get; set; }

        public int Attempts { get; set; }

        public long SentAt { get; set; }

        public SocketConnection? Connection { get; set; }
    }

    #pragma warning disable CA1001 // The semaphore lives as long as the connection; nothing to release.
    private sealed class SocketConnection(int number, WebSocket socket, HttpContext context)
    {
        private readonly SemaphoreSlim _send = new(1, 1);
        private int _closing;

        public int Number { get; } = number;

        public WebSocket Socket { get; } = socket;

        public HttpContext Context { get; } = context;

        public bool Ready { get; set; }

        public bool Ended { get; set; }

        public bool Silent { get; set; }

        public FreezableStream? Stream { get; init; }

        public string? DisconnectReason { get; set; }

        public async Task SendAsync(string text)
        {
            await _send.WaitAsync();
            try
            {
                await Socket.SendAsync(Encoding.UTF8.GetBytes(text), WebSocketMessageType.Text, true, CancellationToken.None);
            }
            finally
            {
                _send.Release();
            }
        }

        public async Task CloseAsync()
        {
            if (Interlocked.Exchange(ref _closing, 1) == 1)
            {
                return;
            }

            await _send.WaitAsync();
            try
            {
                if (Socket.State is WebSocketState.Open or WebSocketState.CloseReceived)
                {
                    await Socket.CloseOutputAsync(WebSocketCloseStatus.NormalClosure, "bye", CancellationToken.None);
                }
            }
            catch (Exception ex) when (ex is WebSocketException or IOException or ObjectDisposedException)
            {
                // Already gone.
            }
            finally
            {
                _send.Release();
            }
        }
    }
#pragma warning restore CA1001
}
