using System.Globalization;
using System.Security.Cryptography;
using Humanizer;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using PeerBot.Core.Commands;
using PeerBot.Core.Configuration;
using PeerBot.Core.Digest;
using PeerBot.Core.Groups;
using PeerBot.Core.People;
using PeerBot.Core.Platform;
using PeerBot.Core.Safety;

namespace PeerBot.Core.Sharing;

/// <summary>A request to share anonymously.</summary>
/// <param name="Author">Who shares (never stored: only their handle is).</param>
/// <param name="GroupId">The group chosen; null when the author is in exactly one group.</param>
/// <param name="Text">The text as written.</param>
/// <param name="HasAttachments">True when files or images came with it.</param>
public sealed record ShareRequest(Person Author, string? GroupId, string Text, bool HasAttachments = false);

/// <summary>What sharing led to.</summary>
/// <param name="PostId">The stored post.</param>
/// <param name="Withheld">True when the post was crisis talk and will not appear.</param>
/// <param name="Reply">The private reply to the author.</param>
public sealed record ShareReceipt(string PostId, bool Withheld, OutgoingMessage Reply);

/// <summary>What PeerBot stores about a person's anonymous sharing, for <c>/peer my-data</c>.</summary>
/// <param name="Posts">Their posts, by handle.</param>
/// <param name="MutedUntil">Until when they are muted, or null.</param>
public sealed record AuthorData(IReadOnlyList<AnonymousPost> Posts, DateTimeOffset? MutedUntil);

/// <summary>
/// Anonymous sharing: accepts posts from members in private, checks them with the safety engine, keeps them
/// durably (the outbox) and delivers each exactly once after a random delay, and lets facilitators review,
/// remove and mute without learning who wrote a post. Logs name posts by id, never their author.
/// </summary>
public sealed partial class AnonymousSharingService : IDisposable
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

    /// <summary>
    /// How long a post keeps its author's handle: the longest any feature needs it. A facilitator may mute the author of
    /// a post up to this age (<see cref="AnonymousModeration.MuteWindow"/>), the daily limit looks back one day, a
    /// withheld crisis post's contact button is checked against it, and a post given up owes its author a note for at
    /// most <see cref="NoticeRetryWindow"/>. After that the handle is erased and the post names nobody.
    /// </summary>
    public static readonly TimeSpan HandleRetention = TimeSpan.FromDays(14);

    /// <summary>The label anonymous posts appear under.</summary>
    public const string AnonymousLabel = "Anonymous member";

    private static readonly TimeSpan MaxBackoff = TimeSpan.FromMinutes(10);
    private static readonly TimeSpan FirstBackoff = TimeSpan.FromSeconds(5);
    private readonly SemaphoreSlim _gate = new(1, 1);
    private readonly IAnonymousPostStore _posts;
    private readonly IAuthorMuteStore _mutes;
    private readonly IAuthorHandles _handles;
    private readonly IGroupDirectory _groups;
    private readonly IPeopleDirectory _people;
    private readonly IPlatformRegistry _platforms;
    private readonly ISafetyMonitor _safety;
    private readonly IDelayJitter _jitter;
    private readonly IStatsCounters _stats;
    private readonly TimeProvider _time;
    private readonly IOptions<PeerBotOptions> _options;
    private readonly ILogger<AnonymousSharingService> _logger;
    private readonly DigestRecorder? _digest;
    private readonly SemaphoreSlim _wake = new(0, 1);
    private AnonymousModeration? _moderation;
    private DateTimeOffset? _lastHandleSweep;

    /// <summary>Creates the service.</summary>
    public AnonymousSharingService(
        IAnonymousPostStore posts,
        IAuthorMuteStore mutes,
        IAuthorHandles handles,
        IGroupDirectory groups,
        IPeopleDirectory people,
        IPlatformRegistry platforms,
        ISafetyMonitor safety,
        IDelayJitter jitter,
        IStatsCounters stats,
        TimeProvider time,
        IOptions<PeerBotOptions> options,
        ILogger<AnonymousSharingService> logger,
        DigestRecorder? digest = null)
    {
        _posts = posts;
        _mutes = mutes;
        _handles = handles;
        _groups = groups;
        _people = people;
        _platforms = platforms;
        _safety = safety;
        _jitter = jitter;
        _stats = stats;
        _time = time;
        _options = options;
        _logger = logger;
        _digest = digest;
    }

    private AnonymityOptions Options => _options.Value.Anonymity;

    /// <summary>Facilitators' moderation of posts (remove, mute), over this outbox.</summary>
    public AnonymousModeration Moderation => _moderation ??= new AnonymousModeration(this, _posts, _mutes, _groups, _platforms, _time, _logger);

    /// <summary>
    /// Accepts a post: checks membership, attachments, length, mute and the daily limit, passes it through the
    /// safety engine, and stores it before answering. Crisis talk is withheld and answered with crisis resources.
    /// </summary>
    public async Task<OperationResult<ShareReceipt>> SubmitAsync(ShareRequest request, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        if (!Options.Enabled)
        {
            return OperationResult<ShareReceipt>.Failure("Anonymous sharing is turned off in this program.");
        }

        var groupResult = ChooseGroup(request.Author, request.GroupId);
        if (!groupResult.Succeeded)
        {
            return OperationResult<ShareReceipt>.Failure(groupResult.Error!);
        }

        var group = groupResult.Value!;
        if (request.HasAttachments)
        {
            return OperationResult<ShareReceipt>.Failure(
                "Anonymous posts can't carry files or images, because they can reveal who shared them. Please send your words as text only; nothing was posted.");
        }

        var text = InboundText.Clean(request.Text).Trim();
        if (text.Length == 0)
        {
            return OperationResult<ShareReceipt>.Failure("There was nothing to share. Write what you'd like to say and send it again.");
        }

        if (text.Length > Options.MaxLength)
        {
            return OperationResult<ShareReceipt>.Failure(
                $"That's {text.Length.ToString("N0", CultureInfo.InvariantCulture)} characters; anonymous posts can be at most {Options.MaxLength.ToString("N0", CultureInfo.InvariantCulture)}. "
                + "Please shorten it (or split it in two) and send it again; nothing was posted.");
        }

        var handle = _handles.HandleOf(request.Author.Id);
        var now = _time.GetUtcNow();
        var mutedUntil = _mutes.MutedUntil(handle);
        if (mutedUntil is { } until && until > now)
        {
            return OperationResult<ShareReceipt>.Failure(
                $"Your anonymous sharing is paused until {Replies.When(until, now, group.TimeZone)}. You can still talk in your group as yourself.");
        }

        var lastDay = _posts.ListByAuthor(handle).Count(p => p.CreatedAt > now - TimeSpan.FromDays(1) && p.State is not (AnonymousPostState.Withheld or AnonymousPostState.Failed));
        if (lastDay >= Options.MaxPerDay)
        {
            return OperationResult<ShareReceipt>.Failure(
                $"You've shared {"anonymous post".ToQuantity(lastDay)} in the last day, the most allowed. Please try again tomorrow; nothing was posted.");
        }

        // Only crisis talk is observed now, where speed wins; any other post is observed when it appears (DeliverAsync),
        // so no spiral excerpt, coping note or alert reaches facilitators before the group sees the post, or dated when
        // it was written.
        SafetyOutcome? safety = null;
        try
        {
            if (_safety.Assess(text).Crisis)
            {
                safety = await _safety.ObserveAsync(new ObservedMessage(group.Id, handle, null, now, text), cancellationToken).ConfigureAwait(false);
            }
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            LogSafetyFailed(ex.GetType().Name, group.Id);
            return OperationResult<ShareReceipt>.Failure("Something went wrong checking your post, so it was not posted. Please try again in a minute.");
        }

        var id = NewPostId();
        if (safety is { Assessment.Crisis: true })
        {
            var token = RandomToken();
            _posts.Insert(new AnonymousPost(id, group.Id, handle, "", AnonymousPostState.Withheld, now, null, CrisisToken: token, AlertId: safety.Alert?.Id));
            LogWithheld(id, group.Id);
            return OperationResult<ShareReceipt>.Success(new ShareReceipt(id, true, CrisisReply(token)));
        }

        var neutral = MentionNeutralizer.Neutralize(text);
        var post = Options.Review
            // Facilitators are asked after the random delay too: a review request arriving the moment a post was written
            // would tell them when its author wrote it.
            ? new AnonymousPost(id, group.Id, handle, neutral, AnonymousPostState.AwaitingReview, now, now + _jitter.Pick(Options.MinDelay, Options.MaxDelay))
            : new AnonymousPost(id, group.Id, handle, neutral, AnonymousPostState.Scheduled, now, now + _jitter.Pick(Options.MinDelay, Options.MaxDelay));

        // Durable before the author hears "accepted": from here the outbox guarantees delivery.
        _posts.Insert(post);
        LogAccepted(id, group.Id, post.State);
        Wake();

        var earlier = await TakeOwedAuthorNotesAsync(handle, cancellationToken).ConfigureAwait(false);
        var reply = earlier + (Options.Review
            ? $"Saved. {group.Name}'s facilitators look at anonymous posts before they appear; I'll tell you privately what they decide. They won't see who you are. If none of them has decided within {Options.ReviewTimeout.Humanize(culture: CultureInfo.InvariantCulture)}, it is not posted and I'll tell you."
            : $"Saved. Your post will appear in {group.Name} as \"{AnonymousLabel}\" {Window()}. You'll see it there; I won't message you when it appears, because a phone buzzing the moment it does would point at you. Nobody in the group is told who shared it.");
        return OperationResult<ShareReceipt>.Success(new ShareReceipt(id, false, OutgoingMessage.Plain(reply)));
    }

    /// <summary>
    /// The author's next interaction is the fallback for a note about a post given up that could not be delivered
    /// yet: it is said in the reply to their next share, and no longer retried.
    /// </summary>
    private async Task<string> TakeOwedAuthorNotesAsync(string handle, CancellationToken cancellationToken)
    {
        await _gate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            var owed = _posts.ListByAuthor(handle)
                .Where(p => p.State == AnonymousPostState.Failed && p.Notices.HasFlag(PendingNotices.Author))
                .ToList();
            foreach (var post in owed)
            {
                var left = post.Notices & ~PendingNotices.Author;
                _posts.Update(post with { Notices = left, DueAt = left == PendingNotices.None ? null : post.DueAt });
            }

            return owed.Count == 0
                ? ""
                : $"First, sorry: {(owed.Count == 1 ? "an earlier anonymous post of yours" : $"{owed.Count} earlier anonymous posts of yours")} could not be posted, despite repeated tries, and {(owed.Count == 1 ? "was" : "were")} discarded. ";
        }
        finally
        {
            _gate.Release();
        }
    }

    /// <summary>Resolves the group a person shares to: the one named, or their only group.</summary>
    public OperationResult<GroupInfo> ChooseGroup(Person author, string? groupId)
    {
        ArgumentNullException.ThrowIfNull(author);
        var mine = _groups.GroupsOfMember(author.Id);
        if (mine.Count == 0)
        {
            return OperationResult<GroupInfo>.Failure("You're not a member of any group yet, so there's nowhere to share anonymously. Your coordinator can add you.");
        }

        if (string.IsNullOrWhiteSpace(groupId))
        {
            return mine.Count == 1
                ? OperationResult<GroupInfo>.Success(mine[0])
                : OperationResult<GroupInfo>.Failure($"You're in several groups; choose one: {string.Join(", ", mine.Select(g => g.Name))}.");
        }

        var chosen = mine.FirstOrDefault(g => string.Equals(g.Id, groupId, StringComparison.OrdinalIgnoreCase)
            || string.Equals(g.Name, groupId, StringComparison.OrdinalIgnoreCase));
        return chosen is null
            ? OperationResult<GroupInfo>.Failure($"Only members of a group can share in it. Your groups: {string.Join(", ", mine.Select(g => g.Name))}.")
            : OperationResult<GroupInfo>.Success(chosen);
    }

    /// <summary>Whether anonymous sharing is turned on.</summary>
    public bool Enabled => Options.Enabled;

    /// <summary>The post with this id, or null.</summary>
    public AnonymousPost? FindPost(string postId) => _posts.Find(postId);

    /// <summary>The earliest time the worker has something to do, or null.</summary>
    public DateTimeOffset? NextDueAt() => _posts.NextDueAt();

    /// <summary>
    /// Waits until a new post may be due, <paramref name="timeout"/> has passed (or the token fires). The timeout is
    /// capped (<see cref="ClockWaits.Capped"/>, at most <see cref="ClockWaits.MaxWait"/>): a longer one returns early and
    /// the caller looks again.
    /// </summary>
    public async Task WaitForWorkAsync(TimeSpan timeout, CancellationToken cancellationToken)
    {
        using var timeoutSource = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        var delay = Task.Delay(ClockWaits.Capped(timeout), _time, timeoutSource.Token);
        var wake = _wake.WaitAsync(timeoutSource.Token);
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
        await DropExpiredHandlesAsync(cancellationToken).ConfigureAwait(false);
        var due = _posts.ListDue(_time.GetUtcNow());
        var done = 0;
        foreach (var candidate in due)
        {
            cancellationToken.ThrowIfCancellationRequested();
            await _gate.WaitAsync(cancellationToken).ConfigureAwait(false);
            try
            {
                // Re-read under the gate: a facilitator may have removed it meanwhile.
                var post = _posts.Find(candidate.Id);
                if (post?.DueAt is null || post.DueAt > _time.GetUtcNow())
                {
                    continue;
                }

                try
                {
                    switch (post.State)
                    {
                        case AnonymousPostState.AwaitingReview:
                            await RequestReviewAsync(post, cancellationToken).ConfigureAwait(false);
                            done++;
                            break;
                        case AnonymousPostState.ReviewRequested:
                            await ExpireReviewAsync(post, cancellationToken).ConfigureAwait(false);
                            done++;
                            break;
                        case AnonymousPostState.Scheduled or AnonymousPostState.Sending:
                            await DeliverAsync(post, cancellationToken).ConfigureAwait(false);
                            done++;
                            break;
                        case AnonymousPostState.Failed when post.Notices != PendingNotices.None:
                            await SendNoticesAsync(post, cancellationToken).ConfigureAwait(false);
                            done++;
                            break;
                        default:
                            _posts.Update(post with { DueAt = null });
                            break;
                    }
                }
                catch (Exception ex) when (IsUnexpected(ex, cancellationToken))
                {
                    // Something no path above expected (a bug, a dependency's own error): it must not hold up every
                    // other post, pass after pass. The post is set aside with backoff, its attempt counted.
                    LogUnexpected(post.Id, ex.GetType().FullName ?? ex.GetType().Name);
                    await SetAsideAsync(post.Id, ex, cancellationToken).ConfigureAwait(false);
                    done++;
                }
            }
            finally
            {
                _gate.Release();
            }
        }

        return done;
    }

    /// <summary>
    /// Erases the handle of every post older than <see cref="HandleRetention"/> that is done with (delivered, removed,
    /// declined, withheld, or given up with no note still owed): no feature needs it any more. Looked at once an hour.
    /// </summary>
    /// <returns>How many posts lost their handle.</returns>
    public async Task<int> DropExpiredHandlesAsync(CancellationToken cancellationToken)
    {
        var now = _time.GetUtcNow();
        if (_lastHandleSweep is { } last && now - last < TimeSpan.FromHours(1) && now >= last)
        {
            return 0;
        }

        _lastHandleSweep = now;
        await _gate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            var dropped = 0;
            foreach (var post in _posts.ListWithHandleCreatedBefore(now - HandleRetention))
            {
                if (post.IsPending || post.Notices != PendingNotices.None)
                {
                    continue;
                }

                _posts.Update(post with { AuthorHandle = AnonymousPost.ForgottenAuthor, CrisisToken = null });
                dropped++;
            }

            if (dropped > 0)
            {
                LogHandlesDropped(dropped);
            }

            return dropped;
        }
        finally
        {
            _gate.Release();
        }
    }

    /// <summary>A facilitator's review decision on a post.</summary>
    /// <param name="postId">The post.</param>
    /// <param name="approve">True to let it appear.</param>
    /// <param name="cancellationToken">Cancellation.</param>
    public async Task<OperationResult<AnonymousPost>> DecideReviewAsync(string postId, bool approve, CancellationToken cancellationToken)
    {
        await _gate.WaitAsync(cancellationToken).ConfigureAwait(false);
        AnonymousPost updated;
        try
        {
            var post = _posts.Find(postId);
            if (post is null)
            {
                return OperationResult<AnonymousPost>.Failure($"There's no anonymous post {postId}; it may have been withdrawn.");
            }

            if (post.State is not (AnonymousPostState.AwaitingReview or AnonymousPostState.ReviewRequested))
            {
                return OperationResult<AnonymousPost>.Failure($"Post {post.Id} was already dealt with ({Describe(post.State)}).");
            }

            var now = _time.GetUtcNow();
            updated = approve
                ? post with { State = AnonymousPostState.Scheduled, DueAt = now + _jitter.Pick(Options.MinDelay, Options.MaxDelay) }
                : post with { State = AnonymousPostState.Declined, Text = "", DueAt = null };
            _posts.Update(updated);
            LogReviewed(post.Id, approve);
        }
        finally
        {
            _gate.Release();
        }

        Wake();
        var groupName = _groups.Find(updated.GroupId)?.Name ?? "your group";
        await NotifyAuthorAsync(updated, OutgoingMessage.Plain(approve
            ? $"Your anonymous post for {groupName} was approved and will appear {Window()}."
            : $"The facilitators of {groupName} decided not to post your anonymous share. It has been discarded. If you'd like to talk about it, you can message a facilitator directly."), cancellationToken).ConfigureAwait(false);
        return OperationResult<AnonymousPost>.Success(updated);
    }

    /// <summary>
    /// The anonymous author of a withheld crisis post chose to let the psychologist contact them:
    /// the one moment their identity is revealed, to the group's psychologists (or facilitators when it has none).
    /// </summary>
    public async Task<OperationResult<string>> RequestCrisisContactAsync(string token, Person presser, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(presser);
        var post = _posts.FindByCrisisToken(token);
        if (post is null || !string.Equals(post.AuthorHandle, _handles.HandleOf(presser.Id), StringComparison.Ordinal))
        {
            return OperationResult<string>.Failure("That button has expired. If you'd like someone to reach out, message your group's psychologist or facilitator directly, or call or text 988 any time.");
        }

        var group = _groups.Find(post.GroupId);
        if (group is null)
        {
            return OperationResult<string>.Failure("Your group isn't running right now. Please message a facilitator directly, or call or text 988 any time.");
        }

        var facilitators = group.FacilitatorIds.Select(_people.Find).OfType<Person>().ToList();
        var contacts = facilitators.Where(p => p.Role == PersonRole.Psychologist).ToList();
        if (contacts.Count == 0)
        {
            contacts = facilitators;
        }

        var platform = _platforms.Find(group.Platform);
        var reached = new List<string>();
        foreach (var contact in contacts)
        {
            var userId = _people.PlatformUserId(contact.Id, group.Platform);
            if (platform is null || userId is null)
            {
                continue;
            }

            var message = new OutgoingMessage(
                [
                    new HeadingBlock("Someone asked you to contact them"),
                    new ParagraphBlock([
                        new TextSpan(presser.Name, SpanStyle.Bold),
                        new TextSpan($" wrote the anonymous post in {group.Name} that was held back as crisis talk"),
                        new TextSpan(post.AlertId is null ? "" : $" (alert {post.AlertId})"),
                        new TextSpan(". They chose to let you reach out to them privately. Please contact them soon."),
                    ]),
                ],
                [],
                $"C{post.Id}{contacts.IndexOf(contact)}");
            try
            {
                await platform.SendDirectMessageAsync(userId, message, cancellationToken).ConfigureAwait(false);
                reached.Add(contact.Name);
            }
            catch (PlatformException ex)
            {
                LogContactFailed(post.Id, ex.Kind);
            }
        }

        if (reached.Count == 0)
        {
            return OperationResult<string>.Failure("I couldn't reach your group's psychologist just now. Please message them directly, or call or text 988 any time.");
        }

        _posts.Update(post with { CrisisToken = null });
        return OperationResult<string>.Success(
            $"Thank you for letting us in. {reached.Humanize()} will reach out to you privately. If you're in danger right now, call 911 or go to the nearest emergency department.");
    }

    /// <summary>What is stored about a person's anonymous sharing.</summary>
    public AuthorData DataOf(string personId)
    {
        var handle = _handles.HandleOf(personId);
        return new AuthorData(_posts.ListByAuthor(handle), _mutes.MutedUntil(handle));
    }

    /// <summary>
    /// Erases everything stored about a person's anonymous sharing: their mute, and for each of their posts the handle,
    /// the words, the crisis button and alert. A post that has not appeared never will. What stays is a tombstone (post
    /// id, group, state, the message in the group): <c>/peer anon remove</c> and <c>anon mute</c> answer for it exactly
    /// as for any other post, so they cannot tell which posts were the leaver's, and a post still up can be removed.
    /// </summary>
    /// <returns>How many posts were erased.</returns>
    public async Task<int> ForgetAsync(string personId, CancellationToken cancellationToken)
    {
        var handle = _handles.HandleOf(personId);
        await _gate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            _mutes.Unmute(handle);
            var mine = _posts.ListByAuthor(handle);
            foreach (var post in mine)
            {
                var notices = post.Notices & ~PendingNotices.Author;
                _posts.Update(post with
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

            return mine.Count;
        }
        finally
        {
            _gate.Release();
        }
    }

    /// <summary>Runs <paramref name="action"/> alone with the outbox, so a delivery and a removal never cross.</summary>
    internal async Task<T> ExclusiveAsync<T>(Func<Task<T>> action, CancellationToken cancellationToken)
    {
        await _gate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            return await action().ConfigureAwait(false);
        }
        finally
        {
            _gate.Release();
        }
    }

    /// <inheritdoc />
    public void Dispose()
    {
        _gate.Dispose();
        _wake.Dispose();
    }

    /// <summary>How a post state reads to a person.</summary>
    public static string Describe(AnonymousPostState state) => state switch
    {
        AnonymousPostState.AwaitingReview or AnonymousPostState.ReviewRequested => "waiting for review",
        AnonymousPostState.Scheduled => "scheduled",
        AnonymousPostState.Sending => "being posted",
        AnonymousPostState.Delivered => "posted",
        AnonymousPostState.Declined => "declined in review",
        AnonymousPostState.Removed => "removed by a facilitator",
        AnonymousPostState.Withheld => "held back (crisis resources sent)",
        AnonymousPostState.Failed => "could not be posted",
        _ => state.ToString(),
    };

    /// <summary>How a post's state reads to its author, saying when delivery is being retried.</summary>
    public static string Describe(AnonymousPost post)
    {
        ArgumentNullException.ThrowIfNull(post);
        return post.IsPending && post.FailingSince is not null
            ? "not posted yet: the chat platform isn't taking it right now, so it's being retried"
            : Describe(post.State);
    }

    private OutgoingMessage CrisisReply(string token) => new(
        [
            new ParagraphBlock(_options.Value.Safety.CrisisMessage),
            new ParagraphBlock("Your post was not shared with the group. If you'd like, the group's psychologist can reach out to you privately. "
                + "They will only learn who you are if you press the button below."),
        ],
        [new MessageButton("Let the psychologist contact me", "crisis:contact:" + token, ButtonStyle.Primary)]);

    private async Task RequestReviewAsync(AnonymousPost post, CancellationToken cancellationToken)
    {
        var group = _groups.Find(post.GroupId);
        var platform = group is null ? null : _platforms.Find(group.Platform);
        var asked = 0;
        var transient = false;
        if (group is not null && platform is not null)
        {
            for (var index = 0; index < group.FacilitatorIds.Count; index++)
            {
                var facilitatorId = group.FacilitatorIds[index];
                var userId = _people.PlatformUserId(facilitatorId, group.Platform);
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
                    transient |= IsTransient(ex);
                    LogReviewRequestFailed(post.Id, ex.Kind);
                }
            }
        }

        if (asked == 0)
        {
            // No platform yet (still connecting) or an outage is worth waiting out; no facilitator to ask is not.
            await RetryAsync(post, "no facilitator could be asked to review", transient || (group is not null && platform is null), cancellationToken).ConfigureAwait(false);
            return;
        }

        // The request waits for a decision at most ReviewTimeout; then ProcessDueAsync finds it due and lets it go.
        _posts.Update(post with { State = AnonymousPostState.ReviewRequested, DueAt = _time.GetUtcNow() + Options.ReviewTimeout });
    }

    /// <summary>
    /// A review request nobody answered within <see cref="AnonymityOptions.ReviewTimeout"/>: the post is not posted, its
    /// words are erased, and the author is told privately (a facilitator pressing a button later hears it was dealt with).
    /// </summary>
    private async Task ExpireReviewAsync(AnonymousPost post, CancellationToken cancellationToken)
    {
        var expired = post with { State = AnonymousPostState.Declined, Text = "", DueAt = null };
        _posts.Update(expired);
        LogReviewExpired(post.Id, post.GroupId);
        var groupName = _groups.Find(post.GroupId)?.Name ?? "your group";
        await NotifyAuthorAsync(expired, OutgoingMessage.Plain(
            $"None of {groupName}'s facilitators reviewed your anonymous post within {Options.ReviewTimeout.Humanize(culture: CultureInfo.InvariantCulture)}, "
            + "so it was not posted and its words are erased. You can share it again, or talk to a facilitator directly."), cancellationToken).ConfigureAwait(false);
    }

    private async Task DeliverAsync(AnonymousPost post, CancellationToken cancellationToken)
    {
        var sending = post with { State = AnonymousPostState.Sending, Attempts = post.Attempts + 1 };
        _posts.Update(sending);

        var group = _groups.Find(post.GroupId);
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

        var platform = _platforms.Find(group.Platform);
        if (platform is null)
        {
            await RetryAsync(sending, "its platform is not connected", transient: true, cancellationToken).ConfigureAwait(false);
            return;
        }

        var message = new OutgoingMessage(
            [
                new ParagraphBlock([new TextSpan(AnonymousLabel, SpanStyle.Bold)]),
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

        _posts.Update(sending with { State = AnonymousPostState.Delivered, Text = "", DueAt = null, Delivered = posted, FailingSince = null });
        LogDelivered(post.Id, group.Id, sending.Attempts);
        _stats.Increment(group.Id, StatKind.AnonymousPosts, _time.GetUtcNow());
        var fatalistic = await ObserveDeliveredAsync(group.Id, post, cancellationToken).ConfigureAwait(false);
        _digest?.AnonymousPostShown(group.Id, _time.GetUtcNow(), fatalistic);

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
            var outcome = await _safety.ObserveAsync(new ObservedMessage(groupId, post.AuthorHandle, null, _time.GetUtcNow(), post.Text), cancellationToken).ConfigureAwait(false);
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
        var post = _posts.Find(postId);
        if (post?.DueAt is null)
        {
            return;
        }

        if (post.IsPending)
        {
            await RetryAsync(post, Unexpected(exception), IsTransientCause(exception), cancellationToken).ConfigureAwait(false);
        }
        else if (_time.GetUtcNow() - (post.GaveUpAt ?? _time.GetUtcNow()) >= NoticeRetryWindow)
        {
            LogNoticesDropped(post.Id, post.Notices);
            _posts.Update(post with { Notices = PendingNotices.None, DueAt = null });
        }
        else
        {
            _posts.Update(post with { DueAt = _time.GetUtcNow() + MaxBackoff });
        }
    }

    private async Task RetryAsync(AnonymousPost post, string why, bool transient, CancellationToken cancellationToken)
    {
        var now = _time.GetUtcNow();
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
        _posts.Update(post with { DueAt = now + backoff, Attempts = attempts, FailingSince = failingSince, PermanentFailures = permanentFailures });
        LogRetry(post.Id, attempts, why, backoff);
    }

    private async Task GiveUpAsync(AnonymousPost post, string why, CancellationToken cancellationToken)
    {
        // The words go and the notes become due in the same write: a crash after it still tells both sides.
        var now = _time.GetUtcNow();
        var failed = post with
        {
            State = AnonymousPostState.Failed,
            Text = "",
            DueAt = now,
            Notices = PendingNotices.Author | PendingNotices.Facilitators,
            GaveUpAt = now,
        };
        _posts.Update(failed);
        LogGaveUp(post.Id, post.Attempts, why);
        await SendNoticesAsync(failed, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>
    /// Delivers the notes owed about a post given up: the author learns it was not posted, the group's facilitators
    /// learn only that one anonymous post could not be delivered (no words, no author, no post id). What could not be
    /// sent is retried through the outbox with backoff (5 s doubling to 10 minutes) for <see cref="NoticeRetryWindow"/>;
    /// an author not reached by then still sees it in <c>/peer my-data</c> and in the reply to their next share.
    /// </summary>
    private async Task SendNoticesAsync(AnonymousPost post, CancellationToken cancellationToken)
    {
        var now = _time.GetUtcNow();
        var owed = post.Notices;
        var group = _groups.Find(post.GroupId);
        var groupName = group?.Name ?? "your group";
        if (owed.HasFlag(PendingNotices.Author))
        {
            var told = await NotifyAuthorAsync(post, OutgoingMessage.Plain(GaveUpNote(groupName), $"N{post.Id}"), cancellationToken).ConfigureAwait(false);
            if (told != NoteOutcome.NotYet)
            {
                owed &= ~PendingNotices.Author;
            }
        }

        if (owed.HasFlag(PendingNotices.Facilitators))
        {
            if (group is null || await TellFacilitatorsAsync(post, group, cancellationToken).ConfigureAwait(false))
            {
                owed &= ~PendingNotices.Facilitators;
            }
        }

        var gaveUpAt = post.GaveUpAt ?? now;
        DateTimeOffset? next = null;
        if (owed != PendingNotices.None)
        {
            if (now - gaveUpAt >= NoticeRetryWindow)
            {
                LogNoticesDropped(post.Id, owed);
                owed = PendingNotices.None;
            }
            else
            {
                // Doubling without a counter: the next try is as far ahead as the give-up is behind, 5 s to 10 minutes.
                var elapsed = now - gaveUpAt;
                next = now + (elapsed < FirstBackoff ? FirstBackoff : elapsed > MaxBackoff ? MaxBackoff : elapsed);
            }
        }

        _posts.Update(post with { Notices = owed, DueAt = next, GaveUpAt = gaveUpAt });
    }

    private async Task<bool> TellFacilitatorsAsync(AnonymousPost post, GroupInfo group, CancellationToken cancellationToken)
    {
        var platform = _platforms.Find(group.Platform);
        if (platform is null)
        {
            return false;
        }

        var reached = 0;
        var reachable = 0;
        for (var index = 0; index < group.FacilitatorIds.Count; index++)
        {
            var userId = _people.PlatformUserId(group.FacilitatorIds[index], group.Platform);
            if (userId is null)
            {
                continue;
            }

            reachable++;
            var message = OutgoingMessage.Plain(
                $"One anonymous post for {group.Name} could not be delivered, despite repeated tries, and was discarded; its words are erased. "
                + "Its author has been told privately. Nobody, including you, is told who wrote it. If the bot lacks access to the group's channel, please ask the coordinator to check it.",
                $"F{post.Id}{index}");
            try
            {
                await platform.SendDirectMessageAsync(userId, message, cancellationToken).ConfigureAwait(false);
                reached++;
            }
            catch (PlatformException ex)
            {
                LogNoteFailed(post.Id, ex.Kind);
            }
        }

        if (reachable == 0)
        {
            // Nobody to tell on this platform: retrying cannot help.
            LogNoFacilitatorToTell(post.Id, group.Id);
            return true;
        }

        return reached > 0;
    }

    private static string GaveUpNote(string groupName) =>
        $"Sorry, your anonymous post for {groupName} could not be posted, despite repeated tries, so it was discarded and its words erased. "
        + "The group's facilitators were told only that one anonymous post could not be delivered, not who wrote it or what it said. Please share it again later.";

    internal async Task<NoteOutcome> NotifyAuthorAsync(AnonymousPost post, OutgoingMessage message, CancellationToken cancellationToken)
    {
        var author = _handles.FindAuthor(post.AuthorHandle);
        if (author is null)
        {
            // No longer on the roster: there is nobody to tell, now or later.
            LogNoteUndeliverable(post.Id);
            return NoteOutcome.Never;
        }

        var group = _groups.Find(post.GroupId);
        var platforms = (group is null ? Array.Empty<PlatformKind>() : [group.Platform]).Concat(_platforms.Platforms.Select(p => p.Kind)).Distinct();
        foreach (var kind in platforms)
        {
            var platform = _platforms.Find(kind);
            var userId = _people.PlatformUserId(author.Id, kind);
            if (platform is null || userId is null)
            {
                continue;
            }

            try
            {
                await platform.SendDirectMessageAsync(userId, message, cancellationToken).ConfigureAwait(false);
                return NoteOutcome.Sent;
            }
            catch (PlatformException ex)
            {
                LogNoteFailed(post.Id, ex.Kind);
            }
        }

        LogNoteUndeliverable(post.Id);
        return NoteOutcome.NotYet;
    }

    internal enum NoteOutcome
    {
        Sent,
        NotYet,
        Never,
    }

    private string Window() =>
        Options.MaxDelay <= Options.MinDelay
            ? $"in about {Options.MinDelay.Humanize(culture: CultureInfo.InvariantCulture)}"
            : $"within {Options.MaxDelay.Humanize(culture: CultureInfo.InvariantCulture)}";

    private void Wake()
    {
        try
        {
            _wake.Release();
        }
        catch (SemaphoreFullException)
        {
            // Already signalled; one wake-up is enough.
        }
    }

    private string NewPostId()
    {
        const string alphabet = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789";
        while (true)
        {
            var id = "P" + RandomNumberGenerator.GetString(alphabet, 6);
            if (_posts.Find(id) is null)
            {
                return id;
            }
        }
    }

    private static string RandomToken() => AuthorHandles.Base64Url(RandomNumberGenerator.GetBytes(18));

    [LoggerMessage(Level = LogLevel.Information, Message = "Anonymous post {PostId} accepted for group {GroupId} ({State}).")]
    private partial void LogAccepted(string postId, string groupId, AnonymousPostState state);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Anonymous post {PostId} for group {GroupId} was crisis talk: withheld, crisis resources sent to its author.")]
    private partial void LogWithheld(string postId, string groupId);

    [LoggerMessage(Level = LogLevel.Error, Message = "The safety check of an anonymous post for group {GroupId} failed ({ExceptionType}); the post was refused.")]
    private partial void LogSafetyFailed(string exceptionType, string groupId);

    [LoggerMessage(Level = LogLevel.Error, Message = "The safety check of an anonymous post for group {GroupId} as it appeared failed ({ExceptionType}); the post is up but does not count towards a spiral.")]
    private partial void LogSafetyAtDeliveryFailed(string exceptionType, string groupId);

    [LoggerMessage(Level = LogLevel.Information, Message = "The author handles of {Count} anonymous posts past their retention were erased.")]
    private partial void LogHandlesDropped(int count);

    [LoggerMessage(Level = LogLevel.Information, Message = "Anonymous post {PostId} delivered to group {GroupId} (attempt {Attempt}).")]
    private partial void LogDelivered(string postId, string groupId, int attempt);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Anonymous post {PostId} not delivered ({Why}), attempt {Attempt}; retrying in {Backoff}.")]
    private partial void LogRetry(string postId, int attempt, string why, TimeSpan backoff);

    [LoggerMessage(Level = LogLevel.Error, Message = "Anonymous post {PostId} met an unexpected {ExceptionType}; counted as a failed attempt.")]
    private partial void LogUnexpected(string postId, string exceptionType);

    [LoggerMessage(Level = LogLevel.Error, Message = "Anonymous post {PostId} given up after {Attempts} attempts ({Why}).")]
    private partial void LogGaveUp(string postId, int attempts, string why);

    [LoggerMessage(Level = LogLevel.Warning, Message = "The notes about anonymous post {PostId}, given up, were not delivered within the retry window ({Owed}); they are dropped.")]
    private partial void LogNoticesDropped(string postId, PendingNotices owed);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Group {GroupId} has no facilitator who can be messaged about anonymous post {PostId}, given up.")]
    private partial void LogNoFacilitatorToTell(string postId, string groupId);

    [LoggerMessage(Level = LogLevel.Information, Message = "Anonymous post {PostId} reviewed: approved {Approved}.")]
    private partial void LogReviewed(string postId, bool approved);

    [LoggerMessage(Level = LogLevel.Information, Message = "Anonymous post {PostId} for group {GroupId} was not reviewed in time: not posted, words erased.")]
    private partial void LogReviewExpired(string postId, string groupId);

    [LoggerMessage(Level = LogLevel.Warning, Message = "A facilitator could not be asked to review anonymous post {PostId} ({Kind}).")]
    private partial void LogReviewRequestFailed(string postId, PlatformErrorKind kind);

    [LoggerMessage(Level = LogLevel.Warning, Message = "A private note about anonymous post {PostId} could not be sent ({Kind}).")]
    private partial void LogNoteFailed(string postId, PlatformErrorKind kind);

    [LoggerMessage(Level = LogLevel.Warning, Message = "The author of anonymous post {PostId} could not be reached for a private note.")]
    private partial void LogNoteUndeliverable(string postId);

    [LoggerMessage(Level = LogLevel.Warning, Message = "A psychologist could not be told that the author of post {PostId} asked for contact ({Kind}).")]
    private partial void LogContactFailed(string postId, PlatformErrorKind kind);
}
