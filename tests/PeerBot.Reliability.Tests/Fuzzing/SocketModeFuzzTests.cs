using System.Collections.Concurrent;
using System.Globalization;
using System.Net;
using System.Net.WebSockets;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Threading.Channels;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Time.Testing;
using PeerBot.Core.Configuration;
using PeerBot.Core.Platform;
using PeerBot.Slack;
using PeerBot.Slack.SocketMode;

namespace PeerBot.Reliability.Tests.Fuzzing;

/// <summary>
/// Random and mutated Socket Mode frames (events_api, slash_commands, interactive, hello, disconnect, garbage) through
/// the real Slack adapter (Socket Mode client and event dispatcher) over a scripted socket: no crash, every envelope
/// with an envelope id acknowledged, a frame that is not JSON dropped with a log line, and only well-formed events reach Core.
/// </summary>
public sealed class SocketModeFuzzTests
{
    private const int Seed = 5505;

    [Fact]
    public async Task SocketMode_RandomAndMutatedEnvelopes_AcknowledgedAndNeverCrash()
    {
        var time = new FakeTimeProvider(new DateTimeOffset(2026, 11, 2, 18, 0, 0, TimeSpan.Zero));
        var logs = new CapturingLoggerProvider();
        var recorder = new RecordingPlatformHandler();
        var sockets = new FuzzSocketFactory();
        var services = new ServiceCollection();
        services.AddLogging(b => b.AddProvider(logs).SetMinimumLevel(LogLevel.Trace));
        services.AddOptions<PeerBotOptions>().Configure(o =>
        {
            o.Slack.BotToken = "xoxb-fuzz";
            o.Slack.AppToken = "xapp-fuzz";
            o.Slack.ApiBaseUrl = "https://slack.test/api/";
        });
        services.AddSingleton<TimeProvider>(time);
        services.AddSingleton<IPlatformEventHandler>(recorder);
        services.AddSlack(o => o.CallsPerMinuteByTier[1] = 100_000);
        services.AddSingleton<ISlackSocketFactory>(sockets);
        services.AddSingleton<IHttpClientFactory, OpenOnlyHttpFactory>();
        await using var provider = services.BuildServiceProvider();
        var client = provider.GetRequiredService<SocketModeClient>();

        // The hello timeout is not a wait to move past: hello is already on its way from the scripted socket.
        var waits = Channel.CreateUnbounded<TimeSpan>();
        provider.GetRequiredService<SlackTimers>().DelayStarted += (delay, purpose) =>
        {
            if (purpose != "socket-mode hello")
            {
                waits.Writer.TryWrite(delay);
            }
        };
        using var stop = new CancellationTokenSource();
        var run = client.RunAsync(stop.Token);
        await client.Ready.WaitAsync(TimeSpan.FromSeconds(20));

        var random = new Random(Seed);
        var count = Fuzz.Cases(1_500);
        var expectedAcks = new List<string>();
        for (var i = 0; i < count; i++)
        {
            var frame = Frame(random, i);
            var (envelopeId, isDisconnect, isJson) = Inspect(frame);
            var dropsBefore = Drops(logs);
            var warningsBefore = logs.Lines.Count(l => l.Level == LogLevel.Warning);
            var connectionsBefore = sockets.Count;
            await PushToCurrentAsync(sockets, frame, i);
            await SentinelAsync(sockets, waits.Reader, time, i, run);

            // A frame sent while the client was replacing that connection (open the new one, then close the old) may
            // never be read, as on Slack, where an unacknowledged envelope is sent again on the new connection.
            var replacedMeanwhile = sockets.Count != connectionsBefore;
            if (envelopeId is not null)
            {
                expectedAcks.Add(envelopeId);

                // Interactions are acknowledged once Core has answered, which may come after the sentinel.
                var acked = sockets.WaitForAckAsync(envelopeId);
                Assert.True(await SafetyNet.EndsWithinAsync(acked, TimeSpan.FromSeconds(10)), $"Case {i} of seed {Seed}: envelope \"{envelopeId}\" was not acknowledged.\nframe: {frame}");
            }

            Assert.False(run.IsCompleted, $"Case {i} of seed {Seed}: the Socket Mode client stopped.\nframe: {frame}\n{run.Exception}");
            if (!isDisconnect)
            {
                Assert.True(Drops(logs) == dropsBefore, $"Case {i} of seed {Seed}: the frame broke the connection.\nframe: {frame}\n" +
                    string.Join("\n", logs.Lines.TakeLast(5).Select(l => $"{l.Level}: {l.Message} {l.Error}")));
            }

            if (!isJson && !replacedMeanwhile)
            {
                Assert.True(logs.Lines.Count(l => l.Level == LogLevel.Warning) > warningsBefore, $"Case {i} of seed {Seed}: garbage dropped without a log line.\nframe: {frame}");
            }
        }

        await stop.CancelAsync();
        Assert.True(await SafetyNet.EndsWithinAsync(run, TimeSpan.FromSeconds(20)));
        Assert.True(expectedAcks.Count > count / 4, $"only {expectedAcks.Count} envelopes carried an id");
        Assert.DoesNotContain(logs.Lines, l => l.Level >= LogLevel.Critical);

        // A payload of the wrong shape is dropped as unknown, not handled until something throws.
        var shapeErrors = logs.Lines.Where(l => l.Error is InvalidOperationException or FormatException or KeyNotFoundException
            or NullReferenceException or IndexOutOfRangeException or ArgumentException).Select(l => $"{l.Message} {l.Error}").ToList();
        Assert.True(shapeErrors.Count == 0, string.Join("\n\n", shapeErrors.Take(3)));

        // Only well-formed events reach Core: every id and text present.
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

    private static int Drops(CapturingLoggerProvider logs) =>
        logs.Lines.Count(l => l.Message.StartsWith("The Socket Mode connection dropped", StringComparison.Ordinal));

    /// <summary>
    /// Sends a valid envelope after the fuzzed frame and waits for its acknowledgement: the frame was handled. A frame
    /// that replaces the connection may take the sentinel with it, so each new connection gets one too; a back-off the
    /// client starts (reported once its timer exists) moves the clock past it. Nothing waits on real time but the bound.
    /// </summary>
    private static async Task SentinelAsync(FuzzSocketFactory sockets, ChannelReader<TimeSpan> waits, FakeTimeProvider time, int i, Task run)
    {
        using var safetyNet = new CancellationTokenSource(TimeSpan.FromSeconds(20));
        var sent = new List<string>();
        var asked = 0;
        while (true)
        {
            var changed = sockets.WhenChanged;
            if (sent.Exists(sockets.Acked.ContainsKey))
            {
                // Lets go of the pending read on the waits channel.
                await safetyNet.CancelAsync();
                return;
            }

            if (run.IsCompleted)
            {
                throw new InvalidOperationException($"Case {i} of seed {Seed}: the Socket Mode client stopped ({run.Status}: {run.Exception?.InnerException}).");
            }

            var count = sockets.Count;
            if (count > asked)
            {
                var id = string.Create(CultureInfo.InvariantCulture, $"sentinel-{i}-{sent.Count}");
                if (sockets.Newest.TryPush("{\"envelope_id\":\"" + id + "\",\"type\":\"events_api\",\"payload\":{},\"accepts_response_payload\":false}"))
                {
                    asked = count;
                    sent.Add(id);
                    continue;
                }

                // The newest connection is already closing: its replacement is on the way.
            }

            if (waits.TryRead(out var delay))
            {
                // Up to the whole millisecond: Task.Delay on a clock drops the fraction, and a check against the exact moment passes.
                time.Advance(TimeSpan.FromTicks((delay.Ticks + TimeSpan.TicksPerMillisecond - 1) / TimeSpan.TicksPerMillisecond * TimeSpan.TicksPerMillisecond));
                continue;
            }

            try
            {
                await Task.WhenAny(changed, waits.WaitToReadAsync(safetyNet.Token).AsTask(), run).WaitAsync(safetyNet.Token);
            }
            catch (OperationCanceledException) when (safetyNet.IsCancellationRequested)
            {
                throw new TimeoutException($"Case {i} of seed {Seed}: the client stopped acknowledging.");
            }
        }
    }

    /// <summary>
    /// Sends a frame on the newest connection that is still open. A connection the client has closed reads nothing more,
    /// and Slack would not send on it, so a frame is never left there unread; the replacement gets it instead.
    /// </summary>
    private static async Task PushToCurrentAsync(FuzzSocketFactory sockets, string frame, int i)
    {
        using var safetyNet = new CancellationTokenSource(TimeSpan.FromSeconds(20));
        while (true)
        {
            var changed = sockets.WhenChanged;
            if (sockets.Newest.TryPush(frame))
            {
                return;
            }

            try
            {
                await changed.WaitAsync(safetyNet.Token);
            }
            catch (OperationCanceledException) when (safetyNet.IsCancellationRequested)
            {
                throw new TimeoutException($"Case {i} of seed {Seed}: every connection is closed and no new one came.");
            }
        }
    }

    private static (string? EnvelopeId, bool IsDisconnect, bool IsJson) Inspect(string frame)
    {
        try
        {
            using var document = JsonDocument.Parse(frame);
            var root = document.RootElement;
            if (root.ValueKind != JsonValueKind.Object)
            {
                return (null, false, true);
            }

            string? id = null;
            if (root.TryGetProperty("envelope_id", out var e) && e.ValueKind == JsonValueKind.String)
            {
                try
                {
                    id = e.GetString() is { Length: > 0 } s ? s : null;
                }
                catch (InvalidOperationException)
                {
                    id = null; // a lone surrogate: no text can hold it, so no acknowledgement can name it
                }
            }

            var disconnect = id is null && root.TryGetProperty("type", out var t) && t.ValueKind == JsonValueKind.String && t.ValueEquals("disconnect");
            return (id, disconnect, true);
        }
        catch (Exception ex) when (ex is JsonException or ArgumentException)
        {
            return (null, false, false);
        }
    }

    private static string Frame(Random random, int i)
    {
        var id = string.Create(CultureInfo.InvariantCulture, $"env-{i}");
        var valid = random.Next(6) switch
        {
            0 => Envelope(id, "events_api", new JsonObject
            {
                ["type"] = "event_callback",
                ["event_id"] = "Ev" + i.ToString(CultureInfo.InvariantCulture),
                ["event"] = new JsonObject
                {
                    ["type"] = "message", ["channel"] = Fuzz.Pick(random, ["C1", "D1", "G1"]), ["user"] = "U0ANA", ["text"] = Fuzz.Text(random, 4),
                    ["ts"] = string.Create(CultureInfo.InvariantCulture, $"1700000000.{i:000000}"), ["channel_type"] = Fuzz.Pick(random, ["channel", "group", "im"]),
                },
            }),
            1 => Envelope(id, "slash_commands", new JsonObject
            {
                ["command"] = "/peer", ["text"] = Fuzz.Text(random, 4), ["user_id"] = "U0ANA", ["channel_id"] = "C1", ["trigger_id"] = "t1",
                ["response_url"] = "https://hooks.slack.test/commands/1",
            }),
            2 => Envelope(id, "interactive", new JsonObject
            {
                ["type"] = "block_actions", ["trigger_id"] = "t1", ["user"] = new JsonObject { ["id"] = "U0ANA" },
                ["channel"] = new JsonObject { ["id"] = "C1" }, ["container"] = new JsonObject { ["message_ts"] = "1700000000.000001" },
                ["actions"] = new JsonArray(new JsonObject { ["action_id"] = Fuzz.Pick(random, ["ack:1", "resolve:1", "share:open", "x"]), ["value"] = "v" }),
            }),
            3 => Envelope(id, "interactive", new JsonObject
            {
                ["type"] = "view_submission", ["user"] = new JsonObject { ["id"] = "U0ANA" },
                ["view"] = new JsonObject
                {
                    ["callback_id"] = "share", ["private_metadata"] = "C1",
                    ["state"] = new JsonObject { ["values"] = new JsonObject { ["text"] = new JsonObject { ["text"] = new JsonObject { ["type"] = "plain_text_input", ["value"] = Fuzz.Text(random, 4) } } } },
                },
            }),
            4 => new JsonObject { ["type"] = "hello", ["num_connections"] = 1 },
            _ => new JsonObject { ["type"] = "disconnect", ["reason"] = Fuzz.Pick(random, ["warning", "refresh_requested", "socket_mode_ended"]) },
        };

        return random.Next(8) switch
        {
            0 => valid.ToJsonString(),
            1 or 2 => Fuzz.Mutate(random, valid.ToJsonString()),
            3 or 4 or 5 => MutateTree(random, valid).ToJsonString(),
            6 => Fuzz.Pick(random, ["[]", "null", "1", "\"x\"", "{", "", " ", "{}", "{\"envelope_id\":\"\\uD800\",\"type\":\"events_api\"}", new string('[', 3_000), "\u0000"]),
            _ => Fuzz.Text(random),
        };
    }

    private static JsonObject Envelope(string id, string type, JsonObject payload) =>
        new() { ["envelope_id"] = id, ["type"] = type, ["payload"] = payload, ["accepts_response_payload"] = type != "events_api", ["retry_attempt"] = 0 };

    /// <summary>Replaces, removes or adds one value anywhere in the tree: wrong types, huge numbers, nulls.</summary>
    internal static JsonObject MutateTree(Random random, JsonObject root)
    {
        var objects = new List<JsonObject>();
        Collect(root, objects);
        for (var e = random.Next(1, 4); e > 0; e--)
        {
            var target = objects[random.Next(objects.Count)];
            var keys = target.Select(p => p.Key).ToList();
            var key = keys.Count == 0 || random.Next(5) == 0 ? Fuzz.Text(random, 2) : Fuzz.Pick(random, keys);
            if (random.Next(4) == 0)
            {
                target.Remove(key);
            }
            else
            {
                target[key] = random.Next(10) switch
                {
                    0 => null,
                    1 => JsonValue.Create(random.Next(int.MinValue, int.MaxValue)),
                    2 => JsonValue.Create(1e300),
                    3 => JsonValue.Create(-0.5),
                    4 => new JsonArray(1, "a", null),
                    5 => new JsonObject { ["id"] = 7 },
                    6 => JsonValue.Create(random.Next(2) == 0),
                    7 => JsonValue.Create(""),
                    8 => JsonNode.Parse("123456789012345678901234567890"),
                    _ => JsonValue.Create(Fuzz.Text(random, 3)),
                };
            }
        }

        return root;
    }

    private static void Collect(JsonNode? node, List<JsonObject> into)
    {
        switch (node)
        {
            case JsonObject o:
                into.Add(o);
                foreach (var (_, child) in o.ToList())
                {
                    Collect(child, into);
                }

                break;
            case JsonArray a:
                foreach (var child in a)
                {
                    Collect(child, into);
                }

                break;
        }
    }

    private sealed class FuzzSocketFactory : FuzzConnections<FuzzSocket>, ISlackSocketFactory
    {
        public ConcurrentDictionary<string, int> Acked { get; } = new(StringComparer.Ordinal);

        public ISlackSocket Create() => Add(new FuzzSocket(this));

        public void OnSent(string text)
        {
            using (var document = JsonDocument.Parse(text))
            {
                Acked.AddOrUpdate(document.RootElement.GetProperty("envelope_id").GetString()!, 1, (_, n) => n + 1);
            }

            Changed();
        }

        public async Task WaitForAckAsync(string id)
        {
            while (true)
            {
                var signal = WhenChanged;
                if (Acked.ContainsKey(id))
                {
                    return;
                }

                await signal;
            }
        }
    }

    private sealed class FuzzSocket(FuzzSocketFactory owner) : ISlackSocket
    {
        private readonly Channel<SocketFrame> _incoming = Channel.CreateUnbounded<SocketFrame>();
        private readonly object _gate = new();
        private bool _closed;

        /// <summary>Queues a frame for the client; false once the client has closed or aborted this connection.</summary>
        public bool TryPush(string text)
        {
            lock (_gate)
            {
                return !_closed && _incoming.Writer.TryWrite(new SocketFrame(text));
            }
        }

        public Task ConnectAsync(Uri url, CancellationToken cancellationToken)
        {
            TryPush("{\"type\":\"hello\",\"num_connections\":1}");
            return Task.CompletedTask;
        }

        public async Task<SocketFrame> ReceiveAsync(CancellationToken cancellationToken) => await _incoming.Reader.ReadAsync(cancellationToken);

        public Task SendAsync(string text, CancellationToken cancellationToken)
        {
            owner.OnSent(text);
            return Task.CompletedTask;
        }

        public Task CloseAsync(int closeStatus, string description, CancellationToken cancellationToken)
        {
            lock (_gate)
            {
                _closed = true;
                _incoming.Writer.TryWrite(new SocketFrame(null, closeStatus, description));
            }

            return Task.CompletedTask;
        }

        public void Abort()
        {
            lock (_gate)
            {
                _closed = true;
                _incoming.Writer.TryComplete(new WebSocketException(WebSocketError.ConnectionClosedPrematurely, "aborted"));
            }
        }

        public ValueTask DisposeAsync() => ValueTask.CompletedTask;
    }

    /// <summary>Answers <c>apps.connections.open</c>; every other Web API method fails as unknown.</summary>
    private sealed class OpenOnlyHttpFactory : IHttpClientFactory, IDisposable
    {
        private readonly Handler _handler = new();

        public HttpClient CreateClient(string name) => new(_handler, disposeHandler: false);

        public void Dispose() => _handler.Dispose();

        private sealed class Handler : HttpMessageHandler
        {
            private int _count;

            protected override Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
            {
                var n = Interlocked.Increment(ref _count);
                var body = request.RequestUri!.AbsolutePath.EndsWith("apps.connections.open", StringComparison.Ordinal)
                    ? "{\"ok\":true,\"url\":\"wss://wss.slack.test/link/?ticket=" + n.ToString(CultureInfo.InvariantCulture) + "\"}"
                    : "{\"ok\":false,\"error\":\"unknown_method\"}";
                return Task.FromResult(new HttpResponseMessage(HttpStatusCode.OK) { Content = new StringContent(body, Encoding.UTF8, "application/json") });
            }
        }
    }
}
