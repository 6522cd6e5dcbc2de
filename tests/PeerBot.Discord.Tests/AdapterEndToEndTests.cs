using System.Collections.Concurrent;
using PeerBot.Core.Platform;
using PeerBot.Testing.Discord;

namespace PeerBot.Discord.Tests;

/// <summary>
/// The adapter in a real generic host against the emulator, with a scripted Core standing in for the
/// features: groups become private channels, a prompt is posted, a resident shares anonymously through the
/// modal, a spiral reaches the facilitator by DM with working buttons, and commands are answered in time.
/// </summary>
public sealed class AdapterEndToEndTests
{
    [Fact]
    public async Task Scenario_GroupPromptShareSpiralAndCommands_WorkEndToEnd()
    {
        await using var h = await AdapterHarness.StartAsync();
        var e = h.Emulator;
        var ana = e.AddMember("ana");
        var ben = e.AddMember("ben");
        var lee = e.AddMember("dr-lee");
        var kim = e.AddMember("dr-kim");
        var facilitators = new HashSet<string> { lee, kim };
        var fatalistic = new ConcurrentQueue<IncomingMessage>();
        MessageRef? alert = null;

        // Groups become private channels.
        var group = await h.Platform.EnsurePrivateChannelAsync(new PrivateChannelSpec("g1", "Tuesday Circle", "Peer support, Tuesdays", [ana, ben, lee, kim], null), default);
        var channel = e.FindChannel(group.Id)!;
        Assert.Equal("tuesday-circle", channel.Name);
        Assert.Contains(new EmulatedOverwrite(DiscordEmulator.GuildId, 0, 0, 1024), channel.Overwrites);
        Assert.All(new[] { ana, ben, lee, kim }, id => Assert.Contains(new EmulatedOverwrite(id, 1, 68608, DiscordEmulator.ThreadPermissions), channel.Overwrites));
        Assert.Contains(new EmulatedOverwrite(DiscordEmulator.BotUserId, 1, 68608, 0), channel.Overwrites);

        // A prompt is posted (Core's scheduler decides when; the adapter posts it).
        var prompt = await h.Platform.PostMessageAsync(group, new OutgoingMessage(
            [new HeadingBlock("This week's prompt"), new ParagraphBlock("What did your first month feel like, and what helped?")], [], "prompt:g1:2026-11-24"), default);
        Assert.Contains("What did your first month feel like", e.MessagesIn(group.Id).Single(m => m.Id == prompt.Id).Content, StringComparison.Ordinal);

        // A resident shares anonymously through the modal.
        h.Handler.OnCommand = c => Task.FromResult(c.Text switch
        {
            "share" => InteractionResponse.OpenForm(new FormSpec("share", "Share anonymously", [new FormField("text", "What would you like to share?", FormFieldKind.LongText, MaxLength: 1800)])),
            "flags" when facilitators.Contains(c.UserId) => InteractionResponse.Text("1 open flag, oldest 2 minutes ago"),
            "flags" => InteractionResponse.Text("Sorry, only the group's facilitators can use that."),
            _ => InteractionResponse.Text("?"),
        });
        h.Handler.OnForm = async f =>
        {
            // Core keeps only an opaque handle; the post names no one.
            await h.Platform.PostMessageAsync(group, new OutgoingMessage(
                [new ParagraphBlock([new TextSpan("Anonymous member", SpanStyle.Bold)]), new QuoteBlock(f.Values["text"])], [], "anon:P1"), default);
            return InteractionResponse.Text("Accepted. It will appear in your group shortly.");
        };
        var dm = e.OpenDirectChannel(ana);
        var share = await e.InjectCommandAsync(ana, dm.Id, inGuild: false, DiscordEmulator.Sub("share"));
        Assert.Equal(9, (await share.FirstAnswer.WaitAsync(TimeSpan.FromSeconds(10))).CallbackType);
        var submit = await e.InjectModalSubmitAsync(ana, dm.Id, inGuild: false, "share", new Dictionary<string, string> { ["text"] = "I froze during my first code. @everyone freezes?" });
        var accepted = await submit.FirstAnswer.WaitAsync(TimeSpan.FromSeconds(10));
        Assert.True(accepted.IsEphemeral);

        var post = e.MessagesIn(group.Id).Single(m => m.Content.Contains("Anonymous member", StringComparison.Ordinal));
        Assert.Contains("I froze during my first code", post.Content, StringComparison.Ordinal);
        Assert.DoesNotContain("@everyone", post.Content, StringComparison.Ordinal);
        var postRequest = e.Requests.Single(r => r.Method == "POST" && r.Path == $"/channels/{group.Id}/messages" && r.Body!.ToJsonString().Contains("Anonymous", StringComparison.Ordinal));
        Assert.DoesNotContain(ana, postRequest.Body!.ToJsonString(), StringComparison.Ordinal);
        Assert.DoesNotContain("\"ana\"", postRequest.Body!.ToJsonString(), StringComparison.Ordinal);
        Assert.Equal(DiscordEmulator.BotUserId, post.AuthorId);

        // A spiral in the group reaches the facilitator by DM with working buttons.
        h.Handler.OnMessage = async m =>
        {
            if (!m.IsDirect && m.Text.Contains("point", StringComparison.Ordinal))
            {
                fatalistic.Enqueue(m);
                if (fatalistic.Count == 3)
                {
                    alert = await h.Platform.SendDirectMessageAsync(lee, new OutgoingMessage(
                        [new HeadingBlock("Possible spiral in Tuesday Circle"), new QuoteBlock("what's the point"), new ParagraphBlock([new TextSpan("Flag "), new TextSpan("A1", SpanStyle.Code)])],
                        [new MessageButton("Acknowledge", "ack:A1", ButtonStyle.Primary), new MessageButton("Resolve", "resolve:A1")], "alert:A1"), default);
                }
            }
        };
        h.Handler.OnButton = p => Task.FromResult(p.ActionId == "ack:A1" && facilitators.Contains(p.UserId)
            ? new InteractionResponse(null, null, new OutgoingMessage([new ParagraphBlock("Flag A1 acknowledged.")], [new MessageButton("Resolve", "resolve:A1")]))
            : InteractionResponse.Text("Not for you."));
        await e.InjectMessageAsync(group.Id, ana, "what's the point of any of this");
        await e.InjectMessageAsync(group.Id, ben, "honestly no point, nothing changes");
        await e.InjectMessageAsync(group.Id, ana, "there's no point trying anymore");
        await e.WaitUntilAsync(() => e.DirectChannel(lee) is { } d && e.MessagesIn(d.Id).Count == 1, what: "the alert DM");

        // The DM is in the emulator as soon as Discord applies the send; the handler records its reference a moment later
        // (the emulator's wait looks again only when the emulator changes, so this one polls).
        Assert.True(SpinWait.SpinUntil(() => Volatile.Read(ref alert) is not null, TimeSpan.FromSeconds(10)), "the handler never got the alert's reference");

        var leeDm = e.DirectChannel(lee)!;
        var alertMessage = e.MessagesIn(leeDm.Id).Single();
        Assert.Contains("Possible spiral", alertMessage.Content, StringComparison.Ordinal);
        Assert.Equal(["ack:A1", "resolve:A1"], alertMessage.Components![0]!["components"]!.AsArray().Select(c => c!["custom_id"]!.GetValue<string>()));
        var press = await e.InjectButtonAsync(lee, leeDm.Id, alertMessage.Id, "ack:A1", inGuild: false);
        Assert.Equal(7, (await press.FirstAnswer.WaitAsync(TimeSpan.FromSeconds(10))).CallbackType);
        Assert.Equal("Flag A1 acknowledged.", e.MessagesIn(leeDm.Id).Single().Content);
        Assert.True(h.Handler.Buttons.TryDequeue(out var pressed));
        Assert.Equal(new MessageRef(new ChannelRef(PlatformKind.Discord, leeDm.Id), alertMessage.Id), pressed.Message);
        Assert.Equal(alert, pressed.Message);

        // A facilitator's command is answered in time; a resident's is refused, privately.
        var byLee = await e.InjectCommandAsync(lee, group.Id, inGuild: true, DiscordEmulator.Sub("flags"));
        var leeAnswer = await byLee.FirstAnswer.WaitAsync(TimeSpan.FromSeconds(10));
        var byAna = await e.InjectCommandAsync(ana, group.Id, inGuild: true, DiscordEmulator.Sub("flags"));
        var anaAnswer = await byAna.FirstAnswer.WaitAsync(TimeSpan.FromSeconds(10));

        Assert.Equal("1 open flag, oldest 2 minutes ago", leeAnswer.Data!["content"]!.GetValue<string>());
        Assert.True(leeAnswer.Delay < TimeSpan.FromSeconds(3));
        Assert.True(leeAnswer.IsEphemeral);
        Assert.StartsWith("Sorry, only", anaAnswer.Data!["content"]!.GetValue<string>(), StringComparison.Ordinal);
        Assert.True(anaAnswer.IsEphemeral);
        Assert.Equal(3, fatalistic.Count);
        e.AssertNoViolations();
    }
}
