namespace PeerBot.Core.Tests;

public sealed class ClockWaitsTests
{
    [Theory]
    [InlineData(0L, 0L)]
    [InlineData(-1L, 0L)]
    [InlineData(-20_000L, 0L)]
    [InlineData(1L, 10_000L)]
    [InlineData(4_000L, 10_000L)]
    [InlineData(10_000L, 10_000L)]
    [InlineData(10_001L, 20_000L)]
    [InlineData(600_000_000L + 9_999L, 600_010_000L)]
    public void WholeMilliseconds_Wait_RoundedUpToWholeMilliseconds(long ticks, long expectedTicks)
    {
        Assert.Equal(TimeSpan.FromTicks(expectedTicks), ClockWaits.WholeMilliseconds(TimeSpan.FromTicks(ticks)));
    }

    [Fact]
    public void WholeMilliseconds_LongestWait_DoesNotOverflow()
    {
        Assert.Equal(TimeSpan.MaxValue, ClockWaits.WholeMilliseconds(TimeSpan.MaxValue));
    }

    [Fact]
    public void Capped_AnyWait_NeverMoreThanTheCapNorWhatATimerAccepts()
    {
        Assert.Equal(ClockWaits.MaxWait, ClockWaits.Capped(TimeSpan.MaxValue));
        Assert.Equal(ClockWaits.MaxWait, ClockWaits.Capped(TimeSpan.FromDays(365 * 100)));
        Assert.Equal(ClockWaits.MaxWait, ClockWaits.Capped(Timeout.InfiniteTimeSpan));
        Assert.Equal(TimeSpan.Zero, ClockWaits.Capped(TimeSpan.MinValue));
        Assert.Equal(TimeSpan.FromMilliseconds(2), ClockWaits.Capped(TimeSpan.FromTicks(10_001)));
        Assert.Equal(ClockWaits.MaxTimerWait, ClockWaits.Capped(TimeSpan.MaxValue, TimeSpan.MaxValue));
        Assert.Equal(TimeSpan.FromMilliseconds(1), ClockWaits.Capped(TimeSpan.FromDays(1), TimeSpan.Zero));
    }

    [Fact]
    public async Task Capped_LongestCap_IsAcceptedByTaskDelay()
    {
        using var cancel = new CancellationTokenSource();
        var delay = Task.Delay(ClockWaits.Capped(TimeSpan.MaxValue, TimeSpan.MaxValue), TimeProvider.System, cancel.Token);
        await cancel.CancelAsync();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => delay);
    }

    [Fact]
    public void Until_TimesAtTheEdges_ZeroWhenPastAndCappedWhenFar()
    {
        var now = new DateTimeOffset(2026, 11, 2, 12, 0, 0, TimeSpan.Zero);

        Assert.Equal(TimeSpan.Zero, ClockWaits.Until(DateTimeOffset.MinValue, now));
        Assert.Equal(TimeSpan.Zero, ClockWaits.Until(now, now));
        Assert.Equal(ClockWaits.MaxWait, ClockWaits.Until(DateTimeOffset.MaxValue, now));
        Assert.Equal(ClockWaits.MaxWait, ClockWaits.Until(new DateTimeOffset(2126, 11, 2, 12, 0, 0, TimeSpan.Zero), now));
        Assert.Equal(ClockWaits.MaxWait, ClockWaits.Until(DateTimeOffset.MaxValue, DateTimeOffset.MinValue));
        Assert.Equal(TimeSpan.FromMinutes(1), ClockWaits.Until(DateTimeOffset.MaxValue, now, TimeSpan.FromMinutes(1)));
        Assert.Equal(TimeSpan.FromMilliseconds(1), ClockWaits.Until(now.AddTicks(4_000), now));
    }

    [Theory]
    [InlineData(0, 0)]
    [InlineData(-3, 0)]
    [InlineData(1, 30)]
    [InlineData(2, 60)]
    [InlineData(3, 120)]
    [InlineData(5, 480)]
    [InlineData(6, 900)]
    [InlineData(1_000, 900)]
    [InlineData(int.MaxValue, 900)]
    public void Backoff_Failures_DoublesFromTheFirstUpToTheMax(int failures, int expectedSeconds)
    {
        Assert.Equal(TimeSpan.FromSeconds(expectedSeconds), ClockWaits.Backoff(failures, TimeSpan.FromSeconds(30), TimeSpan.FromMinutes(15)));
    }
}
