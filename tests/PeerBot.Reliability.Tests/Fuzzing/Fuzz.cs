using System.Globalization;
using System.Text;

namespace PeerBot.Reliability.Tests.Fuzzing;

/// <summary>
/// Deterministic random inputs: every generator takes a seeded <see cref="Random"/>, so a failing case is
/// reproduced by its seed and index. <c>PEERBOT_LONG_TESTS=1</c> multiplies the case counts (docs/TESTING.md).
/// </summary>
internal static class Fuzz
{
    public const string LongTestsVariable = "PEERBOT_LONG_TESTS";

    /// <summary>How much the long variant multiplies the default case counts.</summary>
    public const int LongFactor = 20;

    public static bool Long => Environment.GetEnvironmentVariable(LongTestsVariable) is "1" or "true" or "yes";

    /// <summary>The number of cases to run: the default, or <see cref="LongFactor"/> times it under the long flag.</summary>
    public static int Cases(int byDefault) => Long ? byDefault * LongFactor : byDefault;

    /// <summary>Runs <paramref name="count"/> cases; a failure names the seed and the case so it can be replayed.</summary>
    public static async Task RunAsync(int seed, int count, Func<Random, int, Task> body)
    {
        var random = new Random(seed);
        for (var i = 0; i < count; i++)
        {
            try
            {
                await body(random, i);
            }
            catch (Exception ex)
            {
                throw new FuzzFailure($"Case {i} of seed {seed} failed: {ex.GetType().Name}: {ex.Message}", ex);
            }
        }
    }

    // Pieces that break parsers and renderers: quotes, mentions, markup, separators, unicode oddities.
    private static readonly string[] Nasty =
    [
        "\"", "'", "\u201C", "\u201D", "\u2018", "\u2019", "`", "``` ", "\\", "\\\"", ":", "::", "|", "^", "<", ">", "&", "&amp;", "&lt;",
        "@everyone", "@here", "@channel", "@Everyone", "<!channel>", "<!here>", "<!everyone>", "<!subteam^S012|@team>", "<!date^1|x>",
        "<@U0ANA99182>", "<@111111111111111111>", "<@!222222222222222222>", "<@&333333333333333333>", "<#C1>", "<https://x.test|x>",
        "\u200B", "\u200C", "\u200D", "\u2060", "\uFEFF", "\u202E", "\u00A0", "\u3000", "\uFF20everyone", "\u0435", "e\u0301",
        "\uD83D\uDE00", "\uD83D", "\uDE00", "\u0000", "\u0007", "\u001B[31m", "\r", "\n", "\r\n", "\t", "\v", "\f",
        "%s", "{0}", "{", "}", "${x}", "' OR 1=1 --", "$where", "{\"$gt\":\"\"}", "../../etc/passwd", "C:\\con", "nul",
        "-1", "0", "1", "7", "12", "13", "90", "91", "2147483647", "2147483648", "-2147483649", "1e9", "0x10", "NaN", "∞", "٣",
        "A1", "A404", "P7KQ2M", "PNOPE", "g-tue", "g-owl", "Tuesday Circle", "\"Tuesday Circle\"", "'Night Owls'", "night owls",
        "now", "skip", "preview", "remove", "mute", "confirm", "help", "share", "pause", "resume", "my-data", "forget-me",
        "groups", "prompt", "reframe", "checkin", "flags", "ack", "resolve", "anon", "stats",
    ];

    private static readonly string[] Words =
    [
        "help", "share", "pause", "resume", "my-data", "forget-me", "groups", "prompt", "reframe", "checkin", "flags", "ack",
        "resolve", "anon", "stats", "now", "skip", "preview", "remove", "mute", "confirm", "approve", "decline",
    ];

    public static string Pick(Random random, IReadOnlyList<string> items) => items[random.Next(items.Count)];

    public static string NastyPiece(Random random) => Pick(random, Nasty);

    public static string Word(Random random) => Pick(random, Words);

    /// <summary>Random code points, from every plane and category (lone surrogates included).</summary>
    public static string RandomChars(Random random, int maxLength)
    {
        var length = random.Next(maxLength + 1);
        var text = new StringBuilder(length);
        for (var i = 0; i < length; i++)
        {
            text.Append(random.Next(10) switch
            {
                < 5 => (char)random.Next(0x20, 0x7F),
                5 => (char)random.Next(0, 0x20),
                6 => (char)random.Next(0x80, 0x3000),
                7 => (char)random.Next(0xD800, 0xE000),
                8 => (char)random.Next(0xE000, 0x10000),
                _ => ' ',
            });
        }

        return text.ToString();
    }

    /// <summary>A text built from nasty pieces, words and random characters, sometimes very long.</summary>
    public static string Text(Random random, int maxPieces = 12)
    {
        var text = new StringBuilder();
        var pieces = random.Next(maxPieces + 1);
        for (var i = 0; i < pieces; i++)
        {
            text.Append(random.Next(4) switch
            {
                0 => NastyPiece(random),
                1 => Word(random),
                2 => RandomChars(random, 12),
                _ => " ",
            });
            if (random.Next(3) == 0)
            {
                text.Append(' ');
            }
        }

        return random.Next(60) switch
        {
            0 => text.Append(new string('x', random.Next(1_000, 20_000))).ToString(),
            1 => string.Concat(Enumerable.Repeat(NastyPiece(random), random.Next(100, 3_000))),
            2 => new string('"', random.Next(1, 400)),
            _ => text.ToString(),
        };
    }

    /// <summary>A mutation of a valid input: a character flipped, deleted, duplicated or inserted, or a piece spliced in.</summary>
    public static string Mutate(Random random, string valid)
    {
        var text = new StringBuilder(valid);
        var edits = random.Next(1, 4);
        for (var e = 0; e < edits; e++)
        {
            var at = text.Length == 0 ? 0 : random.Next(text.Length + 1);
            switch (random.Next(6))
            {
                case 0 when at < text.Length:
                    text[at] = (char)random.Next(0, 0x3000);
                    break;
                case 1 when at < text.Length:
                    text.Remove(at, Math.Min(text.Length - at, random.Next(1, 6)));
                    break;
                case 2 when at < text.Length:
                    text.Insert(at, text.ToString(at, Math.Min(text.Length - at, random.Next(1, 8))));
                    break;
                case 3:
                    text.Insert(at, NastyPiece(random));
                    break;
                case 4:
                    text.Insert(at, RandomChars(random, 6));
                    break;
                default:
                    text.Insert(at, random.Next(1_000_000).ToString(CultureInfo.InvariantCulture));
                    break;
            }
        }

        return text.ToString();
    }
}

/// <summary>A fuzz case failed; the message names the seed and case.</summary>
internal sealed class FuzzFailure(string message, Exception inner) : Exception(message, inner);
