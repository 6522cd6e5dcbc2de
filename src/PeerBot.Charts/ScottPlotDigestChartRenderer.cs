using System.Globalization;
using PeerBot.Core.Digest;
using ScottPlot;
using SkiaSharp;

namespace PeerBot.Charts;

/// <summary>
/// Draws a group's eight weeks (and, for a coordinator, every group's last week side by side) with ScottPlot, in process: five panels stacked for a phone held upright (messages,
/// members who took part, prompts posted and answered, fatalistic messages and flags, check-in average), large type,
/// labelled axes and the Okabe-Ito colour-blind-safe palette. A count of fewer than 3 people is never drawn as a bar:
/// it is written "&lt;3".
/// </summary>
public sealed class ScottPlotDigestChartRenderer : IDigestChartRenderer
{
    /// <summary>Width of the image in pixels.</summary>
    public const int Width = 1080;

    /// <summary>Height of one panel in pixels.</summary>
    public const int PanelHeight = 330;

    /// <summary>Number of panels.</summary>
    public const int Panels = 5;

    /// <summary>Height of the image in pixels.</summary>
    public const int Height = PanelHeight * Panels;

    // Okabe-Ito: distinguishable with every common colour-vision deficiency.
    public static readonly Color Messages = Color.FromHex("#56B4E9");
    public static readonly Color TookPart = Color.FromHex("#0072B2");
    public static readonly Color PromptsPosted = Color.FromHex("#E69F00");
    public static readonly Color PromptsAnswered = Color.FromHex("#009E73");
    public static readonly Color Fatalistic = Color.FromHex("#D55E00");
    public static readonly Color FlagsRaised = Color.FromHex("#CC79A7");
    public static readonly Color FlagsResolved = Color.FromHex("#000000");
    public static readonly Color CheckIn = Color.FromHex("#009E73");

    private const float TitleSize = 34;
    private const float LabelSize = 28;
    private const float TickSize = 26;
    private const float LegendSize = 24;

    /// <summary>Creates the renderer.</summary>
    public ScottPlotDigestChartRenderer() => EmbeddedFonts.Install();

    /// <inheritdoc />
    public DigestChart Render(GroupDigest group)
    {
        ArgumentNullException.ThrowIfNull(group);
        var weeks = group.Weeks;
        var ticks = weeks.Select(w => w.WeekStart.ToString("d MMM", CultureInfo.InvariantCulture)).ToArray();

        Plot[] panels =
        [
            MessagesPanel($"{group.Name}: messages per week", weeks, ticks),
            TookPartPanel($"Members who took part (of {group.Members})", weeks, weeks.Select(_ => group.Members).ToList(), ticks),
            PromptsPanel(weeks, ticks),
            MoodPanel(weeks, ticks),
            CheckInPanel(weeks, ticks, "week starting (Monday)"),
        ];
        return new DigestChart(FileName(group.Name), Draw(panels), AltText(group));
    }

    /// <summary>The file name of the program-wide chart.</summary>
    public const string ProgramFileName = "every-group.png";

    /// <inheritdoc />
    /// <remarks>
    /// The same five panels as a group's chart, with the groups side by side instead of the weeks: messages, members who
    /// took part (no bar under 3, "&lt;3" instead), prompts posted and answered, fatalistic messages and flags, and the
    /// check-in average, all for the last complete week.
    /// </remarks>
    public DigestChart RenderProgram(DigestReport report)
    {
        ArgumentNullException.ThrowIfNull(report);
        var weeks = report.Groups.Select(g => g.LastWeek).ToList();
        var ticks = report.Groups.Select(g => TickName(g.Name, report.Groups.Count)).ToArray();
        var week = report.WeekStart.ToString("d MMM yyyy", CultureInfo.InvariantCulture);
        Plot[] panels =
        [
            MessagesPanel($"Every group, week of {week}: messages", weeks, ticks),
            TookPartPanel("Members who took part", weeks, report.Groups.Select(g => g.Members).ToList(), ticks),
            PromptsPanel(weeks, ticks),
            MoodPanel(weeks, ticks),
            CheckInPanel(weeks, ticks, "group", connect: false),
        ];
        return new DigestChart(ProgramFileName, Draw(panels), ProgramAltText(report));
    }

    /// <summary>What the program-wide chart shows, in words: each group's figures for the week, small counts hidden.</summary>
    public static string ProgramAltText(DigestReport report)
    {
        ArgumentNullException.ThrowIfNull(report);
        var week = report.WeekStart.ToString("d MMM yyyy", CultureInfo.InvariantCulture);
        var groups = report.Groups.Select(g =>
        {
            var w = g.LastWeek;
            var checkIn = DigestText.CheckInAverage(w) is { } a ? a.ToString("0.0", CultureInfo.InvariantCulture) : "none";
            return $"{g.Name}: {N(w[DigestCounter.Messages])} messages; {DigestText.People(w.Participants)} of {N(g.Members)} members took part; "
                + $"{N(w[DigestCounter.PromptsPosted])} prompts posted, {N(w[DigestCounter.PromptsReplied])} answered; "
                + $"{N(w[DigestCounter.FatalisticMessages])} fatalistic messages; {N(Raised(w))} flags raised, {N(Resolved(w))} resolved; "
                + $"check-in average {checkIn}.";
        });
        return $"Every group, week of {week}, {N(report.Groups.Count)} groups. " + string.Join(" ", groups);
    }

    // Names must share the width: at most 60 characters across the axis, never fewer than 6 a name.
    private static string TickName(string name, int columns)
    {
        var room = Math.Max(6, 60 / Math.Max(1, columns));
        return name.Length <= room ? name : name[..(room - 1)].TrimEnd() + "…";
    }

    private static byte[] Draw(Plot[] panels)
    {
        using var surface = SKSurface.Create(new SKImageInfo(Width, Height, SKColorType.Rgba8888, SKAlphaType.Premul))
            ?? throw new InvalidOperationException("Skia could not create a drawing surface.");
        surface.Canvas.Clear(SKColors.White);
        for (var i = 0; i < panels.Length; i++)
        {
            // Each panel on its own surface: ScottPlot paints its background over the whole canvas it is given.
            using var panel = SKSurface.Create(new SKImageInfo(Width, PanelHeight, SKColorType.Rgba8888, SKAlphaType.Premul))
                ?? throw new InvalidOperationException("Skia could not create a drawing surface.");
            panels[i].Render(panel.Canvas, Width, PanelHeight);
            using var drawn = panel.Snapshot();
            surface.Canvas.DrawImage(drawn, 0, i * PanelHeight);
        }

        using var image = surface.Snapshot();
        using var png = image.Encode(SKEncodedImageFormat.Png, 100);
        return png.ToArray();
    }

    /// <summary>A file name from a group's name: <c>tuesday-circle.png</c>.</summary>
    public static string FileName(string groupName)
    {
        ArgumentNullException.ThrowIfNull(groupName);
        var slug = new string(groupName.ToLowerInvariant().Select(c => char.IsAsciiLetterOrDigit(c) ? c : '-').ToArray()).Trim('-');
        while (slug.Contains("--", StringComparison.Ordinal))
        {
            slug = slug.Replace("--", "-", StringComparison.Ordinal);
        }

        return (slug.Length == 0 ? "group" : slug) + ".png";
    }

    /// <summary>What the chart shows, in words, for people who cannot see it.</summary>
    public static string AltText(GroupDigest group)
    {
        ArgumentNullException.ThrowIfNull(group);
        string Series(Func<DigestWeek, string> figure) => string.Join(", ", group.Weeks.Select(figure));
        var first = group.Weeks[0].WeekStart.ToString("d MMM", CultureInfo.InvariantCulture);
        var last = group.Weeks[^1].WeekStart.ToString("d MMM yyyy", CultureInfo.InvariantCulture);
        return $"{group.Name}, {group.Weeks.Count} weeks from the week of {first} to the week of {last}, oldest first. "
            + $"Messages: {Series(w => N(w[DigestCounter.Messages]))}. "
            + $"Members who took part, of {group.Members}: {Series(w => DigestText.People(w.Participants))}. "
            + $"Prompts posted: {Series(w => N(w[DigestCounter.PromptsPosted]))}; answered: {Series(w => N(w[DigestCounter.PromptsReplied]))}. "
            + $"Fatalistic messages: {Series(w => N(w[DigestCounter.FatalisticMessages]))}. "
            + $"Flags raised: {Series(w => N(Raised(w)))}; resolved: {Series(w => N(Resolved(w)))}. "
            + $"Check-in average: {Series(w => DigestText.CheckInAverage(w) is { } a ? a.ToString("0.0", CultureInfo.InvariantCulture) : "none")}.";
    }

    private static string N(int value) => value.ToString(CultureInfo.InvariantCulture);

    private static int Raised(DigestWeek w) => w[DigestCounter.SpiralRaised] + w[DigestCounter.CrisisRaised] + w[DigestCounter.CopingRaised];

    private static int Resolved(DigestWeek w) => w[DigestCounter.SpiralResolved] + w[DigestCounter.CrisisResolved] + w[DigestCounter.CopingResolved];

    private static Plot NewPanel(string title, string yLabel, string[] ticks, double yMax)
    {
        var plot = new Plot();
        plot.Font.Set(EmbeddedFonts.Family);
        plot.Title(title, TitleSize);
        plot.YLabel(yLabel, LabelSize);
        plot.Axes.Bottom.SetTicks(Enumerable.Range(0, ticks.Length).Select(i => (double)i).ToArray(), ticks);
        plot.Axes.Bottom.TickLabelStyle.FontSize = TickSize;
        plot.Axes.Left.TickLabelStyle.FontSize = TickSize;
        plot.Axes.SetLimits(-0.6, ticks.Length - 0.4, 0, Math.Max(yMax, 1) * 1.2);
        plot.Legend.FontSize = LegendSize;
        return plot;
    }

    private static void AddBars(Plot plot, IReadOnlyList<double> values, Color color, double offset, double size)
    {
        var bars = values.Select((v, i) => new Bar { Position = i + offset, Value = v, FillColor = color, LineColor = color, Size = size }).ToList();
        plot.Add.Bars(bars);
    }

    private static void Legend(Plot plot, params (string Label, Color Color)[] items)
    {
        foreach (var (label, color) in items)
        {
            plot.Legend.ManualItems.Add(new LegendItem { LabelText = label, FillColor = color, LineColor = color });
        }

        plot.ShowLegend(Alignment.UpperLeft, Orientation.Horizontal);
    }

    private static Plot MessagesPanel(string title, IReadOnlyList<DigestWeek> weeks, string[] ticks)
    {
        var values = weeks.Select(w => (double)w[DigestCounter.Messages]).ToList();
        var plot = NewPanel(title, "messages", ticks, values.Max());
        AddBars(plot, values, Messages, 0, 0.7);
        return plot;
    }

    private static Plot TookPartPanel(string title, IReadOnlyList<DigestWeek> weeks, IReadOnlyList<int> members, string[] ticks)
    {
        var plot = NewPanel(title, "members", ticks, members.Max());

        // Fewer than 3 people is never drawn to scale: no bar, a "<3" in its place.
        var shown = weeks.Select(w => w.Participants >= DigestText.MinPeople ? (double)w.Participants : 0).ToList();
        AddBars(plot, shown, TookPart, 0, 0.7);
        for (var i = 0; i < weeks.Count; i++)
        {
            if (weeks[i].Participants < DigestText.MinPeople)
            {
                var text = plot.Add.Text("<3", i, 0);
                text.LabelFontSize = TickSize;
                text.LabelFontColor = Colors.Black;
                text.LabelAlignment = Alignment.LowerCenter;
            }
        }

        return plot;
    }

    private static Plot PromptsPanel(IReadOnlyList<DigestWeek> weeks, string[] ticks)
    {
        var posted = weeks.Select(w => (double)w[DigestCounter.PromptsPosted]).ToList();
        var answered = weeks.Select(w => (double)w[DigestCounter.PromptsReplied]).ToList();
        var plot = NewPanel("Prompts", "prompts", ticks, Math.Max(posted.Max(), answered.Max()) + 1);
        AddBars(plot, posted, PromptsPosted, -0.2, 0.38);
        AddBars(plot, answered, PromptsAnswered, 0.2, 0.38);
        Legend(plot, ("posted", PromptsPosted), ("answered", PromptsAnswered));
        return plot;
    }

    private static Plot MoodPanel(IReadOnlyList<DigestWeek> weeks, string[] ticks)
    {
        var fatalistic = weeks.Select(w => (double)w[DigestCounter.FatalisticMessages]).ToList();
        var raised = weeks.Select(w => (double)Raised(w)).ToList();
        var resolved = weeks.Select(w => (double)Resolved(w)).ToList();
        var plot = NewPanel("Fatalistic messages and flags", "count", ticks, new[] { fatalistic.Max(), raised.Max(), resolved.Max() }.Max() + 1);
        AddBars(plot, fatalistic, Fatalistic, -0.27, 0.26);
        AddBars(plot, raised, FlagsRaised, 0, 0.26);
        AddBars(plot, resolved, FlagsResolved, 0.27, 0.26);
        Legend(plot, ("fatalistic", Fatalistic), ("flags raised", FlagsRaised), ("resolved", FlagsResolved));
        return plot;
    }

    private static Plot CheckInPanel(IReadOnlyList<DigestWeek> weeks, string[] ticks, string xLabel, bool connect = true)
    {
        var plot = NewPanel("Check-in average (3 or more answers)", "average", ticks, 4.2);
        plot.XLabel(xLabel, LabelSize);
        var points = weeks.Select((w, i) => (X: (double)i, Y: DigestText.CheckInAverage(w))).Where(p => p.Y is not null).ToList();
        if (points.Count > 0)
        {
            var line = plot.Add.Scatter(points.Select(p => p.X).ToArray(), points.Select(p => p.Y!.Value).ToArray(), CheckIn);
            // Weeks of one group are joined by a line; separate groups are not a series and are not.
            line.LineWidth = connect ? 5 : 0;
            line.MarkerSize = 18;
        }

        plot.Axes.SetLimitsY(0.5, 5.5);
        return plot;
    }
}
