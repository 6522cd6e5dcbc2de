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

/// <summary>
/// Anonymous sharing: members share in private and a post appears in their group under <see cref="AnonymousLabel"/>,
/// exactly once, after a random delay, without anyone learning who wrote it. Its parts share one store and one lock:
/// <list type="bullet">
/// <item><see cref="Submission"/> accepts a post and stores it before its author hears "Saved";</item>
/// <item><see cref="Outbox"/> delivers what is due, retries, and gives up with notes to both sides;</item>
/// <item><see cref="Review"/> asks facilitators to approve a post first, when the program wants that;</item>
/// <item><see cref="Moderation"/> lets facilitators remove a post and mute its author;</item>
/// <item><see cref="CrisisContact"/> is the author of a withheld crisis post choosing to be contacted;</item>
/// <item><see cref="PersonalData"/> is what is kept about people, <c>/peer my-data</c> and <c>forget-me</c>.</item>
/// </list>
/// Logs name posts by id, never their author.
/// </summary>
public sealed class AnonymousSharingService : IDisposable
{
    /// <summary>The label anonymous posts appear under.</summary>
    public const string AnonymousLabel = "Anonymous member";

    private readonly SharingContext _context;

    /// <summary>Creates the service and its parts.</summary>
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
        _context = new SharingContext(posts, mutes, handles, groups, people, platforms, safety, jitter, stats, time, options, logger, digest);
        var notes = new AuthorNotes(_context);
        Submission = new AnonymousSubmission(_context);
        Review = new AnonymousReview(_context, notes);
        PersonalData = new AnonymousPersonalData(_context);
        Outbox = new AnonymousOutbox(_context, Review, PersonalData, new GiveUpNotices(_context, notes));
        Moderation = new AnonymousModeration(_context, notes);
        CrisisContact = new AnonymousCrisisContact(_context);
    }

    /// <summary>Whether anonymous sharing is turned on.</summary>
    public bool Enabled => _context.Options.Enabled;

    /// <summary>Accepting posts.</summary>
    public AnonymousSubmission Submission { get; }

    /// <summary>Delivering them.</summary>
    public AnonymousOutbox Outbox { get; }

    /// <summary>Facilitators' review before a post appears.</summary>
    public AnonymousReview Review { get; }

    /// <summary>Facilitators' moderation of posts (remove, mute).</summary>
    public AnonymousModeration Moderation { get; }

    /// <summary>The author of a withheld crisis post asking to be contacted.</summary>
    public AnonymousCrisisContact CrisisContact { get; }

    /// <summary>What is kept about people, and erasing it.</summary>
    public AnonymousPersonalData PersonalData { get; }

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

    /// <inheritdoc />
    public void Dispose() => _context.Dispose();
}
