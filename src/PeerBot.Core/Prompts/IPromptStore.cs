namespace PeerBot.Core.Prompts;

/// <summary>A group's place in the prompt library and its schedule.</summary>
public sealed class PromptGroupState
{
    /// <summary>The group's id.</summary>
    public string Id { get; set; } = "";

    /// <summary>Prompts the group has seen in the current cycle through the library, in the order seen.</summary>
    public List<string> SeenPromptIds { get; set; } = [];

    /// <summary>The id of the last prompt posted, so a new cycle does not open with it.</summary>
    public string? LastPromptId { get; set; }

    /// <summary>The last scheduled prompt occurrence dealt with (posted or skipped); null before the group's first tick.</summary>
    public DateTimeOffset? LastPromptOccurrence { get; set; }

    /// <summary>The last scheduled check-in occurrence dealt with.</summary>
    public DateTimeOffset? LastCheckInOccurrence { get; set; }

    /// <summary>A post that was started but not confirmed; retried with the same idempotency key after a restart.</summary>
    public PendingPost? Pending { get; set; }
}

/// <summary>A scheduled post in flight.</summary>
public sealed class PendingPost
{
    /// <summary><c>prompt</c> or <c>checkin</c>.</summary>
    public string Kind { get; set; } = "prompt";

    /// <summary>The prompt being posted (prompts only).</summary>
    public string? PromptId { get; set; }

    /// <summary>The schedule occurrence it is for.</summary>
    public DateTimeOffset Occurrence { get; set; }

    /// <summary>The key the platform deduplicates retries with.</summary>
    public string IdempotencyKey { get; set; } = "";
}

/// <summary>A prompt posted in a group (counts for stats; no message text beyond the prompt's id).</summary>
public sealed class PostedPrompt
{
    /// <summary>Store id.</summary>
    public int Id { get; set; }

    /// <summary>The group.</summary>
    public string GroupId { get; set; } = "";

    /// <summary>The prompt's id, or the check-in's id.</summary>
    public string PromptId { get; set; } = "";

    /// <summary><c>scheduled</c>, <c>now</c>, <c>skipped</c>, <c>reframe</c>, <c>checkin</c> or <c>missed</c>.</summary>
    public string How { get; set; } = "";

    /// <summary>When it was posted (or skipped).</summary>
    public DateTimeOffset At { get; set; }

    /// <summary>The schedule occurrence it was for, if scheduled.</summary>
    public DateTimeOffset? Occurrence { get; set; }
}

/// <summary>
/// A reset check-in. Answers are anonymous: only counts per score are kept, and, to refuse a second answer,
/// a one-way mark of who answered (HMAC of the check-in id and the person under the anonymity key, which lives in its
/// own file, never in the database), never next to what they answered. The store keeps only the latest version
/// (it checkpoints after each write), so no earlier version pairs a new mark with a changed count.
/// </summary>
public sealed class CheckInRecord
{
    /// <summary>Short random id used in button action ids.</summary>
    public string Id { get; set; } = "";

    /// <summary>The group.</summary>
    public string GroupId { get; set; } = "";

    /// <summary>The platform of the channel, as its enum name.</summary>
    public string Platform { get; set; } = "";

    /// <summary>The channel it was posted in.</summary>
    public string ChannelId { get; set; } = "";

    /// <summary>The check-in message.</summary>
    public string MessageId { get; set; } = "";

    /// <summary>How many answered 1, 2, 3, 4 and 5.</summary>
    public List<int> Counts { get; set; } = [0, 0, 0, 0, 0];

    /// <summary>
    /// One-way marks of who answered (<see cref="Sharing.IAuthorHandles.ScopedMarkOf"/> with the check-in id as scope),
    /// sorted, to refuse a second answer.
    /// </summary>
    public List<string> AnsweredHandles { get; set; } = [];

    /// <summary>Members who could answer when it opened.</summary>
    public int MemberCount { get; set; }

    /// <summary>When it opened.</summary>
    public DateTimeOffset OpenedAt { get; set; }

    /// <summary>When its tally is shared if not everyone answered sooner.</summary>
    public DateTimeOffset ClosesAt { get; set; }

    /// <summary>True once closed and its tally (or the note that too few answered) shared.</summary>
    public bool Closed { get; set; }

    /// <summary>How many answered.</summary>
    public int Answered => Counts.Sum();
}

/// <summary>Persistence of prompt history, schedules and check-ins.</summary>
public interface IPromptStore
{
    /// <summary>A group's state; a fresh one when the group has none yet.</summary>
    PromptGroupState GetState(string groupId);

    /// <summary>Inserts or replaces a group's state.</summary>
    void SaveState(PromptGroupState state);

    /// <summary>Appends to the posting history.</summary>
    void AppendPosted(PostedPrompt posted);

    /// <summary>The posting history of a group, oldest first.</summary>
    IReadOnlyList<PostedPrompt> Posted(string groupId);

    /// <summary>
    /// Inserts or replaces a check-in, leaving no earlier version of it on disk (a file store checkpoints its log),
    /// so the order in which answers came cannot be read back.
    /// </summary>
    void SaveCheckIn(CheckInRecord checkIn);

    /// <summary>A check-in, or null.</summary>
    CheckInRecord? FindCheckIn(string checkInId);

    /// <summary>Check-ins not closed yet.</summary>
    IReadOnlyList<CheckInRecord> OpenCheckIns();
}
