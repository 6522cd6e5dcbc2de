using System.Security.Cryptography;
using System.Text;

namespace PeerBot.Slack.Rendering;

/// <summary>
/// Channel names Slack accepts: "only lowercase letters, numbers, hyphens, and underscores, … 80 characters or less".
/// </summary>
public static class SlackChannelNames
{
    /// <summary>The longest name Slack accepts.</summary>
    public const int MaxLength = 80;

    /// <summary>Fits a name to Slack's rules: lowercase, other characters to hyphens, no leading, trailing or doubled hyphens.</summary>
    public static string Sanitize(string name, string fallbackSeed)
    {
        ArgumentNullException.ThrowIfNull(name);
        var builder = new StringBuilder(name.Length);
        foreach (var c in name.Normalize(NormalizationForm.FormD))
        {
            if (char.GetUnicodeCategory(c) == System.Globalization.UnicodeCategory.NonSpacingMark)
            {
                continue;
            }

            var lower = char.ToLowerInvariant(c);
            if (lower is (>= 'a' and <= 'z') or (>= '0' and <= '9') or '_' or '-')
            {
                builder.Append(lower);
            }
            else if (builder.Length > 0 && builder[^1] != '-')
            {
                builder.Append('-');
            }
        }

        var result = builder.ToString().Trim('-', '_');
        while (result.Contains("--", StringComparison.Ordinal))
        {
            result = result.Replace("--", "-", StringComparison.Ordinal);
        }

        if (result.Length == 0)
        {
            result = "peer-" + ShortHash(fallbackSeed);
        }

        return result.Length <= MaxLength ? result : result[..MaxLength].TrimEnd('-', '_');
    }

    /// <summary>The same name with a suffix derived from <paramref name="seed"/>, for when the name is taken.</summary>
    public static string WithSuffix(string name, string seed, int attempt)
    {
        ArgumentNullException.ThrowIfNull(name);
        var suffix = "-" + ShortHash(seed) + (attempt > 1 ? "-" + attempt.ToString(System.Globalization.CultureInfo.InvariantCulture) : "");
        var head = name.Length + suffix.Length <= MaxLength ? name : name[..(MaxLength - suffix.Length)].TrimEnd('-', '_');
        return head + suffix;
    }

    private static string ShortHash(string seed) =>
        Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(seed)))[..6];
}
