using PeerBot.Core.Platform;

namespace PeerBot.Core.Safety;

/// <summary>A private alert message delivered to one facilitator, kept so it can be updated once acknowledged or resolved.</summary>
/// <param name="PersonId">The facilitator's person id.</param>
/// <param name="Message">Where the alert message is.</param>
public sealed record DeliveredAlertMessage(string PersonId, MessageRef Message);

/// <summary>
/// An alert as stored: what facilitators see (<see cref="ToSummary"/>) plus delivery and handling state.
/// Holds no platform id of anyone, and no author at all for an anonymous post.
/// </summary>
public sealed record AlertRecord
{
    /// <summary>Short, typeable id (e.g. <c>A7K2</c>).</summary>
    public required string Id { get; init; }

    /// <summary>The group.</summary>
    public required string GroupId { get; init; }

    /// <summary>Spiral, crisis or coping.</summary>
    public required AlertKind Kind { get; init; }

    /// <summary>Open, acknowledged or resolved.</summary>
    public AlertStatus Status { get; init; } = AlertStatus.Open;

    /// <summary>When it was raised (the timestamp of the message that raised it).</summary>
    public required DateTimeOffset RaisedAt { get; init; }

    /// <summary>Fatalistic messages in the spiral (1 for crisis and coping).</summary>
    public int MessageCount { get; init; }

    /// <summary>Distinct people among them.</summary>
    public int PeopleCount { get; init; }

    /// <summary>Short excerpts; emptied by the retention purge.</summary>
    public IReadOnlyList<string> Excerpts { get; init; } = [];

    /// <summary>Why it was raised; quoted phrases are dropped by the retention purge, categories kept.</summary>
    public IReadOnlyList<string> Reasons { get; init; } = [];

    /// <summary>A reframing prompt ready to post (spirals).</summary>
    public string? SuggestedPrompt { get; init; }

    /// <summary>
    /// For crisis and coping from a named member: their person id, so the psychologist knows whom to reach. Null for
    /// anonymous posts.
    /// </summary>
    public string? AuthorPersonId { get; init; }

    /// <summary>True when the crisis or coping message was an anonymous post.</summary>
    public bool AuthorAnonymous { get; init; }

    /// <summary>
    /// For coping notes: the author key the per-person limit counts by (a person id, an anonymity handle, or the digest
    /// of someone not on the roster; never a platform id), so the limit holds across a restart. Never shown to anyone.
    /// Null for other kinds.
    /// </summary>
    public string? AuthorKey { get; init; }

    /// <summary>Facilitators the alert has reached, with the message sent to each.</summary>
    public IReadOnlyList<DeliveredAlertMessage> DeliveredTo { get; init; } = [];

    /// <summary>True once the crisis resources reply reached the author (or none was due).</summary>
    public bool AuthorReplied { get; init; }

    /// <summary>
    /// For a crisis from a named member: the random token of the "I'm OK for now" and "Please reach out" buttons in their
    /// private reply (it names nobody and cannot be guessed). Null before the reply, and after forget-me.
    /// </summary>
    public string? AuthorAnswerToken { get; init; }

    /// <summary>What the author answered with those buttons, if they have.</summary>
    public CrisisAnswer? AuthorAnswer { get; init; }

    /// <summary>When they answered.</summary>
    public DateTimeOffset? AuthorAnsweredAt { get; init; }

    /// <summary>True once every reachable recipient has it; until then delivery is retried.</summary>
    public bool Delivered { get; init; }

    /// <summary>Delivery attempts so far.</summary>
    public int DeliveryAttempts { get; init; }

    /// <summary>Who acknowledged it.</summary>
    public string? AcknowledgedBy { get; init; }

    /// <summary>When it was acknowledged.</summary>
    public DateTimeOffset? AcknowledgedAt { get; init; }

    /// <summary>Who resolved it.</summary>
    public string? ResolvedBy { get; init; }

    /// <summary>When it was resolved.</summary>
    public DateTimeOffset? ResolvedAt { get; init; }

    /// <summary>The note given when resolving.</summary>
    public string? ResolutionNote { get; init; }

    /// <summary>When the excerpts were purged, if they were.</summary>
    public DateTimeOffset? ExcerptsPurgedAt { get; init; }

    /// <summary>
    /// True once the messages already delivered were edited to drop the purged excerpts (or were found gone). Until
    /// then <see cref="SafetyMaintenanceService"/> retries the edit, so a purge reaches facilitators' DMs too.
    /// </summary>
    public bool PurgeShown { get; init; }

    /// <summary>The facilitators' view.</summary>
    public AlertSummary ToSummary() =>
        new(Id, GroupId, Kind, Status, RaisedAt, MessageCount, PeopleCount, Excerpts, Reasons, SuggestedPrompt)
        {
            AuthorAsked = AuthorAsked,
            AuthorAnswer = AuthorAnswer,
            AuthorAnsweredAt = AuthorAnsweredAt,
        };

    /// <summary>True once the named author of a crisis message was asked whether they would like someone to reach out.</summary>
    public bool AuthorAsked => AuthorReplied && AuthorAnswerToken is not null;

    /// <summary>The record without the author's answer and its buttons' token (forget-me).</summary>
    public AlertRecord WithoutAuthorAnswer() => this with { AuthorAnswerToken = null, AuthorAnswer = null, AuthorAnsweredAt = null };

    /// <summary>The record with excerpts removed and reasons cut to their categories (no quoted words left).</summary>
    public AlertRecord Purged(DateTimeOffset now) => this with
    {
        Excerpts = [],
        Reasons = Reasons.Select(CategoryOf).Distinct(StringComparer.Ordinal).ToList(),
        ExcerptsPurgedAt = now,
        PurgeShown = false,
    };

    /// <summary>The category part of a reason (<c>futility: "…"</c> → <c>futility</c>).</summary>
    public static string CategoryOf(string reason)
    {
        ArgumentNullException.ThrowIfNull(reason);
        var colon = reason.IndexOf(':', StringComparison.Ordinal);
        return colon < 0 ? reason : reason[..colon];
    }
}

/// <summary>Where alerts are kept. Implementations must be safe to call concurrently.</summary>
public interface IAlertStore
{
    /// <summary>Adds a new alert; false when its id is already taken.</summary>
    Task<bool> TryAddAsync(AlertRecord alert, CancellationToken cancellationToken);

    /// <summary>The alert with this id (case-insensitive), or null.</summary>
    Task<AlertRecord?> FindAsync(string alertId, CancellationToken cancellationToken);

    /// <summary>Alerts of the given groups, newest first; resolved ones only when asked.</summary>
    Task<IReadOnlyList<AlertRecord>> ListAsync(IReadOnlyCollection<string> groupIds, bool includeResolved, CancellationToken cancellationToken);

    /// <summary>Replaces a stored alert.</summary>
    Task UpdateAsync(AlertRecord alert, CancellationToken cancellationToken);

    /// <summary>The alert whose author's answer buttons carry this token (<see cref="AlertRecord.AuthorAnswerToken"/>), or null.</summary>
    Task<AlertRecord?> FindByAuthorAnswerTokenAsync(string token, CancellationToken cancellationToken);

    /// <summary>Alerts whose delivery is not complete, crisis first, oldest first.</summary>
    Task<IReadOnlyList<AlertRecord>> ListUndeliveredAsync(CancellationToken cancellationToken);

    /// <summary>Purges excerpts (and quoted phrases in reasons) of alerts raised before <paramref name="raisedBefore"/>; returns how many.</summary>
    Task<int> PurgeExcerptsAsync(DateTimeOffset raisedBefore, DateTimeOffset now, CancellationToken cancellationToken);

    /// <summary>Alerts whose excerpts were purged while messages already delivered may still show them (<see cref="AlertRecord.PurgeShown"/> false), oldest first.</summary>
    Task<IReadOnlyList<AlertRecord>> ListPurgeNotShownAsync(CancellationToken cancellationToken);
}

/// <summary>An in-memory alert store, for tests, the sandbox and offline runs; alerts do not survive a restart.</summary>
public sealed class InMemoryAlertStore : IAlertStore
{
    private readonly Dictionary<string, AlertRecord> _alerts = new(StringComparer.OrdinalIgnoreCase);
    private readonly Lock _lock = new();

    /// <inheritdoc />
    public Task<bool> TryAddAsync(AlertRecord alert, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(alert);
        lock (_lock)
        {
            return Task.FromResult(_alerts.TryAdd(alert.Id, alert));
        }
    }

    /// <inheritdoc />
    public Task<AlertRecord?> FindAsync(string alertId, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(alertId);
        lock (_lock)
        {
            return Task.FromResult(_alerts.GetValueOrDefault(alertId.Trim()));
        }
    }

    /// <inheritdoc />
    public Task<IReadOnlyList<AlertRecord>> ListAsync(IReadOnlyCollection<string> groupIds, bool includeResolved, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(groupIds);
        lock (_lock)
        {
            IReadOnlyList<AlertRecord> list = _alerts.Values
                .Where(a => groupIds.Contains(a.GroupId) && (includeResolved || a.Status != AlertStatus.Resolved))
                .OrderByDescending(a => a.RaisedAt)
                .ThenByDescending(a => a.Id, StringComparer.Ordinal)
                .ToList();
            return Task.FromResult(list);
        }
    }

    /// <inheritdoc />
    public Task UpdateAsync(AlertRecord alert, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(alert);
        lock (_lock)
        {
            if (!_alerts.ContainsKey(alert.Id))
            {
                throw new InvalidOperationException($"Alert {alert.Id} was never added.");
            }

            _alerts[alert.Id] = alert;
        }

        return Task.CompletedTask;
    }

    /// <inheritdoc />
    public Task<AlertRecord?> FindByAuthorAnswerTokenAsync(string token, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(token);
        lock (_lock)
        {
            return Task.FromResult(_alerts.Values.FirstOrDefault(a => a.AuthorAnswerToken is not null && string.Equals(a.AuthorAnswerToken, token, StringComparison.Ordinal)));
        }
    }

    /// <inheritdoc />
    public Task<IReadOnlyList<AlertRecord>> ListUndeliveredAsync(CancellationToken cancellationToken)
    {
        lock (_lock)
        {
            IReadOnlyList<AlertRecord> list = _alerts.Values
                .Where(a => !a.Delivered)
                .OrderBy(a => a.Kind == AlertKind.Crisis ? 0 : 1)
                .ThenBy(a => a.RaisedAt)
                .ToList();
            return Task.FromResult(list);
        }
    }

    /// <inheritdoc />
    public Task<int> PurgeExcerptsAsync(DateTimeOffset raisedBefore, DateTimeOffset now, CancellationToken cancellationToken)
    {
        lock (_lock)
        {
            var due = _alerts.Values.Where(a => a.RaisedAt < raisedBefore && a.ExcerptsPurgedAt is null).ToList();
            foreach (var alert in due)
            {
                _alerts[alert.Id] = alert.Purged(now);
            }

            return Task.FromResult(due.Count);
        }
    }

    /// <inheritdoc />
    public Task<IReadOnlyList<AlertRecord>> ListPurgeNotShownAsync(CancellationToken cancellationToken)
    {
        lock (_lock)
        {
            IReadOnlyList<AlertRecord> list = _alerts.Values.Where(a => a.ExcerptsPurgedAt is not null && !a.PurgeShown).OrderBy(a => a.RaisedAt).ToList();
            return Task.FromResult(list);
        }
    }
}
