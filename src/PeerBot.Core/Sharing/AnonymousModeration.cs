using Humanizer;
using Microsoft.Extensions.Logging;
using PeerBot.Core.Commands;
using PeerBot.Core.Groups;
using PeerBot.Core.Platform;

namespace PeerBot.Core.Sharing;

/// <summary>
/// Facilitators' moderation of anonymous posts: remove a post (from the group when it is up, or before it appears) and
/// pause its author's sharing, without anyone learning who the author is. A post whose author was forgotten is a
/// tombstone; it is answered for exactly like any other post, so the answers cannot tell which posts were theirs.
/// </summary>
public sealed partial class AnonymousModeration
{
    /// <summary>
    /// How old a post may be for its author to be muted through it; older posts no longer keep a handle
    /// (<see cref="AnonymousPersonalData.HandleRetention"/>), and every post answers alike by its age alone.
    /// </summary>
    public static readonly TimeSpan MuteWindow = AnonymousPersonalData.HandleRetention - TimeSpan.FromDays(1);

    private readonly SharingContext _context;
    private readonly AuthorNotes _notes;
    private readonly IAnonymousPostStore _posts;
    private readonly IAuthorMuteStore _mutes;
    private readonly IGroupDirectory _groups;
    private readonly IPlatformRegistry _platforms;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;

    internal AnonymousModeration(SharingContext context, AuthorNotes notes)
    {
        _context = context;
        _notes = notes;
        _posts = context.Posts;
        _mutes = context.Mutes;
        _groups = context.Groups;
        _platforms = context.Platforms;
        _time = context.Time;
        _logger = context.Logger;
    }

    /// <summary>Removes a post: deletes it from the group when it is up, or stops it when it is pending.</summary>
    public Task<OperationResult<AnonymousPost>> RemoveAsync(string postId, CancellationToken cancellationToken) =>
        _context.ExclusiveAsync(() => RemoveExclusiveAsync(postId, cancellationToken), cancellationToken);

    private async Task<OperationResult<AnonymousPost>> RemoveExclusiveAsync(string postId, CancellationToken cancellationToken)
    {
        var post = _posts.Find(postId);
        if (post is null)
        {
            return OperationResult<AnonymousPost>.Failure($"There's no anonymous post {postId}. Post ids look like P7KQ2M and are shown under each anonymous post.");
        }

        if (post.State == AnonymousPostState.Removed)
        {
            return OperationResult<AnonymousPost>.Failure($"Post {post.Id} was already removed.");
        }

        if (post.State == AnonymousPostState.Delivered && post.Delivered is { } message)
        {
            var platform = _platforms.Find(message.Channel.Platform);
            if (platform is null)
            {
                return OperationResult<AnonymousPost>.Failure($"Post {post.Id} is on {message.Channel.Platform}, which isn't connected right now. Try again later.");
            }

            try
            {
                await platform.DeleteMessageAsync(message, cancellationToken).ConfigureAwait(false);
            }
            catch (PlatformException ex)
            {
                LogRemoveFailed(post.Id, ex.Kind);
                return OperationResult<AnonymousPost>.Failure($"{message.Channel.Platform} didn't let me delete post {post.Id} ({ex.Kind.Humanize(LetterCasing.LowerCase)}). Try again in a minute.");
            }
        }

        var removed = post with { State = AnonymousPostState.Removed, Text = "", DueAt = null };
        _posts.Update(removed);
        LogRemoved(post.Id);
        return OperationResult<AnonymousPost>.Success(removed);
    }

    /// <summary>
    /// Mutes the author of a post for some days and tells them privately; nobody learns who it is. For a post whose
    /// author was forgotten there is nobody to mute or tell, and the answer is the same.
    /// </summary>
    public async Task<OperationResult<DateTimeOffset>> MuteAuthorAsync(string postId, int days, CancellationToken cancellationToken)
    {
        var post = _posts.Find(postId);
        if (post is null)
        {
            return OperationResult<DateTimeOffset>.Failure($"There's no anonymous post {postId}.");
        }

        var now = _time.GetUtcNow();
        if (now - post.CreatedAt > MuteWindow)
        {
            return OperationResult<DateTimeOffset>.Failure(
                $"Post {post.Id} is more than {MuteWindow.Days} days old, so its author can no longer be muted through it (PeerBot no longer keeps who it was). You can still remove it.");
        }

        var until = now + TimeSpan.FromDays(days);
        LogMuted(post.Id, days);
        if (post.AuthorHandle == AnonymousPost.ForgottenAuthor)
        {
            return OperationResult<DateTimeOffset>.Success(until);
        }

        _mutes.Mute(post.AuthorHandle, until);
        await _notes.SendAsync(post, OutgoingMessage.Plain(
            $"A facilitator has paused your anonymous sharing for {"day".ToQuantity(days)}, until {Replies.When(until, now, _groups.Find(post.GroupId)?.TimeZone)}. "
            + "Nobody was told who you are. You can still talk in your group as yourself."), cancellationToken).ConfigureAwait(false);
        return OperationResult<DateTimeOffset>.Success(until);
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Anonymous post {PostId} removed.")]
    private partial void LogRemoved(string postId);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Anonymous post {PostId} could not be deleted from its group ({Kind}).")]
    private partial void LogRemoveFailed(string postId, PlatformErrorKind kind);

    [LoggerMessage(Level = LogLevel.Information, Message = "The author of anonymous post {PostId} was muted for {Days} days.")]
    private partial void LogMuted(string postId, int days);
}
