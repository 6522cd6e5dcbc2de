using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using PeerBot.Core.Configuration;
using PeerBot.Core.People;
using PeerBot.Core.Platform;
using PeerBot.Slack.Tests.Support;
using PeerBot.Testing.Slack;

namespace PeerBot.Slack.Tests;

public sealed class SlackHostedServiceTests
{
    private static void AssertStoppedWith(SlackHarness harness, string expected)
    {
        Assert.Equal(1, harness.ExitCode.Code);
        var critical = Assert.Single(harness.Logs.Lines, l => l.Level == LogLevel.Critical);
        Assert.Contains(expected, critical.Message, StringComparison.Ordinal);
        Assert.DoesNotContain(SlackEmulator.BotToken, harness.Logs.AllText, StringComparison.Ordinal);
        Assert.DoesNotContain(SlackEmulator.AppToken, harness.Logs.AllText, StringComparison.Ordinal);
        Assert.Equal(critical.Message["Slack adapter stopped: ".Length..], harness.Host.Services.GetRequiredService<SlackHostedService>().FatalError);
    }

    [Fact]
    public async Task Start_AppTokenRejected_StopsHostSayingWhichTokenToFix()
    {
        await using var harness = await SlackHarness.StartAsync(e => e.FailNextWithError("apps.connections.open", "invalid_auth"), waitUntilConnected: false);

        await harness.StoppingAsync();

        AssertStoppedWith(harness, "PeerBot:Slack:AppToken");
    }

    [Fact]
    public async Task Start_BotTokenRejected_StopsHostSayingWhichTokenToFix()
    {
        await using var harness = await SlackHarness.StartAsync(e => e.RejectAllTokens = true, waitUntilConnected: false);

        await harness.StoppingAsync();

        AssertStoppedWith(harness, "PeerBot:Slack:BotToken");
        Assert.DoesNotContain(harness.Emulator.Calls, c => c.Method == "apps.connections.open");
    }

    [Fact]
    public async Task Running_LinkDisabled_StopsHostSayingToTurnSocketModeOn()
    {
        await using var harness = await SlackHarness.StartAsync();

        await harness.Emulator.SendDisconnectAsync("link_disabled");
        await harness.StoppingAsync();

        AssertStoppedWith(harness, "Turn Socket Mode on");
    }

    [Fact]
    public async Task Start_PersonNotInWorkspace_StopsHostNamingEveryone()
    {
        List<PersonOptions> people =
        [
            new() { Id = "ana", Name = "Ana", Slack = "ana@hospital.org" },
            new() { Id = "ben", Name = "Ben", Slack = "ben@elsewhere.org" },
            new() { Id = "cy", Name = "Cy", Slack = "U0NOBODY" },
            new() { Id = "dee", Name = "Dee", Discord = "123" },
        ];

        await using var harness = await SlackHarness.StartAsync(e => e.AddUser("U0ANA", "ana", "ana@hospital.org"), people: people, waitUntilConnected: false);
        await harness.StoppingAsync();

        AssertStoppedWith(harness, "PeerBot:People:1:Slack (person 'ben'): 'ben@elsewhere.org' not found");
        var message = harness.Logs.Lines.Single(l => l.Level == LogLevel.Critical).Message;
        Assert.Contains("person 'cy'", message, StringComparison.Ordinal);
        Assert.DoesNotContain("person 'ana'", message, StringComparison.Ordinal);
        Assert.DoesNotContain("person 'dee'", message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Start_PeopleByEmailAndId_RecordedInTheDirectory()
    {
        List<PersonOptions> people =
        [
            new() { Id = "ana", Name = "Ana", Slack = "ana@hospital.org" },
            new() { Id = "lee", Name = "Lee", Role = PersonRole.Alumni, Slack = "U0LEE" },
        ];

        await using var harness = await SlackHarness.StartAsync(
            e =>
            {
                e.AddUser("U0ANA", "ana", "ana@hospital.org");
                e.AddUser("U0LEE", "lee");
            },
            people: people);

        var directory = harness.Host.Services.GetRequiredService<IPeopleDirectory>();
        Assert.Equal("U0ANA", directory.PlatformUserId("ana", PlatformKind.Slack));
        Assert.Equal("U0LEE", directory.PlatformUserId("lee", PlatformKind.Slack));
        Assert.Null(harness.ExitCode.Code);
    }

    [Fact]
    public async Task Start_NoCoreHandlerRegistered_StopsHostSayingSo()
    {
        await using var harness = await SlackHarness.StartAsync(waitUntilConnected: false, registerHandler: false);

        await harness.StoppingAsync();

        AssertStoppedWith(harness, "No IPlatformEventHandler is registered");
    }

    [Fact]
    public async Task Start_EmailLookupLacksScope_StopsHostNamingTheScope()
    {
        List<PersonOptions> people = [new() { Id = "ana", Name = "Ana", Slack = "ana@hospital.org" }];

        await using var harness = await SlackHarness.StartAsync(
            e =>
            {
                e.AddUser("U0ANA", "ana", "ana@hospital.org");
                e.FailNextWithError("users.lookupByEmail", "missing_scope", needed: "users:read.email");
            },
            people: people,
            waitUntilConnected: false);
        await harness.StoppingAsync();

        AssertStoppedWith(harness, "'users:read.email'");
    }

    [Theory]
    [InlineData("xoxp-user-token", "xapp-1", "BotToken")]
    [InlineData("xoxb-1", "xoxb-2", "AppToken")]
    public void Start_TokensOfTheWrongKind_FailOptionsValidation(string bot, string app, string key)
    {
        var services = new ServiceCollection();
        services.AddLogging();
        services.AddOptions<PeerBotOptions>().Configure(o =>
        {
            o.Slack.BotToken = bot;
            o.Slack.AppToken = app;
        });
        services.AddSlack();
        using var provider = services.BuildServiceProvider();

        var error = Assert.Throws<OptionsValidationException>(() => provider.GetRequiredService<IOptions<PeerBotOptions>>().Value);

        Assert.Contains("PeerBot:Slack:" + key, error.Message, StringComparison.Ordinal);
        Assert.DoesNotContain(bot, error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void AddSlack_Container_BuildsWithScopeAndBuildValidation()
    {
        var services = new ServiceCollection();
        services.AddLogging();
        services.AddSingleton<IHostApplicationLifetime, StubLifetime>();
        services.AddOptions<PeerBotOptions>().Configure(o =>
        {
            o.Slack.BotToken = "xoxb-1";
            o.Slack.AppToken = "xapp-1";
        });
        services.AddSingleton<IPlatformEventHandler, RecordingEventHandler>();
        services.AddSlack();

        using var provider = services.BuildServiceProvider(new ServiceProviderOptions { ValidateOnBuild = true, ValidateScopes = true });

        var platform = Assert.Single(provider.GetServices<IChatPlatform>());
        Assert.Equal(PlatformKind.Slack, platform.Kind);
        Assert.Single(provider.GetServices<IHostedService>().OfType<SlackHostedService>());
    }

    private sealed class StubLifetime : IHostApplicationLifetime
    {
        public CancellationToken ApplicationStarted => CancellationToken.None;

        public CancellationToken ApplicationStopping => CancellationToken.None;

        public CancellationToken ApplicationStopped => CancellationToken.None;

        public void StopApplication()
        {
        }
    }
}
