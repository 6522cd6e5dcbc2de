using PeerBot.Core.Groups;
using PeerBot.Core.Platform;
using PeerBot.Core.Sharing;

namespace PeerBot.Core.Commands.Subcommands;

/// <summary><c>/peer anon remove POST</c> and <c>/peer anon mute POST [days]</c>: moderation without learning who.</summary>
public sealed class AnonCommand(CommandAuthorizer auth, AnonymousSharingService sharing, IGroupDirectory groups, TimeProvider time) : IPeerSubcommand
{
    /// <summary>Mute length when none is given.</summary>
    public const int DefaultMuteDays = 7;

    /// <inheritdoc />
    public string Name => "anon";

    /// <inheritdoc />
    public string Usage => "anon remove POST | anon mute POST [days]";

    /// <inheritdoc />
    public string Summary => "remove an anonymous post, or pause its author's sharing (you never learn who)";

    /// <inheritdoc />
    public CommandAudience Audience => CommandAudience.Staff;

    /// <inheritdoc />
    public async Task<InteractionResponse> ExecuteAsync(CommandContext context, IReadOnlyList<string> args, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(context);
        ArgumentNullException.ThrowIfNull(args);
        var verb = args.Count > 0 ? args[0].ToLowerInvariant() : "";
        if (verb is not ("remove" or "mute"))
        {
            return Replies.Text("Use /peer anon remove POST or /peer anon mute POST [days], where POST is the id of the anonymous post, like P7KQ2M.");
        }

        if (args.Count < 2 || (verb == "remove" && args.Count > 2) || args.Count > 3)
        {
            return Replies.Text(verb == "remove"
                ? "Say which post, like /peer anon remove P7KQ2M."
                : "Say which post and, if you like, for how many days, like /peer anon mute P7KQ2M 7.");
        }

        var days = DefaultMuteDays;
        if (verb == "mute" && args.Count == 3)
        {
            var parsed = CommandLine.WholeNumber(args[2], 1, 90, "days", "/peer anon mute P7KQ2M 7");
            if (!parsed.Succeeded)
            {
                return Replies.Text(parsed.Error!);
            }

            days = parsed.Value;
        }

        var action = "anon " + verb;
        var post = sharing.Outbox.FindPost(args[1]);
        var group = post is null ? null : groups.Find(post.GroupId);
        if (post is null || group is null)
        {
            return Replies.Text($"No anonymous post '{args[1]}'. Post ids look like P7KQ2M.");
        }

        var refusal = auth.Check(context, group, action, post.Id);
        if (refusal is not null)
        {
            return Replies.Text(refusal);
        }

        if (verb == "remove")
        {
            var removed = await sharing.Moderation.RemoveAsync(post.Id, cancellationToken).ConfigureAwait(false);
            auth.Audit(context, action, group.Id, post.Id, removed.Succeeded ? AuditOutcome.Done : AuditOutcome.Failed, removed.Error);
            return Replies.Text(removed.Succeeded
                ? $"Removed anonymous post {post.Id} from {group.Name}."
                : removed.Error!);
        }

        var muted = await sharing.Moderation.MuteAuthorAsync(post.Id, days, cancellationToken).ConfigureAwait(false);
        auth.Audit(context, action, group.Id, post.Id, muted.Succeeded ? AuditOutcome.Done : AuditOutcome.Failed, muted.Succeeded ? $"{days} days" : muted.Error);
        return Replies.Text(muted.Succeeded
            ? $"The author of {post.Id} can't share anonymously until {Replies.When(muted.Value, time.GetUtcNow(), group.TimeZone)}. They've been told privately; nobody, you included, learns who they are."
            : muted.Error!);
    }

    /// <summary>A review decision from the approve/decline buttons.</summary>
    public async Task<InteractionResponse> DecideAsync(CommandContext context, string postId, bool approve, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(context);
        var action = approve ? "anon approve" : "anon decline";
        var post = sharing.Outbox.FindPost(postId);
        var group = post is null ? null : groups.Find(post.GroupId);
        if (post is null || group is null)
        {
            return Replies.Text($"There's no anonymous post '{postId}' any more.");
        }

        var refusal = auth.Check(context, group, action, post.Id);
        if (refusal is not null)
        {
            return Replies.Text(refusal);
        }

        var result = await sharing.Review.DecideAsync(post.Id, approve, cancellationToken).ConfigureAwait(false);
        auth.Audit(context, action, group.Id, post.Id, result.Succeeded ? AuditOutcome.Done : AuditOutcome.Failed, result.Error);
        if (!result.Succeeded)
        {
            return Replies.Text(result.Error!);
        }

        var decided = approve
            ? $"Approved anonymous post {post.Id} for {group.Name}; it will appear shortly. The author has been told."
            : $"Declined anonymous post {post.Id} for {group.Name}; it has been discarded and the author told.";
        return new InteractionResponse(OutgoingMessage.Plain(decided), UpdateOriginal: OutgoingMessage.Plain(
            $"Anonymous post {post.Id} for {group.Name}: {(approve ? "approved" : "declined")} by {context.Actor.Name}."));
    }
}
