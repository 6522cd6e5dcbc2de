using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using PeerBot.Core.Safety;

namespace PeerBot.Storage.Safety;

/// <summary>Registration of the LiteDB safety store.</summary>
public static class SafetyStorageServiceCollectionExtensions
{
    /// <summary>
    /// Registers <see cref="LiteDbAlertStore"/> as the <see cref="IAlertStore"/> and <see cref="LiteDbSpiralEntryStore"/>
    /// as the <see cref="ISpiralEntryStore"/>; needs a <see cref="PeerBotDatabase"/> singleton.
    /// </summary>
    public static IServiceCollection AddLiteDbSafetyStore(this IServiceCollection services)
    {
        ArgumentNullException.ThrowIfNull(services);
        services.RemoveAll<IAlertStore>();
        services.AddSingleton<IAlertStore, LiteDbAlertStore>();
        services.RemoveAll<ISpiralEntryStore>();
        services.AddSingleton<ISpiralEntryStore, LiteDbSpiralEntryStore>();
        return services;
    }
}
