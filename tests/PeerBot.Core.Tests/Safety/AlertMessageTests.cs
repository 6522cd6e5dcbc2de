using PeerBot.Core.Platform;
using PeerBot.Core.Safety;

namespace PeerBot.Core.Tests.Safety;

public sealed class AlertMessageTests
{
    [Fact]
    public async Task CrisisAlert_ToPsychologist_CrisisToneCrisisFirstWhatToDoBeforeDetailsAndResourcesSent()
    {
        var h = new SafetyHarness();

        await h.SayAsync("ana", 0, "honestly i want to die");

        var message = h.Platform.DirectMessages.Single(d => d.UserId == "U-kim").Message;
        Assert.Equal(MessageTone.Crisis, message.Tone);
        Assert.StartsWith("Crisis", Assert.IsType<HeadingBlock>(message.Blocks[0]).Text, StringComparison.Ordinal);
        var text = message.ToPlainText();
        var whatToDo = text.IndexOf("What to do now", StringComparison.Ordinal);
        var reachOut = text.IndexOf("Reach out to Ana R. privately today", StringComparison.Ordinal);
        var danger = text.IndexOf("immediate danger, follow your program's emergency procedure", StringComparison.Ordinal);
        var resources = message.Blocks.OfType<QuoteBlock>().Select(q => q.Text).ToList();
        var excerpt = text.IndexOf("> honestly i want to die", StringComparison.Ordinal);
        Assert.True(whatToDo > 0 && reachOut > whatToDo && danger > reachOut && excerpt > danger, text);
        Assert.Contains(h.Options.Safety.CrisisMessage, resources);
        Assert.True(text.IndexOf(h.Options.Safety.CrisisMessage, StringComparison.Ordinal) < excerpt, text);
    }

    [Fact]
    public async Task CrisisAlert_AnonymousAuthor_SaysTheyCannotBeReachedDirectly()
    {
        var h = new SafetyHarness();

        await h.SayAsync("anon:7f3a9c", 0, "i've been cutting again");

        var message = h.Platform.DirectMessages.Single(d => d.UserId == "U-kim").Message;
        Assert.Equal(MessageTone.Crisis, message.Tone);
        var text = message.ToPlainText();
        Assert.Contains("You can't reach them directly", text, StringComparison.Ordinal);
        Assert.DoesNotContain("Reach out to", text, StringComparison.Ordinal);
    }

    [Fact]
    public async Task SpiralAlert_WarningToneAndNoCrisisWords()
    {
        var h = new SafetyHarness();

        await h.SayAsync("ana", 0, "nothing will ever change here");
        await h.SayAsync("ben", 4, "what's the point of the survey even");
        await h.SayAsync("cat", 6, "i've given up honestly");

        var message = h.Platform.DirectMessages.Single(d => d.UserId == "U-lee").Message;
        Assert.Equal(MessageTone.Warning, message.Tone);
        Assert.DoesNotContain("risis", message.ToPlainText(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task CrisisAlert_UpdatedAfterAcknowledgement_KeepsCrisisTone()
    {
        var h = new SafetyHarness();
        var raised = await h.SayAsync("ana", 0, "honestly i want to die");

        await h.Alerts.AcknowledgeAsync(raised.Alert!.Id, "kim", CancellationToken.None);

        var updates = h.Platform.Calls.Where(c => c.Operation == "UpdateMessage").ToList();
        Assert.NotEmpty(updates);
        Assert.All(updates, u => Assert.Equal(MessageTone.Crisis, u.Message!.Tone));
    }
}
