using System.Collections.Concurrent;
using System.Globalization;
using System.Net;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Threading.Channels;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using PeerBot.Core.Configuration;
using PeerBot.Core.Platform;
using PeerBot.Discord;
using PeerBot.Discord.Gateway;
using PeerBot.Discord.Rest;
using PeerBot.Testing;

namespace PeerBot.Reliability.Tests.Fuzzing;

/// <summary>
/// Random and mutated Discord gateway payloads (valid ops with wrong types, missing fields, huge numbers, unknown ops,
/// broken JSON, mutated MESSAGE_CREATE and INTERACTION_CREATE) through the real gateway client and event router over a
/// scripted transport: nothing escapes, the client keeps running (or reconnects when asked), and only well-formed events
/// reach Core.
/// </summary>
public sealed class GatewayFuzzTests
{
    private const int Seed = 6606;

    [Fact]
    public async Task Gateway_RandomAndMutatedPayloads_ClientKeepsRunningAndCoreGetsOnlyWellFormedEvents()
    {
        var time = new SignallingTimeProvider(new DateTimeOffset(2026, 11, 2, 18, 0, 0, TimeSpan.Zero));
        var logs = new CapturingLoggerProvider();
        var recorder = new RecordingPlatformHandler();
        var adapterOptions = new DiscordAdapterOptions
        {
            ReconnectBaseDelay = TimeSpan.Zero,
            InvalidSessionMinDelay = TimeSpan.Zero,
            InvalidSessionMaxDelay = TimeSpan.Zero,
        };
        var services = new ServiceCollection();
        services.AddLogging(b => b.AddProvider(logs).SetMinimumLevel(LogLevel.Trace));
        services.AddOptions<PeerBotOptions>().Configure(o =>
        {
            o.Discord.Token = "tkn";
            o.Discord.GuildId = "100";
            o.Discord.ApiBaseUrl = "https://discord.test/api/v10";
        });
        services.AddSingleton<TimeProvider>(time);
        services.AddSingleton<IPlatformEventHandler>(recorder);
        services.AddDiscord();
        services.AddSingleton(adapterOptions);
        services.AddSingleton(sp => new DiscordRestClient(
            new HttpClient(new NoContentHandler()), "https://discord.test/api/v10", "tkn", adapterOptions, time, sp.GetRequiredService<ILogger<DiscordRestClient>>()));
        await using var provider = services.BuildServiceProvider();
        var router = provider.GetRequiredService<DiscordEventRouter>();
        using var stop = new CancellationTokenSource();
        router.Stopping = stop.Token;
        var messages = router.RunMessagesAsync(stop.Token);
        var transports = new FuzzTransportFactory(time);
        var client = new GatewayClient(
            _ => Task.FromResult(new GatewayBotInfo("wss://gateway.test", 1000, 999, TimeSpan.FromHours(4), 1)),
            "tkn", transports, router, adapterOptions, time, new Random(1), provider.GetRequiredService<ILogger<GatewayClient>>());
        var run = client.RunAsync(stop.Token);
        await HeartbeatSentinelAsync(transports, time, -1, run);

        var random = new Random(Seed);
        var count = Fuzz.Cases(1_000);
        for (var i = 0; i < count; i++)
        {
            var frame = Frame(random, i);
            var reconnectsBefore = Reconnects(logs);
            var unusableReadiesBefore = UnusableReadies(logs);
            transports.Newest.Push(frame);
            await HeartbeatSentinelAsync(transports, time, i, run);
            Assert.False(run.IsCompleted, $"Case {i} of seed {Seed}: the gateway client stopped.\nframe: {frame}\n{run.Exception}");
            if (!AsksToReconnect(frame))
            {
                // A READY that names no usable session starts a new one (a fresh identify), with this warning; nothing else may reconnect.
                var newSession = IsReady(frame) && UnusableReadies(logs) == unusableReadiesBefore + 1 && Reconnects(logs) == reconnectsBefore + 1;
                Assert.True(Reconnects(logs) == reconnectsBefore || newSession, $"Case {i} of seed {Seed}: the payload broke the connection.\nframe: {frame}\n" +
                    string.Join("\n", logs.Lines.TakeLast(5).Select(l => $"{l.Level}: {l.Message} {l.Error}")));
            }
        }

        await router.DrainInteractionsAsync().WaitAsync(TimeSpan.FromSeconds(20));
        await stop.CancelAsync();
        Assert.True(await SafetyNet.EndsWithinAsync(run, TimeSpan.FromSeconds(20)));
        Assert.False(run.IsFaulted, run.Exception?.ToString());
        Assert.True(await SafetyNet.EndsWithinAsync(messages, TimeSpan.FromSeconds(20)));

        // Dispatches of the wrong shape are dropped with a warning. The one error left is an interaction whose header is
        // sound but whose data is not: the person is answered with the failure text and the error is logged.
        Assert.All(logs.Lines.Where(l => l.Error is not null && l.Level >= LogLevel.Error), l => Assert.Equal("Handling a Discord interaction failed", l.Message));

        var received = recorder.Received;
        Assert.NotEmpty(received);
        foreach (var item in received)
        {
            switch (item)
            {
                case IncomingMessage m:
                    Assert.False(string.IsNullOrWhiteSpace(m.ChannelId) || string.IsNullOrWhiteSpace(m.MessageId) || string.IsNullOrWhiteSpace(m.AuthorUserId), m.ToString());
                    Assert.NotNull(m.Text);
                    break;
                case CommandInvocation c:
                    Assert.False(string.IsNullOrWhiteSpace(c.UserId), c.ToString());
                    Assert.NotNull(c.Text);
                    break;
                case ButtonPress b:
                    Assert.False(string.IsNullOrWhiteSpace(b.UserId) || string.IsNullOrEmpty(b.ActionId), b.ToString());
                    break;
                case FormSubmission f:
                    Assert.False(string.IsNullOrWhiteSpace(f.UserId), f.ToString());
                    break;
            }
        }
    }

    private const string UnusableReadyWarning = "Discord sent a READY without a usable session id or resume url";

    private static int UnusableReadies(CapturingLoggerProvider logs) =>
        logs.Lines.Count(l => l.Level == LogLevel.Warning && l.Message.StartsWith(UnusableReadyWarning, StringComparison.Ordinal));

    private static bool IsReady(string frame)
    {
        try
        {
            using var document = JsonDocument.Parse(frame);
            return document.RootElement.ValueKind == JsonValueKind.Object
                && document.RootElement.TryGetProperty("op", out var op) && op.ValueKind == JsonValueKind.Number && op.TryGetInt32(out var code) && code == 0
                && document.RootElement.TryGetProperty("t", out var t) && t.ValueKind == JsonValueKind.String && t.ValueEquals("READY");
        }
        catch (Exception ex) when (ex is JsonException or ArgumentException or InvalidOperationException)
        {
            return false;
        }
    }

    private static int Reconnects(CapturingLoggerProvider logs) =>
        logs.Lines.Count(l => l.Message.StartsWith("Discord gateway reconnecting", StringComparison.Ordinal));

    /// <summary>Op 7 or op 9 (whatever their data) ask for a new connection; so may a Hello whose shape changes the session.</summary>
    private static bool AsksToReconnect(string frame)
    {
        try
        {
            using var document = JsonDocument.Parse(frame);
            return document.RootElement.ValueKind == JsonValueKind.Object && document.RootElement.TryGetProperty("op", out var op)
                && op.ValueKind == JsonValueKind.Number && op.TryGetInt32(out var code) && code is 7 or 9;
        }
        catch (Exception ex) when (ex is JsonException or ArgumentException)
        {
            return false;
        }
    }

    /// <summary>
    /// Asks for a heartbeat (op 1) and waits for it: every payload before it has been handled. A payload that ends the
    /// connection takes the request with it, so each new connection is asked again; between connections the client waits
    /// on the clock (identify spacing), so a timer set then moves the clock on. Nothing waits on real time but the bound.
    /// </summary>
    private static async Task HeartbeatSentinelAsync(FuzzTransportFactory transports, SignallingTimeProvider time, int i, Task run)
    {
        using var safetyNet = new CancellationTokenSource(TimeSpan.FromSeconds(20));
        var before = transports.Heartbeats;
        var asked = 0;
        var timersMoved = -1;
        while (true)
        {
            var changed = transports.WhenChanged;
            var timerCreated = time.WhenTimerCreated;
            if (transports.Heartbeats > before)
            {
                return;
            }

            if (run.IsCompleted)
            {
                throw new InvalidOperationException($"Case {i} of seed {Seed}: the gateway client stopped ({run.Status}: {run.Exception?.InnerException}).");
            }

            var count = transports.Count;
            if (count > asked)
            {
                asked = count;
                transports.Newest.Push("{\"op\":1,\"d\":null}");
                continue;
            }

            // Between connections: a timer set after the last connection ended is the client's wait (5 s identify spacing).
            if (count > 0 && transports.Newest.TimersWhenDisposed is { } atDisposal && time.TimersCreated > Math.Max(atDisposal, timersMoved))
            {
                timersMoved = time.TimersCreated;
                time.Advance(TimeSpan.FromSeconds(6));
                continue;
            }

            try
            {
                await Task.WhenAny(changed, timerCreated, run).WaitAsync(safetyNet.Token);
            }
            catch (OperationCanceledException) when (safetyNet.IsCancellationRequested)
            {
                throw new TimeoutException($"Case {i} of seed {Seed}: the gateway client stopped answering ({run.Status}: {run.Exception?.InnerException}).");
            }
        }
    }

    private static string Frame(Random random, int i)
    {
        var seq = random.Next(3) == 0 ? 1_000_000 + i : i + 2;
        JsonObject valid = random.Next(9) switch
        {
            0 or 1 => Dispatch(seq, "MESSAGE_CREATE", new JsonObject
            {
                ["id"] = (200_000 + i).ToString(CultureInfo.InvariantCulture),
                ["channel_id"] = Fuzz.Pick(random, ["300", "301"]),
                ["guild_id"] = random.Next(2) == 0 ? "100" : null,
                ["author"] = new JsonObject { ["id"] = Fuzz.Pick(random, ["400", "401", "999"]), ["username"] = "ana", ["bot"] = random.Next(5) == 0 },
                ["content"] = Fuzz.Text(random, 4),
                ["timestamp"] = "2026-11-02T18:00:00.000000+00:00",
                ["attachments"] = new JsonArray(),
            }),
            2 or 3 => Dispatch(seq, "INTERACTION_CREATE", Interaction(random, i)),
            4 => Dispatch(seq, Fuzz.Pick(random, ["GUILD_CREATE", "CHANNEL_CREATE", "CHANNEL_UPDATE", "CHANNEL_DELETE", "READY", "RESUMED", "TYPING_START"]), new JsonObject
            {
                ["id"] = "300", ["name"] = "g-tue", ["type"] = 0, ["parent_id"] = "500", ["guild_id"] = "100",
                ["channels"] = new JsonArray(new JsonObject { ["id"] = "301", ["name"] = "g-owl", ["type"] = 0 }),
                ["session_id"] = "s2", ["user"] = new JsonObject { ["id"] = "999" }, ["application"] = new JsonObject { ["id"] = "888" },
            }),
            5 => new JsonObject { ["op"] = 11 },
            6 => new JsonObject { ["op"] = 10, ["d"] = new JsonObject { ["heartbeat_interval"] = 41_250 } },
            7 => new JsonObject { ["op"] = Fuzz.Pick(random, ["7", "9", "42", "-1", "3", "8"]) is var o ? int.Parse(o, CultureInfo.InvariantCulture) : 0, ["d"] = random.Next(2) == 0 },
            _ => new JsonObject { ["op"] = 0, ["s"] = seq, ["t"] = Fuzz.Text(random, 2), ["d"] = Fuzz.Text(random, 2) },
        };

        return random.Next(8) switch
        {
            0 or 1 => valid.ToJsonString(),
            2 => Fuzz.Mutate(random, valid.ToJsonString()),
            3 or 4 or 5 => SocketModeFuzzTests.MutateTree(random, valid).ToJsonString(),
            6 => Fuzz.Pick(random,
            [
                "[]", "null", "{", "", "{}", "{\"op\":0}", "{\"op\":0,\"s\":1e400,\"t\":\"MESSAGE_CREATE\",\"d\":{}}", "{\"op\":0,\"s\":-1,\"t\":null,\"d\":null}",
                "{\"op\":99999999999,\"d\":1}", "{\"op\":\"0\",\"t\":\"MESSAGE_CREATE\"}", "{\"op\":0,\"t\":\"MESSAGE_CREATE\",\"d\":[]}",
                "{\"op\":0,\"t\":\"INTERACTION_CREATE\",\"d\":\"x\"}", "{\"op\":0,\"t\":\"\\uD800\",\"d\":{}}", new string('{', 5_000), "\u0000",
            ]),
            _ => Fuzz.Text(random),
        };
    }

    private static JsonObject Dispatch(long seq, string name, JsonObject data) => new() { ["op"] = 0, ["s"] = seq, ["t"] = name, ["d"] = data };

    private static JsonObject Interaction(Random random, int i)
    {
        var isButton = random.Next(3) == 0;
        var isForm = !isButton && random.Next(3) == 0;
        return new JsonObject
        {
            ["id"] = (700_000 + i).ToString(CultureInfo.InvariantCulture),
            ["application_id"] = "888",
            ["type"] = isButton ? 3 : isForm ? 5 : 2,
            ["token"] = "itok" + i.ToString(CultureInfo.InvariantCulture),
            ["channel_id"] = "300",
            ["guild_id"] = "100",
            ["member"] = new JsonObject { ["user"] = new JsonObject { ["id"] = "400", ["username"] = "ana" } },
            ["data"] = isButton
                ? new JsonObject { ["custom_id"] = Fuzz.Pick(random, ["ack:A1", "resolve:A1", "share:open"]), ["component_type"] = 2 }
                : isForm
                    ? new JsonObject
                    {
                        ["custom_id"] = "share",
                        ["components"] = new JsonArray(new JsonObject
                        {
                            ["type"] = 1,
                            ["components"] = new JsonArray(new JsonObject { ["type"] = 4, ["custom_id"] = "text", ["value"] = Fuzz.Text(random, 4) }),
                        }),
                    }
                    : new JsonObject
                    {
                        ["name"] = "peer", ["type"] = 1,
                        ["options"] = new JsonArray(new JsonObject
                        {
                            ["name"] = Fuzz.Word(random), ["type"] = 1,
                            ["options"] = new JsonArray(new JsonObject { ["name"] = "text", ["type"] = 3, ["value"] = Fuzz.Text(random, 3) }),
                        }),
                    },
        };
    }

    private sealed class FuzzTransportFactory(SignallingTimeProvider time) : FuzzConnections<FuzzTransport>, IGatewayTransportFactory
    {
        private int _heartbeats;

        public int Heartbeats => Volatile.Read(ref _heartbeats);

        public IGatewayTransport Create() => Add(new FuzzTransport(this));

        public void OnDisposed(FuzzTransport transport)
        {
            transport.TimersWhenDisposed = time.TimersCreated;
            Changed();
        }

        public void OnSent(FuzzTransport transport, string text)
        {
            using (var document = JsonDocument.Parse(text))
            {
                switch (document.RootElement.GetProperty("op").GetInt32())
                {
                    case 1:
                        Interlocked.Increment(ref _heartbeats);
                        break;
                    case 2:
                        transport.Push("{\"op\":0,\"s\":1,\"t\":\"READY\",\"d\":{\"session_id\":\"sess\",\"resume_gateway_url\":\"wss://gateway.test\",\"user\":{\"id\":\"999\"},\"application\":{\"id\":\"888\"}}}");
                        break;
                    case 6:
                        transport.Push("{\"op\":0,\"s\":2,\"t\":\"RESUMED\",\"d\":{}}");
                        break;
                }
            }

            Changed();
        }
    }

    private sealed class FuzzTransport(FuzzTransportFactory owner) : IGatewayTransport
    {
        private readonly Channel<GatewayFrame> _incoming = Channel.CreateUnbounded<GatewayFrame>();
        private int _timersWhenDisposed = -1;

        /// <summary>How many timers the clock had made when the client let go of this connection; null while it holds it.</summary>
        public int? TimersWhenDisposed
        {
            get => Volatile.Read(ref _timersWhenDisposed) is var v and >= 0 ? v : null;
            set => Volatile.Write(ref _timersWhenDisposed, value ?? -1);
        }

        public void Push(string text) => _incoming.Writer.TryWrite(GatewayFrame.Message(text));

        public Task ConnectAsync(Uri uri, CancellationToken cancellationToken)
        {
            // A long interval: heartbeats come only when asked (op 1), so each one marks the payloads before it as handled.
            Push("{\"op\":10,\"d\":{\"heartbeat_interval\":3600000}}");
            return Task.CompletedTask;
        }

        public Task SendAsync(string message, CancellationToken cancellationToken)
        {
            owner.OnSent(this, message);
            return Task.CompletedTask;
        }

        public async Task<GatewayFrame> ReceiveAsync(CancellationToken cancellationToken) => await _incoming.Reader.ReadAsync(cancellationToken);

        public Task CloseAsync(int code, string reason, CancellationToken cancellationToken)
        {
            _incoming.Writer.TryWrite(GatewayFrame.Closed(code, reason));
            return Task.CompletedTask;
        }

        public ValueTask DisposeAsync()
        {
            owner.OnDisposed(this);
            return ValueTask.CompletedTask;
        }
    }

    /// <summary>Discord's REST API as far as this test needs it: every call succeeds with no content.</summary>
    private sealed class NoContentHandler : HttpMessageHandler
    {
        protected override Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken) =>
            Task.FromResult(new HttpResponseMessage(HttpStatusCode.NoContent));
    }
}
