using PeerBot.Core.Platform;

namespace PeerBot.Core.Sharing;

/// <summary>
/// An anonymous post as the store keeps it. It names its author only by an opaque handle
/// (<see cref="IAuthorHandles"/>), never by a person id or platform id.
/// </summary>
/// <param name="Id">Short id facilitators type back (<c>/peer anon remove P7KQ2M</c>); also the idempotency key of its delivery.</param>
/// <param name="GroupId">The group it is for.</param>
/// <param name="AuthorHandle">The author's opaque handle.</param>
/// <param name="Text">The neutralised text while the post awaits delivery or review; emptied once it is posted, declined, removed or withheld.</param>
/// <param name="State">Where it stands.</param>
/// <param name="CreatedAt">When the author shared it.</param>
/// <param name="DueAt">When the delivery worker must next act on it (deliver, retry, ask for review); null when nothing is due.</param>
/// <param name="Attempts">Delivery attempts so far.</param>
/// <param name="Delivered">The message in the group once posted.</param>
/// <param name="CrisisToken">For a post withheld as crisis talk: the token of the author's "let the psychologist contact me" button.</param>
/// <param name="AlertId">For a post withheld as crisis talk: the safety alert raised.</param>
/// <param name="FailingSince">When the first failed delivery attempt happened; transient failures are retried until
/// <see cref="AnonymousOutbox.TransientRetryWindow"/> after it.</param>
/// <param name="PermanentFailures">Attempts that failed in a way retrying is unlikely to fix (not found, no permission...).</param>
/// <param name="Notices">For a post given up: the private notes still to be delivered about it.</param>
/// <param name="GaveUpAt">For a post given up: when; the notes are retried until <see cref="AnonymousOutbox.NoticeRetryWindow"/> after it.</param>
public sealed record AnonymousPost(
    string Id,
    string GroupId,
    string AuthorHandle,
    string Text,
    AnonymousPostState State,
    DateTimeOffset CreatedAt,
    DateTimeOffset? DueAt,
    int Attempts = 0,
    MessageRef? Delivered = null,
    string? CrisisToken = null,
    string? AlertId = null,
    DateTimeOffset? FailingSince = null,
    int PermanentFailures = 0,
    PendingNotices Notices = PendingNotices.None,
    DateTimeOffset? GaveUpAt = null)
{
    /// <summary>
    /// The handle of a post whose author asked to be forgotten: the post stays as a tombstone so moderation answers for
    /// it as for any other, but nothing in it points at anyone.
    /// </summary>
    public const string ForgottenAuthor = "";

    /// <summary>True while the post may still appear in its group.</summary>
    public bool IsPending => State is AnonymousPostState.AwaitingReview or AnonymousPostState.ReviewRequested
        or AnonymousPostState.Scheduled or AnonymousPostState.Sending;
}

/// <summary>Where an anonymous post stands.</summary>
public enum AnonymousPostState
{
    /// <summary>Review mode: the facilitators have not been asked yet.</summary>
    AwaitingReview,

    /// <summary>Review mode: the facilitators were asked and have not decided.</summary>
    ReviewRequested,

    /// <summary>Accepted; it appears at <see cref="AnonymousPost.DueAt"/>.</summary>
    Scheduled,

    /// <summary>A delivery started; after a restart it is sent again with the same idempotency key.</summary>
    Sending,

    /// <summary>Posted in the group.</summary>
    Delivered,

    /// <summary>A facilitator declined it in review.</summary>
    Declined,

    /// <summary>A facilitator removed it (before or after it appeared).</summary>
    Removed,

    /// <summary>Crisis talk: never posted; the author got crisis resources and the facilitators an alert.</summary>
    Withheld,

    /// <summary>Delivery gave up after repeated failures; the text is erased.</summary>
    Failed,
}

/// <summary>Private notes still owed about a post that was given up.</summary>
[Flags]
public enum PendingNotices
{
    /// <summary>Nothing owed.</summary>
    None = 0,

    /// <summary>The author has not yet been told that their post could not be delivered.</summary>
    Author = 1,

    /// <summary>The group's facilitators have not yet been told that one anonymous post could not be delivered.</summary>
    Facilitators = 2,
}
