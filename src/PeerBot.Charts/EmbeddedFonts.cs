using System.Reflection;
using ScottPlot;
using SkiaSharp;

namespace PeerBot.Charts;

/// <summary>
/// DejaVu Sans, shipped inside the assembly (Bitstream Vera licence, Fonts/LICENSE-DejaVu.txt), so charts have the same
/// type on every machine, a container image without fonts included, and never draw text as nothing.
/// </summary>
internal sealed class EmbeddedFonts : IFontResolver
{
    /// <summary>The family charts ask for.</summary>
    public const string Family = "PeerBot Sans";

    private static readonly Lazy<SKTypeface> Regular = new(() => Load("DejaVuSans.ttf"));
    private static readonly Lazy<SKTypeface> Bold = new(() => Load("DejaVuSans-Bold.ttf"));
    private static readonly Lock Gate = new();
    private static bool _installed;

    /// <summary>Puts the embedded fonts first among ScottPlot's font resolvers, once.</summary>
    public static void Install()
    {
        lock (Gate)
        {
            if (!_installed)
            {
                Fonts.FontResolvers.Insert(0, new EmbeddedFonts());
                _installed = true;
            }
        }
    }

    public SKTypeface? CreateTypeface(string fontName, FontWeight weight, FontSlant slant, FontSpacing spacing) =>
        fontName == Family ? (weight >= FontWeight.SemiBold ? Bold.Value : Regular.Value) : null;

    public SKTypeface? CreateTypeface(string fontName, bool bold, bool italic) =>
        fontName == Family ? (bold ? Bold.Value : Regular.Value) : null;

    private static SKTypeface Load(string file)
    {
        using var stream = Assembly.GetExecutingAssembly().GetManifestResourceStream("PeerBot.Charts.Fonts." + file)
            ?? throw new InvalidOperationException($"The font {file} is missing from the assembly.");
        return SKTypeface.FromStream(stream) ?? throw new InvalidOperationException($"The font {file} cannot be read.");
    }
}
