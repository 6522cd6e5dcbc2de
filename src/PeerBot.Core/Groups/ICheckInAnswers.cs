namespace PeerBot.Core.Groups;

/// <summary>Records answers to reset check-ins (the <c>checkin:&lt;id&gt;:&lt;score&gt;</c> buttons).</summary>
public interface ICheckInAnswers
{
    /// <summary>
    /// Records a member's answer (1 to 5) to a check-in; the value is the private reply for them. A second answer
    /// is refused, so nobody can learn an answer by watching it change.
    /// </summary>
    Task<OperationResult<string>> RecordAnswerAsync(string checkInId, string personId, int score, CancellationToken cancellationToken);

    /// <summary>
    /// Erases the marks that a person answered open check-ins (for <c>forget-me</c>); their answers stay in the counts,
    /// which name nobody. Returns how many marks were erased.
    /// </summary>
    Task<int> ForgetAnswererAsync(string personId, CancellationToken cancellationToken);
}
