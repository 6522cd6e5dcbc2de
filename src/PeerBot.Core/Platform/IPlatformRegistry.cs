using Microsoft.Extensions.Logging;

namespace PeerBot.Core.Platform;

/// <summary>The platforms this instance runs, by kind.</summary>
public interface IPlatformRegistry
{
    /// <summary>The platforms that are enabled.</summary>
    IReadOnlyCollection<IChatPlatform> Platforms { get; }

    /// <summary>The platform of this kind, or null when it is not enabled.</summary>
    IChatPlatform? Find(PlatformKind kind);
}

/// <summary>
/// The registry over the platforms registered in the container. With a send journal, every platform is reached through
/// <see cref="ExactlyOncePlatform"/>, so a message with an idempotency key goes exactly once across crashes.
/// </summary>
public sealed class PlatformRegistry : IPlatformRegistry
{
    private readonly Dictionary<PlatformKind, IChatPlatform> _byKind;

    /// <summary>Creates the registry; with a <paramref name="journal"/>, each platform is wrapped in <see cref="ExactlyOncePlatform"/>.</summary>
    public PlatformRegistry(IEnumerable<IChatPlatform> platforms, ISendJournal? journal = null, TimeProvider? time = null, ILogger<ExactlyOncePlatform>? logger = null)
    {
        ArgumentNullException.ThrowIfNull(platforms);
        _byKind = platforms
            .Select(p => journal is null || p is ExactlyOncePlatform ? p : new ExactlyOncePlatform(p, journal, time ?? TimeProvider.System, logger))
            .ToDictionary(p => p.Kind);
    }

    /// <inheritdoc />
    public IReadOnlyCollection<IChatPlatform> Platforms => _byKind.Values;

    /// <inheritdoc />
    public IChatPlatform? Find(PlatformKind kind) => _byKind.GetValueOrDefault(kind);
}
