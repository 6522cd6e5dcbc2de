using PeerBot.Core.Digest;
using PeerBot.Core.Platform;

namespace PeerBot.Core.Commands.Subcommands;

/// <summary>
/// <c>/peer digest [group]</c>: the weekly digest on demand, privately; counts only, no names, no excerpts. The text is the
/// private reply; its charts, which a private reply cannot carry on Discord or Slack, follow as a direct message from the
/// bot (when the charts and the platforms are there: <paramref name="composer"/> and <paramref name="platforms"/>).
/// </summary>
public sealed class DigestCommand(CommandAuthorizer auth, DigestBuilder digests, DigestComposer? composer = null, IPlatformRegistry? platforms = null) : IPeerSubcommand
{
    /// <inheritdoc />
    public string Name => "digest";

    /// <inheritdoc />
    public string Usage => "digest [group]";

    /// <inheritdoc />
    public string Summary => "last week at a glance: who took part (a count), prompts, fatalistic talk, flags, check-ins, and what needs attention";

    /// <inheritdoc />
    public CommandAudience Audience => CommandAudience.Staff;

    /// <inheritdoc />
    public async Task<InteractionResponse> ExecuteAsync(CommandContext context, IReadOnlyList<string> args, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(context);
        ArgumentNullException.ThrowIfNull(args);
        var resolved = auth.ResolveTargets(context, args, Name);
        if (!resolved.Succeeded)
        {
            return Replies.Text(resolved.Error!);
        }

        var targets = resolved.Value!;
        var onlyGroupId = args.Count == 1 ? targets[0].Id : null;
        var composed = targets.Count == 0 || composer is null || platforms is null
            ? null
            : await ComposeAsync(context, onlyGroupId, cancellationToken).ConfigureAwait(false);
        var report = composed?.Report ?? (targets.Count == 0
            ? null
            : await digests.ForPersonAsync(context.Actor, onlyGroupId, cancellationToken).ConfigureAwait(false));
        if (report is null)
        {
            return Replies.Text("You don't facilitate any group right now.");
        }

        auth.Audit(context, Name, targets.Count == 1 ? targets[0].Id : null, null, AuditOutcome.Done);
        var message = DigestText.ToMessage(report);
        if (composed is not { Charts.Count: > 0 })
        {
            return InteractionResponse.Message(message);
        }

        var sent = await SendChartsAsync(context, composed, cancellationToken).ConfigureAwait(false);
        var note = sent
            ? (composed.Charts.Count == 1 ? "Its chart is in your direct messages with PeerBot." : "Its charts are in your direct messages with PeerBot.")
            : "Its charts could not be sent just now; the figures are all here.";
        return InteractionResponse.Message(message with { Blocks = [.. message.Blocks, new ParagraphBlock(new[] { new TextSpan(note, SpanStyle.Italic) })] });
    }

    /// <summary>The digest with its charts; null (the text alone follows) when drawing them failed.</summary>
    private async Task<ComposedDigest?> ComposeAsync(CommandContext context, string? onlyGroupId, CancellationToken cancellationToken)
    {
        try
        {
            return await composer!.ForPersonAsync(context.Actor, onlyGroupId, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            // The figures are all in the text; a chart that cannot be drawn must not cost the answer.
            return null;
        }
    }

    private async Task<bool> SendChartsAsync(CommandContext context, ComposedDigest composed, CancellationToken cancellationToken)
    {
        var platform = platforms!.Find(context.Platform);
        if (platform is null)
        {
            return false;
        }

        var images = composed.Images();
        var names = string.Join(", ", composed.Report.Groups.Select(g => g.Name));
        try
        {
            await platform.SendDirectMessageAsync(
                context.UserId,
                OutgoingMessage.Plain($"Charts of the digest you asked for ({names}), eight weeks side by side."),
                images,
                cancellationToken).ConfigureAwait(false);
            return true;
        }
        catch (PlatformException)
        {
            return false;
        }
    }
}
