using System.Diagnostics;
using System.Text.Json.Nodes;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Time.Testing;
using PeerBot.Core.Groups;
using PeerBot.Core.Prompts;
using PeerBot.Core.Sharing;
using PeerBot.Slack;
using PeerBot.Testing.Hosting;
using PeerBot.Testing.Sharing;
using PeerBot.Testing.Slack;

namespace PeerBot.Tests.EndToEnd;

/// <summary>
/// The real host (every feature, LiteDB on disk, the Slack adapter) against the Slack emulator, through the scenario
/// the Discord adapter runs: groups become private channels, a prompt is posted on schedule, an anonymous share through
/// the modal appears without a trace of its author, a spiral reaches the facilitators with working buttons, and a
/// facilitator's command is answered in time while a resident's is refused.
/// </summary>
#pragma warning disable CA1001 // The emulator and the log collector are disposed in DisposeAsync (IAsyncLifetime).
public sealed class SlackEndToEndTests : IAsyncLifetime
#pragma warning restore CA1001
{
    private const string Ana = "U0ANA";
    private const string Benjamin = "U0BENJ";
    private const string BenjaminEmail = "benjamin.tran@hospital.org";
    private const string Cy = "U0CY";
    private const string Lee = "U0LEE";
    private const string Kim = "U0KIM";

    // Monday 2 November 2026, 18:00 UTC; the group's prompts are due on Tuesdays at 19:00 UTC.
    private static readonly DateTimeOffset Start = new(2026, 11, 2, 18, 0, 0, TimeSpan.Zero);
    private static readonly DateTimeOffset PromptDue = new(2026, 11, 3, 19, 0, 0, TimeSpan.Zero);

    private readonly FakeTimeProvider _time = new(Start);
    private readonly PeerBotTestHost _harness;
    private readonly SlackEmulator _emulator = new();
    private readonly string _configFile;
    private IHost? _host;

    public SlackEndToEndTests()
    {
        _harness = new PeerBotTestHost(_time, "e2e-slack");
        _configFile = Path.Combine(_harness.Folder, "peerbot.json");
    }

    private ListLoggerProvider Logs => _harness.Logs;

    public async Task InitializeAsync()
    {
        // Message ts values follow the same fake clock as the host, as Slack's follow real time.
        _emulator.Time = _time;
        await _emulator.StartAsync();
        _emulator.AddUser(Ana, "ana.r", "ana.r@hospital.org");
        _emulator.AddUser(Benjamin, "benjamin.tran", BenjaminEmail);
        _emulator.AddUser(Cy, "cy.m", "cy.m@hospital.org");
        _emulator.AddUser(Lee, "dr.lee", "sam.lee@hospital.org");
        _emulator.AddUser(Kim, "dr.kim", "jo.kim@hospital.org");

        await File.WriteAllTextAsync(_configFile, Config(_harness.DatabasePath, _harness.KeyPath));
        _harness.ConfigFile = _configFile;
        foreach (var (key, value) in _emulator.ConfigurationValues)
        {
            _harness.Settings[key] = value;
        }

        // The test jumps the fake clock a day ahead to reach the prompt. Real Slack keeps a Socket Mode link busy
        // with pings, but under a fake clock a jump looks like a day of silence and the idle watchdog would
        // replace the connection mid-scenario. Its period stays within what a timer accepts (IdleTimeout / 4).
        // The other adapter timers need no care: the ack timeout and request timeouts only run while a
        // command or a call is in flight, and the clock is only moved when nothing is.
        _harness.Configure = b => b.Services.Configure<SlackAdapterOptions>(o => o.IdleTimeout = TimeSpan.FromDays(30));
        _host = await _harness.StartSlackAsync(_emulator);
    }

    public async Task DisposeAsync()
    {
        try
        {
            await _harness.DisposeAsync();
        }
        finally
        {
            await _emulator.DisposeAsync();
        }
    }

    [Fact]
    public async Task Host_GroupsPromptShareSpiralCommands_WorkEndToEndOnSlack()
    {
        // Groups: reconciliation makes a private channel with the residents (one found by email) and facilitators.
        await WaitForAsync(() => _emulator.Channels.Any(c => c.Members.Count == 6), "the group's private channel with its members");
        var group = _emulator.Channels.Single();
        Assert.True(group.IsPrivate);
        Assert.Equal(
            new[] { Ana, Benjamin, Cy, Kim, Lee, SlackEmulator.BotUserId }.Order(StringComparer.Ordinal),
            group.Members.Order(StringComparer.Ordinal));
        var create = _emulator.Calls.Single(c => c.Method == "conversations.create");
        Assert.Equal("true", Arg(create, "is_private"));
        var invited = _emulator.Calls.Where(c => c.Method == "conversations.invite" && Arg(c, "channel") == group.Id)
            .SelectMany(c => Arg(c, "users")!.Split(',')).Order(StringComparer.Ordinal);
        Assert.Equal(new[] { Ana, Benjamin, Cy, Kim, Lee }.Order(StringComparer.Ordinal), invited);
        Assert.Contains(_emulator.Calls, c => c.Method == "users.lookupByEmail" && Arg(c, "email") == BenjaminEmail);
        await WaitForAsync(() => _emulator.Channel(group.Id).Messages.Count > 0, "the ground rules");

        // A prompt: none a minute before the schedule says so, then one at Tuesday 19:00. The scheduler reports each
        // pass once its timer is set, so the clock is moved only when the scheduler is waiting for that exact time.
        await QuiesceAsync();
        var before = _emulator.Channel(group.Id).Messages.Count;
        var scheduler = _host!.Services.GetRequiredService<PromptSchedulerService>();
        var waitingForPrompt = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        void OnPass(object? sender, DateTimeOffset next)
        {
            if (next == PromptDue && _time.GetUtcNow() >= PromptDue - TimeSpan.FromMinutes(1))
            {
                waitingForPrompt.TrySetResult();
            }
        }

        scheduler.PassCompleted += OnPass;
        _time.SetUtcNow(PromptDue - TimeSpan.FromMinutes(1));
        await waitingForPrompt.Task.WaitAsync(TimeSpan.FromSeconds(20));
        scheduler.PassCompleted -= OnPass;
        Assert.Equal(before, _emulator.Channel(group.Id).Messages.Count);
        _time.SetUtcNow(PromptDue);
        await WaitForAsync(() => _emulator.Channel(group.Id).Messages.Count > before, "the scheduled prompt");
        var prompt = _emulator.Channel(group.Id).Messages[before];
        Assert.Equal(SlackEmulator.BotUserId, prompt.User);
        Assert.StartsWith("This week's prompt", prompt.Text, StringComparison.Ordinal);
        Assert.Contains("Answer here, or share anonymously with /peer share.", prompt.Text, StringComparison.Ordinal);

        // Anonymous share through the modal (the slash command is private to its author wherever it is typed).
        var callsBeforeShare = _emulator.Calls.Count;
        var logsBeforeShare = Logs.Lines.Count;
        var shareAck = await _emulator.InjectSlashCommandAsync(Benjamin, group.Id, "share");
        Assert.True(shareAck is null || !shareAck.ContainsKey("text"), shareAck?.ToJsonString());
        await WaitForAsync(() => _emulator.Views.Count == 1, "the share modal (views.open)");
        Assert.Contains(_emulator.Calls, c => c.Method == "views.open");
        const string Shared = "I froze during a code today and felt completely alone afterwards";
        var submitAck = await _emulator.SubmitViewAsync(_emulator.Views[0].Id, Benjamin, new Dictionary<string, string> { ["text"] = Shared });
        Assert.True(submitAck is null || submitAck["response_action"]?.GetValue<string>() != "errors", submitAck?.ToJsonString());
        await AdvanceToAnonymousPostAsync(
            () => _emulator.Channel(group.Id).Messages.Any(m => m.Arguments.ToJsonString().Contains("froze during a code", StringComparison.Ordinal)),
            "the anonymous post");
        var post = _emulator.Channel(group.Id).Messages.Single(m => m.Arguments.ToJsonString().Contains("froze during a code", StringComparison.Ordinal));
        Assert.Equal(SlackEmulator.BotUserId, post.User);
        Assert.Contains("Anonymous member", post.Arguments.ToJsonString(), StringComparison.Ordinal);
        AssertNoTraceOfBenjamin(post.Arguments.ToJsonString(), "the anonymous post");

        // Nobody, the author included, is messaged as the post appears (the author's phone buzzing then would name them).
        Assert.DoesNotContain(new[] { Benjamin, Ana, Cy, Lee, Kim }, u => _emulator.DirectMessagesTo(u).Any(m => m.Text.Contains("now up", StringComparison.Ordinal)));

        // Every call since the share that is not addressed to the author alone (the modal, a private note to them)
        // carries no trace of them; the logs neither.
        var authorDm = _emulator.DirectChannelOf(Benjamin);
        foreach (var call in _emulator.Calls.Skip(callsBeforeShare))
        {
            var toAuthorAlone = call.Method == "views.open"
                || (call.Method == "conversations.open" && Arg(call, "users") == Benjamin)
                || (call.Method == "chat.postMessage" && Arg(call, "channel") == Benjamin)
                || (call.Method == "chat.postEphemeral" && Arg(call, "user") == Benjamin)
                || (authorDm is not null && Arg(call, "channel") == authorDm);
            if (!toAuthorAlone)
            {
                AssertNoTraceOfBenjamin(call.Arguments.ToJsonString(), $"{call.Method} after the share");
            }

            if (call.Arguments.ToJsonString().Contains("froze during a code", StringComparison.Ordinal))
            {
                AssertNoTraceOfBenjamin(call.Arguments.ToJsonString(), $"{call.Method} carrying the shared text");
            }
        }

        foreach (var line in Logs.Lines.Skip(logsBeforeShare))
        {
            AssertNoTraceOfBenjamin(line, "a log line after the share");
        }

        // A spiral: three fatalistic messages from two residents reach both facilitators privately, with buttons.
        // (Everyone already has a welcome DM from when the channel opened.)
        var dmsBefore = new[] { Ana, Benjamin, Cy, Lee, Kim }.ToDictionary(u => u, u => _emulator.DirectMessagesTo(u).Count);
        await _emulator.InjectMessageAsync(group.Id, Ana, "nothing will ever change here");
        await _emulator.InjectMessageAsync(group.Id, Cy, "i've given up honestly");
        await _emulator.InjectMessageAsync(group.Id, Ana, "it's hopeless");
        await WaitForAsync(
            () => _emulator.DirectMessagesTo(Lee).Count > dmsBefore[Lee] && _emulator.DirectMessagesTo(Kim).Count > dmsBefore[Kim],
            "the spiral alert to both facilitators");
        var alert = _emulator.DirectMessagesTo(Lee).Skip(dmsBefore[Lee]).Single();
        Assert.StartsWith("\U0001F7E0 Needs attention\n\nFatalistic spiral: Tuesday Circle", alert.Text, StringComparison.Ordinal);
        Assert.Contains("3 fatalistic messages from 2 people", alert.Text, StringComparison.Ordinal);
        Assert.Contains("it's hopeless", alert.Text, StringComparison.Ordinal);
        var buttons = alert.Blocks!.OfType<JsonObject>().Single(b => b["type"]!.GetValue<string>() == "actions")["elements"]!.AsArray()
            .OfType<JsonObject>().ToList();
        Assert.All(buttons, b => Assert.Equal("button", b["type"]!.GetValue<string>()));
        var actionIds = buttons.Select(b => b["action_id"]!.GetValue<string>()).ToList();
        Assert.Equal(2, actionIds.Count);
        Assert.StartsWith("ack:", actionIds[0], StringComparison.Ordinal);
        Assert.StartsWith("resolve:", actionIds[1], StringComparison.Ordinal);
        Assert.Equal(["Acknowledge", "Resolve"], buttons.Select(b => b["text"]!["text"]!.GetValue<string>()));
        var alertId = actionIds[0]["ack:".Length..];
        var kimAlert = _emulator.DirectMessagesTo(Kim).Skip(dmsBefore[Kim]).Single();
        Assert.Contains(alertId, kimAlert.Arguments.ToJsonString(), StringComparison.Ordinal);

        // The residents are told nothing about the alert.
        Assert.Equal(dmsBefore[Ana], _emulator.DirectMessagesTo(Ana).Count);
        Assert.Equal(dmsBefore[Cy], _emulator.DirectMessagesTo(Cy).Count);

        var updatesBefore = _emulator.Calls.Count(c => c.Method == "chat.update");
        var leeDm = _emulator.DirectChannelOf(Lee)!;
        await _emulator.InjectButtonPressAsync(Lee, leeDm, alert.Ts, actionIds[0]);
        await WaitForAsync(
            () => _emulator.Calls.Any(c => c.Method == "chat.update" && Arg(c, "channel") == leeDm && Arg(c, "ts") == alert.Ts),
            "the acknowledged alert (chat.update)");
        Assert.True(_emulator.Calls.Count(c => c.Method == "chat.update") > updatesBefore);
        var updated = _emulator.DirectMessagesTo(Lee).Single(m => m.Ts == alert.Ts);
        Assert.Contains($"Alert {alertId} is acknowledged", updated.Text, StringComparison.Ordinal);
        var actions = updated.Blocks?.OfType<JsonObject>().SingleOrDefault(b => b["type"]!.GetValue<string>() == "actions");
        Assert.DoesNotContain("ack:", actions?.ToJsonString() ?? "", StringComparison.Ordinal);
        Assert.Contains($"resolve:{alertId}", actions?.ToJsonString() ?? "", StringComparison.Ordinal);

        // The other facilitator's copy is updated too, so nobody acknowledges twice.
        var kimDm = _emulator.DirectChannelOf(Kim)!;
        await WaitForAsync(
            () => _emulator.DirectMessagesTo(Kim).Single(m => m.Ts == kimAlert.Ts).Text.Contains($"Alert {alertId} is acknowledged", StringComparison.Ordinal),
            "the other facilitator's updated alert");
        Assert.Contains(_emulator.Calls, c => c.Method == "chat.update" && Arg(c, "channel") == kimDm && Arg(c, "ts") == kimAlert.Ts);
        await WaitForAsync(() => _emulator.DirectMessagesTo(Lee).Any(m => m.Text.StartsWith($"Acknowledged {alertId}", StringComparison.Ordinal)), "the reply to the button, in the DM");

        // A facilitator's command is answered privately within Slack's three seconds; a resident is refused politely.
        var flags = await ReplyToCommandAsync(Lee, group.Id, "flags");
        Assert.Contains(alertId, flags, StringComparison.Ordinal);

        var refused = await ReplyToCommandAsync(Ana, group.Id, "flags");
        Assert.StartsWith("Sorry, ", refused, StringComparison.Ordinal);
        Assert.Contains("facilitators", refused, StringComparison.Ordinal);
        Assert.DoesNotContain(alertId, refused, StringComparison.Ordinal);

        // Everything was acknowledged in time, nothing broke Slack's published description, and the host kept running.
        Assert.Equal(0, _emulator.UnacknowledgedEnvelopes);
        Assert.All(_emulator.Acks, a => Assert.True(a.Latency < TimeSpan.FromSeconds(3), $"{a.Type} acknowledged after {a.Latency}"));
        Assert.Empty(_emulator.Violations);
        Assert.DoesNotContain(Logs.Lines, l => l.StartsWith("Error", StringComparison.Ordinal) || l.StartsWith("Critical", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Host_ShareByDirectMessageAndButton_PostsAnonymouslyAndReplacesTheDraft()
    {
        await WaitForAsync(() => _emulator.Channels.Any(c => c.Members.Count == 6), "the group's private channel with its members");
        var group = _emulator.Channels.Single();
        await WaitForAsync(() => _emulator.DirectChannelOf(Benjamin) is not null, "the welcome DM");
        await QuiesceAsync();
        var dm = _emulator.DirectChannelOf(Benjamin)!;
        var fromBot = () => _emulator.DirectMessagesTo(Benjamin).Where(m => m.User == SlackEmulator.BotUserId).ToList();
        var dmsBefore = fromBot().Count;

        // A DM to the bot becomes a draft with a button per group; nothing is shared until it is pressed.
        await _emulator.InjectMessageAsync(dm, Benjamin, "Night shifts & I feel like I'm failing everyone");
        await WaitForAsync(() => fromBot().Count > dmsBefore, "the draft");
        var draft = fromBot()[dmsBefore];
        var share = draft.Blocks!.OfType<JsonObject>().Single(b => b["type"]!.GetValue<string>() == "actions")["elements"]!.AsArray()
            .OfType<JsonObject>().Select(b => b["action_id"]!.GetValue<string>()).First(a => !a.EndsWith(":cancel", StringComparison.Ordinal));
        Assert.Contains("Night shifts &amp; I feel like", draft.Text, StringComparison.Ordinal);
        var callsBeforeShare = _emulator.Calls.Count;

        await _emulator.InjectButtonPressAsync(Benjamin, dm, draft.Ts, share);
        await WaitForAsync(() => _emulator.DirectMessagesTo(Benjamin).Single(m => m.Ts == draft.Ts).Text == "(shared)", "the draft replaced");
        await WaitForAsync(() => fromBot().Any(m => m.Text.StartsWith("Saved.", StringComparison.Ordinal)), "the confirmation, in the DM");
        await AdvanceToAnonymousPostAsync(
            () => _emulator.Channel(group.Id).Messages.Any(m => m.Text.Contains("feel like I'm failing everyone", StringComparison.Ordinal)),
            "the anonymous post");

        var post = _emulator.Channel(group.Id).Messages.Single(m => m.Text.Contains("feel like I'm failing everyone", StringComparison.Ordinal));
        Assert.Contains("Anonymous member", post.Text, StringComparison.Ordinal);
        Assert.Contains("Night shifts &amp; I feel", post.Text, StringComparison.Ordinal);
        foreach (var call in _emulator.Calls.Skip(callsBeforeShare).Where(c => Arg(c, "channel") != dm && Arg(c, "users") != Benjamin && Arg(c, "user") != Benjamin))
        {
            AssertNoTraceOfBenjamin(call.Arguments.ToJsonString(), $"{call.Method} after the share");
        }

        Assert.Empty(_emulator.Violations);
        Assert.Equal(0, _emulator.UnacknowledgedEnvelopes);
    }

    [Fact]
    public async Task Host_RestartOnSameStorage_KeepsTheChannelAndWelcomesNobodyTwice()
    {
        await WaitForAsync(() => _emulator.Channels.Any(c => c.Members.Count == 6), "the group's private channel with its members");
        await WaitForAsync(() => new[] { Ana, Benjamin, Cy, Lee, Kim }.All(u => _emulator.DirectMessagesTo(u).Count > 0), "the welcome DMs");
        await QuiesceAsync();
        var group = _emulator.Channels.Single();
        var messages = _emulator.Channel(group.Id).Messages.Count;
        var welcomes = new[] { Ana, Benjamin, Cy, Lee, Kim }.Sum(u => _emulator.DirectMessagesTo(u).Count);
        await _harness.StopAsync(_host!);
        var callsBeforeRestart = _emulator.Calls.Count;

        _host = await _harness.StartSlackAsync(_emulator);

        // The restarted host reconciles from what the store says was applied: a full run with nothing left to do.
        var run = await _host.Services.GetRequiredService<GroupReconciliationService>().RequestReconcile().WaitAsync(TimeSpan.FromSeconds(20));
        Assert.True(run.Complete, string.Join("; ", run.Problems));
        Assert.Equal(0, run.PlatformCalls);
        await QuiesceAsync();

        Assert.Single(_emulator.Channels);
        Assert.Equal(6, _emulator.Channel(group.Id).Members.Count);
        Assert.Equal(messages, _emulator.Channel(group.Id).Messages.Count);
        Assert.Equal(welcomes, new[] { Ana, Benjamin, Cy, Lee, Kim }.Sum(u => _emulator.DirectMessagesTo(u).Count));
        Assert.DoesNotContain(_emulator.Calls.Skip(callsBeforeRestart), c => c.Method is "conversations.create" or "conversations.invite" or "chat.postMessage");
        Assert.Empty(_emulator.Violations);
        Assert.DoesNotContain(Logs.Lines, l => l.StartsWith("Error", StringComparison.Ordinal) || l.StartsWith("Warning", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Host_AnonymousCrisisShare_WithheldAndPsychologistAlertedWithoutTheAuthor()
    {
        await WaitForAsync(() => _emulator.Channels.Any(c => c.Members.Count == 6), "the group's private channel with its members");
        await WaitForAsync(() => new[] { Ana, Benjamin, Cy, Lee, Kim }.All(u => _emulator.DirectMessagesTo(u).Count > 0), "the welcome DMs");
        await QuiesceAsync();
        var group = _emulator.Channels.Single();
        var groupMessages = _emulator.Channel(group.Id).Messages.Count;
        var kimBefore = _emulator.DirectMessagesTo(Kim).Count;
        var callsBeforeShare = _emulator.Calls.Count;

        await _emulator.InjectSlashCommandAsync(Benjamin, group.Id, "share");
        await WaitForAsync(() => _emulator.Views.Count == 1, "the share modal");
        var benjaminDm = _emulator.DirectChannelOf(Benjamin)!;
        var benjaminBefore = _emulator.DirectMessagesTo(Benjamin).Count;

        // The author puts Slack away right after submitting: an ephemeral answer would never be seen.
        _emulator.SetClientActive(Benjamin, active: false);
        await _emulator.SubmitViewAsync(_emulator.Views[0].Id, Benjamin, new Dictionary<string, string> { ["text"] = "honestly i want to die, i have a plan" });
        await WaitForAsync(() => _emulator.DirectMessagesTo(Kim).Count > kimBefore, "the crisis alert to the psychologist");
        await WaitForAsync(() => _emulator.DirectMessagesTo(Benjamin).Skip(benjaminBefore).Any(m => m.Text.Contains("988", StringComparison.Ordinal)), "the crisis resources to the author, in a DM");
        await QuiesceAsync();

        // Nothing appears in the group; the psychologist hears of "an anonymous member" only.
        var alert = _emulator.DirectMessagesTo(Kim).Skip(kimBefore).Single();
        Assert.StartsWith("\U0001F534 URGENT \u2014 CRISIS\n\nCrisis alert: Tuesday Circle", alert.Text, StringComparison.Ordinal);
        Assert.Contains("An anonymous member", alert.Text, StringComparison.Ordinal);
        Assert.Equal(groupMessages, _emulator.Channel(group.Id).Messages.Count);
        var resources = _emulator.DirectMessagesTo(Benjamin).Skip(benjaminBefore).Single(m => m.Text.Contains("988", StringComparison.Ordinal));
        foreach (var call in _emulator.Calls.Skip(callsBeforeShare).Where(c => c.Method != "views.open" && Arg(c, "user") != Benjamin
            && Arg(c, "channel") != Benjamin && Arg(c, "channel") != benjaminDm))
        {
            AssertNoTraceOfBenjamin(call.Arguments.ToJsonString(), $"{call.Method} before the author chose to be contacted");
        }

        // Only when the author presses the button does the psychologist learn who it is.
        var contact = resources.Blocks!.OfType<JsonObject>().Single(b => b["type"]!.GetValue<string>() == "actions")["elements"]!.AsArray()
            .OfType<JsonObject>().Select(b => b["action_id"]!.GetValue<string>()).Single();
        Assert.StartsWith("crisis:contact:", contact, StringComparison.Ordinal);
        var kimBeforeContact = _emulator.DirectMessagesTo(Kim).Count;
        var benjaminBeforeContact = _emulator.DirectMessagesTo(Benjamin).Count;
        await _emulator.InjectButtonPressAsync(Benjamin, benjaminDm, resources.Ts, contact);
        await WaitForAsync(() => _emulator.DirectMessagesTo(Kim).Count > kimBeforeContact, "the contact request to the psychologist");
        Assert.Contains("Benjamin Tran", _emulator.DirectMessagesTo(Kim)[kimBeforeContact].Text, StringComparison.Ordinal);
        await WaitForAsync(() => _emulator.DirectMessagesTo(Benjamin).Count > benjaminBeforeContact, "the reply to the author, in the DM");
        Assert.Empty(_emulator.LostEphemerals);
        Assert.DoesNotContain(_emulator.DirectMessagesTo(Lee), m => m.Text.Contains("Benjamin Tran", StringComparison.Ordinal));
        Assert.Equal(groupMessages, _emulator.Channel(group.Id).Messages.Count);
        Assert.Empty(_emulator.Violations);
        Assert.Equal(0, _emulator.UnacknowledgedEnvelopes);
    }

    [Fact]
    public async Task Host_MessageEditedIntoCrisisTalkAndThreadBroadcast_ScreenedLikeNewMessages()
    {
        await WaitForAsync(() => _emulator.Channels.Any(c => c.Members.Count == 6), "the group's private channel with its members");
        await WaitForAsync(() => new[] { Ana, Benjamin, Cy, Lee, Kim }.All(u => _emulator.DirectMessagesTo(u).Count > 0), "the welcome DMs");
        await QuiesceAsync();
        var group = _emulator.Channels.Single();
        var kimBefore = _emulator.DirectMessagesTo(Kim).Count;
        var cyBefore = _emulator.DirectMessagesTo(Cy).Count;

        // Cy writes something ordinary, then edits it into crisis talk; a link preview on it changes nothing.
        await _emulator.InjectMessageAsync(group.Id, Cy, "long night on call");
        var ts = _emulator.Channel(group.Id).Messages.Single(m => m.User == Cy).Ts;
        await _emulator.InjectMessageChangedAsync(group.Id, ts, "long night on call. honestly i want to die, i have a plan");
        await _emulator.InjectMessageChangedAsync(group.Id, ts, "long night on call. honestly i want to die, i have a plan");

        await WaitForAsync(() => _emulator.DirectMessagesTo(Kim).Skip(kimBefore).Any(m => m.Text.StartsWith("\U0001F534 URGENT \u2014 CRISIS\n\nCrisis alert: Tuesday Circle", StringComparison.Ordinal)), "the crisis alert to the psychologist");
        await WaitForAsync(() => _emulator.DirectMessagesTo(Cy).Skip(cyBefore).Any(m => m.Text.Contains("988", StringComparison.Ordinal)), "the crisis resources to the author");
        await QuiesceAsync();
        Assert.Single(_emulator.DirectMessagesTo(Kim).Skip(kimBefore), m => m.Text.StartsWith("\U0001F534 URGENT \u2014 CRISIS\n\nCrisis alert", StringComparison.Ordinal));
        Assert.Single(_harness.Inbound.Edits);

        // A thread reply also sent to the channel is screened too.
        var kimBeforeBroadcast = _emulator.DirectMessagesTo(Kim).Count;
        await _emulator.InjectThreadReplyAsync(group.Id, Ana, "i keep thinking about ending my life", ts, alsoSendToChannel: true);
        await WaitForAsync(() => _emulator.DirectMessagesTo(Kim).Skip(kimBeforeBroadcast).Any(m => m.Text.StartsWith("\U0001F534 URGENT \u2014 CRISIS\n\nCrisis alert", StringComparison.Ordinal)), "the crisis alert for the broadcast reply");
        Assert.Empty(_emulator.Violations);
        Assert.Equal(0, _emulator.UnacknowledgedEnvelopes);
    }

    [Fact]
    public async Task Host_PauseAndForgetMeInTheGroupChannel_ConfirmedByDirectMessageAndTheConfirmButtonWorks()
    {
        await WaitForAsync(() => _emulator.Channels.Any(c => c.Members.Count == 6), "the group's private channel with its members");
        await WaitForAsync(() => new[] { Ana, Benjamin, Cy, Lee, Kim }.All(u => _emulator.DirectMessagesTo(u).Count > 0), "the welcome DMs");
        await QuiesceAsync();
        var group = _emulator.Channels.Single();

        // A pause typed in the group's channel: the ephemeral reply goes with the channel, the direct message stays.
        var paused = await ReplyToCommandAsync(Ana, group.Id, "pause 2");
        Assert.StartsWith("You've stepped out of Tuesday Circle until", paused, StringComparison.Ordinal);
        await WaitForAsync(
            () => _emulator.DirectMessagesTo(Ana).Any(m => m.User == SlackEmulator.BotUserId && m.Text.StartsWith("You've stepped out of Tuesday Circle until", StringComparison.Ordinal)),
            "the pause confirmed by direct message");
        await WaitForAsync(() => !_emulator.Channel(group.Id).Members.Contains(Ana), "the paused resident to leave the channel");
        await QuiesceAsync();

        // forget-me's private reply carries its confirm button, and pressing it erases and leaves.
        var ack = await _emulator.InjectSlashCommandAsync(Cy, group.Id, "forget-me");
        Assert.NotNull(ack);
        Assert.Equal("ephemeral", ack["response_type"]?.GetValue<string>());
        var blocks = ack["blocks"]!.AsArray();
        var confirm = blocks.OfType<JsonObject>().Single(b => b["type"]!.GetValue<string>() == "actions")["elements"]!.AsArray().OfType<JsonObject>().Single();
        Assert.Equal("forget:confirm", confirm["action_id"]!.GetValue<string>());
        Assert.Equal("danger", confirm["style"]!.GetValue<string>());
        var ephemeralsBefore = _emulator.Ephemerals.Count;
        await _emulator.InjectEphemeralButtonPressAsync(new SlackEphemeral(Cy, group.Id, ack["text"]!.GetValue<string>(), blocks, "ack", "1700000000.000100"), "forget:confirm");
        await WaitForAsync(() => _emulator.Ephemerals.Skip(ephemeralsBefore).Any(e => e.User == Cy && e.Text.StartsWith("Done. Erased", StringComparison.Ordinal)), "the erasure reply");
        await WaitForAsync(
            () => _emulator.DirectMessagesTo(Cy).Any(m => m.User == SlackEmulator.BotUserId && m.Text.StartsWith("Done: PeerBot has erased", StringComparison.Ordinal)),
            "the erasure confirmed by direct message");
        await WaitForAsync(() => !_emulator.Channel(group.Id).Members.Contains(Cy), "the leaver to leave the channel");
        Assert.Empty(_emulator.Violations);
        Assert.Equal(0, _emulator.UnacknowledgedEnvelopes);
    }

    /// <summary>Runs a command and returns its ephemeral reply, from the acknowledgement or, if late, the response URL.</summary>
    private async Task<string> ReplyToCommandAsync(string user, string channel, string text)
    {
        // Real time: the adapter's ack timeout runs on the fake clock, which stands still here, so what is measured is
        // how long the host really takes to answer.
        var clock = Stopwatch.StartNew();
        var ephemeralsBefore = _emulator.Ephemerals.Count;
        var ack = await _emulator.InjectSlashCommandAsync(user, channel, text);
        string reply;
        if (ack?["text"] is { } inAck)
        {
            Assert.Equal("ephemeral", ack["response_type"]?.GetValue<string>());
            reply = inAck.GetValue<string>();
        }
        else
        {
            await WaitForAsync(() => _emulator.Ephemerals.Skip(ephemeralsBefore).Any(e => e.User == user), $"the reply to /peer {text}", TimeSpan.FromSeconds(3));
            reply = _emulator.Ephemerals.Skip(ephemeralsBefore).First(e => e.User == user).Text;
        }

        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(3), $"/peer {text} answered after {clock.Elapsed}");
        return reply;
    }

    private static void AssertNoTraceOfBenjamin(string text, string where)
    {
        foreach (var trace in new[] { Benjamin, BenjaminEmail, "benjamin" })
        {
            Assert.False(text.Contains(trace, StringComparison.OrdinalIgnoreCase), $"{where} names the author ('{trace}'): {text}");
        }
    }

    private static string? Arg(SlackApiCall call, string name) => call.Arguments[name] switch
    {
        null => null,
        JsonValue v when v.TryGetValue<string>(out var s) => s,
        JsonNode n => n.ToJsonString(),
    };

    /// <summary>Waits on emulator state changes (not a fixed sleep) until the condition holds.</summary>
    private Task WaitForAsync(Func<bool> condition, string what, TimeSpan? timeout = null) =>
        _emulator.WaitUntilAsync(_ => condition(), timeout ?? TimeSpan.FromSeconds(20), what);

    /// <summary>
    /// Delivers the accepted anonymous post: once the outbox holds it, moves the fake clock just past its due time (the
    /// delivery worker's timer is due by then) and waits on the emulator for the condition. No stepping, no real-time pauses.
    /// </summary>
    private async Task AdvanceToAnonymousPostAsync(Func<bool> condition, string what)
    {
        var sharing = _host!.Services.GetRequiredService<AnonymousSharingService>();
        for (var round = 0; round < 5 && !condition(); round++)
        {
            await WaitForAsync(() => condition() || sharing.Outbox.NextDueAt() is not null, what + " in the outbox");
            if (sharing.Outbox.NextDueAt() is { } due && due > _time.GetUtcNow())
            {
                // The worker's wait is rounded up to a whole millisecond, so its timer is due within one after the post.
                _time.SetUtcNow(due + TimeSpan.FromMilliseconds(1));
            }

            await WaitForAsync(() => condition() || sharing.Outbox.NextDueAt() is null || sharing.Outbox.NextDueAt() > _time.GetUtcNow(), what);
        }

        if (!condition())
        {
            throw new TimeoutException($"Never reached: {what}. Log:\n{string.Join("\n", Logs.Lines)}");
        }
    }

    /// <summary>Waits until the host has gone quiet: no Web API call for a while, so the clock can jump safely.</summary>
    private async Task QuiesceAsync()
    {
        var deadline = Stopwatch.StartNew();
        while (deadline.Elapsed < TimeSpan.FromSeconds(20))
        {
            var calls = _emulator.Calls.Count;
            try
            {
                await _emulator.WaitUntilAsync(e => e.Calls.Count != calls, TimeSpan.FromMilliseconds(300));
            }
            catch (TimeoutException)
            {
                return;
            }
        }

        throw new TimeoutException("The host never went quiet.");
    }

    private static string Config(string storagePath, string keyPath) => new JsonObject
    {
        ["PeerBot"] = new JsonObject
        {
            ["Storage"] = new JsonObject { ["Path"] = storagePath },
            ["TimeZone"] = "UTC",
            ["People"] = new JsonArray(
                Person("ana", "Ana R.", "Resident", 1, Ana),
                Person("benjamin", "Benjamin Tran", "Resident", 2, BenjaminEmail),
                Person("cy", "Cy M.", "Resident", 3, Cy),
                Person("dr-lee", "Dr. Sam Lee", "Alumni", null, Lee),
                Person("dr-kim", "Dr. Jo Kim", "Psychologist", null, "jo.kim@hospital.org")),
            ["Groups"] = new JsonArray(new JsonObject
            {
                ["Id"] = "tuesday",
                ["Name"] = "Tuesday Circle",
                ["Platform"] = "Slack",
                ["Members"] = new JsonArray("ana", "benjamin", "cy"),
                ["Facilitators"] = new JsonArray("dr-lee", "dr-kim"),
                ["Schedule"] = "0 19 * * TUE",
            }),
            ["Anonymity"] = new JsonObject
            {
                ["KeyPath"] = keyPath,
                ["MinDelay"] = "00:00:05",
                ["MaxDelay"] = "00:00:10",
            },
        },
    }.ToJsonString();

    private static JsonObject Person(string id, string name, string role, int? pgy, string slack)
    {
        var person = new JsonObject { ["Id"] = id, ["Name"] = name, ["Role"] = role, ["Slack"] = slack };
        if (pgy is { } year)
        {
            person["Pgy"] = year;
        }

        return person;
    }
}
