using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;

namespace PeerBot.Core.Digest;

/// <summary>Registration of the weekly digest.</summary>
public static class DigestServiceCollectionExtensions
{
    /// <summary>
    /// Registers <see cref="DigestBuilder"/>, <see cref="DigestComposer"/>, <see cref="DigestRecorder"/> (which the
    /// message handler, prompts, check-ins and safety feed as events happen), <c>/peer digest</c> and the weekly schedule
    /// (<see cref="DigestSchedulerService"/>, which also needs an <see cref="IDigestSendLog"/>). Needs an <see cref="IDigestCounters"/>
    /// (PeerBot.Storage's <c>AddDigestStorage</c>), an <see cref="IDigestChartRenderer"/> (PeerBot.Charts'
    /// <c>AddDigestCharts</c>) and the sharing feature's <see cref="Sharing.IAuthorHandles"/>. Without this registration
    /// nothing is counted (the offline <c>analyze</c> verb, for one, must not count).
    /// </summary>
    public static IServiceCollection AddDigest(this IServiceCollection services)
    {
        ArgumentNullException.ThrowIfNull(services);
        services.TryAddSingleton<DigestRecorder>();
        services.TryAddSingleton<DigestBuilder>();
        services.TryAddSingleton<DigestComposer>();
        services.AddSingleton<Commands.IPeerSubcommand, Commands.Subcommands.DigestCommand>();
        services.TryAddSingleton<DigestDelivery>();
        services.TryAddSingleton<DigestScheduler>();
        services.AddHostedService<DigestSchedulerService>();
        return services;
    }
}
