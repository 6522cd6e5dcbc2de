using PeerBot.Testing;

namespace PeerBot.Core.Tests.Testing;

/// <summary>The shared test clock: what it reports must match when its timers really fire, or tests would move it wrongly.</summary>
public sealed class SignallingTimeProviderTests
{
    private static readonly DateTimeOffset Start = new(2026, 11, 2, 12, 0, 0, TimeSpan.Zero);

    [Fact]
    public void CreateTimer_OneShot_PendingUntilItFires()
    {
        var clock = new SignallingTimeProvider(Start);
        var fired = 0;
        var created = new List<TimeSpan>();
        clock.TimerCreated += created.Add;

        using var timer = clock.CreateTimer(_ => fired++, null, TimeSpan.FromSeconds(5), Timeout.InfiniteTimeSpan);

        Assert.Equal([TimeSpan.FromSeconds(5)], created);
        Assert.Equal(1, clock.TimersCreated);
        Assert.Equal(Start + TimeSpan.FromSeconds(5), clock.NextDue);
        Assert.True(clock.AdvanceToNextDue());
        Assert.Equal(1, fired);
        Assert.Equal(Start + TimeSpan.FromSeconds(5), clock.GetUtcNow());
        Assert.Null(clock.NextDue);
        Assert.False(clock.AdvanceToNextDue());
    }

    [Fact]
    public void CreateTimer_Periodic_NextDueFollowsEachFiring()
    {
        var clock = new SignallingTimeProvider(Start);
        var fired = new List<DateTimeOffset>();
        using var timer = clock.CreateTimer(_ => fired.Add(clock.GetUtcNow()), null, TimeSpan.FromSeconds(2), TimeSpan.FromSeconds(3));

        for (var i = 0; i < 4; i++)
        {
            Assert.True(clock.AdvanceToNextDue());
        }

        Assert.Equal(4, fired.Count);
        Assert.Equal(Start + TimeSpan.FromSeconds(11), clock.GetUtcNow());
        Assert.Equal(Start + TimeSpan.FromSeconds(14), clock.NextDue);
    }

    [Fact]
    public void Timer_DisposedOrStopped_IsNoLongerPending()
    {
        var clock = new SignallingTimeProvider(Start);
        var stopped = clock.CreateTimer(_ => { }, null, TimeSpan.FromSeconds(1), Timeout.InfiniteTimeSpan);
        var disposed = clock.CreateTimer(_ => { }, null, TimeSpan.FromSeconds(2), Timeout.InfiniteTimeSpan);
        Assert.Equal(2, clock.PendingTimers);

        stopped.Change(Timeout.InfiniteTimeSpan, Timeout.InfiniteTimeSpan);
        disposed.Dispose();

        Assert.Equal(0, clock.PendingTimers);
        Assert.Null(clock.NextDue);
        stopped.Change(TimeSpan.FromSeconds(7), Timeout.InfiniteTimeSpan);
        Assert.Equal(Start + TimeSpan.FromSeconds(7), clock.NextDue);
        stopped.Dispose();
    }

    [Fact]
    public async Task TaskDelay_OnTheClock_IsSignalledThenCompletesWhenAdvancedToIt()
    {
        var clock = new SignallingTimeProvider(Start);
        var before = clock.TimersCreated;
        var created = clock.WhenTimerCreated;

        var delay = Task.Delay(TimeSpan.FromMinutes(3), clock);

        await created.WaitAsync(TimeSpan.FromSeconds(10));
        await clock.WaitForTimersCreatedAsync(before, TimeSpan.FromSeconds(10));
        Assert.False(delay.IsCompleted);
        clock.AdvanceTo(Start + TimeSpan.FromMinutes(3));
        await delay.WaitAsync(TimeSpan.FromSeconds(10));
        Assert.Equal(0, clock.PendingTimers);
    }
}
