using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;
using PeerBot.Core.Configuration;
using PeerBot.Core.People;
using PeerBot.Core.Platform;
using PeerBot.Storage;

namespace PeerBot.Tests;

public class HostCompositionTests : IDisposable
{
    private readonly string _folder = Path.Combine(Path.GetTempPath(), "peerbot-host-tests", Guid.NewGuid().ToString("N"));

    public void Dispose()
    {
        if (Directory.Exists(_folder))
        {
            Directory.Delete(_folder, recursive: true);
        }

        GC.SuppressFinalize(this);
    }

    private HostApplicationBuilder Builder(Dictionary<string, string?> extra)
    {
        var example = Path.Combine(AppContext.BaseDirectory, "appsettings.example.json");
        return PeerBotHost.CreateBuilder(example, configuration =>
        {
            configuration.AddInMemoryCollection(new Dictionary<string, string?>(extra)
            {
                ["PeerBot:Storage:Path"] = Path.Combine(_folder, "peerbot.db"),
                ["PeerBot:Anonymity:KeyPath"] = Path.Combine(_folder, "anonymity.key"),
                ["PeerBot:Sandbox:StoragePath"] = Path.Combine(_folder, "sandbox.db"),
                ["PeerBot:Sandbox:Port"] = "0",
            });
        });
    }

    [Fact]
    public void Build_NoPlatformConfigured_RunsEverythingInTheSandbox()
    {
        // The builder turns on ValidateOnBuild and ValidateScopes: Build() throws on any registration it cannot satisfy.
        using var host = Builder([]).Build();

        Assert.NotNull(host.Services.GetRequiredService<IOptions<PeerBotOptions>>().Value);
        Assert.Equal(16, host.Services.GetRequiredService<IPeopleDirectory>().All.Count);
        var platform = Assert.Single(host.Services.GetRequiredService<IPlatformRegistry>().Platforms);
        Assert.Equal(PlatformKind.Sandbox, platform.Kind);
        var database = host.Services.GetRequiredService<PeerBotDatabase>();
        Assert.Equal(PeerBotDatabase.CurrentSchemaVersion, database.SchemaVersion);
        Assert.Equal(Path.Combine(_folder, "sandbox.db"), database.Path);
        Assert.IsType<PeerBot.Sandbox.SandboxClock>(host.Services.GetRequiredService<TimeProvider>());

        // Ctrl-C and SIGTERM stop the host gracefully.
        Assert.Equal("ConsoleLifetime", host.Services.GetRequiredService<IHostLifetime>().GetType().Name);
    }

    [Fact]
    public void Build_BothPlatformsConfigured_RegistersBothAdaptersAndEveryFeature()
    {
        using var host = Builder(new()
        {
            ["PeerBot:Discord:Token"] = "test-discord-token",
            ["PeerBot:Slack:BotToken"] = "xoxb-test",
            ["PeerBot:Slack:AppToken"] = "xapp-test",
        }).Build();

        var platforms = host.Services.GetRequiredService<IPlatformRegistry>().Platforms.Select(p => p.Kind).Order().ToList();
        Assert.Equal([PlatformKind.Discord, PlatformKind.Slack], platforms);
        Assert.Same(TimeProvider.System, host.Services.GetRequiredService<TimeProvider>());
        Assert.Equal(Path.Combine(_folder, "peerbot.db"), host.Services.GetRequiredService<PeerBotDatabase>().Path);
        Assert.NotNull(host.Services.GetRequiredService<IPlatformEventHandler>());
        Assert.NotNull(host.Services.GetRequiredService<PeerBot.Core.Safety.ISafetyMonitor>());
        Assert.IsType<PeerBot.Storage.Safety.LiteDbSpiralEntryStore>(host.Services.GetRequiredService<PeerBot.Core.Safety.ISpiralEntryStore>());
        Assert.Same(host.Services.GetRequiredService<PeerBot.Core.Safety.SafetyMonitor>(), host.Services.GetRequiredService<PeerBot.Core.Safety.ISafetyMonitor>());
        Assert.NotNull(host.Services.GetRequiredService<PeerBot.Core.Groups.IGroupOperations>());

        // Platforms start before the features, so people are resolved before groups are reconciled.
        var hosted = host.Services.GetServices<IHostedService>().Select(s => s.GetType().Name).ToList();
        Assert.True(hosted.IndexOf("DiscordHostedService") < hosted.IndexOf("GroupReconciliationService"), string.Join(", ", hosted));
        Assert.Contains("SpiralRestoreService", hosted);
        Assert.True(hosted.IndexOf("SlackHostedService") < hosted.IndexOf("GroupReconciliationService"), string.Join(", ", hosted));
    }

    [Fact]
    public async Task Start_InvalidOptions_FailsBeforeAnythingRuns()
    {
        using var host = Builder(new() { ["PeerBot:Safety:SpiralMinMessages"] = "1" }).Build();

        var error = await Assert.ThrowsAsync<OptionsValidationException>(() => host.StartAsync());

        Assert.Contains(error.Failures, f => f.StartsWith("PeerBot:Safety:SpiralMinMessages", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Start_ValuesThatCannotBeReadAndBrokenRule_FailsListingEveryOne()
    {
        // The host binds as check-config does: it neither stops at the first bad value nor runs on a default standing in
        // for one; validation at start lists them all.
        using var host = Builder(new()
        {
            ["PeerBot:Anonymity:Review"] = "maybe",
            ["PeerBot:People:0:Role"] = "Intern",
            ["PeerBot:Safety:AlertCooldown"] = "two hours",
            ["PeerBot:Safety:SpiralMinMessages"] = "1",
        }).Build();

        var error = await Assert.ThrowsAsync<OptionsValidationException>(() => host.StartAsync());

        Assert.Contains("PeerBot:Anonymity:Review: \"maybe\" is not true or false", error.Failures);
        Assert.Contains("PeerBot:People:0:Role: \"Intern\" is not one of Resident, Alumni, Psychologist, Coordinator", error.Failures);
        Assert.Contains("PeerBot:Safety:AlertCooldown: \"two hours\" is not a duration (hh:mm:ss, or d.hh:mm:ss)", error.Failures);
        Assert.Contains(error.Failures, f => f.StartsWith("PeerBot:Safety:SpiralMinMessages: at least 2", StringComparison.Ordinal));
    }

    [Fact]
    public void Build_ValidConfiguration_BindsTheOptionsAsTheFile()
    {
        using var host = Builder(new() { ["PeerBot:Anonymity:MaxDelay"] = "00:05:00", ["PeerBot:Groups:0:Platform"] = "Sandbox" }).Build();

        var options = host.Services.GetRequiredService<IOptions<PeerBotOptions>>().Value;

        Assert.Equal(TimeSpan.FromMinutes(5), options.Anonymity.MaxDelay);
        Assert.Equal(PlatformKind.Sandbox, options.Groups[0].Platform);
        Assert.Equal(PersonRole.Psychologist, options.People.Single(p => p.Id == "dr-kim").Role);
    }
}
