using Microsoft.Extensions.Options;
using PeerBot.Core.Configuration;

namespace PeerBot.Core.Safety;

/// <summary>Checks the <c>Safety</c> settings; every problem is named by its configuration path.</summary>
public sealed class SafetyOptionsValidation : IValidateOptions<PeerBotOptions>
{
    /// <summary>Every problem with the safety settings, each starting with its configuration path; empty when valid.</summary>
    public static IReadOnlyList<string> Problems(SafetyOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var problems = new List<string>();
        const string Prefix = "PeerBot:Safety:";
        if (options.SpiralWindow <= TimeSpan.Zero)
        {
            problems.Add($"{Prefix}SpiralWindow must be longer than zero (it is {options.SpiralWindow}).");
        }

        if (options.SpiralMinMessages < 1)
        {
            problems.Add($"{Prefix}SpiralMinMessages must be at least 1 (it is {options.SpiralMinMessages}).");
        }

        if (options.SpiralMinPeople < 1)
        {
            problems.Add($"{Prefix}SpiralMinPeople must be at least 1 (it is {options.SpiralMinPeople}).");
        }
        else if (options.SpiralMinPeople > options.SpiralMinMessages)
        {
            problems.Add($"{Prefix}SpiralMinPeople ({options.SpiralMinPeople}) cannot exceed SpiralMinMessages ({options.SpiralMinMessages}).");
        }

        if (options.AlertCooldown < TimeSpan.Zero)
        {
            problems.Add($"{Prefix}AlertCooldown cannot be negative (it is {options.AlertCooldown}).");
        }

        if (options.CopingCooldown <= TimeSpan.Zero)
        {
            problems.Add($"{Prefix}CopingCooldown must be longer than zero (it is {options.CopingCooldown}).");
        }

        if (options.ExcerptRetention <= TimeSpan.Zero)
        {
            problems.Add($"{Prefix}ExcerptRetention must be longer than zero (it is {options.ExcerptRetention}).");
        }

        if (string.IsNullOrWhiteSpace(options.CrisisMessage))
        {
            problems.Add($"{Prefix}CrisisMessage must not be empty: it is what a person in crisis is sent.");
        }

        if (double.IsNaN(options.FatalismThreshold) || options.FatalismThreshold <= 0 || options.FatalismThreshold > 1)
        {
            problems.Add($"{Prefix}FatalismThreshold must be above 0 and at most 1 (it is {options.FatalismThreshold}).");
        }

        return problems;
    }

    /// <inheritdoc />
    public ValidateOptionsResult Validate(string? name, PeerBotOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var problems = Problems(options.Safety);
        return problems.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(problems);
    }
}
