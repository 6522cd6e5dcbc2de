using PeerBot.Core.Configuration;
using PeerBot.Core.Platform;
using PeerBot.Core.Safety;

namespace PeerBot.Core.Tests.Safety;

public sealed class SafetyMaintenanceServiceTests
{
    [Fact]
    public async Task RunOnceAsync_AfterRetention_PurgesExcerptsAndQuotedWords()
    {
        var h = new SafetyHarness(options: new PeerBotOptions { Safety = new SafetyOptions { ExcerptRetention = TimeSpan.FromDays(30) } });
        var outcome = await h.SayAsync("ana", 0, "i want to die");

        h.Time.Advance(TimeSpan.FromDays(29));
        await h.Maintenance.RunOnceAsync(CancellationToken.None);
        Assert.NotEmpty((await h.Store.FindAsync(outcome.Alert!.Id, CancellationToken.None))!.Excerpts);

        h.Time.Advance(TimeSpan.FromDays(2));
        await h.Maintenance.RunOnceAsync(CancellationToken.None);

        var stored = await h.Store.FindAsync(outcome.Alert.Id, CancellationToken.None);
        Assert.Empty(stored!.Excerpts);
        Assert.Equal(["crisis, ideation"], stored.Reasons);
        Assert.Equal(h.Time.GetUtcNow(), stored.ExcerptsPurgedAt);
        Assert.Equal(AlertKind.Crisis, stored.Kind);
    }

    [Fact]
    public async Task RunOnceAsync_AfterRetention_EditsTheDeliveredAlertMessagesToDropTheExcerpt()
    {
        var h = new SafetyHarness(options: new PeerBotOptions { Safety = new SafetyOptions { ExcerptRetention = TimeSpan.FromDays(30) } });
        var outcome = await h.SayAsync("ana", 0, "i want to die tonight");
        Assert.All(h.Platform.DirectMessages.Where(d => d.UserId != "U-ana"), d => Assert.Contains("i want to die tonight", d.Message.ToPlainText(), StringComparison.Ordinal));

        h.Time.Advance(TimeSpan.FromDays(31));
        await h.Maintenance.RunOnceAsync(CancellationToken.None);

        var alerts = h.Platform.DirectMessages.Where(d => d.UserId != "U-ana").ToList();
        Assert.Equal(2, alerts.Count);
        Assert.All(alerts, d => Assert.DoesNotContain("i want to die tonight", d.Message.ToPlainText(), StringComparison.Ordinal));
        Assert.All(alerts, d => Assert.Contains("Excerpts are no longer kept", d.Message.ToPlainText(), StringComparison.Ordinal));
        Assert.True((await h.Store.FindAsync(outcome.Alert!.Id, CancellationToken.None))!.PurgeShown);

        // Done once: a later pass edits nothing more.
        var edits = h.Platform.Calls.Count(c => c.Operation == "UpdateMessage");
        h.Time.Advance(SafetyMaintenanceService.Interval);
        await h.Maintenance.RunOnceAsync(CancellationToken.None);
        Assert.Equal(edits, h.Platform.Calls.Count(c => c.Operation == "UpdateMessage"));
    }

    [Fact]
    public async Task RunOnceAsync_EditFailsForNow_RetriedOnTheNextPassUntilShown()
    {
        var h = new SafetyHarness(options: new PeerBotOptions { Safety = new SafetyOptions { ExcerptRetention = TimeSpan.FromDays(30) } });
        var outcome = await h.SayAsync("ana", 0, "i want to die tonight");
        h.Time.Advance(TimeSpan.FromDays(31));
        h.Platform.FailNext("UpdateMessage", new PlatformException(PlatformErrorKind.Unavailable, "down"));

        await h.Maintenance.RunOnceAsync(CancellationToken.None);
        Assert.False((await h.Store.FindAsync(outcome.Alert!.Id, CancellationToken.None))!.PurgeShown);

        h.Time.Advance(SafetyMaintenanceService.Interval);
        await h.Maintenance.RunOnceAsync(CancellationToken.None);
        Assert.True((await h.Store.FindAsync(outcome.Alert.Id, CancellationToken.None))!.PurgeShown);
        Assert.All(h.Platform.DirectMessages.Where(d => d.UserId != "U-ana"), d => Assert.DoesNotContain("i want to die tonight", d.Message.ToPlainText(), StringComparison.Ordinal));
    }

    [Fact]
    public async Task RunOnceAsync_DeliveredMessageDeleted_PurgeCountsAsShown()
    {
        var h = new SafetyHarness(options: new PeerBotOptions { Safety = new SafetyOptions { ExcerptRetention = TimeSpan.FromDays(30) } });
        var outcome = await h.SayAsync("ana", 0, "i want to die tonight");
        h.Time.Advance(TimeSpan.FromDays(31));
        h.Platform.FailNext("UpdateMessage", new PlatformException(PlatformErrorKind.NotFound, "Unknown Message"));

        await h.Maintenance.RunOnceAsync(CancellationToken.None);

        Assert.True((await h.Store.FindAsync(outcome.Alert!.Id, CancellationToken.None))!.PurgeShown);
    }

    [Fact]
    public async Task ForgetAlertExcerpts_TheirCrisisAlertAndTheGroupsSpirals_PurgedAndEdited_OthersKept()
    {
        var h = new SafetyHarness();
        var crisis = await h.SayAsync("ana", 0, "i want to die tonight");
        var other = await h.SayAsync("ben", 1, "honestly i want to die");
        var spiral = await SpiralAsync(h);

        var purged = await h.Monitor.ForgetAlertExcerptsAsync(["ana", "handle-of-ana"], ["g1"], CancellationToken.None);

        Assert.Equal(2, purged);
        Assert.Empty((await h.Store.FindAsync(crisis.Alert!.Id, CancellationToken.None))!.Excerpts);
        Assert.Empty((await h.Store.FindAsync(spiral.Id, CancellationToken.None))!.Excerpts);
        Assert.NotEmpty((await h.Store.FindAsync(other.Alert!.Id, CancellationToken.None))!.Excerpts);
        var texts = h.Platform.DirectMessages.Where(d => d.UserId is not "U-ana" and not "U-ben").Select(d => d.Message.ToPlainText()).ToList();
        Assert.DoesNotContain(texts, t => t.Contains("i want to die tonight", StringComparison.Ordinal));
        Assert.Contains(texts, t => t.Contains("honestly i want to die", StringComparison.Ordinal));
        Assert.True((await h.Store.FindAsync(crisis.Alert.Id, CancellationToken.None))!.PurgeShown);
    }

    private static async Task<AlertRecord> SpiralAsync(SafetyHarness h)
    {
        string[] people = ["ben", "cat", "ana", "ben", "cat", "ana"];
        SafetyOutcome? last = null;
        for (var i = 0; i < people.Length && last?.Alert is not { Kind: AlertKind.Spiral }; i++)
        {
            last = await h.SayAsync(people[i], 10 + i, "nothing will ever change here, what's the point");
        }

        Assert.Equal(AlertKind.Spiral, last!.Alert!.Kind);
        return (await h.Store.FindAsync(last.Alert.Id, CancellationToken.None))!;
    }

    [Fact]
    public async Task ExecuteAsync_TimerDriven_RetriesOnEachTick()
    {
        var h = new SafetyHarness();
        h.Platform.FailNext("SendDirectMessage");
        h.Platform.FailNext("SendDirectMessage");
        var outcome = await h.SayAsync("ana", 0, "i want to die");
        Assert.False((await h.Store.FindAsync(outcome.Alert!.Id, CancellationToken.None))!.Delivered);
        var passes = 0;
        var secondPass = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var firstPass = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        h.Maintenance.PassCompleted += (_, _) =>
        {
            var n = Interlocked.Increment(ref passes);
            (n == 1 ? firstPass : secondPass).TrySetResult();
        };

        await h.Maintenance.StartAsync(CancellationToken.None);
        await firstPass.Task.WaitAsync(TimeSpan.FromSeconds(10));
        h.Time.Advance(SafetyMaintenanceService.Interval);
        await secondPass.Task.WaitAsync(TimeSpan.FromSeconds(10));
        await h.Maintenance.StopAsync(CancellationToken.None);

        Assert.True((await h.Store.FindAsync(outcome.Alert.Id, CancellationToken.None))!.Delivered);
    }
}
