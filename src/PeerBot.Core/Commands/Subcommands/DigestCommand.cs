using PeerBot.Core.Digest;
using PeerBot.Core.Platform;

namespace PeerBot.Core.Commands.Subcommands;

/// <summary><c>/peer digest [group]</c>: the weekly digest on demand, privately; counts only, no names, no excerpts.</summary>
public sealed class DigestCommand(CommandAuthorizer auth, DigestBuilder digests) : IPeerSubcommand
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
        var report = targets.Count == 0
            ? null
            : await digests.ForPersonAsync(context.Actor, args.Count == 1 ? targets[0].Id : null, cancellationToken).ConfigureAwait(false);
        if (report is null)
        {
            return Replies.Text("You don't facilitate any group right now.");
        }

        auth.Audit(context, Name, targets.Count == 1 ? targets[0].Id : null, null, AuditOutcome.Done);
        return InteractionResponse.Message(DigestText.ToMessage(report));
    }
}
