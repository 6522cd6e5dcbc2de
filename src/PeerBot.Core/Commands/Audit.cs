namespace PeerBot.Core.Commands;

/// <summary>One facilitator or coordinator action (or refused attempt), as the audit log keeps it.</summary>
/// <param name="Id">Unique id.</param>
/// <param name="At">When.</param>
/// <param name="ActorPersonId">Who acted (a person id of the roster).</param>
/// <param name="Action">What, e.g. <c>anon mute</c>, <c>ack</c>, <c>prompt now</c>.</param>
/// <param name="GroupId">The group acted on, if any.</param>
/// <param name="Target">What was acted on (an alert or post id; never an anonymous author).</param>
/// <param name="Outcome">Done, refused or failed.</param>
/// <param name="Detail">A short note (a reason for a refusal or failure, the days of a mute).</param>
public sealed record AuditEntry(
    string Id,
    DateTimeOffset At,
    string ActorPersonId,
    string Action,
    string? GroupId,
    string? Target,
    AuditOutcome Outcome,
    string? Detail);

/// <summary>How an audited action ended.</summary>
public enum AuditOutcome
{
    /// <summary>It was done.</summary>
    Done,

    /// <summary>The actor was not allowed.</summary>
    Refused,

    /// <summary>It was allowed but failed.</summary>
    Failed,
}

/// <summary>The audit log of facilitator and coordinator actions, in the store.</summary>
public interface IAuditLog
{
    /// <summary>Appends an entry.</summary>
    void Write(AuditEntry entry);

    /// <summary>Entries by an actor, newest first.</summary>
    IReadOnlyList<AuditEntry> ByActor(string personId);

    /// <summary>The newest entries, newest first.</summary>
    IReadOnlyList<AuditEntry> Recent(int count);

    /// <summary>Deletes an actor's entries; returns how many.</summary>
    int DeleteByActor(string personId);
}
