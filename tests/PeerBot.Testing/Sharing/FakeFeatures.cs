using System.Collections.Concurrent;
using Microsoft.Extensions.Logging;
using PeerBot.Core;
using PeerBot.Core.Groups;
using PeerBot.Core.Platform;
using PeerBot.Core.Safety;

namespace PeerBot.Testing.Sharing;

/// <summary>A fixed set of groups.</summary>
public sealed class FakeGroupDirectory : IGroupDirectory
{
    private readonly List<GroupInfo> _groups = [];

    public void Add(GroupInfo group) => _groups.Add(group);

    public IReadOnlyList<GroupInfo> All() => _groups.ToList();

    public GroupInfo? Find(string groupId) => _groups.FirstOrDefault(g => g.Id == groupId);

    public GroupInfo? FindByChannel(ChannelRef channel) => _groups.FirstOrDefault(g => g.Channel == channel);

    public IReadOnlyList<GroupInfo> GroupsOfMember(string personId) =>
        _groups.Where(g => g.MemberIds.Contains(personId, StringComparer.OrdinalIgnoreCase)).ToList();

    public IReadOnlyList<GroupInfo> GroupsFacilitatedBy(string personId) =>
        _groups.Where(g => g.FacilitatorIds.Contains(personId, StringComparer.OrdinalIgnoreCase)).ToList();
}

/// <summary>Member pauses in memory.</summary>
public sealed class FakeMemberPauses : IMemberPauses
{
    private readonly ConcurrentDictionary<string, DateTimeOffset> _pauses = new(StringComparer.OrdinalIgnoreCase);

    public List<string> Resumed { get; } = [];

    public Task PauseAsync(string personId, DateTimeOffset until, CancellationToken cancellationToken)
    {
        _pauses[personId] = until;
        return Task.CompletedTask;
    }

    public Task ResumeAsync(string personId, CancellationToken cancellationToken)
    {
        _pauses.TryRemove(personId, out _);
        Resumed.Add(personId);
        return Task.CompletedTask;
    }

    public DateTimeOffset? PausedUntil(string personId) => _pauses.TryGetValue(personId, out var until) ? until : null;
}

/// <summary>A safety monitor that calls any text containing <see cref="CrisisMarker"/> crisis talk and records what it saw.</summary>
public sealed class FakeSafetyMonitor : ISafetyMonitor, ISafetyDataEraser
{
    /// <summary>The kept spiral entries <see cref="ForgetAuthorsAsync"/> erases from (tests add to it).</summary>
    public InMemorySpiralEntryStore Kept { get; } = new();

    public Task<int> ForgetAuthorsAsync(IReadOnlyCollection<string> authorKeys, CancellationToken cancellationToken) =>
        Kept.DeleteByAuthorsAsync(authorKeys, cancellationToken);

    /// <summary>The author keys and groups <see cref="ForgetAlertExcerptsAsync"/> was asked to purge alert excerpts for.</summary>
    public ConcurrentQueue<(IReadOnlyCollection<string> AuthorKeys, IReadOnlyCollection<string> GroupIds)> AlertExcerptsForgotten { get; } = new();

    /// <summary>Stored alerts <see cref="AlertsAboutAsync"/> reads (tests add to it).</summary>
    public InMemoryAlertStore AlertStore { get; } = new();

    public async Task<IReadOnlyList<AlertSummary>> AlertsAboutAsync(string personId, IReadOnlyCollection<string> groupIds, CancellationToken cancellationToken) =>
        (await AlertStore.ListAsync(groupIds, includeResolved: true, cancellationToken))
            .Where(a => string.Equals(a.AuthorPersonId, personId, StringComparison.OrdinalIgnoreCase)).Select(a => a.ToSummary()).ToList();

    public Task<int> ForgetAlertExcerptsAsync(IReadOnlyCollection<string> authorKeys, IReadOnlyCollection<string> groupIds, CancellationToken cancellationToken)
    {
        AlertExcerptsForgotten.Enqueue((authorKeys, groupIds));
        return Task.FromResult(0);
    }

    public const string CrisisMarker = "end it all";

    /// <summary>Text <see cref="ObserveAsync"/> judges fatalistic.</summary>
    public const string FatalisticMarker = "[fatalistic]";

    private int _alerts;

    public ConcurrentQueue<ObservedMessage> Observed { get; } = new();

    public bool Throw { get; set; }

    /// <summary>The texts <see cref="Assess"/> was asked about.</summary>
    public ConcurrentQueue<string> Assessed { get; } = new();

    public MessageAssessment Assess(string text)
    {
        if (Throw)
        {
            throw new InvalidOperationException("Injected safety failure.");
        }

        Assessed.Enqueue(text);
        var crisis = text.Contains(CrisisMarker, StringComparison.OrdinalIgnoreCase);
        return new MessageAssessment(false, 0, crisis, crisis ? ["crisis"] : []);
    }

    public Task<SafetyOutcome> ObserveAsync(ObservedMessage message, CancellationToken cancellationToken)
    {
        if (Throw)
        {
            throw new InvalidOperationException("Injected safety failure.");
        }

        Observed.Enqueue(message);
        var crisis = message.Text.Contains(CrisisMarker, StringComparison.OrdinalIgnoreCase);
        var fatalistic = message.Text.Contains(FatalisticMarker, StringComparison.OrdinalIgnoreCase);
        var alert = crisis
            ? new AlertSummary("A" + Interlocked.Increment(ref _alerts), message.GroupId, AlertKind.Crisis, AlertStatus.Open, message.Timestamp, 1, 1, ["(excerpt)"], ["crisis: \"end it all\""], null)
            : null;
        return Task.FromResult(new SafetyOutcome(new MessageAssessment(fatalistic, fatalistic ? 0.9 : 0, crisis, crisis ? ["crisis"] : []), alert));
    }
}

/// <summary>Alerts in memory.</summary>
public sealed class FakeAlertService : IAlertService
{
    private readonly ConcurrentDictionary<string, AlertSummary> _alerts = new(StringComparer.OrdinalIgnoreCase);

    public List<(string Id, string Actor, string? Note)> Resolutions { get; } = [];

    public void Add(AlertSummary alert) => _alerts[alert.Id] = alert;

    public Task<IReadOnlyList<AlertSummary>> ListAsync(IReadOnlyCollection<string> groupIds, bool includeResolved, CancellationToken cancellationToken) =>
        Task.FromResult<IReadOnlyList<AlertSummary>>(_alerts.Values
            .Where(a => groupIds.Contains(a.GroupId) && (includeResolved || a.Status != AlertStatus.Resolved))
            .OrderByDescending(a => a.RaisedAt).ToList());

    public Task<AlertSummary?> FindAsync(string alertId, CancellationToken cancellationToken) => Task.FromResult(_alerts.GetValueOrDefault(alertId));

    public Task<OperationResult<AlertSummary>> AcknowledgeAsync(string alertId, string actorPersonId, CancellationToken cancellationToken)
    {
        if (!_alerts.TryGetValue(alertId, out var alert))
        {
            return Task.FromResult(OperationResult<AlertSummary>.Failure($"No alert {alertId}."));
        }

        if (alert.Status != AlertStatus.Open)
        {
            return Task.FromResult(OperationResult<AlertSummary>.Failure($"{alertId} was already acknowledged."));
        }

        var updated = alert with { Status = AlertStatus.Acknowledged };
        _alerts[alertId] = updated;
        return Task.FromResult(OperationResult<AlertSummary>.Success(updated));
    }

    public Task<OperationResult<AlertSummary>> ResolveAsync(string alertId, string actorPersonId, string? note, CancellationToken cancellationToken)
    {
        if (!_alerts.TryGetValue(alertId, out var alert))
        {
            return Task.FromResult(OperationResult<AlertSummary>.Failure($"No alert {alertId}."));
        }

        var updated = alert with { Status = AlertStatus.Resolved };
        _alerts[alertId] = updated;
        Resolutions.Add((alertId, actorPersonId, note));
        return Task.FromResult(OperationResult<AlertSummary>.Success(updated));
    }

    public List<(string Token, string Presser, CrisisAnswer Answer)> Answers { get; } = [];

    public Task<OperationResult<string>> RecordAuthorAnswerAsync(string token, string presserPersonId, CrisisAnswer answer, CancellationToken cancellationToken)
    {
        Answers.Add((token, presserPersonId, answer));
        return Task.FromResult(OperationResult<string>.Success($"answered {answer}"));
    }
}

/// <summary>Group operations that record calls and answer with a fixed prompt.</summary>
public sealed class FakeGroupOperations : IGroupOperations
{
    public List<(string Operation, string GroupId)> Calls { get; } = [];

    public DateTimeOffset? Next { get; set; }

    public string? FailWith { get; set; }

    public Task<OperationResult<PromptOutcome>> PostPromptNowAsync(string groupId, CancellationToken cancellationToken) => Run("now", groupId);

    public Task<OperationResult<PromptOutcome>> SkipPromptAsync(string groupId, CancellationToken cancellationToken) => Run("skip", groupId);

    public Task<OperationResult<PromptOutcome>> PreviewPromptAsync(string groupId, CancellationToken cancellationToken) => Run("preview", groupId);

    public Task<OperationResult<PromptOutcome>> PostReframeAsync(string groupId, CancellationToken cancellationToken) => Run("reframe", groupId);

    public Task<OperationResult<PromptOutcome>> PostCheckInAsync(string groupId, CancellationToken cancellationToken) => Run("checkin", groupId);

    public Task<OperationResult<GroupInfo>> PauseGroupAsync(string groupId, DateTimeOffset until, CancellationToken cancellationToken) =>
        Task.FromResult(OperationResult<GroupInfo>.Failure("not used"));

    public Task<OperationResult<GroupInfo>> ResumeGroupAsync(string groupId, CancellationToken cancellationToken) =>
        Task.FromResult(OperationResult<GroupInfo>.Failure("not used"));

    public DateTimeOffset? NextPromptAt(string groupId) => Next;

    private Task<OperationResult<PromptOutcome>> Run(string operation, string groupId)
    {
        Calls.Add((operation, groupId));
        return Task.FromResult(FailWith is null
            ? OperationResult<PromptOutcome>.Success(new PromptOutcome(groupId, "p-" + operation, $"Prompt text for {operation}", Next))
            : OperationResult<PromptOutcome>.Failure(FailWith));
    }
}

/// <summary>Check-in answers in memory.</summary>
public sealed class FakeCheckInAnswers : ICheckInAnswers
{
    public List<(string CheckInId, string PersonId, int Score)> Answers { get; } = [];

    public Task<OperationResult<string>> RecordAnswerAsync(string checkInId, string personId, int score, CancellationToken cancellationToken)
    {
        if (score is < 1 or > 5)
        {
            return Task.FromResult(OperationResult<string>.Failure("Scores go from 1 to 5."));
        }

        Answers.Add((checkInId, personId, score));
        return Task.FromResult(OperationResult<string>.Success("Thanks for checking in."));
    }

    public List<string> Forgotten { get; } = [];

    public Task<int> ForgetAnswererAsync(string personId, CancellationToken cancellationToken)
    {
        Forgotten.Add(personId);
        return Task.FromResult(Answers.Count(a => a.PersonId == personId));
    }
}

/// <summary>Captures every log line, formatted, with exceptions.</summary>
public sealed class ListLoggerProvider : ILoggerProvider
{
    private readonly ConcurrentQueue<string> _lines = new();

    public IReadOnlyList<string> Lines => _lines.ToList();

    public ILogger CreateLogger(string categoryName) => new ListLogger(categoryName, _lines);

    public void Dispose()
    {
    }

    private sealed class ListLogger(string category, ConcurrentQueue<string> lines) : ILogger
    {
        public IDisposable? BeginScope<TState>(TState state) where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => true;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
        {
            var structured = state is IEnumerable<KeyValuePair<string, object?>> pairs ? string.Join(";", pairs.Select(p => $"{p.Key}={p.Value}")) : "";
            lines.Enqueue($"{logLevel} {category}: {formatter(state, exception)} [{structured}] {exception}");
        }
    }
}
