using Microsoft.Extensions.Options;
using PeerBot.Core.Configuration;

namespace PeerBot.Core.Prompts;

/// <summary>Validates the prompt library file at start; errors name the file, the prompt and the field.</summary>
public sealed class PromptsOptionsValidator : IValidateOptions<PeerBotOptions>
{
    /// <inheritdoc />
    public ValidateOptionsResult Validate(string? name, PeerBotOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var library = PromptLibrary.Load(options.Prompts);
        return library.Succeeded ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(library.Error!.Split('\n'));
    }
}
