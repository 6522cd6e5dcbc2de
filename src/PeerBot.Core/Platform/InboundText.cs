using System.Text;

namespace PeerBot.Core.Platform;

/// <summary>Makes text that arrived from outside safe to keep: well-formed UTF-16, so it encodes to UTF-8.</summary>
public static class InboundText
{
    /// <summary>The replacement for a broken character.</summary>
    public const char Replacement = '\uFFFD';

    /// <summary>
    /// <paramref name="text"/> with every unpaired surrogate replaced by U+FFFD, or the same instance when it is
    /// already well formed. Stores encode strings as strict UTF-8 and refuse a lone surrogate, so one in a command
    /// or a post would otherwise fail the store write.
    /// </summary>
    public static string Clean(string? text)
    {
        if (string.IsNullOrEmpty(text))
        {
            return text ?? "";
        }

        var firstBroken = FirstBroken(text);
        if (firstBroken < 0)
        {
            return text;
        }

        var clean = new StringBuilder(text.Length);
        clean.Append(text, 0, firstBroken);
        for (var i = firstBroken; i < text.Length; i++)
        {
            var c = text[i];
            if (char.IsHighSurrogate(c) && i + 1 < text.Length && char.IsLowSurrogate(text[i + 1]))
            {
                clean.Append(c).Append(text[++i]);
            }
            else
            {
                clean.Append(char.IsSurrogate(c) ? Replacement : c);
            }
        }

        return clean.ToString();
    }

    /// <summary>
    /// Someone's text made fit for a log line: at most <paramref name="maxLength"/> characters, with line breaks and
    /// control characters escaped, so it can neither flood the log nor forge a line of its own.
    /// </summary>
    public static string ForLog(string? text, int maxLength = 64)
    {
        var clean = Clean(text);
        var line = new StringBuilder(Math.Min(clean.Length, maxLength) + 8);
        foreach (var c in clean)
        {
            if (line.Length >= maxLength)
            {
                return line.Append('…').ToString();
            }

            line.Append(char.IsControl(c) || c is '\u2028' or '\u2029' ? $"\\u{(int)c:X4}" : c.ToString());
        }

        return line.ToString();
    }

    private static int FirstBroken(string text)
    {
        for (var i = 0; i < text.Length; i++)
        {
            var c = text[i];
            if (char.IsHighSurrogate(c) && i + 1 < text.Length && char.IsLowSurrogate(text[i + 1]))
            {
                i++;
            }
            else if (char.IsSurrogate(c))
            {
                return i;
            }
        }

        return -1;
    }
}
