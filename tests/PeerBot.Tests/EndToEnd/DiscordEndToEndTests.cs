using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;
using PeerBot.Core.Prompts;
using PeerBot.Testing.Discord;
using PeerBot.Testing.Hosting;
using PeerBot.Testing.Sharing;

namespace PeerBot.Tests.EndToEnd;

/// <summary>
/// The real host (every feature, LiteDB in a temp folder, the Discord adapter) against the Discord emulator.
/// Time in the host is a <see cref="FakeTimeProvider"/>: the prompt schedule and the anonymous-share delay are
/// reached by moving the clock, never by sleeping. The emulator keeps real time, because it is "Discord" and
/// measures the 3-second interaction deadline on the wall clock.
/// <para>
/// The adapter's own timers run on the fake clock too, so the clock is only moved when nothing is in flight:
/// request timeouts (15 s) would otherwise fire on a jump, and the 2-second interaction deferral would defer an
/// answer the handler has not finished. As the clock stands still while an interaction is handled, answers are
/// never deferred here, and the emulator checks they still come within Discord's 3 seconds of real time.
/// The global rate limit (50 a second of host time) is far above what a scenario sends between two moves.
/// </para>
/// </summary>
#pragma warning disable CA1001 // Disposed in DisposeAsync (xunit's IAsyncLifetime).
public sealed class DiscordEndToEndTests : IAsyncLifetime
#pragma warning restore CA1001
{
    // Tuesday 24 November 2026, 18:30 UTC: half an hour before the group's "0 19 * * TUE" prompt.
    private static readonly DateTimeOffset Start = new(2026, 11, 24, 18, 30, 0, TimeSpan.Zero);
    private static readonly DateTimeOffset PromptTime = new(2026, 11, 24, 19, 0, 0, TimeSpan.Zero);
    private static readonly TimeSpan Generous = TimeSpan.FromSeconds(30);

    private readonly FakeTimeProvider _clock = new(Start);
    private readonly PeerBotTestHost _harness;
    private DiscordEmulator _discord = null!;
    private TaskCompletionSource _promptArmed = new();
    private string _ana = "", _ben = "", _chloe = "", _lee = "", _kim = "";

    public DiscordEndToEndTests() => _harness = new PeerBotTestHost(_clock, "e2e-discord");

    private ListLoggerProvider Logs => _harness.Logs;

    public async Task InitializeAsync()
    {
        // Heartbeats run on the host's (fake) clock: each move of the clock past a heartbeat sends one, and a second
        // move past the next before the emulator's ack is back (in real time) would make the adapter take the
        // connection for a zombie and reconnect. A ten-day interval keeps them out of the way: at most one is sent
        // in a test (the first comes at a random fraction of the interval), and it is acked like any other.
        _discord = await DiscordEmulator.StartAsync(new DiscordEmulatorOptions { HeartbeatIntervalMs = (int)TimeSpan.FromDays(10).TotalMilliseconds });
        _ana = _discord.AddMember("ana.r");
        _ben = _discord.AddMember("ben.t");
        _chloe = _discord.AddMember("chloe.m");
        _lee = _discord.AddMember("drlee");
        _kim = _discord.AddMember("drkim");
        Configure();
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
    public async Task RealHost_GroupPromptShareSpiralAndCommands_WorkEndToEndOnDiscord()
    {
        var e = _discord;
        var (ana, ben, chloe, lee, kim) = (_ana, _ben, _chloe, _lee, _kim);
        var group = await StartHostAsync();

        // 1. The group became a private channel under the category, with the right overwrites.
        var category = Assert.Single(e.Channels, c => c.Type == 4 && c.Name == "Peer Support");
        Assert.Equal(category.Id, group.ParentId);
        Assert.Contains(new EmulatedOverwrite(DiscordEmulator.GuildId, 0, 0, ViewChannel), group.Overwrites);
        foreach (var id in new[] { ana, ben, chloe, lee, kim, DiscordEmulator.BotUserId })
        {
            var overwrite = Assert.Single(group.Overwrites, o => o.Id == id);
            Assert.Equal(1, overwrite.Type);
            Assert.Equal(ViewChannel, overwrite.Allow & ViewChannel);
            Assert.Equal(SendMessages, overwrite.Allow & SendMessages);
            // Members may not start or write in threads (a thread's messages would not be screened); the bot denies itself nothing.
            Assert.Equal(id == DiscordEmulator.BotUserId ? 0 : DiscordEmulator.ThreadPermissions, overwrite.Deny);
        }

        Assert.Equal(7, group.Overwrites.Count);

        // The channel is made once the bot's place in the server is checked and people are resolved, in one request
        // that already lets every member in (nobody resolved late, no second pass of overwrites).
        var requests = e.Requests.ToList();
        var created = Assert.Single(requests, r => r.Route == "POST /guilds/{guild_id}/channels" && r.Body?["name"]?.GetValue<string>() == "peer-tuesday-circle");
        var firstChannel = requests.FindIndex(r => r.Route == "POST /guilds/{guild_id}/channels");
        Assert.True(firstChannel > requests.FindIndex(r => r.Route == "GET /guilds/{guild_id}/members/{user_id}"));
        var search = requests.FindIndex(r => r.Route == "GET /guilds/{guild_id}/members/search");
        Assert.InRange(search, 0, firstChannel);
        Assert.Equal(7, created.Body!["permission_overwrites"]!.AsArray().Count);
        Assert.DoesNotContain(requests, r => r.Route == "PUT /channels/{channel_id}/permissions/{overwrite_id}");
        foreach (var overwrite in created.Body!["permission_overwrites"]!.AsArray())
        {
            // Discord documents permission bit sets as strings (they outgrow 53 bits).
            Assert.Equal(JsonValueKind.String, overwrite!["allow"]!.GetValueKind());
            Assert.Equal(JsonValueKind.String, overwrite["deny"]!.GetValueKind());
        }

        // The group's channel opened with the bot's introduction, and everyone was welcomed privately.
        var intro = e.MessagesIn(group.Id).Single();
        Assert.Equal(DiscordEmulator.BotUserId, intro.AuthorId);
        Assert.Contains("Welcome to Tuesday Circle", intro.Content, StringComparison.Ordinal);
        Assert.All(Everyone, p => Assert.Contains("Welcome to Tuesday Circle", e.MessagesIn(e.DirectChannel(p)!.Id).Single().Content, StringComparison.Ordinal));

        // 2. A prompt is posted on schedule: nothing before 19:00, the prompt once the clock reaches it.
        await _promptArmed.Task.WaitAsync(Generous);
        Assert.Single(e.MessagesIn(group.Id));
        _clock.Advance(PromptTime - _clock.GetUtcNow());
        await e.WaitUntilAsync(() => e.MessagesIn(group.Id).Count == 2, Generous, "the scheduled prompt");
        var prompt = e.MessagesIn(group.Id)[1];
        Assert.Contains("This week's prompt", prompt.Content, StringComparison.Ordinal);
        Assert.Contains("/peer share", prompt.Content, StringComparison.Ordinal);
        Assert.Equal(DiscordEmulator.BotUserId, prompt.AuthorId);

        // 3. A resident shares anonymously through the modal.
        var shareLogStart = Logs.Lines.Count;
        var shareRequestStart = e.Requests.Count;
        var share = await e.InjectCommandAsync(ana, group.Id, inGuild: true, DiscordEmulator.Sub("share"));
        var modal = await share.FirstAnswer.WaitAsync(Generous);
        Assert.Equal(9, modal.CallbackType);
        Assert.Equal("share", modal.Data!["custom_id"]!.GetValue<string>());
        var textInput = modal.Data["components"]!.AsArray().Select(c => c!["component"]!).Single(c => c["custom_id"]!.GetValue<string>() == "text");
        Assert.Equal(2, textInput["style"]!.GetValue<int>());

        const string Shared = "I froze during my first code and I still think about it every shift.";
        var submit = await e.InjectModalSubmitAsync(ana, group.Id, inGuild: true, "share", new Dictionary<string, string> { ["text"] = Shared });
        var accepted = await submit.FirstAnswer.WaitAsync(Generous);
        Assert.Equal(4, accepted.CallbackType);
        Assert.True(accepted.IsEphemeral);

        // The post waits for its random delay (1 to 2 s on the host's clock): nothing appears until the clock moves.
        Assert.DoesNotContain(e.MessagesIn(group.Id), m => m.Content.Contains("Anonymous member", StringComparison.Ordinal));
        _clock.Advance(TimeSpan.FromSeconds(3));
        await e.WaitUntilAsync(() => e.MessagesIn(group.Id).Any(m => m.Content.Contains("Anonymous member", StringComparison.Ordinal)), Generous, "the anonymous post");
        var post = e.MessagesIn(group.Id).Single(m => m.Content.Contains("Anonymous member", StringComparison.Ordinal));
        Assert.Contains(Shared, post.Content, StringComparison.Ordinal);
        Assert.Equal(DiscordEmulator.BotUserId, post.AuthorId);

        // The author is not messaged as the post appears (her phone buzzing then would name her): her DM channel holds
        // only the welcome she got when the group opened.
        var anaDm = e.DirectChannel(ana)!;
        Assert.DoesNotContain(e.MessagesIn(anaDm.Id), m => m.Content.Contains("now up", StringComparison.Ordinal));

        // No trace of the author: not in the post, and not in anything sent since the share, except what went to
        // the author herself (her interaction answers, her DM channel and the note in it).
        AssertNoTraceOf(post.Content, ana, "ana.r", "Ana R.", "\"ana\"");
        var sinceShare = e.Requests.Skip(shareRequestStart)
            .Where(r => !r.Path.Contains(share.Token, StringComparison.Ordinal) && !r.Path.Contains(submit.Token, StringComparison.Ordinal))
            .Where(r => r.Path != $"/channels/{anaDm.Id}/messages")
            .ToList();
        Assert.Contains(sinceShare, r => r.Path == $"/channels/{group.Id}/messages");
        foreach (var request in sinceShare)
        {
            AssertNoTraceOf(request.Method + " " + request.Path + " " + request.Body?.ToJsonString(), ana, "ana.r", "Ana R.", "\"ana\"");
        }

        foreach (var line in Logs.Lines.Skip(shareLogStart))
        {
            AssertNoTraceOf(line, ana, "ana.r", "Ana R.", "=ana;", "=ana]");
        }

        // 4. A spiral in the group reaches the facilitators by DM with working buttons.
        await e.InjectMessageAsync(group.Id, ana, "what's the point of any of this");
        await e.InjectMessageAsync(group.Id, ben, "honestly no point, nothing ever changes here");
        await e.InjectMessageAsync(group.Id, chloe, "it's pointless, nothing will ever change, we can't do anything about it");
        await e.WaitUntilAsync(
            () => new[] { lee, kim }.All(f => e.MessagesIn(e.DirectChannel(f)!.Id).Count == 2),
            Generous,
            "the spiral alert to both facilitators");
        var leeDm = e.DirectChannel(lee)!;
        var alert = e.MessagesIn(leeDm.Id)[1];
        Assert.Contains("Fatalistic spiral: Tuesday Circle", alert.Content, StringComparison.Ordinal);
        Assert.Contains("3 fatalistic messages from 3 people", alert.Content, StringComparison.Ordinal);
        var buttons = alert.Components![0]!["components"]!.AsArray();
        Assert.Equal(["Acknowledge", "Resolve"], buttons.Select(b => b!["label"]!.GetValue<string>()));
        var ackId = buttons[0]!["custom_id"]!.GetValue<string>();
        Assert.StartsWith("ack:", ackId, StringComparison.Ordinal);
        var alertId = ackId["ack:".Length..];
        Assert.Equal("resolve:" + alertId, buttons[1]!["custom_id"]!.GetValue<string>());
        Assert.Contains("Fatalistic spiral: Tuesday Circle", e.MessagesIn(e.DirectChannel(kim)!.Id)[1].Content, StringComparison.Ordinal);

        // Residents heard nothing of it.
        Assert.All(new[] { ana, ben, chloe }, p => Assert.DoesNotContain(e.MessagesIn(e.DirectChannel(p)!.Id), m => m.Content.Contains("spiral", StringComparison.OrdinalIgnoreCase)));

        // Nobody in the group was told.
        Assert.Equal(3 + 3, e.MessagesIn(group.Id).Count);

        var press = await e.InjectButtonAsync(lee, leeDm.Id, alert.Id, ackId, inGuild: false);
        var pressed = await press.FirstAnswer.WaitAsync(Generous);
        Assert.True(pressed.Delay < TimeSpan.FromSeconds(3), pressed.Delay.ToString());
        Assert.Contains("Acknowledged", pressed.Data!["content"]!.GetValue<string>(), StringComparison.Ordinal);
        Assert.True(pressed.IsEphemeral);

        // The alert itself now says who is on it and keeps only Resolve, in both facilitators' DMs.
        foreach (var facilitator in new[] { lee, kim })
        {
            var dm = e.DirectChannel(facilitator)!;
            await e.WaitUntilAsync(() => e.MessagesIn(dm.Id)[1].Content.Contains("acknowledged by", StringComparison.Ordinal), Generous, "the alert to update");
            Assert.Equal(2, e.MessagesIn(dm.Id).Count);
            var updated = e.MessagesIn(dm.Id)[1];
            Assert.Contains("acknowledged by Dr. Sam Lee", updated.Content, StringComparison.Ordinal);
            Assert.Equal(["resolve:" + alertId], updated.Components![0]!["components"]!.AsArray().Select(b => b!["custom_id"]!.GetValue<string>()));
        }

        // 5. A facilitator's command is answered in time and privately; a resident's is refused, politely and privately.
        var byLee = await e.InjectCommandAsync(lee, group.Id, inGuild: true, DiscordEmulator.Sub("flags"));
        var leeAnswer = await byLee.FirstAnswer.WaitAsync(Generous);
        Assert.Equal(4, leeAnswer.CallbackType);
        Assert.True(leeAnswer.Delay < TimeSpan.FromSeconds(3), leeAnswer.Delay.ToString());
        Assert.True(leeAnswer.IsEphemeral);
        Assert.Contains(alertId, leeAnswer.Data!["content"]!.GetValue<string>(), StringComparison.Ordinal);

        var preview = await e.InjectCommandAsync(kim, group.Id, inGuild: true, DiscordEmulator.Group("prompt", DiscordEmulator.Sub("preview")));
        var previewAnswer = await preview.FirstAnswer.WaitAsync(Generous);
        Assert.True(previewAnswer.Delay < TimeSpan.FromSeconds(3), previewAnswer.Delay.ToString());
        Assert.True(previewAnswer.IsEphemeral);
        Assert.Equal(4, previewAnswer.CallbackType);
        Assert.DoesNotContain("Sorry", previewAnswer.Data!["content"]!.GetValue<string>(), StringComparison.Ordinal);

        var byAna = await e.InjectCommandAsync(ana, group.Id, inGuild: true, DiscordEmulator.Sub("flags"));
        var anaAnswer = await byAna.FirstAnswer.WaitAsync(Generous);
        Assert.True(anaAnswer.IsEphemeral);
        Assert.StartsWith("Sorry, ", anaAnswer.Data!["content"]!.GetValue<string>(), StringComparison.Ordinal);
        Assert.DoesNotContain(alertId, anaAnswer.Data!["content"]!.GetValue<string>(), StringComparison.Ordinal);

        // The other facilitator closes the flag from her copy of the alert: both copies lose their buttons.
        var kimDm = e.DirectChannel(kim)!;
        var kimAlert = e.MessagesIn(kimDm.Id)[1];
        var resolve = await e.InjectButtonAsync(kim, kimDm.Id, kimAlert.Id, "resolve:" + alertId, inGuild: false);
        var resolved = await resolve.FirstAnswer.WaitAsync(Generous);
        Assert.True(resolved.IsEphemeral);
        Assert.True(resolved.Delay < TimeSpan.FromSeconds(3), resolved.Delay.ToString());
        foreach (var dm in new[] { leeDm, kimDm })
        {
            await e.WaitUntilAsync(() => e.MessagesIn(dm.Id)[1].Content.Contains("resolved by Dr. Jo Kim", StringComparison.Ordinal), Generous, "the alert to show it is resolved");
            Assert.True(e.MessagesIn(dm.Id)[1].Components is not JsonArray rows || rows.Count == 0);
        }

        // The group channel saw nothing of the commands.
        Assert.Equal(6, e.MessagesIn(group.Id).Count);
        AssertCleanRun();
    }

    [Fact]
    public async Task RealHost_CrisisInGroupAndShareByDirectMessage_ReachThePsychologistFirstAndPostAnonymously()
    {
        var e = _discord;
        var group = await StartHostAsync();
        var (kimDm, leeDm, benDm, chloeDm) = (e.DirectChannel(_kim)!, e.DirectChannel(_lee)!, e.DirectChannel(_ben)!, e.DirectChannel(_chloe)!);

        // Crisis talk in the group: the psychologist hears first, then the author gets resources privately, then the alumnus.
        await e.InjectMessageAsync(group.Id, _ben, "honestly some nights i want to die");
        await e.WaitUntilAsync(
            () => e.MessagesIn(kimDm.Id).Count == 2 && e.MessagesIn(benDm.Id).Count == 2 && e.MessagesIn(leeDm.Id).Count == 2,
            Generous,
            "the crisis alert and the resources");
        var toKim = e.MessagesIn(kimDm.Id)[1];
        Assert.StartsWith("\U0001F534 **URGENT \u2014 CRISIS**\n\n**Crisis alert: Tuesday Circle**", toKim.Content, StringComparison.Ordinal);
        Assert.Contains("Ben T.", toKim.Content, StringComparison.Ordinal);
        var toBen = e.MessagesIn(benDm.Id)[1];
        Assert.Contains("988", toBen.Content, StringComparison.Ordinal);
        Assert.Contains("know privately, so they can check on you", toBen.Content, StringComparison.Ordinal);
        var labels = toBen.Components!.AsArray().SelectMany(row => row!["components"]!.AsArray()).Select(b => b!["label"]!.GetValue<string>()).ToList();
        Assert.Equal(["I'm OK for now", "Please reach out"], labels);
        Assert.Contains("Crisis alert: Tuesday Circle", e.MessagesIn(leeDm.Id)[1].Content, StringComparison.Ordinal);
        var order = e.Requests.Where(r => r.Method == "POST" && r.Body?["content"] is not null).Select(r => r.Path).ToList();
        Assert.True(order.LastIndexOf($"/channels/{kimDm.Id}/messages") < order.LastIndexOf($"/channels/{benDm.Id}/messages"));
        Assert.True(order.LastIndexOf($"/channels/{benDm.Id}/messages") < order.LastIndexOf($"/channels/{leeDm.Id}/messages"));
        Assert.DoesNotContain(e.MessagesIn(group.Id), m => m.AuthorId == DiscordEmulator.BotUserId && m != e.MessagesIn(group.Id)[0]);

        // A resident writes to the bot privately and shares with the button the bot answers with.
        const string Shared = "Night shifts are getting to me more than I admit to anyone.";
        var requestsBefore = e.Requests.Count;
        await e.InjectMessageAsync(chloeDm.Id, _chloe, Shared);
        await e.WaitUntilAsync(() => e.MessagesIn(chloeDm.Id).Count == 3, Generous, "the share confirmation");
        var confirm = e.MessagesIn(chloeDm.Id)[2];
        Assert.Contains("Share this anonymously in Tuesday Circle?", confirm.Content, StringComparison.Ordinal);
        var buttons = confirm.Components![0]!["components"]!.AsArray();
        Assert.Equal(["Share in Tuesday Circle", "Cancel"], buttons.Select(b => b!["label"]!.GetValue<string>()));

        var press = await e.InjectButtonAsync(_chloe, chloeDm.Id, confirm.Id, buttons[0]!["custom_id"]!.GetValue<string>(), inGuild: false);
        var answer = await press.FirstAnswer.WaitAsync(Generous);
        Assert.Equal(7, answer.CallbackType);
        Assert.True(answer.Delay < TimeSpan.FromSeconds(3), answer.Delay.ToString());
        Assert.Equal("(shared)", answer.Data!["content"]!.GetValue<string>());
        await e.WaitUntilAsync(() => press.Followups.Count == 1, Generous, "the private confirmation");
        Assert.StartsWith("Saved.", press.Followups[0]["content"]!.GetValue<string>(), StringComparison.Ordinal);
        Assert.Equal("(shared)", e.MessagesIn(chloeDm.Id)[2].Content);

        _clock.Advance(TimeSpan.FromSeconds(3));
        await e.WaitUntilAsync(() => e.MessagesIn(group.Id).Count == 3, Generous, "the anonymous post");
        var post = e.MessagesIn(group.Id)[2];
        Assert.Contains("Anonymous member", post.Content, StringComparison.Ordinal);
        Assert.Contains(Shared, post.Content, StringComparison.Ordinal);
        foreach (var request in e.Requests.Skip(requestsBefore).Where(r => !r.Path.Contains(chloeDm.Id, StringComparison.Ordinal) && !r.Path.Contains(press.Token, StringComparison.Ordinal)))
        {
            AssertNoTraceOf(request.Path + " " + request.Body?.ToJsonString(), _chloe, "chloe.m", "Chloe M.", "\"chloe\"");
        }

        AssertCleanRun();
    }

    [Fact]
    public async Task RealHost_Restarted_KeepsItsChannelAndDeliversTheShareLeftPending()
    {
        var e = _discord;
        var group = await StartHostAsync();
        var submit = await e.InjectModalSubmitAsync(_ana, group.Id, inGuild: true, "share", new Dictionary<string, string> { ["text"] = "Saying this before the bot restarts." });
        Assert.True((await submit.FirstAnswer.WaitAsync(Generous)).IsEphemeral);

        // Stopped before the post is due: it is in the outbox, in the database, and nowhere else.
        await _harness.StopAsync(_harness.Hosts[0]);
        Assert.Single(e.MessagesIn(group.Id));
        var requestsBefore = e.Requests.Count;
        var messagesBefore = e.Channels.ToDictionary(c => c.Id, c => e.MessagesIn(c.Id).Count);

        var again = await StartHostAsync();
        await e.WaitUntilAsync(() => e.Identifies == 2 && e.IsConnected, Generous, "the restarted bot to connect");

        // Same channel, nothing created, nobody welcomed twice, no overwrite rewritten.
        Assert.Equal(group.Id, again.Id);
        var afterRestart = e.Requests.Skip(requestsBefore).ToList();
        Assert.DoesNotContain(afterRestart, r => r.Method != "GET" && r.Route != "PUT /applications/{application_id}/commands");
        Assert.All(e.Channels, c => Assert.Equal(messagesBefore[c.Id], e.MessagesIn(c.Id).Count));

        // The pending share goes out once, from the new process, with the key the first one created.
        _clock.Advance(TimeSpan.FromSeconds(3));
        await e.WaitUntilAsync(() => e.MessagesIn(group.Id).Count == 2, Generous, "the anonymous post");
        Assert.Contains("Saying this before the bot restarts.", e.MessagesIn(group.Id)[1].Content, StringComparison.Ordinal);
        Assert.Single(e.Requests, r => r.Path == $"/channels/{group.Id}/messages" && r.Body!.ToJsonString().Contains("before the bot restarts", StringComparison.Ordinal));
        AssertCleanRun();
    }

    [Fact]
    public async Task RealHost_ResidentPausesThenResumes_LeavesAndRejoinsTheChannel()
    {
        var e = _discord;
        var group = await StartHostAsync();
        var anaDm = e.DirectChannel(_ana)!;

        // Typed in the group's channel: the ephemeral reply goes with the channel, so the direct message confirms it.
        var dmBefore = e.MessagesIn(anaDm.Id).Count;
        var pause = await e.InjectCommandAsync(_ana, group.Id, inGuild: true, DiscordEmulator.Sub("pause", ("weeks", 2)));
        var paused = await pause.FirstAnswer.WaitAsync(Generous);
        Assert.True(paused.IsEphemeral);
        Assert.StartsWith("You've stepped out of Tuesday Circle until", paused.Data!["content"]!.GetValue<string>(), StringComparison.Ordinal);
        await e.WaitUntilAsync(() => e.MessagesIn(anaDm.Id).Count > dmBefore, Generous, "the pause confirmed by direct message");
        Assert.StartsWith("You've stepped out of Tuesday Circle until", e.MessagesIn(anaDm.Id)[dmBefore].Content, StringComparison.Ordinal);
        await e.WaitUntilAsync(() => e.FindChannel(group.Id)!.Overwrites.All(o => o.Id != _ana), Generous, "the paused resident to leave the channel");
        Assert.Contains(e.Requests, r => r.Route == "DELETE /channels/{channel_id}/permissions/{overwrite_id}" && r.Path.EndsWith("/" + _ana, StringComparison.Ordinal));
        Assert.Equal(6, e.FindChannel(group.Id)!.Overwrites.Count);

        var resume = await e.InjectCommandAsync(_ana, anaDm.Id, inGuild: false, DiscordEmulator.Sub("resume"));
        var resumed = await resume.FirstAnswer.WaitAsync(Generous);
        Assert.True(resumed.IsEphemeral);
        Assert.StartsWith("Welcome back.", resumed.Data!["content"]!.GetValue<string>(), StringComparison.Ordinal);
        await e.WaitUntilAsync(() => e.FindChannel(group.Id)!.Overwrites.Any(o => o.Id == _ana), Generous, "the resident to be back in the channel");
        var back = e.FindChannel(group.Id)!.Overwrites.Single(o => o.Id == _ana);
        Assert.Equal(ViewChannel, back.Allow & ViewChannel);
        Assert.Equal(DiscordEmulator.ThreadPermissions, back.Deny);
        AssertCleanRun();
    }

    [Fact]
    public async Task RealHost_ForgetMeInTheGroupChannel_TheEphemeralConfirmButtonErasesAndADirectMessageConfirms()
    {
        var e = _discord;
        var group = await StartHostAsync();
        var chloeDm = e.DirectChannel(_chloe)!;
        var dmBefore = e.MessagesIn(chloeDm.Id).Count;

        var ask = await e.InjectCommandAsync(_chloe, group.Id, inGuild: true, DiscordEmulator.Sub("forget-me"));
        var asked = await ask.FirstAnswer.WaitAsync(Generous);
        Assert.True(asked.IsEphemeral);
        Assert.Contains("Forget me?", asked.Data!["content"]!.GetValue<string>(), StringComparison.Ordinal);
        var button = asked.Data["components"]![0]!["components"]![0]!;
        Assert.Equal("forget:confirm", button["custom_id"]!.GetValue<string>());
        Assert.Equal(4, button["style"]!.GetValue<int>());

        // Pressed on the ephemeral message (which Discord sends without the message itself).
        var press = await e.InjectButtonAsync(_chloe, group.Id, "1", "forget:confirm", inGuild: true);
        var done = await press.FirstAnswer.WaitAsync(Generous);
        Assert.True(done.IsEphemeral);
        Assert.StartsWith("Done. Erased", done.Data!["content"]!.GetValue<string>(), StringComparison.Ordinal);
        await e.WaitUntilAsync(() => e.MessagesIn(chloeDm.Id).Count > dmBefore, Generous, "the erasure confirmed by direct message");
        Assert.StartsWith("Done: PeerBot has erased", e.MessagesIn(chloeDm.Id)[dmBefore].Content, StringComparison.Ordinal);
        await e.WaitUntilAsync(() => e.FindChannel(group.Id)!.Overwrites.All(o => o.Id != _chloe), Generous, "the leaver to leave the channel");
        AssertCleanRun();
    }

    [Fact]
    public async Task RealHost_FacilitatorTools_PostInTheGroupAndResidentsAnswerWithButtons()
    {
        var e = _discord;
        var group = await StartHostAsync();

        // A prompt now, from the channel itself (the group is implied).
        var now = await e.InjectCommandAsync(_lee, group.Id, inGuild: true, DiscordEmulator.Group("prompt", DiscordEmulator.Sub("now")));
        var posted = await now.FirstAnswer.WaitAsync(Generous);
        Assert.True(posted.IsEphemeral);
        Assert.True(posted.Delay < TimeSpan.FromSeconds(3), posted.Delay.ToString());
        await e.WaitUntilAsync(() => e.MessagesIn(group.Id).Count == 2, Generous, "the prompt posted now");
        Assert.Contains("/peer share", e.MessagesIn(group.Id)[1].Content, StringComparison.Ordinal);

        // A check-in: a message with score buttons that residents press in the channel.
        var checkIn = await e.InjectCommandAsync(_kim, group.Id, inGuild: true, DiscordEmulator.Sub("checkin"));
        Assert.True((await checkIn.FirstAnswer.WaitAsync(Generous)).IsEphemeral);
        await e.WaitUntilAsync(() => e.MessagesIn(group.Id).Count == 3, Generous, "the check-in");
        var question = e.MessagesIn(group.Id)[2];
        var scores = question.Components!.AsArray().SelectMany(row => row!["components"]!.AsArray()).Select(b => b!["custom_id"]!.GetValue<string>()).ToList();
        Assert.NotEmpty(scores);
        Assert.All(scores, id => Assert.StartsWith("checkin:", id, StringComparison.Ordinal));

        var press = await e.InjectButtonAsync(_ben, group.Id, question.Id, scores[^1], inGuild: true);
        var thanks = await press.FirstAnswer.WaitAsync(Generous);
        Assert.True(thanks.Delay < TimeSpan.FromSeconds(3), thanks.Delay.ToString());
        Assert.True(thanks.IsEphemeral);
        Assert.Equal(4, thanks.CallbackType);

        // Nobody's answer shows in the channel, and the question is unchanged.
        Assert.Equal(3, e.MessagesIn(group.Id).Count);
        Assert.Equal(question.Content, e.MessagesIn(group.Id)[2].Content);

        // The facilitators' overview commands answer privately, in time.
        foreach (var command in new[] { DiscordEmulator.Sub("groups"), DiscordEmulator.Sub("stats"), DiscordEmulator.Sub("help") })
        {
            var asked = await e.InjectCommandAsync(_lee, group.Id, inGuild: true, command);
            var answer = await asked.FirstAnswer.WaitAsync(Generous);
            Assert.True(answer.IsEphemeral);
            Assert.True(answer.Delay < TimeSpan.FromSeconds(3), answer.Delay.ToString());
            Assert.DoesNotContain("Sorry", answer.Data!["content"]!.GetValue<string>(), StringComparison.Ordinal);
        }

        AssertCleanRun();
    }

    private const long ViewChannel = 1 << 10;
    private const long SendMessages = 1 << 11;

    private static void AssertNoTraceOf(string text, params string[] traces)
    {
        foreach (var trace in traces)
        {
            Assert.False(text.Contains(trace, StringComparison.OrdinalIgnoreCase), $"'{trace}' found in: {text}");
        }
    }

    private string[] Everyone => [_ana, _ben, _chloe, _lee, _kim];

    /// <summary>
    /// Starts a host on the temp folder and waits until it is connected, has resolved people and has reconciled:
    /// from then on every request of the opening is answered, so moving the clock cannot time one out
    /// (request timeouts run on the host's clock too). Returns the group's channel.
    /// </summary>
    private async Task<EmulatedChannel> StartHostAsync()
    {
        // The scheduler reports, after each pass, when it will look again; the test moves the clock to the prompt
        // only once the scheduler has set its timer for it, so the jump cannot race it.
        _promptArmed = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var armed = _promptArmed;
        await _harness.StartDiscordAsync(_discord, host => host.Services.GetRequiredService<PromptSchedulerService>().PassCompleted += (_, next) =>
        {
            if (next == PromptTime)
            {
                armed.TrySetResult();
            }
        });

        var group = _discord.FindChannelByName("peer-tuesday-circle");
        Assert.NotNull(group);
        return group;
    }

    private void AssertCleanRun()
    {
        Assert.DoesNotContain(_discord.Token, string.Join("\n", Logs.Lines), StringComparison.Ordinal);
        Assert.DoesNotContain(Logs.Lines, l => l.StartsWith("Warning", StringComparison.Ordinal) || l.StartsWith("Error", StringComparison.Ordinal) || l.StartsWith("Critical", StringComparison.Ordinal));
        _discord.AssertNoViolations();
    }

    /// <summary>The configuration of every host of a test: the emulator, one group of three residents and two facilitators.</summary>
    private void Configure()
    {
        var settings = _harness.Settings;
        foreach (var (key, value) in _discord.HostConfiguration())
        {
            settings[key] = value;
        }

        settings["PeerBot:Anonymity:MinDelay"] = "00:00:01";
        settings["PeerBot:Anonymity:MaxDelay"] = "00:00:02";
        settings["PeerBot:TimeZone"] = "UTC";
        settings["PeerBot:Discord:CategoryName"] = "Peer Support";
        HostSettings.Person(settings, 0, "ana", "Ana R.", "Resident", 1, discord: _ana);
        HostSettings.Person(settings, 1, "ben", "Ben T.", "Resident", 2, discord: _ben);
        HostSettings.Person(settings, 2, "chloe", "Chloe M.", "Resident", 3, discord: _chloe);

        // Named by username, as docs/discord-setup.md allows: the adapter looks the id up at start.
        HostSettings.Person(settings, 3, "dr-lee", "Dr. Sam Lee", "Alumni", null, discord: "drlee");
        HostSettings.Person(settings, 4, "dr-kim", "Dr. Jo Kim", "Psychologist", null, discord: _kim);
        HostSettings.Group(settings, 0, "Tuesday Circle", "Discord", "0 19 * * TUE", ["ana", "ben", "chloe"], ["dr-lee", "dr-kim"]);
    }
}
