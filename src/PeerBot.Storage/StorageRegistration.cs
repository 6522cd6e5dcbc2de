using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;
using PeerBot.Core.Configuration;

namespace PeerBot.Storage;

/// <summary>Registration of the LiteDB stores.</summary>
public static class StorageRegistration
{
    /// <summary>
    /// Registers the shared database, opened at <c>Storage:Path</c>, and <see cref="StorageStartCheck"/>, which opens it
    /// as the host starts so that a damaged file stops the start.
    /// </summary>
    public static IServiceCollection AddLiteDbStorage(this IServiceCollection services)
    {
        services.TryAddSingleton(sp => PeerBotDatabase.OpenFile(sp.GetRequiredService<IOptions<PeerBotOptions>>().Value.Storage.Path));
        services.AddHostedService<StorageStartCheck>();
        return services;
    }
}
