using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;
using PeerBot.Core.Configuration;
using PeerBot.Core.Groups;

namespace PeerBot.Core.Prompts;

/// <summary>Registration of the prompts feature.</summary>
public static class PromptsServiceCollectionExtensions
{
    /// <summary>
    /// Adds the prompt library (built-in, or per <c>Prompts:LibraryPath</c>), prompt posting, reset check-ins,
    /// <see cref="IGroupOperations"/>, and the scheduler as a hosted service. Needs <see cref="GroupsServiceCollectionExtensions.AddGroups"/>
    /// an <see cref="IPromptStore"/> and <see cref="Sharing.IAuthorHandles"/> (check-in answer marks are made under the anonymity key).
    /// </summary>
    public static IServiceCollection AddPrompts(this IServiceCollection services)
    {
        ArgumentNullException.ThrowIfNull(services);
        services.TryAddSingleton(TimeProvider.System);
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<PeerBotOptions>, PromptsOptionsValidator>());
        services.TryAddSingleton(sp =>
        {
            var loaded = PromptLibrary.Load(sp.GetRequiredService<IOptions<PeerBotOptions>>().Value.Prompts);
            return loaded.Succeeded ? loaded.Value! : throw new OptionsValidationException(PeerBotOptions.SectionName, typeof(PeerBotOptions), [loaded.Error!]);
        });
        services.TryAddSingleton<PromptService>();
        services.TryAddSingleton<CheckInService>();
        services.TryAddSingleton<ICheckInService>(sp => sp.GetRequiredService<CheckInService>());
        services.TryAddSingleton<ICheckInAnswers>(sp => sp.GetRequiredService<CheckInService>());
        services.TryAddSingleton<IGroupOperations, GroupOperations>();
        services.TryAddSingleton<PromptScheduler>();
        services.TryAddSingleton<PromptSchedulerService>();
        services.AddHostedService(sp => sp.GetRequiredService<PromptSchedulerService>());
        return services;
    }
}
