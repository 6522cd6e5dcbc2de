using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;
using PeerBot.Core.Configuration;

namespace PeerBot.Core.Safety;

/// <summary>Registration of the safety engine.</summary>
public static class SafetyServiceCollectionExtensions
{
    /// <summary>
    /// Registers the classifier, the spiral detector, the live monitor, alert handling and the maintenance
    /// service (delivery retries, excerpt purge), and validates <c>PeerBot:Safety</c> at start.
    /// Needs an <see cref="IAlertStore"/> (the LiteDB one from PeerBot.Storage, or <see cref="InMemoryAlertStore"/>),
    /// and the shared <see cref="Platform.IPlatformRegistry"/>, <see cref="Groups.IGroupDirectory"/> and
    /// <see cref="People.IPeopleDirectory"/>.
    /// </summary>
    public static IServiceCollection AddSafety(this IServiceCollection services)
    {
        ArgumentNullException.ThrowIfNull(services);
        services.AddOptions<PeerBotOptions>();
        services.TryAddSingleton(TimeProvider.System);
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<PeerBotOptions>, SafetyOptionsValidation>());
        services.TryAddSingleton<IMessageClassifier>(sp => new RuleBasedClassifier(sp.GetRequiredService<IOptions<PeerBotOptions>>().Value.Safety));
        services.TryAddSingleton(sp => new SpiralDetector(sp.GetRequiredService<IOptions<PeerBotOptions>>().Value.Safety));
        services.TryAddSingleton<AlertIdGenerator>(_ => new AlertIdGenerator());
        services.TryAddSingleton<AlertDelivery>();
        services.TryAddSingleton<ISafetyMonitor, SafetyMonitor>();
        services.TryAddSingleton<IAlertService, AlertService>();
        services.TryAddSingleton<SafetyMaintenanceService>();
        services.AddHostedService(sp => sp.GetRequiredService<SafetyMaintenanceService>());
        return services;
    }
}
