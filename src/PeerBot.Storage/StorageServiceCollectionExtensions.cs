using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using PeerBot.Core.Commands;
using PeerBot.Core.Sharing;
using PeerBot.Storage.Commands;
using PeerBot.Storage.Sharing;

namespace PeerBot.Storage;

/// <summary>Registrations of the LiteDB stores of sharing and commands. They need a <see cref="PeerBotDatabase"/> singleton.</summary>
public static class SharingStorageServiceCollectionExtensions
{
    /// <summary>Registers the anonymous post store (the outbox), author mutes and the anonymity key record.</summary>
    public static IServiceCollection AddSharingStorage(this IServiceCollection services)
    {
        services.TryAddSingleton<IAnonymousPostStore, LiteAnonymousPostStore>();
        services.TryAddSingleton<IAuthorMuteStore, LiteAuthorMuteStore>();
        services.TryAddSingleton<IAnonymityKeyRecord, LiteAnonymityKeyRecord>();
        return services;
    }

    /// <summary>Registers the audit log and the stats counters.</summary>
    public static IServiceCollection AddCommandStorage(this IServiceCollection services)
    {
        services.TryAddSingleton<IAuditLog, LiteAuditLog>();
        services.TryAddSingleton<IStatsCounters, LiteStatsCounters>();
        return services;
    }
}
