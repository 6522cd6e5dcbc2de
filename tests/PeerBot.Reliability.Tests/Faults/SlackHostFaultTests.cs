using System.Text.Json.Nodes;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Time.Testing;
using PeerBot.Core.Prompts;
using PeerBot.Slack;
using PeerBot.Testing.Hosting;
using PeerBot.Testing.Slack;

namespace PeerBot.Reliability.Tests.Faults;

/// <summary>
/// Faults through the whole host on Slack: the real host (every feature, LiteDB, the Slack adapter) against the Slack
/// emulator, with the host (and the emulator's message times) on a fake clock moved by a <see cref="ClockDriver"/>.
/// Socket Mode drops, <c>disconnect</c> envelopes, connections that stop answering, 429 and 5xx storms and an emulator
/// restart happen while residents talk, share anonymously and run commands and the scheduler posts prompts; what
/// must arrive, arrives exactly once.
/// </summary>
[Collection(HostFaultCollection.Name)]
#pragma warning disable CA1001 // Disposed in DisposeAsync (xunit's IAsyncLifetime).
public sealed class SlackHostFaultTests : IAsyncLifetime
#pragma warning restore CA1001
{
    private const string Ana = "U0ANA";
    private const string Ben = "U0BEN";
    private const string Chloe = "U0CHLOE";
    private const string Lee = "U0LEE";
    private const string Kim = "U0KIM";
    private static readonly string[] Residents = [Ana, Ben, Chloe];

    // Tuesday 24 November 2026, 18:50 UTC: ten minutes before the group's daily prompt (see DiscordHostFaultTests).
    private static readonly DateTimeOffset Start = new(2026, 11, 24, 18, 50, 0, TimeSpan.Zero);

    private readonly FakeTimeProvider _clock = new(Start);
    private readonly PeerBotTestHost _harness;
    private readonly SlackEmulator _slack = new();
    private readonly List<string> _said = [];
    private readonly List<string> _shared = [];
    private ClockDriver _driver = null!;
    private IHost _host = null!;
    private string _group = "";
    private int _spirals;
    private int _counter;
    private long _schedulerNext;

    public SlackHostFaultTests() => _harness = new PeerBotTestHost(_clock, "faults-slack");

    public async Task InitializeAsync()
    {
        _slack.Time = _clock;
        _slack.DeadlineClock = TimeProvider.System;
        await _slack.StartAsync();
        _slack.AddUser(Ana, "ana.r", "ana.r@hospital.org");
        _slack.AddUser(Ben, "ben.t", "ben.t@hospital.org");
        _slack.AddUser(Chloe, "chloe.m", "chloe.m@hospital.org");
        _slack.AddUser(Lee, "dr.lee", "sam.lee@hospital.org");
        _slack.AddUser(Kim, "dr.kim", "jo.kim@hospital.org");

        var settings = _harness.Settings;
        foreach (var (key, value) in _slack.ConfigurationValues)
        {
            settings[key] = value;
        }

        settings["PeerBot:TimeZone"] = "UTC";
        // Shares wait a minute or two: far more host time than answering a form takes, even on a busy machine, so the
        // restart test's shares are still waiting when the emulator goes away.
        settings["PeerBot:Anonymity:MinDelay"] = "00:01:00";
        settings["PeerBot:Anonymity:MaxDelay"] = "00:02:00";
        settings["PeerBot:Anonymity:MaxPerDay"] = "1000";
        settings["PeerBot:Safety:SpiralWindow"] = "00:10:00";
        settings["PeerBot:Safety:AlertCooldown"] = "00:10:00";
        HostSettings.Person(settings, 0, "ana", "Ana R.", "Resident", 1, slack: Ana);
        HostSettings.Person(settings, 1, "ben", "Ben T.", "Resident", 2, slack: Ben);
        HostSettings.Person(settings, 2, "chloe", "Chloe M.", "Resident", 3, slack: Chloe);
        HostSettings.Person(settings, 3, "dr-lee", "Dr. Sam Lee", "Alumni", null, slack: Lee);
        HostSettings.Person(settings, 4, "dr-kim", "Dr. Jo Kim", "Psychologist", null, slack: Kim);
        HostSettings.Group(settings, 0, "Tuesday Circle", "Slack", "0 19 * * *", ["ana", "ben", "chloe"], ["dr-lee", "dr-kim"]);

        // A connection that sends nothing for two minutes of host time is replaced: with the transport's keep-alive off
        // (its pings run on real time, which this test does not move), that is how the adapter finds a link that
        // stopped answering. Timeouts that would fire on a jump of the clock while a call or a command is in flight are
        // set out of reach (see DiscordHostFaultTests), so only the injected faults make anything fail.
        _harness.Configure = b => b.Services.Configure<SlackAdapterOptions>(o =>
        {
            o.IdleTimeout = TimeSpan.FromMinutes(2);
            o.KeepAliveInterval = TimeSpan.Zero;
            o.AckTimeout = TimeSpan.FromDays(20);
            o.RequestTimeout = TimeSpan.FromDays(20);
            o.HelloTimeout = TimeSpan.FromDays(20);
        });

        _driver = new ClockDriver(_clock, (condition, timeout) => _slack.WaitUntilAsync(_ => condition(), timeout))
        {
            Diagnostics = () => "Violations: " + string.Join("; ", _slack.Violations) + Environment.NewLine
                + "Last calls: " + string.Join(", ", _slack.Calls.TakeLast(12).Select(c => $"{c.Method} {c.Status} {c.Error}")) + Environment.NewLine + _harness.Tail(),
        };
        _host = await _harness.StartSlackAsync(
            _slack,
            host => host.Services.GetRequiredService<PromptSchedulerService>().PassCompleted += (_, next) => Interlocked.Exchange(ref _schedulerNext, next.UtcTicks));
        await _driver.UntilAsync(() => _slack.Channels.Any(c => c.Members.Count == 6), "the group's private channel with its members");
        _group = _slack.Channels.Single().Id;
        await _driver.UntilAsync(() => Residents.All(r => _slack.DirectChannelOf(r) is not null), "the welcome DMs");
    }

    public async Task DisposeAsync()
    {
        try
        {
            await _harness.DisposeAsync();
        }
        finally
        {
            await _slack.DisposeAsync();
        }
    }

    [Fact]
    public async Task WholeHost_SeededDropsDisconnectsAndSilentLinksDuringWork_EverythingArrivesExactlyOnce()
    {
        var acts = await HostFaults.RunSeededAsync(20261124, 30, RunAsync);

        await AssertEverythingArrivedOnceAsync();

        // The faults really happened: connections were replaced, and envelopes on the lost ones were sent again.
        Assert.Contains(HostFaults.Act.Drop, acts);
        Assert.Contains(HostFaults.Act.Zombie, acts);
        Assert.True(_slack.ZombiesMade > 0);
        Assert.True(_slack.ConnectionsOpened > acts.Count(a => a is HostFaults.Act.Drop or HostFaults.Act.Zombie or HostFaults.Act.Disconnect) / 2, $"only {_slack.ConnectionsOpened} connections");
    }

    [Fact]
    public async Task WholeHost_429And5xxStormsAcrossMethods_NothingLostNothingDoubledRetryAfterHonoured()
    {
        _slack.FailNext("chat.postMessage", 429, retryAfterSeconds: 2, times: 3);
        _slack.FailNext("chat.postMessage", 500, times: 2);
        _slack.FailNext("chat.postMessage", 429, retryAfterSeconds: 5, times: 2);
        _slack.FailNext("chat.postMessage", 502, times: 2);
        _slack.FailNext("chat.postMessage", 503, times: 2);
        _slack.FailNext("chat.postMessage", 429, retryAfterSeconds: 1, times: 2);
        _slack.FailNext("chat.update", 503, times: 1);
        _slack.FailNext("chat.update", 429, retryAfterSeconds: 3, times: 1);

        var random = new Random(429);
        foreach (var act in new[]
        {
            HostFaults.Act.Chat, HostFaults.Act.ShareByForm, HostFaults.Act.Command, HostFaults.Act.Chat, HostFaults.Act.Spiral,
            HostFaults.Act.ShareByMessage, HostFaults.Act.Prompt, HostFaults.Act.ShareByForm, HostFaults.Act.Command, HostFaults.Act.Chat,
        })
        {
            await RunAsync(act, random);
        }

        await AssertEverythingArrivedOnceAsync();

        // Every failure was met by a retry of the same call, and each retry after a 429 came no sooner than its
        // Retry-After on the host's clock.
        var calls = _slack.Calls;
        var failed = calls.Select((c, i) => (c, i)).Where(x => x.c.Status != 200).ToList();
        Assert.Equal(13, failed.Count(x => x.c.Method == "chat.postMessage"));
        Assert.Equal(2, failed.Count(x => x.c.Method == "chat.update"));
        foreach (var (call, index) in failed)
        {
            var retry = calls.Skip(index + 1).FirstOrDefault(c => c.Method == call.Method && c.Arguments.ToJsonString() == call.Arguments.ToJsonString());
            Assert.True(retry is not null, $"{call.Method} answered {call.Status} was never retried");
            if (call.RetryAfterSeconds is { } seconds)
            {
                Assert.True(
                    retry.At >= call.At + TimeSpan.FromSeconds(seconds),
                    $"{call.Method} retried at {retry.At:HH:mm:ss.fff}, before the Retry-After of {seconds} s from {call.At:HH:mm:ss.fff}");
            }
        }

        // The bot kept running: the adapter did not stop, and it still answers.
        Assert.Null(_host.Services.GetRequiredService<SlackHostedService>().FatalError);
        await RunAsync(HostFaults.Act.Command, random);
    }

    [Fact]
    public async Task WholeHost_EmulatorRestarts_BotReconnectsAndDeliversWhatCameDueDuringTheOutageOnce()
    {
        var random = new Random(7);
        await RunAsync(HostFaults.Act.Chat, random);
        await RunAsync(HostFaults.Act.ShareByForm, random);
        await RunAsync(HostFaults.Act.ShareByForm, random);
        var opens = _slack.Calls.Count(c => c.Method == "apps.connections.open");

        // Slack goes away with the two shares still waiting for their delay and the prompt ten minutes off.
        await _slack.StopServerAsync();

        // During the outage the shares come due, the prompt comes due, and every attempt fails; the adapter keeps trying.
        await _driver.AdvanceAsync(TimeSpan.FromMinutes(12), TimeSpan.FromSeconds(10));
        Assert.Equal(0, _shared.Count(s => Posted(s) > 0));
        Assert.Equal(0, Prompts());

        await _slack.StartServerAsync();
        await _driver.UntilAsync(() => _slack.LiveConnections > 0, "the bot to come back", TimeSpan.FromSeconds(5));
        Assert.True(_slack.Calls.Count(c => c.Method == "apps.connections.open") > opens, "the bot did not open a new connection");

        // And it carries on: new talk, a command, a share, a drop.
        await RunAsync(HostFaults.Act.Chat, random);
        await RunAsync(HostFaults.Act.Command, random);
        await RunAsync(HostFaults.Act.ShareByMessage, random);
        await RunAsync(HostFaults.Act.Drop, random);
        await RunAsync(HostFaults.Act.Spiral, random);

        await AssertEverythingArrivedOnceAsync();
        Assert.Equal(1, _slack.Restarts);
    }

    private async Task RunAsync(HostFaults.Act act, Random random)
    {
        var n = ++_counter;
        switch (act)
        {
            case HostFaults.Act.Chat:
            {
                var text = $"{HostFaults.Chatter[random.Next(HostFaults.Chatter.Length)]} ({n})";
                _said.Add(text);
                await _slack.InjectMessageAsync(_group, Residents[random.Next(Residents.Length)], text);
                break;
            }

            case HostFaults.Act.Spiral:
            {
                // Past the last spiral's window and cooldown, so this one is new: one alert to each facilitator.
                await _driver.AdvanceAsync(TimeSpan.FromMinutes(11), TimeSpan.FromSeconds(30));
                for (var i = 0; i < HostFaults.Spiral.Length; i++)
                {
                    var text = $"{HostFaults.Spiral[i]} ({n})";
                    _said.Add(text);
                    await _slack.InjectMessageAsync(_group, Residents[i], text);
                }

                _spirals++;
                break;
            }

            case HostFaults.Act.ShareByForm:
            {
                await EnsureLiveAsync();
                var author = Residents[random.Next(Residents.Length)];
                var text = $"{HostFaults.Shares[random.Next(HostFaults.Shares.Length)]} (share {n})";
                var views = _slack.Views.Count;

                var command = _slack.InjectSlashCommandAsync(author, _group, "share");
                await _driver.UntilAsync(() => command.IsCompleted && _slack.Views.Count > views, "the share modal");
                var ack = await command;
                Assert.True(ack is null || !ack.ContainsKey("text"), ack?.ToJsonString());
                var submit = _slack.SubmitViewAsync(_slack.Views[views].Id, author, new Dictionary<string, string> { ["text"] = text });
                await _driver.UntilAsync(() => submit.IsCompleted, "the share form to be acknowledged");
                var answer = await submit;
                Assert.True(answer is null || answer["response_action"]?.GetValue<string>() != "errors", answer?.ToJsonString());
                _shared.Add(text);
                break;
            }

            case HostFaults.Act.ShareByMessage:
            {
                await EnsureLiveAsync();
                var author = Residents[random.Next(Residents.Length)];
                var dm = _slack.DirectChannelOf(author)!;
                var before = _slack.DirectMessagesTo(author).Count;
                var text = $"{HostFaults.Shares[random.Next(HostFaults.Shares.Length)]} (dm {n})";
                await _slack.InjectMessageAsync(dm, author, text);
                SlackEmulatedMessage? draft = null;
                await _driver.UntilAsync(
                    () => (draft = _slack.DirectMessagesTo(author).Skip(before).FirstOrDefault(m => m.User == SlackEmulator.BotUserId && Actions(m).Count > 0)) is not null,
                    "the draft in the DM");
                var share = Actions(draft!).First(a => !a.EndsWith(":cancel", StringComparison.Ordinal));
                await EnsureLiveAsync();
                var press = _slack.InjectButtonPressAsync(author, dm, draft!.Ts, share);
                await _driver.UntilAsync(() => press.IsCompleted, "the share button to be acknowledged");
                await press;
                _shared.Add(text);
                break;
            }

            case HostFaults.Act.Command:
            {
                await EnsureLiveAsync();
                var (user, text) = random.Next(5) switch
                {
                    0 => (Lee, "groups"),
                    1 => (Kim, "flags"),
                    2 => (Lee, "stats"),
                    3 => (Residents[random.Next(Residents.Length)], "help"),
                    _ => (Kim, "prompt preview"),
                };
                var ephemerals = _slack.Ephemerals.Count;
                var command = _slack.InjectSlashCommandAsync(user, _group, text);
                await _driver.UntilAsync(() => command.IsCompleted, "/peer " + text + " to be acknowledged");
                var ack = await command;
                string reply;
                if (ack?["text"] is { } inAck)
                {
                    Assert.Equal("ephemeral", ack["response_type"]?.GetValue<string>());
                    reply = inAck.GetValue<string>();
                }
                else
                {
                    await _driver.UntilAsync(() => _slack.Ephemerals.Skip(ephemerals).Any(e => e.User == user), "the reply to /peer " + text);
                    reply = _slack.Ephemerals.Skip(ephemerals).First(e => e.User == user).Text;
                }

                Assert.DoesNotContain("Sorry", reply, StringComparison.Ordinal);
                break;
            }

            case HostFaults.Act.Prompt:
            {
                // As on Discord: the clock jumps to each timer the scheduler has set, until the next occurrence.
                var next = HostFaults.NextPrompt(_clock.GetUtcNow());
                while (_clock.GetUtcNow() < next)
                {
                    await _driver.UntilAsync(() => Interlocked.Read(ref _schedulerNext) > _clock.GetUtcNow().UtcTicks, "the scheduler to set its timer");
                    var at = new DateTimeOffset(Interlocked.Read(ref _schedulerNext), TimeSpan.Zero);
                    _clock.Advance((at < next ? at : next) - _clock.GetUtcNow());
                }

                var expected = HostFaults.PromptOccurrences(Start, _clock.GetUtcNow());
                await _driver.UntilAsync(() => Prompts() >= expected, "the scheduled prompt");
                break;
            }

            case HostFaults.Act.Drop:
                _slack.DropSocket();
                break;

            case HostFaults.Act.Zombie:
                _slack.StopAnswering();
                break;

            case HostFaults.Act.Disconnect:
                if (_slack.LiveConnections > 0)
                {
                    await _slack.SendDisconnectAsync(random.Next(2) == 0 ? "refresh_requested" : "warning");
                }

                break;
        }
    }

    /// <summary>
    /// Before a command or a form: Slack delivers it only over a live connection (and gives up after three seconds),
    /// so a link that stopped answering is found and replaced first.
    /// </summary>
    private Task EnsureLiveAsync() =>
        _driver.UntilAsync(() => _slack.LiveConnections > 0, "a live Socket Mode connection", TimeSpan.FromSeconds(15));

    private static List<string> Actions(SlackEmulatedMessage message) =>
        message.Blocks?.OfType<JsonObject>().Where(b => b["type"]?.GetValue<string>() == "actions")
            .SelectMany(b => b["elements"]!.AsArray().OfType<JsonObject>())
            .Select(e => e["action_id"]!.GetValue<string>()).ToList() ?? [];

    private IReadOnlyList<SlackEmulatedMessage> GroupMessages => _slack.Channel(_group).Messages;

    private int Posted(string text) =>
        GroupMessages.Count(m => m.User == SlackEmulator.BotUserId && m.Arguments.ToJsonString().Contains("Anonymous member", StringComparison.Ordinal) && m.Text.Contains(text, StringComparison.Ordinal));

    private int Prompts() => GroupMessages.Count(m => m.User == SlackEmulator.BotUserId && m.Text.StartsWith("This week's prompt", StringComparison.Ordinal));

    private int Alerts(string facilitator) => _slack.DirectMessagesTo(facilitator).Count(m => m.Text.StartsWith("\U0001F7E0 Needs attention\n\nFatalistic spiral", StringComparison.Ordinal));

    /// <summary>Lets everything in flight land, then checks each thing arrived exactly once.</summary>
    private async Task AssertEverythingArrivedOnceAsync()
    {
        await EnsureLiveAsync();
        var inbound = _harness.Inbound;
        await _driver.UntilAsync(() => _said.All(t => inbound.CountMessages(t) > 0), "every group message to reach Core");
        await _driver.UntilAsync(() => _shared.All(t => Posted(t) > 0), "every accepted share to be posted", TimeSpan.FromSeconds(5));
        await _driver.UntilAsync(() => Alerts(Lee) >= _spirals && Alerts(Kim) >= _spirals, "each spiral alert to each facilitator");
        var prompts = HostFaults.PromptOccurrences(Start, _clock.GetUtcNow());
        await _driver.UntilAsync(() => Prompts() >= prompts, "every prompt that came due");
        await _driver.UntilAsync(() => _slack.UnacknowledgedEnvelopes == 0, "every envelope to be acknowledged");

        // A minute more of host time for anything that would arrive twice.
        await _driver.AdvanceAsync(TimeSpan.FromMinutes(1));

        Assert.All(_said, t => Assert.Equal(1, inbound.CountMessages(t)));
        Assert.Empty(inbound.RepeatedMessageIds());
        Assert.All(_shared, t => Assert.Equal(1, Posted(t)));
        var unexpected = GroupMessages.Where(m => m.User == SlackEmulator.BotUserId && m.Arguments.ToJsonString().Contains("Anonymous member", StringComparison.Ordinal))
            .Where(m => !_shared.Any(t => m.Text.Contains(t, StringComparison.Ordinal))).Select(m => m.Text).ToList();
        Assert.True(unexpected.Count == 0, "anonymous posts nobody shared: " + string.Join(" | ", unexpected));
        Assert.True(
            Alerts(Lee) == _spirals && Alerts(Kim) == _spirals,
            $"{_spirals} spirals, alerts to Lee {Alerts(Lee)}, to Kim {Alerts(Kim)}:{Environment.NewLine}"
                + string.Join(Environment.NewLine, _slack.DirectMessagesTo(Lee).Where(m => m.Text.StartsWith("\U0001F7E0 Needs attention\n\nFatalistic spiral", StringComparison.Ordinal)).Select(m => m.Text.ReplaceLineEndings(" / "))));
        Assert.Equal(prompts, Prompts());
        var promptTexts = GroupMessages.Where(m => m.User == SlackEmulator.BotUserId && m.Text.StartsWith("This week's prompt", StringComparison.Ordinal)).Select(m => m.Text).ToList();
        Assert.Equal(promptTexts.Count, promptTexts.Distinct(StringComparer.Ordinal).Count());
        Assert.Empty(_slack.Violations);
        Assert.DoesNotContain(SlackEmulator.BotToken, string.Join("\n", _harness.Logs.Lines), StringComparison.Ordinal);
        Assert.DoesNotContain(SlackEmulator.AppToken, string.Join("\n", _harness.Logs.Lines), StringComparison.Ordinal);
        Assert.Empty(_harness.Errors);
    }
}
