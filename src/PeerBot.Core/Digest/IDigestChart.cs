namespace PeerBot.Core.Digest;

/// <summary>A chart image of a digest: PNG bytes and the text that stands in for it where images cannot be seen.</summary>
/// <param name="FileName">A file name for it, such as <c>tuesday-circle.png</c>.</param>
/// <param name="Png">The PNG bytes.</param>
/// <param name="AltText">What the chart shows, in words (alt text on platforms that take it).</param>
public sealed record DigestChart(string FileName, ReadOnlyMemory<byte> Png, string AltText);

/// <summary>Draws a group's eight weeks as one image, in process.</summary>
public interface IDigestChartRenderer
{
    /// <summary>The chart of one group's weeks.</summary>
    DigestChart Render(GroupDigest group);
}
