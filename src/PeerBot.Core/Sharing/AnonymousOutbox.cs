using Microsoft.Extensions.Logging;
using PeerBot.Core.Commands;
using PeerBot.Core.Platform;
using PeerBot.Core.Safety;

namespace PeerBot.Core.Sharing;

/// <summary>
/// The anonymous outbox: every accepted post is stored before its author hears "Saved", and this works through what is
/// due, alone with the store: review requests and their expiry, delivery once after the random delay (the post id is
/// the idempotency key, so a re-send after a crash cannot post twice), retries with backoff, and giving up with notes to
/// both sides. Logs name posts by id, never their author.
/// </summary>
public sealed partial class AnonymousOutbox
{
    /// <summary>
    /// A delivery gives up after this many attempts that failed permanently (not found, missing permission, bad token:
    /// retrying is unlikely to help), about 50 minutes with the backoff, time enough to fix a permission.
    /// </summary>
    public const int MaxAttempts = 12;

    /// <summary>
    /// How long transient failures (platform unavailable, rate limited, network down, platform not connected) are
    /// retried, from the first failed attempt, before a post is given up. The author was told "Saved", so an outage
    /// must not lose the post; the bound keeps its words from staying in the store indefinitely.
    /// </summary>
    public static readonly TimeSpan TransientRetryWindow = TimeSpan.FromHours(48);

    /// <summary>How long the private notes about a post given up are retried before they are dropped (and logged).</summary>
    public static readonly TimeSpan NoticeRetryWindow = TimeSpan.FromDays(14);

    /// <summary>The wait before the first retry.</summary>
    internal static readonly TimeSpan FirstBackoff = TimeSpan.FromSeconds(5);

    /// <summary>The longest wait between retries.</summary>
    internal static readonly TimeSpan MaxBackoff = TimeSpan.FromMinutes(10);

    private readonly SharingContext _context;
    private readonly AnonymousReview _review;
    private readonly AnonymousPersonalData _personalData;
    private readonly GiveUpNotices _notices;
    private readonly ILogger _logger;

    internal AnonymousOutbox(SharingContext context, AnonymousReview review, AnonymousPersonalData personalData, GiveUpNotices notices)
    {
        _context = context;
        _review = review;
        _personalData = personalData;
        _notices = notices;
        _logger = context.Logger;
    }

    /// <summary>The post with this id, or null.</summary>
    public AnonymousPost? FindPost(string postId) => _context.Posts.Find(postId);

    /// <summary>The earliest time the worker has something to do, or null.</summary>
    public DateTimeOffset? NextDueAt() => _context.Posts.NextDueAt();

    /// <summary>
    /// Waits until a new post may be due, <paramref name="timeout"/> has passed (or the token fires). The timeout is
    /// capped (<see cref="ClockWaits.Capped"/>, at most <see cref="ClockWaits.MaxWait"/>): a longer one returns early and
    /// the caller looks again.
    /// </summary>
    public async Task WaitForWorkAsync(TimeSpan timeout, CancellationToken cancellationToken)
    {
        using var timeoutSource = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        var delay = Task.Delay(ClockWaits.Capped(timeout), _context.Time, timeoutSource.Token);
        var wake = _context.WaitForWakeAsync(timeoutSource.Token);
        await Task.WhenAny(delay, wake).ConfigureAwait(false);
        await timeoutSource.CancelAsync().ConfigureAwait(false);
        cancellationToken.ThrowIfCancellationRequested();
    }

    /// <summary>
    /// Does everything due now: asks facilitators to review, delivers scheduled posts (again, with the same
    /// idempotency key, for one a crash left in <see cref="AnonymousPostState.Sending"/>), retries with backoff.
    /// One post's failure, whatever its exception, is that post's failed attempt: the pass goes on with the others.
    /// </summary>
    /// <returns>How many posts were acted on.</returns>
    public async Task<int> ProcessDueAsync(CancellationToken cancellationToken)
    {
        await _personalData.DropExpiredHandlesAsync(cancellationToken).ConfigureAwait(false);
        var due = _context.Posts.ListDue(_context.Time.GetUtcNow());
        var done = 0;
        foreach (var candidate in due)
        {
            cancellationToken.ThrowIfCancellationRequested();
            if (await _context.ExclusiveAsync(() => ProcessOneAsync(candidate.Id, cancellationToken), cancellationToken).ConfigureAwait(false))
            {
                done++;
            }
        }

        return done;
    }

    private async Task<bool> ProcessOneAsync(string postId, CancellationToken cancellationToken)
    {
        // Re-read under the lock: a facilitator may have removed it meanwhile.
        var post = _context.Posts.Find(postId);
        if (post?.DueAt is null || post.DueAt > _context.Time.GetUtcNow())
        {
            return false;
        }

        try
        {
            switch (post.State)
            {
                case AnonymousPostState.AwaitingReview:
                    var (asked, transient) = await _review.RequestAsync(post, cancellationToken).ConfigureAwait(false);
                    if (asked == 0)
                    {
                        await RetryAsync(post, "no facilitator could be asked to review", transient, cancellationToken).ConfigureAwait(false);
                    }

                    return true;
                case AnonymousPostState.ReviewRequested:
                    await _review.ExpireAsync(post, cancellationToken).ConfigureAwait(false);
                    return true;
                case AnonymousPostState.Scheduled or AnonymousPostState.Sending:
                    await DeliverAsync(post, cancellationToken).ConfigureAwait(false);
                    return true;
                case AnonymousPostState.Failed when post.Notices != PendingNotices.None:
                    await _notices.SendAsync(post, cancellationToken).ConfigureAwait(false);
                    return true;
                default:
                    _context.Posts.Update(post with { DueAt = null });
                    return false;
            }
        }
        catch (Exception ex) when (IsUnexpected(ex, cancellationToken))
        {
            // Something no path above expected (a bug, a dependency's own error): it must not hold up every other post,
            // pass after pass. The post is set aside with backoff, its attempt counted.
            LogUnexpected(post.Id, ex.GetType().FullName ?? ex.GetType().Name);
            await SetAsideAsync(post.Id, ex, cancellationToken).ConfigureAwait(false);
            return true;
        }
    }

    private async Task DeliverAsync(AnonymousPost post, CancellationToken cancellationToken)
    {
        var sending = post with { State = AnonymousPostState.Sending, Attempts = post.Attempts + 1 };
        _context.Posts.Update(sending);

        var group = _context.Groups.Find(post.GroupId);
        if (group is null)
        {
            await RetryAsync(sending, "its group is no longer configured", transient: false, cancellationToken).ConfigureAwait(false);
            return;
        }

        if (group.Channel is null)
        {
            // Reconciliation has not created the channel yet (or the platform was down when it tried).
            await RetryAsync(sending, "its group's channel is not available yet", transient: true, cancellationToken).ConfigureAwait(false);
            return;
        }

        var platform = _context.Platforms.Find(group.Platform);
        if (platform is null)
        {
            await RetryAsync(sending, "its platform is not connected", transient: true, cancellationToken).ConfigureAwait(false);
            return;
        }

        var message = new OutgoingMessage(
            [
                new ParagraphBlock([new TextSpan(AnonymousSharingService.AnonymousLabel, SpanStyle.Bold)]),
                new QuoteBlock(post.Text),

                // The random post id lets facilitators point at the post (/peer anon remove|mute); it reveals nothing.
                new ParagraphBlock([new TextSpan("post ", SpanStyle.Italic), new TextSpan(post.Id, SpanStyle.Code)]),
            ],
            [],
            post.Id);
        MessageRef posted;
        try
        {
            // The post id is the idempotency key: a re-send after a crash cannot post twice.
            posted = await platform.PostMessageAsync(group.Channel, message, cancellationToken).ConfigureAwait(false);
        }
        catch (PlatformException ex)
        {
            await RetryAsync(sending, ex.Kind.ToString(), IsTransient(ex), cancellationToken).ConfigureAwait(false);
            return;
        }
        catch (Exception ex) when (IsUnexpected(ex, cancellationToken))
        {
            // Not a platform error (an adapter's bug, a serializer's complaint): a failed attempt of this post like any
            // other, counted towards giving up. Only its type is logged: an exception's message may quote the words.
            LogUnexpected(post.Id, ex.GetType().FullName ?? ex.GetType().Name);
            await RetryAsync(sending, Unexpected(ex), IsTransientCause(ex), cancellationToken).ConfigureAwait(false);
            return;
        }

        _context.Posts.Update(sending with { State = AnonymousPostState.Delivered, Text = "", DueAt = null, Delivered = posted, FailingSince = null });
        LogDelivered(post.Id, group.Id, sending.Attempts);
        _context.Stats.Increment(group.Id, StatKind.AnonymousPosts, _context.Time.GetUtcNow());
        var fatalistic = await ObserveDeliveredAsync(group.Id, post, cancellationToken).ConfigureAwait(false);
        _context.Digest?.AnonymousPostShown(group.Id, _context.Time.GetUtcNow(), fatalistic);

        // No "your post is up" note: a notification arriving the moment a post appears makes the author's phone buzz
        // in a workroom at exactly that moment, which names them. The author sees the post in the group.
    }

    /// <summary>
    /// The safety engine sees a post when it appears, dated then: it counts towards a spiral and may raise a coping note
    /// from that moment, as a group message would. A failure here costs the count, never the post.
    /// </summary>
    private async Task<bool> ObserveDeliveredAsync(string groupId, AnonymousPost post, CancellationToken cancellationToken)
    {
        try
        {
            var outcome = await _context.Safety.ObserveAsync(new ObservedMessage(groupId, post.AuthorHandle, null, _context.Time.GetUtcNow(), post.Text), cancellationToken).ConfigureAwait(false);
            return outcome?.Assessment.Fatalistic == true;
        }
        catch (Exception ex) when (IsUnexpected(ex, cancellationToken))
        {
            LogSafetyAtDeliveryFailed(ex.GetType().Name, groupId);
            return false;
        }
    }

    /// <summary>
    /// Whether retrying later may succeed: the platform is down or rate limiting, or the adapter gave up on the network
    /// (both adapters report that as <see cref="PlatformErrorKind.Unavailable"/>; an <see cref="PlatformErrorKind.Other"/>
    /// caused by a network or timeout failure counts too). Not found, missing permission, a bad token or a person who
    /// cannot be messaged are permanent until someone fixes them.
    /// </summary>
    internal static bool IsTransient(PlatformException exception)
    {
        ArgumentNullException.ThrowIfNull(exception);
        if (exception.IsTransient)
        {
            return true;
        }

        if (exception.Kind != PlatformErrorKind.Other)
        {
            return false;
        }

        for (var cause = exception.InnerException; cause is not null; cause = cause.InnerException)
        {
            if (IsNetworkFailure(cause))
            {
                return true;
            }

            if (cause is PlatformException inner && inner.IsTransient)
            {
                return true;
            }
        }

        return false;
    }

    private static bool IsNetworkFailure(Exception exception) =>
        exception is HttpRequestException or IOException or TimeoutException or System.Net.Sockets.SocketException
            or System.Net.WebSockets.WebSocketException or OperationCanceledException;

    /// <summary>Whether an exception that is not a platform error still says the network failed (retrying may help).</summary>
    private static bool IsTransientCause(Exception exception)
    {
        for (Exception? cause = exception; cause is not null; cause = cause.InnerException)
        {
            if (IsNetworkFailure(cause) || cause is PlatformException { IsTransient: true })
            {
                return true;
            }
        }

        return false;
    }

    /// <summary>Any exception but a platform error (handled where it is thrown) and the cancellation of the work itself.</summary>
    private static bool IsUnexpected(Exception exception, CancellationToken cancellationToken) =>
        exception is not PlatformException && !(exception is OperationCanceledException && cancellationToken.IsCancellationRequested);

    private static string Unexpected(Exception exception) => "unexpected " + exception.GetType().Name;

    /// <summary>
    /// After an unexpected failure outside the platform call: the post, as the store now has it, takes a failed
    /// attempt (a pending post, towards giving up) or waits the longest backoff (notes owed), so it is not retried at
    /// once and never blocks the others.
    /// </summary>
    private async Task SetAsideAsync(string postId, Exception exception, CancellationToken cancellationToken)
    {
        var post = _context.Posts.Find(postId);
        if (post?.DueAt is null)
        {
            return;
        }

        var now = _context.Time.GetUtcNow();
        if (post.IsPending)
        {
            await RetryAsync(post, Unexpected(exception), IsTransientCause(exception), cancellationToken).ConfigureAwait(false);
        }
        else if (now - (post.GaveUpAt ?? now) >= NoticeRetryWindow)
        {
            _notices.Drop(post);
        }
        else
        {
            _context.Posts.Update(post with { DueAt = now + MaxBackoff });
        }
    }

    private async Task RetryAsync(AnonymousPost post, string why, bool transient, CancellationToken cancellationToken)
    {
        var now = _context.Time.GetUtcNow();
        var attempts = Math.Max(post.Attempts, 1);
        var failingSince = post.FailingSince ?? now;
        var permanentFailures = post.PermanentFailures + (transient ? 0 : 1);
        // The window bounds every post, whatever mix of failures it met, so pending words never outlive it.
        var giveUp = now - failingSince >= TransientRetryWindow || permanentFailures >= MaxAttempts;
        if (giveUp)
        {
            await GiveUpAsync(post with { Attempts = attempts, FailingSince = failingSince, PermanentFailures = permanentFailures }, why, cancellationToken).ConfigureAwait(false);
            return;
        }

        var backoff = TimeSpan.FromSeconds(Math.Min(MaxBackoff.TotalSeconds, FirstBackoff.TotalSeconds * Math.Pow(2, Math.Min(attempts - 1, 30))));
        _context.Posts.Update(post with { DueAt = now + backoff, Attempts = attempts, FailingSince = failingSince, PermanentFailures = permanentFailures });
        LogRetry(post.Id, attempts, why, backoff);
    }

    private async Task GiveUpAsync(AnonymousPost post, string why, CancellationToken cancellationToken)
    {
        // The words go and the notes become due in the same write: a crash after it still tells both sides.
        var now = _context.Time.GetUtcNow();
        var failed = post with
        {
            State = AnonymousPostState.Failed,
            Text = "",
            DueAt = now,
            Notices = PendingNotices.Author | PendingNotices.Facilitators,
            GaveUpAt = now,
        };
        _context.Posts.Update(failed);
        LogGaveUp(post.Id, post.Attempts, why);
        await _notices.SendAsync(failed, cancellationToken).ConfigureAwait(false);
    }

    [LoggerMessage(Level = LogLevel.Error, Message = "The safety check of an anonymous post for group {GroupId} as it appeared failed ({ExceptionType}); the post is up but does not count towards a spiral.")]
    private partial void LogSafetyAtDeliveryFailed(string exceptionType, string groupId);

    [LoggerMessage(Level = LogLevel.Information, Message = "Anonymous post {PostId} delivered to group {GroupId} (attempt {Attempt}).")]
    private partial void LogDelivered(string postId, string groupId, int attempt);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Anonymous post {PostId} not delivered ({Why}), attempt {Attempt}; retrying in {Backoff}.")]
    private partial void LogRetry(string postId, int attempt, string why, TimeSpan backoff);

    [LoggerMessage(Level = LogLevel.Error, Message = "Anonymous post {PostId} met an unexpected {ExceptionType}; counted as a failed attempt.")]
    private partial void LogUnexpected(string postId, string exceptionType);

    [LoggerMessage(Level = LogLevel.Error, Message = "Anonymous post {PostId} given up after {Attempts} attempts ({Why}).")]
    private partial void LogGaveUp(string postId, int attempts, string why);
}
