using System.Globalization;
using Humanizer;
using Microsoft.Extensions.Logging;
using PeerBot.Core.Configuration;
using PeerBot.Core.Platform;

namespace PeerBot.Core.Sharing;

/// <summary>
/// Review mode: facilitators are asked privately, after the post's random delay, to approve or decline an anonymous
/// post; a decision, or none within <see cref="AnonymityOptions.ReviewTimeout"/>, is told to its author. Facilitators
/// never learn who wrote it, or when.
/// </summary>
public sealed partial class AnonymousReview
{
    private readonly SharingContext _context;
    private readonly AuthorNotes _notes;
    private readonly ILogger _logger;

    internal AnonymousReview(SharingContext context, AuthorNotes notes)
    {
        _context = context;
        _notes = notes;
        _logger = context.Logger;
    }

    /// <summary>A facilitator's review decision on a post.</summary>
    /// <param name="postId">The post.</param>
    /// <param name="approve">True to let it appear.</param>
    /// <param name="cancellationToken">Cancellation.</param>
    public async Task<OperationResult<AnonymousPost>> DecideAsync(string postId, bool approve, CancellationToken cancellationToken)
    {
        var decided = await _context.ExclusiveAsync(
            () =>
            {
                var post = _context.Posts.Find(postId);
                if (post is null)
                {
                    return Task.FromResult(OperationResult<AnonymousPost>.Failure($"There's no anonymous post {postId}; it may have been withdrawn."));
                }

                if (post.State is not (AnonymousPostState.AwaitingReview or AnonymousPostState.ReviewRequested))
                {
                    return Task.FromResult(OperationResult<AnonymousPost>.Failure($"Post {post.Id} was already dealt with ({AnonymousSharingService.Describe(post.State)})."));
                }

                var now = _context.Time.GetUtcNow();
                var updated = approve
                    ? post with { State = AnonymousPostState.Scheduled, DueAt = now + _context.Jitter.Pick(_context.Options.MinDelay, _context.Options.MaxDelay) }
                    : post with { State = AnonymousPostState.Declined, Text = "", DueAt = null };
                _context.Posts.Update(updated);
                LogReviewed(post.Id, approve);
                return Task.FromResult(OperationResult<AnonymousPost>.Success(updated));
            },
            cancellationToken).ConfigureAwait(false);
        if (!decided.Succeeded)
        {
            return decided;
        }

        _context.Wake();
        var groupName = _context.Groups.Find(decided.Value!.GroupId)?.Name ?? "your group";
        await _notes.SendAsync(decided.Value, OutgoingMessage.Plain(approve
            ? $"Your anonymous post for {groupName} was approved and will appear {_context.Window()}."
            : $"The facilitators of {groupName} decided not to post your anonymous share. It has been discarded. If you'd like to talk about it, you can message a facilitator directly."), cancellationToken).ConfigureAwait(false);
        return decided;
    }

    /// <summary>
    /// Asks each of the group's facilitators to review a post that is due; on success the post waits for a decision at
    /// most <see cref="AnonymityOptions.ReviewTimeout"/>. Called by the outbox, alone with it.
    /// </summary>
    /// <returns>How many were asked, and whether a failure was one worth waiting out.</returns>
    internal async Task<(int Asked, bool Transient)> RequestAsync(AnonymousPost post, CancellationToken cancellationToken)
    {
        var group = _context.Groups.Find(post.GroupId);
        var platform = group is null ? null : _context.Platforms.Find(group.Platform);
        if (group is null || platform is null)
        {
            // No platform yet (still connecting) is worth waiting for; no group is not.
            return (0, group is not null);
        }

        var asked = 0;
        var transient = false;
        for (var index = 0; index < group.FacilitatorIds.Count; index++)
        {
            var userId = _context.People.PlatformUserId(group.FacilitatorIds[index], group.Platform);
            if (userId is null)
            {
                continue;
            }

            var message = new OutgoingMessage(
                [
                    new HeadingBlock($"Anonymous post for {group.Name} awaiting review"),
                    new QuoteBlock(post.Text),
                    new ParagraphBlock([new TextSpan("Post "), new TextSpan(post.Id, SpanStyle.Code), new TextSpan(". Nobody, including you, is told who wrote it.")]),
                ],
                [
                    new MessageButton("Approve", "anon:approve:" + post.Id, ButtonStyle.Primary),
                    new MessageButton("Decline", "anon:decline:" + post.Id, ButtonStyle.Danger),
                ],
                $"R{post.Id}{index}");
            try
            {
                await platform.SendDirectMessageAsync(userId, message, cancellationToken).ConfigureAwait(false);
                asked++;
            }
            catch (PlatformException ex)
            {
                transient |= AnonymousOutbox.IsTransient(ex);
                LogReviewRequestFailed(post.Id, ex.Kind);
            }
        }

        if (asked > 0)
        {
            _context.Posts.Update(post with { State = AnonymousPostState.ReviewRequested, DueAt = _context.Time.GetUtcNow() + _context.Options.ReviewTimeout });
        }

        return (asked, transient);
    }

    /// <summary>
    /// A review request nobody answered within <see cref="AnonymityOptions.ReviewTimeout"/>: the post is not posted, its
    /// words are erased, and the author is told privately (a facilitator pressing a button later hears it was dealt with).
    /// </summary>
    internal async Task ExpireAsync(AnonymousPost post, CancellationToken cancellationToken)
    {
        var expired = post with { State = AnonymousPostState.Declined, Text = "", DueAt = null };
        _context.Posts.Update(expired);
        LogReviewExpired(post.Id, post.GroupId);
        var groupName = _context.Groups.Find(post.GroupId)?.Name ?? "your group";
        await _notes.SendAsync(expired, OutgoingMessage.Plain(
            $"None of {groupName}'s facilitators reviewed your anonymous post within {_context.Options.ReviewTimeout.Humanize(culture: CultureInfo.InvariantCulture)}, "
            + "so it was not posted and its words are erased. You can share it again, or talk to a facilitator directly."), cancellationToken).ConfigureAwait(false);
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Anonymous post {PostId} reviewed: approved {Approved}.")]
    private partial void LogReviewed(string postId, bool approved);

    [LoggerMessage(Level = LogLevel.Information, Message = "Anonymous post {PostId} for group {GroupId} was not reviewed in time: not posted, words erased.")]
    private partial void LogReviewExpired(string postId, string groupId);

    [LoggerMessage(Level = LogLevel.Warning, Message = "A facilitator could not be asked to review anonymous post {PostId} ({Kind}).")]
    private partial void LogReviewRequestFailed(string postId, PlatformErrorKind kind);
}
