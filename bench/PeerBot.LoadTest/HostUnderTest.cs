using System.Diagnostics;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace PeerBot.LoadTest;

/// <summary>The PeerBot host being measured, started from a configuration file.</summary>
internal abstract class HostUnderTest : IAsyncDisposable
{
    /// <summary>The process whose memory and CPU are the host's figures.</summary>
    public abstract Process Process { get; }

    /// <summary>What the figures cover.</summary>
    public abstract string Description { get; }

    /// <summary>True when the host's process is gone (a crash; the scenario stops waiting).</summary>
    public virtual bool HasExited => false;

    public static HostUnderTest Create(LoadOptions options, string configFile, string folder) => options.Host switch
    {
        HostKind.InProcess => new InProcessHost(configFile, options.RealSlackTiers),
        HostKind.Executable => new ChildHost(
            ["exec", options.HostPath!, "run", "--config", configFile],
            folder,
            reports: false,
            "the published or built peerbot alone (dotnet peerbot.dll run), measured from outside"),
        HostKind.DiscordJsPeer => new ChildHost(
            [options.PeerScript!, "--config", configFile, "--model", ModelFolder()],
            folder,
            reports: false,
            "the discord.js peer alone (node peer.mjs), not PeerBot, measured from outside",
            program: "node"),
        _ => new ChildHost(
            [
                "exec",
                "--runtimeconfig", RuntimeConfig(),
                typeof(HostMode).Assembly.Location,
                HostMode.Verb, "--config", configFile,
                .. options.RealSlackTiers ? Array.Empty<string>() : ["--lift-slack-tiers"],
            ],
            folder,
            reports: true,
            "the host alone, in its own process with peerbot's runtime configuration"),
    };

    public abstract Task StartAsync();

    /// <summary>At ready: collect and forget the peaks, so the burst's are its own.</summary>
    public abstract Task ResetAsync();

    /// <summary>The host's own GC figures (<see cref="GcFigures.Report"/>), or null when it cannot tell them.</summary>
    public abstract Task<Dictionary<string, string>?> ReportAsync();

    public abstract int Warnings { get; }

    public abstract int Errors { get; }

    public abstract Task StopAsync();

    public abstract ValueTask DisposeAsync();

    private static string ModelFolder()
    {
        // The MiniLM files PeerBot loads, copied next to this program by the project reference: the peer loads the same.
        var path = Path.Combine(AppContext.BaseDirectory, "models");
        return File.Exists(Path.Combine(path, "all-MiniLM-L6-v2.onnx")) ? path : throw new FileNotFoundException("the MiniLM model is not next to the load test; build it again", path);
    }

    private static string RuntimeConfig()
    {
        // The real host's runtime settings (copied next to this program by the project reference), not this program's.
        var path = Path.Combine(AppContext.BaseDirectory, "peerbot.runtimeconfig.json");
        return File.Exists(path) ? path : throw new FileNotFoundException("peerbot.runtimeconfig.json is not next to the load test; build it again", path);
    }
}

/// <summary>The host in this process, beside the emulator and the generator: its figures include theirs.</summary>
internal sealed class InProcessHost(string configFile, bool realSlackTiers) : HostUnderTest
{
    private readonly CountingLoggerProvider _logs = new();
    private readonly Process _self = Process.GetCurrentProcess();
    private GcFigures? _gc;
    private IHost? _host;

    public override Process Process => _self;

    public override string Description => "the whole process: host, emulator and load generator together";

    public override async Task StartAsync()
    {
        _gc = new GcFigures();
        var builder = PeerBotHost.CreateBuilder(
            configFile,
            configureConfiguration: null,
            b =>
            {
                b.Logging.ClearProviders();
                b.Logging.AddProvider(_logs);
                b.Logging.SetMinimumLevel(LogLevel.Warning);
                if (!realSlackTiers)
                {
                    HostMode.LiftSlackTiers(b.Services);
                }
            });
        _host = builder.Build();
        await _host.StartAsync();
    }

    public override Task ResetAsync()
    {
        _gc?.Reset();
        return Task.CompletedTask;
    }

    public override Task<Dictionary<string, string>?> ReportAsync() =>
        Task.FromResult<Dictionary<string, string>?>(_gc is null ? null : HostMode.Parse(_gc.Report(Warnings, Errors)));

    public override int Warnings => _logs.Warnings;

    public override int Errors => _logs.Errors;

    public override async Task StopAsync()
    {
        if (_host is not null)
        {
            await _host.StopAsync();
            _host.Dispose();
            _host = null;
        }
    }

    public override async ValueTask DisposeAsync()
    {
        await StopAsync();
        if (_gc is not null)
        {
            await _gc.DisposeAsync();
        }

        _logs.Dispose();
        _self.Dispose();
    }
}

/// <summary>
/// The host in a child process (<c>dotnet …</c>, or <c>node …</c> for the peer): its working set, peak (VmRSS and VmHWM
/// of /proc/PID/status) and CPU are read from outside; in host mode it also reports its GC figures over stdout.
/// </summary>
internal sealed class ChildHost(string[] arguments, string folder, bool reports, string description, string program = "dotnet") : HostUnderTest
{
    private readonly TaskCompletionSource _started = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly Lock _gate = new();
    private TaskCompletionSource<string>? _report;
    private Process? _process;
    private Task? _stdout;
    private Task? _stderr;
    private int _warnings;
    private int _errors;
    private int _printed;

    public override Process Process => _process ?? throw new InvalidOperationException("not started");

    public override string Description => description;

    public override bool HasExited => _process is { HasExited: true };

    public override int Warnings => Volatile.Read(ref _warnings);

    public override int Errors => Volatile.Read(ref _errors);

    public override async Task StartAsync()
    {
        var start = new ProcessStartInfo(program)
        {
            WorkingDirectory = folder,
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var a in arguments)
        {
            start.ArgumentList.Add(a);
        }

        // The configuration file sets the log level; nothing from this shell's environment leaks in.
        start.Environment.Remove("DOTNET_ENVIRONMENT");
        start.Environment.Remove("ASPNETCORE_ENVIRONMENT");
        _process = Process.Start(start) ?? throw new InvalidOperationException("could not start the host");
        _stdout = Task.Run(() => ReadAsync(_process.StandardOutput, isError: false));
        _stderr = Task.Run(() => ReadAsync(_process.StandardError, isError: true));
        if (reports)
        {
            await _started.Task.WaitAsync(TimeSpan.FromMinutes(2));
        }
    }

    public override async Task ResetAsync()
    {
        if (reports && _process is { HasExited: false })
        {
            await _process.StandardInput.WriteLineAsync("reset");
            await _process.StandardInput.FlushAsync();
        }
    }

    public override async Task<Dictionary<string, string>?> ReportAsync()
    {
        if (!reports || _process is not { HasExited: false })
        {
            return null;
        }

        var report = new TaskCompletionSource<string>(TaskCreationOptions.RunContinuationsAsynchronously);
        lock (_gate)
        {
            _report = report;
        }

        await _process.StandardInput.WriteLineAsync("report");
        await _process.StandardInput.FlushAsync();
        var line = await report.Task.WaitAsync(TimeSpan.FromSeconds(30));
        var values = HostMode.Parse(line);
        Volatile.Write(ref _warnings, int.Parse(values["warnings"], System.Globalization.CultureInfo.InvariantCulture));
        Volatile.Write(ref _errors, int.Parse(values["errors"], System.Globalization.CultureInfo.InvariantCulture));
        return values;
    }

    public override async Task StopAsync()
    {
        if (_process is null || _process.HasExited)
        {
            return;
        }

        if (reports)
        {
            await _process.StandardInput.WriteLineAsync("stop");
            await _process.StandardInput.FlushAsync();
        }
        else
        {
            // The real program stops cleanly on SIGTERM, as under docker stop.
            using var kill = Process.Start("kill", ["-TERM", _process.Id.ToString(System.Globalization.CultureInfo.InvariantCulture)]);
            await kill.WaitForExitAsync();
        }

        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        try
        {
            await _process.WaitForExitAsync(timeout.Token);
        }
        catch (OperationCanceledException)
        {
            Console.Error.WriteLine("the host did not stop within 30 s; killing it");
            _process.Kill(entireProcessTree: true);
        }
    }

    public override async ValueTask DisposeAsync()
    {
        await StopAsync();
        if (_stdout is not null)
        {
            await _stdout;
        }

        if (_stderr is not null)
        {
            await _stderr;
        }

        _process?.Dispose();
    }

    private async Task ReadAsync(StreamReader reader, bool isError)
    {
        string? line;
        while ((line = await reader.ReadLineAsync()) is not null)
        {
            if (!isError && line == HostMode.StartedLine)
            {
                _started.TrySetResult();
                continue;
            }

            if (!isError && line.StartsWith(HostMode.ReportPrefix, StringComparison.Ordinal))
            {
                lock (_gate)
                {
                    _report?.TrySetResult(line[HostMode.ReportPrefix.Length..]);
                }

                continue;
            }

            if (!reports)
            {
                // The real program's console log: count what it logged at warning and above (simple console format; the
                // peer writes its own lines in the same form).
                if (line.Contains(" warn: ", StringComparison.Ordinal))
                {
                    Interlocked.Increment(ref _warnings);
                }
                else if (line.Contains(" fail: ", StringComparison.Ordinal) || line.Contains(" crit: ", StringComparison.Ordinal))
                {
                    Interlocked.Increment(ref _errors);
                }
            }

            if (Interlocked.Increment(ref _printed) <= 20)
            {
                Console.Error.WriteLine("  host" + (isError ? "!" : ":") + " " + line);
            }
        }

        _started.TrySetException(new InvalidOperationException("the host process ended before it started"));
    }
}
