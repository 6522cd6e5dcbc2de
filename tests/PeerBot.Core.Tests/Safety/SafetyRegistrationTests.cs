using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Moq;
using PeerBot.Core.Configuration;
using PeerBot.Core.Groups;
using PeerBot.Core.People;
using PeerBot.Core.Platform;
using PeerBot.Core.Safety;

namespace PeerBot.Core.Tests.Safety;

public sealed class SafetyRegistrationTests
{
    private static ServiceProvider Build(Action<PeerBotOptions>? configure = null)
    {
        var services = new ServiceCollection();
        services.AddLogging();
        services.Configure<PeerBotOptions>(o => configure?.Invoke(o));
        services.AddSingleton<IAlertStore, InMemoryAlertStore>();
        services.AddSingleton(Mock.Of<IGroupDirectory>());
        services.AddSingleton<IPeopleDirectory>(new PeopleDirectory([]));
        services.AddSingleton<IPlatformRegistry>(new PlatformRegistry([]));
        services.AddSafety();
        return services.BuildServiceProvider(new ServiceProviderOptions { ValidateOnBuild = true, ValidateScopes = true });
    }

    [Fact]
    public void AddSafety_RealContainer_ResolvesEverything()
    {
        using var provider = Build();

        Assert.IsType<RuleBasedClassifier>(provider.GetRequiredService<IMessageClassifier>());
        Assert.IsType<SafetyMonitor>(provider.GetRequiredService<ISafetyMonitor>());
        Assert.IsType<AlertService>(provider.GetRequiredService<IAlertService>());
        Assert.Contains(provider.GetServices<IHostedService>(), s => s is SafetyMaintenanceService);
        Assert.NotNull(provider.GetRequiredService<ILogger<SafetyMonitor>>());
    }

    [Fact]
    public void AddSafety_InvalidSettings_ValidationNamesThePath()
    {
        using var provider = Build(o => o.Safety.SpiralWindow = TimeSpan.Zero);

        var ex = Assert.Throws<OptionsValidationException>(() => provider.GetRequiredService<IOptions<PeerBotOptions>>().Value);

        Assert.Contains("PeerBot:Safety:SpiralWindow", ex.Message, StringComparison.Ordinal);
    }
}
