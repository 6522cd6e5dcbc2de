using System.Text.Json.Nodes;
using Microsoft.Extensions.DependencyInjection;
using PeerBot.Core.Platform;
using PeerBot.Testing.Discord;

namespace PeerBot.Discord.Tests;

public sealed class InteractionTests
{
    [Fact]
    public async Task Command_WithGroupAndQuotedOption_MapsToTextAndAnswersPrivately()
    {
        await using var h = await AdapterHarness.StartAsync();
        var lee = h.Emulator.AddMember("dr-lee");
        var channel = h.Emulator.AddChannel("x");

        var interaction = await h.Emulator.InjectCommandAsync(lee, channel.Id, inGuild: true,
            DiscordEmulator.Group("prompt", DiscordEmulator.Sub("now", ("group", "Tuesday Circle"))));
        var answer = await interaction.FirstAnswer.WaitAsync(TimeSpan.FromSeconds(10));

        Assert.True(h.Handler.Commands.TryDequeue(out var command));
        Assert.Equal(new CommandInvocation(PlatformKind.Discord, lee, channel.Id, "prompt now \"Tuesday Circle\"", false), command);
        Assert.Equal(4, answer.CallbackType);
        Assert.True(answer.IsEphemeral);
        Assert.Equal("ok: prompt now \"Tuesday Circle\"", answer.Data!["content"]!.GetValue<string>());
        Assert.Equal("{\"parse\":[]}", answer.Data["allowed_mentions"]!.ToJsonString());
        h.Emulator.AssertNoViolations();
    }

    [Fact]
    public async Task Command_InDirectMessage_IsDirect()
    {
        await using var h = await AdapterHarness.StartAsync();
        var ana = h.Emulator.AddMember("ana");
        var dm = h.Emulator.OpenDirectChannel(ana);

        var interaction = await h.Emulator.InjectCommandAsync(ana, dm.Id, inGuild: false, DiscordEmulator.Sub("pause", ("weeks", 3)));
        await interaction.FirstAnswer.WaitAsync(TimeSpan.FromSeconds(10));

        Assert.True(h.Handler.Commands.TryDequeue(out var command));
        Assert.Equal("pause 3", command.Text);
        Assert.True(command.IsDirect);
    }

    [Fact]
    public async Task Command_SlowCore_IsDeferredPrivatelyThenEdited()
    {
        await using var h = await AdapterHarness.StartAsync(o => o.InteractionDeferAfter = TimeSpan.FromMilliseconds(50));
        var lee = h.Emulator.AddMember("dr-lee");
        var release = new TaskCompletionSource();
        h.Handler.OnCommand = async _ =>
        {
            await release.Task;
            return InteractionResponse.Text("3 open flags");
        };

        var interaction = await h.Emulator.InjectCommandAsync(lee, null, inGuild: false, DiscordEmulator.Sub("flags"));
        var first = await interaction.FirstAnswer.WaitAsync(TimeSpan.FromSeconds(10));
        Assert.Equal(5, first.CallbackType);
        Assert.True(first.IsEphemeral);
        release.SetResult();
        var final = await interaction.FinalMessage.WaitAsync(TimeSpan.FromSeconds(10));

        Assert.Equal("3 open flags", final["content"]!.GetValue<string>());
        h.Emulator.AssertNoViolations();
    }

    [Fact]
    public async Task Share_OpensModalAndSubmissionGoesToCore()
    {
        await using var h = await AdapterHarness.StartAsync();
        var ana = h.Emulator.AddMember("ana");
        h.Handler.OnCommand = _ => Task.FromResult(InteractionResponse.OpenForm(new FormSpec("share:g1", "Share anonymously",
        [
            new FormField("text", "What would you like to share?", FormFieldKind.LongText, MaxLength: 1800),
            new FormField("group", "Group", FormFieldKind.Choice, Choices: [new FormChoice("g1", "Tuesday Circle")]),
        ])));
        h.Handler.OnForm = _ => Task.FromResult(InteractionResponse.Text("Accepted. It will appear in a few minutes."));

        var command = await h.Emulator.InjectCommandAsync(ana, null, inGuild: false, DiscordEmulator.Sub("share"));
        var modal = await command.FirstAnswer.WaitAsync(TimeSpan.FromSeconds(10));
        Assert.Equal(9, modal.CallbackType);
        Assert.Equal("share:g1", modal.Data!["custom_id"]!.GetValue<string>());
        Assert.Equal(18, modal.Data["components"]![0]!["type"]!.GetValue<int>());
        Assert.Equal(2, modal.Data["components"]![0]!["component"]!["style"]!.GetValue<int>());
        Assert.Equal(3, modal.Data["components"]![1]!["component"]!["type"]!.GetValue<int>());

        var submit = await h.Emulator.InjectModalSubmitAsync(ana, null, inGuild: false, "share:g1", new Dictionary<string, string> { ["text"] = "I froze in a code today" });
        var reply = await submit.FirstAnswer.WaitAsync(TimeSpan.FromSeconds(10));

        Assert.True(h.Handler.Forms.TryDequeue(out var form));
        Assert.Equal("share:g1", form.FormId);
        Assert.Equal("I froze in a code today", form.Values["text"]);
        Assert.Equal(ana, form.UserId);
        Assert.True(reply.IsEphemeral);
        h.Emulator.AssertNoViolations();
    }

    [Fact]
    public async Task Button_UpdateOriginal_EditsTheMessageAndRepliesPrivately()
    {
        await using var h = await AdapterHarness.StartAsync();
        var lee = h.Emulator.AddMember("dr-lee");
        var alert = await h.Platform.SendDirectMessageAsync(lee, new OutgoingMessage([new ParagraphBlock("Spiral in Circle")],
            [new MessageButton("Acknowledge", "ack:A1", ButtonStyle.Primary), new MessageButton("Resolve", "resolve:A1")]), default);
        h.Handler.OnButton = p => Task.FromResult(new InteractionResponse(OutgoingMessage.Plain("Noted."), null, OutgoingMessage.Plain("Acknowledged by a facilitator")));

        var press = await h.Emulator.InjectButtonAsync(lee, alert.Channel.Id, alert.Id, "ack:A1", inGuild: false);
        var answer = await press.FirstAnswer.WaitAsync(TimeSpan.FromSeconds(10));
        await h.Emulator.WaitUntilAsync(() => press.Followups.Count == 1, what: "the follow-up");

        Assert.True(h.Handler.Buttons.TryDequeue(out var button));
        Assert.Equal(new ButtonPress(PlatformKind.Discord, lee, "ack:A1", alert), button);
        Assert.Equal(7, answer.CallbackType);
        Assert.Equal("Acknowledged by a facilitator", h.Emulator.MessagesIn(alert.Channel.Id)[0].Content);
        Assert.Equal(64, press.Followups[0]["flags"]!.GetValue<int>() & 64);
        h.Emulator.AssertNoViolations();
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task FormOpenedFromButton_UpdateOriginal_EditsTheButtonsMessageAndRepliesPrivately(bool slow)
    {
        await using var h = await AdapterHarness.StartAsync(o => o.InteractionDeferAfter = TimeSpan.FromMilliseconds(slow ? 50 : 2000));
        var lee = h.Emulator.AddMember("dr-lee");
        var alert = await h.Platform.SendDirectMessageAsync(lee, new OutgoingMessage([new ParagraphBlock("Spiral in Circle")],
            [new MessageButton("Resolve", "resolve:A1")]), default);
        var release = new TaskCompletionSource();
        h.Handler.OnForm = async _ =>
        {
            if (slow)
            {
                await release.Task;
            }

            return new InteractionResponse(OutgoingMessage.Plain("Resolved."), null, OutgoingMessage.Plain("Resolved by a facilitator"));
        };

        var submit = await h.Emulator.InjectModalSubmitAsync(lee, alert.Channel.Id, inGuild: false, "resolve-note:A1",
            new Dictionary<string, string> { ["note"] = "talked" }, messageId: alert.Id);
        var answer = await submit.FirstAnswer.WaitAsync(TimeSpan.FromSeconds(10));
        release.TrySetResult();
        await h.Emulator.WaitUntilAsync(() => submit.Followups.Count == 1, what: "the private reply");

        Assert.Equal(slow ? 6 : 7, answer.CallbackType);
        Assert.Equal("Resolved by a facilitator", Assert.Single(h.Emulator.MessagesIn(alert.Channel.Id)).Content);
        Assert.Equal("Resolved.", submit.Followups[0]["content"]!.GetValue<string>());
        Assert.Equal(64, submit.Followups[0]["flags"]!.GetValue<int>() & 64);
        h.Emulator.AssertNoViolations();
    }

    [Fact]
    public async Task Command_CoreThrows_AnswersWithApology()
    {
        await using var h = await AdapterHarness.StartAsync();
        var ana = h.Emulator.AddMember("ana");
        h.Handler.OnCommand = _ => throw new InvalidOperationException("boom");

        var interaction = await h.Emulator.InjectCommandAsync(ana, null, inGuild: false, DiscordEmulator.Sub("help"));
        var answer = await interaction.FirstAnswer.WaitAsync(TimeSpan.FromSeconds(10));

        Assert.Equal(4, answer.CallbackType);
        Assert.Contains("went wrong", answer.Data!["content"]!.GetValue<string>(), StringComparison.Ordinal);
        Assert.Contains(h.Logs.Lines, l => l.Level == Microsoft.Extensions.Logging.LogLevel.Error && l.Text.Contains("boom", StringComparison.Ordinal));
    }
}

public sealed class InteractionTokenTests
{
    [Fact]
    public async Task DeferredAnswer_InteractionTokenExpired_401LeavesTheBotTokenAloneAndTheBotRunning()
    {
        await using var h = await AdapterHarness.StartAsync(o => o.InteractionDeferAfter = TimeSpan.FromMilliseconds(50));
        var lee = h.Emulator.AddMember("dr-lee");
        var release = new TaskCompletionSource();
        h.Handler.OnCommand = async _ =>
        {
            await release.Task;
            return InteractionResponse.Text("3 open flags");
        };

        var interaction = await h.Emulator.InjectCommandAsync(lee, null, inGuild: false, DiscordEmulator.Sub("flags"));
        Assert.Equal(5, (await interaction.FirstAnswer.WaitAsync(TimeSpan.FromSeconds(10))).CallbackType);

        // Core answers after the 15 minutes the interaction's token lives: Discord refuses the edit with 401, code 50027.
        h.Emulator.ExpireInteractionToken(interaction);
        release.SetResult();
        await h.Emulator.WaitUntilAsync(() => h.Emulator.Requests.Any(r => r.Route.StartsWith("PATCH /webhooks", StringComparison.Ordinal) && r.Status == 401), what: "the refused edit");

        // A new session identifies with the bot token, which was never in doubt, and REST goes on.
        await h.Emulator.SendInvalidSessionAsync(resumable: false);
        await h.Emulator.WaitUntilAsync(() => h.Emulator.Identifies == 2 && h.Emulator.IsConnected, what: "a new session");
        var channel = await h.Platform.EnsurePrivateChannelAsync(new PrivateChannelSpec("g1", "Circle", "t", [lee], null), default);
        await h.Platform.PostMessageAsync(channel, OutgoingMessage.Plain("still here"), default);

        Assert.Null(h.Fatal.Message);
        Assert.DoesNotContain(h.Emulator.Requests, r => r.Route.StartsWith("PATCH /webhooks", StringComparison.Ordinal) && r.Authorized);
        Assert.DoesNotContain(h.Emulator.Requests, r => r.Route.StartsWith("POST /interactions", StringComparison.Ordinal) && r.Authorized);
        Assert.Contains(h.Logs.Lines, l => l.Text.Contains("interaction's token has expired", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Followup_InteractionTokenExpired_LaterBotRequestsStillSent()
    {
        await using var h = await AdapterHarness.StartAsync();
        var lee = h.Emulator.AddMember("dr-lee");
        var rest = h.Host.Services.GetRequiredService<Rest.DiscordRestClient>();
        var interaction = await h.Emulator.InjectCommandAsync(lee, null, inGuild: false, DiscordEmulator.Sub("help"));
        await interaction.FirstAnswer.WaitAsync(TimeSpan.FromSeconds(10));
        h.Emulator.ExpireInteractionToken(interaction);

        var followup = await rest.SendAsync(HttpMethod.Post, $"/webhooks/{DiscordEmulator.ApplicationId}/{interaction.Token}",
            new JsonObject { ["content"] = "late", ["flags"] = 64, ["allowed_mentions"] = new JsonObject { ["parse"] = new JsonArray() } }, null, default);
        var me = await rest.SendAsync(HttpMethod.Get, "/users/@me", null, null, default);

        Assert.Equal(System.Net.HttpStatusCode.Unauthorized, followup.Status);
        Assert.Equal(50027, followup.ErrorCode);
        Assert.True(me.IsSuccess);
    }
}
