namespace PeerBot.Core.Digest;

/// <summary>What the digest schedule has done, kept across restarts so a week's digest goes out once.</summary>
public interface IDigestSendLog
{
    /// <summary>The last schedule occurrence dealt with (sent, or skipped as too late); null before the first.</summary>
    DateTimeOffset? LastOccurrence { get; }

    /// <summary>Records the last schedule occurrence dealt with.</summary>
    void SetLastOccurrence(DateTimeOffset occurrence);

    /// <summary>Whether a person's digest of a week has been sent.</summary>
    bool IsSent(DateOnly week, string personId);

    /// <summary>Records a person's digest of a week as sent.</summary>
    void MarkSent(DateOnly week, string personId, DateTimeOffset at);
}
