using PeerBot.Core.Digest;
using SkiaSharp;
using R = PeerBot.Charts.ScottPlotDigestChartRenderer;

namespace PeerBot.Charts.Tests;

public sealed class ScottPlotDigestChartRendererTests
{
    private static readonly DateOnly First = new(2026, 9, 21);

    private static GroupDigest Group(Func<int, DigestWeek> week, int members = 5) =>
        new("g-tue", "Tuesday Circle", members, Enumerable.Range(0, 8).Select(week).ToList(), ["a", "b", "c"], []);

    private static DigestWeek Week(int i, int participants, params (DigestCounter Counter, int Count)[] counts) =>
        new(First.AddDays(7 * i), counts.ToDictionary(c => c.Counter, c => c.Count), participants);

    private static GroupDigest Busy() => Group(i => Week(i, 3 + (i % 3),
        (DigestCounter.Messages, 10 + (3 * i)), (DigestCounter.PromptsPosted, 2), (DigestCounter.PromptsReplied, 1 + (i % 2)),
        (DigestCounter.FatalisticMessages, i % 4), (DigestCounter.SpiralRaised, i == 5 ? 1 : 0), (DigestCounter.SpiralResolved, i == 6 ? 1 : 0),
        (DigestCounter.CheckInAnswers, 4), (DigestCounter.CheckInScoreSum, 10 + i)));

    private static SKBitmap Decode(DigestChart chart) =>
        SKBitmap.Decode(chart.Png.ToArray()) ?? throw new InvalidOperationException("not an image");

    /// <summary>Pixels in a band of panels that are (almost exactly) a colour.</summary>
    private static int Count(SKBitmap bitmap, ScottPlot.Color color, int panel)
    {
        var count = 0;
        for (var y = panel * R.PanelHeight; y < (panel + 1) * R.PanelHeight; y++)
        {
            for (var x = 0; x < bitmap.Width; x++)
            {
                var p = bitmap.GetPixel(x, y);
                if (Math.Abs(p.Red - color.R) <= 2 && Math.Abs(p.Green - color.G) <= 2 && Math.Abs(p.Blue - color.B) <= 2)
                {
                    count++;
                }
            }
        }

        return count;
    }

    [Fact]
    public void Render_EightWeeks_PngOfTheExpectedSize()
    {
        var chart = new R().Render(Busy());

        Assert.Equal("tuesday-circle.png", chart.FileName);
        Assert.Equal([0x89, (byte)'P', (byte)'N', (byte)'G'], chart.Png.Span[..4].ToArray());
        using var bitmap = Decode(chart);
        Assert.Equal((R.Width, R.Height), (bitmap.Width, bitmap.Height));
    }

    [Fact]
    public void Render_EverySeriesIsDrawnInItsPanel()
    {
        using var bitmap = Decode(new R().Render(Busy()));

        // Bars are solid fills: each series leaves thousands of pixels of its colour in its own panel.
        Assert.True(Count(bitmap, R.Messages, 0) > 5_000, "messages");
        Assert.True(Count(bitmap, R.TookPart, 1) > 5_000, "took part");
        Assert.True(Count(bitmap, R.PromptsPosted, 2) > 3_000, "prompts posted");
        Assert.True(Count(bitmap, R.PromptsAnswered, 2) > 1_000, "prompts answered");
        Assert.True(Count(bitmap, R.Fatalistic, 3) > 1_000, "fatalistic");
        Assert.True(Count(bitmap, R.FlagsRaised, 3) > 300, "flags raised");
        Assert.True(Count(bitmap, R.CheckIn, 4) > 1_000, "check-in line");

        // A panel does not bleed into another.
        Assert.Equal(0, Count(bitmap, R.Messages, 2));
    }

    [Fact]
    public void Render_FewerThanThreeTookPart_NoBarIsDrawnForThem()
    {
        using var bitmap = Decode(new R().Render(Group(i => Week(i, i % 3, (DigestCounter.Messages, 5)))));

        Assert.Equal(0, Count(bitmap, R.TookPart, 1));
        Assert.True(Count(bitmap, R.Messages, 0) > 5_000);
    }

    [Fact]
    public void Render_EmptyWeeks_StillAChartWithTextAndNoBars()
    {
        using var bitmap = Decode(new R().Render(Group(i => DigestWeek.Empty(First.AddDays(7 * i)))));

        Assert.Equal(0, Count(bitmap, R.Messages, 0));
        Assert.Equal(0, Count(bitmap, R.CheckIn, 4));

        // Titles, axes and tick labels are dark ink on white.
        var dark = 0;
        for (var y = 0; y < bitmap.Height; y += 2)
        {
            for (var x = 0; x < bitmap.Width; x += 2)
            {
                var p = bitmap.GetPixel(x, y);
                dark += p.Red < 100 && p.Green < 100 && p.Blue < 100 ? 1 : 0;
            }
        }

        Assert.True(dark > 2_000, $"only {dark} dark pixels: text and axes are missing");
    }

    [Fact]
    public void AltText_SaysEverySeriesAndHidesSmallCounts()
    {
        var text = R.AltText(Group(i => Week(i, i < 4 ? 2 : 4, (DigestCounter.Messages, i), (DigestCounter.CheckInAnswers, i < 4 ? 2 : 3), (DigestCounter.CheckInScoreSum, 9))));

        Assert.StartsWith("Tuesday Circle, 8 weeks from the week of 21 Sep to the week of 9 Nov 2026, oldest first.", text, StringComparison.Ordinal);
        Assert.Contains("Messages: 0, 1, 2, 3, 4, 5, 6, 7.", text, StringComparison.Ordinal);
        Assert.Contains("Members who took part, of 5: fewer than 3, fewer than 3, fewer than 3, fewer than 3, 4, 4, 4, 4.", text, StringComparison.Ordinal);
        Assert.Contains("Check-in average: none, none, none, none, 3.0, 3.0, 3.0, 3.0.", text, StringComparison.Ordinal);
    }

    [Fact]
    public void Render_TypeIsTheEmbeddedFontWhateverTheMachineHas()
    {
        _ = new R();

        var typeface = ScottPlot.Fonts.GetTypeface(EmbeddedFonts.Family, bold: true, italic: false);

        Assert.Equal("DejaVu Sans", typeface.FamilyName);
        Assert.True(typeface.FontWeight >= (int)SKFontStyleWeight.Bold);
    }

    private static DigestReport Program(params GroupDigest[] groups) =>
        new(new PeerBot.Core.People.Person("mo", "Mo Q.", PeerBot.Core.Configuration.PersonRole.Coordinator, null), true, First.AddDays(49), groups);

    private static GroupDigest Named(string id, string name, int members, DigestWeek last) =>
        new(id, name, members, [.. Enumerable.Range(0, 7).Select(i => DigestWeek.Empty(First.AddDays(7 * i))), last], ["a", "b", "c"], []);

    private static DigestWeek LastWeek(int participants, int messages, int fatalistic = 1) =>
        Week(7, participants, (DigestCounter.Messages, messages), (DigestCounter.PromptsPosted, 2), (DigestCounter.PromptsReplied, 1),
            (DigestCounter.FatalisticMessages, fatalistic), (DigestCounter.CopingRaised, 1), (DigestCounter.CheckInAnswers, 4), (DigestCounter.CheckInScoreSum, 13));

    [Fact]
    public void RenderProgram_EveryGroupInOneChart_EverySeriesInItsPanel()
    {
        var report = Program(
            Named("g-tue", "Tuesday Circle", 5, LastWeek(4, 23)),
            Named("g-owl", "Night Owls", 4, LastWeek(3, 12, fatalistic: 3)),
            Named("g-sat", "Saturday Reset", 6, LastWeek(5, 30)));

        var chart = new R().RenderProgram(report);

        Assert.Equal(R.ProgramFileName, chart.FileName);
        using var bitmap = Decode(chart);
        Assert.Equal((R.Width, R.Height), (bitmap.Width, bitmap.Height));
        Assert.True(Count(bitmap, R.Messages, 0) > 5_000, "messages");
        Assert.True(Count(bitmap, R.TookPart, 1) > 5_000, "took part");
        Assert.True(Count(bitmap, R.PromptsPosted, 2) > 3_000, "prompts posted");
        Assert.True(Count(bitmap, R.PromptsAnswered, 2) > 1_000, "prompts answered");
        Assert.True(Count(bitmap, R.Fatalistic, 3) > 1_000, "fatalistic");
        Assert.True(Count(bitmap, R.FlagsRaised, 3) > 1_000, "flags raised");
        Assert.True(Count(bitmap, R.CheckIn, 4) > 500, "check-in markers");
        Assert.Equal(0, Count(bitmap, R.Messages, 2));
    }

    [Fact]
    public void RenderProgram_MessagesBarsScaleWithEachGroup()
    {
        // One group with messages and one without: the messages panel has a bar only above the first group's tick.
        using var bitmap = Decode(new R().RenderProgram(Program(
            Named("g-a", "Alpha", 5, LastWeek(4, 20)),
            Named("g-b", "Beta", 5, Week(7, 4)))));

        int Columns(int from, int to)
        {
            var count = 0;
            for (var y = 0; y < R.PanelHeight; y++)
            {
                for (var x = from; x < to; x++)
                {
                    var p = bitmap.GetPixel(x, y);
                    count += Math.Abs(p.Red - R.Messages.R) <= 2 && Math.Abs(p.Green - R.Messages.G) <= 2 && Math.Abs(p.Blue - R.Messages.B) <= 2 ? 1 : 0;
                }
            }

            return count;
        }

        Assert.True(Columns(0, R.Width / 2) > 5_000, "Alpha's bar");
        Assert.Equal(0, Columns(R.Width / 2 + 60, R.Width));
    }

    [Fact]
    public void RenderProgram_AGroupWithFewerThanThreeTakingPart_HasNoBar()
    {
        using var bitmap = Decode(new R().RenderProgram(Program(
            Named("g-a", "Alpha", 5, LastWeek(2, 20)),
            Named("g-b", "Beta", 4, LastWeek(1, 8)))));

        Assert.Equal(0, Count(bitmap, R.TookPart, 1));
        Assert.True(Count(bitmap, R.Messages, 0) > 5_000);
    }

    [Fact]
    public void ProgramAltText_SameFiguresForEveryGroupAndHidesSmallCounts()
    {
        var text = R.ProgramAltText(Program(
            Named("g-tue", "Tuesday Circle", 5, LastWeek(4, 23)),
            Named("g-owl", "Night Owls", 4, LastWeek(2, 12, fatalistic: 3))));

        Assert.StartsWith("Every group, week of 9 Nov 2026, 2 groups.", text, StringComparison.Ordinal);
        Assert.Contains("Tuesday Circle: 23 messages; 4 of 5 members took part; 2 prompts posted, 1 answered; 1 fatalistic messages; 1 flags raised, 0 resolved; check-in average 3.3.", text, StringComparison.Ordinal);
        Assert.Contains("Night Owls: 12 messages; fewer than 3 of 4 members took part;", text, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("Tuesday Circle", "tuesday-circle.png")]
    [InlineData("  Nuit / Blanche!! ", "nuit-blanche.png")]
    [InlineData("★★", "group.png")]
    public void FileName_FromGroupName_SafeSlug(string name, string expected) =>
        Assert.Equal(expected, R.FileName(name));
}
