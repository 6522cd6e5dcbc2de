using System.Globalization;
using System.Security.Cryptography;
using Humanizer;
using Microsoft.Extensions.Logging;
using PeerBot.Core.Commands;
using PeerBot.Core.Configuration;
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

/// <summary>
/// Accepting an anonymous post: membership, attachments, length, mute and the daily limit, the crisis check, and the
/// post stored in the outbox before its author hears "Saved".
/// </summary>
public sealed partial class AnonymousSubmission
{
    private readonly SharingContext _context;
    private readonly ILogger _logger;

    internal AnonymousSubmission(SharingContext context)
    {
        _context = context;
        _logger = context.Logger;
    }

    private AnonymityOptions Options => _context.Options;

    /// <summary>
    /// Accepts a post: checks membership, attachments, length, mute and the daily limit, passes crisis talk through the
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

        var handle = _context.Handles.HandleOf(request.Author.Id);
        var now = _context.Time.GetUtcNow();
        var mutedUntil = _context.Mutes.MutedUntil(handle);
        if (mutedUntil is { } until && until > now)
        {
            return OperationResult<ShareReceipt>.Failure(
                $"Your anonymous sharing is paused until {Replies.When(until, now, group.TimeZone)}. You can still talk in your group as yourself.");
        }

        var lastDay = _context.Posts.ListByAuthor(handle).Count(p => p.CreatedAt > now - TimeSpan.FromDays(1) && p.State is not (AnonymousPostState.Withheld or AnonymousPostState.Failed));
        if (lastDay >= Options.MaxPerDay)
        {
            return OperationResult<ShareReceipt>.Failure(
                $"You've shared {"anonymous post".ToQuantity(lastDay)} in the last day, the most allowed. Please try again tomorrow; nothing was posted.");
        }

        // Only crisis talk is observed now, where speed wins; any other post is observed when it appears (the outbox's
        // delivery), so no spiral excerpt, coping note or alert reaches facilitators before the group sees the post, or
        // dated when it was written.
        SafetyOutcome? safety = null;
        try
        {
            if (_context.Safety.Assess(text).Crisis)
            {
                safety = await _context.Safety.ObserveAsync(new ObservedMessage(group.Id, handle, null, now, text), cancellationToken).ConfigureAwait(false);
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
            _context.Posts.Insert(new AnonymousPost(id, group.Id, handle, "", AnonymousPostState.Withheld, now, null, CrisisToken: token, AlertId: safety.Alert?.Id));
            LogWithheld(id, group.Id);
            return OperationResult<ShareReceipt>.Success(new ShareReceipt(id, true, CrisisReply(token)));
        }

        var neutral = MentionNeutralizer.Neutralize(text);
        var dueAt = now + _context.Jitter.Pick(Options.MinDelay, Options.MaxDelay);
        var post = Options.Review
            // Facilitators are asked after the random delay too: a review request arriving the moment a post was written
            // would tell them when its author wrote it.
            ? new AnonymousPost(id, group.Id, handle, neutral, AnonymousPostState.AwaitingReview, now, dueAt)
            : new AnonymousPost(id, group.Id, handle, neutral, AnonymousPostState.Scheduled, now, dueAt);

        // Durable before the author hears "accepted": from here the outbox guarantees delivery.
        _context.Posts.Insert(post);
        LogAccepted(id, group.Id, post.State);
        _context.Wake();

        var earlier = await TakeOwedAuthorNotesAsync(handle, cancellationToken).ConfigureAwait(false);
        var reply = earlier + (Options.Review
            ? $"Saved. {group.Name}'s facilitators look at anonymous posts before they appear; I'll tell you privately what they decide. They won't see who you are. If none of them has decided within {Options.ReviewTimeout.Humanize(culture: CultureInfo.InvariantCulture)}, it is not posted and I'll tell you."
            : $"Saved. Your post will appear in {group.Name} as \"{AnonymousSharingService.AnonymousLabel}\" {_context.Window()}. You'll see it there; I won't message you when it appears, because a phone buzzing the moment it does would point at you. Nobody in the group is told who shared it.");
        return OperationResult<ShareReceipt>.Success(new ShareReceipt(id, false, OutgoingMessage.Plain(reply)));
    }

    /// <summary>Resolves the group a person shares to: the one named, or their only group.</summary>
    public OperationResult<GroupInfo> ChooseGroup(Person author, string? groupId)
    {
        ArgumentNullException.ThrowIfNull(author);
        var mine = _context.Groups.GroupsOfMember(author.Id);
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

    /// <summary>
    /// The author's next share is the fallback for a note about a post given up that could not be delivered yet: it is
    /// said in the reply to that share, and no longer retried.
    /// </summary>
    private Task<string> TakeOwedAuthorNotesAsync(string handle, CancellationToken cancellationToken) =>
        _context.ExclusiveAsync(
            () =>
            {
                var owed = _context.Posts.ListByAuthor(handle)
                    .Where(p => p.State == AnonymousPostState.Failed && p.Notices.HasFlag(PendingNotices.Author))
                    .ToList();
                foreach (var post in owed)
                {
                    var left = post.Notices & ~PendingNotices.Author;
                    _context.Posts.Update(post with { Notices = left, DueAt = left == PendingNotices.None ? null : post.DueAt });
                }

                return Task.FromResult(owed.Count == 0
                    ? ""
                    : $"First, sorry: {(owed.Count == 1 ? "an earlier anonymous post of yours" : $"{owed.Count} earlier anonymous posts of yours")} could not be posted, despite repeated tries, and {(owed.Count == 1 ? "was" : "were")} discarded. ");
            },
            cancellationToken);

    private OutgoingMessage CrisisReply(string token) => new(
        [
            new ParagraphBlock(_context.AllOptions.Safety.CrisisMessage),
            new ParagraphBlock("Your post was not shared with the group. If you'd like, the group's psychologist can reach out to you privately. "
                + "They will only learn who you are if you press the button below."),
        ],
        [new MessageButton("Let the psychologist contact me", AnonymousCrisisContact.ButtonPrefix + token, ButtonStyle.Primary)]);

    private string NewPostId()
    {
        const string alphabet = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789";
        while (true)
        {
            var id = "P" + RandomNumberGenerator.GetString(alphabet, 6);
            if (_context.Posts.Find(id) is null)
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
}
