using Microsoft.Extensions.Logging;
using PeerBot.Core.Groups;
using PeerBot.Core.Platform;

namespace PeerBot.Core.Sharing;

/// <summary>
/// The notes owed about a post the outbox gave up: the author learns it was not posted, the group's facilitators learn
/// only that one anonymous post could not be delivered (no words, no author, no post id). What could not be sent is
/// retried through the outbox with backoff (5 s doubling to 10 minutes) for <see cref="AnonymousOutbox.NoticeRetryWindow"/>;
/// an author not reached by then still sees it in <c>/peer my-data</c> and in the reply to their next share.
/// </summary>
internal sealed partial class GiveUpNotices
{
    private readonly SharingContext _context;
    private readonly AuthorNotes _notes;
    private readonly ILogger _logger;

    public GiveUpNotices(SharingContext context, AuthorNotes notes)
    {
        _context = context;
        _notes = notes;
        _logger = context.Logger;
    }

    /// <summary>Sends what is still owed about <paramref name="post"/> and stores what remains, and when to try again.</summary>
    public async Task SendAsync(AnonymousPost post, CancellationToken cancellationToken)
    {
        var now = _context.Time.GetUtcNow();
        var owed = post.Notices;
        var group = _context.Groups.Find(post.GroupId);
        var groupName = group?.Name ?? "your group";
        if (owed.HasFlag(PendingNotices.Author))
        {
            var told = await _notes.SendAsync(post, OutgoingMessage.Plain(AuthorNote(groupName), $"N{post.Id}"), cancellationToken).ConfigureAwait(false);
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
            if (now - gaveUpAt >= AnonymousOutbox.NoticeRetryWindow)
            {
                LogNoticesDropped(post.Id, owed);
                owed = PendingNotices.None;
            }
            else
            {
                // Doubling without a counter: the next try is as far ahead as the give-up is behind, 5 s to 10 minutes.
                var elapsed = now - gaveUpAt;
                next = now + (elapsed < AnonymousOutbox.FirstBackoff ? AnonymousOutbox.FirstBackoff : elapsed > AnonymousOutbox.MaxBackoff ? AnonymousOutbox.MaxBackoff : elapsed);
            }
        }

        _context.Posts.Update(post with { Notices = owed, DueAt = next, GaveUpAt = gaveUpAt });
    }

    /// <summary>Drops the notes still owed about a post, when they could not be sent within the retry window.</summary>
    public void Drop(AnonymousPost post)
    {
        LogNoticesDropped(post.Id, post.Notices);
        _context.Posts.Update(post with { Notices = PendingNotices.None, DueAt = null });
    }

    private async Task<bool> TellFacilitatorsAsync(AnonymousPost post, GroupInfo group, CancellationToken cancellationToken)
    {
        var platform = _context.Platforms.Find(group.Platform);
        if (platform is null)
        {
            return false;
        }

        var reached = 0;
        var reachable = 0;
        for (var index = 0; index < group.FacilitatorIds.Count; index++)
        {
            var userId = _context.People.PlatformUserId(group.FacilitatorIds[index], group.Platform);
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
                _notes.LogNoteFailed(post.Id, ex.Kind);
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

    private static string AuthorNote(string groupName) =>
        $"Sorry, your anonymous post for {groupName} could not be posted, despite repeated tries, so it was discarded and its words erased. "
        + "The group's facilitators were told only that one anonymous post could not be delivered, not who wrote it or what it said. Please share it again later.";

    [LoggerMessage(Level = LogLevel.Warning, Message = "The notes about anonymous post {PostId}, given up, were not delivered within the retry window ({Owed}); they are dropped.")]
    private partial void LogNoticesDropped(string postId, PendingNotices owed);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Group {GroupId} has no facilitator who can be messaged about anonymous post {PostId}, given up.")]
    private partial void LogNoFacilitatorToTell(string postId, string groupId);
}
