namespace PeerBot.Core.Platform;

/// <summary>The platforms this instance runs, by kind.</summary>
public interface IPlatformRegistry
{
    /// <summary>The platforms that are enabled.</summary>
    IReadOnlyCollection<IChatPlatform> Platforms { get; }

    /// <summary>The platform of this kind, or null when it is not enabled.</summary>
    IChatPlatform? Find(PlatformKind kind);
}

/// <summary>The registry over the platforms registered in the container.</summary>
public sealed class PlatformRegistry : IPlatformRegistry
{
    private readonly Dictionary<PlatformKind, IChatPlatform> _byKind;

    /// <summary>Creates the registry.</summary>
    public PlatformRegistry(IEnumerable<IChatPlatform> platforms)
    {
        _byKind = platforms.ToDictionary(p => p.Kind);
    }

    /// <inheritdoc />
    public IReadOnlyCollection<IChatPlatform> Platforms => _byKind.Values;

    /// <inheritdoc />
    public IChatPlatform? Find(PlatformKind kind) => _byKind.GetValueOrDefault(kind);
}
