using System.Text.RegularExpressions;
using Microsoft.Extensions.Configuration;
using PeerBot.Core.Groups;
using PeerBot.Core.Prompts;

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

        var errors = PeerBotOptionsValidator.Validate(options, fileExists).ToList();
        if (errors.Count == 0)
        {
            // The features' own rules (group planning, the prompt library file) run once the basics hold,
            // so that one mistake is not reported twice in two wordings.
            errors.AddRange(GroupsOptionsValidator.Errors(options).Select(FromFeatureMessage));
            var library = PromptLibrary.Load(options.Prompts);
            if (!library.Succeeded)
            {
                errors.AddRange(library.Error!.Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(FromFeatureMessage));
            }
        }

        return new ConfigurationResult(options, errors, warnings);
    }

    /// <summary>
    /// Features word their problems as <c>Groups[2].Members: …</c>; this turns the path into the configuration
    /// path <c>PeerBot:Groups:2:Members</c>. Lines about a file's content (the prompt library's
    /// <c>prompts[3].text</c>) are placed under <c>PeerBot:Prompts:LibraryPath</c>.
    /// </summary>
    public static ConfigProblem FromFeatureMessage(string message)
    {
        var match = FeaturePath().Match(message);
        if (match.Success && TopLevelKeys.Contains(match.Groups["path"].Value.Split('.', '[')[0]))
        {
            var path = match.Groups["path"].Value.Replace("[", ":", StringComparison.Ordinal).Replace("]", "", StringComparison.Ordinal).Replace('.', ':');
            return new ConfigProblem($"{PeerBotOptions.SectionName}:{path}", match.Groups["message"].Value.Trim());
        }

        return new ConfigProblem($"{PeerBotOptions.SectionName}:Prompts:LibraryPath", message.Trim());
    }

    private static readonly HashSet<string> TopLevelKeys = new(
        typeof(PeerBotOptions).GetProperties().Select(p => p.Name), StringComparer.Ordinal);

    [GeneratedRegex(@"^(?<path>[A-Za-z]+(?:\[\d+\])?(?:\.[A-Za-z]+(?:\[\d+\])?)*): (?<message>.*)$", RegexOptions.Singleline)]
    private static partial Regex FeaturePath();

    [GeneratedRegex(@" at '(?<path>[^']*)'", RegexOptions.CultureInvariant)]
    private static partial Regex BinderPath();
}
