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
}
