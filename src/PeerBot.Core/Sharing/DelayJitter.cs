namespace PeerBot.Core.Sharing;

/// <summary>Picks the random delay before an anonymous post appears, so its timing does not point at its author.</summary>
public interface IDelayJitter
{
    /// <summary>A delay between <paramref name="min"/> and <paramref name="max"/>, both included.</summary>
    TimeSpan Pick(TimeSpan min, TimeSpan max);
}

/// <summary>Uniformly random delays from the shared random source.</summary>
public sealed class RandomDelayJitter : IDelayJitter
{
    private readonly Random _random;

    /// <summary>Uses <see cref="Random.Shared"/>.</summary>
    public RandomDelayJitter() : this(Random.Shared) { }

    /// <summary>Uses a given random source (tests seed one).</summary>
    public RandomDelayJitter(Random random) => _random = random;

    /// <inheritdoc />
    public TimeSpan Pick(TimeSpan min, TimeSpan max)
    {
        if (max <= min)
        {
            return min;
        }

        var ticks = _random.NextInt64(min.Ticks, max.Ticks + 1);
        return TimeSpan.FromTicks(ticks);
    }
}
