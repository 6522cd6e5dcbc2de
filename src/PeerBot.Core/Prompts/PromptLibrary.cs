using System.Text.Json;
using PeerBot.Core.Configuration;

namespace PeerBot.Core.Prompts;

/// <summary>
/// The prompts groups draw from: the built-in ones, replaced or extended by a coordinator's file (<c>Prompts:LibraryPath</c>).
/// </summary>
/// <remarks>
/// The file is JSON: <c>{"mode":"extend","prompts":[{"id":"my-1","text":"…","themes":["reset","check-in"]}]}</c>.
/// <c>mode</c> is <c>extend</c> (the default: the file's prompts are added, and one with a built-in id replaces it)
/// or <c>replace</c> (only the file's prompts are used). A bare array of prompts means <c>extend</c>.
/// Themes: normalization, trajectory, belonging, reset, solutions, gratitude, check-in.
/// </remarks>
public sealed class PromptLibrary
{
    /// <summary>Longest prompt text, in characters; chat platforms cut longer messages.</summary>
    public const int MaxTextLength = 1500;

    private static readonly Dictionary<string, PromptTheme> ThemeNames = new(StringComparer.OrdinalIgnoreCase)
    {
        ["normalization"] = PromptTheme.Normalization,
        ["trajectory"] = PromptTheme.Trajectory,
        ["belonging"] = PromptTheme.Belonging,
        ["reset"] = PromptTheme.Reset,
        ["solutions"] = PromptTheme.Solutions,
        ["gratitude"] = PromptTheme.Gratitude,
        ["check-in"] = PromptTheme.CheckIn,
        ["checkin"] = PromptTheme.CheckIn,
    };

    private readonly Dictionary<string, Prompt> _byId;

    /// <summary>Creates a library over prompts (ids must be unique).</summary>
    public PromptLibrary(IEnumerable<Prompt> prompts)
    {
        Prompts = prompts.ToList();
        _byId = Prompts.ToDictionary(p => p.Id, StringComparer.Ordinal);
    }

    /// <summary>The built-in library.</summary>
    public static PromptLibrary BuiltIn { get; } = new(BuiltInPrompts.All);

    /// <summary>The prompts, in the order groups see them.</summary>
    public IReadOnlyList<Prompt> Prompts { get; }

    /// <summary>The prompt with this id, or null.</summary>
    public Prompt? Find(string id) => _byId.GetValueOrDefault(id);

    /// <summary>Loads the library the options ask for; errors name the file, the prompt and the field.</summary>
    /// <param name="options">Prompt settings.</param>
    /// <param name="baseDirectory">Folder a relative <c>LibraryPath</c> is resolved against; the current folder when null.</param>
    public static OperationResult<PromptLibrary> Load(PromptOptions options, string? baseDirectory = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        if (string.IsNullOrWhiteSpace(options.LibraryPath))
        {
            return OperationResult<PromptLibrary>.Success(BuiltIn);
        }

        var path = Path.GetFullPath(options.LibraryPath, baseDirectory ?? Directory.GetCurrentDirectory());
        string json;
        try
        {
            json = File.ReadAllText(path);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            return OperationResult<PromptLibrary>.Failure($"Prompts.LibraryPath: the prompt library '{path}' cannot be read: {ex.Message}");
        }

        var parsed = Parse(json);
        return parsed.Succeeded
            ? parsed
            : OperationResult<PromptLibrary>.Failure($"Prompts.LibraryPath: the prompt library '{path}' is not valid: {parsed.Error}");
    }

    /// <summary>Parses a library file's text; the error lists every problem, one per line.</summary>
    public static OperationResult<PromptLibrary> Parse(string json)
    {
        ArgumentNullException.ThrowIfNull(json);
        JsonDocument document;
        try
        {
            document = JsonDocument.Parse(json, new JsonDocumentOptions { AllowTrailingCommas = true, CommentHandling = JsonCommentHandling.Skip });
        }
        catch (JsonException ex)
        {
            return OperationResult<PromptLibrary>.Failure($"it is not JSON (line {(ex.LineNumber ?? 0) + 1}, position {(ex.BytePositionInLine ?? 0) + 1}).");
        }

        using (document)
        {
            var errors = new List<string>();
            var replace = false;
            JsonElement array;
            if (document.RootElement.ValueKind == JsonValueKind.Array)
            {
                array = document.RootElement;
            }
            else if (document.RootElement.ValueKind == JsonValueKind.Object)
            {
                if (document.RootElement.TryGetProperty("mode", out var mode))
                {
                    var value = mode.ValueKind == JsonValueKind.String ? mode.GetString() : null;
                    if (string.Equals(value, "replace", StringComparison.OrdinalIgnoreCase))
                    {
                        replace = true;
                    }
                    else if (!string.Equals(value, "extend", StringComparison.OrdinalIgnoreCase))
                    {
                        errors.Add("mode: must be \"extend\" or \"replace\".");
                    }
                }

                if (!document.RootElement.TryGetProperty("prompts", out array) || array.ValueKind != JsonValueKind.Array)
                {
                    return OperationResult<PromptLibrary>.Failure(string.Join("\n", errors.Append("prompts: an array of prompts is required.")));
                }
            }
            else
            {
                return OperationResult<PromptLibrary>.Failure("expected an object {\"mode\":…,\"prompts\":[…]} or an array of prompts.");
            }

            var prompts = ReadPrompts(array, errors);
            List<Prompt> result;
            if (replace)
            {
                result = prompts;
            }
            else
            {
                var overrides = prompts.ToDictionary(p => p.Id, StringComparer.Ordinal);
                result = BuiltInPrompts.All.Select(p => overrides.GetValueOrDefault(p.Id) ?? p)
                    .Concat(prompts.Where(p => BuiltInPrompts.All.All(b => b.Id != p.Id)))
                    .ToList();
            }

            if (result.Count == 0)
            {
                errors.Add("prompts: the library would be empty.");
            }
            else if (!result.Any(p => p.Has(PromptTheme.Solutions)))
            {
                errors.Add("prompts: at least one prompt needs the \"solutions\" theme (reframing prompts are drawn from it).");
            }

            return errors.Count > 0
                ? OperationResult<PromptLibrary>.Failure(string.Join("\n", errors))
                : OperationResult<PromptLibrary>.Success(new PromptLibrary(result));
        }
    }

    private static List<Prompt> ReadPrompts(JsonElement array, List<string> errors)
    {
        var prompts = new List<Prompt>();
        var ids = new HashSet<string>(StringComparer.Ordinal);
        var index = 0;
        foreach (var element in array.EnumerateArray())
        {
            var path = $"prompts[{index++}]";
            if (element.ValueKind != JsonValueKind.Object)
            {
                errors.Add($"{path}: expected an object with id, text and themes.");
                continue;
            }

            var id = String(element, "id");
            var text = String(element, "text");
            var problems = errors.Count;
            if (string.IsNullOrWhiteSpace(id))
            {
                errors.Add($"{path}.id: a prompt needs an id (letters, digits, '-').");
            }
            else if (id.Length > 60 || id.Any(c => !(char.IsAsciiLetterOrDigit(c) || c is '-' or '_')))
            {
                errors.Add($"{path}.id: '{id}' must be at most 60 letters, digits, '-' or '_'.");
            }
            else if (!ids.Add(id))
            {
                errors.Add($"{path}.id: '{id}' is used by more than one prompt.");
            }

            if (string.IsNullOrWhiteSpace(text))
            {
                errors.Add($"{path}.text: a prompt needs text.");
            }
            else if (text.Length > MaxTextLength)
            {
                errors.Add($"{path}.text: {text.Length} characters is longer than {MaxTextLength}.");
            }

            var themes = new List<PromptTheme>();
            if (!element.TryGetProperty("themes", out var themeArray) || themeArray.ValueKind != JsonValueKind.Array || themeArray.GetArrayLength() == 0)
            {
                errors.Add($"{path}.themes: at least one theme is required ({string.Join(", ", ThemeNames.Keys.Where(k => k != "checkin"))}).");
            }
            else
            {
                var t = 0;
                foreach (var theme in themeArray.EnumerateArray())
                {
                    var name = theme.ValueKind == JsonValueKind.String ? theme.GetString() : null;
                    if (name is not null && ThemeNames.TryGetValue(name, out var value))
                    {
                        if (!themes.Contains(value))
                        {
                            themes.Add(value);
                        }
                    }
                    else
                    {
                        errors.Add($"{path}.themes[{t}]: '{name ?? theme.GetRawText()}' is not a theme; use one of {string.Join(", ", ThemeNames.Keys.Where(k => k != "checkin"))}.");
                    }

                    t++;
                }
            }

            if (errors.Count == problems)
            {
                prompts.Add(new Prompt(id!, text!.Trim(), themes));
            }
        }

        return prompts;
    }

    private static string? String(JsonElement element, string name) =>
        element.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.String ? value.GetString() : null;
}
