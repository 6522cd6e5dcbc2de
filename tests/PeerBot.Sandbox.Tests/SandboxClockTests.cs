using Microsoft.Extensions.Time.Testing;

namespace PeerBot.Sandbox.Tests;

public class SandboxClockTests
{
    private static readonly DateTimeOffset Start = new(2026, 11, 2, 18, 0, 0, TimeSpan.Zero);
    private readonly FakeTimeProvider _inner = new(Start);

    [Fact]
    public void GetUtcNow_AfterAdvance_IsAheadOfTheClockBeneathByTheJump()
    {
        var clock = new SandboxClock(_inner);

        var returned = clock.Advance(TimeSpan.FromHours(3));
        _inner.Advance(TimeSpan.FromMinutes(1));

        Assert.Equal(Start.AddHours(3), returned);
        Assert.Equal(Start.AddHours(3).AddMinutes(1), clock.GetUtcNow());
        Assert.Equal(TimeSpan.FromHours(3), clock.Offset);
    }

    [Fact]
    public void GetElapsedTime_AcrossAJump_IncludesTheJump()
    {
        var clock = new SandboxClock(_inner);
        var before = clock.GetTimestamp();

        clock.Advance(TimeSpan.FromMinutes(10));

        Assert.Equal(TimeSpan.FromMinutes(10), clock.GetElapsedTime(before));
    }

    [Fact]
    public void CreateTimer_DueWithinTheJump_FiresOnAdvance()
    {
        var clock = new SandboxClock(_inner);
        var fired = 0;
        using var timer = clock.CreateTimer(_ => Interlocked.Increment(ref fired), null, TimeSpan.FromMinutes(5), Timeout.InfiniteTimeSpan);

        clock.Advance(TimeSpan.FromMinutes(4));
        Assert.Equal(0, fired);

        clock.Advance(TimeSpan.FromMinutes(1));
        Assert.Equal(1, fired);

        clock.Advance(TimeSpan.FromHours(1));
        Assert.Equal(1, fired);
    }

    [Fact]
    public void CreateTimer_DueAfterTheJump_FiresWhenTheRestHasPassed()
    {
        var clock = new SandboxClock(_inner);
        var fired = 0;
        using var timer = clock.CreateTimer(_ => Interlocked.Increment(ref fired), null, TimeSpan.FromMinutes(5), Timeout.InfiniteTimeSpan);

        clock.Advance(TimeSpan.FromMinutes(2));
        _inner.Advance(TimeSpan.FromMinutes(3) - TimeSpan.FromSeconds(1));
        Assert.Equal(0, fired);

        _inner.Advance(TimeSpan.FromSeconds(1));
        Assert.Equal(1, fired);
    }

    [Fact]
    public void CreateTimer_Periodic_KeepsItsPeriodInSandboxTime()
    {
        var clock = new SandboxClock(_inner);
        var fired = 0;
        using var timer = clock.CreateTimer(_ => Interlocked.Increment(ref fired), null, TimeSpan.FromMinutes(1), TimeSpan.FromMinutes(1));

        clock.Advance(TimeSpan.FromMinutes(1));
        Assert.Equal(1, fired);

        _inner.Advance(TimeSpan.FromMinutes(1));
        Assert.Equal(2, fired);

        clock.Advance(TimeSpan.FromMinutes(1));
        Assert.Equal(3, fired);
    }

    [Fact]
    public void Dispose_PendingTimer_NeverFiresAndIsForgotten()
    {
        var clock = new SandboxClock(_inner);
        var fired = 0;
        var timer = clock.CreateTimer(_ => Interlocked.Increment(ref fired), null, TimeSpan.FromMinutes(5), Timeout.InfiniteTimeSpan);
        Assert.Equal(1, clock.PendingTimerCount);

        timer.Dispose();
        clock.Advance(TimeSpan.FromHours(1));

        Assert.Equal(0, fired);
        Assert.Equal(0, clock.PendingTimerCount);
        Assert.False(timer.Change(TimeSpan.Zero, Timeout.InfiniteTimeSpan));
    }

    [Fact]
    public void Change_ToInfinite_StopsTheTimer()
    {
        var clock = new SandboxClock(_inner);
        var fired = 0;
        using var timer = clock.CreateTimer(_ => Interlocked.Increment(ref fired), null, TimeSpan.FromMinutes(5), Timeout.InfiniteTimeSpan);

        Assert.True(timer.Change(Timeout.InfiniteTimeSpan, Timeout.InfiniteTimeSpan));
        clock.Advance(TimeSpan.FromHours(1));

        Assert.Equal(0, fired);
    }

    [Fact]
    public async Task Delay_ThroughTheClock_CompletesWhenTheClockJumpsPastIt()
    {
        var clock = new SandboxClock(_inner);

        var delay = Task.Delay(TimeSpan.FromMinutes(2), clock);
        Assert.False(delay.IsCompleted);

        clock.Advance(TimeSpan.FromMinutes(5));

        await delay.WaitAsync(TimeSpan.FromSeconds(10));
        Assert.True(delay.IsCompletedSuccessfully);
    }

    [Fact]
    public void Advance_Negative_IsRefused()
    {
        var clock = new SandboxClock(_inner);

        Assert.Throws<ArgumentOutOfRangeException>(() => clock.Advance(TimeSpan.FromSeconds(-1)));
        Assert.Equal(Start, clock.GetUtcNow());
    }

    [Fact]
    public void AdvanceTo_ATimeAlreadyPast_LeavesTheClock()
    {
        var clock = new SandboxClock(_inner);
        clock.Advance(TimeSpan.FromHours(1));

        var now = clock.AdvanceTo(Start);

        Assert.Equal(Start.AddHours(1), now);
        Assert.Equal(TimeSpan.FromHours(1), clock.Offset);
    }

    [Fact]
    public void AdvanceTo_AFutureTime_RaisesAdvancedWithIt()
    {
        var clock = new SandboxClock(_inner);
        DateTimeOffset? announced = null;
        clock.Advanced += (_, now) => announced = now;

        clock.AdvanceTo(Start.AddDays(2));

        Assert.Equal(Start.AddDays(2), announced);
        Assert.Equal(Start.AddDays(2), clock.GetUtcNow());
    }
}
