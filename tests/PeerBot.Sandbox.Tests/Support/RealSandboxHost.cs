using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using PeerBot.Core.Groups;
using PeerBot.Sandbox.Web;
using PeerBot.Testing.Hosting;

namespace PeerBot.Sandbox.Tests.Support;

/// <summary>
/// The program's own host in sandbox mode (<see cref="PeerBotHost.CreateBuilder"/>): the demo roster, the real
/// Core (groups, prompts, anonymous sharing, commands, safety) and the page on a free loopback port. Only the
/// files (databases, anonymity key) are moved to a temporary folder. Started once the demo groups have their channels.
/// </summary>
internal sealed class RealSandboxHost : IAsyncDisposable
{
    private readonly TempFolder _folder = new();
    private IHost? _host;

    public IServiceProvider Services => _host?.Services ?? throw new InvalidOperationException("Not started.");

    public Uri Address { get; private set; } = null!;

    public SandboxClock Clock => Services.GetRequiredService<SandboxClock>();

    public IGroupDirectory Groups => Services.GetRequiredService<IGroupDirectory>();

    public string Folder => _folder.Path;

    /// <summary>Starts the host; by default returns once the demo groups have their channels.</summary>
    public static async Task<RealSandboxHost> StartAsync(bool waitForChannels = true)
    {
        var host = new RealSandboxHost();
        await host.StartCoreAsync(waitForChannels);
        return host;
    }

    /// <summary>Stops the program (the page stops answering); disposing later is still safe.</summary>
    public async Task StopAsync()
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        await _host!.StopAsync(timeout.Token);
    }

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

    private async Task StartCoreAsync(bool waitForChannels)
    {
        var settings = new Dictionary<string, string?>
        {
            ["PeerBot:Sandbox:Port"] = "0",
            ["PeerBot:Sandbox:StoragePath"] = _folder.File("sandbox.db"),
            ["PeerBot:Anonymity:KeyPath"] = _folder.File("anonymity.key"),
            ["PeerBot:Storage:Path"] = _folder.File("peerbot.db"),
            ["Logging:LogLevel:Default"] = "Warning",
        };

        _host = PeerBotHost.CreateBuilder(
            configFile: null,
            configureConfiguration: c => c.AddInMemoryCollection(settings),
            configure: b => b.Services.AddTestLifetime(),
            sandbox: SandboxMode.Always).Build();
        await _host.StartAsync();
        Address = await Services.GetRequiredService<SandboxWebHost>().Started.WaitAsync(TimeSpan.FromSeconds(30));
        if (!waitForChannels)
        {
            return;
        }

        // Reconciliation runs in the background; the page is only worth opening once the groups have channels.
        var reconciliation = Services.GetRequiredService<GroupReconciliationService>();
        for (var attempt = 0; attempt < 5 && !AllGroupsHaveChannels(); attempt++)
        {
            await reconciliation.RequestReconcile().WaitAsync(TimeSpan.FromSeconds(30));
        }

        Assert.NotEmpty(Groups.All());
        Assert.All(Groups.All(), g => Assert.NotNull(g.Channel));
    }

    private bool AllGroupsHaveChannels() => Groups.All() is { Count: > 0 } groups && groups.All(g => g.Channel is not null);

    /// <summary>The demo group called <paramref name="name"/>.</summary>
    public GroupInfo Group(string name) => Groups.All().Single(g => g.Name == name);
}
