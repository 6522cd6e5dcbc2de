using System.Text;
using System.Text.Json.Nodes;
using PeerBot.Core.Platform;

namespace PeerBot.Discord;

/// <summary>
/// Renders Core's neutral messages as Discord message bodies: markdown with every literal escaped,
/// buttons as action rows, nobody pinged and no link previews.
/// </summary>
public static class MessageRenderer
{
    /// <summary>Longest content of one Discord message.</summary>
    public const int MaxContentLength = 2000;

    /// <summary>Message flag that turns link previews off.</summary>
    public const int SuppressEmbeds = 1 << 2;

    /// <summary>Message flag that shows a reply only to the person who acted.</summary>
    public const int Ephemeral = 1 << 6;


    /// <summary>Escapes literal text so Discord shows it exactly as written and it cannot mention anyone.</summary>
    public static string Escape(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        var sb = new StringBuilder(text.Length + 8);
        var lineStart = true;
        for (var i = 0; i < text.Length; i++)
        {
            var c = text[i];
            var special = c is '\\' or '*' or '_' or '~' or '`' or '|' or '[' or ']' or '<' or '@';
            if (lineStart)
            {
                // Headings, quotes and lists only start a line.
                special |= c is '#' or '>' or '-' or '+';
                if (char.IsAsciiDigit(c))
                {
                    var j = i;
                    while (j < text.Length && char.IsAsciiDigit(text[j]))
                    {
                        j++;
                    }

                    if (j < text.Length && text[j] == '.')
                    {
                        sb.Append(text, i, j - i).Append("\\.");
                        i = j;
                        lineStart = false;
                        continue;
                    }
                }
            }

            if (special)
            {
                sb.Append('\\');
            }

            sb.Append(c);
            if (c == '@')
            {
                // Even escaped, "@everyone" reads like a mention; a zero-width space breaks it.
                sb.Append('\u200B');
            }

            lineStart = c == '\n' || (lineStart && c == ' ');
        }

        return sb.ToString();
    }

    /// <summary>The message as Discord markdown content (may exceed <see cref="MaxContentLength"/>).</summary>
    public static string RenderContent(OutgoingMessage message)
    {
        ArgumentNullException.ThrowIfNull(message);
        var blocks = new List<string>();

        // Content-only messages (link previews are suppressed, and with them embeds and their colours): the tone is a
        // leading line, so it is also the start of the push notification.
        if (ToneLine(message.Tone) is { } line)
        {
            blocks.Add(line);
        }

        foreach (var block in message.Blocks)
        {
            blocks.Add(block switch
            {
                HeadingBlock h => "**" + Escape(h.Text) + "**",
                ParagraphBlock p => RenderSpans(p.Spans),
                ListBlock l => string.Join("\n", l.Items.Select(i => "- " + RenderSpans(i))),
                QuoteBlock q => string.Join("\n", q.Text.Split('\n').Select(line => "> " + Escape(line))),
                _ => Escape(block.ToPlainText()),
            });
        }

        return string.Join("\n\n", blocks);
    }

    /// <summary>The leading line that marks a message's tone, or null for an ordinary message.</summary>
    public static string? ToneLine(MessageTone tone) => tone switch
    {
        MessageTone.Crisis => "\U0001F534 **URGENT \u2014 CRISIS**",
        MessageTone.Warning => "\U0001F7E0 **Needs attention**",
        _ => null,
    };

    /// <summary>Splits content into pieces Discord accepts, at line breaks where possible.</summary>
    public static IReadOnlyList<string> Split(string content)
    {
        ArgumentNullException.ThrowIfNull(content);
        var parts = new List<string>();
        var rest = content;
        while (rest.Length > MaxContentLength)
        {
            var cut = rest.LastIndexOf('\n', MaxContentLength - 1);
            if (cut <= 0)
            {
                // Never cut a character in half (a surrogate pair: an emoji, say), nor an escape from what it escapes.
                cut = SafeLength(rest, MaxContentLength);
                if (rest[cut - 1] == '\\')
                {
                    cut--;
                }
            }

            parts.Add(rest[..cut]);
            rest = rest[cut..].TrimStart('\n');
        }

        parts.Add(rest);
        return parts;
    }

    /// <summary>The buttons as action rows of up to five.</summary>
    public static JsonArray RenderComponents(IReadOnlyList<MessageButton> buttons)
    {
        ArgumentNullException.ThrowIfNull(buttons);
        var rows = new JsonArray();
        foreach (var chunk in buttons.Take(25).Chunk(5))
        {
            var row = new JsonArray();
            foreach (var b in chunk)
            {
                row.Add(new JsonObject
                {
                    ["type"] = 2,
                    ["style"] = b.Style switch { ButtonStyle.Primary => 1, ButtonStyle.Danger => 4, _ => 2 },
                    ["label"] = Truncate(b.Label, 80),
                    ["custom_id"] = Truncate(b.ActionId, 100),
                });
            }

            rows.Add(new JsonObject { ["type"] = 1, ["components"] = row });
        }

        return rows;
    }

    /// <summary>allowed_mentions that pings nobody.</summary>
    public static JsonObject NoMentions() => new() { ["parse"] = new JsonArray() };

    private static string RenderSpans(IEnumerable<TextSpan> spans)
    {
        var sb = new StringBuilder();
        foreach (var span in spans)
        {
            if (span.Text.Length == 0)
            {
                continue;
            }

            string text;
            if (span.Style.HasFlag(SpanStyle.Code))
            {
                // Inside code nothing is markdown; only backticks could end it early.
                var fence = span.Text.Contains('`', StringComparison.Ordinal) ? "``" : "`";
                var inner = span.Text.Replace("``", "` `", StringComparison.Ordinal);
                text = fence == "``" ? "`` " + inner + " ``" : "`" + inner + "`";
            }
            else
            {
                text = Escape(span.Text);
            }

            if (span.Style.HasFlag(SpanStyle.Italic))
            {
                text = "*" + text + "*";
            }

            if (span.Style.HasFlag(SpanStyle.Bold))
            {
                text = "**" + text + "**";
            }

            sb.Append(text);
        }

        return sb.ToString();
    }

    internal static string Truncate(string value, int max) => value.Length <= max ? value : value[..SafeLength(value, max - 1)] + "…";

    /// <summary>
    /// The longest start of <paramref name="value"/> of at most <paramref name="max"/> UTF-16 units that does not end
    /// in the first half of a surrogate pair: cut there, the text would hold half a character, which is not text.
    /// </summary>
    internal static int SafeLength(string value, int max)
    {
        if (value.Length <= max)
        {
            return value.Length;
        }

        return max > 0 && char.IsHighSurrogate(value[max - 1]) && char.IsLowSurrogate(value[max]) ? max - 1 : max;
    }
}
