using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using PeerBot.Core;
using PeerBot.Core.Groups;
using PeerBot.Core.Platform;
using PeerBot.Sandbox.Web;
using PeerBot.Storage;
using PeerBot.Testing.Hosting;

namespace PeerBot.Sandbox.Tests.Support;

/// <summary>
/// A generic host with the sandbox alone (Core's options, storage, the sandbox with the demo roster), the
/// scripted handler in Core's place and the page on a free loopback port: for the sandbox's own API tests.
/// The program's full host is <see cref="RealSandboxHost"/>. The demo group "Tuesday Circle" gets its channel as reconciliation would make it.
/// </summary>
internal sealed class SandboxTestHost : IAsyncDisposable
{
    public static readonly string[] TuesdayCircle = ["ana", "elena", "isla", "ben", "dr-lee", "dr-kim"];

    private readonly TempFolder _folder = new();
    private IHost? _host;

    public FakeGroups Groups { get; } = new();

    public ScriptedEventHandler Handler => Services.GetRequiredService<ScriptedEventHandler>();

    public SandboxClock Clock => Services.GetRequiredService<SandboxClock>();

    public IChatPlatform Platform => Services.GetRequiredService<IPlatformRegistry>().Find(PlatformKind.Sandbox)!;

    public IServiceProvider Services => _host?.Services ?? throw new InvalidOperationException("Not started.");

    public Uri Address { get; private set; } = null!;

    public ChannelRef GroupChannel { get; private set; } = null!;

    public string StoragePath => _folder.File("sandbox.db");

    public static async Task<SandboxTestHost> StartAsync(Action<IDictionary<string, string?>>? configure = null)
    {
        var host = new SandboxTestHost();
        await host.StartCoreAsync(configure);
        return host;
    }

    public HttpClient CreateClient() => new() { BaseAddress = Address, Timeout = TimeSpan.FromSeconds(30) };

    public async ValueTask DisposeAsync()
    {
        if (_host is not null)
        {
            using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
            await _host.StopAsync(timeout.Token);
            _host.Dispose();
        }

        _folder.Dispose();
    }

    private async Task StartCoreAsync(Action<IDictionary<string, string?>>? configure)
    {
        var settings = new Dictionary<string, string?>
        {
            ["PeerBot:Sandbox:Port"] = "0",
            ["PeerBot:Sandbox:StoragePath"] = StoragePath,
            ["PeerBot:Storage:Path"] = _folder.File("real-program.db"),
            ["Logging:LogLevel:Default"] = "Warning",
        };
        configure?.Invoke(settings);

        var builder = Host.CreateEmptyApplicationBuilder(new HostApplicationBuilderSettings { EnvironmentName = "Development" });
        builder.Configuration.AddInMemoryCollection(settings);
        builder.ConfigureContainer(new DefaultServiceProviderFactory(new ServiceProviderOptions { ValidateScopes = true, ValidateOnBuild = true }));
        builder.Services.AddTestLifetime();
        builder.Services.AddPeerBotCore(builder.Configuration);
        builder.Services.AddLiteDbStorage();
        builder.UseSandbox();
        builder.Services.AddSingleton<ScriptedEventHandler>();
        builder.Services.AddSingleton<IPlatformEventHandler>(sp => sp.GetRequiredService<ScriptedEventHandler>());
        builder.Services.AddSingleton<IGroupDirectory>(Groups);
        builder.Services.AddSingleton<IGroupOperations>(Groups);

        _host = builder.Build();
        await _host.StartAsync();
        Address = await Services.GetRequiredService<SandboxWebHost>().Started.WaitAsync(TimeSpan.FromSeconds(30));

        GroupChannel = await Platform.EnsurePrivateChannelAsync(
            new PrivateChannelSpec("g-tuesday", "Tuesday Circle", "A peer-support group: what is said here stays here.", TuesdayCircle, null),
            CancellationToken.None);
    }
}
