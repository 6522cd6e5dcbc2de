using System.Text.RegularExpressions;

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

        // Bare @everyone, @here, @channel typed as words.
        return BareMass().Replace(text, m => "@" + ZeroWidthSpace + m.Groups["word"].Value);
    }

    [GeneratedRegex(@"<!(?<body>[^>]*)>", RegexOptions.CultureInvariant)]
    private static partial Regex SlackSpecial();

    [GeneratedRegex(@"<@(?<role>[!&]?)(?<id>[A-Za-z0-9]+)(\|(?<label>[^>]*))?>", RegexOptions.CultureInvariant)]
    private static partial Regex UserOrRole();

    [GeneratedRegex(@"@(?<word>everyone|here|channel)\b", RegexOptions.CultureInvariant | RegexOptions.IgnoreCase)]
    private static partial Regex BareMass();
}
