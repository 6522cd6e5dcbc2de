using System.Collections.Concurrent;
using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;
using PeerBot.Core.Configuration;
using PeerBot.Slack.Api;
using PeerBot.Slack.SocketMode;
using PeerBot.Slack.Tests.Support;

namespace PeerBot.Slack.Tests;

/// <summary>The Socket Mode state machine against a scripted socket, with a fake clock.</summary>
public sealed class SocketModeClientTests : IAsyncDisposable
{
    private readonly FakeTimeProvider _time = new();
    private readonly SlackTimers _timers;
    private readonly ScriptedSocketFactory _sockets = new();
    private readonly ConnectionsOpenHandler _http = new();
    private readonly AckingHandler _envelopes = new();
    private readonly SlackAdapterOptions _options = new() { IdleTimeout = TimeSpan.FromMinutes(10), HelloTimeout = TimeSpan.FromSeconds(15) };
    private readonly CancellationTokenSource _stop = new();
    private readonly SocketModeClient _client;
    private Task? _run;

    public SocketModeClientTests()
    {
        _timers = new SlackTimers(_time);
        var peerBot = Options.Create(new PeerBotOptions { Slack = { BotToken = "xoxb-1", AppToken = "xapp-1", ApiBaseUrl = "https://slack.test/api/" } });
        var api = new SlackApiClient(new StubHttpClientFactory(_http), peerBot, Options.Create(_options), new SlackRateLimiter(_timers), _timers, NullLogger<SlackApiClient>.Instance);
        _client = new SocketModeClient(api, _sockets, _envelopes, Options.Create(_options), _timers, NullLogger<SocketModeClient>.Instance);
    }

    private async Task<ScriptedSocket> StartAsync()
    {
        _run = _client.RunAsync(_stop.Token);
        var first = await _sockets.SocketAsync(1);
        await first.Connected.WaitAsync(TimeSpan.FromSeconds(20));
        first.Hello();
        await _client.Ready.WaitAsync(TimeSpan.FromSeconds(20));
        return first;
    }

    [Fact]
    public async Task Envelope_AcknowledgedOnItsConnection_WithResponsePayloadWhenGiven()
    {
        var socket = await StartAsync();

        socket.Push("""{"envelope_id":"e1","type":"events_api","payload":{"event_id":"Ev1"},"accepts_response_payload":false,"retry_attempt":0}""");
        _envelopes.Payloads["e2"] = new JsonObject { ["text"] = "hi" };
        socket.Push("""{"envelope_id":"e2","type":"slash_commands","payload":{},"accepts_response_payload":true}""");
        await socket.WaitForSentAsync(s => s.Count == 2);

        Assert.Equal("""{"envelope_id":"e1"}""", socket.Sent[0]);
        Assert.Equal("""{"envelope_id":"e2","payload":{"text":"hi"}}""", socket.Sent[1]);
        Assert.Equal(["events_api", "slash_commands"], _envelopes.Received.Select(e => e.Type));
    }

    [Theory]
    [InlineData("refresh_requested")]
    [InlineData("warning")]
    public async Task Disconnect_NewConnectionSaysHelloBeforeOldIsClosed_OldKeepsAcking(string reason)
    {
        var first = await StartAsync();

        first.Push("{\"type\":\"disconnect\",\"reason\":\"" + reason + "\",\"debug_info\":{\"host\":\"wss-111\"}}");
        var second = await _sockets.SocketAsync(2);
        await second.Connected.WaitAsync(TimeSpan.FromSeconds(20));

        // Before the new connection's hello, the old one is still open and still acknowledges.
        first.Push("""{"envelope_id":"late","type":"events_api","payload":{},"accepts_response_payload":false}""");
        await first.WaitForSentAsync(s => s.Contains("""{"envelope_id":"late"}"""));
        Assert.False(first.IsClosed);

        second.Hello();
        await first.Closed.WaitAsync(TimeSpan.FromSeconds(20));
        var timeline = _sockets.Timeline.ToList();
        Assert.True(timeline.IndexOf(timeline.First(t => t.StartsWith("server 2: {\"type\":\"hello\"", StringComparison.Ordinal)))
            < timeline.IndexOf("close 1 1000"), string.Join("\n", timeline));
        Assert.Equal(2, _http.Calls);
    }

    [Fact]
    public async Task NoFramesButPingsAnswered_QuietWorkspace_ConnectionKept()
    {
        var first = await StartAsync();

        // Hours without an event: the link answers its pings, so it is healthy and stays.
        for (var i = 0; i < 12; i++)
        {
            _time.Advance(_options.IdleTimeout);
        }

        first.Push("""{"envelope_id":"e1","type":"events_api","payload":{"event_id":"Ev1"},"accepts_response_payload":false}""");
        await first.WaitForSentAsync(s => s.Count == 1);
        Assert.Equal(1, _sockets.Count);
        Assert.False(first.IsClosed);
        Assert.Equal(1, _http.Calls);
    }

    [Fact]
    public async Task NoFramesNorPongs_ForIdleTimeout_ConnectionReplaced()
    {
        var first = await StartAsync();
        first.AnswersPings = false;

        _time.Advance(TimeSpan.FromMinutes(9));
        Assert.Equal(1, _sockets.Count);
        _time.Advance(TimeSpan.FromMinutes(3));
        var second = await _sockets.SocketAsync(2);
        await second.Connected.WaitAsync(TimeSpan.FromSeconds(20));
        second.Hello();

        await first.Closed.WaitAsync(TimeSpan.FromSeconds(20));
    }

    [Fact]
    public async Task NoHello_WithinTimeout_AbortsAndRetriesAfterBackoff()
    {
        var backoff = new TaskCompletionSource<TimeSpan>(TaskCreationOptions.RunContinuationsAsynchronously);
        var helloWait = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        _timers.DelayStarted += (delay, purpose) =>
        {
            if (purpose == "socket-mode reconnect")
            {
                backoff.TrySetResult(delay);
            }
            else if (purpose == "socket-mode hello")
            {
                helloWait.TrySetResult();
            }
        };
        _run = _client.RunAsync(_stop.Token);
        var first = await _sockets.SocketAsync(1);
        await helloWait.Task.WaitAsync(TimeSpan.FromSeconds(20));

        _time.Advance(_options.HelloTimeout);
        var delay = await backoff.Task.WaitAsync(TimeSpan.FromSeconds(20));
        Assert.True(first.IsClosed);
        _time.Advance(delay);
        var second = await _sockets.SocketAsync(2);
        await second.Connected.WaitAsync(TimeSpan.FromSeconds(20));
        second.Hello();

        await _client.Ready.WaitAsync(TimeSpan.FromSeconds(20));
    }

    [Fact]
    public async Task GarbageFrame_IsIgnoredAndTheConnectionStays()
    {
        var socket = await StartAsync();

        socket.Push("not json {");
        socket.Push("[1,2]");
        socket.Push("""{"envelope_id":"e1","type":"events_api","payload":{},"accepts_response_payload":false}""");
        await socket.WaitForSentAsync(s => s.Count == 1);

        Assert.Equal(1, _sockets.Count);
        Assert.False(socket.IsClosed);
    }

    [Fact]
    public async Task LinkDisabled_EndsRunWithFatalError()
    {
        var socket = await StartAsync();

        socket.Push("""{"type":"disconnect","reason":"link_disabled"}""");

        var error = await Assert.ThrowsAsync<SlackFatalException>(() => _run!.WaitAsync(TimeSpan.FromSeconds(20)));
        Assert.Contains("Socket Mode", error.Message, StringComparison.Ordinal);
        Assert.True(socket.IsClosed);
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        if (_run is not null)
        {
            try
            {
                await _run.WaitAsync(TimeSpan.FromSeconds(20));
            }
            catch (Exception ex) when (ex is OperationCanceledException or SlackFatalException)
            {
                // Expected ends.
            }
        }

        _stop.Dispose();
    }

    private sealed class AckingHandler : ISocketModeEnvelopeHandler
    {
        public ConcurrentQueue<SocketModeEnvelope> ReceivedQueue { get; } = new();

        public IReadOnlyList<SocketModeEnvelope> Received => ReceivedQueue.ToList();

        public ConcurrentDictionary<string, JsonObject> Payloads { get; } = new();

        public Task HandleEnvelopeAsync(SocketModeEnvelope envelope, ISocketModeAcknowledger acknowledger, CancellationToken cancellationToken)
        {
            ReceivedQueue.Enqueue(envelope);
            return acknowledger.AckAsync(envelope.EnvelopeId, Payloads.GetValueOrDefault(envelope.EnvelopeId), cancellationToken);
        }
    }
}
