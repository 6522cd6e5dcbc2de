using PeerBot.Core.Commands;
using PeerBot.Core.Platform;
using PeerBot.Core.Safety;
using PeerBot.Core.Sharing;
using PeerBot.Testing.Sharing;
using W = PeerBot.Testing.Sharing.SharingWorld;

namespace PeerBot.Core.Tests.Commands;

public sealed class PeerEventHandlerTests : IDisposable
{
    private readonly SharingWorld _world = new();

    private static string Text(InteractionResponse response) => response.Reply?.ToPlainText() ?? "";

    // --- roster, help and parsing ---

    [Fact]
    public async Task HandleCommandAsync_NotOnRoster_PoliteReply()
    {
        var reply = await _world.CommandAsync("U-STRANGER", "help");

        Assert.Equal(PeerEventHandler.NotOnRoster, Text(reply));
    }

    [Fact]
    public async Task HandleFormAndButton_NotOnRoster_PoliteReply()
    {
        var form = await _world.Handler.HandleFormAsync(new FormSubmission(PlatformKind.Slack, "U-STRANGER", "share", new Dictionary<string, string>()), default);
        var button = await _world.PressAsync("U-STRANGER", "ack:A1");

        Assert.Equal(PeerEventHandler.NotOnRoster, Text(form));
        Assert.Equal(PeerEventHandler.NotOnRoster, Text(button));
    }

    [Fact]
    public async Task Help_Resident_ShowsOnlyWhatTheyMayRun()
    {
        var reply = Text(await _world.CommandAsync(W.AnaUser, "help"));

        foreach (var word in new[] { "/peer share", "/peer pause [weeks]", "/peer resume", "/peer my-data", "/peer forget-me" })
        {
            Assert.Contains(word, reply, StringComparison.Ordinal);
        }

        foreach (var word in new[] { "flags", "ack", "resolve", "anon", "stats", "prompt", "reframe", "checkin", "groups" })
        {
            Assert.DoesNotContain("/peer " + word, reply, StringComparison.Ordinal);
        }
    }

    [Theory]
    [InlineData(W.LeeUser, "For facilitators (your groups)")]
    [InlineData(W.MoUser, "For coordinators (every group)")]
    public async Task Help_Staff_ShowsStaffCommands(string user, string heading)
    {
        var reply = Text(await _world.CommandAsync(user, ""));

        Assert.Contains(heading, reply, StringComparison.Ordinal);
        foreach (var word in new[] { "/peer flags", "/peer ack ID", "/peer resolve ID [note]", "/peer anon remove POST", "/peer stats", "/peer prompt now|skip|preview", "/peer reframe", "/peer checkin", "/peer groups" })
        {
            Assert.Contains(word, reply, StringComparison.Ordinal);
        }
    }

    [Theory]
    [InlineData(W.LeeUser)]
    [InlineData(W.MoUser)]
    public async Task Help_Staff_ListsStaffCommandsBeforeEveryonesCommands(string user)
    {
        var reply = Text(await _world.CommandAsync(user, "help"));

        var flags = reply.IndexOf("/peer flags", StringComparison.Ordinal);
        var share = reply.IndexOf("/peer share", StringComparison.Ordinal);
        Assert.True(flags >= 0 && share >= 0, reply);
        Assert.True(flags < share, reply);
        Assert.Contains("For everyone", reply, StringComparison.Ordinal);
    }

    [Fact]
    public async Task HandleCommandAsync_UnknownSubcommand_PointsToHelp()
    {
        var reply = await _world.CommandAsync(W.AnaUser, "dance");

        Assert.Equal("I don't know /peer dance. /peer help shows what you can run.", Text(reply));
    }

    [Fact]
    public async Task HandleCommandAsync_UnclosedQuote_Explains()
    {
        var reply = await _world.CommandAsync(W.LeeUser, "flags \"Tuesday");

        Assert.Contains("opened but not closed", Text(reply), StringComparison.Ordinal);
    }

    // --- authorization: every staff subcommand refused for a resident, audited ---

    [Theory]
    [InlineData("groups")]
    [InlineData("prompt now")]
    [InlineData("prompt skip")]
    [InlineData("prompt preview")]
    [InlineData("reframe")]
    [InlineData("checkin")]
    [InlineData("flags")]
    [InlineData("ack A1")]
    [InlineData("resolve A1 done")]
    [InlineData("anon remove P1")]
    [InlineData("anon mute P1 3")]
    [InlineData("stats")]
    public async Task StaffCommand_Resident_PolitelyRefusedAndAudited(string command)
    {
        var reply = Text(await _world.CommandAsync(W.AnaUser, command));

        var name = command.Split(' ')[0];
        Assert.Equal($"Sorry, /peer {name} is for facilitators and coordinators. /peer help shows what you can run.", reply);
        var entry = Assert.Single(_world.Audit.ByActor(W.Ana));
        Assert.Equal(AuditOutcome.Refused, entry.Outcome);
        Assert.Equal(name, entry.Action);
        Assert.Empty(_world.Operations.Calls);
    }

    [Theory]
    [InlineData("prompt now \"Night Owls\"", "prompt now")]
    [InlineData("prompt skip \"Night Owls\"", "prompt skip")]
    [InlineData("prompt preview \"Night Owls\"", "prompt preview")]
    [InlineData("reframe \"Night Owls\"", "reframe")]
    [InlineData("checkin \"Night Owls\"", "checkin")]
    [InlineData("flags \"Night Owls\"", "flags")]
    [InlineData("stats \"Night Owls\"", "stats")]
    public async Task StaffCommand_FacilitatorOnAnotherGroup_RefusedAndAudited(string command, string action)
    {
        var reply = Text(await _world.CommandAsync(W.LeeUser, command));

        Assert.Equal($"Sorry, only the facilitators of Night Owls and coordinators can run /peer {action} there.", reply);
        var entry = Assert.Single(_world.Audit.ByActor(W.Lee));
        Assert.Equal((AuditOutcome.Refused, action, W.Owls), (entry.Outcome, entry.Action, entry.GroupId));
        Assert.Empty(_world.Operations.Calls);
    }

    [Theory]
    [InlineData("now", "now")]
    [InlineData("skip", "skip")]
    [InlineData("preview", "preview")]
    [InlineData("NOW", "now")]
    public async Task Prompt_FacilitatorOwnGroup_RunsAndAudits(string verb, string operation)
    {
        _world.Operations.Next = _world.Time.GetUtcNow() + TimeSpan.FromDays(2);

        var reply = Text(await _world.CommandAsync(W.LeeUser, $"prompt {verb}"));

        Assert.Equal([(operation, W.Tuesday)], _world.Operations.Calls);
        Assert.Contains("Prompt text for " + operation, reply, StringComparison.Ordinal);
        Assert.Contains("Next scheduled prompt Wed 07:00 America/New_York, in 2 days", reply, StringComparison.Ordinal);
        var entry = Assert.Single(_world.Audit.ByActor(W.Lee));
        Assert.Equal((AuditOutcome.Done, "prompt " + operation, W.Tuesday), (entry.Outcome, entry.Action, entry.GroupId));
    }

    [Theory]
    [InlineData("reframe", "reframe")]
    [InlineData("checkin", "checkin")]
    public async Task ReframeAndCheckIn_Coordinator_AnyGroupByName(string command, string operation)
    {
        var reply = Text(await _world.CommandAsync(W.MoUser, $"{command} \"night owls\""));

        Assert.Equal([(operation, W.Owls)], _world.Operations.Calls);
        Assert.Contains("Night Owls", reply, StringComparison.Ordinal);
        Assert.Equal(AuditOutcome.Done, Assert.Single(_world.Audit.ByActor(W.Mo)).Outcome);
    }

    [Theory]
    [InlineData(W.KimUser, "groups", "groups")]
    [InlineData(W.KimUser, "prompt now", "prompt now")]
    [InlineData(W.KimUser, "prompt skip", "prompt skip")]
    [InlineData(W.KimUser, "prompt preview", "prompt preview")]
    [InlineData(W.KimUser, "reframe", "reframe")]
    [InlineData(W.KimUser, "checkin", "checkin")]
    [InlineData(W.KimUser, "flags", "flags")]
    [InlineData(W.KimUser, "ack B1", "ack")]
    [InlineData(W.KimUser, "resolve B1", "resolve")]
    [InlineData(W.KimUser, "stats", "stats")]
    [InlineData(W.MoUser, "groups", "groups")]
    [InlineData(W.MoUser, "prompt now \"Night Owls\"", "prompt now")]
    [InlineData(W.MoUser, "prompt skip g-tue", "prompt skip")]
    [InlineData(W.MoUser, "prompt preview \"Tuesday Circle\"", "prompt preview")]
    [InlineData(W.MoUser, "reframe \"Tuesday Circle\"", "reframe")]
    [InlineData(W.MoUser, "checkin \"Tuesday Circle\"", "checkin")]
    [InlineData(W.MoUser, "flags", "flags")]
    [InlineData(W.MoUser, "ack A1", "ack")]
    [InlineData(W.MoUser, "resolve A1 ok", "resolve")]
    [InlineData(W.MoUser, "stats", "stats")]
    public async Task StaffCommand_AllowedRole_DoneAndAudited(string user, string command, string action)
    {
        AddAlerts();

        var reply = Text(await _world.CommandAsync(user, command));

        Assert.DoesNotContain("Sorry", reply, StringComparison.Ordinal);
        var actor = user == W.KimUser ? W.Kim : W.Mo;
        var entry = Assert.Single(_world.Audit.ByActor(actor));
        Assert.Equal((AuditOutcome.Done, action), (entry.Outcome, entry.Action));
    }

    [Theory]
    [InlineData("reframe \"Tuesday Circle\" now", "/peer reframe takes at most the group, like /peer reframe \"Tuesday Circle\".")]
    [InlineData("checkin Tuesday Circle", "/peer checkin takes at most the group, like /peer checkin \"Tuesday Circle\".")]
    public async Task PostInGroup_TooManyArguments_SaysHowAndPostsNothing(string command, string expected)
    {
        var reply = Text(await _world.CommandAsync(W.MoUser, command));

        Assert.Equal(expected, reply);
        Assert.Empty(_world.Operations.Calls);
    }

    [Theory]
    [InlineData(W.KimUser, W.Kim)]
    [InlineData(W.MoUser, W.Mo)]
    public async Task AnonCommands_AllowedRole_DoneAndAudited(string user, string actor)
    {
        var group = user == W.KimUser ? W.Owls : W.Tuesday;
        var author = user == W.KimUser ? W.Cy : W.Ana;
        var first = await _world.Sharing.Submission.SubmitAsync(new ShareRequest(_world.Person(author), group, "one"), default);

        var mute = Text(await _world.CommandAsync(user, "anon mute " + first.Value!.PostId + " 2"));
        var remove = Text(await _world.CommandAsync(user, "anon remove " + first.Value.PostId));

        Assert.Contains("can't share anonymously until", mute, StringComparison.Ordinal);
        Assert.StartsWith("Removed anonymous post", remove, StringComparison.Ordinal);
        Assert.Equal(["anon mute", "anon remove"], _world.Audit.ByActor(actor).Where(e => e.Outcome == AuditOutcome.Done).Select(e => e.Action).Order());
    }

    [Fact]
    public async Task Prompt_OperationFails_ReplyAndFailureAudited()
    {
        _world.Operations.FailWith = "Tuesday Circle is paused until Friday.";

        var reply = Text(await _world.CommandAsync(W.LeeUser, "prompt now"));

        Assert.Equal("Tuesday Circle is paused until Friday.", reply);
        Assert.Equal(AuditOutcome.Failed, Assert.Single(_world.Audit.ByActor(W.Lee)).Outcome);
    }

    [Theory]
    [InlineData("prompt", "Say what to do with the prompt")]
    [InlineData("prompt later", "'later' isn't something I can do with a prompt")]
    [InlineData("prompt now a b", "isn't something I can do")]
    [InlineData("reframe a b", "at most the group")]
    [InlineData("checkin a b", "at most the group")]
    [InlineData("flags a b", "at most the group")]
    [InlineData("stats a b", "at most the group")]
    [InlineData("ack", "Say which flag")]
    [InlineData("ack A1 A2", "Say which flag")]
    [InlineData("resolve", "Say which flag")]
    [InlineData("anon", "Use /peer anon remove POST")]
    [InlineData("anon hide P1", "Use /peer anon remove POST")]
    [InlineData("anon remove", "Say which post")]
    [InlineData("anon remove P1 P2", "Say which post")]
    [InlineData("anon mute", "Say which post and")]
    [InlineData("anon mute P1 0", "'0' isn't a number of days I can use: give a whole number from 1 to 90")]
    [InlineData("anon mute P1 week", "'week' isn't a number of days")]
    [InlineData("anon remove PNOPE", "No anonymous post 'PNOPE'")]
    [InlineData("ack A404", "No flag 'A404'")]
    [InlineData("resolve A404 fixed", "No flag 'A404'")]
    public async Task StaffCommand_BadArguments_FriendlyReplyNothingDone(string command, string expected)
    {
        var reply = Text(await _world.CommandAsync(W.LeeUser, command));

        Assert.Contains(expected, reply, StringComparison.Ordinal);
        Assert.Empty(_world.Operations.Calls);
    }

    [Fact]
    public async Task GroupArgument_UnknownName_ListsYourGroups()
    {
        var reply = Text(await _world.CommandAsync(W.MoUser, "flags tuesday"));

        Assert.Equal("No group named 'tuesday'. Your groups: Tuesday Circle, Night Owls.", reply);
    }

    [Fact]
    public async Task GroupArgument_CoordinatorWithoutGroup_AsksWhich()
    {
        var reply = Text(await _world.CommandAsync(W.MoUser, "prompt now"));

        Assert.Equal("Which group? Your groups: Tuesday Circle, Night Owls. For example: /peer prompt now \"Tuesday Circle\".", reply);
    }

    [Fact]
    public async Task GroupArgument_RunInGroupChannel_ImpliesThatGroup()
    {
        await _world.CommandAsync(W.MoUser, "prompt preview", _world.OwlsChannel.Id);

        Assert.Equal([("preview", W.Owls)], _world.Operations.Calls);
    }

    [Fact]
    public async Task GroupArgument_FacilitatorRunsInAnotherGroupsChannel_ActsOnOwnGroupOnly()
    {
        // Lee facilitates Tuesday Circle only; typed in the Night Owls' channel with no group named, the command must not
        // act on the Night Owls.
        await _world.CommandAsync(W.LeeUser, "prompt preview", _world.OwlsChannel.Id);

        Assert.Equal([("preview", W.Tuesday)], _world.Operations.Calls);
    }

    [Fact]
    public async Task GroupArgument_FacilitatorOfTwoOtherGroupsRunsInAThirdsChannel_AsksWhichAndActsOnNone()
    {
        // Kim facilitates the Night Owls and Wednesday Circle, not Tuesday Circle: with no group named, a command typed in
        // Tuesday's channel has no group to fall back on, so it must neither act on Tuesday Circle nor guess.
        var wednesday = await _world.Platform.EnsurePrivateChannelAsync(new PrivateChannelSpec("g-wed", "wednesday-circle", "", [W.ZedUser, W.KimUser], null), default);
        _world.Groups.Add(new PeerBot.Core.Groups.GroupInfo("g-wed", "Wednesday Circle", PlatformKind.Slack, wednesday, [W.Zed], [W.Kim], "America/New_York", "0 19 * * WED", null));

        var reply = Text(await _world.CommandAsync(W.KimUser, "prompt now", _world.TuesdayChannel.Id));

        Assert.Equal("Which group? Your groups: Night Owls, Wednesday Circle. For example: /peer prompt now \"Night Owls\".", reply);
        Assert.Empty(_world.Operations.Calls);
    }

    // --- groups, flags, ack, resolve, stats ---

    [Fact]
    public async Task Groups_Facilitator_ListsOwnWithNextPrompt()
    {
        _world.Operations.Next = _world.Time.GetUtcNow() + TimeSpan.FromDays(2) + TimeSpan.FromHours(12);

        var reply = Text(await _world.CommandAsync(W.LeeUser, "groups"));

        Assert.Contains("Tuesday Circle (Slack): 3 members, facilitated by Dr Lee; next prompt Wed 19:00 America/New_York, in 2 days.", reply, StringComparison.Ordinal);
        Assert.DoesNotContain("Night Owls", reply, StringComparison.Ordinal);
        Assert.Equal(AuditOutcome.Done, Assert.Single(_world.Audit.ByActor(W.Lee)).Outcome);
    }

    [Fact]
    public async Task Groups_Coordinator_ListsAll()
    {
        var reply = Text(await _world.CommandAsync(W.MoUser, "groups"));

        Assert.Contains("Your 2 groups", reply, StringComparison.Ordinal);
        Assert.Contains("Night Owls (Slack): 1 member, facilitated by Dr Kim; no prompt scheduled.", reply, StringComparison.Ordinal);
    }

    private void AddAlerts()
    {
        var now = _world.Time.GetUtcNow();
        _world.Alerts.Add(new AlertSummary("A1", W.Tuesday, AlertKind.Spiral, AlertStatus.Open, now - TimeSpan.FromHours(2), 4, 3, ["ex"], ["futility: \"what's the point\""], "prompt"));
        _world.Alerts.Add(new AlertSummary("A2", W.Tuesday, AlertKind.Crisis, AlertStatus.Open, now - TimeSpan.FromMinutes(30), 1, 1, ["ex"], ["crisis"], null));
        _world.Alerts.Add(new AlertSummary("A3", W.Tuesday, AlertKind.Spiral, AlertStatus.Acknowledged, now - TimeSpan.FromMinutes(10), 3, 2, ["ex"], ["resignation"], null));
        _world.Alerts.Add(new AlertSummary("A4", W.Tuesday, AlertKind.Spiral, AlertStatus.Open, now - TimeSpan.FromMinutes(5), 3, 2, ["ex"], ["helplessness"], null));
        _world.Alerts.Add(new AlertSummary("B1", W.Owls, AlertKind.Spiral, AlertStatus.Open, now - TimeSpan.FromDays(1), 3, 2, ["ex"], ["permanence"], null));
    }

    [Fact]
    public async Task Flags_Facilitator_CountsOldestAndButtons()
    {
        AddAlerts();

        var response = await _world.CommandAsync(W.LeeUser, "flags");
        var reply = Text(response);

        Assert.StartsWith("Crisis: 1 crisis flag, reach out today. 3 open flags, the oldest 2 hours ago; 1 acknowledged and not yet resolved.", reply, StringComparison.Ordinal);
        Assert.Contains("A1 Tuesday Circle, a spiral: 4 messages from 3 people, 2 hours ago", reply, StringComparison.Ordinal);
        Assert.Contains("futility", reply, StringComparison.Ordinal);
        Assert.DoesNotContain("B1", reply, StringComparison.Ordinal);
        var actions = response.Reply!.Buttons.Select(b => b.ActionId).ToList();
        Assert.Contains("ack:A1", actions);
        Assert.Contains("resolve:A3", actions);
        Assert.DoesNotContain("ack:A3", actions);
    }

    [Fact]
    public async Task Flags_CopingNote_ListedAfterCrisisAndSpiralsMarkedCoping()
    {
        var now = _world.Time.GetUtcNow();
        _world.Alerts.Add(new AlertSummary("C1", W.Tuesday, AlertKind.Coping, AlertStatus.Open, now - TimeSpan.FromDays(2), 1, 1,
            ["need three glasses of wine to fall asleep"], ["coping, alcohol: \"wine to fall asleep\""], null));
        AddAlerts();

        var response = await _world.CommandAsync(W.LeeUser, "flags");
        var reply = Text(response);

        Assert.StartsWith("Crisis: 1 crisis flag, reach out today. 4 open flags, the oldest 2 days ago; 1 acknowledged and not yet resolved.", reply, StringComparison.Ordinal);
        Assert.Contains("C1 Tuesday Circle, Coping: a quiet note, a member described coping that may be harming them, 2 days ago", reply, StringComparison.Ordinal);
        Assert.Contains("coping, alcohol", reply, StringComparison.Ordinal);
        Assert.Contains("> need three glasses of wine to fall asleep", reply, StringComparison.Ordinal);

        // Crisis first, then the spirals oldest first, then the coping note, though it is the oldest of all.
        var order = new[] { "A2 Tuesday", "A1 Tuesday", "A3 Tuesday", "A4 Tuesday", "C1 Tuesday" }.Select(id => reply.IndexOf(id, StringComparison.Ordinal)).ToList();
        Assert.All(order, i => Assert.True(i >= 0));
        Assert.Equal(order.Order().ToList(), order);
        Assert.Contains("ack:C1", response.Reply!.Buttons.Select(b => b.ActionId));
    }

    [Fact]
    public async Task Flags_CrisisAmongOthers_NamedFirstListedFirstMarkedAndCrisisTone()
    {
        var now = _world.Time.GetUtcNow();
        _world.Alerts.Add(new AlertSummary("C1", W.Tuesday, AlertKind.Coping, AlertStatus.Open, now - TimeSpan.FromDays(2), 1, 1, ["ex"], ["coping"], null));
        AddAlerts();

        var response = await _world.CommandAsync(W.LeeUser, "flags");

        Assert.Equal(MessageTone.Crisis, response.Reply!.Tone);
        var heading = Assert.IsType<HeadingBlock>(response.Reply.Blocks[0]);
        Assert.StartsWith("Crisis: 1 crisis flag", heading.Text, StringComparison.Ordinal);
        var first = Assert.IsType<ParagraphBlock>(response.Reply.Blocks[1]);
        Assert.Equal(new TextSpan("CRISIS ", SpanStyle.Bold), first.Spans[0]);
        Assert.Equal("A2", first.Spans[1].Text);
        Assert.Contains("reach out privately today", first.ToPlainText(), StringComparison.Ordinal);
        Assert.Contains("emergency procedure", first.ToPlainText(), StringComparison.Ordinal);

        // Only the crisis is marked.
        Assert.Single(response.Reply.Blocks.OfType<ParagraphBlock>(), p => p.ToPlainText().StartsWith("CRISIS", StringComparison.Ordinal));
    }

    [Theory]
    [InlineData(CrisisAnswer.ReachOut, "They asked you to reach out")]
    [InlineData(CrisisAnswer.OkForNow, "They answered \u201cI'm OK for now\u201d")]
    [InlineData(null, "no answer yet")]
    public async Task Flags_CrisisAuthorAnswered_ShowsTheAnswer(CrisisAnswer? answer, string expected)
    {
        var now = _world.Time.GetUtcNow();
        _world.Alerts.Add(new AlertSummary("A2", W.Tuesday, AlertKind.Crisis, AlertStatus.Open, now - TimeSpan.FromMinutes(30), 1, 1, ["ex"], ["crisis"], null)
        {
            AuthorAsked = true,
            AuthorAnswer = answer,
            AuthorAnsweredAt = answer is null ? null : now - TimeSpan.FromMinutes(10),
        });

        var reply = Text(await _world.CommandAsync(W.LeeUser, "flags"));

        Assert.Contains(expected, reply, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("crisis:reach:tok123", CrisisAnswer.ReachOut)]
    [InlineData("crisis:ok:tok123", CrisisAnswer.OkForNow)]
    public async Task HandleButtonAsync_CrisisAnswer_RecordedForThePresser(string action, CrisisAnswer expected)
    {
        var reply = Text(await _world.PressAsync(W.AnaUser, action));

        Assert.Equal(("tok123", W.Ana, expected), Assert.Single(_world.Alerts.Answers));
        Assert.Equal($"answered {expected}", reply);
    }

    [Fact]
    public async Task Flags_SpiralsOnly_WarningToneNoCrisisWords()
    {
        var now = _world.Time.GetUtcNow();
        _world.Alerts.Add(new AlertSummary("A1", W.Tuesday, AlertKind.Spiral, AlertStatus.Open, now - TimeSpan.FromHours(2), 4, 3, ["ex"], ["futility"], null));

        var response = await _world.CommandAsync(W.LeeUser, "flags");

        Assert.Equal(MessageTone.Warning, response.Reply!.Tone);
        Assert.DoesNotContain("risis", Text(response), StringComparison.Ordinal);
    }

    [Fact]
    public async Task AckAndResolve_CopingNote_SayCopingNote()
    {
        var now = _world.Time.GetUtcNow();
        _world.Alerts.Add(new AlertSummary("C1", W.Tuesday, AlertKind.Coping, AlertStatus.Open, now - TimeSpan.FromHours(3), 1, 1, ["ex"], ["coping"], null));

        var ack = Text(await _world.PressAsync(W.LeeUser, "ack:C1"));
        var resolve = Text(await _world.CommandAsync(W.LeeUser, "resolve C1 checked in"));

        Assert.Equal("Acknowledged C1: coping note in Tuesday Circle, raised 3 hours ago.", ack);
        Assert.Equal("Resolved C1: coping note in Tuesday Circle, raised 3 hours ago.", resolve);
        Assert.Equal(("C1", W.Lee, "checked in"), Assert.Single(_world.Alerts.Resolutions));
    }

    [Fact]
    public async Task Flags_ExcerptsKeptOrPurged_LatestShownOnlyWhileKept()
    {
        var now = _world.Time.GetUtcNow();
        _world.Alerts.Add(new AlertSummary("A1", W.Tuesday, AlertKind.Spiral, AlertStatus.Open, now - TimeSpan.FromHours(2), 3, 2,
            ["first words 1a", "latest words 2b"], ["futility"], null));
        _world.Alerts.Add(new AlertSummary("A2", W.Tuesday, AlertKind.Spiral, AlertStatus.Open, now - TimeSpan.FromDays(40), 3, 2, [], ["permanence"], null));

        var response = await _world.CommandAsync(W.LeeUser, "flags");

        var quotes = response.Reply!.Blocks.OfType<QuoteBlock>().Select(q => q.Text).ToList();
        Assert.Equal(["latest words 2b"], quotes);
        Assert.Contains("A2 Tuesday Circle", Text(response), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Flags_NoneOpen_SaysSo()
    {
        var reply = Text(await _world.CommandAsync(W.KimUser, "flags"));

        Assert.Equal("No open flags. All quiet.", reply);
    }

    [Fact]
    public async Task Ack_OwnGroup_AcknowledgesAndAudits()
    {
        AddAlerts();

        var reply = Text(await _world.CommandAsync(W.LeeUser, "ack a1"));

        Assert.Equal("Acknowledged A1: spiral in Tuesday Circle, raised 2 hours ago.", reply);
        Assert.Equal(AlertStatus.Acknowledged, (await _world.Alerts.FindAsync("A1", default))!.Status);
        var entry = Assert.Single(_world.Audit.ByActor(W.Lee));
        Assert.Equal((AuditOutcome.Done, "ack", "A1"), (entry.Outcome, entry.Action, entry.Target));
    }

    [Fact]
    public async Task Ack_Twice_ServiceErrorShownAndAuditedAsFailed()
    {
        AddAlerts();

        var reply = Text(await _world.CommandAsync(W.LeeUser, "ack A3"));

        Assert.Equal("A3 was already acknowledged.", reply);
        Assert.Equal(AuditOutcome.Failed, Assert.Single(_world.Audit.ByActor(W.Lee)).Outcome);
    }

    [Fact]
    public async Task AckAndResolve_OtherGroupsAlert_Refused()
    {
        AddAlerts();

        var ack = Text(await _world.CommandAsync(W.LeeUser, "ack B1"));
        var resolve = Text(await _world.CommandAsync(W.LeeUser, "resolve B1"));

        Assert.Equal("Sorry, only the facilitators of Night Owls and coordinators can run /peer ack there.", ack);
        Assert.Contains("/peer resolve there", resolve, StringComparison.Ordinal);
        Assert.Equal(AlertStatus.Open, (await _world.Alerts.FindAsync("B1", default))!.Status);
        Assert.All(_world.Audit.ByActor(W.Lee), e => Assert.Equal(AuditOutcome.Refused, e.Outcome));
    }

    [Fact]
    public async Task Resolve_WithNote_PassesNoteAndAudits()
    {
        AddAlerts();

        var reply = Text(await _world.CommandAsync(W.MoUser, "resolve B1 \"talked with the group\" today"));

        Assert.Equal("Resolved B1: spiral in Night Owls, raised 1 day ago.", reply);
        Assert.Equal(("B1", W.Mo, "talked with the group today"), Assert.Single(_world.Alerts.Resolutions));
        Assert.Equal(AuditOutcome.Done, Assert.Single(_world.Audit.ByActor(W.Mo)).Outcome);
    }

    [Fact]
    public async Task Resolve_NoteTooLong_Refused()
    {
        AddAlerts();

        var reply = Text(await _world.CommandAsync(W.LeeUser, "resolve A1 \"" + new string('x', 501) + "\""));

        Assert.Contains("keep it under 500", reply, StringComparison.Ordinal);
        Assert.Empty(_world.Alerts.Resolutions);
    }

    [Theory]
    [InlineData("ack:A1", "Acknowledged A1")]
    [InlineData("resolve:A1", "Resolved A1")]
    public async Task Buttons_AckResolve_RouteToCommands(string action, string expected)
    {
        AddAlerts();

        var reply = Text(await _world.PressAsync(W.LeeUser, action));

        Assert.StartsWith(expected, reply, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Buttons_AckByResident_Refused()
    {
        AddAlerts();

        var reply = Text(await _world.PressAsync(W.AnaUser, "ack:A1"));

        Assert.StartsWith("Sorry, /peer ack is for facilitators", reply, StringComparison.Ordinal);
        Assert.Equal(AlertStatus.Open, (await _world.Alerts.FindAsync("A1", default))!.Status);
    }

    [Fact]
    public async Task Buttons_Unknown_Expired()
    {
        var reply = Text(await _world.PressAsync(W.AnaUser, "launch:rockets"));

        Assert.Contains("expired", reply, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Stats_CountsOnlyNeverContent()
    {
        AddAlerts();
        var now = _world.Time.GetUtcNow();
        for (var i = 0; i < 3; i++)
        {
            await _world.Handler.HandleMessageAsync(new IncomingMessage(PlatformKind.Slack, _world.TuesdayChannel.Id, "m" + i, W.BenUser, "secret words " + i, now, false), default);
        }

        await _world.Sharing.Submission.SubmitAsync(new ShareRequest(_world.Person(W.Ana), null, "private thing"), default);
        await _world.PassMaxDelayAndDeliverAsync();

        var reply = Text(await _world.CommandAsync(W.LeeUser, "stats"));

        Assert.Contains("This week: 3 messages, 0 prompt answers, 1 anonymous post, 4 flags", reply, StringComparison.Ordinal);
        Assert.Contains("Week of 12 Oct: 0 messages", reply, StringComparison.Ordinal);
        Assert.DoesNotContain("secret", reply, StringComparison.Ordinal);
        Assert.DoesNotContain("private thing", reply, StringComparison.Ordinal);
        Assert.DoesNotContain("Ben", reply, StringComparison.Ordinal);
        Assert.Equal(AuditOutcome.Done, Assert.Single(_world.Audit.ByActor(W.Lee)).Outcome);
    }

    // --- anonymous moderation ---

    [Fact]
    public async Task AnonRemove_FacilitatorOfGroup_RemovesAndAuditsPostIdOnly()
    {
        var post = await _world.Sharing.Submission.SubmitAsync(new ShareRequest(_world.Person(W.Ana), null, "to remove"), default);
        await _world.PassMaxDelayAndDeliverAsync();

        var reply = Text(await _world.CommandAsync(W.LeeUser, "anon remove " + post.Value!.PostId.ToLowerInvariant()));

        Assert.Equal($"Removed anonymous post {post.Value.PostId} from Tuesday Circle.", reply);
        Assert.Empty(_world.Platform.MessagesIn(_world.TuesdayChannel.Id));
        var entry = Assert.Single(_world.Audit.ByActor(W.Lee));
        Assert.Equal((AuditOutcome.Done, "anon remove", post.Value.PostId), (entry.Outcome, entry.Action, entry.Target));
        Assert.DoesNotContain(W.Ana, entry.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task AnonMute_FacilitatorOfGroup_MutesAuthorWithoutNamingThem()
    {
        var post = await _world.Sharing.Submission.SubmitAsync(new ShareRequest(_world.Person(W.Ana), null, "to mute"), default);

        var reply = Text(await _world.CommandAsync(W.LeeUser, $"anon mute {post.Value!.PostId} 14"));

        Assert.Contains($"The author of {post.Value.PostId} can't share anonymously until", reply, StringComparison.Ordinal);
        Assert.Contains("in 2 weeks", reply, StringComparison.Ordinal);
        Assert.DoesNotContain("Ana", reply, StringComparison.Ordinal);
        Assert.Contains(_world.DirectMessagesTo(W.AnaUser), m => m.ToPlainText().Contains("14 days", StringComparison.Ordinal));
        Assert.Equal("14 days", Assert.Single(_world.Audit.ByActor(W.Lee)).Detail);
    }

    [Fact]
    public async Task AnonMute_NoDays_DefaultsToAWeek()
    {
        var post = await _world.Sharing.Submission.SubmitAsync(new ShareRequest(_world.Person(W.Ana), null, "to mute"), default);

        await _world.CommandAsync(W.MoUser, $"anon mute {post.Value!.PostId}");

        Assert.Equal(_world.Time.GetUtcNow() + TimeSpan.FromDays(7), _world.Mutes.MutedUntil(_world.Handles.HandleOf(W.Ana)));
    }

    [Fact]
    public async Task AnonRemoveAndMute_OtherGroupsFacilitator_Refused()
    {
        var post = await _world.Sharing.Submission.SubmitAsync(new ShareRequest(_world.Person(W.Ana), null, "not yours"), default);

        var remove = Text(await _world.CommandAsync(W.KimUser, "anon remove " + post.Value!.PostId));
        var mute = Text(await _world.CommandAsync(W.KimUser, "anon mute " + post.Value.PostId));

        Assert.Equal("Sorry, only the facilitators of Tuesday Circle and coordinators can run /peer anon remove there.", remove);
        Assert.Contains("/peer anon mute there", mute, StringComparison.Ordinal);
        Assert.True(_world.Posts.Find(post.Value.PostId)!.IsPending);
        Assert.Null(_world.Mutes.MutedUntil(_world.Handles.HandleOf(W.Ana)));
        Assert.Equal(2, _world.Audit.ByActor(W.Kim).Count(e => e.Outcome == AuditOutcome.Refused));
    }

    // --- share, pause, resume ---

    [Fact]
    public async Task Share_OneGroup_OpensFormWithoutChoice()
    {
        var response = await _world.CommandAsync(W.AnaUser, "share");

        Assert.Null(response.Reply);
        var form = response.Form!;
        Assert.Equal("share", form.FormId);
        var field = Assert.Single(form.Fields);
        Assert.Equal((FormFieldKind.LongText, 1800), (field.Kind, field.MaxLength));
        Assert.True(form.Title.Length <= 24);
    }

    [Fact]
    public async Task Share_SeveralGroups_FormAsksWhichGroup()
    {
        var form = (await _world.CommandAsync(W.CyUser, "share")).Form!;

        var choice = form.Fields.Single(f => f.Kind == FormFieldKind.Choice);
        Assert.Equal(["Tuesday Circle", "Night Owls"], choice.Choices!.Select(c => c.Label));
        Assert.All(form.Fields, f => Assert.True(f.Label.Length <= 45));
    }

    [Fact]
    public async Task Share_ResidentInNoGroup_ExplainsNotAMemberYet()
    {
        var reply = Text(await _world.CommandAsync(W.ZedUser, "share"));

        Assert.Contains("not a member of any group yet", reply, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(W.LeeUser, "You facilitate")]
    [InlineData(W.MoUser, "You coordinate")]
    public async Task Share_StaffNotAMember_ExplainsSharingIsForMembers(string user, string role)
    {
        var response = await _world.CommandAsync(user, "share");
        var reply = Text(response);

        Assert.Null(response.Form);
        Assert.StartsWith("Anonymous sharing is for group members", reply, StringComparison.Ordinal);
        Assert.Contains(role, reply, StringComparison.Ordinal);
        Assert.DoesNotContain("not a member of any group yet", reply, StringComparison.Ordinal);
    }

    [Fact]
    public async Task DirectMessage_FacilitatorNotAMember_ExplainsSharingIsForMembers()
    {
        await _world.Handler.HandleMessageAsync(new IncomingMessage(PlatformKind.Slack, "D1", "m1", W.LeeUser, "text", _world.Time.GetUtcNow(), true), default);

        var reply = Assert.Single(_world.DirectMessagesTo(W.LeeUser)).ToPlainText();
        Assert.StartsWith("Anonymous sharing is for group members", reply, StringComparison.Ordinal);
        Assert.DoesNotContain("not a member of any group yet", reply, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ShareForm_Submitted_StoresAndConfirms()
    {
        var response = await _world.ShareFormAsync(W.CyUser, "owls only", W.Owls);
        var reply = Text(response);

        Assert.Null(response.FieldErrors);
        Assert.Contains("will appear in Night Owls", reply, StringComparison.Ordinal);
        var post = Assert.Single(((InMemoryAnonymousPostStore)_world.Posts).All);
        Assert.Equal(W.Owls, post.GroupId);
    }

    [Fact]
    public async Task ShareForm_GroupNotTheirs_Refused()
    {
        var response = await _world.ShareFormAsync(W.AnaUser, "sneaky", W.Owls);
        var reply = Text(response);

        Assert.StartsWith("Only members of a group can share in it. Your groups: Tuesday Circle.", reply, StringComparison.Ordinal);
        Assert.EndsWith("> sneaky", reply, StringComparison.Ordinal);
        var error = Assert.Single(response.FieldErrors!);
        Assert.Equal(("text", "Only members of a group can share in it. Your groups: Tuesday Circle."), (error.Key, error.Value));
        Assert.False(_world.Posts.Any());
    }

    [Fact]
    public async Task ShareForm_UnknownFormId_Expired()
    {
        var reply = await _world.Handler.HandleFormAsync(new FormSubmission(PlatformKind.Slack, W.AnaUser, "other", new Dictionary<string, string>()), default);

        Assert.Contains("expired", Text(reply), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Pause_Default_OneWeek()
    {
        await _world.CommandAsync(W.AnaUser, "pause");

        Assert.Equal(_world.Time.GetUtcNow() + TimeSpan.FromDays(7), _world.Pauses.PausedUntil(W.Ana));
        var confirmation = Assert.Single(_world.DirectMessagesTo(W.AnaUser)).ToPlainText();
        Assert.Contains("You've stepped out of Tuesday Circle until Mon 9 Nov 07:00, in 1 week", confirmation, StringComparison.Ordinal);
        Assert.Contains("/peer resume", confirmation, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Pause_InTheGroupChannel_ConfirmationAlsoSentAsADirectMessage()
    {
        var reply = Text(await _world.CommandAsync(W.AnaUser, "pause 2", _world.TuesdayChannel.Id));

        // The reply goes with the channel the pause takes Ana out of; the direct message stays.
        var sent = Assert.Single(_world.DirectMessagesTo(W.AnaUser)).ToPlainText();
        Assert.StartsWith("You've stepped out of Tuesday Circle until Mon 16 Nov 07:00, in 2 weeks.", sent, StringComparison.Ordinal);
        Assert.Contains("/peer resume", sent, StringComparison.Ordinal);
        Assert.StartsWith(sent, reply, StringComparison.Ordinal);
        Assert.Contains("sent you this as a direct message", reply, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Pause_InADirectMessage_ConfirmedThereAsAMessageThatStays()
    {
        var reply = Text(await _world.CommandAsync(W.AnaUser, "pause"));

        Assert.StartsWith("You've stepped out of Tuesday Circle", Assert.Single(_world.DirectMessagesTo(W.AnaUser)).ToPlainText(), StringComparison.Ordinal);
        Assert.StartsWith("Done", reply, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Pause_DirectMessagesClosed_TheReplySaysItAll()
    {
        _world.Platform.FailNext("SendDirectMessage", new PlatformException(PlatformErrorKind.CannotMessageUser, "closed"));

        var reply = Text(await _world.CommandAsync(W.AnaUser, "pause", _world.TuesdayChannel.Id));

        Assert.StartsWith("You've stepped out of Tuesday Circle until", reply, StringComparison.Ordinal);
        Assert.DoesNotContain("direct message", reply, StringComparison.Ordinal);
        Assert.NotNull(_world.Pauses.PausedUntil(W.Ana));
    }

    [Fact]
    public async Task Pause_Weeks_PausesThatLong()
    {
        await _world.CommandAsync(W.AnaUser, "pause 3");

        Assert.Equal(_world.Time.GetUtcNow() + TimeSpan.FromDays(21), _world.Pauses.PausedUntil(W.Ana));
    }

    [Theory]
    [InlineData("pause 0")]
    [InlineData("pause 13")]
    [InlineData("pause soon")]
    [InlineData("pause 1 2")]
    public async Task Pause_BadWeeks_ExplainsAndDoesNothing(string command)
    {
        var reply = Text(await _world.CommandAsync(W.AnaUser, command));

        Assert.Contains("/peer pause 2", reply, StringComparison.Ordinal);
        Assert.Null(_world.Pauses.PausedUntil(W.Ana));
    }

    [Fact]
    public async Task Pause_NotInAGroup_NothingToPause()
    {
        var reply = Text(await _world.CommandAsync(W.LeeUser, "pause"));

        Assert.Equal("You're not a member of any group right now, so there's nothing to pause.", reply);
    }

    [Fact]
    public async Task Resume_Paused_Resumes()
    {
        await _world.CommandAsync(W.AnaUser, "pause 2");

        var reply = Text(await _world.CommandAsync(W.AnaUser, "resume"));

        Assert.StartsWith("Welcome back", reply, StringComparison.Ordinal);
        Assert.Equal([W.Ana], _world.Pauses.Resumed);
    }

    [Theory]
    [InlineData("resume")]
    [InlineData("resume now")]
    public async Task Resume_NotPausedOrExtraWords_Explains(string command)
    {
        var reply = Text(await _world.CommandAsync(W.BenUser, command));

        Assert.True(reply.Contains("not paused", StringComparison.Ordinal) || reply.Contains("takes nothing", StringComparison.Ordinal), reply);
        Assert.Empty(_world.Pauses.Resumed);
    }

    // --- my-data and forget-me ---

    [Fact]
    public async Task MyData_Resident_ShowsEverythingStored()
    {
        await _world.Sharing.Submission.SubmitAsync(new ShareRequest(_world.Person(W.Ana), null, "still pending"), default);
        await _world.CommandAsync(W.AnaUser, "pause 1");

        var reply = Text(await _world.CommandAsync(W.AnaUser, "my-data"));

        Assert.Contains("Ana R. (id res-ana-7731), Resident, PGY-1", reply, StringComparison.Ordinal);
        Assert.Contains("Member of: Tuesday Circle", reply, StringComparison.Ordinal);
        Assert.Contains("Paused until", reply, StringComparison.Ordinal);
        Assert.Contains("Anonymous posts stored under your private handle: 1 (1 still to appear)", reply, StringComparison.Ordinal);
        Assert.Contains("still pending", reply, StringComparison.Ordinal);
        Assert.Contains("Check-in answers: kept only as counts", reply, StringComparison.Ordinal);
        Assert.DoesNotContain("Safety alerts about your messages", reply, StringComparison.Ordinal);
    }

    [Fact]
    public async Task MyData_TheirAnswerToACrisisAlert_Listed()
    {
        var at = _world.Time.GetUtcNow();
        await _world.Safety.AlertStore.TryAddAsync(new AlertRecord { Id = "A1", GroupId = W.Tuesday, Kind = AlertKind.Crisis, RaisedAt = at, AuthorPersonId = W.Ana, AuthorAnswerToken = "tok-1", AuthorAnswer = CrisisAnswer.ReachOut, AuthorAnsweredAt = at }, default);
        await _world.Safety.AlertStore.TryAddAsync(new AlertRecord { Id = "A2", GroupId = W.Tuesday, Kind = AlertKind.Crisis, RaisedAt = at, AuthorPersonId = W.Ben, AuthorAnswerToken = "tok-2", AuthorAnswer = CrisisAnswer.OkForNow, AuthorAnsweredAt = at }, default);

        var ana = Text(await _world.CommandAsync(W.AnaUser, "my-data"));
        var cy = Text(await _world.CommandAsync(W.CyUser, "my-data"));

        Assert.Contains("Your answers to the question after a crisis alert, shown with the alert to your group's psychologist: \"Please reach out\" (1).", ana, StringComparison.Ordinal);
        Assert.DoesNotContain("I'm OK for now", ana, StringComparison.Ordinal);
        Assert.DoesNotContain("Your answers to the question", cy, StringComparison.Ordinal);
    }

    [Fact]
    public async Task MyData_CrisisAlertAboutThem_Listed_OthersNot()
    {
        var at = _world.Time.GetUtcNow();
        await _world.Safety.AlertStore.TryAddAsync(new AlertRecord { Id = "A1", GroupId = W.Tuesday, Kind = AlertKind.Crisis, RaisedAt = at, AuthorPersonId = W.Ana, Excerpts = ["i can't do this anymore"] }, default);
        await _world.Safety.AlertStore.TryAddAsync(new AlertRecord { Id = "A2", GroupId = W.Tuesday, Kind = AlertKind.Coping, RaisedAt = at, AuthorPersonId = W.Ana }, default);
        await _world.Safety.AlertStore.TryAddAsync(new AlertRecord { Id = "A3", GroupId = W.Tuesday, Kind = AlertKind.Crisis, RaisedAt = at, AuthorPersonId = W.Ben, Excerpts = ["ben's words"] }, default);

        var reply = Text(await _world.CommandAsync(W.AnaUser, "my-data"));

        Assert.Contains("Safety alerts about your messages, seen by your group's psychologist and facilitators: 2 (1 crisis, 1 coping; 1 still with an excerpt of your words).", reply, StringComparison.Ordinal);
        Assert.DoesNotContain("ben's words", reply, StringComparison.Ordinal);
    }

    [Fact]
    public async Task MyData_Facilitator_ShowsAuditCount()
    {
        await _world.CommandAsync(W.LeeUser, "groups");

        var reply = Text(await _world.CommandAsync(W.LeeUser, "my-data"));

        Assert.Contains("Facilitator of: Tuesday Circle", reply, StringComparison.Ordinal);
        Assert.Contains("Facilitator actions in the audit log: 1", reply, StringComparison.Ordinal);
        Assert.Contains("Anonymous posts: none stored.", reply, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ForgetMe_WithoutConfirm_AsksWithButton()
    {
        var response = await _world.CommandAsync(W.AnaUser, "forget-me");

        Assert.Contains("You will also leave Tuesday Circle", Text(response), StringComparison.Ordinal);
        Assert.Equal("forget:confirm", Assert.Single(response.Reply!.Buttons).ActionId);
        Assert.Null(_world.Pauses.PausedUntil(W.Ana));
    }

    [Fact]
    public async Task ForgetMe_BadWord_Explains()
    {
        var reply = Text(await _world.CommandAsync(W.AnaUser, "forget-me please"));

        Assert.Contains("/peer forget-me confirm", reply, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ForgetMe_Confirmed_ErasesLeavesAndCoordinatorToldOnlySomeoneLeft()
    {
        var post = await _world.Sharing.Submission.SubmitAsync(new ShareRequest(_world.Person(W.Ana), null, "pending"), default);
        await _world.Sharing.Moderation.MuteAuthorAsync(post.Value!.PostId, 2, default);

        var reply = Text(await _world.PressAsync(W.AnaUser, "forget:confirm"));
        await _world.PassMaxDelayAndDeliverAsync();

        Assert.StartsWith("Done. Erased 1 anonymous post, 0 message excerpts kept for the safety check, the excerpts of 0 alerts that could hold your words (also from the facilitators' messages), 0 marks that you answered a check-in and 0 audit entries.", reply, StringComparison.Ordinal);
        var forgotten = Assert.Single(_world.Safety.AlertExcerptsForgotten);
        Assert.Equal([W.Ana, _world.Handles.HandleOf(W.Ana)], forgotten.AuthorKeys);
        Assert.Equal(_world.Groups.GroupsOfMember(W.Ana).Select(g => g.Id), forgotten.GroupIds);
        Assert.Empty(_world.Sharing.PersonalData.DataOf(W.Ana).Posts);
        Assert.Null(_world.Sharing.PersonalData.DataOf(W.Ana).MutedUntil);
        Assert.Empty(_world.Platform.MessagesIn(_world.TuesdayChannel.Id));
        Assert.True(_world.Pauses.PausedUntil(W.Ana) > _world.Time.GetUtcNow().AddYears(50));
        var note = Assert.Single(_world.DirectMessagesTo(W.MoUser)).ToPlainText();
        Assert.Equal("Someone has left Tuesday Circle and asked PeerBot to forget their data. The group now has 2 members.", note);
    }

    [Fact]
    public async Task ForgetMe_ConfirmedByAMemberOfAGroup_ConfirmedByDirectMessageWithNoCounts()
    {
        await _world.Sharing.Submission.SubmitAsync(new ShareRequest(_world.Person(W.Ana), null, "pending"), default);

        var reply = Text(await _world.PressAsync(W.AnaUser, "forget:confirm"));

        // The direct message stays on the platform: it says the data is gone, never how many anonymous posts there were.
        var sent = Assert.Single(_world.DirectMessagesTo(W.AnaUser)).ToPlainText();
        Assert.StartsWith("Done: PeerBot has erased what it stored about you, and you've left your group", sent, StringComparison.Ordinal);
        Assert.DoesNotMatch("[0-9]", sent);
        Assert.StartsWith("Done. Erased 1 anonymous post", reply, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ForgetMe_Confirmed_ErasesKeptSpiralEntriesUnderPersonIdAndHandleOnly()
    {
        var handle = _world.Handles.HandleOf(W.Ana);
        var at = _world.Time.GetUtcNow();
        await _world.Safety.Kept.AddAsync(W.Tuesday, new SpiralEntry(at, W.Ana, "nothing will ever change", ["permanence"]), default);
        await _world.Safety.Kept.AddAsync(W.Owls, new SpiralEntry(at.AddMinutes(1), handle, "what's the point", ["futility"]), default);
        await _world.Safety.Kept.AddAsync(W.Tuesday, new SpiralEntry(at.AddMinutes(2), W.Ben, "i've given up", ["resignation"]), default);
        await _world.Safety.Kept.AddAsync(W.Tuesday, new SpiralEntry(at.AddMinutes(3), _world.Handles.HandleOf(W.Ben), "no use", ["futility"]), default);

        var reply = Text(await _world.CommandAsync(W.AnaUser, "forget-me confirm"));

        Assert.Contains("2 message excerpts kept for the safety check", reply, StringComparison.Ordinal);
        Assert.Equal([W.Ben, _world.Handles.HandleOf(W.Ben)], _world.Safety.Kept.Entries.Select(e => e.Entry.AuthorKey));
    }

    [Fact]
    public async Task ForgetMe_Confirmed_AdaptersForgetThePersonAfterTheLastDirectMessage()
    {
        var reply = Text(await _world.CommandAsync(W.AnaUser, "forget-me confirm"));

        Assert.StartsWith("Done.", reply, StringComparison.Ordinal);
        var calls = _world.Platform.Calls.ToList();
        var forget = calls.FindIndex(c => c.Operation == "ForgetPerson" && c.Target == W.AnaUser);
        Assert.True(forget >= 0, "the adapter was not asked to forget the person");
        Assert.DoesNotContain(calls.Skip(forget + 1), c => c.Operation == "SendDirectMessage" && c.Target == W.AnaUser);
        Assert.Contains(calls.Take(forget), c => c.Operation == "SendDirectMessage" && c.Target == W.AnaUser);
    }

    [Fact]
    public async Task ForgetMe_AdapterCannotForget_EverythingElseErasedAndTheAnswerStillDone()
    {
        _world.Platform.FailNext("ForgetPerson", new InvalidOperationException("store unavailable"));

        var reply = Text(await _world.CommandAsync(W.AnaUser, "forget-me confirm"));

        Assert.StartsWith("Done.", reply, StringComparison.Ordinal);
        Assert.Contains(_world.Logs.Lines, l => l.Contains("could not forget its direct-message channel", StringComparison.Ordinal) && !l.Contains(W.AnaUser, StringComparison.Ordinal));
    }

    [Fact]
    public async Task ForgetMe_WhilePaused_PauseBecomesOpenEnded()
    {
        await _world.CommandAsync(W.AnaUser, "pause 1");
        var pausedUntil = _world.Pauses.PausedUntil(W.Ana);

        var reply = Text(await _world.CommandAsync(W.AnaUser, "forget-me confirm"));

        Assert.True(_world.Pauses.PausedUntil(W.Ana) > pausedUntil);
        Assert.Contains("You've left your group", reply, StringComparison.Ordinal);
    }

    [Fact]
    public async Task DirectMessage_SharingDisabled_SaysSoWithoutDraft()
    {
        _world.Options.Anonymity.Enabled = false;

        await _world.Handler.HandleMessageAsync(new IncomingMessage(PlatformKind.Slack, "D1", "m1", W.AnaUser, "hello", _world.Time.GetUtcNow(), true), default);

        var reply = Assert.Single(_world.DirectMessagesTo(W.AnaUser));
        Assert.Contains("turned off", reply.ToPlainText(), StringComparison.Ordinal);
        Assert.Empty(reply.Buttons);
    }

    [Fact]
    public async Task ForgetMe_Facilitator_ErasesAuditEntriesNoCoordinatorNote()
    {
        await _world.CommandAsync(W.LeeUser, "groups");

        var reply = Text(await _world.CommandAsync(W.LeeUser, "forget-me confirm"));

        Assert.StartsWith("Done. Erased 0 anonymous posts, 0 message excerpts kept for the safety check, the excerpts of 0 alerts that could hold your words (also from the facilitators' messages), 0 marks that you answered a check-in and 1 audit entry.", reply, StringComparison.Ordinal);
        Assert.Empty(_world.Audit.ByActor(W.Lee));
        Assert.Empty(_world.DirectMessagesTo(W.MoUser));
        Assert.Null(_world.Pauses.PausedUntil(W.Lee));
    }

    // --- messages, DMs, check-ins ---

    [Fact]
    public async Task HandleMessageAsync_GroupMessage_SafetyAndStats()
    {
        var at = _world.Time.GetUtcNow();

        await _world.Handler.HandleMessageAsync(new IncomingMessage(PlatformKind.Slack, _world.TuesdayChannel.Id, "m1", W.BenUser, "what's the point", at, false), default);

        var observed = Assert.Single(_world.Safety.Observed);
        Assert.Equal((W.Tuesday, W.Ben, W.Ben, "what's the point"), (observed.GroupId, observed.AuthorKey, observed.AuthorPersonId, observed.Text));
        Assert.Equal(1, _world.Stats.Weekly(W.Tuesday, StatsWeek.StartOf(at)).Single()[StatKind.Messages]);
    }

    [Fact]
    public async Task HandleMessageEditedAsync_GroupMessage_ScreenedAtTheEditNotCounted()
    {
        var at = _world.Time.GetUtcNow();
        await _world.Handler.HandleMessageAsync(new IncomingMessage(PlatformKind.Slack, _world.TuesdayChannel.Id, "m1", W.BenUser, "long night", at, false), default);
        _world.Time.Advance(TimeSpan.FromMinutes(5));

        await _world.Handler.HandleMessageEditedAsync(new MessageEdited(PlatformKind.Slack, _world.TuesdayChannel.Id, "m1", W.BenUser, "long night, what's the point", _world.Time.GetUtcNow(), false), default);

        Assert.Equal(2, _world.Safety.Observed.Count);
        var observed = _world.Safety.Observed.ToList()[1];
        Assert.Equal((W.Tuesday, W.Ben, W.Ben, "long night, what's the point"), (observed.GroupId, observed.AuthorKey, observed.AuthorPersonId, observed.Text));
        Assert.Equal(at + TimeSpan.FromMinutes(5), observed.Timestamp);
        Assert.Equal(1, _world.Stats.Weekly(W.Tuesday, StatsWeek.StartOf(at)).Single()[StatKind.Messages]);
    }

    [Fact]
    public async Task HandleMessageEditedAsync_DirectMessageOrOtherChannel_NeitherScreenedNorANewDraft()
    {
        await _world.Handler.HandleMessageEditedAsync(new MessageEdited(PlatformKind.Slack, "D1", "m1", W.AnaUser, "I feel like a fraud", _world.Time.GetUtcNow(), true), default);
        await _world.Handler.HandleMessageEditedAsync(new MessageEdited(PlatformKind.Slack, "C-RANDOM", "m2", W.BenUser, "what's the point", _world.Time.GetUtcNow(), false), default);

        Assert.Empty(_world.Safety.Observed);
        Assert.Empty(_world.DirectMessagesTo(W.AnaUser));
    }

    [Fact]
    public async Task HandleMessageEditedAsync_SafetyThrows_LoggedAndKeepsGoing()
    {
        _world.Safety.Throw = true;

        await _world.Handler.HandleMessageEditedAsync(new MessageEdited(PlatformKind.Slack, _world.TuesdayChannel.Id, "m1", W.BenUser, "hello", _world.Time.GetUtcNow(), false), default);

        Assert.Contains(_world.Logs.Lines, l => l.Contains("safety check of a message", StringComparison.Ordinal));
    }

    [Fact]
    public async Task HandleMessageAsync_OtherChannel_Ignored()
    {
        await _world.Handler.HandleMessageAsync(new IncomingMessage(PlatformKind.Slack, "C-RANDOM", "m1", W.BenUser, "hello", _world.Time.GetUtcNow(), false), default);

        Assert.Empty(_world.Safety.Observed);
    }

    [Fact]
    public async Task HandleMessageAsync_SafetyThrows_LoggedAndKeepsGoing()
    {
        _world.Safety.Throw = true;

        await _world.Handler.HandleMessageAsync(new IncomingMessage(PlatformKind.Slack, _world.TuesdayChannel.Id, "m1", W.BenUser, "hello", _world.Time.GetUtcNow(), false), default);

        Assert.Contains(_world.Logs.Lines, l => l.Contains("safety check of a message", StringComparison.Ordinal));
    }

    [Fact]
    public async Task DirectMessage_OneGroup_ConfirmThenShares()
    {
        await _world.Handler.HandleMessageAsync(new IncomingMessage(PlatformKind.Slack, "D1", "m1", W.AnaUser, "I feel like a fraud", _world.Time.GetUtcNow(), true), default);

        var prompt = Assert.Single(_world.DirectMessagesTo(W.AnaUser));
        Assert.Contains("Share this anonymously in Tuesday Circle?", prompt.ToPlainText(), StringComparison.Ordinal);
        Assert.False(_world.Posts.Any());
        var share = prompt.Buttons.First(b => b.Label == "Share in Tuesday Circle");
        Assert.DoesNotContain(W.Ana, share.ActionId, StringComparison.Ordinal);

        var reply = await _world.PressAsync(W.AnaUser, share.ActionId);
        var again = await _world.PressAsync(W.AnaUser, share.ActionId);

        Assert.Contains("Saved", Text(reply), StringComparison.Ordinal);
        Assert.Single(((InMemoryAnonymousPostStore)_world.Posts).All);
        Assert.Contains("expired", Text(again), StringComparison.Ordinal);
    }

    [Fact]
    public async Task DirectMessage_SeveralGroups_ButtonPerGroup()
    {
        await _world.Handler.HandleMessageAsync(new IncomingMessage(PlatformKind.Slack, "D1", "m1", W.CyUser, "for the owls", _world.Time.GetUtcNow(), true), default);

        var prompt = Assert.Single(_world.DirectMessagesTo(W.CyUser));
        Assert.Equal(["Share in Tuesday Circle", "Share in Night Owls", "Cancel"], prompt.Buttons.Select(b => b.Label));
        await _world.PressAsync(W.CyUser, prompt.Buttons[1].ActionId);

        Assert.Equal(W.Owls, Assert.Single(((InMemoryAnonymousPostStore)_world.Posts).All).GroupId);
    }

    [Fact]
    public async Task DirectMessage_DraftPressedBySomeoneElse_Expired()
    {
        await _world.Handler.HandleMessageAsync(new IncomingMessage(PlatformKind.Slack, "D1", "m1", W.AnaUser, "mine", _world.Time.GetUtcNow(), true), default);
        var action = _world.DirectMessagesTo(W.AnaUser)[0].Buttons[0].ActionId;

        var reply = await _world.PressAsync(W.BenUser, action);

        Assert.Contains("expired", Text(reply), StringComparison.Ordinal);
        Assert.False(_world.Posts.Any());
    }

    [Fact]
    public async Task DirectMessage_Cancel_NothingShared()
    {
        await _world.Handler.HandleMessageAsync(new IncomingMessage(PlatformKind.Slack, "D1", "m1", W.AnaUser, "never mind", _world.Time.GetUtcNow(), true), default);
        var cancel = _world.DirectMessagesTo(W.AnaUser)[0].Buttons.Single(b => b.Label == "Cancel");

        var reply = await _world.PressAsync(W.AnaUser, cancel.ActionId);

        Assert.Contains("Cancelled", Text(reply), StringComparison.Ordinal);
        Assert.False(_world.Posts.Any());
    }

    [Fact]
    public async Task DirectMessage_DraftOlderThanHalfAnHour_Expired()
    {
        await _world.Handler.HandleMessageAsync(new IncomingMessage(PlatformKind.Slack, "D1", "m1", W.AnaUser, "slow", _world.Time.GetUtcNow(), true), default);
        var action = _world.DirectMessagesTo(W.AnaUser)[0].Buttons[0].ActionId;
        _world.Time.Advance(TimeSpan.FromMinutes(31));

        var reply = await _world.PressAsync(W.AnaUser, action);

        Assert.Contains("expired", Text(reply), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(W.AnaUser, true, "can't carry files or images")]
    [InlineData("U-STRANGER", false, "not on PeerBot's roster")]
    [InlineData(W.ZedUser, false, "not a member of any group")]
    public async Task DirectMessage_RefusedCases_ReplyPrivately(string user, bool attachments, string expected)
    {
        await _world.Handler.HandleMessageAsync(new IncomingMessage(PlatformKind.Slack, "D1", "m1", user, "text", _world.Time.GetUtcNow(), true, attachments), default);

        var reply = Assert.Single(_world.DirectMessagesTo(user));
        Assert.Contains(expected, reply.ToPlainText(), StringComparison.Ordinal);
        Assert.Empty(reply.Buttons);
        Assert.False(_world.Posts.Any());
    }

    [Fact]
    public async Task CheckInButton_RecordsAnswerAndCountsIt()
    {
        var message = new MessageRef(_world.TuesdayChannel, "M9");

        var reply = await _world.PressAsync(W.BenUser, "checkin:CI7:4", message);

        Assert.Equal("Thanks for checking in.", Text(reply));
        Assert.Equal(("CI7", W.Ben, 4), Assert.Single(_world.CheckIns.Answers));
        Assert.Equal(1, _world.Stats.Weekly(W.Tuesday, StatsWeek.StartOf(_world.Time.GetUtcNow())).Single()[StatKind.PromptsAnswered]);
    }

    [Theory]
    [InlineData("checkin:CI7:9", "Scores go from 1 to 5.")]
    [InlineData("checkin:CI7:lots", "expired")]
    public async Task CheckInButton_BadScore_Explains(string action, string expected)
    {
        var reply = await _world.PressAsync(W.BenUser, action);

        Assert.Contains(expected, Text(reply), StringComparison.Ordinal);
        Assert.Empty(_world.CheckIns.Answers);
    }

    public void Dispose() => _world.Dispose();
}
