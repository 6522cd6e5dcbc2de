using PeerBot.Core.Platform;
using PeerBot.Slack.Tests.Support;
using PeerBot.Testing.Slack;

namespace PeerBot.Slack.Tests;

public sealed class SocketModeResilienceTests
{
    private static void Generous(SlackAdapterOptions o) => o.CallsPerMinuteByTier[1] = 10_000;

    [Theory]
    [InlineData("refresh_requested", 1)]
    [InlineData("warning", 2)]
    [InlineData("mixed", 3)]
    public async Task Disconnects_AtRandomMoments_LoseAndDuplicateNoEvent(string reason, int seed)
    {
        await using var harness = await SlackHarness.StartAsync(e => e.AddUser("U0ANA", "ana"), configure: Generous);
        var channel = harness.Emulator.AddChannel("circle", isPrivate: true, SlackEmulator.BotUserId, "U0ANA");
        var random = new Random(seed);
        const int total = 300;
        var disconnects = 0;
        var sends = new List<Task>();
        for (var i = 0; i < total; i++)
        {
            sends.Add(harness.Emulator.InjectMessageAsync(channel, "U0ANA", $"m{i}"));
            if (random.Next(25) == 0)
            {
                var why = reason == "mixed" ? (random.Next(2) == 0 ? "warning" : "refresh_requested") : reason;
                var opened = harness.Emulator.ConnectionsOpened;
                await harness.Emulator.SendDisconnectAsync(why);
                disconnects++;
                if (random.Next(2) == 0)
                {
                    // Sometimes carry on only once the new connection is up, so envelopes straddle both connections.
                    await harness.Emulator.WaitUntilAsync(e => e.ConnectionsOpened > opened, what: "the replacement connection");
                }
            }

            if (random.Next(10) == 0)
            {
                await Task.Yield();
            }
        }

        await Task.WhenAll(sends);
        await harness.Recorder.WaitUntilAsync(h => h.Messages.Count >= total, "every message", TimeSpan.FromSeconds(60));
        await harness.Emulator.WaitUntilAsync(e => e.UnacknowledgedEnvelopes == 0, TimeSpan.FromSeconds(60), "every envelope acknowledged");

        var texts = harness.Recorder.Messages.Select(m => m.Text).ToList();
        Assert.Equal(total, texts.Count);
        Assert.Equal(total, texts.Distinct().Count());
        Assert.True(disconnects > 0);
        await harness.Emulator.WaitUntilAsync(e => e.ConnectionsOpened > 1, TimeSpan.FromSeconds(30), "the connection replaced");

        // Replaced connections are closed; one stays.
        await harness.Emulator.WaitUntilAsync(e => e.OpenConnections == 1, TimeSpan.FromSeconds(30), "one connection left");
        Assert.True(harness.Emulator.Acks.Max(a => a.Latency) < TimeSpan.FromSeconds(3));
    }

    [Fact]
    public async Task Burst_Of500Messages_AllAcknowledgedWithin3SecondsWhileCoreIsBusy()
    {
        var coreGate = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var handler = new RecordingEventHandler { OnMessage = (_, _) => coreGate.Task };
        await using var harness = await SlackHarness.StartAsync(e => e.AddUser("U0ANA", "ana"), handler: handler);
        var channel = harness.Emulator.AddChannel("circle", isPrivate: true, SlackEmulator.BotUserId, "U0ANA");

        await Task.WhenAll(Enumerable.Range(0, 500).Select(i => harness.Emulator.InjectMessageAsync(channel, "U0ANA", $"m{i}")));
        await harness.Emulator.WaitUntilAsync(e => e.Acks.Count == 500, TimeSpan.FromSeconds(60), "500 acknowledgements");

        // Core has not finished even the first message, yet Slack has every acknowledgement in time.
        Assert.Single(handler.Messages);
        Assert.All(harness.Emulator.Acks, a => Assert.True(a.Latency < TimeSpan.FromSeconds(3), $"{a.EnvelopeId} took {a.Latency}"));
        coreGate.SetResult();
        await handler.WaitUntilAsync(h => h.Messages.Count == 500, "all 500 handed to Core", TimeSpan.FromSeconds(60));
        Assert.Equal(500, handler.Messages.Select(m => m.MessageId).Distinct().Count());
    }

    [Fact]
    public async Task DroppedSocket_ReconnectsAndMessagesSentMeanwhileArrive()
    {
        await using var harness = await SlackHarness.StartAsync(e => e.AddUser("U0ANA", "ana"), configure: Generous);
        var channel = harness.Emulator.AddChannel("circle", isPrivate: true, SlackEmulator.BotUserId, "U0ANA");
        await harness.Emulator.InjectMessageAsync(channel, "U0ANA", "before");
        await harness.Recorder.WaitUntilAsync(h => h.Messages.Count == 1, "the first message");

        harness.Emulator.DropSocket();
        await harness.Emulator.InjectMessageAsync(channel, "U0ANA", "during");
        await harness.Emulator.WaitUntilAsync(e => e.ConnectionsOpened == 2, what: "a second connection");

        // What was sent meanwhile arrives on the new connection. Slack promises no order between that redelivery and a
        // new event, so the next message is sent once it is in.
        await harness.Recorder.WaitUntilAsync(h => h.Messages.Count == 2, "the message sent meanwhile");
        await harness.Emulator.InjectMessageAsync(channel, "U0ANA", "after");

        await harness.Recorder.WaitUntilAsync(h => h.Messages.Count == 3, "all three messages");
        Assert.Equal(["before", "during", "after"], harness.Recorder.Messages.Select(m => m.Text));
        Assert.Contains(harness.Logs.Lines, l => l.Message.Contains("dropped", StringComparison.Ordinal));
    }

    [Fact]
    public async Task QuietWorkspace_HoursWithoutAnEvent_ConnectionKept()
    {
        await using var harness = await SlackHarness.StartAsync(e => e.AddUser("U0ANA", "ana"), configure: Generous);
        var channel = harness.Emulator.AddChannel("circle", isPrivate: true, SlackEmulator.BotUserId, "U0ANA");

        // Three hours without an event, in steps of the idle watchdog's period: the link answers its pings all along.
        for (var i = 0; i < 24; i++)
        {
            harness.Time.Advance(TimeSpan.FromMinutes(7.5));
        }

        await harness.Emulator.InjectMessageAsync(channel, "U0ANA", "still here");
        await harness.Recorder.WaitUntilAsync(h => h.Messages.Count == 1, "the message");
        Assert.Equal(1, harness.Emulator.ConnectionsOpened);
        Assert.DoesNotContain(harness.Logs.Lines, l => l.Message.Contains("replacing the Socket Mode connection", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Zombie_PingsGoUnanswered_TransportDropsItAndTheEventArrivesOnTheNextConnection()
    {
        // Keep-alive runs on the socket's own (real) timers; short ones make the dead link show within a second.
        await using var harness = await SlackHarness.StartAsync(e => e.AddUser("U0ANA", "ana"), configure: o =>
        {
            Generous(o);
            o.KeepAliveInterval = TimeSpan.FromMilliseconds(200);
            o.KeepAliveTimeout = TimeSpan.FromMilliseconds(500);
            o.IdleTimeout = TimeSpan.FromDays(30);
        });
        var channel = harness.Emulator.AddChannel("circle", isPrivate: true, SlackEmulator.BotUserId, "U0ANA");

        Assert.True(harness.Emulator.StopAnswering());
        await harness.Emulator.InjectMessageAsync(channel, "U0ANA", "while the link is dead");

        await harness.Recorder.WaitUntilAsync(h => h.Messages.Count == 1, "the message on a new connection");
        Assert.Equal(2, harness.Emulator.ConnectionsOpened);
        Assert.Equal("while the link is dead", harness.Recorder.Messages[0].Text);
    }

    [Fact]
    public async Task ConnectionsOpen_FailsTwice_BacksOffWithJitterThenConnects()
    {
        await using var harness = await SlackHarness.StartAsync(e => e.AddUser("U0ANA", "ana"), configure: o =>
        {
            Generous(o);
            o.MaxServerErrorRetries = 0;
        });
        harness.Emulator.FailNext("apps.connections.open", 503, times: 2);
        var delays = new List<TimeSpan>();
        var backoff = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        harness.Timers.DelayStarted += (delay, purpose) =>
        {
            if (purpose == "socket-mode reconnect")
            {
                lock (delays)
                {
                    delays.Add(delay);
                }

                backoff.TrySetResult();
            }
        };

        harness.Emulator.DropSocket();
        await backoff.Task.WaitAsync(TimeSpan.FromSeconds(20));
        backoff = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        harness.Time.Advance(delays[0]);
        await backoff.Task.WaitAsync(TimeSpan.FromSeconds(20));
        harness.Time.Advance(delays[1]);
        await harness.Emulator.WaitUntilAsync(e => e.ConnectionsOpened == 2, what: "the reconnection");

        Assert.InRange(delays[0], TimeSpan.FromSeconds(0.5), TimeSpan.FromSeconds(1));
        Assert.InRange(delays[1], TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(2));
        Assert.Equal(4, harness.Emulator.Calls.Count(c => c.Method == "apps.connections.open"));
    }

    [Fact]
    public async Task Burst_MessagesAndSlashCommandsTogether_EveryEnvelopeAcknowledgedInTime()
    {
        await using var harness = await SlackHarness.StartAsync(e => e.AddUser("U0ANA", "ana"));
        var channel = harness.Emulator.AddChannel("circle", isPrivate: true, SlackEmulator.BotUserId, "U0ANA");

        var messages = Enumerable.Range(0, 400).Select(i => harness.Emulator.InjectMessageAsync(channel, "U0ANA", $"m{i}"));
        var commands = Enumerable.Range(0, 100).Select(i => harness.Emulator.InjectSlashCommandAsync("U0ANA", channel, $"help {i}")).ToList();
        await Task.WhenAll(messages);
        var answers = await Task.WhenAll(commands);

        await harness.Emulator.WaitUntilAsync(e => e.Acks.Count == 500, TimeSpan.FromSeconds(60), "500 acknowledgements");
        Assert.All(harness.Emulator.Acks, a => Assert.True(a.Latency < TimeSpan.FromSeconds(3), $"{a.EnvelopeId} took {a.Latency}"));
        Assert.Equal(Enumerable.Range(0, 100).Select(i => $"ok: help {i}"), answers.Select(a => a?["text"]?.GetValue<string>()));
        await harness.Recorder.WaitUntilAsync(h => h.Messages.Count == 400, "400 messages", TimeSpan.FromSeconds(60));
    }
}
