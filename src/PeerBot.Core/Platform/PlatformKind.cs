namespace PeerBot.Core.Platform;

/// <summary>The platforms PeerBot can host groups on.</summary>
public enum PlatformKind
{
    /// <summary>Discord.</summary>
    Discord,

    /// <summary>Slack.</summary>
    Slack,

    /// <summary>The local browser workspace.</summary>
    Sandbox,
}
