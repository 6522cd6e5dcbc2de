using System.Collections.Concurrent;
using Microsoft.Extensions.Logging;
using PeerBot.Core.Digest;

namespace PeerBot.Core.Safety;

/// <summary>
/// The live safety path. Classifies each group message and anonymous post, asks the shared
/// <see cref="SpiralDetector"/> whether an alert fires, stores the alert first (so nothing is lost if a
/// platform is down) and delivers it inline before returning, so a crisis alert goes out ahead of any
/// other work queued behind this message. Failed deliveries are retried by <see cref="SafetyMaintenanceService"/>.
/// Each fatalistic message is kept in the <see cref="ISpiralEntryStore"/> before the detector decides on it, and the
/// window is restored at start (<see cref="RestoreAsync"/>), so a spiral survives a restart or a crash.
/// A coping message that is not crisis talk raises a quiet coping note for the group's psychologist, at most one per
/// person and group per <see cref="Configuration.SafetyOptions.CopingCooldown"/>; the limit is restored from the stored
/// coping alerts of the group. Residents are never told they were flagged.
/// </summary>
public sealed partial class SafetyMonitor : ISafetyMonitor, ISafetyDataEraser, IDisposable
{
    private const int MaxSpiralExcerpts = 5;
    private const int MaxSpiralReasons = 8;
    private const int IdAttempts = 20;
    private const string UnlistedPrefix = "unlisted:";

    private readonly IMessageClassifier _classifier;
    private readonly SpiralDetector _detector;
    private readonly IAlertStore _store;
    private readonly ISpiralEntryStore _pending;
    private readonly AlertDelivery _delivery;
    private readonly AlertIdGenerator _ids;
    private readonly TimeProvider _time;
    private readonly ILogger<SafetyMonitor> _logger;
    private readonly DigestRecorder? _digest;

    // Groups whose last stored spiral alert the detector has been told about in this run.
    private readonly ConcurrentDictionary<string, bool> _cooldownsLoaded = new(StringComparer.Ordinal);
    private readonly SemaphoreSlim _restoreGate = new(1, 1);
    private volatile bool _restored;

    /// <summary>Creates the monitor.</summary>
    /// <param name="classifier">Classifies each message.</param>
    /// <param name="detector">Decides where spirals alert.</param>
    /// <param name="store">Where alerts are kept.</param>
    /// <param name="pending">Where the fatalistic messages of each group's current spiral window are kept across restarts.</param>
    /// <param name="delivery">Delivers alerts.</param>
    /// <param name="ids">Makes alert ids.</param>
    /// <param name="time">The clock, for which kept messages are still within the window at start.</param>
    /// <param name="logger">The log.</param>
    /// <param name="digest">Counts raised flags for the weekly digest; null where nothing is counted (offline analysis).</param>
    public SafetyMonitor(
        IMessageClassifier classifier,
        SpiralDetector detector,
        IAlertStore store,
        ISpiralEntryStore pending,
        AlertDelivery delivery,
        AlertIdGenerator ids,
        TimeProvider time,
        ILogger<SafetyMonitor> logger,
        DigestRecorder? digest = null)
    {
        _digest = digest;
        _classifier = classifier;
        _detector = detector;
        _store = store;
        _pending = pending;
        _delivery = delivery;
        _ids = ids;
        _time = time;
        _logger = logger;
    }

    /// <inheritdoc />
    public MessageAssessment Assess(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        return _classifier.Classify(text);
    }

    /// <inheritdoc />
    public async Task<SafetyOutcome> ObserveAsync(ObservedMessage message, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(message);
        var assessment = _classifier.Classify(message.Text);
        var authorKey = CountingKey(message.AuthorKey);
        if (assessment.Fatalistic)
        {
            await TryRestoreAsync(cancellationToken).ConfigureAwait(false);
            await LoadCooldownAsync(message.GroupId, cancellationToken).ConfigureAwait(false);

            // Kept before the detector decides: if the process dies after this, the message still counts after a restart.
            await KeepAsync(message.GroupId, new SpiralEntry(message.Timestamp, authorKey, SpiralDetector.Excerpt(message.Text), assessment.Reasons), cancellationToken)
                .ConfigureAwait(false);
        }
        else if (assessment.Coping && !assessment.Crisis)
        {
            // The per-person limit of coping notes lives in the detector too; it must know the notes of earlier runs.
            await LoadCooldownAsync(message.GroupId, cancellationToken).ConfigureAwait(false);
        }

        var decision = _detector.Observe(message.GroupId, authorKey, message.Timestamp, assessment, message.Text);
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
            var raised = await RaiseSpiralAsync(message.GroupId, message.Timestamp, spiral, cancellationToken).ConfigureAwait(false);
            first ??= raised.ToSummary();
        }

        if (decision.Coping)
        {
            var note = await RaiseAsync(CopingAlert(message, authorKey, assessment), cancellationToken).ConfigureAwait(false);
            first ??= note.ToSummary();
        }

        return new SafetyOutcome(assessment, first);
    }

    /// <summary>
    /// Seeds the detector, once per run, with the fatalistic messages kept by a previous run that are still within
    /// <see cref="SpiralDetector.Window"/> of now, so a spiral that straddles a restart still alerts. If they already
    /// make a spiral (the previous run stopped between keeping the last message and storing its alert), the alert is
    /// raised now. Called at start by <see cref="SpiralRestoreService"/> and, in case a message comes first, before the
    /// first fatalistic message of the run. A failure leaves it to be tried again by the next call.
    /// </summary>
    public async Task RestoreAsync(CancellationToken cancellationToken)
    {
        if (_restored)
        {
            return;
        }

        await _restoreGate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            if (_restored)
            {
                return;
            }

            var since = _time.GetUtcNow() - _detector.Window;
            var kept = await _pending.ListSinceAsync(since, cancellationToken).ConfigureAwait(false);
            foreach (var group in kept.GroupBy(e => e.GroupId, StringComparer.Ordinal))
            {
                await LoadCooldownAsync(group.Key, cancellationToken).ConfigureAwait(false);
                var spiral = _detector.Seed(group.Key, group.Select(e => e.Entry));
                if (spiral is not null)
                {
                    var raisedAt = spiral.Max(e => e.Timestamp);
                    LogSpiralCompletedAtRestore(group.Key, spiral.Count);
                    await RaiseSpiralAsync(group.Key, raisedAt, spiral, cancellationToken).ConfigureAwait(false);
                }
            }

            _restored = true;
            if (kept.Count > 0)
            {
                LogRestored(kept.Count, kept.Select(e => e.GroupId).Distinct(StringComparer.Ordinal).Count());
            }
        }
        finally
        {
            _restoreGate.Release();
        }
    }

    /// <inheritdoc />
    public async Task<int> ForgetAuthorsAsync(IReadOnlyCollection<string> authorKeys, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(authorKeys);

        // Under the restore gate: a restore running meanwhile could otherwise seed the detector with entries read
        // from the store just before they were erased.
        await _restoreGate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            var erased = await _pending.DeleteByAuthorsAsync(authorKeys, cancellationToken).ConfigureAwait(false);
            var held = _detector.Forget(authorKeys);
            // No counts: next to the leaver's pause line they would tell how many flagged messages that person had.
            LogForgotten();
            return erased;
        }
        finally
        {
            _restoreGate.Release();
        }
    }

    /// <inheritdoc />
    public Task<int> ForgetAlertExcerptsAsync(IReadOnlyCollection<string> authorKeys, IReadOnlyCollection<string> groupIds, CancellationToken cancellationToken) =>
        _delivery.ForgetExcerptsAsync(authorKeys, groupIds, _time.GetUtcNow(), cancellationToken);

    /// <inheritdoc />
    public Task<IReadOnlyList<AlertSummary>> AlertsAboutAsync(string personId, IReadOnlyCollection<string> groupIds, CancellationToken cancellationToken) =>
        _delivery.AlertsAboutAsync(personId, groupIds, cancellationToken);

    /// <inheritdoc />
    public void Dispose() => _restoreGate.Dispose();

    /// <summary>
    /// The key the detector counts distinct people by, as kept in the store: a person id or an anonymity handle as it
    /// is; someone not on the roster is keyed by their platform id, which must not reach the store, so by a digest of it.
    /// </summary>
    internal static string CountingKey(string authorKey)
    {
        ArgumentNullException.ThrowIfNull(authorKey);
        if (!authorKey.StartsWith(UnlistedPrefix, StringComparison.Ordinal))
        {
            return authorKey;
        }

        var digest = System.Security.Cryptography.SHA256.HashData(System.Text.Encoding.UTF8.GetBytes(authorKey));
        return UnlistedPrefix + Convert.ToHexStringLower(digest.AsSpan(0, 16));
    }

    private async Task TryRestoreAsync(CancellationToken cancellationToken)
    {
        try
        {
            await RestoreAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            // The live decision matters more than the restored window: a crisis must still alert.
            LogRestoreFailed(ex);
        }
    }

    private async Task KeepAsync(string groupId, SpiralEntry entry, CancellationToken cancellationToken)
    {
        try
        {
            await _pending.AddAsync(groupId, entry, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            // The live decision still counts the message; only a restart before its spiral alerts would lose it.
            LogKeepFailed(groupId, ex);
        }
    }

    private async Task<AlertRecord> RaiseSpiralAsync(string groupId, DateTimeOffset raisedAt, IReadOnlyList<SpiralEntry> spiral, CancellationToken cancellationToken)
    {
        var alert = await AddAlertAsync(SpiralAlert(groupId, raisedAt, spiral), cancellationToken).ConfigureAwait(false);

        // The alert holds its own excerpts now; the group's kept messages up to it are done with. A failure here is
        // harmless for alerting (a restart leaves out messages at or before the last alert) and the purge takes them.
        try
        {
            await _pending.DeleteUpToAsync(groupId, raisedAt, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            LogForgetFailed(groupId, ex);
        }

        return await _delivery.DeliverAsync(alert, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>
    /// The detector lives in memory; without this, a restart would forget a group's cooldown and alert the
    /// facilitators a second time for the spiral they were just told about, or send a second coping note about a
    /// person within <see cref="Configuration.SafetyOptions.CopingCooldown"/>.
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

        foreach (var note in alerts.Where(a => a.Kind == AlertKind.Coping && a.AuthorKey is not null))
        {
            _detector.RememberCopingNote(groupId, note.AuthorKey!, note.RaisedAt);
        }

        _cooldownsLoaded.TryAdd(groupId, true);
    }

    private async Task<AlertRecord> RaiseAsync(Func<string, AlertRecord> create, CancellationToken cancellationToken)
    {
        var alert = await AddAlertAsync(create, cancellationToken).ConfigureAwait(false);
        return await _delivery.DeliverAsync(alert, cancellationToken).ConfigureAwait(false);
    }

    private async Task<AlertRecord> AddAlertAsync(Func<string, AlertRecord> create, CancellationToken cancellationToken)
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
        _digest?.FlagRaised(alert.GroupId, alert.Kind, alert.RaisedAt);
        return alert;
    }

    /// <summary>
    /// Whether a reason is about <paramref name="label"/>: a lexicon reason (<c>crisis, ideation: "…"</c>) or the semantic
    /// layer's (<c>model crisis 0.91, close to: "…"</c>).
    /// </summary>
    private static bool IsAbout(string reason, string label) =>
        reason.StartsWith(label, StringComparison.Ordinal) || reason.StartsWith("model " + label, StringComparison.Ordinal);

    private static Func<string, AlertRecord> CrisisAlert(ObservedMessage message, MessageAssessment assessment) => id => new AlertRecord
    {
        Id = id,
        GroupId = message.GroupId,
        Kind = AlertKind.Crisis,
        RaisedAt = message.Timestamp,
        MessageCount = 1,
        PeopleCount = 1,
        Excerpts = [SpiralDetector.Excerpt(message.Text)],
        Reasons = assessment.Reasons.Where(r => IsAbout(r, "crisis") && !r.Contains("(not counted", StringComparison.Ordinal)).ToList(),
        AuthorPersonId = message.AuthorPersonId,
        AuthorAnonymous = message.AuthorPersonId is null,
        AuthorReplied = message.AuthorPersonId is null,
    };

    private static Func<string, AlertRecord> CopingAlert(ObservedMessage message, string authorKey, MessageAssessment assessment) => id =>
    {
        var counted = assessment.Reasons.Where(r => !r.Contains("(not counted", StringComparison.Ordinal)).ToList();
        var coping = counted.Where(r => IsAbout(r, "coping")).ToList();
        return new AlertRecord
        {
            Id = id,
            GroupId = message.GroupId,
            Kind = AlertKind.Coping,
            RaisedAt = message.Timestamp,
            MessageCount = 1,
            PeopleCount = 1,
            Excerpts = [SpiralDetector.Excerpt(message.Text)],

            // The coping reasons when the classifier names them so; otherwise whatever it counted, so the note is never
            // without a reason a psychologist can read.
            Reasons = (coping.Count > 0 ? coping : counted).Take(MaxSpiralReasons).ToList(),
            AuthorPersonId = message.AuthorPersonId,
            AuthorAnonymous = message.AuthorPersonId is null && !authorKey.StartsWith(UnlistedPrefix, StringComparison.Ordinal),
            AuthorKey = authorKey,

            // Nothing is ever said to the author of a coping message.
            AuthorReplied = true,
        };
    };

    private static Func<string, AlertRecord> SpiralAlert(string groupId, DateTimeOffset raisedAt, IReadOnlyList<SpiralEntry> spiral) => id =>
    {
        var reasons = spiral
            .SelectMany(e => e.Reasons)
            .Where(r => !r.Contains("(not counted", StringComparison.Ordinal) && !IsAbout(r, "crisis") && !IsAbout(r, "coping"))
            .Distinct(StringComparer.Ordinal)
            .ToList();
        return new AlertRecord
        {
            Id = id,
            GroupId = groupId,
            Kind = AlertKind.Spiral,
            RaisedAt = raisedAt,
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

    [LoggerMessage(Level = LogLevel.Information, Message = "Restored {Count} fatalistic message(s) of {Groups} group(s) still within the spiral window.")]
    private partial void LogRestored(int count, int groups);

    [LoggerMessage(Level = LogLevel.Warning, Message = "The kept messages of group {GroupId} already make a spiral that was not alerted before the restart ({Count} messages); alerting now.")]
    private partial void LogSpiralCompletedAtRestore(string groupId, int count);

    [LoggerMessage(Level = LogLevel.Error, Message = "The kept spiral window could not be restored; it is tried again at the next fatalistic message.")]
    private partial void LogRestoreFailed(Exception exception);

    [LoggerMessage(Level = LogLevel.Error, Message = "A fatalistic message of group {GroupId} could not be kept; it counts in this run but not after a restart.")]
    private partial void LogKeepFailed(string groupId, Exception exception);

    [LoggerMessage(Level = LogLevel.Information, Message = "Forgot a person's kept spiral messages.")]
    private partial void LogForgotten();

    [LoggerMessage(Level = LogLevel.Warning, Message = "The kept messages of group {GroupId} counted by its spiral alert could not be deleted; the purge removes them when they leave the window.")]
    private partial void LogForgetFailed(string groupId, Exception exception);
}
