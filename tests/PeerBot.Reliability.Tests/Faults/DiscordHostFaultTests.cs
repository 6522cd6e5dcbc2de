using System.Text.Json.Nodes;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Time.Testing;
using PeerBot.Core.Prompts;
using PeerBot.Discord;
using PeerBot.Discord.Gateway;
using PeerBot.Testing.Discord;
using PeerBot.Testing.Hosting;

namespace PeerBot.Reliability.Tests.Faults;

/// <summary>
/// Faults through the whole host on Discord: the real host (every feature, LiteDB, the Discord adapter) against the
/// Discord emulator, with the host on a fake clock moved by a <see cref="ClockDriver"/>. Gateway drops, op 7, zombie
/// connections, 429 and 5xx storms and an emulator restart happen while residents talk, share anonymously and run
/// commands and the scheduler posts prompts; what must arrive, arrives exactly once.
/// </summary>
[Collection(HostFaultCollection.Name)]
#pragma warning disable CA1001 // Disposed in DisposeAsync (xunit's IAsyncLifetime).
public sealed class DiscordHostFaultTests : IAsyncLifetime
#pragma warning restore CA1001
{
    // Tuesday 24 November 2026, 18:50 UTC: ten minutes before the group's daily prompt. The last occurrence was a day
    // ago, so the first start posts no missed prompt.
    private static readonly DateTimeOffset Start = new(2026, 11, 24, 18, 50, 0, TimeSpan.Zero);

    private readonly FakeTimeProvider _clock = new(Start);
    private readonly PeerBotTestHost _harness;
    private readonly List<string> _said = [];
    private readonly List<string> _shared = [];
    private DiscordEmulator _discord = null!;
    private ClockDriver _driver = null!;
    private IHost _host = null!;
    private EmulatedChannel _group = null!;
    private string _ana = "", _ben = "", _chloe = "", _lee = "", _kim = "";
    private int _spirals;
    private long _schedulerNext;
    private int _counter;
    private bool _zombie;
    private int _zombieCloses;

    public DiscordHostFaultTests() => _harness = new PeerBotTestHost(_clock, "faults-discord");

    private string[] Residents => [_ana, _ben, _chloe];

    public async Task InitializeAsync()
    {
        // Heartbeats every 20 s of host time: a zombie is found within two intervals of moving the clock, and between two
        // heartbeats the driver waits on the emulator at least once, so the ack of a live connection is always back.
        _discord = await DiscordEmulator.StartAsync(new DiscordEmulatorOptions { HeartbeatIntervalMs = 20_000 });
        _discord.HostClock = _clock;
        _ana = _discord.AddMember("ana.r");
        _ben = _discord.AddMember("ben.t");
        _chloe = _discord.AddMember("chloe.m");
        _lee = _discord.AddMember("drlee");
        _kim = _discord.AddMember("drkim");

        var settings = _harness.Settings;
        foreach (var (key, value) in _discord.HostConfiguration())
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
        HostSettings.Person(settings, 0, "ana", "Ana R.", "Resident", 1, discord: _ana);
        HostSettings.Person(settings, 1, "ben", "Ben T.", "Resident", 2, discord: _ben);
        HostSettings.Person(settings, 2, "chloe", "Chloe M.", "Resident", 3, discord: _chloe);
        HostSettings.Person(settings, 3, "dr-lee", "Dr. Sam Lee", "Alumni", null, discord: _lee);
        HostSettings.Person(settings, 4, "dr-kim", "Dr. Jo Kim", "Psychologist", null, discord: _kim);
        HostSettings.Group(settings, 0, "Tuesday Circle", "Discord", "0 19 * * *", ["ana", "ben", "chloe"], ["dr-lee", "dr-kim"]);

        // The clock moves in steps while something is awaited, and jumps up to an hour to reach a prompt. Request
        // timeouts and the interaction deferral run on it too; they are set out of reach of every jump of a run (a
        // request still in flight when the clock jumps would otherwise time out and be sent again), so only the faults
        // the test injects make requests fail.
        _harness.Configure = b => b.Services.Configure<DiscordAdapterOptions>(o =>
        {
            o.RequestTimeout = TimeSpan.FromDays(20);
            o.InteractionDeferAfter = TimeSpan.FromDays(20);
            o.SetExitCodeOnFatal = false;
        });

        _driver = new ClockDriver(_clock, (condition, timeout) => _discord.WaitUntilAsync(condition, timeout))
        {
            Diagnostics = () => "Violations: " + string.Join("; ", _discord.Violations) + Environment.NewLine + _harness.Tail(),
        };
        _host = await _harness.StartDiscordAsync(
            _discord,
            host => host.Services.GetRequiredService<PromptSchedulerService>().PassCompleted += (_, next) => Interlocked.Exchange(ref _schedulerNext, next.UtcTicks));
        _group = _discord.FindChannelByName("peer-tuesday-circle") ?? throw new InvalidOperationException("no group channel");
        await _driver.WaitAsync(() => Residents.All(r => _discord.DirectChannel(r) is not null), "the welcome DMs");
    }

    public async Task DisposeAsync()
    {
        try
        {
            await _harness.DisposeAsync();
        }
        finally
        {
            await _discord.DisposeAsync();
        }
    }

    [Fact]
    public async Task WholeHost_SeededDropsZombiesAndReconnectsDuringWork_EverythingArrivesExactlyOnce()
    {
        var acts = await HostFaults.RunSeededAsync(20261124, 30, RunAsync);

        await AssertEverythingArrivedOnceAsync();

        // The faults really happened, and the bot rode them out on its one session.
        Assert.Contains(HostFaults.Act.Drop, acts);
        Assert.Contains(HostFaults.Act.Zombie, acts);
        Assert.True(_discord.Resumes > 0, "the bot never resumed");
        Assert.Contains(GatewayClient.ZombieCloseCode, _discord.ClientCloseCodes.Select(c => c ?? 0));
        Assert.Equal(1, _discord.Identifies);
    }

    [Fact]
    public async Task WholeHost_429And5xxStormsAcrossRoutes_NothingLostNothingDoubledRetryAfterHonoured()
    {
        // Many failures in a row, across routes and methods: per-route and global 429s with retry_after, and 500/502/503.
        const string Messages = "POST /channels/{channel_id}/messages";
        _discord.FailNext(Messages, 429, count: 3, retryAfterSeconds: 2.5);
        _discord.FailNext(Messages, 500, count: 2);
        _discord.FailNext(Messages, 429, count: 2, retryAfterSeconds: 4, global: true);
        _discord.FailNext(Messages, 502, count: 2);
        _discord.FailNext(Messages, 503, count: 2);
        _discord.FailNext(Messages, 429, count: 2, retryAfterSeconds: 1.5);
        const string Callback = "POST /interactions/{interaction_id}/{interaction_token}/callback";
        _discord.FailNext(Callback, 500, count: 1);
        _discord.FailNext(Callback, 429, count: 1, retryAfterSeconds: 0.5);
        const string Followup = "POST /webhooks/{webhook_id}/{webhook_token}";
        _discord.FailNext(Followup, 503, count: 1);
        _discord.FailNext(Followup, 429, count: 1, retryAfterSeconds: 2);

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

        // Every failure was met: each 429 and 5xx was followed by its retry, and each retry after a 429 came no sooner
        // than its retry_after on the host's clock.
        var requests = _discord.Requests;
        var failed = requests.Select((r, i) => (r, i)).Where(x => x.r.Status is 429 or >= 500).ToList();
        Assert.Equal(13, failed.Count(x => x.r.Route == Messages));
        Assert.Equal(2, failed.Count(x => x.r.Route == Callback));
        Assert.Equal(2, failed.Count(x => x.r.Route == Followup));
        foreach (var (request, index) in failed)
        {
            var retry = requests.Skip(index + 1).FirstOrDefault(r => r.Method == request.Method && r.Path == request.Path && SameBody(r.Body, request.Body));
            Assert.True(retry is not null, $"{request.Method} {request.Path} answered {request.Status} was never retried");
            if (request.RetryAfter is { } seconds)
            {
                Assert.True(
                    retry.HostAt >= request.HostAt + TimeSpan.FromSeconds(seconds),
                    $"{request.Method} {request.Path} retried at {retry.HostAt:HH:mm:ss.fff}, before the retry_after of {seconds} s from {request.HostAt:HH:mm:ss.fff}");
            }
        }

        // The bot kept running: its adapter did not stop, and it still answers.
        Assert.False(_host.Services.GetRequiredService<DiscordHostedService>().ExecuteTask?.IsCompleted ?? true, "the Discord adapter stopped");
        await RunAsync(HostFaults.Act.Command, random);
    }

    [Fact]
    public async Task WholeHost_EmulatorRestarts_BotReconnectsAndDeliversWhatCameDueDuringTheOutageOnce()
    {
        var random = new Random(7);
        await RunAsync(HostFaults.Act.Chat, random);
        await RunAsync(HostFaults.Act.ShareByForm, random);
        await RunAsync(HostFaults.Act.ShareByForm, random);
        var requestsBefore = _discord.Requests.Count;

        // Discord goes away with the two shares still waiting for their delay and the prompt ten minutes off.
        await _discord.StopServerAsync();
        Assert.False(_discord.IsConnected);

        // During the outage the shares come due, the prompt comes due, and every attempt fails; the gateway keeps trying.
        await _driver.AdvanceAsync(TimeSpan.FromMinutes(12), TimeSpan.FromSeconds(10));
        Assert.Equal(0, _shared.Count(s => Posted(s) > 0));
        Assert.Equal(0, Prompts());

        await _discord.StartServerAsync();
        await _driver.UntilAsync(() => _discord.IsConnected, "the bot to come back", TimeSpan.FromSeconds(5));
        Assert.True(_discord.Resumes > 0, "the bot did not resume its session after the restart");
        Assert.True(_discord.Requests.Count > requestsBefore);

        // And it carries on: new talk, a command, a share, a drop.
        await RunAsync(HostFaults.Act.Chat, random);
        await RunAsync(HostFaults.Act.Command, random);
        await RunAsync(HostFaults.Act.ShareByMessage, random);
        await RunAsync(HostFaults.Act.Drop, random);
        await RunAsync(HostFaults.Act.Spiral, random);

        await AssertEverythingArrivedOnceAsync();
        Assert.Equal(1, _discord.Restarts);
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
                await _discord.InjectMessageAsync(_group.Id, Residents[random.Next(Residents.Length)], text);
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
                    await _discord.InjectMessageAsync(_group.Id, Residents[i], text);
                }

                _spirals++;
                break;
            }

            case HostFaults.Act.ShareByForm:
            {
                await EnsureConnectedAsync();
                var text = $"{HostFaults.Shares[random.Next(HostFaults.Shares.Length)]} (share {n})";
                var submit = await _discord.InjectModalSubmitAsync(Residents[random.Next(Residents.Length)], _group.Id, inGuild: true, "share", new Dictionary<string, string> { ["text"] = text });
                var answer = await AnswerAsync(submit, "the share form");
                Assert.Equal(4, answer.CallbackType);
                Assert.StartsWith("Saved.", Content(answer), StringComparison.Ordinal);
                _shared.Add(text);
                break;
            }

            case HostFaults.Act.ShareByMessage:
            {
                await EnsureConnectedAsync();
                var author = Residents[random.Next(Residents.Length)];
                var dm = _discord.DirectChannel(author)!;
                var before = _discord.MessagesIn(dm.Id).Count;
                var text = $"{HostFaults.Shares[random.Next(HostFaults.Shares.Length)]} (dm {n})";
                await _discord.InjectMessageAsync(dm.Id, author, text);
                EmulatedMessage? confirm = null;
                await _driver.UntilAsync(
                    () => (confirm = _discord.MessagesIn(dm.Id).Skip(before).FirstOrDefault(m => m.AuthorId == DiscordEmulator.BotUserId && m.Components is JsonArray { Count: > 0 })) is not null,
                    "the share confirmation in the DM");
                var button = confirm!.Components![0]!["components"]!.AsArray().Select(b => b!["custom_id"]!.GetValue<string>()).First();
                await EnsureConnectedAsync();
                var press = await _discord.InjectButtonAsync(author, dm.Id, confirm.Id, button, inGuild: false);
                var answer = await AnswerAsync(press, "the share button");
                Assert.Equal(7, answer.CallbackType);
                _shared.Add(text);
                break;
            }

            case HostFaults.Act.Command:
            {
                await EnsureConnectedAsync();
                var (user, options) = random.Next(5) switch
                {
                    0 => (_lee, DiscordEmulator.Sub("groups")),
                    1 => (_kim, DiscordEmulator.Sub("flags")),
                    2 => (_lee, DiscordEmulator.Sub("stats")),
                    3 => (Residents[random.Next(Residents.Length)], DiscordEmulator.Sub("help")),
                    _ => (_kim, DiscordEmulator.Group("prompt", DiscordEmulator.Sub("preview"))),
                };
                var asked = await _discord.InjectCommandAsync(user, _group.Id, inGuild: true, options);
                var answer = await AnswerAsync(asked, "/peer " + options.ToJsonString());
                Assert.True(answer.IsEphemeral);
                Assert.DoesNotContain("Sorry", Content(answer), StringComparison.Ordinal);
                break;
            }

            case HostFaults.Act.Prompt:
            {
                // The scheduler sets its timer after each pass (for the next occurrence, or an hour at most); the clock
                // jumps to that timer once it is set, so no jump races a pass.
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
                if (random.Next(3) == 0)
                {
                    await _discord.SendReconnectAsync();
                }
                else
                {
                    await _discord.DropConnectionAsync(random.Next(2) == 0 ? null : 4000);
                }

                break;

            case HostFaults.Act.Zombie:
                if (!_zombie)
                {
                    _zombie = true;
                    _zombieCloses = _discord.ClientCloseCodes.Count(c => c == GatewayClient.ZombieCloseCode);
                    _discord.AckHeartbeats(false);
                }

                break;

            case HostFaults.Act.Disconnect:
                // Discord has no disconnect envelope; op 7 is its way of asking the bot to reconnect.
                await _discord.SendReconnectAsync();
                break;
        }
    }

    /// <summary>
    /// Before an interaction: Discord sends one only to a connected bot (a person with no live bot gets "did not
    /// respond"), so a zombie is found and replaced first and a dropped connection resumed.
    /// </summary>
    private async Task EnsureConnectedAsync()
    {
        if (_zombie)
        {
            await _driver.UntilAsync(
                () => _discord.ClientCloseCodes.Count(c => c == GatewayClient.ZombieCloseCode) > _zombieCloses,
                "the zombie connection to be closed",
                TimeSpan.FromSeconds(5));
            _discord.AckHeartbeats(true);
            _zombie = false;
        }

        await _driver.UntilAsync(() => _discord.IsConnected, "the bot to be connected");
    }

    private async Task<InteractionAnswer> AnswerAsync(EmulatedInteraction interaction, string what)
    {
        // In tenths of a second: the host defers an answer not ready after 2 s and Discord refuses one after 3 s, both on
        // the host's clock. In whole seconds a host busy for a few quiet periods (40 ms each) would see the clock jump from
        // its deferral to past the deadline; in tenths its deferral has ten quiet periods to land.
        await _driver.UntilAsync(() => interaction.FirstAnswer.IsCompleted, "an answer to " + what, AnswerStep);
        return await interaction.FirstAnswer;
    }

    /// <summary>How far the clock moves per quiet period while an interaction waits for its answer.</summary>
    private static readonly TimeSpan AnswerStep = TimeSpan.FromMilliseconds(100);

    private static string Content(InteractionAnswer answer) => answer.Data?["content"]?.GetValue<string>() ?? "";

    private int Posted(string text) =>
        _discord.MessagesIn(_group.Id).Count(m => m.Content.Contains("Anonymous member", StringComparison.Ordinal) && m.Content.Contains(text, StringComparison.Ordinal));

    private int Prompts() => _discord.MessagesIn(_group.Id).Count(m => m.Content.Contains("This week's prompt", StringComparison.Ordinal));

    private int Alerts(string facilitator) =>
        _discord.DirectChannel(facilitator) is { } dm ? _discord.MessagesIn(dm.Id).Count(m => m.Content.Contains("Fatalistic spiral", StringComparison.Ordinal)) : 0;

    private static bool SameBody(JsonNode? a, JsonNode? b) => (a?.ToJsonString() ?? "") == (b?.ToJsonString() ?? "");

    /// <summary>Lets everything in flight land, then checks each thing arrived exactly once.</summary>
    private async Task AssertEverythingArrivedOnceAsync()
    {
        await EnsureConnectedAsync();
        var inbound = _harness.Inbound;
        await _driver.UntilAsync(() => _said.All(t => inbound.CountMessages(t) > 0), "every group message to reach Core");
        await _driver.UntilAsync(() => _shared.All(t => Posted(t) > 0), "every accepted share to be posted", TimeSpan.FromSeconds(5));
        await _driver.UntilAsync(() => Alerts(_lee) >= _spirals && Alerts(_kim) >= _spirals, "each spiral alert to each facilitator");
        var prompts = HostFaults.PromptOccurrences(Start, _clock.GetUtcNow());
        await _driver.UntilAsync(() => Prompts() >= prompts, "every prompt that came due");

        // A minute more of host time for anything that would arrive twice.
        await _driver.AdvanceAsync(TimeSpan.FromMinutes(1));

        Assert.All(_said, t => Assert.Equal(1, inbound.CountMessages(t)));
        Assert.Empty(inbound.RepeatedMessageIds());
        Assert.All(_shared, t => Assert.Equal(1, Posted(t)));
        var unexpected = _discord.MessagesIn(_group.Id).Where(m => m.Content.Contains("Anonymous member", StringComparison.Ordinal))
            .Where(m => !_shared.Any(t => m.Content.Contains(t, StringComparison.Ordinal))).Select(m => m.Content).ToList();
        Assert.True(unexpected.Count == 0, "anonymous posts nobody shared: " + string.Join(" | ", unexpected));
        Assert.True(
            Alerts(_lee) == _spirals && Alerts(_kim) == _spirals,
            $"{_spirals} spirals, alerts to Lee {Alerts(_lee)}, to Kim {Alerts(_kim)}");
        Assert.Equal(prompts, Prompts());
        var promptTexts = _discord.MessagesIn(_group.Id).Where(m => m.Content.Contains("This week's prompt", StringComparison.Ordinal)).Select(m => m.Content).ToList();
        Assert.Equal(promptTexts.Count, promptTexts.Distinct(StringComparer.Ordinal).Count());
        _discord.AssertNoViolations();
        Assert.DoesNotContain(_discord.Token, string.Join("\n", _harness.Logs.Lines), StringComparison.Ordinal);
        Assert.Empty(_harness.Errors);
    }
}
