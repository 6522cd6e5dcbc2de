namespace PeerBot.Core.Safety;

/// <summary>
/// Makes short alert ids a facilitator can type back (<c>/peer ack A7K2</c>): a letter and three more
/// characters from an alphabet without look-alikes (no 0/O, 1/I/L, 2/Z, 5/S, 8/B).
/// </summary>
public sealed class AlertIdGenerator
{
    private const string Letters = "ACDEFGHJKMNPQRTUVWXY";
    private const string Alphabet = Letters + "34679";
    private readonly Random _random;

    /// <summary>Creates a generator using the shared random source.</summary>
    public AlertIdGenerator()
        : this(Random.Shared)
    {
    }

    /// <summary>Creates a generator with a given random source (tests).</summary>
    public AlertIdGenerator(Random random)
    {
        ArgumentNullException.ThrowIfNull(random);
        _random = random;
    }

    /// <summary>A new id of <paramref name="length"/> characters (at least 4).</summary>
    public string Next(int length = 4)
    {
        length = Math.Max(4, length);
        return string.Create(length, _random, static (span, random) =>
        {
            span[0] = Letters[random.Next(Letters.Length)];
            for (var i = 1; i < span.Length; i++)
            {
                span[i] = Alphabet[random.Next(Alphabet.Length)];
            }
        });
    }

    /// <summary>Normalises what a person typed: trimmed, upper case.</summary>
    public static string Normalise(string typed)
    {
        ArgumentNullException.ThrowIfNull(typed);
        return typed.Trim().ToUpperInvariant();
    }
}
