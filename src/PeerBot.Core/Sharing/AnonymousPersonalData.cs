using Microsoft.Extensions.Logging;

namespace PeerBot.Core.Sharing;

/// <summary>What PeerBot stores about a person's anonymous sharing, for <c>/peer my-data</c>.</summary>
/// <param name="Posts">Their posts, by handle.</param>
/// <param name="MutedUntil">Until when they are muted, or null.</param>
public sealed record AuthorData(IReadOnlyList<AnonymousPost> Posts, DateTimeOffset? MutedUntil);

/// <summary>
/// What anonymous sharing keeps about people, and for how long: a person's own data for <c>/peer my-data</c>, erasing
/// it for <c>/peer forget-me</c>, and erasing every post's handle once no feature needs it.
/// </summary>
public sealed partial class AnonymousPersonalData
{
    /// <summary>
    /// How long a post keeps its author's handle: the longest any feature needs it. A facilitator may mute the author of
    /// a post up to this age (<see cref="AnonymousModeration.MuteWindow"/>), the daily limit looks back one day, a
    /// withheld crisis post's contact button is checked against it, and a post given up owes its author a note for at
    /// most <see cref="AnonymousOutbox.NoticeRetryWindow"/>. After that the handle is erased and the post names nobody.
    /// </summary>
    public static readonly TimeSpan HandleRetention = TimeSpan.FromDays(14);

    private static readonly TimeSpan SweepInterval = TimeSpan.FromHours(1);
    private readonly SharingContext _context;
    private readonly ILogger _logger;
    private DateTimeOffset? _lastHandleSweep;

    internal AnonymousPersonalData(SharingContext context)
    {
        _context = context;
        _logger = context.Logger;
    }

    /// <summary>What is stored about a person's anonymous sharing.</summary>
    public AuthorData DataOf(string personId)
    {
        var handle = _context.Handles.HandleOf(personId);
        return new AuthorData(_context.Posts.ListByAuthor(handle), _context.Mutes.MutedUntil(handle));
    }

    /// <summary>
    /// Erases everything stored about a person's anonymous sharing: their mute, and for each of their posts the handle,
    /// the words, the crisis button and alert. A post that has not appeared never will. What stays is a tombstone (post
    /// id, group, state, the message in the group): <c>/peer anon remove</c> and <c>anon mute</c> answer for it exactly
    /// as for any other post, so they cannot tell which posts were the leaver's, and a post still up can be removed.
    /// </summary>
    /// <returns>How many posts were erased.</returns>
    public Task<int> ForgetAsync(string personId, CancellationToken cancellationToken)
    {
        var handle = _context.Handles.HandleOf(personId);
        return _context.ExclusiveAsync(
            () =>
            {
                _context.Mutes.Unmute(handle);
                var mine = _context.Posts.ListByAuthor(handle);
                foreach (var post in mine)
                {
                    var notices = post.Notices & ~PendingNotices.Author;
                    _context.Posts.Update(post with
                    {
                        AuthorHandle = AnonymousPost.ForgottenAuthor,
                        Text = "",
                        State = post.IsPending ? AnonymousPostState.Removed : post.State,
                        DueAt = notices == PendingNotices.None || post.IsPending ? null : post.DueAt,
                        Notices = post.IsPending ? PendingNotices.None : notices,
                        CrisisToken = null,
                        AlertId = null,
                    });
                }

                return Task.FromResult(mine.Count);
            },
            cancellationToken);
    }

    /// <summary>
    /// Erases the handle of every post older than <see cref="HandleRetention"/> that is done with (delivered, removed,
    /// declined, withheld, or given up with no note still owed): no feature needs it any more. Looked at once an hour.
    /// </summary>
    /// <returns>How many posts lost their handle.</returns>
    public Task<int> DropExpiredHandlesAsync(CancellationToken cancellationToken)
    {
        var now = _context.Time.GetUtcNow();
        if (_lastHandleSweep is { } last && now - last < SweepInterval && now >= last)
        {
            return Task.FromResult(0);
        }

        _lastHandleSweep = now;
        return _context.ExclusiveAsync(
            () =>
            {
                var dropped = 0;
                foreach (var post in _context.Posts.ListWithHandleCreatedBefore(now - HandleRetention))
                {
                    if (post.IsPending || post.Notices != PendingNotices.None)
                    {
                        continue;
                    }

                    _context.Posts.Update(post with { AuthorHandle = AnonymousPost.ForgottenAuthor, CrisisToken = null });
                    dropped++;
                }

                if (dropped > 0)
                {
                    LogHandlesDropped(dropped);
                }

                return Task.FromResult(dropped);
            },
            cancellationToken);
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "The author handles of {Count} anonymous posts past their retention were erased.")]
    private partial void LogHandlesDropped(int count);
}
