using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using PeerBot.Core.Groups;
using PeerBot.Core.Prompts;
using PeerBot.Storage.Groups;
using PeerBot.Storage.Prompts;

namespace PeerBot.Storage;

/// <summary>Registration of the LiteDB stores of the groups and prompts features.</summary>
public static class GroupAndPromptStorageServiceCollectionExtensions
{
    /// <summary>Adds <see cref="IGroupStore"/> over the registered <see cref="PeerBotDatabase"/>.</summary>
    public static IServiceCollection AddLiteDbGroupStore(this IServiceCollection services)
    {
        ArgumentNullException.ThrowIfNull(services);
        services.TryAddSingleton<IGroupStore, LiteDbGroupStore>();
        return services;
    }

    /// <summary>Adds <see cref="IPromptStore"/> over the registered <see cref="PeerBotDatabase"/>.</summary>
    public static IServiceCollection AddLiteDbPromptStore(this IServiceCollection services)
    {
        ArgumentNullException.ThrowIfNull(services);
        services.TryAddSingleton<IPromptStore, LiteDbPromptStore>();
        return services;
    }
}
