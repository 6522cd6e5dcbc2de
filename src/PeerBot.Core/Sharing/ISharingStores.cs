namespace PeerBot.Core.Sharing;

/// <summary>
/// Durable anonymous posts: the outbox of anonymous sharing. A post is written here before its author
/// is told it was accepted, and the delivery worker works from here, so nothing is lost across restarts.
/// </summary>
public interface IAnonymousPostStore
{
    /// <summary>Adds a new post; its id must be new.</summary>
    void Insert(AnonymousPost post);

    /// <summary>
    /// Replaces a post by id. When the replacement erases the words or the author's handle, a file store leaves no
    /// earlier version on disk (it checkpoints its log).
    /// </summary>
    void Update(AnonymousPost post);

    /// <summary>The post with this id (case-insensitive), or null.</summary>
    AnonymousPost? Find(string postId);

    /// <summary>The withheld crisis post whose contact button carries this token, or null.</summary>
    AnonymousPost? FindByCrisisToken(string token);

    /// <summary>Posts the worker must act on at <paramref name="now"/>, oldest due first.</summary>
    IReadOnlyList<AnonymousPost> ListDue(DateTimeOffset now);

    /// <summary>The earliest <see cref="AnonymousPost.DueAt"/> of any post, or null.</summary>
    DateTimeOffset? NextDueAt();

    /// <summary>Every post by an author handle.</summary>
    IReadOnlyList<AnonymousPost> ListByAuthor(string authorHandle);

    /// <summary>Posts created before <paramref name="createdBefore"/> that still carry an author handle.</summary>
    IReadOnlyList<AnonymousPost> ListWithHandleCreatedBefore(DateTimeOffset createdBefore);

    /// <summary>True when any post exists (used to tell a first run from a lost key).</summary>
    bool Any();
}

/// <summary>Authors muted from anonymous sharing, by handle.</summary>
public interface IAuthorMuteStore
{
    /// <summary>Until when an author is muted, or null (expired mutes may still be returned; callers compare with now).</summary>
    DateTimeOffset? MutedUntil(string authorHandle);

    /// <summary>Mutes an author until a time, replacing any earlier mute.</summary>
    void Mute(string authorHandle, DateTimeOffset until);

    /// <summary>Lifts a mute; false when there was none.</summary>
    bool Unmute(string authorHandle);

    /// <summary>True when any mute exists.</summary>
    bool Any();
}

/// <summary>
/// What the store remembers of the anonymity key: only a fingerprint, so a start with a missing or
/// different key file is refused instead of silently orphaning existing handles.
/// </summary>
public interface IAnonymityKeyRecord
{
    /// <summary>The fingerprint of the key the store's handles were made with, or null before the first run.</summary>
    string? Fingerprint { get; }

    /// <summary>Records the key's fingerprint.</summary>
    void RecordFingerprint(string fingerprint);
}
