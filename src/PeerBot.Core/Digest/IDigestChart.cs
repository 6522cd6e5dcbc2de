namespace PeerBot.Core.Digest;

/// <summary>A chart image of a digest: PNG bytes and the text that stands in for it where images cannot be seen.</summary>
/// <param name="FileName">A file name for it, such as <c>tuesday-circle.png</c>.</param>
/// <param name="Png">The PNG bytes.</param>
/// <param name="AltText">What the chart shows, in words (alt text on platforms that take it).</param>
public sealed record DigestChart(string FileName, ReadOnlyMemory<byte> Png, string AltText);

/// <summary>Draws a digest's charts, in process.</summary>
public interface IDigestChartRenderer
{
    /// <summary>The chart of one group's weeks.</summary>
    DigestChart Render(GroupDigest group);

    /// <summary>
    /// The one chart of a coordinator's program-wide digest: the last complete week's figures for every group, side by
    /// side, the same figures for each; counts only, no excerpts.
    /// </summary>
    DigestChart RenderProgram(DigestReport report);
}
