using Microsoft.Extensions.Logging;
using PeerBot.Core.Digest;

namespace PeerBot.Core.Safety;

/// <summary>
/// Facilitators' handling of alerts (<c>/peer flags</c>, <c>ack</c>, <c>resolve</c>, and the alert
/// buttons). Authorization is the command layer's job; this records who acted and when, and updates the
/// alert messages already delivered.
/// </summary>
public sealed partial class AlertService : IAlertService
{
    private const int MaxNoteLength = 500;

    private readonly IAlertStore _store;
    private readonly AlertDelivery _delivery;
    private readonly TimeProvider _time;
    private readonly ILogger<AlertService> _logger;
    private readonly DigestRecorder? _digest;

    /// <summary>Creates the service.</summary>
    public AlertService(IAlertStore store, AlertDelivery delivery, TimeProvider time, ILogger<AlertService> logger, DigestRecorder? digest = null)
    {
        _digest = digest;
        _store = store;
        _delivery = delivery;
        _time = time;
        _logger = logger;
    }

    /// <inheritdoc />
    public async Task<IReadOnlyList<AlertSummary>> ListAsync(IReadOnlyCollection<string> groupIds, bool includeResolved, CancellationToken cancellationToken)
    {
        var alerts = await _store.ListAsync(groupIds, includeResolved, cancellationToken).ConfigureAwait(false);
        return alerts.Select(a => a.ToSummary()).ToList();
    }

    /// <inheritdoc />
    public async Task<AlertSummary?> FindAsync(string alertId, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(alertId);
        var alert = await _store.FindAsync(AlertIdGenerator.Normalise(alertId), cancellationToken).ConfigureAwait(false);
        return alert?.ToSummary();
    }

    /// <inheritdoc />
    public async Task<OperationResult<AlertSummary>> AcknowledgeAsync(string alertId, string actorPersonId, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(alertId);
        ArgumentException.ThrowIfNullOrWhiteSpace(actorPersonId);
        var alert = await _store.FindAsync(AlertIdGenerator.Normalise(alertId), cancellationToken).ConfigureAwait(false);
        if (alert is null)
        {
            return OperationResult<AlertSummary>.Failure($"There is no alert {alertId.Trim()}. /peer flags lists the open ones.");
        }

        if (alert.Status == AlertStatus.Resolved)
        {
            return OperationResult<AlertSummary>.Failure($"Alert {alert.Id} is already resolved by {_delivery.DisplayName(alert.ResolvedBy ?? "")}.");
        }

        if (alert.Status == AlertStatus.Acknowledged)
        {
            // Pressing the button twice, or two facilitators at once: not an error, the first one stands.
            return OperationResult<AlertSummary>.Success(alert.ToSummary());
        }

        var now = _time.GetUtcNow();
        alert = await _delivery.ChangeAsync(alert, a => a.Status != AlertStatus.Open ? a : a with { Status = AlertStatus.Acknowledged, AcknowledgedBy = actorPersonId, AcknowledgedAt = now }, cancellationToken)
            .ConfigureAwait(false);
        LogChanged(alert.Id, alert.Status, actorPersonId);
        await _delivery.RefreshAsync(alert, cancellationToken).ConfigureAwait(false);
        return OperationResult<AlertSummary>.Success(alert.ToSummary());
    }

    /// <inheritdoc />
    public async Task<OperationResult<AlertSummary>> ResolveAsync(string alertId, string actorPersonId, string? note, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(alertId);
        ArgumentException.ThrowIfNullOrWhiteSpace(actorPersonId);
        var alert = await _store.FindAsync(AlertIdGenerator.Normalise(alertId), cancellationToken).ConfigureAwait(false);
        if (alert is null)
        {
            return OperationResult<AlertSummary>.Failure($"There is no alert {alertId.Trim()}. /peer flags lists the open ones.");
        }

        if (alert.Status == AlertStatus.Resolved)
        {
            return OperationResult<AlertSummary>.Failure($"Alert {alert.Id} is already resolved by {_delivery.DisplayName(alert.ResolvedBy ?? "")}.");
        }

        note = string.IsNullOrWhiteSpace(note) ? null : note.Trim();
        if (note is { Length: > MaxNoteLength })
        {
            return OperationResult<AlertSummary>.Failure($"The note is {note.Length} characters; keep it under {MaxNoteLength}.");
        }

        var now = _time.GetUtcNow();
        var resolvedHere = false;
        alert = await _delivery.ChangeAsync(alert, a =>
        {
            resolvedHere = a.Status != AlertStatus.Resolved;
            return !resolvedHere ? a : a with
            {
                Status = AlertStatus.Resolved,
                AcknowledgedBy = a.AcknowledgedBy ?? actorPersonId,
                AcknowledgedAt = a.AcknowledgedAt ?? now,
                ResolvedBy = actorPersonId,
                ResolvedAt = now,
                ResolutionNote = note,
            };
        }, cancellationToken).ConfigureAwait(false);
        LogChanged(alert.Id, alert.Status, actorPersonId);
        if (resolvedHere)
        {
            // Counted once, by whoever moved it to resolved, even when two facilitators resolve it at once.
            _digest?.FlagResolved(alert.GroupId, alert.Kind, now);
        }

        await _delivery.RefreshAsync(alert, cancellationToken).ConfigureAwait(false);
        return OperationResult<AlertSummary>.Success(alert.ToSummary());
    }

    /// <inheritdoc />
    public async Task<OperationResult<string>> RecordAuthorAnswerAsync(string token, string presserPersonId, CrisisAnswer answer, CancellationToken cancellationToken)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(presserPersonId);
        var alert = string.IsNullOrWhiteSpace(token) ? null : await _store.FindByAuthorAnswerTokenAsync(token, cancellationToken).ConfigureAwait(false);

        // Someone else's buttons answer exactly as a forgotten or unknown token does: nothing tells whose they are.
        if (alert is null || alert.Kind != AlertKind.Crisis || !string.Equals(alert.AuthorPersonId, presserPersonId, StringComparison.OrdinalIgnoreCase))
        {
            return OperationResult<string>.Failure(
                "That button has expired. If you'd like someone to reach out, message your group's psychologist or facilitator directly, or call or text 988 any time.");
        }

        var names = _delivery.ContactNames(alert);
        if (alert.Status == AlertStatus.Resolved)
        {
            var by = alert.ResolvedBy is null ? names : _delivery.DisplayName(alert.ResolvedBy);
            return OperationResult<string>.Success(
                $"Thank you for answering. {by} already followed up on this, so nothing new was sent. If you'd like to talk, message {by} directly any time, or call or text 988.");
        }

        if (alert.AuthorAnswer == answer)
        {
            return OperationResult<string>.Success(answer == CrisisAnswer.ReachOut
                ? $"You already asked, and {names} know. They'll reach out to you privately. If you're in danger right now, call 911 or go to the nearest emergency department."
                : $"You already let us know you're OK for now. If that changes, press \u201cPlease reach out\u201d or message {names} directly, any time.");
        }

        var now = _time.GetUtcNow();
        var recorded = false;
        alert = await _delivery.ChangeAsync(alert, a =>
        {
            // A facilitator may resolve it between the read above and this write; the resolution stands.
            recorded = a.Status != AlertStatus.Resolved && a.AuthorAnswerToken is not null;
            return recorded ? a with { AuthorAnswer = answer, AuthorAnsweredAt = now } : a;
        }, cancellationToken).ConfigureAwait(false);
        if (!recorded)
        {
            return OperationResult<string>.Success(
                $"Thank you for answering. If you'd like to talk, message {names} directly any time, or call or text 988.");
        }

        LogAnswered(alert.Id, answer);
        await _delivery.RefreshAsync(alert, cancellationToken).ConfigureAwait(false);
        return OperationResult<string>.Success(answer == CrisisAnswer.ReachOut
            ? $"Thank you for telling us. {names} will reach out to you privately soon. If you're in danger right now, call 911 or go to the nearest emergency department."
            : $"Thanks for letting us know. {names} may still check in gently. If that changes, press \u201cPlease reach out\u201d above or message them directly, any time.");
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Alert {AlertId}: its author answered {Answer}.")]
    private partial void LogAnswered(string alertId, CrisisAnswer answer);

    [LoggerMessage(Level = LogLevel.Information, Message = "Alert {AlertId} is now {Status} by {PersonId}.")]
    private partial void LogChanged(string alertId, AlertStatus status, string personId);
}
