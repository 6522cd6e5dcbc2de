using Microsoft.Extensions.Logging.Abstractions;
using Moq;
using PeerBot.Core.Configuration;
using PeerBot.Core.Safety;
using PeerBot.Core.Sharing;
using W = PeerBot.Testing.Sharing.SharingWorld;

namespace PeerBot.Core.Tests.Safety;

/// <summary>The spiral window kept across restarts: what is kept, when it is deleted, and what a restart restores.</summary>
public sealed class SpiralWindowRestartTests
{
    private static ObservedMessage Message(string author, int minute, string text) =>
        new("g1", author, author.StartsWith("anon:", StringComparison.Ordinal) ? null : author, SafetyHarness.Start.AddMinutes(minute), text);

    [Fact]
    public async Task ObserveAsync_FatalisticMessage_KeptWithExcerptAndReasonsCalmMessageNot()
    {
        var h = new SafetyHarness();

        await h.SayAsync("ana", 0, "rough night, 4 admits, so tired");
        await h.SayAsync("ben", 1, "nothing will ever change here " + new string('x', 300));

        var kept = Assert.Single(h.Pending.Entries);
        Assert.Equal("g1", kept.GroupId);
        Assert.Equal("ben", kept.Entry.AuthorKey);
        Assert.Equal(SafetyHarness.Start.AddMinutes(1), kept.Entry.Timestamp);
        Assert.StartsWith("nothing will ever change here", kept.Entry.Excerpt, StringComparison.Ordinal);
        Assert.True(kept.Entry.Excerpt.Length <= 140);
        Assert.Contains(kept.Entry.Reasons, r => r.StartsWith("permanence", StringComparison.Ordinal));
    }

    [Fact]
    public async Task ObserveAsync_SpiralStraddlesARestart_OneAlertWithAllThreeMessages()
    {
        var h = new SafetyHarness();
        Assert.Null((await h.SayAsync("ana", 0, "nothing will ever change here")).Alert);
        Assert.Null((await h.SayAsync("ben", 2, "what's the point of any of it")).Alert);

        using var restarted = h.NewMonitor(new SpiralDetector(h.Options.Safety));
        await restarted.RestoreAsync(CancellationToken.None);
        var third = await restarted.ObserveAsync(Message("cat", 4, "i've given up honestly"), CancellationToken.None);

        Assert.Equal(AlertKind.Spiral, third.Alert?.Kind);
        Assert.Equal(3, third.Alert!.MessageCount);
        Assert.Equal(3, third.Alert.PeopleCount);
        Assert.Contains("nothing will ever change here", third.Alert.Excerpts);
        Assert.Equal(["U-kim", "U-lee"], h.DirectMessageTargets().Order(StringComparer.Ordinal));
        Assert.Empty(h.Pending.Entries);
    }

    [Fact]
    public async Task ObserveAsync_FirstMessageOfTheRunComesBeforeTheStartRestore_RestoresFirstAndCountsEachMessageOnce()
    {
        var h = new SafetyHarness(options: new PeerBotOptions { Safety = new SafetyOptions { SpiralMinPeople = 1, SpiralMinMessages = 3 } });
        await h.SayAsync("ana", 0, "nothing will ever change here");

        using var restarted = h.NewMonitor(new SpiralDetector(h.Options.Safety));
        Assert.Null((await restarted.ObserveAsync(Message("ana", 1, "what's the point"), CancellationToken.None)).Alert);
        await restarted.RestoreAsync(CancellationToken.None);

        // Two messages held, not three: the one kept just now was not restored a second time.
        Assert.Empty(h.DirectMessageTargets());
        Assert.Equal(AlertKind.Spiral, (await restarted.ObserveAsync(Message("ana", 2, "i've given up"), CancellationToken.None)).Alert?.Kind);
    }

    [Fact]
    public async Task RestoreAsync_RestartAfterTheWindow_KeptMessagesIgnoredAndNoAlert()
    {
        var h = new SafetyHarness();
        await h.SayAsync("ana", 0, "nothing will ever change here");
        await h.SayAsync("ben", 2, "what's the point of any of it");

        h.Time.Advance(h.Options.Safety.SpiralWindow + TimeSpan.FromMinutes(3));
        using var restarted = h.NewMonitor(new SpiralDetector(h.Options.Safety));
        await restarted.RestoreAsync(CancellationToken.None);

        // Stamped by the platform well before the clock, so the detector alone (which measures the window on message
        // times) would still count the old messages: only the restore, measured on the clock, leaves them out.
        var third = await restarted.ObserveAsync(Message("cat", 4, "i've given up honestly"), CancellationToken.None);

        Assert.Null(third.Alert);
        Assert.Empty(await h.Store.ListAsync(["g1"], includeResolved: true, CancellationToken.None));
    }

    [Fact]
    public async Task RestoreAsync_KeptMessagesAlreadyMakeASpiral_AlertsOnceAtRestore()
    {
        // A run that stopped after keeping the third message and before storing its alert.
        var h = new SafetyHarness();
        var reasons = new[] { "futility: \"what's the point\"" };
        await h.Pending.AddAsync("g1", new SpiralEntry(SafetyHarness.Start, "ana", "what's the point", reasons), CancellationToken.None);
        await h.Pending.AddAsync("g1", new SpiralEntry(SafetyHarness.Start.AddMinutes(1), "ben", "nothing matters", reasons), CancellationToken.None);
        await h.Pending.AddAsync("g1", new SpiralEntry(SafetyHarness.Start.AddMinutes(2), "cat", "why bother", reasons), CancellationToken.None);
        h.Time.Advance(TimeSpan.FromMinutes(5));

        using var restarted = h.NewMonitor(new SpiralDetector(h.Options.Safety));
        await restarted.RestoreAsync(CancellationToken.None);
        await restarted.RestoreAsync(CancellationToken.None);
        using var again = h.NewMonitor(new SpiralDetector(h.Options.Safety));
        await again.RestoreAsync(CancellationToken.None);

        var alert = Assert.Single(await h.Store.ListAsync(["g1"], includeResolved: true, CancellationToken.None));
        Assert.Equal(AlertKind.Spiral, alert.Kind);
        Assert.Equal(SafetyHarness.Start.AddMinutes(2), alert.RaisedAt);
        Assert.Equal(3, alert.MessageCount);
        Assert.True(alert.Delivered);
        Assert.Equal(2, h.DirectMessageTargets().Count);
        Assert.Empty(h.Pending.Entries);
    }

    [Fact]
    public async Task RestoreAsync_AlertStoredButKeptMessagesNotDeleted_NoSecondAlert()
    {
        // A run that stopped between storing the spiral alert and deleting the messages it counted.
        var h = new SafetyHarness();
        await h.SayAsync("ana", 0, "nothing will ever change here");
        await h.SayAsync("ben", 2, "what's the point of any of it");
        Assert.NotNull((await h.SayAsync("cat", 4, "i've given up honestly")).Alert);
        var reasons = new[] { "futility: \"what's the point\"" };
        foreach (var (author, minute) in new[] { ("ana", 0), ("ben", 2), ("cat", 4) })
        {
            await h.Pending.AddAsync("g1", new SpiralEntry(SafetyHarness.Start.AddMinutes(minute), author, "kept " + author, reasons), CancellationToken.None);
        }

        using var restarted = h.NewMonitor(new SpiralDetector(h.Options.Safety));
        await restarted.RestoreAsync(CancellationToken.None);

        Assert.Single(await h.Store.ListAsync(["g1"], includeResolved: true, CancellationToken.None));
    }

    [Fact]
    public async Task ObserveAsync_SpiralAlerts_OnlyThatGroupsKeptMessagesUpToTheAlertAreDeleted()
    {
        var h = new SafetyHarness();
        await h.Monitor.ObserveAsync(new ObservedMessage("g2", "ana", "ana", SafetyHarness.Start, "nothing will ever change"), CancellationToken.None);
        await h.SayAsync("ana", 0, "nothing will ever change here");
        await h.SayAsync("ben", 2, "what's the point of any of it");
        await h.Pending.AddAsync("g1", new SpiralEntry(SafetyHarness.Start.AddMinutes(9), "ben", "written just after", []), CancellationToken.None);

        Assert.NotNull((await h.SayAsync("cat", 4, "i've given up honestly")).Alert);

        Assert.Equal(["g2", "g1"], h.Pending.Entries.Select(e => e.GroupId));
        Assert.Equal("written just after", h.Pending.Entries[1].Entry.Excerpt);
    }

    [Fact]
    public async Task ObserveAsync_PendingStoreFails_LiveDecisionsStillMade()
    {
        var h = new SafetyHarness();
        var failing = new Mock<ISpiralEntryStore>();
        failing.Setup(s => s.AddAsync(It.IsAny<string>(), It.IsAny<SpiralEntry>(), It.IsAny<CancellationToken>())).ThrowsAsync(new IOException("disk full"));
        failing.Setup(s => s.ListSinceAsync(It.IsAny<DateTimeOffset>(), It.IsAny<CancellationToken>())).ThrowsAsync(new IOException("disk full"));
        failing.Setup(s => s.DeleteUpToAsync(It.IsAny<string>(), It.IsAny<DateTimeOffset>(), It.IsAny<CancellationToken>())).ThrowsAsync(new IOException("disk full"));
        using var monitor = new SafetyMonitor(new RuleBasedClassifier(h.Options.Safety), new SpiralDetector(h.Options.Safety), h.Store, failing.Object,
            h.Delivery, new AlertIdGenerator(new Random(3)), h.Time, NullLogger<SafetyMonitor>.Instance);

        await monitor.ObserveAsync(Message("ana", 0, "nothing will ever change here"), CancellationToken.None);
        await monitor.ObserveAsync(Message("ben", 1, "what's the point of any of it"), CancellationToken.None);
        var spiral = await monitor.ObserveAsync(Message("cat", 2, "i've given up honestly"), CancellationToken.None);
        var crisis = await monitor.ObserveAsync(Message("ana", 3, "it's hopeless, i want to die"), CancellationToken.None);

        Assert.Equal(AlertKind.Spiral, spiral.Alert?.Kind);
        Assert.Equal(AlertKind.Crisis, crisis.Alert?.Kind);
    }

    [Fact]
    public async Task ObserveAsync_UnlistedAuthor_KeptKeyHoldsNoPlatformIdAndStillCountsOnePerson()
    {
        var h = new SafetyHarness(options: new PeerBotOptions { Safety = new SafetyOptions { SpiralMinPeople = 2 } });
        await h.SayAsync("unlisted:Slack:U0STRANGER", 0, "nothing will ever change here");
        await h.SayAsync("unlisted:Slack:U0STRANGER", 1, "what's the point");

        Assert.All(h.Pending.Entries, e => Assert.DoesNotContain("U0STRANGER", e.Entry.AuthorKey, StringComparison.Ordinal));
        Assert.Single(h.Pending.Entries.Select(e => e.Entry.AuthorKey).Distinct());
        using var restarted = h.NewMonitor(new SpiralDetector(h.Options.Safety));
        await restarted.RestoreAsync(CancellationToken.None);
        Assert.Null((await restarted.ObserveAsync(Message("unlisted:Slack:U0STRANGER", 2, "i've given up"), CancellationToken.None)).Alert);
        var alert = (await restarted.ObserveAsync(Message("ana", 3, "it's hopeless"), CancellationToken.None)).Alert;
        Assert.Equal(2, alert?.PeopleCount);
    }

    [Fact]
    public async Task ShareAsync_AnonymousFatalisticPost_KeptUnderTheAnonymityHandleOnly()
    {
        using var world = new W();
        await world.ShareFormAsync(W.AnaUser, "honestly what's the point, nothing will ever change here");
        await world.PassMaxDelayAndDeliverAsync();
        var observed = Assert.Single(world.Safety.Observed);
        var handle = world.Handles.HandleOf(W.Ana);

        // What sharing hands the safety engine goes through the real monitor into the kept window.
        var h = new SafetyHarness();
        await h.Monitor.ObserveAsync(observed with { GroupId = "g1", Timestamp = SafetyHarness.Start }, CancellationToken.None);

        Assert.Null(observed.AuthorPersonId);
        Assert.Equal(handle, observed.AuthorKey);
        var kept = Assert.Single(h.Pending.Entries);
        Assert.Equal(handle, kept.Entry.AuthorKey);
        foreach (var identity in new[] { W.AnaUser, W.Ana, world.Person(W.Ana).Name })
        {
            Assert.DoesNotContain(identity, kept.Entry.AuthorKey, StringComparison.OrdinalIgnoreCase);
        }
    }

    [Fact]
    public async Task HandleMessageAsync_AuthorNotOnTheRoster_KeptWithoutTheirPlatformId()
    {
        using var world = new W();
        const string Stranger = "U0STRANGER77";
        await world.Handler.HandleMessageAsync(
            new Platform.IncomingMessage(Platform.PlatformKind.Slack, world.TuesdayChannel.Id, "m1", Stranger, "what's the point, nothing will ever change", world.Time.GetUtcNow(), false),
            CancellationToken.None);
        var observed = Assert.Single(world.Safety.Observed);

        // What the command handler hands the safety engine goes through the real monitor into the kept window.
        var h = new SafetyHarness();
        await h.Monitor.ObserveAsync(observed with { GroupId = "g1", Timestamp = SafetyHarness.Start }, CancellationToken.None);

        var kept = Assert.Single(h.Pending.Entries);
        Assert.DoesNotContain(Stranger, kept.Entry.AuthorKey, StringComparison.OrdinalIgnoreCase);
        Assert.StartsWith("unlisted:", kept.Entry.AuthorKey, StringComparison.Ordinal);
    }

    [Fact]
    public async Task RunOnceAsync_KeptMessagesOutOfTheWindow_Purged()
    {
        var h = new SafetyHarness();
        await h.SayAsync("ana", 0, "nothing will ever change here");
        await h.SayAsync("ben", 20, "what's the point of any of it");

        h.Time.Advance(h.Options.Safety.SpiralWindow + TimeSpan.FromMinutes(1));
        await h.Maintenance.RunOnceAsync(CancellationToken.None);

        Assert.Equal(["ben"], h.Pending.Entries.Select(e => e.Entry.AuthorKey));
        h.Time.Advance(TimeSpan.FromMinutes(20));
        await h.Maintenance.RunOnceAsync(CancellationToken.None);
        Assert.Empty(h.Pending.Entries);
    }
}
