using System.Globalization;
using System.Text;
using PeerBot.Core.Digest;

namespace PeerBot.Cli;

/// <summary>
/// Writes digests to a folder, one sub-folder per recipient (named by their id in the configuration):
/// <c>digest.txt</c>, the text with each chart's file name and alt text, and one PNG per group.
/// </summary>
internal static class DigestFiles
{
    /// <summary>Writes the digests; returns one line per recipient saying what was written.</summary>
    public static IReadOnlyList<string> Write(string folder, IReadOnlyList<ComposedDigest> digests)
    {
        Directory.CreateDirectory(folder);
        var lines = new List<string>();
        foreach (var digest in digests)
        {
            var name = SafeName(digest.Report.Recipient.Id);
            var target = Path.Combine(folder, name);
            Directory.CreateDirectory(target);
            var text = new StringBuilder(digest.Text.TrimEnd()).AppendLine().AppendLine();
            foreach (var chart in digest.Charts)
            {
                File.WriteAllBytes(Path.Combine(target, chart.FileName), chart.Png.ToArray());
                text.AppendLine(CultureInfo.InvariantCulture, $"Chart {chart.FileName}: {chart.AltText}");
            }

            File.WriteAllText(Path.Combine(target, "digest.txt"), text.ToString());
            lines.Add($"{name}/ ({(digest.Report.ProgramWide ? "every group" : "their groups")}: {digest.Report.Groups.Count} chart{(digest.Report.Groups.Count == 1 ? "" : "s")})");
        }

        return lines;
    }

    // Ids come from the configuration; nothing in one may climb out of the folder.
    private static string SafeName(string id)
    {
        var safe = new string(id.Select(c => char.IsAsciiLetterOrDigit(c) || c is '-' or '_' or '.' ? c : '_').ToArray()).Trim('.');
        return safe.Length == 0 ? "_" : safe;
    }
}
