using System.Globalization;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Time.Testing;
using PeerBot.Core.Commands;
using PeerBot.Core.Platform;
using PeerBot.Slack;
using PeerBot.Testing.Sharing;

namespace PeerBot.Testing.Hosting;

/// <summary>
/// The real PeerBot host (<c>PeerBotHost.CreateBuilder</c>: every feature, LiteDB in a temp folder, the adapters the
/// configuration enables) for end-to-end and fault tests. The host's clock is a <see cref="FakeTimeProvider"/>, every
/// log line is captured at Debug and above, every inbound event is recorded on its way to Core, and a fatal adapter
/// error does not set the test process's exit code. Disposing stops every host it started and deletes the folder.
/// </summary>
public sealed class PeerBotTestHost : IAsyncDisposable
{
    private readonly List<IHost> _hosts = [];

    /// <param name="clock">The host's clock.</param>
    /// <param name="name">Names the temp folder (e.g. <c>e2e-discord</c>).</param>
    public PeerBotTestHost(FakeTimeProvider clock, string name)
    {
        Clock = clock;
        Folder = Path.Combine(Path.GetTempPath(), "peerbot-" + name, Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(Folder);
        Settings["PeerBot:Storage:Path"] = DatabasePath;
        Settings["PeerBot:Anonymity:KeyPath"] = KeyPath;

        // These hosts test platforms, delivery and restarts with scripted messages; the lexicon decides them as the tests
        // expect. The semantic engine's decisions are tested in PeerBot.Embeddings.Tests and through analyze (CliTests).
        Settings["PeerBot:Safety:Engine"] = "Lexicon";
    }

    /// <summary>The host's clock.</summary>
    public FakeTimeProvider Clock { get; }

    /// <summary>The temp folder of the database and the anonymity key.</summary>
    public string Folder { get; }

    /// <summary>The LiteDB file (<c>PeerBot:Storage:Path</c>).</summary>
    public string DatabasePath => Path.Combine(Folder, "peerbot.db");

    /// <summary>The anonymity key file (<c>PeerBot:Anonymity:KeyPath</c>), in a folder apart from the database as in production.</summary>
    public string KeyPath => Path.Combine(Folder, "keys", "anonymity.key");

    /// <summary>Every log line of every host, as "Level Category: message [structured values] exception".</summary>
    public ListLoggerProvider Logs { get; } = new();

    /// <summary>Every inbound event of every host.</summary>
    public InboundRecorder Inbound { get; } = new();

    /// <summary>Configuration added in memory, after <see cref="ConfigFile"/> (so it wins).</summary>
    public Dictionary<string, string?> Settings { get; } = new(StringComparer.Ordinal);

    /// <summary>The <c>--config</c> file, if any.</summary>
    public string? ConfigFile { get; set; }

    /// <summary>Runs after the test's own replacements, to tune adapter options or replace more services.</summary>
    public Action<HostApplicationBuilder>? Configure { get; set; }

    /// <summary>Hosts built and not stopped yet, oldest first.</summary>
    public IReadOnlyList<IHost> Hosts => [.. _hosts];

    /// <summary>Builds a host on the folder; it is stopped on dispose unless <see cref="StopAsync"/> stops it first.</summary>
    public IHost Build()
    {
        var builder = PeerBotHost.CreateBuilder(
            ConfigFile,
            configuration => configuration.AddInMemoryCollection(Settings),
            b =>
            {
                b.Services.Replace(ServiceDescriptor.Singleton<TimeProvider>(Clock));
                b.Services.AddTestLifetime();
                b.Services.Replace(ServiceDescriptor.Singleton<ExitCodeSink>(new QuietExitCodeSink()));
                b.Services.Replace(ServiceDescriptor.Singleton<IPlatformEventHandler>(
                    sp => Inbound.Wrap(ActivatorUtilities.CreateInstance<PeerEventHandler>(sp))));
                b.Logging.ClearProviders();
                b.Logging.AddProvider(Logs);
                b.Logging.SetMinimumLevel(LogLevel.Debug);
                Configure?.Invoke(b);
            });
        var host = builder.Build();
        _hosts.Add(host);
        return host;
    }

    /// <summary>Stops and disposes a host this harness built.</summary>
    public async Task StopAsync(IHost host)
    {
        ArgumentNullException.ThrowIfNull(host);
        _hosts.Remove(host);
        try
        {
            await host.StopAsync();
        }
        finally
        {
            host.Dispose();
        }
    }

    /// <summary>Log lines at Warning or above (the adapters warn about every fault they ride out).</summary>
    public IReadOnlyList<string> Warnings => Logs.Lines.Where(l => l.StartsWith("Warning", StringComparison.Ordinal) || IsError(l)).ToList();

    /// <summary>Log lines at Error or Critical.</summary>
    public IReadOnlyList<string> Errors => Logs.Lines.Where(IsError).ToList();

    /// <summary>The last log lines, for a failure message.</summary>
    public string Tail(int lines = 40) => string.Join(Environment.NewLine, Logs.Lines.TakeLast(lines));

    /// <inheritdoc />
    public async ValueTask DisposeAsync()
    {
        try
        {
            foreach (var host in _hosts.ToList())
            {
                await StopAsync(host);
            }
        }
        finally
        {
            Logs.Dispose();
            if (Directory.Exists(Folder))
            {
                Directory.Delete(Folder, recursive: true);
            }
        }
    }

    private static bool IsError(string line) => line.StartsWith("Error", StringComparison.Ordinal) || line.StartsWith("Critical", StringComparison.Ordinal);

    /// <summary>A fatal Slack error would otherwise set the test process's exit code; the test sees it in the log instead.</summary>
    private sealed class QuietExitCodeSink : ExitCodeSink
    {
        public override void Set(int exitCode)
        {
        }
    }
}

/// <summary>Writes people and groups into a host's in-memory configuration (the keys of <c>PeerBot:People</c> and <c>PeerBot:Groups</c>).</summary>
public static class HostSettings
{
    /// <summary>A person at <paramref name="index"/>; <paramref name="discord"/> and <paramref name="slack"/> are ids, usernames or emails.</summary>
    public static void Person(IDictionary<string, string?> settings, int index, string id, string name, string role, int? pgy, string? discord = null, string? slack = null)
    {
        ArgumentNullException.ThrowIfNull(settings);
        var prefix = $"PeerBot:People:{index}:";
        settings[prefix + "Id"] = id;
        settings[prefix + "Name"] = name;
        settings[prefix + "Role"] = role;
        if (pgy is { } year)
        {
            settings[prefix + "Pgy"] = year.ToString(CultureInfo.InvariantCulture);
        }

        if (discord is not null)
        {
            settings[prefix + "Discord"] = discord;
        }

        if (slack is not null)
        {
            settings[prefix + "Slack"] = slack;
        }
    }

    /// <summary>An explicit group at <paramref name="index"/>.</summary>
    public static void Group(IDictionary<string, string?> settings, int index, string name, string platform, string schedule, IReadOnlyList<string> members, IReadOnlyList<string> facilitators)
    {
        ArgumentNullException.ThrowIfNull(settings);
        ArgumentNullException.ThrowIfNull(members);
        ArgumentNullException.ThrowIfNull(facilitators);
        var prefix = $"PeerBot:Groups:{index}:";
        settings[prefix + "Name"] = name;
        settings[prefix + "Platform"] = platform;
        settings[prefix + "Schedule"] = schedule;
        for (var i = 0; i < members.Count; i++)
        {
            settings[prefix + "Members:" + i.ToString(CultureInfo.InvariantCulture)] = members[i];
        }

        for (var i = 0; i < facilitators.Count; i++)
        {
            settings[prefix + "Facilitators:" + i.ToString(CultureInfo.InvariantCulture)] = facilitators[i];
        }
    }
}
