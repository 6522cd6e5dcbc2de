using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using PeerBot.Core.Digest;

namespace PeerBot.Storage.Digest;

/// <summary>Registration of the digest's LiteDB store. Needs a <see cref="PeerBotDatabase"/> singleton.</summary>
public static class DigestStorageServiceCollectionExtensions
{
    /// <summary>Registers <see cref="LiteDigestCounters"/> and <see cref="LiteDigestSendLog"/>.</summary>
    public static IServiceCollection AddDigestStorage(this IServiceCollection services)
    {
        services.TryAddSingleton<IDigestCounters, LiteDigestCounters>();
        services.TryAddSingleton<IDigestSendLog, LiteDigestSendLog>();
        return services;
    }
}
