namespace PeerBot.Core.Groups;

/// <summary>Records answers to reset check-ins (the <c>checkin:&lt;id&gt;:&lt;score&gt;</c> buttons).</summary>
public interface ICheckInAnswers
{
    /// <summary>Records a person's answer to a check-in; the value is a short reply for them.</summary>
    Task<OperationResult<string>> RecordAnswerAsync(string checkInId, string personId, int score, CancellationToken ct);
}
