using PeerBot.Core.Commands.Subcommands;
using PeerBot.Core.Platform;
using PeerBot.Storage;
using static PeerBot.Reliability.Tests.ReliabilityWorld;
using W = PeerBot.Testing.Sharing.SharingWorld;

namespace PeerBot.Reliability.Tests.Fuzzing;

/// <summary>The extremes the fuzzers reach only by chance, pinned: huge ids, broken UTF-16, nested mentions.</summary>
public sealed class BadInputEdgeCaseTests : IDisposable
{
    private static readonly string Huge = new('Z', 5_000);

    private readonly PeerBotDatabase _database = PeerBotDatabase.OpenInMemory();
    private readonly W _world;

    public BadInputEdgeCaseTests()
    {
        _world = Create(_database);
        AddAlerts(_world);
    }

    public void Dispose()
    {
        _world.Dispose();
        _database.Dispose();
    }

    [Theory]
    [InlineData(W.LeeUser, "anon remove {huge}", "No anonymous post")]
    [InlineData(W.LeeUser, "anon mute {huge} 3", "No anonymous post")]
    [InlineData(W.LeeUser, "ack {huge}", "No flag")]
    [InlineData(W.LeeUser, "resolve A1 {huge}", "keep it under 500")]
    [InlineData(W.LeeUser, "flags {huge}", "No group named")]
    [InlineData(W.AnaUser, "{huge}", "I don't know /peer")]
    [InlineData(W.AnaUser, "pause {huge}", "isn't a number of weeks")]
    public async Task HandleCommandAsync_HugeArgument_ClearReplyNoCrash(string user, string text, string expected)
    {
        var reply = await _world.CommandAsync(user, text.Replace("{huge}", Huge, StringComparison.Ordinal));

        Assert.Contains(expected, reply.Reply!.ToPlainText(), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("crisis:contact:{huge}", "expired")]
    [InlineData("anon:approve:{huge}", "no anonymous post")]
    [InlineData("share:{huge}:0", "expired")]
    [InlineData("checkin:{huge}:3", "Thanks")]
    public async Task HandleButtonAsync_HugeIds_ClearReplyNoCrash(string action, string expected)
    {
        var reply = await _world.PressAsync(W.LeeUser, action.Replace("{huge}", Huge, StringComparison.Ordinal));

        Assert.Contains(expected, reply.Reply!.ToPlainText(), StringComparison.OrdinalIgnoreCase);
    }

    [Fact]
    public async Task ShareForm_LoneSurrogates_StoredWithReplacementCharacter()
    {
        var reply = await _world.ShareFormAsync(W.AnaUser, "broken \uD83D here and \uDE00 there");

        Assert.Contains("Saved", reply.Reply!.ToPlainText(), StringComparison.Ordinal);
        var post = Assert.Single(_world.Sharing.PersonalData.DataOf(W.Ana).Posts);
        Assert.Equal("broken \uFFFD here and \uFFFD there", post.Text);
    }

    [Fact]
    public async Task ShareForm_WellFormedEmoji_KeptAsIs()
    {
        await _world.ShareFormAsync(W.AnaUser, "tired \uD83D\uDE2E\u200D\uD83D\uDCA8 but ok");

        Assert.Equal("tired \uD83D\uDE2E\u200D\uD83D\uDCA8 but ok", Assert.Single(_world.Sharing.PersonalData.DataOf(W.Ana).Posts).Text);
    }

    [Fact]
    public async Task StaffCommand_LoneSurrogateInTarget_RefusalAuditedNotCrashed()
    {
        var reply = await _world.PressAsync(W.AnaUser, "anon:approve:P\uDC00");

        Assert.StartsWith("Sorry", reply.Reply!.ToPlainText(), StringComparison.Ordinal);
        Assert.Equal("P\uFFFD", Assert.Single(_world.Audit.ByActor(W.Ana)).Target);
    }

    [Fact]
    public async Task HandleFormAsync_BrokenKeysThatCleanAlike_NoCrash()
    {
        var values = new Dictionary<string, string> { ["\uD800"] = "a", ["\uD801"] = "b", [ShareCommand.TextField] = "fine" };

        var reply = await _world.Handler.HandleFormAsync(new FormSubmission(PlatformKind.Slack, W.AnaUser, ShareCommand.FormId, values), default);

        Assert.Contains("Saved", reply.Reply!.ToPlainText(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task UnknownFormAndButton_LineBreaksAndHugeIds_LoggedOnOneShortLine()
    {
        await _world.Handler.HandleFormAsync(new FormSubmission(PlatformKind.Slack, W.AnaUser, "x\nError PeerBot: forged " + Huge, new Dictionary<string, string>()), default);
        await _world.PressAsync(W.AnaUser, "y\r\nCritical forged" + Huge + ":1");

        var logged = _world.Logs.Lines.Where(l => l.Contains("unknown", StringComparison.Ordinal)).ToList();
        Assert.Equal(2, logged.Count);
        Assert.All(logged, l => Assert.DoesNotContain('\n', l));
        Assert.All(logged, l => Assert.True(l.Length < 1_000, l));
        Assert.Contains(logged, l => l.Contains("x\\u000AError PeerBot: forged", StringComparison.Ordinal));
    }

    [Theory]
    [InlineData("I don't know /peer @everyone", "@everyone")]
    [InlineData("unknown <!channel>", "<!channel>")]
    [InlineData("flags \"<@U0ANA99182>\"", "<@U0ANA99182>")]
    [InlineData("ack <@&333333333333333333>", "<@&333333333333333333>")]
    public async Task HandleCommandAsync_EchoedMention_NeutralisedInReply(string text, string mention)
    {
        var reply = (await _world.CommandAsync(W.LeeUser, text)).Reply!.ToPlainText();

        Assert.DoesNotContain(mention, reply, StringComparison.Ordinal);
        AssertPingsNobody(reply, text);
    }

    [Fact]
    public async Task ShareForm_Refused_WordsGivenBackWithoutLiveMentions()
    {
        var reply = (await _world.ShareFormAsync(W.AnaUser, "@here read this <@U0BEN55120>", W.Owls)).Reply!.ToPlainText();

        Assert.Contains("Here is what you wrote", reply, StringComparison.Ordinal);
        Assert.Contains("@\u200Bhere read this", reply, StringComparison.Ordinal);
        AssertPingsNobody(reply, "refused share");
    }
}
