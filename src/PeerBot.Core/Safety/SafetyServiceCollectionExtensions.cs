using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;
using PeerBot.Core.Configuration;

namespace PeerBot.Core.Safety;

/// <summary>Registration of the safety engine.</summary>
public static class SafetyServiceCollectionExtensions
{
    /// <summary>
    /// Registers the classifier, the spiral detector, the live monitor, alert handling, the maintenance
    /// service (delivery retries, excerpt and spiral-window purge) and the start-up restore of the spiral window
    /// (<see cref="SpiralRestoreService"/>), and validates <c>PeerBot:Safety</c> at start.
    /// Needs an <see cref="IAlertStore"/> (the LiteDB one from PeerBot.Storage, or <see cref="InMemoryAlertStore"/>).
    /// Keeps the spiral window in the registered <see cref="ISpiralEntryStore"/> (the LiteDB one from PeerBot.Storage,
    /// registered before this); without one, in an <see cref="InMemorySpiralEntryStore"/> that does not survive a restart.
    /// Also needs the shared <see cref="Platform.IPlatformRegistry"/>, <see cref="Groups.IGroupDirectory"/> and
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
        services.TryAddSingleton<ISpiralEntryStore, InMemorySpiralEntryStore>();
        // The monitor classifies through the batch, so a platform's message loop can classify what it has queued together.
        services.TryAddSingleton(sp => new ClassificationBatch(sp.GetRequiredService<IMessageClassifier>()));
        services.TryAddSingleton(sp => ActivatorUtilities.CreateInstance<SafetyMonitor>(sp, sp.GetRequiredService<ClassificationBatch>()));
        services.TryAddSingleton<ISafetyMonitor>(sp => sp.GetRequiredService<SafetyMonitor>());
        services.TryAddSingleton<ISafetyDataEraser>(sp => sp.GetRequiredService<SafetyMonitor>());
        services.TryAddSingleton<IAlertService, AlertService>();
        services.TryAddSingleton<SafetyMaintenanceService>();
        services.AddHostedService(sp => sp.GetRequiredService<SafetyMaintenanceService>());
        services.TryAddSingleton<SpiralRestoreService>();
        services.AddHostedService(sp => sp.GetRequiredService<SpiralRestoreService>());
        return services;
    }
}
