using PeerBot.Core.Configuration;
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
