namespace PeerBot.Core.Digest;

/// <summary>What the weekly digest counts for each group. Counts only: never content, never who.</summary>
public enum DigestCounter
{
    /// <summary>Messages written in the group's channel, anonymous posts included.</summary>
    Messages,

    /// <summary>Prompts posted (scheduled, on demand and reframing prompts).</summary>
    PromptsPosted,

    /// <summary>Prompts that drew at least one message before the next prompt; counted in the week the prompt was posted.</summary>
    PromptsReplied,

    /// <summary>Messages the safety engine judged fatalistic.</summary>
    FatalisticMessages,

    /// <summary>Spiral alerts raised.</summary>
    SpiralRaised,

    /// <summary>Spiral alerts resolved.</summary>
    SpiralResolved,

    /// <summary>Crisis alerts raised.</summary>
    CrisisRaised,

    /// <summary>Crisis alerts resolved.</summary>
    CrisisResolved,

    /// <summary>Coping notes raised.</summary>
    CopingRaised,

    /// <summary>Coping notes resolved.</summary>
    CopingResolved,

    /// <summary>Check-ins closed with at least three answers (only those are counted at all).</summary>
    CheckInsShared,

    /// <summary>Answers to the check-ins counted in <see cref="CheckInsShared"/>.</summary>
    CheckInAnswers,

    /// <summary>Sum of the scores (1 to 5) of the answers counted in <see cref="CheckInAnswers"/>.</summary>
    CheckInScoreSum,
}

/// <summary>One group's digest figures for one week.</summary>
/// <param name="WeekStart">Monday (UTC) of the week.</param>
/// <param name="Counts">Count per counter; missing counters are zero.</param>
/// <param name="Participants">How many distinct members wrote in the group's channel that week.</param>
public sealed record DigestWeek(DateOnly WeekStart, IReadOnlyDictionary<DigestCounter, int> Counts, int Participants)
{
    /// <summary>The count of a counter.</summary>
    public int this[DigestCounter counter] => Counts.GetValueOrDefault(counter);

    /// <summary>An empty week.</summary>
    public static DigestWeek Empty(DateOnly weekStart) => new(weekStart, new Dictionary<DigestCounter, int>(), 0);
}

/// <summary>A recent prompt of a group and whether anyone answered it.</summary>
/// <param name="PostedAt">When it was posted.</param>
/// <param name="Replied">Whether a message followed it before the next prompt.</param>
public sealed record RecentPrompt(DateTimeOffset PostedAt, bool Replied);

/// <summary>
/// Weekly counters per group for the digest, kept as counters as events happen, never derived from stored messages.
/// Distinct participants are counted through one-way marks (<see cref="Sharing.IAuthorHandles.ScopedMarkOf"/>, scoped to
/// the group and the week, under the anonymity key that never lives in the database); once a week is over, its marks are
/// replaced by their number, so past weeks hold a bare count.
/// </summary>
public interface IDigestCounters
{
    /// <summary>Adds to a group's counter in a week.</summary>
    void Add(string groupId, DigestCounter counter, DateOnly week, int by = 1);

    /// <summary>Adds a participant's mark to a group's week (a mark already there is not counted twice).</summary>
    void AddParticipant(string groupId, DateOnly week, string mark);

    /// <summary>
    /// Replaces the marks of every week before <paramref name="currentWeek"/> by their count. Called on every write and
    /// read, so no mark outlives the week it was made in by longer than the next use of the store.
    /// </summary>
    void CloseWeeksBefore(DateOnly currentWeek);

    /// <summary>A group's weeks from <paramref name="fromWeek"/> on, oldest first; weeks with nothing counted are left out.</summary>
    IReadOnlyList<DigestWeek> Weeks(string groupId, DateOnly fromWeek);

    /// <summary>Records a prompt posted in a group: it becomes the group's open prompt.</summary>
    void PromptPosted(string groupId, DateTimeOffset at);

    /// <summary>
    /// Marks the group's open prompt as answered by a message at <paramref name="at"/>; true the first time (the caller
    /// then counts <see cref="DigestCounter.PromptsReplied"/> in the week of <paramref name="promptPostedAt"/>).
    /// </summary>
    bool TryMarkReplied(string groupId, DateTimeOffset at, out DateTimeOffset promptPostedAt);

    /// <summary>A group's last few prompts, newest first.</summary>
    IReadOnlyList<RecentPrompt> RecentPrompts(string groupId);
}
