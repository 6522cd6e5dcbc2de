using PeerBot.Core.People;
using PeerBot.Core.Platform;

namespace PeerBot.Core.Digest;

/// <summary>A digest ready to send or write: its report, its message, its text and one chart per group.</summary>
/// <param name="Report">The figures.</param>
/// <param name="Message">The message for a chat platform.</param>
/// <param name="Text">The same as plain text.</param>
/// <param name="Charts">One chart per group, in the report's group order; for a program-wide digest, one chart of every group.</param>
public sealed record ComposedDigest(DigestReport Report, OutgoingMessage Message, string Text, IReadOnlyList<DigestChart> Charts)
{
    /// <summary>The charts as images to send with a message, each with its alt text.</summary>
    public IReadOnlyList<MessageImage> Images() => Charts.Select(c => new MessageImage(c.FileName, c.Png, c.AltText)).ToList();
}

/// <summary>Puts digests together: figures from <see cref="DigestBuilder"/>, words from <see cref="DigestText"/>, charts from the renderer.</summary>
public sealed class DigestComposer
{
    private readonly DigestBuilder _builder;
    private readonly IDigestChartRenderer _charts;

    /// <summary>Creates the composer.</summary>
    public DigestComposer(DigestBuilder builder, IDigestChartRenderer charts)
    {
        _builder = builder;
        _charts = charts;
    }

    /// <summary>The builder, for who gets a digest and which groups it covers.</summary>
    public DigestBuilder Builder => _builder;

    /// <summary>A person's digest (optionally of one of their groups); null when they have no group to report on.</summary>
    public async Task<ComposedDigest?> ForPersonAsync(Person person, string? onlyGroupId, CancellationToken cancellationToken)
    {
        var report = await _builder.ForPersonAsync(person, onlyGroupId, cancellationToken).ConfigureAwait(false);
        return report is null ? null : Compose(report, null);
    }

    /// <summary>Every recipient's digest; each group's chart is drawn once and shared between its recipients.</summary>
    public Task<IReadOnlyList<ComposedDigest>> ForEveryoneAsync(CancellationToken cancellationToken) =>
        ForEveryoneAsync(null, cancellationToken);

    /// <summary>Every recipient's digest as it reads at <paramref name="asOf"/> (now when null).</summary>
    public async Task<IReadOnlyList<ComposedDigest>> ForEveryoneAsync(DateTimeOffset? asOf, CancellationToken cancellationToken)
    {
        var drawn = new Dictionary<string, DigestChart>(StringComparer.Ordinal);
        var digests = new List<ComposedDigest>();
        foreach (var person in _builder.Recipients())
        {
            var report = asOf is { } at
                ? await _builder.ForPersonAsync(person, null, at, cancellationToken).ConfigureAwait(false)
                : await _builder.ForPersonAsync(person, null, cancellationToken).ConfigureAwait(false);
            if (report is not null)
            {
                digests.Add(Compose(report, drawn));
            }
        }

        return digests;
    }

    // Group ids are the keys of the per-group charts; this one cannot be a group's id.
    private const string ProgramChartKey = "\0program";

    private ComposedDigest Compose(DigestReport report, Dictionary<string, DigestChart>? drawn)
    {
        var message = DigestText.ToMessage(report);
        if (report.ProgramWide)
        {
            // A coordinator's digest covers every group: one chart with the same figures for each, not one per group.
            List<DigestChart> program = [];
            if (report.Groups.Count > 0)
            {
                if (drawn is null || !drawn.TryGetValue(ProgramChartKey, out var chart))
                {
                    chart = _charts.RenderProgram(report);
                    drawn?.Add(ProgramChartKey, chart);
                }

                program.Add(chart);
            }

            return new ComposedDigest(report, message, message.ToPlainText(), program);
        }

        var charts = report.Groups.Select(g =>
        {
            if (drawn is null)
            {
                return _charts.Render(g);
            }

            if (!drawn.TryGetValue(g.GroupId, out var chart))
            {
                chart = _charts.Render(g);
                drawn[g.GroupId] = chart;
            }

            return chart;
        }).ToList();
        return new ComposedDigest(report, message, message.ToPlainText(), charts);
    }
}
