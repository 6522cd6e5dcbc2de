using System.Text;
using PeerBot.Core.Sharing;
using static PeerBot.Reliability.Tests.ReliabilityWorld;

namespace PeerBot.Reliability.Tests.Fuzzing;

/// <summary>
/// Property: whatever mix of mass mentions, user and role mentions, Slack specials, nesting, zero-width characters and
/// look-alikes a share holds, the neutralised text holds no mention syntax Discord or Slack would notify on.
/// </summary>
public class MentionNeutralizerPropertyTests
{
    private static readonly string[] Mentions =
    [
        "@everyone", "@here", "@channel", "@EVERYONE", "@Here", "@hereby", "@everyones", "@here_", "e@everyone.org",
        "<!channel>", "<!here>", "<!everyone>", "<!here|here>", "<!subteam^S012AB|@residents>", "<!subteam^S1>", "<!date^1392734382^{date}|Feb 18>",
        "<@U0ANA99182>", "<@U0ANA99182|ana>", "<@W012>", "<@111111111111111111>", "<@!222222222222222222>", "<@&333333333333333333>",
        "<", ">", "<!", "<@", "<@!", "<@&", "|", "^", "@", "!",
    ];

    private static readonly string[] Oddities =
    [
        "\u200B", "\u200C", "\u200D", "\u2060", "\uFEFF", "\u00AD", "\u202E", "\uFF20", "\uFE6B", "\uFF1C", "\uFF1E", "\u0435", "\u0440",
        "\u00A0", "\n", "\r\n", "\t", " ", "`", "*", "_", "~", "\\",
    ];

    private static string Mix(Random random)
    {
        var text = new StringBuilder();
        var pieces = random.Next(1, 16);
        for (var i = 0; i < pieces; i++)
        {
            text.Append(random.Next(5) switch
            {
                0 or 1 => Fuzz.Pick(random, Mentions),
                2 => Fuzz.Pick(random, Oddities),
                3 => Fuzz.RandomChars(random, 4),
                _ => "words ",
            });
        }

        return text.ToString();
    }

    [Fact]
    public void Neutralize_RandomMentionMixes_NothingPings()
    {
        var random = new Random(5505);
        var cases = Fuzz.Cases(20_000);
        for (var i = 0; i < cases; i++)
        {
            var text = Mix(random);
            if (random.Next(4) == 0)
            {
                // Nest one mix inside another's label: <!x|...>, <@U1|...>.
                text = Fuzz.Pick(random, ["<!x|", "<@U1|", "<!subteam^S1|", "<"]) + text + Fuzz.Pick(random, [">", ">>", ""]);
            }

            var neutral = MentionNeutralizer.Neutralize(text);

            AssertPingsNobody(neutral, $"case {i}: {text}");

            // Not even an unclosed opener survives, which a later ">" (a quote's next line) could close.
            Assert.DoesNotContain("<!", neutral, StringComparison.Ordinal);
            Assert.DoesNotContain("<@", neutral, StringComparison.Ordinal);
            Assert.Equal(neutral, MentionNeutralizer.Neutralize(neutral));
        }
    }

    [Fact]
    public void Neutralize_TextWithoutMentionSyntax_Unchanged()
    {
        var random = new Random(6606);
        for (var i = 0; i < Fuzz.Cases(10_000); i++)
        {
            var text = Fuzz.RandomChars(random, 40).Replace("@", "", StringComparison.Ordinal).Replace("<", "", StringComparison.Ordinal);

            Assert.Equal(text, MentionNeutralizer.Neutralize(text));
        }
    }

    [Theory]
    [InlineData("<!x|<!here>>")]
    [InlineData("<!<!here>>")]
    [InlineData("<@U1|<@U2>>")]
    [InlineData("<@U1|<!channel>>")]
    [InlineData("<!subteam^S1|<@&333333333333333333>>")]
    [InlineData("I hereby @hereby resign")]
    [InlineData("@everyone_please")]
    public void Neutralize_NestedOrRunOnMention_NothingPings(string text)
    {
        AssertPingsNobody(MentionNeutralizer.Neutralize(text), text);
    }

    [Theory]
    [InlineData("see <!chan <!channe\nl>")]
    [InlineData("<!here\nthere")]
    [InlineData("<@U0ANA99182\nx>")]
    public void Neutralize_UnclosedMentionAcrossLines_QuotedStillPingsNobody(string text)
    {
        var quoted = new Core.Platform.QuoteBlock(MentionNeutralizer.Neutralize(text)).ToPlainText();

        AssertPingsNobody(quoted, text);
    }

    [Fact]
    public void Neutralize_HugeText_FinishesQuickly()
    {
        // Each pass only shortens the text; a deeply nested 20,000-character share is still handled in one go.
        var nested = string.Concat(Enumerable.Repeat("<!x|", 2_000)) + "@here" + new string('>', 2_000);

        var neutral = MentionNeutralizer.Neutralize(nested);

        AssertPingsNobody(neutral, "deeply nested");
    }
}
