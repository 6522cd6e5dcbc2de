using Humanizer;
using Microsoft.Extensions.Logging;
using PeerBot.Core.Configuration;
using PeerBot.Core.People;
using PeerBot.Core.Platform;

namespace PeerBot.Core.Sharing;

/// <summary>
/// The one way an anonymous author's identity is revealed: the author of a withheld crisis post presses the button in
/// their crisis reply, and the group's psychologists (or its facilitators when it has none) are told who they are.
/// </summary>
public sealed partial class AnonymousCrisisContact
{
    /// <summary>The start of the contact button's action; a random token follows.</summary>
    public const string ButtonPrefix = "crisis:contact:";

    private readonly SharingContext _context;
    private readonly ILogger _logger;

    internal AnonymousCrisisContact(SharingContext context)
    {
        _context = context;
        _logger = context.Logger;
    }

    /// <summary>
    /// The anonymous author of a withheld crisis post chose to let the psychologist contact them: the one moment their
    /// identity is revealed, to the group's psychologists (or facilitators when it has none). Anyone else pressing the
    /// button, or a button already used or expired, reveals nothing.
    /// </summary>
    public async Task<OperationResult<string>> RequestAsync(string token, Person presser, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(presser);
        var post = _context.Posts.FindByCrisisToken(token);
        if (post is null || !string.Equals(post.AuthorHandle, _context.Handles.HandleOf(presser.Id), StringComparison.Ordinal))
        {
            return OperationResult<string>.Failure("That button has expired. If you'd like someone to reach out, message your group's psychologist or facilitator directly, or call or text 988 any time.");
        }

        var group = _context.Groups.Find(post.GroupId);
        if (group is null)
        {
            return OperationResult<string>.Failure("Your group isn't running right now. Please message a facilitator directly, or call or text 988 any time.");
        }

        var facilitators = group.FacilitatorIds.Select(_context.People.Find).OfType<Person>().ToList();
        var contacts = facilitators.Where(p => p.Role == PersonRole.Psychologist).ToList();
        if (contacts.Count == 0)
        {
            contacts = facilitators;
        }

        var platform = _context.Platforms.Find(group.Platform);
        var reached = new List<string>();
        foreach (var contact in contacts)
        {
            var userId = _context.People.PlatformUserId(contact.Id, group.Platform);
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

        _context.Posts.Update(post with { CrisisToken = null });
        return OperationResult<string>.Success(
            $"Thank you for letting us in. {reached.Humanize()} will reach out to you privately. If you're in danger right now, call 911 or go to the nearest emergency department.");
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "A psychologist could not be told that the author of post {PostId} asked for contact ({Kind}).")]
    private partial void LogContactFailed(string postId, PlatformErrorKind kind);
}
