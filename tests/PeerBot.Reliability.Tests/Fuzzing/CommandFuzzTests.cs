using PeerBot.Core.Commands.Subcommands;
using PeerBot.Core.Platform;
using PeerBot.Storage;
using PeerBot.Testing.Sharing;
using static PeerBot.Reliability.Tests.ReliabilityWorld;
using W = PeerBot.Testing.Sharing.SharingWorld;

namespace PeerBot.Reliability.Tests.Fuzzing;

/// <summary>
/// Random and mutated input through the real <c>/peer</c> dispatcher, sharing service and LiteDB stores: nothing
/// throws or hangs, every interaction gets a private answer a person can read, and no answer can ping anyone.
/// </summary>
public sealed class CommandFuzzTests : IDisposable
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(30);

    private static readonly string[] ValidCommands =
    [
        "", "help", "share", "pause", "pause 2", "resume", "my-data", "forget-me", "forget-me confirm", "groups",
        "prompt now", "prompt skip \"Tuesday Circle\"", "prompt preview g-owl", "reframe 'Night Owls'", "checkin \"Tuesday Circle\"",
        "flags", "flags g-tue", "ack A1", "ack a2", "resolve A1 \"talked it through\" today", "resolve B1", "anon remove {post}",
        "anon mute {post} 3", "anon mute {post}", "stats", "stats \u201CNight Owls\u201D",
    ];

    private readonly PeerBotDatabase _database = PeerBotDatabase.OpenInMemory();
    private readonly W _world;
    private readonly List<string> _postIds = [];

    public CommandFuzzTests()
    {
        _world = Create(_database, a => a.MaxPerDay = 1_000_000);
        AddAlerts(_world);
        _postIds.Add(ShareAsync(_world, W.Ana, "first").GetAwaiter().GetResult());
        _postIds.Add(ShareAsync(_world, W.Cy, "second", W.Owls).GetAwaiter().GetResult());
    }

    public void Dispose()
    {
        _world.Dispose();
        _database.Dispose();
    }

    private static string User(Random random) => random.Next(12) == 0 ? Fuzz.Pick(random, ["U-STRANGER", "", " ", "u0ana99182", W.AnaUser + " "]) : Fuzz.Pick(random, RosterUsers);

    private string? Channel(Random random) => random.Next(4) switch
    {
        0 => null,
        1 => _world.TuesdayChannel.Id,
        2 => _world.OwlsChannel.Id,
        _ => Fuzz.Text(random, 2),
    };

    private string CommandText(Random random)
    {
        var valid = Fuzz.Pick(random, ValidCommands).Replace("{post}", Fuzz.Pick(random, _postIds), StringComparison.Ordinal);
        return random.Next(3) switch
        {
            0 => valid,
            1 => Fuzz.Mutate(random, valid),
            _ => random.Next(2) == 0 ? Fuzz.Word(random) + " " + Fuzz.Text(random) : Fuzz.Text(random),
        };
    }

    private void AssertNoErrorLogged()
    {
        // Whatever was typed, a log line stays one short line: no flooding, no forged lines.
        Assert.All(_world.Logs.Lines, l => Assert.True(!l.Contains('\n', StringComparison.Ordinal) && l.Length < 1_000, "log line: " + Shorten(l)));

        var errors = _world.Logs.Lines.Where(l => l.StartsWith("Error", StringComparison.Ordinal) || l.StartsWith("Critical", StringComparison.Ordinal)).ToList();
        Assert.True(errors.Count == 0, "errors were logged: " + string.Join("\n", errors.Take(3)));
    }

    [Fact]
    public async Task HandleCommandAsync_RandomAndMutatedTexts_PrivateReadableReplyThatPingsNobody()
    {
        await Fuzz.RunAsync(seed: 1101, Fuzz.Cases(6_000), async (random, _) =>
        {
            var text = CommandText(random);
            var channel = Channel(random);
            var response = await _world.Handler.HandleCommandAsync(
                new CommandInvocation(PlatformKind.Slack, User(random), channel, text, channel is null), default).WaitAsync(Patience);

            Assert.NotNull(response);
            Assert.True(response.Form is not null || !string.IsNullOrWhiteSpace(response.Reply?.ToPlainText()), "no reply to: " + Shorten(text));
            AssertPingsNobody(Visible(response), text);
        });

        AssertNoErrorLogged();
    }

    [Fact]
    public async Task HandleFormAsync_RandomAndMutatedSubmissions_ClearReplyStoredTextPingsNobody()
    {
        await Fuzz.RunAsync(seed: 2202, Fuzz.Cases(4_000), async (random, _) =>
        {
            var values = new Dictionary<string, string>();
            if (random.Next(8) != 0)
            {
                values[random.Next(10) == 0 ? Fuzz.Mutate(random, ShareCommand.TextField) : ShareCommand.TextField] = random.Next(3) == 0
                    ? Fuzz.Mutate(random, "thanks <@U0BEN55120> and @here, see <!channel>")
                    : Fuzz.Text(random);
            }

            if (random.Next(2) == 0)
            {
                values[ShareCommand.GroupField] = random.Next(3) switch
                {
                    0 => Fuzz.Pick(random, [W.Tuesday, W.Owls, "Tuesday Circle", "night owls", ""]),
                    1 => Fuzz.Mutate(random, W.Tuesday),
                    _ => Fuzz.Text(random, 3),
                };
            }

            var formId = random.Next(6) == 0 ? Fuzz.Mutate(random, ShareCommand.FormId) : ShareCommand.FormId;
            var user = User(random);
            var response = await _world.Handler.HandleFormAsync(new FormSubmission(PlatformKind.Slack, user, formId, values), default).WaitAsync(Patience);

            Assert.False(string.IsNullOrWhiteSpace(response.Reply?.ToPlainText()), "no reply to a form");
            Assert.Null(response.Form);
            AssertPingsNobody(Visible(response), string.Join(" | ", values.Values));
        });

        // Whatever was accepted is stored neutralised, so delivery cannot ping either.
        await _world.PassMaxDelayAndDeliverAsync();
        foreach (var channel in new[] { _world.TuesdayChannel, _world.OwlsChannel })
        {
            var posted = _world.Platform.MessagesIn(channel.Id);
            Assert.NotEmpty(posted);
            Assert.All(posted, m => AssertPingsNobody(Visible(m.Content), "delivered post"));
        }

        AssertNoErrorLogged();
    }

    [Fact]
    public async Task HandleButtonAsync_RandomAndMutatedActionIds_ClearReplyThatPingsNobody()
    {
        // A live DM draft and a live crisis token, so mutations start from ids that exist.
        await _world.Handler.HandleMessageAsync(new IncomingMessage(PlatformKind.Slack, "D-CY", "m1", W.CyUser, "a draft", _world.Time.GetUtcNow(), true), default);
        var draft = _world.DirectMessagesTo(W.CyUser)[^1].Buttons[0].ActionId;
        var crisis = await _world.Sharing.Submission.SubmitAsync(new Core.Sharing.ShareRequest(_world.Person(W.Ben), null, "I want to " + FakeSafetyMonitor.CrisisMarker), default);
        var contact = crisis.Value!.Reply.Buttons[0].ActionId;
        string[] valid =
        [
            "ack:A1", "resolve:A2", "resolve:B1", $"anon:approve:{_postIds[0]}", $"anon:decline:{_postIds[1]}", "checkin:CI7:3",
            "checkin:CI7:9", contact, "forget:confirm", draft, draft.Replace(":0", ":1", StringComparison.Ordinal), draft[..^1] + "cancel",
        ];

        await Fuzz.RunAsync(seed: 3303, Fuzz.Cases(6_000), async (random, _) =>
        {
            var action = random.Next(3) switch
            {
                0 => Fuzz.Pick(random, valid),
                1 => Fuzz.Mutate(random, Fuzz.Pick(random, valid)),
                _ => string.Join(':', Enumerable.Range(0, random.Next(0, 5)).Select(_ => random.Next(2) == 0 ? Fuzz.Word(random) : Fuzz.Text(random, 2))),
            };
            var message = random.Next(3) switch
            {
                0 => null,
                1 => new MessageRef(_world.TuesdayChannel, "M1"),
                _ => new MessageRef(new ChannelRef(PlatformKind.Slack, Fuzz.Text(random, 2)), Fuzz.Text(random, 2)),
            };

            var response = await _world.Handler.HandleButtonAsync(new ButtonPress(PlatformKind.Slack, User(random), action, message), default).WaitAsync(Patience);

            Assert.False(string.IsNullOrWhiteSpace(response.Reply?.ToPlainText()), "no reply to button " + Shorten(action));
            AssertPingsNobody(Visible(response), action);
        });

        AssertNoErrorLogged();
    }

    [Fact]
    public async Task HandleMessageAsync_RandomDirectAndGroupMessages_NoCrashAndRepliesPingNobody()
    {
        var channels = new[] { _world.TuesdayChannel.Id, _world.OwlsChannel.Id, "D-1", "C-OTHER" };
        await Fuzz.RunAsync(seed: 4404, Fuzz.Cases(4_000), async (random, _) =>
        {
            var direct = random.Next(2) == 0;
            var text = random.Next(3) == 0 ? Fuzz.Mutate(random, "I feel like @everyone knows <@U0LEE>") : Fuzz.Text(random);
            await _world.Handler.HandleMessageAsync(new IncomingMessage(
                PlatformKind.Slack, Fuzz.Pick(random, channels), Fuzz.Text(random, 1), User(random), text, _world.Time.GetUtcNow(), direct, random.Next(8) == 0), default).WaitAsync(Patience);
        });

        Assert.NotEmpty(_world.Platform.DirectMessages);
        Assert.All(_world.Platform.DirectMessages, d => AssertPingsNobody(Visible(d.Message), "DM to " + d.UserId));
        AssertNoErrorLogged();
    }
}
