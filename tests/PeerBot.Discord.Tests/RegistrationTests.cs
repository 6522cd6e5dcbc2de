using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Moq;
using PeerBot.Core.Configuration;
using PeerBot.Core.Platform;
using PeerBot.Testing.Discord;

namespace PeerBot.Discord.Tests;

public sealed class RegistrationTests
{
    [Fact]
    public void AddDiscord_Container_BuildsWithScopeAndBuildValidation()
    {
        var services = new ServiceCollection();
        services.AddLogging();
        services.AddSingleton(Mock.Of<IHostApplicationLifetime>());
        services.Configure<PeerBotOptions>(o =>
        {
            o.Discord.Token = "t";
            o.Discord.GuildId = "100000000000000001";
        });
        services.AddScoped(_ => Mock.Of<IPlatformEventHandler>());
        services.AddDiscord();

        using var provider = services.BuildServiceProvider(new ServiceProviderOptions { ValidateScopes = true, ValidateOnBuild = true });

        var platform = Assert.Single(provider.GetServices<IChatPlatform>());
        Assert.Equal(PlatformKind.Discord, platform.Kind);
        Assert.Single(provider.GetServices<IHostedService>().OfType<DiscordHostedService>());
    }

    [Fact]
    public async Task Start_DiscordUnavailableAtFirst_RetriesAndConnects()
    {
        await using var h = await AdapterHarness.StartAsync(prepare: e => e.FailNext("GET /users/@me", 503, count: 5));

        Assert.True(h.Emulator.IsConnected);
        Assert.Null(h.Fatal.Message);
        Assert.Contains(h.Logs.Lines, l => l.Level == LogLevel.Warning && l.Text.Contains("not reachable at start", StringComparison.Ordinal));
    }

    [Theory]
    [InlineData("my server", null, "PeerBot:Discord:GuildId")]
    [InlineData(null, "not a url", "PeerBot:Discord:ApiBaseUrl")]
    public async Task Start_BadConfiguration_StopsHostNamingTheKey(string? guildId, string? apiBaseUrl, string key)
    {
        await using var h = await AdapterHarness.StartAsync(waitUntilConnected: false, guildId: guildId, apiBaseUrl: apiBaseUrl);
        var stopping = new TaskCompletionSource();
        h.Host.Services.GetRequiredService<IHostApplicationLifetime>().ApplicationStopping.Register(() => stopping.TrySetResult());

        await stopping.Task.WaitAsync(TimeSpan.FromSeconds(20));

        Assert.Contains(key, h.Fatal.Message, StringComparison.Ordinal);
        Assert.Empty(h.Emulator.Requests);
    }
}
