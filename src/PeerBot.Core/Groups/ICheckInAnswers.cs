namespace PeerBot.Core.Groups;

/// <summary>Records answers to reset check-ins (the <c>checkin:&lt;id&gt;:&lt;score&gt;</c> buttons).</summary>
public interface ICheckInAnswers
{
    /// <summary>
    /// Records a member's answer (1 to 5) to a check-in; the value is the private reply for them. A second answer
    /// is refused, so nobody can learn an answer by watching it change.
    /// </summary>
    Task<OperationResult<string>> RecordAnswerAsync(string checkInId, string personId, int score, CancellationToken cancellationToken);
}
