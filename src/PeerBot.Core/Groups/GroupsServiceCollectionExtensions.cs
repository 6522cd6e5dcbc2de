using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;
using PeerBot.Core.Configuration;

namespace PeerBot.Core.Groups;

/// <summary>Registration of the groups feature.</summary>
public static class GroupsServiceCollectionExtensions
{
    /// <summary>
    /// Adds the group directory, reconciliation (a hosted service that runs at start and on every config or pause change),
    /// member pauses and the validation of groups, formation and schedules. Needs an <see cref="IGroupStore"/>,
    /// an <see cref="People.IPeopleDirectory"/>, an <see cref="Platform.IPlatformRegistry"/> and the bound <see cref="PeerBotOptions"/>.
    /// </summary>
    public static IServiceCollection AddGroups(this IServiceCollection services)
    {
        ArgumentNullException.ThrowIfNull(services);
        services.TryAddSingleton(TimeProvider.System);
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<PeerBotOptions>, GroupsOptionsValidator>());
        services.TryAddSingleton<GroupDirectory>();
        services.TryAddSingleton<IGroupDirectory>(sp => sp.GetRequiredService<GroupDirectory>());
        services.TryAddSingleton<GroupReconciler>();
        services.TryAddSingleton<GroupReconciliationService>();
        services.AddHostedService(sp => sp.GetRequiredService<GroupReconciliationService>());
        services.TryAddSingleton<IMemberPauses, MemberPauses>();
        return services;
    }
}
