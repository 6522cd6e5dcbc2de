using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.Extensions.Logging.Abstractions;
using PeerBot.Discord.Gateway;
using PeerBot.Discord.Tests.Fakes;
using PeerBot.Testing;

namespace PeerBot.Discord.Tests;

public sealed class GatewayClientTests : IAsyncDisposable
{
    private const string Hello = "{\"op\":10,\"d\":{\"heartbeat_interval\":1000}}";
    private readonly SignallingTimeProvider _time = new();
    private readonly ScriptedTransportFactory _transports = new();
    private readonly RecordingDispatch _dispatch = new();
    private readonly CancellationTokenSource _stop = new();
    private readonly DiscordAdapterOptions _options = new()
    {
        ReconnectBaseDelay = TimeSpan.Zero,
        InvalidSessionMinDelay = TimeSpan.Zero,
        InvalidSessionMaxDelay = TimeSpan.Zero,
    };

    private int _gatewayBotCalls;

    // Timers of at most 2 s: the heartbeat's, not the 20 s Hello timeout; a test advances once the client has set one.
    private int _shortTimers;
    private GatewayBotInfo _info = new("wss://gateway.example", 1000, 999, TimeSpan.FromHours(4), 1);
    private GatewayClient? _client;
    private Task? _run;

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        if (_run is not null)
        {
            try
            {
                await _run.WaitAsync(TimeSpan.FromSeconds(10));
            }
            catch (DiscordFatalException)
            {
                // Some tests end in a fatal close.
            }
        }

        _stop.Dispose();
    }

    [Fact]
    public async Task Run_AfterHello_IdentifiesWithExactIntentsAndHeartbeatsWithJitter()
    {
        var t = await ConnectAndIdentifyAsync();

        var identify = t.SentOp(2).Single()["d"]!;
        Assert.Equal("tkn", identify["token"]!.GetValue<string>());
        Assert.Equal(1 | 512 | 4096 | 32768, identify["intents"]!.GetValue<int>());
        Assert.Equal("wss://gateway.example/?v=10&encoding=json", t.ConnectedTo!.ToString());

        _time.Advance(TimeSpan.FromMilliseconds(499));
        Assert.Empty(t.SentOp(1));
        _time.Advance(TimeSpan.FromMilliseconds(1));
        Assert.True(await _transports.WaitUntilAsync(() => t.SentOp(1).Count == 1));
        Assert.Equal(1, t.SentOp(1)[0]["d"]!.GetValue<long>());

        t.Push("{\"op\":11}");
        await Flush(t);
        Assert.True(await _transports.WaitUntilAsync(() => ShortTimers >= 2));
        _time.Advance(TimeSpan.FromMilliseconds(1000));
        Assert.True(await _transports.WaitUntilAsync(() => t.SentOp(1).Count == 2));
        Assert.Null(t.ClosedWith);
    }

    [Fact]
    public async Task Run_HeartbeatNotAcked_ClosesZombieAndResumesWithLastSequence()
    {
        var t = await ConnectAndIdentifyAsync();
        t.PushDispatch(2, "MESSAGE_CREATE", new JsonObject { ["id"] = "1" });
        await Flush(t);

        _time.Advance(TimeSpan.FromMilliseconds(500));
        Assert.True(await _transports.WaitUntilAsync(() => t.SentOp(1).Count == 1 && ShortTimers >= 2));
        _time.Advance(TimeSpan.FromMilliseconds(1000));

        Assert.True(await _transports.WaitUntilAsync(() => _transports.Created.Count == 2));
        Assert.Equal(GatewayClient.ZombieCloseCode, t.ClosedWith);
        var t2 = _transports.Created[1];
        Assert.True(await _transports.WaitUntilAsync(() => t2.ConnectedTo is not null));
        Assert.Equal("wss://resume.example/?v=10&encoding=json", t2.ConnectedTo!.ToString());
        t2.Push(Hello);
        Assert.True(await _transports.WaitUntilAsync(() => t2.SentOp(6).Count == 1));
        var resume = t2.SentOp(6)[0]["d"]!;
        Assert.Equal("s1", resume["session_id"]!.GetValue<string>());
        Assert.Equal(2, resume["seq"]!.GetValue<long>());
        Assert.Empty(t2.SentOp(2));
        Assert.Equal(1, _client!.ZombieCount);
    }

    [Fact]
    public async Task Run_ReconnectOpcode_ResumesOnResumeUrl()
    {
        var t = await ConnectAndIdentifyAsync();

        t.Push("{\"op\":7,\"d\":null}");

        Assert.True(await _transports.WaitUntilAsync(() => _transports.Created.Count == 2));
        Assert.Equal(GatewayClient.ResumableCloseCode, t.ClosedWith);
        var t2 = _transports.Created[1];
        t2.Push(Hello);
        Assert.True(await _transports.WaitUntilAsync(() => t2.SentOp(6).Count == 1));
        Assert.Equal(1, _gatewayBotCalls);
    }

    [Fact]
    public async Task Run_DropWithoutCloseCode_Resumes()
    {
        var t = await ConnectAndIdentifyAsync();

        t.PushClose(null);

        Assert.True(await _transports.WaitUntilAsync(() => _transports.Created.Count == 2));
        var t2 = _transports.Created[1];
        t2.Push(Hello);
        Assert.True(await _transports.WaitUntilAsync(() => t2.SentOp(6).Count == 1));
    }

    [Fact]
    public async Task Run_InvalidSessionNotResumable_IdentifiesAfreshOnGatewayUrlAfterSpacing()
    {
        var t = await ConnectAndIdentifyAsync();

        t.Push("{\"op\":9,\"d\":false}");
        Assert.True(await _transports.WaitUntilAsync(() => _gatewayBotCalls == 2));
        Assert.Single(_transports.Created);
        await AdvanceUntilAsync(() => _transports.Created.Count == 2);

        var t2 = _transports.Created[1];
        Assert.Equal("wss://gateway.example/?v=10&encoding=json", t2.ConnectedTo!.ToString());
        t2.Push(Hello);
        Assert.True(await _transports.WaitUntilAsync(() => t2.SentOp(2).Count == 1));
        Assert.Null(_client!.SessionId);
        Assert.Null(_client.Sequence);
    }

    [Fact]
    public async Task Run_ReadyWithMutatedSessionIdKey_IdentifiesAfreshAfterSpacingAndKeepsRunning()
    {
        // Case 2890 of seed 6606 in the gateway fuzz test: "session_id" mangled, so READY names no session.
        var t = await ConnectAndIdentifyAsync(ready: false);
        t.Push("{\"op\":0,\"s\":2892,\"t\":\"READY\",\"d\":{\"id\":\"300\",\"name\":\"g-tue\",\"type\":0,\"parent_id\":\"500\",\"guild_id\":\"100\","
            + "\"channels\":[{\"id\":\"301\",\"name\":\"g-owl\",\"type\":0}],\"sesreframesion_id\":\"s2\",\"use\u0E51\":{\"id\":\"999\"},\"application\":{\"id\":\"888\"}}}");

        await ExpectFreshIdentifyAsync(t);
    }

    [Theory]
    [InlineData("{\"session_id\":\"\",\"resume_gateway_url\":\"wss://resume.example\"}")]
    [InlineData("{\"session_id\":\" \",\"resume_gateway_url\":\"wss://resume.example\"}")]
    [InlineData("{\"session_id\":7,\"resume_gateway_url\":\"wss://resume.example\"}")]
    [InlineData("{\"session_id\":\"\\uD800\",\"resume_gateway_url\":\"wss://resume.example\"}")]
    [InlineData("{\"session_id\":\"s2\",\"resume_gateway_url\":5}")]
    [InlineData("{\"session_id\":\"s2\",\"resume_gateway_url\":\"\"}")]
    [InlineData("{\"session_id\":\"s2\",\"resume_gateway_url\":\"not a url\"}")]
    [InlineData("{\"session_id\":\"s2\",\"resume_gateway_url\":\"https://resume.example\"}")]
    [InlineData("[]")]
    [InlineData("\"READY\"")]
    public async Task Run_ReadyWithoutUsableSessionIdOrResumeUrl_IdentifiesAfreshAndKeepsRunning(string data)
    {
        var t = await ConnectAndIdentifyAsync(ready: false);
        t.Push("{\"op\":0,\"s\":1,\"t\":\"READY\",\"d\":" + data + "}");

        await ExpectFreshIdentifyAsync(t);
    }

    [Fact]
    public async Task Run_ReadyWithUserAndApplicationOfWrongShape_KeepsTheSession()
    {
        var t = await ConnectAndIdentifyAsync(ready: false);
        t.Push("{\"op\":0,\"s\":1,\"t\":\"READY\",\"d\":{\"session_id\":\"s1\",\"resume_gateway_url\":\"wss://resume.example\",\"user\":5,\"application\":{\"id\":[]}}}");
        Assert.True(await _transports.WaitUntilAsync(() => _dispatch.Names.Contains("READY")));

        Assert.Equal("s1", _client!.SessionId);
        Assert.Equal("wss://resume.example", _client.ResumeGatewayUrl);
        Assert.Null(_client.BotUserId);
        Assert.Null(_client.ApplicationId);
        Assert.Single(_transports.Created);
        Assert.False(_run!.IsCompleted);
    }

    /// <summary>
    /// After an unusable READY: the dispatch is not passed on, the connection is replaced only after the identify
    /// spacing (no hot loop), the new one identifies (no resume of a session that was never named), and the client runs on.
    /// </summary>
    private async Task ExpectFreshIdentifyAsync(ScriptedTransport t)
    {
        Assert.True(await _transports.WaitUntilAsync(() => _gatewayBotCalls == 2));
        Assert.Single(_transports.Created);
        Assert.Equal(GatewayClient.ResumableCloseCode, t.ClosedWith);
        Assert.DoesNotContain("READY", _dispatch.Names);
        Assert.Null(_client!.SessionId);

        await AdvanceUntilAsync(() => _transports.Created.Count == 2);
        var t2 = _transports.Created[1];
        Assert.Equal("wss://gateway.example/?v=10&encoding=json", t2.ConnectedTo!.ToString());
        t2.Push(Hello);
        Assert.True(await _transports.WaitUntilAsync(() => t2.SentOp(2).Count == 1));
        Assert.Empty(t2.SentOp(6));
        Assert.Equal(2, _client.IdentifyCount);
        Assert.False(_run!.IsCompleted);

        t2.PushDispatch(1, "READY", new JsonObject { ["session_id"] = "s3", ["resume_gateway_url"] = "wss://resume.example" });
        Assert.True(await _transports.WaitUntilAsync(() => _dispatch.Names.Contains("READY")));
        Assert.Equal("s3", _client.SessionId);
    }

    [Fact]
    public async Task Run_Stopped_ClosesWithNormalClosureSoTheBotGoesOffline()
    {
        var t = await ConnectAndIdentifyAsync();

        await _stop.CancelAsync();
        await _run!.WaitAsync(TimeSpan.FromSeconds(10));

        Assert.Equal(1000, t.ClosedWith);
        Assert.Single(_transports.Created);
    }

    [Fact]
    public async Task Run_MalformedPayloads_AreSkippedAndTheConnectionLives()
    {
        var t = await ConnectAndIdentifyAsync();

        t.Push("not json");
        t.Push("{\"op\":0,\"s\":\"x\",\"t\":5,\"d\":null}");
        t.Push("{\"op\":42}");
        t.PushDispatch(4, "MESSAGE_CREATE", new JsonObject { ["id"] = "1" });
        t.Push("{\"op\":1,\"d\":null}");

        Assert.True(await _transports.WaitUntilAsync(() => t.SentOp(1).Count == 1 && _dispatch.Names.Contains("MESSAGE_CREATE")));
        Assert.Single(_transports.Created);
        Assert.Equal(4, _client!.Sequence);
    }

    [Fact]
    public async Task Run_ServerAsksForHeartbeat_SendsOneAtOnce()
    {
        var t = await ConnectAndIdentifyAsync();

        t.Push("{\"op\":1,\"d\":null}");

        Assert.True(await _transports.WaitUntilAsync(() => t.SentOp(1).Count == 1));
    }

    [Theory]
    [InlineData(4004, "Reset Token")]
    [InlineData(4013, "intents")]
    [InlineData(4014, "Message Content Intent")]
    [InlineData(4010, "shard")]
    [InlineData(4012, "v10")]
    public async Task Run_FatalCloseCode_ThrowsWithWhatToFix(int code, string hint)
    {
        var t = await ConnectAndIdentifyAsync(ready: false);

        t.PushClose(code);

        var ex = await Assert.ThrowsAsync<DiscordFatalException>(() => _run!.WaitAsync(TimeSpan.FromSeconds(10)));
        Assert.Equal(code, ex.CloseCode);
        Assert.Contains(hint, ex.Message, StringComparison.Ordinal);
        Assert.DoesNotContain("tkn", ex.Message, StringComparison.Ordinal);
        Assert.Single(_transports.Created);
    }

    [Theory]
    [InlineData(4000)]
    [InlineData(4001)]
    [InlineData(4002)]
    [InlineData(4999)]
    public async Task Run_ResumableCloseCode_Resumes(int code)
    {
        var t = await ConnectAndIdentifyAsync();

        t.PushClose(code);

        Assert.True(await _transports.WaitUntilAsync(() => _transports.Created.Count == 2));
        var t2 = _transports.Created[1];
        t2.Push(Hello);
        Assert.True(await _transports.WaitUntilAsync(() => t2.SentOp(6).Count == 1));
    }

    [Theory]
    [InlineData(4007)]
    [InlineData(4003)]
    [InlineData(4005)]
    [InlineData(4008)]
    [InlineData(4009)]
    public async Task Run_SessionEndingCloseCode_IdentifiesAgain(int code)
    {
        var t = await ConnectAndIdentifyAsync();

        t.PushClose(code);
        // Advance only once the close is read, or the unanswered heartbeat would end the connection first.
        Assert.True(await _transports.WaitUntilAsync(() => _gatewayBotCalls == 2));
        await AdvanceUntilAsync(() => _transports.Created.Count == 2);

        var t2 = _transports.Created[1];
        t2.Push(Hello);
        Assert.True(await _transports.WaitUntilAsync(() => t2.SentOp(2).Count == 1));
        Assert.Empty(t2.SentOp(6));
    }

    [Fact]
    public async Task Run_SessionStartLimitExhausted_WaitsForResetBeforeIdentifying()
    {
        _info = _info with { SessionStartRemaining = 0, SessionStartResetAfter = TimeSpan.FromMinutes(10) };
        Start();
        Assert.True(await _transports.WaitUntilAsync(() => _gatewayBotCalls == 1));

        _time.Advance(TimeSpan.FromMinutes(9));
        Assert.Empty(_transports.Created);
        await AdvanceUntilAsync(() => _transports.Created.Count == 1);

        Assert.Single(_transports.Created);
    }

    [Fact]
    public async Task Run_FailedConnections_BackOffExponentiallyWithJitter()
    {
        _options.ReconnectBaseDelay = TimeSpan.FromSeconds(1);
        var t = await ConnectAndIdentifyAsync();

        // With the fixed jitter 0.5: after a working connection base * 0.5; then attempt n waits base * 2^(n-1) * 0.75.
        await ExpectNextConnectionAfterAsync(() => t.PushClose(4000), TimeSpan.FromMilliseconds(500), 2);
        await ExpectNextConnectionAfterAsync(() => _transports.Created[1].PushClose(4000), TimeSpan.FromMilliseconds(750), 3);
        await ExpectNextConnectionAfterAsync(() => _transports.Created[2].PushClose(4000), TimeSpan.FromMilliseconds(1500), 4);
    }

    private async Task ExpectNextConnectionAfterAsync(Action drop, TimeSpan delay, int connections)
    {
        var timers = ShortTimers;
        drop();
        Assert.True(await _transports.WaitUntilAsync(() => ShortTimers > timers));
        _time.Advance(delay - TimeSpan.FromMilliseconds(1));
        Assert.Equal(connections - 1, _transports.Created.Count);
        _time.Advance(TimeSpan.FromMilliseconds(1));
        Assert.True(await _transports.WaitUntilAsync(() => _transports.Created.Count == connections));
    }

    private async Task<ScriptedTransport> ConnectAndIdentifyAsync(bool ready = true)
    {
        Start();
        Assert.True(await _transports.WaitUntilAsync(() => _transports.Created.Count == 1 && _transports.Created[0].ConnectedTo is not null));
        var t = _transports.Created[0];
        t.Push(Hello);
        Assert.True(await _transports.WaitUntilAsync(() => t.SentOp(2).Count == 1));
        if (ready)
        {
            t.PushDispatch(1, "READY", new JsonObject
            {
                ["session_id"] = "s1",
                ["resume_gateway_url"] = "wss://resume.example",
                ["user"] = new JsonObject { ["id"] = "42" },
                ["application"] = new JsonObject { ["id"] = "43" },
            });
            Assert.True(await _transports.WaitUntilAsync(() => _dispatch.Names.Contains("READY")));
        }

        return t;
    }

    private void Start()
    {
        _client = new GatewayClient(
            _ =>
            {
                Interlocked.Increment(ref _gatewayBotCalls);
                _transports.Pulse();
                return Task.FromResult(_info);
            },
            "tkn",
            _transports,
            _dispatch,
            _options,
            _time,
            new FixedRandom(0.5),
            NullLogger<GatewayClient>.Instance);
        _dispatch.Changed = _transports.Pulse;
        _time.TimerCreated += due =>
        {
            if (due > TimeSpan.Zero && due <= TimeSpan.FromSeconds(2))
            {
                Interlocked.Increment(ref _shortTimers);
            }

            _transports.Pulse();
        };
        _run = Task.Run(() => _client.RunAsync(_stop.Token));
    }

    /// <summary>Lets the client read what was pushed: a heartbeat request is answered only after earlier frames.</summary>
    private async Task Flush(ScriptedTransport t)
    {
        var before = t.SentOp(1).Count;
        t.Push("{\"op\":1,\"d\":null}");
        Assert.True(await _transports.WaitUntilAsync(() => t.SentOp(1).Count == before + 1));
        // Forget the flush heartbeat in counts by re-basing: callers compare against totals they read after.
        t.RemoveLastSent();
    }

    private int ShortTimers => Volatile.Read(ref _shortTimers);

    /// <summary>
    /// Moves the fake clock to each timer the client sets, once it has set it, until the client has done what the
    /// condition says. Used between connections, where the only timers are the client's waits.
    /// </summary>
    private async Task AdvanceUntilAsync(Func<bool> condition)
    {
        for (var i = 0; i < 20; i++)
        {
            Assert.True(await _transports.WaitUntilAsync(() => condition() || _time.PendingTimers > 0), "the client neither acted nor set a timer");
            if (condition())
            {
                return;
            }

            _time.AdvanceToNextDue();
        }

        Assert.True(condition());
    }

    private sealed class RecordingDispatch : IGatewayDispatchHandler
    {
        private readonly List<string> _names = [];

        public Action Changed { get; set; } = () => { };

        public IReadOnlyList<string> Names
        {
            get
            {
                lock (_names)
                {
                    return _names.ToList();
                }
            }
        }

        public Task OnDispatchAsync(string eventName, JsonElement data, CancellationToken cancellationToken)
        {
            lock (_names)
            {
                _names.Add(eventName);
            }

            Changed();
            return Task.CompletedTask;
        }
    }
}
