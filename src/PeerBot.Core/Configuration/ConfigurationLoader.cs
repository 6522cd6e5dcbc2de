using System.Text.RegularExpressions;
using Microsoft.Extensions.Configuration;
using PeerBot.Core.Groups;
using PeerBot.Core.Prompts;

namespace PeerBot.Core.Configuration;

/// <summary>The outcome of reading the configuration.</summary>
/// <param name="Options">
/// The bound options: every value that could be read, and the default wherever one could not (each such value is
/// among the errors). Use them only when <see cref="IsValid"/>.
/// </param>
/// <param name="Errors">Problems that stop PeerBot from starting: values that could not be read, then broken rules.</param>
/// <param name="Warnings">Things worth a look that do not stop it (unknown keys).</param>
public sealed record ConfigurationResult(PeerBotOptions Options, IReadOnlyList<ConfigProblem> Errors, IReadOnlyList<ConfigProblem> Warnings)
{
    /// <summary>True when there are no errors.</summary>
    public bool IsValid => Errors.Count == 0;
}

/// <summary>Reads and validates the <c>PeerBot</c> section: every value that cannot be read and every broken rule, together.</summary>
public static partial class ConfigurationLoader
{
    /// <summary>Binds leniently, then validates; every problem is collected, none stops the others from being found.</summary>
    public static ConfigurationResult Load(IConfiguration configuration, Func<string, bool>? fileExists = null)
    {
        ArgumentNullException.ThrowIfNull(configuration);
        var section = configuration.GetSection(PeerBotOptions.SectionName);

        // A value that cannot be read is reported and left at its default; the rules then run over everything else,
        // told which values were not read so that a default standing in for one raises no problem of its own.
        var bound = ConfigurationBinding.Bind<PeerBotOptions>(section);
        var options = bound.Value;
        var errors = new List<ConfigProblem>(bound.Errors);
        errors.AddRange(PeerBotOptionsValidator.Validate(options, fileExists, bound.Errors.Select(e => e.Path).ToList()));
        if (errors.Count == 0)
        {
            // The groups feature's own rules (group planning, schedules) run once the basics hold, so that one
            // mistake is not reported twice in two wordings.
            errors.AddRange(GroupsOptionsValidator.Errors(options).Select(FromFeatureMessage));
        }

        if (!errors.Any(e => string.Equals(e.Path, LibraryPath, StringComparison.OrdinalIgnoreCase)))
        {
            // The prompt library file's content is a matter of its own: its problems are listed with the others.
            var library = PromptLibrary.Load(options.Prompts);
            if (!library.Succeeded)
            {
                errors.AddRange(library.Error!.Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(FromFeatureMessage));
            }
        }

        return new ConfigurationResult(options, errors, bound.Warnings);
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

        return new ConfigProblem(LibraryPath, message.Trim());
    }

    private const string LibraryPath = PeerBotOptions.SectionName + ":Prompts:LibraryPath";

    private static readonly HashSet<string> TopLevelKeys = new(
        typeof(PeerBotOptions).GetProperties().Select(p => p.Name), StringComparer.Ordinal);

    [GeneratedRegex(@"^(?<path>[A-Za-z]+(?:\[\d+\])?(?:\.[A-Za-z]+(?:\[\d+\])?)*): (?<message>.*)$", RegexOptions.Singleline)]
    private static partial Regex FeaturePath();
}
