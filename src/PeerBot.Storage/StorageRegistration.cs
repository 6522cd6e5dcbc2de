using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;
using PeerBot.Core.Configuration;
using PeerBot.Core.Platform;
using PeerBot.Storage.Digest;
using PeerBot.Storage.Platform;
using PeerBot.Storage.Safety;

namespace PeerBot.Storage;

/// <summary>Registration of the LiteDB database and every feature's store over it.</summary>
public static class StorageRegistration
{
    /// <summary>
    /// Registers the shared database, opened at <c>Storage:Path</c>; <see cref="StorageStartCheck"/>, which opens it
    /// as the host starts so that a damaged file stops the start; and the stores of groups, prompts, safety,
    /// sharing, commands and the digest, the adapters' direct-message channels, and the send journal that makes
    /// messages go exactly once.
    /// </summary>
    public static IServiceCollection AddLiteDbStorage(this IServiceCollection services)
    {
        services.TryAddSingleton(sp => PeerBotDatabase.OpenFile(sp.GetRequiredService<IOptions<PeerBotOptions>>().Value.Storage.Path));
        services.AddHostedService<StorageStartCheck>();
        services.TryAddSingleton<IDirectChannelStore, LiteDbDirectChannelStore>();
        services.TryAddSingleton<ISendJournal, LiteDbSendJournal>();
        return services
            .AddLiteDbGroupStore()
            .AddLiteDbPromptStore()
            .AddLiteDbSafetyStore()
            .AddSharingStorage()
            .AddCommandStorage()
            .AddDigestStorage();
    }
}
