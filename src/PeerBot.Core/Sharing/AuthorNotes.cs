using Microsoft.Extensions.Logging;
using PeerBot.Core.Platform;

namespace PeerBot.Core.Sharing;

/// <summary>How a private note to an anonymous author went.</summary>
internal enum NoteOutcome
{
    /// <summary>A platform took it.</summary>
    Sent,

    /// <summary>No platform took it now; a later try may.</summary>
    NotYet,

    /// <summary>The author is no longer on the roster: there is nobody to tell, now or later.</summary>
    Never,
}

/// <summary>
/// Private notes to the author of an anonymous post (approved, declined, muted, given up), found through the post's
/// handle, on the group's platform first. Logs name the post, never its author.
/// </summary>
internal sealed partial class AuthorNotes
{
    private readonly SharingContext _context;
    private readonly ILogger _logger;

    public AuthorNotes(SharingContext context)
    {
        _context = context;
        _logger = context.Logger;
    }

    /// <summary>Sends <paramref name="message"/> to the author of <paramref name="post"/>.</summary>
    public async Task<NoteOutcome> SendAsync(AnonymousPost post, OutgoingMessage message, CancellationToken cancellationToken)
    {
        var author = _context.Handles.FindAuthor(post.AuthorHandle);
        if (author is null)
        {
            LogNoteUndeliverable(post.Id);
            return NoteOutcome.Never;
        }

        var group = _context.Groups.Find(post.GroupId);
        var platforms = (group is null ? Array.Empty<PlatformKind>() : [group.Platform]).Concat(_context.Platforms.Platforms.Select(p => p.Kind)).Distinct();
        foreach (var kind in platforms)
        {
            var platform = _context.Platforms.Find(kind);
            var userId = _context.People.PlatformUserId(author.Id, kind);
            if (platform is null || userId is null)
            {
                continue;
            }

            try
            {
                // Discreet: the send journal keeps that the note went, never to whom.
                await platform.SendDirectMessageAsync(userId, message with { Discreet = true }, cancellationToken).ConfigureAwait(false);
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

    [LoggerMessage(Level = LogLevel.Warning, Message = "A private note about anonymous post {PostId} could not be sent ({Kind}).")]
    internal partial void LogNoteFailed(string postId, PlatformErrorKind kind);

    [LoggerMessage(Level = LogLevel.Warning, Message = "The author of anonymous post {PostId} could not be reached for a private note.")]
    private partial void LogNoteUndeliverable(string postId);
}
