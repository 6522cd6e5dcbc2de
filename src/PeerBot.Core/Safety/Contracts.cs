namespace PeerBot.Core.Safety;

/// <summary>What the safety engine found in one message. Reasons are readable by a facilitator.</summary>
/// <param name="Fatalistic">Whether the message is fatalistic.</param>
/// <param name="Fatalism">Score 0..1.</param>
/// <param name="Crisis">Whether the message is crisis talk.</param>
/// <param name="Reasons">The phrases and categories behind the decision, e.g. <c>futility: "what's the point"</c>.</param>
public sealed record MessageAssessment(bool Fatalistic, double Fatalism, bool Crisis, IReadOnlyList<string> Reasons)
{
    /// <summary>Whether the writer describes maladaptive coping (drinking to sleep, isolation, numbing, ...).</summary>
    public bool Coping { get; init; }

    /// <summary>The semantic layer's crisis score 0..1, or null when only the lexicon decided.</summary>
    public double? CrisisScore { get; init; }

    /// <summary>The semantic layer's coping score 0..1, or null when only the lexicon decided.</summary>
    public double? CopingScore { get; init; }
}

/// <summary>Classifies one message, offline, with reasons.</summary>
public interface IMessageClassifier
{
    /// <summary>Classifies a message's text.</summary>
    MessageAssessment Classify(string text);

    /// <summary>
    /// Classifies many messages at once, in order; a classifier with a model batches them. The default classifies one
    /// by one.
    /// </summary>
    IReadOnlyList<MessageAssessment> ClassifyMany(IReadOnlyList<string> texts)
    {
        ArgumentNullException.ThrowIfNull(texts);
        var results = new MessageAssessment[texts.Count];
        for (var i = 0; i < texts.Count; i++)
        {
            results[i] = Classify(texts[i]);
        }

        return results;
    }
}

/// <summary>A message in a group, as the safety engine sees it.</summary>
/// <param name="GroupId">The group.</param>
/// <param name="AuthorKey">Who wrote it, for counting distinct people: a person id, or an anonymity handle for anonymous posts.
/// Never a platform id of an anonymous author.</param>
/// <param name="AuthorPersonId">The author's person id, or null for an anonymous post.</param>
/// <param name="Timestamp">When it was written; spirals are measured on these, not the clock.</param>
/// <param name="Text">The text.</param>
public sealed record ObservedMessage(
    string GroupId,
    string AuthorKey,
    string? AuthorPersonId,
    DateTimeOffset Timestamp,
    string Text);

/// <summary>Kinds of facilitator alert.</summary>
public enum AlertKind
{
    /// <summary>A fatalistic spiral in a group.</summary>
    Spiral,

    /// <summary>Crisis talk.</summary>
    Crisis,

    /// <summary>Maladaptive coping, noted quietly to the group's psychologist.</summary>
    Coping,
}

/// <summary>Where an alert stands.</summary>
public enum AlertStatus
{
    /// <summary>Nobody has acknowledged it yet.</summary>
    Open,

    /// <summary>A facilitator has seen it.</summary>
    Acknowledged,

    /// <summary>Closed, with an optional note.</summary>
    Resolved,
}

/// <summary>
/// What the named author of a crisis message answered when told their group's psychologist (or facilitators) had been
/// let know.
/// </summary>
public enum CrisisAnswer
{
    /// <summary>"I'm OK for now".</summary>
    OkForNow,

    /// <summary>"Please reach out".</summary>
    ReachOut,
}

/// <summary>What observing one message led to.</summary>
/// <param name="Assessment">The classification.</param>
/// <param name="Alert">The alert raised at this message, if any: crisis first, then spiral, then coping.</param>
public sealed record SafetyOutcome(MessageAssessment Assessment, AlertSummary? Alert);

/// <summary>An alert as facilitators see it.</summary>
/// <param name="Id">Short id for <c>/peer ack</c> and <c>/peer resolve</c>.</param>
/// <param name="GroupId">The group.</param>
/// <param name="Kind">Spiral, crisis or coping.</param>
/// <param name="Status">Where it stands.</param>
/// <param name="RaisedAt">When it was raised.</param>
/// <param name="MessageCount">Fatalistic messages in the spiral (1 for crisis and coping).</param>
/// <param name="PeopleCount">Distinct people among them.</param>
/// <param name="Excerpts">Short excerpts (purged after the retention period).</param>
/// <param name="Reasons">Why it was raised.</param>
/// <param name="SuggestedPrompt">A reframing prompt ready to post.</param>
public sealed record AlertSummary(
    string Id,
    string GroupId,
    AlertKind Kind,
    AlertStatus Status,
    DateTimeOffset RaisedAt,
    int MessageCount,
    int PeopleCount,
    IReadOnlyList<string> Excerpts,
    IReadOnlyList<string> Reasons,
    string? SuggestedPrompt)
{
    /// <summary>For a crisis from a named member: true once they were asked whether they would like someone to reach out.</summary>
    public bool AuthorAsked { get; init; }

    /// <summary>What they answered, if they have.</summary>
    public CrisisAnswer? AuthorAnswer { get; init; }

    /// <summary>When they answered.</summary>
    public DateTimeOffset? AuthorAnsweredAt { get; init; }
}

/// <summary>
/// The live safety path: classify, track spirals per group, record alerts and deliver them privately
/// to the group's facilitators (psychologist first for crisis; coping notes to the psychologist only), and reply
/// privately with crisis resources to a non-anonymous author. For an anonymous author the caller replies, since only it
/// can reach them.
/// </summary>
public interface ISafetyMonitor
{
    /// <summary>Observes one group message or anonymous post.</summary>
    Task<SafetyOutcome> ObserveAsync(ObservedMessage message, CancellationToken cancellationToken);

    /// <summary>
    /// Classifies a text without observing it: nothing is kept, counted or alerted. For an anonymous post when it is
    /// written: only crisis talk is observed then (speed wins); anything else is observed when the post appears, so no
    /// excerpt or alert tells facilitators of a post, or of when it was written, before the group sees it.
    /// </summary>
    MessageAssessment Assess(string text);
}

/// <summary>Erases (for <c>/peer forget-me</c>) and lists (for <c>/peer my-data</c>) what the safety engine keeps about a person's messages.</summary>
public interface ISafetyDataEraser
{
    /// <summary>
    /// Erases the fatalistic messages kept towards a spiral (in memory and in <see cref="ISpiralEntryStore"/>) whose
    /// author key is one of <paramref name="authorKeys"/>: the person id and the anonymity handle of the person.
    /// </summary>
    /// <returns>How many kept entries were erased from the store.</returns>
    Task<int> ForgetAuthorsAsync(IReadOnlyCollection<string> authorKeys, CancellationToken cancellationToken);

    /// <summary>
    /// Purges the excerpts of alerts that may hold the person's words, in the store and in the alert messages already
    /// delivered: crisis and coping alerts raised about them (by person id or anonymity handle) and every spiral alert of
    /// <paramref name="groupIds"/> (a spiral's excerpts name no author). Counts, categories and handling stay.
    /// </summary>
    /// <returns>How many alerts lost their excerpts.</returns>
    Task<int> ForgetAlertExcerptsAsync(IReadOnlyCollection<string> authorKeys, IReadOnlyCollection<string> groupIds, CancellationToken cancellationToken);

    /// <summary>
    /// For <c>/peer my-data</c>: the crisis and coping alerts of <paramref name="groupIds"/> raised about the named
    /// member <paramref name="personId"/> (anonymous posts' alerts name nobody and are not listed).
    /// </summary>
    Task<IReadOnlyList<AlertSummary>> AlertsAboutAsync(string personId, IReadOnlyCollection<string> groupIds, CancellationToken cancellationToken);
}

/// <summary>Facilitators' view of alerts (<c>/peer flags</c>, <c>ack</c>, <c>resolve</c>).</summary>
public interface IAlertService
{
    /// <summary>Alerts of the given groups, newest first; only open and acknowledged ones unless <paramref name="includeResolved"/>.</summary>
    Task<IReadOnlyList<AlertSummary>> ListAsync(IReadOnlyCollection<string> groupIds, bool includeResolved, CancellationToken cancellationToken);

    /// <summary>The alert with this id, or null.</summary>
    Task<AlertSummary?> FindAsync(string alertId, CancellationToken cancellationToken);

    /// <summary>Marks an alert acknowledged by a person.</summary>
    Task<OperationResult<AlertSummary>> AcknowledgeAsync(string alertId, string actorPersonId, CancellationToken cancellationToken);

    /// <summary>Resolves an alert with an optional note.</summary>
    Task<OperationResult<AlertSummary>> ResolveAsync(string alertId, string actorPersonId, string? note, CancellationToken cancellationToken);

    /// <summary>
    /// The named author of a crisis message pressed "I'm OK for now" or "Please reach out" in their private reply:
    /// records it on the alert and shows it on the alert messages. Only the author's own press of their own buttons
    /// counts. Returns what to tell them.
    /// </summary>
    /// <param name="token">The random token of their buttons.</param>
    /// <param name="presserPersonId">Who pressed.</param>
    /// <param name="answer">What they pressed.</param>
    /// <param name="cancellationToken">Cancels the work.</param>
    Task<OperationResult<string>> RecordAuthorAnswerAsync(string token, string presserPersonId, CrisisAnswer answer, CancellationToken cancellationToken);
}
