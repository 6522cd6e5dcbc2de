using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;
using PeerBot.Core.Commands;
using PeerBot.Core.Configuration;
using PeerBot.Core.Groups;
using PeerBot.Core.People;
using PeerBot.Core.Platform;
using PeerBot.Core.Safety;
using PeerBot.Core.Sharing;
using PeerBot.Testing;
using PeerBot.Testing.Sharing;

namespace PeerBot.Storage.Tests.Sharing;

public sealed class RegistrationTests : IDisposable
{
    private readonly string _folder = Directory.CreateTempSubdirectory("peerbot-di-").FullName;

    private ServiceCollection Services(Action<PeerBotOptions>? configure = null)
    {
        var services = new ServiceCollection();
        services.AddLogging();
        services.AddOptions<PeerBotOptions>().Configure(o =>
        {
            o.Anonymity.KeyPath = Path.Combine(_folder, "anonymity.key");
            configure?.Invoke(o);
        });
        services.AddSingleton(_ => PeerBotDatabase.OpenInMemory());
        services.AddSingleton<IPeopleDirectory>(new PeopleDirectory([]));
        services.AddSingleton<IGroupDirectory, FakeGroupDirectory>();
        services.AddSingleton<IGroupOperations, FakeGroupOperations>();
        services.AddSingleton<IMemberPauses, FakeMemberPauses>();
        services.AddSingleton<ICheckInAnswers, FakeCheckInAnswers>();
        services.AddSingleton<FakeSafetyMonitor>();
        services.AddSingleton<ISafetyMonitor>(sp => sp.GetRequiredService<FakeSafetyMonitor>());
        services.AddSingleton<ISafetyDataEraser>(sp => sp.GetRequiredService<FakeSafetyMonitor>());
        services.AddSingleton<IAlertService, FakeAlertService>();
        services.AddSingleton<IChatPlatform>(new FakeChatPlatform(PlatformKind.Slack));
        services.AddSingleton<IPlatformRegistry, PlatformRegistry>();
        services.AddSharing().AddCommands().AddSharingStorage().AddCommandStorage();
        return services;
    }

    [Fact]
    public async Task Container_WithValidation_ResolvesHandlerAndStartsKeyCheck()
    {
        using var provider = Services().BuildServiceProvider(new ServiceProviderOptions { ValidateOnBuild = true, ValidateScopes = true });

        var handler = provider.GetRequiredService<IPlatformEventHandler>();
        var hosted = provider.GetServices<IHostedService>().ToList();
        foreach (var service in hosted.OfType<AnonymityKeyCheck>())
        {
            await service.StartAsync(default);
        }

        Assert.IsType<PeerEventHandler>(handler);
        Assert.Contains(hosted, h => h is AnonymousDeliveryWorker);
        Assert.Equal(14, provider.GetServices<IPeerSubcommand>().Count());
        Assert.True(File.Exists(Path.Combine(_folder, "anonymity.key")));
    }

    [Fact]
    public void Container_KeyMissingAfterFirstRun_ClearStartupError()
    {
        using (var provider = Services().BuildServiceProvider())
        {
            _ = provider.GetRequiredService<IAuthorHandles>();
        }

        // The same store (a fingerprint is recorded) but the key file is gone.
        var services = Services();
        var db = PeerBotDatabase.OpenInMemory();
        new Storage.Sharing.LiteAnonymityKeyRecord(db).RecordFingerprint("fp-of-lost-key");
        services.AddSingleton(db);
        File.Delete(Path.Combine(_folder, "anonymity.key"));
        using var second = services.BuildServiceProvider();

        var ex = Assert.Throws<AnonymityKeyException>(() => second.GetRequiredService<IAuthorHandles>());
        Assert.Contains("is missing", ex.Message, StringComparison.Ordinal);
        Assert.False(File.Exists(Path.Combine(_folder, "anonymity.key")));
    }

    [Fact]
    public void OptionsValidation_BadAnonymitySettings_ListsEveryProblem()
    {
        using var provider = Services(o =>
        {
            o.Anonymity.MinDelay = TimeSpan.FromMinutes(5);
            o.Anonymity.MaxDelay = TimeSpan.FromMinutes(1);
            o.Anonymity.MaxPerDay = 0;
            o.Anonymity.MaxLength = 0;
        }).BuildServiceProvider();

        var ex = Assert.Throws<OptionsValidationException>(() => provider.GetRequiredService<IOptions<PeerBotOptions>>().Value);

        Assert.Contains(ex.Failures, f => f.Contains("MaxDelay (00:01:00) must not be shorter than MinDelay (00:05:00)", StringComparison.Ordinal));
        Assert.Contains(ex.Failures, f => f.Contains("MaxPerDay must be at least 1", StringComparison.Ordinal));
        Assert.Contains(ex.Failures, f => f.Contains("MaxLength must be between 1 and 4000", StringComparison.Ordinal));
    }

    public void Dispose() => Directory.Delete(_folder, recursive: true);
}
