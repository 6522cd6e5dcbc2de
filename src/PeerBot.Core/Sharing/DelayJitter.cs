using System.Security.Cryptography;

namespace PeerBot.Core.Sharing;

/// <summary>Picks the random delay before an anonymous post appears, so its timing does not point at its author.</summary>
public interface IDelayJitter
{
    /// <summary>A delay between <paramref name="min"/> and <paramref name="max"/>, both included.</summary>
    TimeSpan Pick(TimeSpan min, TimeSpan max);
}

/// <summary>
/// Uniformly random delays from the operating system's cryptographic generator (<see cref="RandomNumberGenerator"/>).
/// A <see cref="Random"/>, seeded or shared, can be predicted from a few delays it produced (anyone in the group sees
/// when posts appear), and then the delay of the next post, and so its submission time, would be known; this source
/// cannot be seeded or predicted, on purpose. Tests use a seeded <see cref="IDelayJitter"/> of their own.
/// </summary>
public sealed class RandomDelayJitter : IDelayJitter
{
    /// <inheritdoc />
    public TimeSpan Pick(TimeSpan min, TimeSpan max)
    {
        if (max <= min)
        {
            return min;
        }

        return TimeSpan.FromTicks(min.Ticks + (long)Uniform((ulong)(max.Ticks - min.Ticks) + 1));
    }

    /// <summary>A uniform draw in [0, <paramref name="range"/>) from the cryptographic generator, without modulo bias.</summary>
    internal static ulong Uniform(ulong range)
    {
        ArgumentOutOfRangeException.ThrowIfZero(range);

        // Reject the top partial block of 64-bit values so every result is equally likely.
        var limit = ulong.MaxValue - (ulong.MaxValue % range);
        Span<byte> bytes = stackalloc byte[8];
        ulong draw;
        do
        {
            RandomNumberGenerator.Fill(bytes);
            draw = BitConverter.ToUInt64(bytes);
        }
        while (draw >= limit);

        return draw % range;
    }
}
