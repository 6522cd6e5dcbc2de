using PeerBot.Core.Configuration;
using PeerBot.Core.Safety;
using PeerBot.Testing.Safety;

namespace PeerBot.Core.Tests.Safety;

/// <summary>Coping notes on the live path: who hears, who never does, the limit per person and group, restarts.</summary>
public sealed class CopingNoteTests
{
    private const string Wine = "need three glasses of wine to fall asleep after nights now";
    private const string Pyxis = "been taking something from the pyxis to get through the week";
    private const string Shifts = "picking up every extra shift so i don't have to think";
    private const string CrisisAndCoping = "drinking every night and honestly i want to die";
    private const string FatalisticCoping = "i've given up, i just drink until i can't feel it";

    private static SafetyHarness Harness(bool groupHasPsychologist = true, PeerBotOptions? options = null) =>
        new(groupHasPsychologist, options, new FakeCopingClassifier(Wine, Pyxis, Shifts, CrisisAndCoping, FatalisticCoping));

    private static Task<SafetyOutcome> SayAsync(SafetyMonitor monitor, string author, TimeSpan after, string text, string groupId = "g1") =>
        SafetyHarness.SayAsync(monitor, groupId, author, SafetyHarness.Start + after, text);

    private static async Task<List<AlertRecord>> CopingAlertsAsync(SafetyHarness h, params string[] groups) =>
        (await h.Store.ListAsync(groups.Length == 0 ? ["g1"] : groups, includeResolved: true, CancellationToken.None)).Where(a => a.Kind == AlertKind.Coping).ToList();

    [Fact]
    public async Task ObserveAsync_Coping_QuietNoteToTheGroupsPsychologistOnly()
    {
        var h = Harness();

        var outcome = await h.SayAsync("ana", 0, Wine);

        Assert.True(outcome.Assessment.Coping);
        Assert.Equal(AlertKind.Coping, outcome.Alert!.Kind);
        Assert.Null(outcome.Alert.SuggestedPrompt);

        // Only the group's psychologist: not the alumni facilitator, not the roster's other psychologist, not the author.
        Assert.Equal(["U-kim"], h.DirectMessageTargets());
        Assert.DoesNotContain(h.Platform.Calls, c => c.Operation == "PostMessage");
        var note = h.Platform.DirectMessages.Single().Message;
        var text = note.ToPlainText();
        Assert.Contains("Quiet note \u2014 coping (Tuesday Circle)", text, StringComparison.Ordinal);
        Assert.Contains("Ana R. described coping that may be harming them", text, StringComparison.Ordinal);
        Assert.Contains("Nothing was said to the group or to them.", text, StringComparison.Ordinal);
        Assert.Contains("> " + Wine, text, StringComparison.Ordinal);
        Assert.Contains("coping: \"" + Wine + "\"", text, StringComparison.Ordinal);
        Assert.Contains(outcome.Alert.Id, text, StringComparison.Ordinal);
        Assert.DoesNotContain("reframing", text, StringComparison.OrdinalIgnoreCase);
        Assert.Equal(["ack:" + outcome.Alert.Id, "resolve:" + outcome.Alert.Id], note.Buttons.Select(b => b.ActionId));

        var stored = (await h.Store.FindAsync(outcome.Alert.Id, CancellationToken.None))!;
        Assert.True(stored.Delivered);
        Assert.Equal("ana", stored.AuthorKey);
        Assert.Equal("ana", stored.AuthorPersonId);
        Assert.False(stored.AuthorAnonymous);
        Assert.Equal([Wine], stored.Excerpts);
        Assert.Equal(["coping: \"" + Wine + "\""], stored.Reasons);
    }

    [Fact]
    public async Task ObserveAsync_CopingInGroupWithoutPsychologist_GoesToItsFacilitatorsNotTheRosters()
    {
        var h = Harness(groupHasPsychologist: false);

        var outcome = await h.SayAsync("ben", 0, Pyxis);

        Assert.Equal(AlertKind.Coping, outcome.Alert!.Kind);
        Assert.Equal(["U-lee"], h.DirectMessageTargets());
    }

    [Fact]
    public async Task ObserveAsync_LongCopingMessage_ExcerptAtMost140Characters()
    {
        var longText = Wine + " " + string.Join(' ', Enumerable.Repeat("and it is getting worse every week", 8));
        var h = new SafetyHarness(classifier: new FakeCopingClassifier(longText));

        var outcome = await h.SayAsync("ana", 0, longText);

        var excerpt = Assert.Single(outcome.Alert!.Excerpts);
        Assert.True(excerpt.Length <= 140, $"{excerpt.Length} characters");
    }

    [Fact]
    public async Task ObserveAsync_SamePersonAgainWithinCooldown_NoSecondNoteUntilItHasPassed()
    {
        var h = Harness();
        var cooldown = h.Options.Safety.CopingCooldown;

        var first = await SayAsync(h.Monitor, "ana", TimeSpan.Zero, Wine);
        var sameDay = await SayAsync(h.Monitor, "ana", TimeSpan.FromHours(3), Pyxis);
        var justBefore = await SayAsync(h.Monitor, "ana", cooldown - TimeSpan.FromMinutes(1), Shifts);
        var otherPerson = await SayAsync(h.Monitor, "ben", TimeSpan.FromHours(4), Pyxis);
        var otherGroup = await SayAsync(h.Monitor, "ana", TimeSpan.FromHours(5), Pyxis, groupId: "g2");
        var afterCooldown = await SayAsync(h.Monitor, "ana", cooldown, Shifts);

        Assert.Equal(AlertKind.Coping, first.Alert?.Kind);
        Assert.Null(sameDay.Alert);
        Assert.True(sameDay.Assessment.Coping);
        Assert.Null(justBefore.Alert);
        Assert.Equal(AlertKind.Coping, otherPerson.Alert?.Kind);
        Assert.Equal(AlertKind.Coping, otherGroup.Alert?.Kind);
        Assert.Equal(AlertKind.Coping, afterCooldown.Alert?.Kind);
        Assert.Equal(3, (await CopingAlertsAsync(h)).Count);
        Assert.Single(await CopingAlertsAsync(h, "g2"));

        // Night Owls' psychologist heard about Night Owls only.
        Assert.Equal(["U-kim", "U-kim", "U-pat", "U-kim"], h.DirectMessageTargets());
    }

    [Fact]
    public async Task ObserveAsync_Restart_LimitHoldsFromTheStoredNotes()
    {
        var h = Harness();
        Assert.NotNull((await h.SayAsync("ana", 0, Wine)).Alert);

        // A restart: a fresh detector and monitor over the same stored alerts.
        using var restarted = h.NewMonitor(new SpiralDetector(h.Options.Safety));
        var nextDay = await SayAsync(restarted, "ana", TimeSpan.FromDays(1), Pyxis);
        var other = await SayAsync(restarted, "ben", TimeSpan.FromDays(1), Pyxis);
        var weekLater = await SayAsync(restarted, "ana", h.Options.Safety.CopingCooldown, Shifts);

        Assert.Null(nextDay.Alert);
        Assert.Equal(AlertKind.Coping, other.Alert?.Kind);
        Assert.Equal(AlertKind.Coping, weekLater.Alert?.Kind);
        Assert.Equal(3, (await CopingAlertsAsync(h)).Count);
    }

    [Fact]
    public async Task ObserveAsync_Restart_ResolvedNoteStillCountsTowardsTheLimit()
    {
        var h = Harness();
        var first = await h.SayAsync("ana", 0, Wine);
        await h.Alerts.ResolveAsync(first.Alert!.Id, "kim", "spoke with her", CancellationToken.None);

        using var restarted = h.NewMonitor(new SpiralDetector(h.Options.Safety));
        var again = await SayAsync(restarted, "ana", TimeSpan.FromDays(2), Pyxis);

        Assert.Null(again.Alert);
    }

    [Fact]
    public async Task ObserveAsync_CrisisAndCoping_OnlyTheCrisisAlert()
    {
        var h = Harness();

        var outcome = await h.SayAsync("ana", 0, CrisisAndCoping);

        Assert.True(outcome.Assessment.Crisis);
        Assert.True(outcome.Assessment.Coping);
        Assert.Equal(AlertKind.Crisis, outcome.Alert!.Kind);
        var stored = await h.Store.ListAsync(["g1"], includeResolved: true, CancellationToken.None);
        Assert.Equal(AlertKind.Crisis, Assert.Single(stored).Kind);
        Assert.DoesNotContain(h.Platform.DirectMessages, d => d.Message.ToPlainText().Contains("Quiet note", StringComparison.Ordinal));

        // The crisis alert does not use up the coping note: a later coping message is still noted.
        var later = await h.SayAsync("ana", 60, Wine);
        Assert.Equal(AlertKind.Coping, later.Alert?.Kind);
    }

    [Fact]
    public async Task ObserveAsync_CopingMessageCompletesSpiral_SpiralFirstAndTheNoteToo()
    {
        var h = Harness();
        await h.SayAsync("ben", 0, "nothing will ever change here");
        await h.SayAsync("cat", 2, "what's the point of the survey even");

        var outcome = await h.SayAsync("ana", 4, FatalisticCoping);

        Assert.Equal(AlertKind.Spiral, outcome.Alert!.Kind);
        var coping = Assert.Single(await CopingAlertsAsync(h));
        Assert.Equal("ana", coping.AuthorKey);
        Assert.Equal(["U-lee", "U-kim", "U-kim"], h.DirectMessageTargets());
    }

    [Fact]
    public async Task ObserveAsync_AnonymousCoping_KeyedByHandleNeverShownOrNamed()
    {
        var h = Harness();
        const string Handle = "anon:h_Zq81mXw0";

        var outcome = await h.SayAsync(Handle, 0, Wine);
        var again = await h.SayAsync(Handle, 30, Pyxis);
        var otherAnonymous = await h.SayAsync("anon:h_Pc44rTt9", 40, Pyxis);

        Assert.Equal(AlertKind.Coping, outcome.Alert!.Kind);
        Assert.Null(again.Alert);
        Assert.Equal(AlertKind.Coping, otherAnonymous.Alert?.Kind);
        var stored = (await h.Store.FindAsync(outcome.Alert.Id, CancellationToken.None))!;
        Assert.Equal(Handle, stored.AuthorKey);
        Assert.Null(stored.AuthorPersonId);
        Assert.True(stored.AuthorAnonymous);
        Assert.Equal(["U-kim", "U-kim"], h.DirectMessageTargets());
        var text = h.Platform.DirectMessages[0].Message.ToPlainText();
        Assert.Contains("An anonymous member described coping", text, StringComparison.Ordinal);
        Assert.Contains("Their identity stays hidden.", text, StringComparison.Ordinal);
        Assert.All(h.Platform.Calls, c => Assert.DoesNotContain("h_Zq81mXw0", c.Detail ?? "", StringComparison.Ordinal));
    }

    [Fact]
    public async Task ObserveAsync_AuthorNotOnRoster_KeyedByDigestNeverThePlatformId()
    {
        var h = Harness();

        // As the event handler sees someone in the channel who is not on the roster: no person id.
        var outcome = await h.Monitor.ObserveAsync(new ObservedMessage("g1", "unlisted:Slack:U0STRANGER", null, SafetyHarness.Start, Wine), CancellationToken.None);
        var again = await h.Monitor.ObserveAsync(new ObservedMessage("g1", "unlisted:Slack:U0STRANGER", null, SafetyHarness.Start.AddMinutes(5), Pyxis), CancellationToken.None);

        Assert.Null(again.Alert);
        var stored = (await h.Store.FindAsync(outcome.Alert!.Id, CancellationToken.None))!;
        Assert.StartsWith("unlisted:", stored.AuthorKey, StringComparison.Ordinal);
        Assert.DoesNotContain("U0STRANGER", stored.AuthorKey, StringComparison.Ordinal);
        Assert.Null(stored.AuthorPersonId);
        Assert.False(stored.AuthorAnonymous);
        Assert.Contains("A member described coping", h.Platform.DirectMessages[0].Message.ToPlainText(), StringComparison.Ordinal);
        Assert.All(h.Platform.Calls, c => Assert.DoesNotContain("U0STRANGER", c.Detail ?? "", StringComparison.Ordinal));
    }

    [Fact]
    public async Task AcknowledgeAndResolve_CopingNote_LikeOtherAlerts()
    {
        var h = Harness();
        var id = (await h.SayAsync("ana", 0, Wine)).Alert!.Id;

        var listed = await h.Alerts.ListAsync(["g1"], includeResolved: false, CancellationToken.None);
        var ack = await h.Alerts.AcknowledgeAsync(id, "kim", CancellationToken.None);
        var resolve = await h.Alerts.ResolveAsync(id, "kim", "checked in with her", CancellationToken.None);

        Assert.Equal(AlertKind.Coping, Assert.Single(listed).Kind);
        Assert.Equal(AlertStatus.Acknowledged, ack.Value!.Status);
        Assert.Equal(AlertStatus.Resolved, resolve.Value!.Status);
        Assert.Empty(await h.Alerts.ListAsync(["g1"], includeResolved: false, CancellationToken.None));
        var updates = h.Platform.Calls.Where(c => c.Operation == "UpdateMessage").ToList();
        Assert.Equal(2, updates.Count);
        Assert.All(updates, u => Assert.Contains("Quiet note \u2014 coping", u.Detail, StringComparison.Ordinal));
        Assert.Contains("resolved by Dr Kim: checked in with her", updates[^1].Detail, StringComparison.Ordinal);
        Assert.Empty(updates[^1].Message!.Buttons);
    }

    [Fact]
    public async Task Maintenance_CopingNote_RetriedWhenUndeliveredAndExcerptPurgedAfterRetention()
    {
        var h = Harness();
        h.Platform.FailNext("SendDirectMessage");

        var id = (await h.SayAsync("ana", 0, Wine)).Alert!.Id;
        Assert.False((await h.Store.FindAsync(id, CancellationToken.None))!.Delivered);

        await h.Maintenance.RunOnceAsync(CancellationToken.None);
        Assert.True((await h.Store.FindAsync(id, CancellationToken.None))!.Delivered);
        Assert.Single(h.Platform.DirectMessages);

        h.Time.Advance(h.Options.Safety.ExcerptRetention + TimeSpan.FromHours(1));
        await h.Maintenance.RunOnceAsync(CancellationToken.None);

        var purged = (await h.Store.FindAsync(id, CancellationToken.None))!;
        Assert.Empty(purged.Excerpts);
        Assert.Equal(["coping"], purged.Reasons);
        Assert.Equal(AlertKind.Coping, purged.Kind);
    }
}
