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
    /// <remarks>
    /// The options are bound as the command line binds them (<see cref="ConfigurationBinding"/>): a value that cannot be
    /// read is left at its default and fails validation at start together with every broken rule, so the host never
    /// runs on a default standing in for a mistake, and never stops at the first one.
    /// </remarks>
    public static IServiceCollection AddPeerBotCore(this IServiceCollection services, IConfiguration configuration)
    {
        ArgumentNullException.ThrowIfNull(configuration);
        var section = configuration.GetSection(PeerBotOptions.SectionName);
        services.AddOptions<PeerBotOptions>()
            .Configure(options => ConfigurationBinding.BindInto(section, options))
            .ValidateOnStart();
        services.AddSingleton<IValidateOptions<PeerBotOptions>>(new PeerBotOptionsValidation(section));
        services.TryAddSingleton(TimeProvider.System);
        services.TryAddSingleton(sp => new PeopleDirectory(sp.GetRequiredService<IOptions<PeerBotOptions>>().Value.People));
        services.TryAddSingleton<IPeopleDirectory>(sp => sp.GetRequiredService<PeopleDirectory>());
        services.TryAddSingleton<IPlatformRegistry, PlatformRegistry>();
        return services;
    }

    private sealed class PeerBotOptionsValidation(IConfigurationSection section) : IValidateOptions<PeerBotOptions>
    {
        public ValidateOptionsResult Validate(string? name, PeerBotOptions options)
        {
            // The values that could not be read are found again from the configuration (binding is cheap next to a
            // start); the rules then judge the options as configured, later changes by code included.
            var unread = ConfigurationBinding.Bind<PeerBotOptions>(section).Errors;
            var problems = unread.Concat(PeerBotOptionsValidator.Validate(options, unread: unread.Select(p => p.Path).ToList())).ToList();
            return problems.Count == 0
                ? ValidateOptionsResult.Success
                : ValidateOptionsResult.Fail(problems.Select(p => p.ToString()));
        }
    }
}
