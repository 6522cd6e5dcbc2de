using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;
using PeerBot.Core.Configuration;
using PeerBot.Core.People;
using PeerBot.Core.Platform;

namespace PeerBot.Core;

/// <summary>Registration of what every feature stands on: options, time, people, platforms.</summary>
public static class CoreRegistration
{
    /// <summary>
    /// Registers validated <see cref="PeerBotOptions"/> (checked at start), the system <see cref="TimeProvider"/>,
    /// the people directory and the platform registry.
    /// </summary>
    public static IServiceCollection AddPeerBotCore(this IServiceCollection services, IConfiguration configuration)
    {
        ArgumentNullException.ThrowIfNull(configuration);
        services.AddOptions<PeerBotOptions>()
            .Bind(configuration.GetSection(PeerBotOptions.SectionName))
            .ValidateOnStart();
        services.AddSingleton<IValidateOptions<PeerBotOptions>, PeerBotOptionsValidation>();
        services.TryAddSingleton(TimeProvider.System);
        services.TryAddSingleton(sp => new PeopleDirectory(sp.GetRequiredService<IOptions<PeerBotOptions>>().Value.People));
        services.TryAddSingleton<IPeopleDirectory>(sp => sp.GetRequiredService<PeopleDirectory>());
        services.TryAddSingleton<IPlatformRegistry, PlatformRegistry>();
        return services;
    }

    private sealed class PeerBotOptionsValidation : IValidateOptions<PeerBotOptions>
    {
        public ValidateOptionsResult Validate(string? name, PeerBotOptions options)
        {
            var problems = PeerBotOptionsValidator.Validate(options);
            return problems.Count == 0
                ? ValidateOptionsResult.Success
                : ValidateOptionsResult.Fail(problems.Select(p => p.ToString()));
        }
    }
}
