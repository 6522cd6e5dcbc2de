using System.Net;
using System.Net.Sockets;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using PeerBot.Core;
using PeerBot.Core.Configuration;
using PeerBot.Core.Platform;
using PeerBot.Sandbox.Tests.Support;
using PeerBot.Sandbox.Web;
using PeerBot.Storage;
using PeerBot.Testing.Hosting;

namespace PeerBot.Sandbox.Tests;

public sealed class SandboxRegistrationTests : IDisposable
{
    private readonly TempFolder _folder = new();

    public void Dispose() => _folder.Dispose();

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public void AddSandbox_EitherOrderWithCoreAndStorage_ReplacesTheClockAndTheDatabase(bool sandboxFirst)
    {
        var builder = Builder(new() { ["PeerBot:Sandbox:StoragePath"] = _folder.File("sandbox.db"), ["PeerBot:Storage:Path"] = _folder.File("real.db") });
        if (sandboxFirst)
        {
            builder.UseSandbox();
        }

        builder.Services.AddPeerBotCore(builder.Configuration);
        builder.Services.AddLiteDbStorage();
        if (!sandboxFirst)
        {
            builder.UseSandbox();
        }

        using var host = builder.Build();

        var clock = host.Services.GetRequiredService<TimeProvider>();
        Assert.Same(host.Services.GetRequiredService<SandboxClock>(), clock);
        Assert.Equal(_folder.File("sandbox.db"), host.Services.GetRequiredService<PeerBotDatabase>().Path);
        Assert.False(File.Exists(_folder.File("real.db")), "a real program's database is never touched in sandbox mode");
        // Reached through the send journal, so a keyed message goes exactly once.
        var platform = Assert.IsType<ExactlyOncePlatform>(host.Services.GetRequiredService<IPlatformRegistry>().Find(PlatformKind.Sandbox));
        Assert.IsType<SandboxChatPlatform>(platform.Inner);
        Assert.Single(host.Services.GetServices<IChatPlatform>());
        Assert.Contains(host.Services.GetServices<IHostedService>(), s => s is SandboxWebHost);
    }

    [Fact]
    public void UseSandbox_Explicitly_HidesConfiguredPlatformsForThisRun()
    {
        var builder = Builder(new()
        {
            ["PeerBot:Sandbox:StoragePath"] = _folder.File("sandbox.db"),
            ["PeerBot:Discord:Token"] = "configured-token",
            ["PeerBot:Discord:GuildId"] = "123456789012345678",
        });

        builder.UseSandbox(explicitly: true);

        var options = new PeerBotOptions();
        builder.Configuration.GetSection(PeerBotOptions.SectionName).Bind(options);
        Assert.True(options.UsesSandbox());
        Assert.Equal(PlatformKind.Sandbox, options.ResolvePlatform(PlatformKind.Discord));
    }

    [Fact]
    public void UseSandbox_NoAnonymityKeyNamed_KeepsTheDemosKeyBesideTheSandboxDatabase()
    {
        var builder = Builder(new() { ["PeerBot:Sandbox:StoragePath"] = "demo/sandbox.db" });

        builder.UseSandbox();

        Assert.Equal(Path.Combine("demo", "sandbox-anonymity.key"), builder.Configuration["PeerBot:Anonymity:KeyPath"]);
    }

    [Fact]
    public void UseSandbox_AnonymityKeyNamed_KeepsTheUsersChoice()
    {
        var builder = Builder(new() { ["PeerBot:Anonymity:KeyPath"] = "/secure/key" });

        builder.UseSandbox();

        Assert.Equal("/secure/key", builder.Configuration["PeerBot:Anonymity:KeyPath"]);
    }

    [Fact]
    public void AddSandbox_ClockMovedForwardThenRestarted_StartsWithTheSameOffset()
    {
        DateTimeOffset movedTo;
        using (var first = SandboxOnly())
        {
            movedTo = first.Services.GetRequiredService<SandboxClock>().Advance(TimeSpan.FromDays(3));
        }

        using var restarted = SandboxOnly();
        var clock = restarted.Services.GetRequiredService<SandboxClock>();

        // Messages dated in the moved time are never after "now" once the program starts again.
        Assert.Equal(TimeSpan.FromDays(3), clock.Offset);
        Assert.True(clock.GetUtcNow() >= movedTo, $"now {clock.GetUtcNow():O} is before the time the clock was moved to, {movedTo:O}");
    }

    [Fact]
    public async Task Stop_WithALiveEventStreamOpen_EndsTheStream()
    {
        var builder = Builder(new() { ["PeerBot:Sandbox:StoragePath"] = _folder.File("sandbox.db"), ["PeerBot:Sandbox:Port"] = "0" });
        builder.Services.AddPeerBotCore(builder.Configuration);
        builder.UseSandbox();
        using var host = builder.Build();
        await host.StartAsync();
        var address = await host.Services.GetRequiredService<SandboxWebHost>().Started;
        using var client = new HttpClient { BaseAddress = address };
        using var response = await client.GetAsync("/api/events?as=ana", HttpCompletionOption.ResponseHeadersRead);
        using var reader = new StreamReader(await response.Content.ReadAsStreamAsync());
        Assert.Equal("event: ready", await reader.ReadLineAsync());

        await host.StopAsync();

        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        while (await reader.ReadLineAsync(timeout.Token) is not null)
        {
        }
    }

    [Fact]
    public async Task Start_PortAlreadyTaken_SaysSoAndStopsTheProgram()
    {
        using var taken = new TcpListener(IPAddress.Loopback, 0);
        taken.Start();
        var port = ((IPEndPoint)taken.LocalEndpoint).Port;
        var builder = Builder(new() { ["PeerBot:Sandbox:StoragePath"] = _folder.File("sandbox.db"), ["PeerBot:Sandbox:Port"] = port.ToString(System.Globalization.CultureInfo.InvariantCulture) });
        builder.Services.AddPeerBotCore(builder.Configuration);
        builder.UseSandbox();
        using var host = builder.Build();
        var lifetime = host.Services.GetRequiredService<IHostApplicationLifetime>();

        try
        {
            await host.StartAsync();

            await Assert.ThrowsAnyAsync<IOException>(() => host.Services.GetRequiredService<SandboxWebHost>().Started);
            Assert.True(lifetime.ApplicationStopping.IsCancellationRequested);
            Assert.Equal(1, Environment.ExitCode);
        }
        finally
        {
            Environment.ExitCode = 0;
            await host.StopAsync();
        }
    }

    private IHost SandboxOnly()
    {
        var builder = Builder(new() { ["PeerBot:Sandbox:StoragePath"] = _folder.File("sandbox.db"), ["PeerBot:Sandbox:Port"] = "0" });
        builder.Services.AddPeerBotCore(builder.Configuration);
        builder.UseSandbox();
        return builder.Build();
    }

    private static HostApplicationBuilder Builder(Dictionary<string, string?> settings)
    {
        var builder = Host.CreateEmptyApplicationBuilder(new HostApplicationBuilderSettings { EnvironmentName = "Development" });
        builder.Configuration.AddInMemoryCollection(settings);
        builder.ConfigureContainer(new DefaultServiceProviderFactory(new ServiceProviderOptions { ValidateScopes = true, ValidateOnBuild = true }));
        builder.Services.AddSingleton<IPlatformEventHandler, SilentHandler>();
        builder.Services.AddTestLifetime();
        return builder;
    }

    /// <summary>Core's handler is not needed to compose the sandbox; it is never called here.</summary>
    private sealed class SilentHandler : IPlatformEventHandler
    {
        public Task HandleMessageAsync(IncomingMessage message, CancellationToken cancellationToken) => Task.CompletedTask;

        public Task<InteractionResponse> HandleCommandAsync(CommandInvocation command, CancellationToken cancellationToken) => Task.FromResult(InteractionResponse.Text(""));

        public Task<InteractionResponse> HandleFormAsync(FormSubmission submission, CancellationToken cancellationToken) => Task.FromResult(InteractionResponse.Text(""));

        public Task<InteractionResponse> HandleButtonAsync(ButtonPress press, CancellationToken cancellationToken) => Task.FromResult(InteractionResponse.Text(""));
    }
}
