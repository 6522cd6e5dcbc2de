using System.Text.RegularExpressions;
using Microsoft.Extensions.Configuration;

namespace PeerBot.Core.Configuration;

/// <summary>The outcome of reading the configuration.</summary>
/// <param name="Options">The bound options; null when the shape was wrong and nothing could be bound.</param>
/// <param name="Errors">Problems that stop PeerBot from starting.</param>
/// <param name="Warnings">Things worth a look that do not stop it (unknown keys).</param>
public sealed record ConfigurationResult(PeerBotOptions? Options, IReadOnlyList<ConfigProblem> Errors, IReadOnlyList<ConfigProblem> Warnings)
{
    /// <summary>True when there are no errors.</summary>
    public bool IsValid => Errors.Count == 0 && Options is not null;
}

/// <summary>Reads and validates the <c>PeerBot</c> section: shape first, then the domain rules.</summary>
public static partial class ConfigurationLoader
{
    /// <summary>Binds and validates; every problem is collected.</summary>
    public static ConfigurationResult Load(IConfiguration configuration, Func<string, bool>? fileExists = null)
    {
        ArgumentNullException.ThrowIfNull(configuration);
        var section = configuration.GetSection(PeerBotOptions.SectionName);
        var (shapeErrors, warnings) = ConfigurationShapeChecker.Check<PeerBotOptions>(section);
        if (shapeErrors.Count > 0)
        {
            return new ConfigurationResult(null, shapeErrors, warnings);
        }

        var options = new PeerBotOptions();
        try
        {
            section.Bind(options);
        }
        catch (InvalidOperationException ex)
        {
            // The shape check should have caught every value the binder refuses; if one slips past, it is still a
            // problem with a path, not a crash. The binder's message quotes the value, so only the path is kept.
            var at = BinderPath().Match(ex.Message);
            return new ConfigurationResult(null, [new ConfigProblem(at.Success ? at.Groups["path"].Value : PeerBotOptions.SectionName, "this value could not be read; check its type")], warnings);
        }

        return new ConfigurationResult(options, PeerBotOptionsValidator.Validate(options, fileExists), warnings);
    }

    [GeneratedRegex(@" at '(?<path>[^']*)'", RegexOptions.CultureInvariant)]
    private static partial Regex BinderPath();
}
