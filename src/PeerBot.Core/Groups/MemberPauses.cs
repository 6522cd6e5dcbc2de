using Microsoft.Extensions.Logging;

namespace PeerBot.Core.Groups;

/// <summary>
/// Residents stepping out of their groups and back. A pause is stored, then reconciliation takes the person
/// out of (or puts them back into) their group channels; a pause that runs out is ended by the same service.
/// </summary>
public sealed class MemberPauses : IMemberPauses
{
    private readonly IGroupStore _store;
    private readonly TimeProvider _time;
    private readonly Func<Task<ReconcileResult>> _requestReconcile;
    private readonly ILogger<MemberPauses> _logger;

    /// <summary>Creates the service over the reconciliation service.</summary>
    public MemberPauses(IGroupStore store, TimeProvider time, GroupReconciliationService reconciliation, ILogger<MemberPauses> logger)
        : this(store, time, (reconciliation ?? throw new ArgumentNullException(nameof(reconciliation))).RequestReconcile, logger)
    {
    }

    /// <summary>Creates the service with any way to ask for a reconciliation (tests).</summary>
    public MemberPauses(IGroupStore store, TimeProvider time, Func<Task<ReconcileResult>> requestReconcile, ILogger<MemberPauses> logger)
    {
        _store = store;
        _time = time;
        _requestReconcile = requestReconcile;
        _logger = logger;
    }

    /// <inheritdoc />
    public Task PauseAsync(string personId, DateTimeOffset until, CancellationToken cancellationToken)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(personId);
        _store.SetMemberPause(personId, until);
        _store.AppendChange(new GroupChange { At = _time.GetUtcNow(), GroupId = "", Kind = "member-paused", PersonId = personId, Detail = until.ToString("O", System.Globalization.CultureInfo.InvariantCulture) });
        if (until - _time.GetUtcNow() > TimeSpan.FromDays(3650))
        {
            // Leaving through forget-me: the log names nobody, so it cannot be paired with what was erased.
            _logger.LogInformation("A member left their groups");
        }
        else
        {
            _logger.LogInformation("{PersonId} paused their groups until {Until}", personId, until);
        }
        _ = _requestReconcile();
        return Task.CompletedTask;
    }

    /// <inheritdoc />
    public Task ResumeAsync(string personId, CancellationToken cancellationToken)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(personId);
        _store.SetMemberPause(personId, null);
        _store.AppendChange(new GroupChange { At = _time.GetUtcNow(), GroupId = "", Kind = "member-resumed", PersonId = personId });
        _logger.LogInformation("{PersonId} resumed their groups", personId);
        _ = _requestReconcile();
        return Task.CompletedTask;
    }

    /// <inheritdoc />
    public DateTimeOffset? PausedUntil(string personId)
    {
        var pauses = _store.MemberPauses();
        return pauses.TryGetValue(personId, out var until) && until > _time.GetUtcNow() ? until : null;
    }
}
