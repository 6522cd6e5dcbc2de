using PeerBot.Core.Platform;

namespace PeerBot.Core.Configuration;

/// <summary>Which platforms run, and where a group lives.</summary>
public static class PlatformSelection
{
    /// <summary>The real platforms whose tokens are set, Discord first.</summary>
    public static IReadOnlyList<PlatformKind> EnabledPlatforms(this PeerBotOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var enabled = new List<PlatformKind>(2);
        if (options.Discord.Enabled)
        {
            enabled.Add(PlatformKind.Discord);
        }

        if (options.Slack.Enabled)
        {
            enabled.Add(PlatformKind.Slack);
        }

        return enabled;
    }

    /// <summary>True when no real platform is configured, so the sandbox hosts every group.</summary>
    public static bool UsesSandbox(this PeerBotOptions options) => options.EnabledPlatforms().Count == 0;

    /// <summary>
    /// The platform a group (or formation) runs on: the one it names when that platform is enabled; the only
    /// enabled platform when it names none; the sandbox for every group when no platform is configured.
    /// Null when the choice is ambiguous or names a platform that is not configured (the validator reports it).
    /// </summary>
    public static PlatformKind? ResolvePlatform(this PeerBotOptions options, PlatformKind? requested)
    {
        var enabled = options.EnabledPlatforms();
        if (enabled.Count == 0)
        {
            return PlatformKind.Sandbox;
        }

        if (requested is null)
        {
            return enabled.Count == 1 ? enabled[0] : null;
        }

        return enabled.Contains(requested.Value) ? requested : null;
    }
}
