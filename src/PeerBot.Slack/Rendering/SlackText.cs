using System.Text;

namespace PeerBot.Slack.Rendering;

/// <summary>Slack's text escaping (api.slack.com/docs/formatting): only <c>&amp;</c>, <c>&lt;</c> and <c>&gt;</c>.</summary>
public static class SlackText
{
    /// <summary>Escapes literal text so Slack shows it as written and nothing in it can ping or link.</summary>
    public static string Escape(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        if (text.AsSpan().IndexOfAny('&', '<', '>') < 0)
        {
            return text;
        }

        var builder = new StringBuilder(text.Length + 16);
        foreach (var c in text)
        {
            builder.Append(c switch
            {
                '&' => "&amp;",
                '<' => "&lt;",
                '>' => "&gt;",
                _ => c.ToString(),
            });
        }

        return builder.ToString();
    }

    /// <summary>Undoes Slack's escaping of message and command text, giving the literal text a person typed.</summary>
    public static string Unescape(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        if (!text.Contains('&', StringComparison.Ordinal))
        {
            return text;
        }

        // &amp; last, so "&amp;lt;" becomes "&lt;" and not "<".
        return text.Replace("&lt;", "<", StringComparison.Ordinal)
            .Replace("&gt;", ">", StringComparison.Ordinal)
            .Replace("&amp;", "&", StringComparison.Ordinal);
    }

    /// <summary>Cuts text to a length limit, ending with an ellipsis when cut.</summary>
    public static string Truncate(string text, int maxLength)
    {
        ArgumentNullException.ThrowIfNull(text);
        return text.Length <= maxLength ? text : string.Concat(text.AsSpan(0, maxLength - 1), "…");
    }
}
