using Microsoft.Extensions.DependencyInjection;
using System.Collections.Concurrent;
using System.Text.Json.Nodes;
using PeerBot.Core.Platform;
using PeerBot.Slack.Tests.Support;
using PeerBot.Testing.Slack;

namespace PeerBot.Slack.Tests;

/// <summary>
/// The adapter in a real host against the emulator, driven by a scripted stand-in for Core, through the scenario
/// the Discord adapter runs: groups, a prompt, an anonymous share through the modal, a spiral alert with buttons,
/// a facilitator's command answered and a resident refused.
/// </summary>
public sealed class SlackAdapterEndToEndTests
{
    private const string Ana = "U0ANA";
    private const string Ben = "U0BEN";
    private const string Cy = "U0CY";
    private const string Lee = "U0LEE";
    private static readonly CancellationToken None = CancellationToken.None;

    [Fact]
    public async Task Scenario_GroupsPromptShareSpiralCommands_WorkEndToEnd()
    {
        var core = new ScriptedCore(facilitators: [Lee]);
        await using var harness = await SlackHarness.StartAsync(
            e =>
            {
                e.AddUser(Ana, "ana", "ana@hospital.org");
                e.AddUser(Ben, "ben");
                e.AddUser(Cy, "cy");
                e.AddUser(Lee, "dr-lee", "lee@hospital.org");
            },
            handler: core);
        core.Platform = harness.Host.Services.GetRequiredService<IChatPlatform>();
        var emulator = harness.Emulator;

        // Groups: reconciliation creates the private channels.
        var tuesday = await harness.Platform.EnsurePrivateChannelAsync(new PrivateChannelSpec("g1", "Tuesday Circle", "Peer support, Tuesdays", [Ana, Ben, Lee], null), None);
        var thursday = await harness.Platform.EnsurePrivateChannelAsync(new PrivateChannelSpec("g2", "Thursday Circle", "Peer support, Thursdays", [Cy, Lee], null), None);
        core.Groups["g1"] = tuesday;
        core.Groups["g2"] = thursday;
        Assert.All(emulator.Channels, c => Assert.True(c.IsPrivate));
        Assert.Equal([Ana, Ben, Lee, SlackEmulator.BotUserId], emulator.Channel(tuesday.Id).Members.Order(StringComparer.Ordinal));
        Assert.Equal("Peer support, Thursdays", emulator.Channel(thursday.Id).Topic);

        // A prompt.
        var prompt = new OutgoingMessage([new HeadingBlock("This week's prompt"), new ParagraphBlock("Seniors: what was your hardest month, and what helped?")], [], "prompt:g1:1");
        await harness.Platform.PostMessageAsync(tuesday, prompt, None);
        Assert.Contains(emulator.Channel(tuesday.Id).Messages, m => m.Text.Contains("hardest month", StringComparison.Ordinal));

        // Anonymous share through the modal, from a DM.
        var anaDm = await harness.Platform.OpenDirectChannelAsync(Ana, None);
        var shareAck = await emulator.InjectSlashCommandAsync(Ana, anaDm, "share");
        Assert.True(shareAck is null || !shareAck.ContainsKey("text"));
        await emulator.WaitUntilAsync(e => e.Views.Count == 1, what: "the share modal");
        await emulator.SubmitViewAsync(emulator.Views[0].Id, Ana, new Dictionary<string, string> { ["text"] = "I froze in a code today <!channel> & felt alone", ["group"] = "g1" });
        await emulator.WaitUntilAsync(e => e.Channel(tuesday.Id).Messages.Any(m => m.Text.Contains("froze", StringComparison.Ordinal)), what: "the anonymous post");
        var post = emulator.Channel(tuesday.Id).Messages.Single(m => m.Text.Contains("froze", StringComparison.Ordinal));
        Assert.Equal(SlackEmulator.BotUserId, post.User);
        Assert.DoesNotContain(Ana, post.Arguments.ToJsonString(), StringComparison.Ordinal);
        Assert.DoesNotContain("ana", post.Arguments.ToJsonString(), StringComparison.Ordinal);
        Assert.DoesNotContain("<!channel>", post.Arguments.ToJsonString(), StringComparison.Ordinal);
        await emulator.WaitUntilAsync(e => e.DirectMessagesTo(Ana).Any(m => m.Text.Contains("will appear", StringComparison.Ordinal)), what: "the sharer's confirmation in the DM");

        // A spiral: fatalistic messages from two people; the facilitator gets a private alert with buttons.
        await emulator.InjectMessageAsync(tuesday.Id, Ana, "what's the point of any of this");
        await emulator.InjectMessageAsync(tuesday.Id, Ben, "nothing ever changes here, what's the point");
        await emulator.InjectMessageAsync(tuesday.Id, Ana, "honestly what's the point");
        await emulator.WaitUntilAsync(e => e.DirectMessagesTo(Lee).Count == 1, what: "the spiral alert");
        var alert = emulator.DirectMessagesTo(Lee)[0];
        var buttons = alert.Blocks!.OfType<JsonObject>().Single(b => b["type"]!.GetValue<string>() == "actions")["elements"]!.AsArray()
            .Select(b => b!["action_id"]!.GetValue<string>()).ToList();
        Assert.Equal(["ack:A1", "resolve:A1"], buttons);
        Assert.DoesNotContain(emulator.DirectMessagesTo(Ana), m => m.Text.Contains("spiral", StringComparison.OrdinalIgnoreCase));

        await emulator.InjectButtonPressAsync(Lee, emulator.DirectChannelOf(Lee)!, alert.Ts, "ack:A1");
        await emulator.WaitUntilAsync(e => e.DirectMessagesTo(Lee)[0].Text.Contains("acknowledged", StringComparison.Ordinal), what: "the updated alert");
        await emulator.WaitUntilAsync(e => e.DirectMessagesTo(Lee).Any(m => m.Text == "Acknowledged."), what: "the acknowledgement reply");

        // A facilitator's command is answered privately; a resident is refused politely.
        var flags = await emulator.InjectSlashCommandAsync(Lee, tuesday.Id, "flags");
        Assert.Equal("ephemeral", flags!["response_type"]!.GetValue<string>());
        Assert.Contains("1 open flag", flags["text"]!.GetValue<string>(), StringComparison.Ordinal);
        var refused = await emulator.InjectSlashCommandAsync(Ben, tuesday.Id, "flags");
        Assert.Equal("ephemeral", refused!["response_type"]!.GetValue<string>());
        Assert.Contains("only for facilitators", refused["text"]!.GetValue<string>(), StringComparison.Ordinal);

        // Nothing the residents wrote was posted back, and everything was acknowledged in time.
        Assert.Equal(0, emulator.UnacknowledgedEnvelopes);
        Assert.All(emulator.Acks, a => Assert.True(a.Latency < TimeSpan.FromSeconds(3)));
    }

    /// <summary>A small stand-in for Core's handlers, using the port the way Core does.</summary>
    private sealed class ScriptedCore(IReadOnlyCollection<string> facilitators) : IPlatformEventHandler
    {
        private readonly ConcurrentQueue<(string Channel, string User)> _fatalistic = new();
        private int _alerts;

        public IChatPlatform Platform { get; set; } = null!;

        public ConcurrentDictionary<string, ChannelRef> Groups { get; } = new();

        public async Task HandleMessageAsync(IncomingMessage message, CancellationToken cancellationToken)
        {
            if (message.IsDirect || !message.Text.Contains("what's the point", StringComparison.Ordinal))
            {
                return;
            }

            _fatalistic.Enqueue((message.ChannelId, message.AuthorUserId));
            var inChannel = _fatalistic.Where(f => f.Channel == message.ChannelId).ToList();
            if (inChannel.Count >= 3 && inChannel.Select(f => f.User).Distinct().Count() >= 2 && Interlocked.Exchange(ref _alerts, 1) == 0)
            {
                foreach (var facilitator in facilitators)
                {
                    await Platform.SendDirectMessageAsync(
                        facilitator,
                        new OutgoingMessage(
                            [new HeadingBlock("Possible spiral in Tuesday Circle"), new QuoteBlock("what's the point of any of this"), new ParagraphBlock([new TextSpan("Alert "), new TextSpan("A1", SpanStyle.Code)])],
                            [new MessageButton("Acknowledge", "ack:A1", ButtonStyle.Primary), new MessageButton("Resolve", "resolve:A1")]),
                        cancellationToken);
                }
            }
        }

        public Task<InteractionResponse> HandleCommandAsync(CommandInvocation command, CancellationToken cancellationToken) => Task.FromResult(command.Text switch
        {
            "share" => InteractionResponse.OpenForm(new FormSpec("share", "Share anonymously", [
                new FormField("text", "What would you like to share?", FormFieldKind.LongText, MaxLength: 1800),
                new FormField("group", "Group", FormFieldKind.Choice, Choices: [new FormChoice("g1", "Tuesday Circle"), new FormChoice("g2", "Thursday Circle")]),
            ], "Share")),
            "flags" when facilitators.Contains(command.UserId) => InteractionResponse.Text("1 open flag, oldest 2 minutes ago"),
            "flags" => InteractionResponse.Text("Sorry, that command is only for facilitators of your group."),
            _ => InteractionResponse.Text("Try /peer help"),
        });

        public async Task<InteractionResponse> HandleFormAsync(FormSubmission submission, CancellationToken cancellationToken)
        {
            var channel = Groups[submission.Values["group"]];
            await Platform.PostMessageAsync(channel, new OutgoingMessage([new HeadingBlock("Anonymous member"), new QuoteBlock(submission.Values["text"])], []), cancellationToken);
            return InteractionResponse.Text("Thanks. Your post will appear in the group shortly.");
        }

        public Task<InteractionResponse> HandleButtonAsync(ButtonPress press, CancellationToken cancellationToken) => Task.FromResult(press.ActionId switch
        {
            "ack:A1" => new InteractionResponse(OutgoingMessage.Plain("Acknowledged."), UpdateOriginal: OutgoingMessage.Plain("Alert A1 acknowledged")),
            _ => InteractionResponse.Text("Unknown action"),
        });
    }
}
