using System.Collections.Concurrent;
using Microsoft.Extensions.Logging;

namespace PeerBot.Core.Safety;

/// <summary>
/// The live safety path. Classifies each group message and anonymous post, asks the shared
/// <see cref="SpiralDetector"/> whether an alert fires, stores the alert first (so nothing is lost if a
/// platform is down) and delivers it inline before returning, so a crisis alert goes out ahead of any
/// other work queued behind this message. Failed deliveries are retried by <see cref="SafetyMaintenanceService"/>.
/// Residents are never told they were flagged.
/// </summary>
public sealed partial class SafetyMonitor : ISafetyMonitor
{
    private const int MaxSpiralExcerpts = 5;
    private const int MaxSpiralReasons = 8;
    private const int IdAttempts = 20;

    private readonly IMessageClassifier _classifier;
    private readonly SpiralDetector _detector;
    private readonly IAlertStore _store;
    private readonly AlertDelivery _delivery;
    private readonly AlertIdGenerator _ids;
    private readonly ILogger<SafetyMonitor> _logger;

    // Groups whose last stored spiral alert the detector has been told about in this run.
    private readonly ConcurrentDictionary<string, bool> _cooldownsLoaded = new(StringComparer.Ordinal);

    /// <summary>Creates the monitor.</summary>
    public SafetyMonitor(
        IMessageClassifier classifier,
        SpiralDetector detector,
        IAlertStore store,
        AlertDelivery delivery,
        AlertIdGenerator ids,
        ILogger<SafetyMonitor> logger)
    {
        _classifier = classifier;
        _detector = detector;
        _store = store;
        _delivery = delivery;
        _ids = ids;
        _logger = logger;
    }

    /// <inheritdoc />
    public async Task<SafetyOutcome> ObserveAsync(ObservedMessage message, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(message);
        var assessment = _classifier.Classify(message.Text);
        if (assessment.Fatalistic)
        {
            await LoadCooldownAsync(message.GroupId, cancellationToken).ConfigureAwait(false);
        }

        var decision = _detector.Observe(message.GroupId, message.AuthorKey, message.Timestamp, assessment, message.Text);
        if (decision.Alert is null)
        {
            return new SafetyOutcome(assessment, null);
        }

        AlertSummary? first = null;
        if (decision.Crisis)
        {
            var crisis = await RaiseAsync(CrisisAlert(message, assessment), cancellationToken).ConfigureAwait(false);
            first = crisis.ToSummary();
        }

        if (decision.Spiral is { } spiral)
        {
            var raised = await RaiseAsync(SpiralAlert(message, spiral), cancellationToken).ConfigureAwait(false);
            first ??= raised.ToSummary();
        }

        return new SafetyOutcome(assessment, first);
    }

    /// <summary>
    /// The detector lives in memory; without this, a restart would forget a group's cooldown and alert the
    /// facilitators a second time for the spiral they were just told about.
    /// </summary>
    private async Task LoadCooldownAsync(string groupId, CancellationToken cancellationToken)
    {
        if (_cooldownsLoaded.ContainsKey(groupId))
        {
            return;
        }

        var alerts = await _store.ListAsync([groupId], includeResolved: true, cancellationToken).ConfigureAwait(false);
        var last = alerts.Where(a => a.Kind == AlertKind.Spiral).Select(a => (DateTimeOffset?)a.RaisedAt).Max();
        if (last is { } raisedAt)
        {
            _detector.RememberAlert(groupId, raisedAt);
        }

        _cooldownsLoaded.TryAdd(groupId, true);
    }

    private async Task<AlertRecord> RaiseAsync(Func<string, AlertRecord> create, CancellationToken cancellationToken)
    {
        AlertRecord? alert = null;
        for (var attempt = 0; alert is null; attempt++)
        {
            // Four characters give half a million ids; after repeated collisions, grow rather than loop forever.
            var candidate = create(_ids.Next(4 + (attempt / IdAttempts)));
            if (await _store.TryAddAsync(candidate, cancellationToken).ConfigureAwait(false))
            {
                alert = candidate;
            }
        }

        LogRaised(alert.Id, alert.Kind, alert.GroupId, alert.MessageCount, alert.PeopleCount);
        return await _delivery.DeliverAsync(alert, cancellationToken).ConfigureAwait(false);
    }

    private static Func<string, AlertRecord> CrisisAlert(ObservedMessage message, MessageAssessment assessment) => id => new AlertRecord
    {
        Id = id,
        GroupId = message.GroupId,
        Kind = AlertKind.Crisis,
        RaisedAt = message.Timestamp,
        MessageCount = 1,
        PeopleCount = 1,
        Excerpts = [SpiralDetector.Excerpt(message.Text)],
        Reasons = assessment.Reasons.Where(r => r.StartsWith("crisis", StringComparison.Ordinal) && !r.Contains("(not counted", StringComparison.Ordinal)).ToList(),
        AuthorPersonId = message.AuthorPersonId,
        AuthorAnonymous = message.AuthorPersonId is null,
        AuthorReplied = message.AuthorPersonId is null,
    };

    private static Func<string, AlertRecord> SpiralAlert(ObservedMessage message, IReadOnlyList<SpiralEntry> spiral) => id =>
    {
        var reasons = spiral
            .SelectMany(e => e.Reasons)
            .Where(r => !r.Contains("(not counted", StringComparison.Ordinal) && !r.StartsWith("crisis", StringComparison.Ordinal))
            .Distinct(StringComparer.Ordinal)
            .ToList();
        return new AlertRecord
        {
            Id = id,
            GroupId = message.GroupId,
            Kind = AlertKind.Spiral,
            RaisedAt = message.Timestamp,
            MessageCount = spiral.Count,
            PeopleCount = spiral.Select(e => e.AuthorKey).Distinct(StringComparer.Ordinal).Count(),
            Excerpts = spiral.TakeLast(MaxSpiralExcerpts).Select(e => e.Excerpt).ToList(),
            Reasons = reasons.Take(MaxSpiralReasons).ToList(),
            SuggestedPrompt = ReframingPrompts.For(reasons, StableSeed(id)),
            AuthorReplied = true,
        };
    };

    private static int StableSeed(string id)
    {
        var seed = 17;
        foreach (var c in id)
        {
            seed = unchecked((seed * 31) + c);
        }

        return seed;
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Safety alert {AlertId} ({Kind}) raised in group {GroupId}: {MessageCount} message(s), {PeopleCount} people.")]
    private partial void LogRaised(string alertId, AlertKind kind, string groupId, int messageCount, int peopleCount);
}
