using System.Text;
using System.Text.Json.Nodes;
using PeerBot.Core.Platform;

namespace PeerBot.Slack.Rendering;

/// <summary>A message rendered for Slack: the notification fallback and Block Kit blocks.</summary>
/// <param name="Text">Escaped plain-text fallback (notifications, screen readers).</param>
/// <param name="Blocks">The Block Kit blocks.</param>
public sealed record SlackRenderedMessage(string Text, JsonArray Blocks);

/// <summary>
/// Renders Core's neutral messages as mrkdwn and Block Kit. All literal text is escaped, mrkdwn text objects are
/// <c>verbatim</c> (no automatic links or mentions), so nothing rendered can ping anyone.
/// </summary>
public static class SlackMessageRenderer
{
    private const int MaxSectionText = 3000;
    private const int MaxBlocks = 50;
    private const int MaxFallback = 3000;

    /// <summary>Renders a message.</summary>
    public static SlackRenderedMessage Render(OutgoingMessage message)
    {
        ArgumentNullException.ThrowIfNull(message);
        var blocks = new JsonArray();
        if (ToneHeader(message.Tone) is { } header)
        {
            // The tone leads as a header of its own, and starts the notification text, so a crisis reads as one before
            // anything else.
            blocks.Add(new JsonObject { ["type"] = "header", ["text"] = PlainText(header) });
        }

        foreach (var block in message.Blocks)
        {
            foreach (var rendered in RenderBlock(block))
            {
                if (blocks.Count < MaxBlocks - 1)
                {
                    blocks.Add(rendered);
                }
            }
        }

        if (message.Buttons.Count > 0)
        {
            var elements = new JsonArray();
            foreach (var button in message.Buttons.Take(25))
            {
                var element = new JsonObject
                {
                    ["type"] = "button",
                    ["text"] = PlainText(SlackText.Truncate(button.Label, 75)),
                    ["action_id"] = button.ActionId,
                    ["value"] = button.ActionId,
                };
                if (button.Style != ButtonStyle.Secondary)
                {
                    element["style"] = button.Style == ButtonStyle.Primary ? "primary" : "danger";
                }

                elements.Add(element);
            }

            blocks.Add(new JsonObject { ["type"] = "actions", ["elements"] = elements });
        }

        var plain = ToneHeader(message.Tone) is { } lead ? lead + "\n\n" + message.ToPlainText() : message.ToPlainText();
        var fallback = SlackText.Escape(SlackText.Truncate(plain, MaxFallback));
        return new SlackRenderedMessage(fallback, blocks);
    }

    /// <summary>The header that marks a message's tone, or null for an ordinary message.</summary>
    public static string? ToneHeader(MessageTone tone) => tone switch
    {
        MessageTone.Crisis => "\U0001F534 URGENT \u2014 CRISIS",
        MessageTone.Warning => "\U0001F7E0 Needs attention",
        _ => null,
    };

    /// <summary>Renders spans as mrkdwn: escaped text, emphasis markers outside any edge whitespace.</summary>
    public static string RenderSpans(IEnumerable<TextSpan> spans)
    {
        ArgumentNullException.ThrowIfNull(spans);
        var builder = new StringBuilder();
        foreach (var span in spans)
        {
            builder.Append(RenderSpan(span));
        }

        return builder.ToString();
    }

    private static string RenderSpan(TextSpan span)
    {
        var escaped = SlackText.Escape(span.Text);
        if (span.Style == SpanStyle.None || string.IsNullOrWhiteSpace(span.Text))
        {
            return escaped;
        }

        // Slack only honours markers that touch non-space characters.
        var core = escaped.Trim();
        var lead = escaped[..(escaped.Length - escaped.TrimStart().Length)];
        var trail = escaped[(lead.Length + core.Length)..];
        if (span.Style.HasFlag(SpanStyle.Code))
        {
            core = "`" + core.Replace("`", "'", StringComparison.Ordinal) + "`";
        }

        if (span.Style.HasFlag(SpanStyle.Italic))
        {
            core = "_" + core + "_";
        }

        if (span.Style.HasFlag(SpanStyle.Bold))
        {
            core = "*" + core + "*";
        }

        return lead + core + trail;
    }

    private static IEnumerable<JsonObject> RenderBlock(MessageBlock block) => block switch
    {
        HeadingBlock heading => [new JsonObject { ["type"] = "header", ["text"] = PlainText(SlackText.Truncate(heading.Text, 150)) }],
        ParagraphBlock paragraph => Sections(paragraph.Spans.SelectMany(SpanUnits)),
        ListBlock list => Sections(ListUnits(list)),
        QuoteBlock quote => Sections(QuoteUnits(quote.Text)),
        _ => Sections(TextUnits(SlackText.Escape(block.ToPlainText()), MaxSectionText)),
    };

    // A section holds at most 3,000 characters of mrkdwn. Long content is cut only between units, and every unit is a
    // whole piece of mrkdwn (a word, a styled span with its markers, a quoted line with its ">"), so no cut leaves a
    // marker open, a quote line without its ">", an entity such as &amp; or a surrogate pair in two halves.
    private static IEnumerable<JsonObject> Sections(IEnumerable<string> units)
    {
        var current = new StringBuilder();
        foreach (var unit in units)
        {
            if (current.Length > 0 && current.Length + unit.Length > MaxSectionText)
            {
                // The next section starts on a line of its own anyway.
                var text = current.ToString().TrimEnd('\n');
                if (text.Length > 0)
                {
                    yield return Section(text);
                }

                current.Clear();
            }

            current.Append(unit);
        }

        if (current.Length > 0)
        {
            yield return Section(current.ToString());
        }
    }

    private static JsonObject Section(string mrkdwn) => new()
    {
        ["type"] = "section",
        ["text"] = new JsonObject { ["type"] = "mrkdwn", ["text"] = mrkdwn, ["verbatim"] = true },
    };

    private static IEnumerable<string> SpanUnits(TextSpan span)
    {
        var rendered = RenderSpan(span);
        if (span.Style == SpanStyle.None || string.IsNullOrWhiteSpace(span.Text))
        {
            return TextUnits(rendered, MaxSectionText);
        }

        if (rendered.Length <= MaxSectionText)
        {
            return [rendered];
        }

        // A styled span longer than a section: each piece carries the markers of its own.
        var markers = RenderSpan(span with { Text = "x" }).Length - 1;
        var pieces = new List<string>();
        var piece = new StringBuilder();
        foreach (var word in TextUnits(SlackText.Escape(span.Text.Trim()), MaxSectionText - markers))
        {
            if (piece.Length > 0 && piece.Length + word.Length > MaxSectionText - markers)
            {
                pieces.Add(piece.ToString());
                piece.Clear();
            }

            piece.Append(word);
        }

        pieces.Add(piece.ToString());
        var lead = SlackText.Escape(span.Text[..(span.Text.Length - span.Text.TrimStart().Length)]);
        var trail = SlackText.Escape(span.Text[span.Text.TrimEnd().Length..]);
        return pieces.Select((p, i) => (i == 0 ? lead : " ") + Restyle(span.Style, p.Trim()) + (i == pieces.Count - 1 ? trail : ""));
    }

    // Markers around already escaped text; the same order as RenderSpan.
    private static string Restyle(SpanStyle style, string escaped)
    {
        if (escaped.Length == 0)
        {
            return escaped;
        }

        if (style.HasFlag(SpanStyle.Code))
        {
            escaped = "`" + escaped.Replace("`", "'", StringComparison.Ordinal) + "`";
        }

        if (style.HasFlag(SpanStyle.Italic))
        {
            escaped = "_" + escaped + "_";
        }

        if (style.HasFlag(SpanStyle.Bold))
        {
            escaped = "*" + escaped + "*";
        }

        return escaped;
    }

    private static IEnumerable<string> ListUnits(ListBlock list)
    {
        for (var i = 0; i < list.Items.Count; i++)
        {
            var first = true;
            foreach (var unit in list.Items[i].SelectMany(SpanUnits))
            {
                yield return first ? (i > 0 ? "\n" : "") + "• " + unit : unit;
                first = false;
            }

            if (first)
            {
                yield return (i > 0 ? "\n" : "") + "• ";
            }
        }
    }

    private static IEnumerable<string> QuoteUnits(string text)
    {
        var lines = text.Split('\n');
        for (var i = 0; i < lines.Length; i++)
        {
            var end = i < lines.Length - 1 ? "\n" : "";
            var escaped = SlackText.Escape(lines[i]);
            if (escaped.Length + 2 <= MaxSectionText)
            {
                yield return ">" + escaped + end;
                continue;
            }

            // A quoted line longer than a section becomes several quoted lines.
            var pieces = new List<string>();
            var piece = new StringBuilder();
            foreach (var word in TextUnits(escaped, MaxSectionText - 2))
            {
                if (piece.Length > 0 && piece.Length + word.Length > MaxSectionText - 2)
                {
                    pieces.Add(piece.ToString());
                    piece.Clear();
                }

                piece.Append(word);
            }

            pieces.Add(piece.ToString());
            for (var p = 0; p < pieces.Count; p++)
            {
                yield return ">" + pieces[p] + (p < pieces.Count - 1 ? "\n" : end);
            }
        }
    }

    /// <summary>Escaped text as words with their following whitespace; a word longer than <paramref name="max"/> is cut safely.</summary>
    private static IEnumerable<string> TextUnits(string escaped, int max)
    {
        var start = 0;
        while (start < escaped.Length)
        {
            var end = start;
            while (end < escaped.Length && !char.IsWhiteSpace(escaped[end]))
            {
                end++;
            }

            while (end < escaped.Length && char.IsWhiteSpace(escaped[end]))
            {
                end++;
            }

            var word = escaped[start..end];
            while (word.Length > max)
            {
                var cut = SafeCut(word, max);
                yield return word[..cut];
                word = word[cut..];
            }

            yield return word;
            start = end;
        }
    }

    // The longest prefix of at most max characters that ends neither inside an entity (&amp; &lt; &gt;) nor between
    // the two halves of a surrogate pair.
    private static int SafeCut(string text, int max)
    {
        var cut = max;
        if (char.IsLowSurrogate(text[cut]) && cut > 0 && char.IsHighSurrogate(text[cut - 1]))
        {
            cut--;
        }

        var amp = text.LastIndexOf('&', cut - 1, Math.Min(5, cut));
        if (amp > 0)
        {
            var semicolon = text.IndexOf(';', amp);
            if (semicolon >= cut && semicolon - amp <= 4)
            {
                cut = amp;
            }
        }

        return cut;
    }

    /// <summary>A <c>plain_text</c> text object.</summary>
    public static JsonObject PlainText(string text) => new() { ["type"] = "plain_text", ["text"] = text, ["emoji"] = true };
}
