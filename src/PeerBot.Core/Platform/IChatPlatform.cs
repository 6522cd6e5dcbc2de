namespace PeerBot.Core.Platform;

/// <summary>
/// The port every chat platform adapter implements (Discord, Slack, the sandbox).
/// Core calls it; adapters render neutral messages their own way and map platform errors
/// to <see cref="PlatformException"/>. Every operation is safe to retry.
/// </summary>
public interface IChatPlatform
{
    /// <summary>Which platform this is.</summary>
    PlatformKind Kind { get; }

    /// <summary>
    /// Makes sure a private channel exists for a group with exactly the given people able to see it
    /// (plus the bot). Idempotent: when <see cref="PrivateChannelSpec.Existing"/> is set and still
    /// exists it is adjusted, never duplicated.
    /// </summary>
    Task<ChannelRef> EnsurePrivateChannelAsync(PrivateChannelSpec spec, CancellationToken cancellationToken);

    /// <summary>Lets a person see and write in a group channel. Adding someone already there is not an error.</summary>
    Task AddMemberAsync(ChannelRef channel, string userId, CancellationToken cancellationToken);

    /// <summary>Removes a person from a group channel. Removing someone not there is not an error.</summary>
    Task RemoveMemberAsync(ChannelRef channel, string userId, CancellationToken cancellationToken);

    /// <summary>Archives a channel, read-only, keeping its history. Archiving twice is not an error.</summary>
    Task ArchiveChannelAsync(ChannelRef channel, CancellationToken cancellationToken);

    /// <summary>Posts a message in a channel; nobody is pinged and link previews are off.</summary>
    Task<MessageRef> PostMessageAsync(ChannelRef channel, OutgoingMessage message, CancellationToken cancellationToken);

    /// <summary>Sends a private message from the bot to one person.</summary>
    Task<MessageRef> SendDirectMessageAsync(string userId, OutgoingMessage message, CancellationToken cancellationToken);

    /// <summary>
    /// Sends a private message from the bot to one person with images attached, each with its alt text (Discord: one
    /// message with attachments; Slack: files shared into the direct message with the text as their comment; the sandbox:
    /// images in the direct messages). A failure of any part is a <see cref="PlatformException"/>; the text alone may
    /// still go with <see cref="SendDirectMessageAsync(string, OutgoingMessage, CancellationToken)"/>, under the same
    /// idempotency key.
    /// </summary>
    Task<MessageRef> SendDirectMessageAsync(string userId, OutgoingMessage message, IReadOnlyList<MessageImage> images, CancellationToken cancellationToken);

    /// <summary>Deletes a message. Deleting one already gone is not an error.</summary>
    Task DeleteMessageAsync(MessageRef message, CancellationToken cancellationToken);

    /// <summary>
    /// Replaces the content of a message the bot posted earlier (an alert once it is acknowledged,
    /// a check-in once its tally is in).
    /// </summary>
    Task UpdateMessageAsync(MessageRef message, OutgoingMessage content, CancellationToken cancellationToken);

    /// <summary>
    /// Resolves how a coordinator named a person in config (Discord: user id or username;
    /// Slack: user id or email) to the platform's user id, or null when nobody matches.
    /// </summary>
    Task<string?> ResolveUserAsync(string nameOrId, CancellationToken cancellationToken);

    /// <summary>
    /// Forgets what the adapter keeps about a person beyond a message's life (Discord: the stored id of the bot's
    /// direct-message channel with them), for <c>/peer forget-me</c>. Nothing to forget is not an error.
    /// </summary>
    Task ForgetPersonAsync(string userId, CancellationToken cancellationToken) => Task.CompletedTask;
}

/// <summary>A channel on one platform.</summary>
/// <param name="Platform">The platform.</param>
/// <param name="Id">The platform's channel id.</param>
public sealed record ChannelRef(PlatformKind Platform, string Id);

/// <summary>A message on one platform.</summary>
/// <param name="Channel">Where it is.</param>
/// <param name="Id">The platform's message id (Slack: the message <c>ts</c>).</param>
public sealed record MessageRef(ChannelRef Channel, string Id);

/// <summary>What a group's private channel should look like.</summary>
/// <param name="GroupId">PeerBot's stable id of the group.</param>
/// <param name="Name">The channel name, already fitted to the platform's rules.</param>
/// <param name="Topic">A short purpose line.</param>
/// <param name="UserIds">Platform user ids of everyone who may see the channel (members and facilitators).</param>
/// <param name="Existing">The channel made earlier for this group, if any.</param>
public sealed record PrivateChannelSpec(
    string GroupId,
    string Name,
    string Topic,
    IReadOnlyCollection<string> UserIds,
    ChannelRef? Existing);

/// <summary>
/// A failure reported by a platform, mapped from its wire error. <see cref="Kind"/> tells callers what to do.
/// </summary>
public sealed class PlatformException : Exception
{
    /// <summary>Creates the exception.</summary>
    public PlatformException(PlatformErrorKind kind, string message, Exception? innerException = null)
        : base(message, innerException) => Kind = kind;

    /// <summary>Creates an exception of kind <see cref="PlatformErrorKind.Other"/>.</summary>
    public PlatformException() : this(PlatformErrorKind.Other, "The chat platform reported an error.") { }

    /// <summary>Creates an exception of kind <see cref="PlatformErrorKind.Other"/>.</summary>
    public PlatformException(string message) : this(PlatformErrorKind.Other, message) { }

    /// <summary>Creates an exception of kind <see cref="PlatformErrorKind.Other"/>.</summary>
    public PlatformException(string message, Exception innerException) : this(PlatformErrorKind.Other, message, innerException) { }

    /// <summary>What went wrong.</summary>
    public PlatformErrorKind Kind { get; }

    /// <summary>True when retrying later may succeed.</summary>
    public bool IsTransient => Kind is PlatformErrorKind.Unavailable or PlatformErrorKind.RateLimited;
}

/// <summary>Classes of platform failure.</summary>
public enum PlatformErrorKind
{
    /// <summary>Anything else.</summary>
    Other,

    /// <summary>The platform is down, timed out or answered 5xx; retry later.</summary>
    Unavailable,

    /// <summary>Rate limited beyond what the adapter waits for itself; retry later.</summary>
    RateLimited,

    /// <summary>The bot lacks a permission or scope; the message names it.</summary>
    MissingPermission,

    /// <summary>The channel, user or message does not exist.</summary>
    NotFound,

    /// <summary>The person cannot be messaged (e.g. DMs closed).</summary>
    CannotMessageUser,

    /// <summary>The token is invalid or revoked.</summary>
    Unauthorized,
}
