using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Configuration.Memory;

namespace PeerBot.Sandbox;

/// <summary>
/// The people and groups of <c>appsettings.example.json</c> (embedded from the repository root), used by the
/// sandbox when the user's own configuration names nobody, so a first run has a program to explore.
/// </summary>
public static class SandboxDemoRoster
{
    /// <summary>The configuration key that marks the demo roster as in use (outside the <c>PeerBot</c> section).</summary>
    public const string MarkerKey = "PeerBotSandbox:DemoRoster";

    private const string ResourceName = "PeerBot.Sandbox.appsettings.example.json";

    // Only who is who and how they are grouped; the user's own settings (storage, port, delays) stay theirs.
    private static readonly string[] TakenSections =
    [
        "PeerBot:People", "PeerBot:Groups", "PeerBot:Formation", "PeerBot:TimeZone", "PeerBot:Prompts:Schedule",
    ];

    /// <summary>
    /// Adds the demo roster as the lowest-precedence configuration source when the configuration built so far
    /// has no people and no groups. Returns true when it did.
    /// </summary>
    public static bool AddIfNoPeople(IConfigurationBuilder builder)
    {
        ArgumentNullException.ThrowIfNull(builder);
        var current = builder as IConfiguration ?? builder.Build();
        if (current.GetSection("PeerBot:People").GetChildren().Any() || current.GetSection("PeerBot:Groups").GetChildren().Any())
        {
            return false;
        }

        var data = Load();
        data[MarkerKey] = "true";
        builder.Sources.Insert(0, new MemoryConfigurationSource { InitialData = data });
        return true;
    }

    /// <summary>The demo roster's configuration keys and values.</summary>
    public static Dictionary<string, string?> Load()
    {
        using var stream = typeof(SandboxDemoRoster).Assembly.GetManifestResourceStream(ResourceName)
            ?? throw new InvalidOperationException($"The sandbox build lacks its embedded {ResourceName}.");
        var example = new ConfigurationBuilder().AddJsonStream(stream).Build();
        return example.AsEnumerable()
            .Where(pair => pair.Value is not null
                && TakenSections.Any(s => pair.Key.Equals(s, StringComparison.OrdinalIgnoreCase) || pair.Key.StartsWith(s + ":", StringComparison.OrdinalIgnoreCase))
                && !pair.Key.EndsWith(":Platform", StringComparison.OrdinalIgnoreCase))
            .ToDictionary(pair => pair.Key, pair => pair.Value, StringComparer.OrdinalIgnoreCase);
    }
}
