using System.Globalization;
using System.Text;
using PeerBot.Core.Platform;

namespace PeerBot.Core.Groups;

/// <summary>Ids and channel names derived from group names.</summary>
public static class GroupNaming
{
    /// <summary>Longest slug, leaving room for a prefix and a numeric suffix inside every platform's limit.</summary>
    public const int MaxSlugLength = 60;

    private const string Prefix = "peer-";

    /// <summary>
    /// Lower-case ASCII letters and digits joined by single hyphens (<c>Tuesday Circle!</c> is <c>tuesday-circle</c>);
    /// accents are dropped, and a name with nothing usable becomes <c>group</c>.
    /// </summary>
    public static string Slug(string name)
    {
        ArgumentNullException.ThrowIfNull(name);
        var builder = new StringBuilder(name.Length);
        var pendingHyphen = false;
        foreach (var c in name.Normalize(NormalizationForm.FormD))
        {
            if (CharUnicodeInfo.GetUnicodeCategory(c) == UnicodeCategory.NonSpacingMark)
            {
                continue;
            }

            if (char.IsAsciiLetterOrDigit(c))
            {
                if (pendingHyphen && builder.Length > 0)
                {
                    builder.Append('-');
                }

                pendingHyphen = false;
                builder.Append(char.ToLowerInvariant(c));
            }
            else
            {
                pendingHyphen = true;
            }
        }

        var slug = builder.Length == 0 ? "group" : builder.ToString();
        return slug.Length <= MaxSlugLength ? slug : slug[..MaxSlugLength].TrimEnd('-');
    }

    /// <summary>
    /// A channel name for a group that fits every platform (Discord: lower case, 1 to 100 characters of letters,
    /// digits, hyphens and underscores; Slack: the same within 80), unique among <paramref name="taken"/>. It starts
    /// with <c>peer-</c>, once: a group whose name already starts with "Peer" does not get it twice.
    /// </summary>
    public static string ChannelName(string groupName, PlatformKind platform, IReadOnlyCollection<string> taken)
    {
        ArgumentNullException.ThrowIfNull(taken);
        var limit = platform == PlatformKind.Slack ? 80 : 100;
        // Formed groups are already called "Peer Circle N": their channel is peer-circle-n, not peer-peer-circle-n.
        var slug = Slug(groupName);
        var baseName = slug == Prefix.TrimEnd('-') || slug.StartsWith(Prefix, StringComparison.Ordinal) ? slug : Prefix + slug;
        if (baseName.Length > limit - 4)
        {
            baseName = baseName[..(limit - 4)].TrimEnd('-');
        }

        var set = new HashSet<string>(taken, StringComparer.OrdinalIgnoreCase);
        var name = baseName;
        for (var n = 2; set.Contains(name); n++)
        {
            name = baseName + "-" + n.ToString(CultureInfo.InvariantCulture);
        }

        return name;
    }
}
