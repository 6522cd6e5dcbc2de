using System.Text.RegularExpressions;
using PeerBot.Core.Platform;

namespace PeerBot.Core.Sharing;

/// <summary>
/// Makes text safe to post on behalf of someone else: no mass mention, user, role or group mention of
/// Discord or Slack can ping anyone. Mentions are turned into plain look-alikes, so the text still reads naturally.
/// </summary>
public static partial class MentionNeutralizer
{
    private const string ZeroWidthSpace = "\u200B";

    /// <summary>Neutralises every mention syntax of Discord and Slack in <paramref name="text"/>.</summary>
    public static string Neutralize(string text)
    {
        ArgumentNullException.ThrowIfNull(text);

        // A mention's label can itself hold mention syntax (<!x|<!here>>, <@U1|<@U2>>), which one pass would
        // leave behind as a live mention; each pass shortens the text, so repeating until nothing changes ends.
        while (true)
        {
            var next = NeutralizeOnce(text);
            if (next == text)
            {
                break;
            }

            text = next;
        }

        // What is left of an unclosed "<!" or "<@" could still be closed by a ">" that comes later: the next line
        // of a quote as rendered ("> "), or text an adapter appends. Break the opener itself.
        return text.Replace("<!", "<" + ZeroWidthSpace + "!", StringComparison.Ordinal)
            .Replace("<@", "<" + ZeroWidthSpace + "@", StringComparison.Ordinal);
    }

    /// <summary>
    /// The message with every piece of text a person sees (headings, paragraphs, lists, quotes, button labels)
    /// neutralised: for replies that echo what someone typed.
    /// </summary>
    public static OutgoingMessage Neutralize(OutgoingMessage message)
    {
        ArgumentNullException.ThrowIfNull(message);
        static IReadOnlyList<TextSpan> Spans(IReadOnlyList<TextSpan> spans) => spans.Select(s => s with { Text = Neutralize(s.Text) }).ToList();
        var blocks = message.Blocks.Select(block => block switch
        {
            HeadingBlock heading => heading with { Text = Neutralize(heading.Text) },
            ParagraphBlock paragraph => paragraph with { Spans = Spans(paragraph.Spans) },
            ListBlock list => list with { Items = list.Items.Select(Spans).ToList() },
            QuoteBlock quote => quote with { Text = Neutralize(quote.Text) },
            _ => block,
        }).ToList();
        var buttons = message.Buttons.Select(b => b with { Label = Neutralize(b.Label) }).ToList();
        return message with { Blocks = blocks, Buttons = buttons };
    }

    private static string NeutralizeOnce(string text)
    {
        // Slack special mentions: <!channel>, <!here>, <!everyone>, <!subteam^S123|@team>, <!date^...|fallback>.
        text = SlackSpecial().Replace(text, m =>
        {
            var body = m.Groups["body"].Value;
            var bar = body.IndexOf('|', StringComparison.Ordinal);
            var label = bar >= 0 ? body[(bar + 1)..] : body.Split('^')[0];
            return "@" + ZeroWidthSpace + label.TrimStart('@');
        });

        // Slack user mentions <@U123> / <@U123|name> and Discord <@123>, <@!123>, <@&123> (role).
        text = UserOrRole().Replace(text, m =>
        {
            var label = m.Groups["label"].Success ? m.Groups["label"].Value.TrimStart('@') : (m.Groups["role"].Value == "&" ? "role" : "someone");
            return "@" + ZeroWidthSpace + label;
        });

        // @everyone, @here, @channel typed as words. Discord finds them anywhere in the text, even inside a longer
        // word ("@hereby"), so no word boundary is required after them.
        return BareMass().Replace(text, m => "@" + ZeroWidthSpace + m.Groups["word"].Value);
    }

    [GeneratedRegex(@"<!(?<body>[^>]*)>", RegexOptions.CultureInvariant)]
    private static partial Regex SlackSpecial();

    [GeneratedRegex(@"<@(?<role>[!&]?)(?<id>[A-Za-z0-9]+)(\|(?<label>[^>]*))?>", RegexOptions.CultureInvariant)]
    private static partial Regex UserOrRole();

    [GeneratedRegex(@"@(?<word>everyone|here|channel)", RegexOptions.CultureInvariant | RegexOptions.IgnoreCase)]
    private static partial Regex BareMass();
}
