using PeerBot.Core.Platform;
using PeerBot.Core.Safety;

namespace PeerBot.Core.Tests.Safety;

/// <summary>The named author of a crisis message is told who knows, and answers "I'm OK for now" or "Please reach out".</summary>
public sealed class CrisisAnswerTests
{
    private static OutgoingMessage ReplyTo(SafetyHarness h, string userId) => h.Platform.DirectMessages.Single(d => d.UserId == userId).Message;

    private static string Token(OutgoingMessage reply) => reply.Buttons[0].ActionId["crisis:ok:".Length..];

    private static string Latest(SafetyHarness h, string channelId) => h.Platform.MessagesIn(channelId).Single().Content.ToPlainText();

    [Fact]
    public async Task CrisisFromNamedMember_ReplyTellsWhoKnowsAndOffersTwoButtonsWithAnUnguessableToken()
    {
        var h = new SafetyHarness();

        var outcome = await h.SayAsync("ana", 0, "honestly i want to die");

        var reply = ReplyTo(h, "U-ana");
        var text = reply.ToPlainText();
        Assert.StartsWith(h.Options.Safety.CrisisMessage, text, StringComparison.Ordinal);
        Assert.Contains("I've also let your group's psychologist, Dr Kim, know privately, so they can check on you. Your group's facilitators know too.", text, StringComparison.Ordinal);
        Assert.DoesNotContain("alert", text, StringComparison.OrdinalIgnoreCase);
        Assert.Equal(["I'm OK for now", "Please reach out"], reply.Buttons.Select(b => b.Label));
        var token = Token(reply);
        Assert.Equal("crisis:reach:" + token, reply.Buttons[1].ActionId);
        Assert.True(token.Length >= 24, token);
        Assert.DoesNotContain(outcome.Alert!.Id, token, StringComparison.OrdinalIgnoreCase);
        Assert.DoesNotContain("ana", token, StringComparison.OrdinalIgnoreCase);

        // A second crisis gets a token of its own.
        h.Time.Advance(TimeSpan.FromMinutes(5));
        await h.SayAsync("ana", 5, "i have a plan to kill myself");
        var second = h.Platform.DirectMessages.Where(d => d.UserId == "U-ana").Select(d => d.Message).Last();
        Assert.NotEqual(token, Token(second));

        // Both facilitators' copies say the author was asked, the psychologist's too though it went before the reply.
        Assert.Contains("no answer yet", h.Platform.MessagesIn("D-U-kim")[0].Content.ToPlainText(), StringComparison.Ordinal);
        Assert.Contains("no answer yet", h.Platform.MessagesIn("D-U-lee")[0].Content.ToPlainText(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task PleaseReachOut_RecordedOnTheFlagAndShownOnEveryAlertMessage()
    {
        var h = new SafetyHarness();
        var outcome = await h.SayAsync("ana", 0, "honestly i want to die");
        var token = Token(ReplyTo(h, "U-ana"));
        h.Time.Advance(TimeSpan.FromMinutes(3));

        var answer = await h.Alerts.RecordAuthorAnswerAsync(token, "ana", CrisisAnswer.ReachOut, CancellationToken.None);

        Assert.True(answer.Succeeded);
        Assert.StartsWith("Thank you for telling us. Dr Kim will reach out to you privately soon.", answer.Value, StringComparison.Ordinal);
        var stored = (await h.Store.FindAsync(outcome.Alert!.Id, CancellationToken.None))!;
        Assert.Equal(CrisisAnswer.ReachOut, stored.AuthorAnswer);
        Assert.Equal(h.Time.GetUtcNow(), stored.AuthorAnsweredAt);
        Assert.Equal(CrisisAnswer.ReachOut, stored.ToSummary().AuthorAnswer);
        foreach (var channel in new[] { "D-U-kim", "D-U-lee" })
        {
            var alert = h.Platform.MessagesIn(channel).Single().Content;
            Assert.Equal(MessageTone.Crisis, alert.Tone);
            Assert.Contains("They asked you to reach out", alert.ToPlainText(), StringComparison.Ordinal);
            Assert.DoesNotContain("no answer yet", alert.ToPlainText(), StringComparison.Ordinal);
        }
    }

    [Fact]
    public async Task SameAnswerTwice_SaysSoAndChangesNothing_ADifferentAnswerReplacesIt()
    {
        var h = new SafetyHarness();
        var outcome = await h.SayAsync("ana", 0, "honestly i want to die");
        var token = Token(ReplyTo(h, "U-ana"));
        await h.Alerts.RecordAuthorAnswerAsync(token, "ana", CrisisAnswer.OkForNow, CancellationToken.None);
        var updates = h.Platform.Calls.Count(c => c.Operation == "UpdateMessage");

        var again = await h.Alerts.RecordAuthorAnswerAsync(token, "ana", CrisisAnswer.OkForNow, CancellationToken.None);

        Assert.StartsWith("You already let us know you're OK for now.", again.Value, StringComparison.Ordinal);
        Assert.Equal(updates, h.Platform.Calls.Count(c => c.Operation == "UpdateMessage"));
        Assert.Contains("I'm OK for now", Latest(h, "D-U-kim"), StringComparison.Ordinal);

        var changed = await h.Alerts.RecordAuthorAnswerAsync(token, "ana", CrisisAnswer.ReachOut, CancellationToken.None);

        Assert.StartsWith("Thank you for telling us.", changed.Value, StringComparison.Ordinal);
        Assert.Equal(CrisisAnswer.ReachOut, (await h.Store.FindAsync(outcome.Alert!.Id, CancellationToken.None))!.AuthorAnswer);
        Assert.Contains("They asked you to reach out", Latest(h, "D-U-kim"), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("ben")]
    [InlineData("kim")]
    public async Task SomeoneElsePressesTheAuthorsButton_ExpiredAndNothingRecorded(string presser)
    {
        var h = new SafetyHarness();
        var outcome = await h.SayAsync("ana", 0, "honestly i want to die");
        var token = Token(ReplyTo(h, "U-ana"));

        var answer = await h.Alerts.RecordAuthorAnswerAsync(token, presser, CrisisAnswer.ReachOut, CancellationToken.None);
        var guessed = await h.Alerts.RecordAuthorAnswerAsync(outcome.Alert!.Id, "ana", CrisisAnswer.ReachOut, CancellationToken.None);

        Assert.False(answer.Succeeded);
        Assert.StartsWith("That button has expired.", answer.Error, StringComparison.Ordinal);
        Assert.Equal(answer.Error, guessed.Error);
        Assert.Null((await h.Store.FindAsync(outcome.Alert.Id, CancellationToken.None))!.AuthorAnswer);
    }

    [Fact]
    public async Task AnswerAfterTheFlagIsResolved_ThanksAndPointsToTheResolverNothingRecorded()
    {
        var h = new SafetyHarness();
        var outcome = await h.SayAsync("ana", 0, "honestly i want to die");
        var token = Token(ReplyTo(h, "U-ana"));
        await h.Alerts.ResolveAsync(outcome.Alert!.Id, "kim", "talked", CancellationToken.None);

        var answer = await h.Alerts.RecordAuthorAnswerAsync(token, "ana", CrisisAnswer.ReachOut, CancellationToken.None);

        Assert.True(answer.Succeeded);
        Assert.StartsWith("Thank you for answering. Dr Kim already followed up on this", answer.Value, StringComparison.Ordinal);
        Assert.Null((await h.Store.FindAsync(outcome.Alert.Id, CancellationToken.None))!.AuthorAnswer);
    }

    [Fact]
    public async Task AnonymousCrisis_NoAnswerButtonsFromHere()
    {
        var h = new SafetyHarness();

        var outcome = await h.SayAsync("anon:7f3a9c", 0, "i've been cutting again");

        var stored = (await h.Store.FindAsync(outcome.Alert!.Id, CancellationToken.None))!;
        Assert.Null(stored.AuthorAnswerToken);
        Assert.False(stored.AuthorAsked);
        Assert.DoesNotContain("no answer yet", Latest(h, "D-U-kim"), StringComparison.Ordinal);
    }

    [Fact]
    public async Task ForgetMe_ErasesTheAnswerAndTokenWithTheFlagsExcerpts_EvenWhenExcerptsWereAlreadyPurged()
    {
        var h = new SafetyHarness();
        var first = await h.SayAsync("ana", 0, "honestly i want to die");
        var firstToken = Token(ReplyTo(h, "U-ana"));
        await h.Alerts.RecordAuthorAnswerAsync(firstToken, "ana", CrisisAnswer.ReachOut, CancellationToken.None);

        // The retention purge already emptied the first alert's excerpts; its answer is still the person's.
        await h.Store.PurgeExcerptsAsync(SafetyHarness.Start.AddMinutes(1), h.Time.GetUtcNow(), CancellationToken.None);

        await h.Delivery.ForgetExcerptsAsync(["ana"], ["g1"], h.Time.GetUtcNow(), CancellationToken.None);

        var stored = (await h.Store.FindAsync(first.Alert!.Id, CancellationToken.None))!;
        Assert.Null(stored.AuthorAnswer);
        Assert.Null(stored.AuthorAnsweredAt);
        Assert.Null(stored.AuthorAnswerToken);
        Assert.DoesNotContain("reach out:", Latest(h, "D-U-kim"), StringComparison.Ordinal);
        Assert.DoesNotContain("They asked you", Latest(h, "D-U-kim"), StringComparison.Ordinal);
        var late = await h.Alerts.RecordAuthorAnswerAsync(firstToken, "ana", CrisisAnswer.OkForNow, CancellationToken.None);
        Assert.StartsWith("That button has expired.", late.Error, StringComparison.Ordinal);
    }
}
