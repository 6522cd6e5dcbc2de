using System.Text.Json.Nodes;
using PeerBot.Core.Platform;
using PeerBot.Slack.Tests.Support;
using PeerBot.Testing.Slack;

namespace PeerBot.Slack.Tests;

public sealed class SlackInboundTests
{
    [Fact]
    public async Task MessageEvent_InGroupChannel_ReachesCoreOnceWithLiteralText()
    {
        await using var harness = await SlackHarness.StartAsync(e => e.AddUser("U0ANA", "ana"));
        var channel = harness.Emulator.AddChannel("tuesday-circle", isPrivate: true, SlackEmulator.BotUserId, "U0ANA");

        var envelope = await harness.Emulator.InjectMessageAsync(channel, "U0ANA", "a < b & c > d");

        await harness.Recorder.WaitUntilAsync(h => h.Messages.Count == 1, "the message");
        var message = harness.Recorder.Messages[0];
        Assert.Equal(PlatformKind.Slack, message.Platform);
        Assert.Equal(channel, message.ChannelId);
        Assert.Equal("U0ANA", message.AuthorUserId);
        Assert.Equal("a < b & c > d", message.Text);
        Assert.False(message.IsDirect);
        Assert.False(message.HasAttachments);
        await harness.Emulator.WaitUntilAsync(e => e.Acks.Any(a => a.EnvelopeId == envelope), what: "the ack");
        Assert.True(harness.Emulator.Acks.Single(a => a.EnvelopeId == envelope).Payload is null or { Count: 0 });
    }

    [Fact]
    public async Task MessageEvents_SubtypesBotsAndSelf_AreIgnoredButAcknowledged()
    {
        await using var harness = await SlackHarness.StartAsync(e => e.AddUser("U0ANA", "ana"));
        var channel = harness.Emulator.AddChannel("circle", isPrivate: true, SlackEmulator.BotUserId, "U0ANA");

        await harness.Emulator.InjectMessageAsync(channel, "U0ANA", "edited", subtype: "message_changed");
        await harness.Emulator.InjectMessageAsync(channel, "U0ANA", "joined", subtype: "channel_join");
        await harness.Emulator.InjectMessageAsync(channel, "U0OTHERBOT", "beep", botId: "B0OTHER");
        await harness.Emulator.InjectMessageAsync(channel, SlackEmulator.BotUserId, "my own post");
        await harness.Emulator.InjectMessageAsync(channel, "U0ANA", "the real one");

        await harness.Recorder.WaitUntilAsync(h => h.Messages.Count >= 1, "the person's message");
        await harness.Emulator.WaitUntilAsync(e => e.Acks.Count == 5, what: "five acknowledgements");
        Assert.Equal(["the real one"], harness.Recorder.Messages.Select(m => m.Text));
    }

    [Fact]
    public async Task ThreadRepliesBroadcastsAndMeMessages_InGroupChannel_AllReachCore()
    {
        await using var harness = await SlackHarness.StartAsync(e => { e.AddUser("U0ANA", "ana"); e.AddUser("U0BEN", "ben"); });
        var channel = harness.Emulator.AddChannel("tuesday-circle", isPrivate: true, SlackEmulator.BotUserId, "U0ANA", "U0BEN");
        await harness.Emulator.InjectMessageAsync(channel, "U0ANA", "rough week");
        var root = harness.Emulator.Channel(channel).Messages.Single().Ts;

        await harness.Emulator.InjectThreadReplyAsync(channel, "U0BEN", "in the thread", root);
        await harness.Emulator.InjectThreadReplyAsync(channel, "U0BEN", "in the thread & the channel", root, alsoSendToChannel: true);
        await harness.Emulator.InjectMeMessageAsync(channel, "U0ANA", "wonders what the point is");

        await harness.Recorder.WaitUntilAsync(h => h.Messages.Count == 4, "every person's message");
        Assert.Equal(["rough week", "in the thread", "in the thread & the channel", "wonders what the point is"], harness.Recorder.Messages.Select(m => m.Text));
        Assert.All(harness.Recorder.Messages, m => Assert.Equal(channel, m.ChannelId));
        Assert.Equal(["U0ANA", "U0BEN", "U0BEN", "U0ANA"], harness.Recorder.Messages.Select(m => m.AuthorUserId));
    }

    [Fact]
    public async Task MessageChanged_EachDistinctTextReachesCoreOnceAsAnEdit()
    {
        await using var harness = await SlackHarness.StartAsync(e => e.AddUser("U0ANA", "ana"));
        var channel = harness.Emulator.AddChannel("tuesday-circle", isPrivate: true, SlackEmulator.BotUserId, "U0ANA");
        await harness.Emulator.InjectMessageAsync(channel, "U0ANA", "long night");
        var ts = harness.Emulator.Channel(channel).Messages.Single().Ts;
        var prompt = await harness.Platform.PostMessageAsync(new PeerBot.Core.Platform.ChannelRef(PlatformKind.Slack, channel), OutgoingMessage.Plain("This week's prompt"), CancellationToken.None);

        await harness.Emulator.InjectMessageChangedAsync(channel, ts, "long night, what's the point");
        await harness.Emulator.InjectMessageChangedAsync(channel, ts, "long night, what's the point"); // a link preview: same text
        await harness.Emulator.InjectMessageChangedAsync(channel, ts, "long night");                   // back to a text already screened
        await harness.Emulator.InjectMessageChangedAsync(channel, ts, "long night, what's the point"); // and again
        await harness.Emulator.InjectMessageChangedAsync(channel, prompt.Id, "This week's prompt (updated)"); // PeerBot's own
        await harness.Emulator.InjectMessageChangedAsync(channel, ts, "long night & I'm done");

        await harness.Recorder.WaitUntilAsync(h => h.Edits.Count == 2, "the two new texts");
        await harness.Emulator.WaitUntilAsync(e => e.Acks.Count == 7, what: "every event acknowledged");
        Assert.Equal(["long night, what's the point", "long night & I'm done"], harness.Recorder.Edits.Select(e => e.Text));
        var edit = harness.Recorder.Edits[0];
        Assert.Equal((channel, ts, "U0ANA", false), (edit.ChannelId, edit.MessageId, edit.AuthorUserId, edit.IsDirect));
        Assert.Single(harness.Recorder.Messages);
    }

    [Fact]
    public async Task MessageEvent_DirectWithFile_IsDirectWithAttachments()
    {
        await using var harness = await SlackHarness.StartAsync(e => e.AddUser("U0ANA", "ana"));
        var dm = await harness.Platform.OpenDirectChannelAsync("U0ANA", CancellationToken.None);

        await harness.Emulator.InjectMessageAsync(dm, "U0ANA", "look", subtype: "file_share", withFile: true);

        await harness.Recorder.WaitUntilAsync(h => h.Messages.Count == 1, "the DM");
        Assert.True(harness.Recorder.Messages[0].IsDirect);
        Assert.True(harness.Recorder.Messages[0].HasAttachments);
    }

    [Fact]
    public async Task Envelope_RedeliveredSameIdOrSameEvent_HandledOnceAndAcknowledgedAgain()
    {
        await using var harness = await SlackHarness.StartAsync(e => e.AddUser("U0ANA", "ana"));
        var channel = harness.Emulator.AddChannel("circle", isPrivate: true, SlackEmulator.BotUserId, "U0ANA");
        var envelope = await harness.Emulator.InjectMessageAsync(channel, "U0ANA", "once");
        await harness.Emulator.WaitUntilAsync(e => e.Acks.Count == 1, what: "first ack");

        await harness.Emulator.ResendEnvelopeAsync(envelope);
        await harness.Emulator.RedeliverEventInNewEnvelopeAsync(envelope);
        await harness.Emulator.InjectMessageAsync(channel, "U0ANA", "twice");

        await harness.Recorder.WaitUntilAsync(h => h.Messages.Count >= 2, "the second message");
        await harness.Emulator.WaitUntilAsync(e => e.Acks.Count == 3 && e.DuplicateAcks == 1, what: "every envelope acknowledged");
        Assert.Equal(["once", "twice"], harness.Recorder.Messages.Select(m => m.Text));
    }

    [Fact]
    public async Task SlashCommand_QuickAnswer_TravelsInTheAckAsEphemeral()
    {
        await using var harness = await SlackHarness.StartAsync(e => e.AddUser("U0ANA", "ana"));

        var ack = await harness.Emulator.InjectSlashCommandAsync("U0ANA", "C0GENERAL", "prompt now \"Tuesday <Circle>\"");

        Assert.NotNull(ack);
        Assert.Equal("ephemeral", ack["response_type"]?.GetValue<string>());
        Assert.Equal("ok: prompt now \"Tuesday &lt;Circle&gt;\"", ack["text"]?.GetValue<string>());
        var command = Assert.Single(harness.Recorder.Commands);
        Assert.Equal("prompt now \"Tuesday <Circle>\"", command.Text);
        Assert.Equal("U0ANA", command.UserId);
        Assert.Equal("C0GENERAL", command.ChannelId);
        Assert.False(command.IsDirect);
    }

    [Fact]
    public async Task SlashCommand_ConnectionLostBeforeTheAck_AnswerGoesByResponseUrlOnce()
    {
        var release = new TaskCompletionSource<InteractionResponse>(TaskCreationOptions.RunContinuationsAsynchronously);
        var handler = new RecordingEventHandler { OnCommand = (_, _) => release.Task };
        await using var harness = await SlackHarness.StartAsync(e => e.AddUser("U0ANA", "ana"), handler: handler);

        // The answer is ready in time, but the connection the command came on is gone: the acknowledgement that would
        // carry it cannot be sent, and Slack's redelivery of the envelope is only acknowledged, never handled again.
        var ackTask = harness.Emulator.InjectSlashCommandAsync("U0ANA", "C0GENERAL", "stats");
        await handler.WaitUntilAsync(h => h.Commands.Count == 1, "the command");
        var opened = harness.Emulator.ConnectionsOpened;
        harness.Emulator.DropSocket();

        // The adapter may already have opened the replacement by the time this looks: either way the old one is gone.
        await harness.Emulator.WaitUntilAsync(e => e.OpenConnections == 0 || e.ConnectionsOpened > opened, what: "the connection to drop");
        release.SetResult(InteractionResponse.Text("3 messages this week"));

        await harness.Emulator.WaitUntilAsync(e => e.Ephemerals.Any(x => x.User == "U0ANA"), what: "the answer by the response URL");
        var answer = Assert.Single(harness.Emulator.Ephemerals);
        Assert.Equal("response_url", answer.Via);
        Assert.Equal("3 messages this week", answer.Text);

        // Once the adapter reconnects, the redelivered envelope is acknowledged without a second answer.
        for (var step = 0; step < 300 && !ackTask.IsCompleted; step++)
        {
            harness.Time.Advance(TimeSpan.FromSeconds(1));
            try
            {
                await harness.Emulator.WaitUntilAsync(_ => ackTask.IsCompleted, TimeSpan.FromMilliseconds(50));
            }
            catch (TimeoutException)
            {
                // Not yet reconnected: move the clock on.
            }
        }

        var ack = await ackTask;
        Assert.True(ack is null || !ack.ContainsKey("text"), ack?.ToJsonString());
        Assert.Single(handler.Commands);
        Assert.Single(harness.Emulator.Ephemerals);
    }

    [Fact]
    public async Task SlashCommand_SlowAnswer_AckedEmptyAfterTimeoutThenRepliedOnResponseUrl()
    {
        var release = new TaskCompletionSource<InteractionResponse>(TaskCreationOptions.RunContinuationsAsynchronously);
        var handler = new RecordingEventHandler { OnCommand = (_, _) => release.Task };
        await using var harness = await SlackHarness.StartAsync(e => e.AddUser("U0ANA", "ana"), handler: handler);
        var ackWaiting = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        harness.Timers.DelayStarted += (_, purpose) =>
        {
            if (purpose == "ack-timeout")
            {
                ackWaiting.TrySetResult();
            }
        };

        var ackTask = harness.Emulator.InjectSlashCommandAsync("U0ANA", "C0GENERAL", "stats");
        await ackWaiting.Task.WaitAsync(TimeSpan.FromSeconds(20));
        Assert.False(ackTask.IsCompleted);
        harness.Time.Advance(TimeSpan.FromSeconds(2));
        var ack = await ackTask;

        Assert.True(ack is null || ack.Count == 0);
        release.SetResult(InteractionResponse.Text("3 open flags"));
        await harness.Emulator.WaitUntilAsync(e => e.Ephemerals.Count == 1, what: "the late reply");
        var reply = harness.Emulator.Ephemerals[0];
        Assert.Equal("U0ANA", reply.User);
        Assert.Equal("response_url", reply.Via);
        Assert.Equal("3 open flags", reply.Text);
    }

    [Fact]
    public async Task SlashCommand_HandlerThrows_AnswersPolitelyWithinTheAck()
    {
        var handler = new RecordingEventHandler { OnCommand = (_, _) => throw new InvalidOperationException("boom") };
        await using var harness = await SlackHarness.StartAsync(e => e.AddUser("U0ANA", "ana"), handler: handler);

        var ack = await harness.Emulator.InjectSlashCommandAsync("U0ANA", "C0GENERAL", "help");

        // The failure is reported after an empty ack, privately.
        await harness.Emulator.WaitUntilAsync(e => e.Ephemerals.Count == 1, what: "the apology");
        Assert.Contains("something went wrong", harness.Emulator.Ephemerals[0].Text, StringComparison.OrdinalIgnoreCase);
        Assert.Contains(harness.Logs.Lines, l => l.Message.Contains("boom", StringComparison.Ordinal));
        Assert.True(ack is null || !ack.ContainsKey("text"));
    }

    [Fact]
    public async Task SlashCommandInDm_IsDirect()
    {
        await using var harness = await SlackHarness.StartAsync(e => e.AddUser("U0ANA", "ana"));
        var dm = await harness.Platform.OpenDirectChannelAsync("U0ANA", CancellationToken.None);

        await harness.Emulator.InjectSlashCommandAsync("U0ANA", dm, "help");

        Assert.True(Assert.Single(harness.Recorder.Commands).IsDirect);
    }

    [Fact]
    public async Task ShareCommand_OpensModal_SubmissionReachesCore_ReplyIsPrivate()
    {
        var form = new FormSpec("share", "Share anonymously", [
            new FormField("text", "What would you like to share?", FormFieldKind.LongText, MaxLength: 1800),
            new FormField("group", "Group", FormFieldKind.Choice, Choices: [new FormChoice("g1", "Tuesday Circle"), new FormChoice("g2", "Thursday")]),
        ], "Share");
        var handler = new RecordingEventHandler
        {
            OnCommand = (_, _) => Task.FromResult(InteractionResponse.OpenForm(form)),
            OnForm = (_, _) => Task.FromResult(InteractionResponse.Text("Thanks, your post will appear in a few minutes.")),
        };
        await using var harness = await SlackHarness.StartAsync(e => e.AddUser("U0ANA", "ana"), handler: handler);
        var dm = await harness.Platform.OpenDirectChannelAsync("U0ANA", CancellationToken.None);

        var ack = await harness.Emulator.InjectSlashCommandAsync("U0ANA", dm, "share");
        Assert.True(ack is null || !ack.ContainsKey("text"));
        await harness.Emulator.WaitUntilAsync(e => e.Views.Count == 1, what: "the modal");
        var view = harness.Emulator.Views[0];
        Assert.Equal("share", view.View["callback_id"]?.GetValue<string>());

        var submitAck = await harness.Emulator.SubmitViewAsync(view.Id, "U0ANA", new Dictionary<string, string> { ["text"] = "I <3 my team & night shifts", ["group"] = "g2" });

        Assert.True(submitAck is null || submitAck.Count == 0 || submitAck["response_action"]?.GetValue<string>() == "clear");
        var submission = Assert.Single(harness.Recorder.Forms);
        Assert.Equal("share", submission.FormId);
        Assert.Equal("I <3 my team & night shifts", submission.Values["text"]);
        Assert.Equal("g2", submission.Values["group"]);
        await harness.Emulator.WaitUntilAsync(e => e.DirectMessagesTo("U0ANA").Count == 1, what: "the private reply");
        Assert.Equal("Thanks, your post will appear in a few minutes.", harness.Emulator.DirectMessagesTo("U0ANA")[0].Text);
    }

    [Fact]
    public async Task FormSubmission_CrisisReplyWhileTheClientIsInactive_ArrivesAsDmWithTheContactButton()
    {
        // The person typed /peer share in their group's channel, submitted, and put Slack away: an ephemeral answer is
        // accepted by Slack and never seen. Crisis resources and the contact button must reach them anyway.
        var crisis = new OutgoingMessage(
            [new ParagraphBlock("If you are in danger, call or text 988."), new ParagraphBlock("Your post was not shared with the group.")],
            [new MessageButton("Let the psychologist contact me", "crisis:contact:T1", ButtonStyle.Primary)]);
        var handler = new RecordingEventHandler
        {
            OnCommand = (_, _) => Task.FromResult(InteractionResponse.OpenForm(new FormSpec("share", "Share", [new FormField("text", "Text", FormFieldKind.LongText)]))),
            OnForm = (_, _) => Task.FromResult(InteractionResponse.Message(crisis)),
        };
        await using var harness = await SlackHarness.StartAsync(e => e.AddUser("U0ANA", "ana"), handler: handler);
        var channel = harness.Emulator.AddChannel("tuesday-circle", isPrivate: true, SlackEmulator.BotUserId, "U0ANA");
        await harness.Emulator.InjectSlashCommandAsync("U0ANA", channel, "share");
        await harness.Emulator.WaitUntilAsync(e => e.Views.Count == 1, what: "the modal");

        harness.Emulator.SetClientActive("U0ANA", active: false);
        await harness.Emulator.SubmitViewAsync(harness.Emulator.Views[0].Id, "U0ANA", new Dictionary<string, string> { ["text"] = "I can't do this any more" });

        await harness.Emulator.WaitUntilAsync(e => e.DirectMessagesTo("U0ANA").Count == 1, what: "the crisis resources in a DM");
        var dm = harness.Emulator.DirectMessagesTo("U0ANA")[0];
        Assert.Contains("988", dm.Text, StringComparison.Ordinal);
        var buttons = dm.Blocks!.OfType<JsonObject>().Single(b => b["type"]?.GetValue<string>() == "actions")["elements"]!.AsArray();
        Assert.Equal("crisis:contact:T1", Assert.Single(buttons)!["action_id"]!.GetValue<string>());
        Assert.Empty(harness.Emulator.Ephemerals);
        Assert.Empty(harness.Emulator.LostEphemerals);
    }

    [Fact]
    public async Task FormSubmission_RefusedInTime_ReasonShownUnderTheFieldAndTheModalStaysOpen()
    {
        var handler = new RecordingEventHandler
        {
            OnCommand = (_, _) => Task.FromResult(InteractionResponse.OpenForm(new FormSpec("share", "Share", [
                new FormField("group", "Group", FormFieldKind.Choice, Choices: [new FormChoice("g1", "Tuesday Circle")]),
                new FormField("text", "Text", FormFieldKind.LongText)]))),
            OnForm = (_, _) => Task.FromResult(new InteractionResponse(
                OutgoingMessage.Plain("You've shared 5 times today, the most in a day. Here is what you wrote: …"),
                FieldErrors: new Dictionary<string, string> { ["text"] = "You've shared 5 times today, the most in a day." })),
        };
        await using var harness = await SlackHarness.StartAsync(e => e.AddUser("U0ANA", "ana"), handler: handler);
        var dm = await harness.Platform.OpenDirectChannelAsync("U0ANA", CancellationToken.None);
        await harness.Emulator.InjectSlashCommandAsync("U0ANA", dm, "share");
        await harness.Emulator.WaitUntilAsync(e => e.Views.Count == 1, what: "the modal");

        var ack = await harness.Emulator.SubmitViewAsync(harness.Emulator.Views[0].Id, "U0ANA", new Dictionary<string, string> { ["group"] = "g1", ["text"] = "sixth share" });

        Assert.Equal("errors", ack?["response_action"]?.GetValue<string>());
        var errors = ack!["errors"]!.AsObject();
        Assert.Equal("You've shared 5 times today, the most in a day.", Assert.Single(errors).Value!.GetValue<string>());
        Assert.Equal("text", errors.Single().Key);
        Assert.Empty(harness.Emulator.DirectMessagesTo("U0ANA"));
        Assert.Empty(harness.Emulator.Ephemerals);
    }

    [Fact]
    public async Task ButtonInDm_AnswerWhileTheClientIsInactive_StaysInTheDm()
    {
        // The contact button sits in the DM; the answer ("the psychologist will reach out") must not be an ephemeral
        // that a phone in a pocket never shows.
        var handler = new RecordingEventHandler
        {
            OnButton = (_, _) => Task.FromResult(InteractionResponse.Text("Thank you. The group's psychologist will reach out to you privately.")),
        };
        await using var harness = await SlackHarness.StartAsync(e => e.AddUser("U0ANA", "ana"), handler: handler);
        var resources = await harness.Platform.SendDirectMessageAsync(
            "U0ANA",
            new OutgoingMessage([new ParagraphBlock("Call or text 988.")], [new MessageButton("Let the psychologist contact me", "crisis:contact:T1", ButtonStyle.Primary)]),
            CancellationToken.None);
        harness.Emulator.SetClientActive("U0ANA", active: false);

        await harness.Emulator.InjectButtonPressAsync("U0ANA", resources.Channel.Id, resources.Id, "crisis:contact:T1");

        await harness.Emulator.WaitUntilAsync(e => e.DirectMessagesTo("U0ANA").Count == 2, what: "the answer in the DM");
        Assert.StartsWith("Thank you.", harness.Emulator.DirectMessagesTo("U0ANA")[1].Text, StringComparison.Ordinal);
        Assert.Empty(harness.Emulator.LostEphemerals);
    }

    [Fact]
    public async Task ButtonPress_ReachesCoreWithMessage_UpdatesOriginalAndRepliesPrivately()
    {
        var handler = new RecordingEventHandler
        {
            OnButton = (p, _) => Task.FromResult(new InteractionResponse(
                OutgoingMessage.Plain("Acknowledged."),
                UpdateOriginal: OutgoingMessage.Plain("Alert A12 acknowledged"))),
        };
        await using var harness = await SlackHarness.StartAsync(e => e.AddUser("U0LEE", "dr-lee"), handler: handler);
        var alert = await harness.Platform.SendDirectMessageAsync(
            "U0LEE",
            new OutgoingMessage([new ParagraphBlock("Spiral in Tuesday Circle")], [new MessageButton("Acknowledge", "ack:A12", ButtonStyle.Primary), new MessageButton("Resolve", "resolve:A12")]),
            CancellationToken.None);

        await harness.Emulator.InjectButtonPressAsync("U0LEE", alert.Channel.Id, alert.Id, "ack:A12");

        await harness.Emulator.WaitUntilAsync(e => e.DirectMessagesTo("U0LEE").Count == 2, what: "the reply in the DM");
        Assert.Equal("Acknowledged.", harness.Emulator.DirectMessagesTo("U0LEE")[1].Text);
        Assert.Empty(harness.Emulator.Ephemerals);
        var press = Assert.Single(harness.Recorder.Buttons);
        Assert.Equal("ack:A12", press.ActionId);
        Assert.Equal(alert, press.Message);
        var updated = harness.Emulator.DirectMessagesTo("U0LEE").Single(m => m.Ts == alert.Id);
        Assert.Equal("Alert A12 acknowledged", updated.Text);
        Assert.DoesNotContain(updated.Blocks!.OfType<JsonObject>(), b => b["type"]?.GetValue<string>() == "actions");
    }

    [Fact]
    public async Task Interaction_Malformed_AcknowledgedLoggedAndTheAdapterCarriesOn()
    {
        await using var harness = await SlackHarness.StartAsync(e => e.AddUser("U0ANA", "ana"));

        await harness.Emulator.InjectRawEnvelopeAsync("interactive", new JsonObject { ["type"] = "view_submission", ["user"] = new JsonObject { ["id"] = "U0ANA" } }, acceptsResponsePayload: true);
        await harness.Emulator.InjectRawEnvelopeAsync("interactive", new JsonObject { ["type"] = "shortcut", ["user"] = new JsonObject { ["id"] = "U0ANA" } }, acceptsResponsePayload: false);
        await harness.Emulator.InjectRawEnvelopeAsync("slash_commands", new JsonObject { ["command"] = "/peer" }, acceptsResponsePayload: true);
        var ack = await harness.Emulator.InjectSlashCommandAsync("U0ANA", "C0GENERAL", "help");

        Assert.Equal("ok: help", ack?["text"]?.GetValue<string>());
        Assert.Empty(harness.Recorder.Forms);
        Assert.Contains(harness.Logs.Lines, l => l.Level == Microsoft.Extensions.Logging.LogLevel.Warning
            && l.Message.Contains("Ignored a Slack form submission without a view", StringComparison.Ordinal));
    }

    [Fact]
    public async Task BlockActions_ActionWithoutActionId_DroppedWithWarningAcknowledgedAndTheRestReachCore()
    {
        // The shape the Socket Mode fuzz test found: an action whose action_id is empty reached Core as a ButtonPress
        // with an empty ActionId. Blank and missing ids are dropped the same way; the valid action after them still counts.
        await using var harness = await SlackHarness.StartAsync(e => e.AddUser("U0ANA", "ana"));
        var payload = new JsonObject
        {
            ["type"] = "block_actions",
            ["user"] = new JsonObject { ["id"] = "U0ANA" },
            ["container"] = new JsonObject { ["type"] = "message", ["channel_id"] = "C0GENERAL" },
            ["trigger_id"] = "T1",
            ["actions"] = new JsonArray(
                new JsonObject { ["type"] = "button", ["action_id"] = "", ["value"] = "ack:A1" },
                new JsonObject { ["type"] = "button", ["action_id"] = " \t" },
                new JsonObject { ["type"] = "button", ["value"] = "ack:A1" },
                new JsonObject { ["type"] = "button", ["action_id"] = 7 },
                new JsonObject { ["type"] = "button", ["action_id"] = "ack:A1" }),
        };

        var ack = await harness.Emulator.InjectRawEnvelopeAsync("interactive", payload, acceptsResponsePayload: false);

        Assert.True(ack is null or { Count: 0 });
        await harness.Recorder.WaitUntilAsync(h => h.Buttons.Count >= 1, "the valid action");
        var press = Assert.Single(harness.Recorder.Buttons);
        Assert.Equal("ack:A1", press.ActionId);
        Assert.Equal("U0ANA", press.UserId);
        Assert.Equal(4, harness.Logs.Lines.Count(l => l.Level == Microsoft.Extensions.Logging.LogLevel.Warning
            && l.Message.Contains("Ignored a Slack block action without an action id", StringComparison.Ordinal)));
    }

    [Fact]
    public async Task ShareCommand_FormReadyTooLate_TriggerExpired_PersonAskedToRunItAgain()
    {
        var release = new TaskCompletionSource<InteractionResponse>(TaskCreationOptions.RunContinuationsAsynchronously);
        var handler = new RecordingEventHandler { OnCommand = (_, _) => release.Task };
        await using var harness = await SlackHarness.StartAsync(e => e.AddUser("U0ANA", "ana"), handler: handler);
        var ackWaiting = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        harness.Timers.DelayStarted += (_, purpose) =>
        {
            if (purpose == "ack-timeout")
            {
                ackWaiting.TrySetResult();
            }
        };

        var ackTask = harness.Emulator.InjectSlashCommandAsync("U0ANA", "C0GENERAL", "share");
        await ackWaiting.Task.WaitAsync(TimeSpan.FromSeconds(20));
        harness.Time.Advance(TimeSpan.FromSeconds(2));
        await ackTask;
        harness.Time.Advance(TimeSpan.FromSeconds(2));
        release.SetResult(InteractionResponse.OpenForm(new FormSpec("share", "Share", [new FormField("text", "Text", FormFieldKind.LongText)])));

        await harness.Emulator.WaitUntilAsync(e => e.Ephemerals.Count == 1, what: "the apology");
        Assert.Empty(harness.Emulator.Views);
        Assert.Contains("run the command again", harness.Emulator.Ephemerals[0].Text, StringComparison.Ordinal);
    }
}
