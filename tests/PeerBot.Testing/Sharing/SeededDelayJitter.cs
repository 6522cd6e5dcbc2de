using PeerBot.Core.Sharing;

namespace PeerBot.Testing.Sharing;

/// <summary>
/// Repeatable delays for tests: uniform between the bounds from a seeded <see cref="Random"/>. The live jitter draws from
/// the operating system's generator and cannot be seeded, on purpose.
/// </summary>
public sealed class SeededDelayJitter(int seed) : IDelayJitter
{
    private readonly Random _random = new(seed);

    public TimeSpan Pick(TimeSpan min, TimeSpan max) =>
        max <= min ? min : TimeSpan.FromTicks(_random.NextInt64(min.Ticks, max.Ticks + 1));
}
