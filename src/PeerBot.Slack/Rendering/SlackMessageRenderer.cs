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

        var fallback = SlackText.Escape(SlackText.Truncate(message.ToPlainText(), MaxFallback));
        return new SlackRenderedMessage(fallback, blocks);
    }

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
        ParagraphBlock paragraph => Sections(RenderSpans(paragraph.Spans)),
        ListBlock list => Sections(string.Join("\n", list.Items.Select(item => "• " + RenderSpans(item)))),
        QuoteBlock quote => Sections(string.Join("\n", quote.Text.Split('\n').Select(line => ">" + SlackText.Escape(line)))),
        _ => Sections(SlackText.Escape(block.ToPlainText())),
    };

    private static IEnumerable<JsonObject> Sections(string mrkdwn)
    {
        if (mrkdwn.Length == 0)
        {
            yield break;
        }

        var start = 0;
        while (start < mrkdwn.Length)
        {
            var length = Math.Min(MaxSectionText, mrkdwn.Length - start);
            if (start + length < mrkdwn.Length)
            {
                // Never split an entity such as &amp; across two sections.
                var amp = mrkdwn.LastIndexOf('&', start + length - 1, Math.Min(5, length));
                if (amp > start && mrkdwn.IndexOf(';', amp) >= start + length)
                {
                    length = amp - start;
                }
            }

            var piece = mrkdwn.Substring(start, length);
            start += length;
            yield return new JsonObject
            {
                ["type"] = "section",
                ["text"] = new JsonObject { ["type"] = "mrkdwn", ["text"] = piece, ["verbatim"] = true },
            };
        }
    }

    /// <summary>A <c>plain_text</c> text object.</summary>
    public static JsonObject PlainText(string text) => new() { ["type"] = "plain_text", ["text"] = text, ["emoji"] = true };
}
