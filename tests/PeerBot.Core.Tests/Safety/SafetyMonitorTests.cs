using Moq;
using Microsoft.Extensions.Logging.Abstractions;
using PeerBot.Core.Configuration;
using PeerBot.Core.Platform;
using PeerBot.Core.Safety;

namespace PeerBot.Core.Tests.Safety;

public sealed class SafetyMonitorTests
{
    [Fact]
    public async Task ObserveAsync_CrisisFromNamedMember_PsychologistFirstThenAuthorResourcesThenAlumni()
    {
        var h = new SafetyHarness();

        var outcome = await h.SayAsync("ana", 0, "honestly i want to die");

        Assert.True(outcome.Assessment.Crisis);
        Assert.Equal(AlertKind.Crisis, outcome.Alert!.Kind);
        Assert.Equal(["U-kim", "U-ana", "U-lee"], h.DirectMessageTargets());
        var toAuthor = h.Platform.DirectMessages.Single(d => d.UserId == "U-ana").Message;
        Assert.StartsWith(h.Options.Safety.CrisisMessage, toAuthor.ToPlainText(), StringComparison.Ordinal);
        Assert.DoesNotContain("alert", toAuthor.ToPlainText(), StringComparison.OrdinalIgnoreCase);
        var toPsychologist = h.Platform.DirectMessages.Single(d => d.UserId == "U-kim").Message;
        var text = toPsychologist.ToPlainText();
        Assert.Contains("Crisis alert: Tuesday Circle", text, StringComparison.Ordinal);
        Assert.Contains("Ana R.", text, StringComparison.Ordinal);
        Assert.Contains("honestly i want to die", text, StringComparison.Ordinal);
        Assert.Contains(outcome.Alert.Id, text, StringComparison.Ordinal);
        Assert.Equal(["ack:" + outcome.Alert.Id, "resolve:" + outcome.Alert.Id], toPsychologist.Buttons.Select(b => b.ActionId));
        var stored = await h.Store.FindAsync(outcome.Alert.Id, CancellationToken.None);
        Assert.True(stored!.Delivered);
        Assert.Equal(AlertStatus.Open, stored.Status);
    }

    [Fact]
    public async Task ObserveAsync_CrisisFoundByTheModelOnly_AlertCarriesTheModelsReason()
    {
        // The semantic layer's reasons read "model crisis …"; the alert keeps them, as it keeps the lexicon's "crisis, …".
        const string Reason = "model crisis 0.91, close to: \"picked a spot, picked a time\"";
        var classifier = new Mock<IMessageClassifier>();
        classifier.Setup(c => c.Classify(It.IsAny<string>())).Returns(new MessageAssessment(false, 0.1, true, [Reason]) { CrisisScore = 0.91 });
        var h = new SafetyHarness(classifier: classifier.Object);

        var outcome = await h.SayAsync("ana", 0, "looked at the tracks again on my drive home");

        var stored = await h.Store.FindAsync(outcome.Alert!.Id, CancellationToken.None);
        Assert.Equal([Reason], stored!.Reasons);
        Assert.Contains(Reason, h.Platform.DirectMessages.Single(d => d.UserId == "U-kim").Message.ToPlainText(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task ObserveAsync_AnonymousCrisis_NoReplyFromHereAndNoHandleAnywhere()
    {
        var h = new SafetyHarness();

        var outcome = await h.SayAsync("anon:7f3a9c", 0, "i've been cutting again");

        Assert.Equal(AlertKind.Crisis, outcome.Alert!.Kind);
        Assert.Equal(["U-kim", "U-lee"], h.DirectMessageTargets());
        Assert.All(h.Platform.Calls, c => Assert.DoesNotContain("7f3a9c", c.Detail ?? "", StringComparison.Ordinal));
        Assert.Contains("An anonymous member", h.Platform.DirectMessages[0].Message.ToPlainText(), StringComparison.Ordinal);
        var stored = await h.Store.FindAsync(outcome.Alert.Id, CancellationToken.None);
        Assert.Null(stored!.AuthorPersonId);
        Assert.True(stored.AuthorAnonymous);
    }

    [Fact]
    public async Task ObserveAsync_CrisisInGroupWithoutPsychologist_ReachesRosterPsychologistsFirst()
    {
        var h = new SafetyHarness(groupHasPsychologist: false);

        await h.SayAsync("ben", 0, "i have a plan and the means");

        var targets = h.DirectMessageTargets();
        Assert.Equal("U-kim", targets[0]);
        Assert.Equal("U-pat", targets[1]);
        Assert.Equal(["U-kim", "U-pat", "U-ben", "U-lee"], targets);
    }

    [Fact]
    public async Task ObserveAsync_Spiral_OneAlertToFacilitatorsWithExcerptsReasonsAndPrompt()
    {
        var h = new SafetyHarness();

        Assert.Null((await h.SayAsync("ana", 0, "nothing will ever change here")).Alert);
        Assert.Null((await h.SayAsync("ben", 2, "lunch?")).Alert);
        Assert.Null((await h.SayAsync("ben", 4, "what's the point of the survey even")).Alert);
        var outcome = await h.SayAsync("cat", 6, "i've given up honestly");
        var after = await h.SayAsync("ana", 8, "it's hopeless");

        Assert.Equal(AlertKind.Spiral, outcome.Alert!.Kind);
        Assert.Null(after.Alert);
        Assert.Equal(3, outcome.Alert.MessageCount);
        Assert.Equal(3, outcome.Alert.PeopleCount);
        Assert.NotNull(outcome.Alert.SuggestedPrompt);
        Assert.Equal(["U-lee", "U-kim"], h.DirectMessageTargets());
        var text = h.Platform.DirectMessages[0].Message.ToPlainText();
        Assert.Contains("Fatalistic spiral: Tuesday Circle", text, StringComparison.Ordinal);
        Assert.Contains("> nothing will ever change here", text, StringComparison.Ordinal);
        Assert.Contains("resignation: \"given up\"", text, StringComparison.Ordinal);
        Assert.Contains(outcome.Alert.SuggestedPrompt, text, StringComparison.Ordinal);
        Assert.Contains("EST", text.Replace("America/New_York", "EST", StringComparison.Ordinal), StringComparison.Ordinal);
        Assert.DoesNotContain(h.Platform.Calls, c => c.Operation == "PostMessage");
    }

    [Fact]
    public async Task ObserveAsync_RestartWithinCooldown_SameSpiralDoesNotAlertAgain()
    {
        var h = new SafetyHarness();
        await h.SayAsync("ana", 0, "nothing will ever change here");
        await h.SayAsync("ben", 2, "what's the point of the survey even");
        Assert.NotNull((await h.SayAsync("cat", 4, "i've given up honestly")).Alert);

        // A restart: a fresh detector, the same stored alerts.
        using var restarted = h.NewMonitor(new SpiralDetector(h.Options.Safety));
        var again = new List<AlertSummary?>();
        foreach (var (author, minute, text) in new[] { ("ana", 10, "it's hopeless"), ("ben", 12, "nothing will ever change"), ("cat", 14, "what's the point") })
        {
            again.Add((await restarted.ObserveAsync(new ObservedMessage("g1", author, author, SafetyHarness.Start.AddMinutes(minute), text), CancellationToken.None)).Alert);
        }

        Assert.All(again, Assert.Null);
        Assert.Single(await h.Store.ListAsync(["g1"], includeResolved: true, CancellationToken.None));

        // Past the cooldown a fresh spiral alerts again.
        var later = SafetyHarness.Start + h.Options.Safety.AlertCooldown;
        await restarted.ObserveAsync(new ObservedMessage("g1", "ana", "ana", later.AddMinutes(20), "it's hopeless"), CancellationToken.None);
        await restarted.ObserveAsync(new ObservedMessage("g1", "ben", "ben", later.AddMinutes(22), "nothing will ever change"), CancellationToken.None);
        var fresh = await restarted.ObserveAsync(new ObservedMessage("g1", "cat", "cat", later.AddMinutes(24), "what's the point"), CancellationToken.None);
        Assert.Equal(AlertKind.Spiral, fresh.Alert?.Kind);
    }

    [Fact]
    public async Task ObserveAsync_CalmMessage_NoAlertNoPlatformCalls()
    {
        var h = new SafetyHarness();

        var outcome = await h.SayAsync("ana", 0, "rough night, 4 admits, so tired");

        Assert.Null(outcome.Alert);
        Assert.False(outcome.Assessment.Fatalistic);
        Assert.Empty(h.Platform.Calls);
    }

    [Fact]
    public async Task ObserveAsync_DeliveryFails_AlertKeptAndRetriedWithoutDuplicates()
    {
        var h = new SafetyHarness();
        h.Platform.FailNext("SendDirectMessage");

        var outcome = await h.SayAsync("ana", 0, "i want to kill myself");

        var stored = await h.Store.FindAsync(outcome.Alert!.Id, CancellationToken.None);
        Assert.False(stored!.Delivered);
        Assert.Equal(["lee"], stored.DeliveredTo.Select(d => d.PersonId));
        Assert.True(stored.AuthorReplied);

        await h.Maintenance.RunOnceAsync(CancellationToken.None);

        stored = await h.Store.FindAsync(outcome.Alert.Id, CancellationToken.None);
        Assert.True(stored!.Delivered);
        Assert.Equal(2, stored.DeliveryAttempts);
        Assert.Single(h.Platform.DirectMessages, d => d.UserId == "U-kim");
        Assert.Single(h.Platform.DirectMessages, d => d.UserId == "U-lee");
        Assert.Single(h.Platform.DirectMessages, d => d.UserId == "U-ana");
    }

    [Fact]
    public async Task ObserveAsync_FacilitatorWithoutUserId_AlertStaysUndeliveredAndListed()
    {
        var options = new PeerBotOptions();
        var h = new SafetyHarness(options: options);
        h.Platform.FailNext("SendDirectMessage", new PlatformException(PlatformErrorKind.CannotMessageUser, "DMs closed"));
        h.Platform.FailNext("SendDirectMessage", new PlatformException(PlatformErrorKind.CannotMessageUser, "DMs closed"));
        h.Platform.FailNext("SendDirectMessage", new PlatformException(PlatformErrorKind.CannotMessageUser, "DMs closed"));

        var outcome = await h.SayAsync("ana", 0, "goodbye everyone. this is goodbye");

        Assert.Equal(AlertKind.Crisis, outcome.Alert!.Kind);
        var listed = await h.Alerts.ListAsync(["g1"], includeResolved: false, CancellationToken.None);
        Assert.Single(listed);
        Assert.Single(await h.Store.ListUndeliveredAsync(CancellationToken.None));
    }
}
