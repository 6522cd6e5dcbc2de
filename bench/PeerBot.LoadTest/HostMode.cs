using System.Diagnostics;
using System.Globalization;
using System.Runtime;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using PeerBot.Slack;

namespace PeerBot.LoadTest;

/// <summary>
/// The host alone, in a process of its own: <c>PeerBot.LoadTest host --config FILE [--lift-slack-tiers]</c>, launched
/// by the scenario with <c>dotnet exec --runtimeconfig peerbot.runtimeconfig.json</c> so the runtime settings (GC mode,
/// tiered compilation) are the real host's. It builds the host exactly as <c>peerbot run --config FILE</c> does, then
/// answers lines on stdin: <c>reset</c> (collect, then forget the peaks), <c>report</c> (one <c>REPORT</c> line of GC
/// figures on stdout), <c>stop</c> (or end of input).
/// </summary>
internal static class HostMode
{
    public const string Verb = "host";
    public const string ReportPrefix = "REPORT ";
    public const string StartedLine = "STARTED";

    public static async Task<int> RunAsync(string[] args)
    {
        var configFile = args.SkipWhile(a => a != "--config").Skip(1).FirstOrDefault();
        if (configFile is null)
        {
            Console.Error.WriteLine("host mode needs --config FILE");
            return 2;
        }

        var liftSlackTiers = args.Contains("--lift-slack-tiers");
        var logs = new CountingLoggerProvider();
        var builder = PeerBotHost.CreateBuilder(
            configFile,
            configureConfiguration: null,
            b =>
            {
                b.Logging.ClearProviders();
                b.Logging.AddProvider(logs);
                b.Logging.SetMinimumLevel(LogLevel.Warning);
                if (liftSlackTiers)
                {
                    LiftSlackTiers(b.Services);
                }
            });
        using var host = builder.Build();
        await host.StartAsync();
        Console.WriteLine(StartedLine);

        await using var gc = new GcFigures();
        string? line;
        while ((line = await Console.In.ReadLineAsync()) is not null && line != "stop")
        {
            if (line == "reset")
            {
                gc.Reset();
            }
            else if (line == "report")
            {
                Console.WriteLine(ReportPrefix + gc.Report(logs.Warnings, logs.Errors));
            }
        }

        await host.StopAsync();
        return 0;
    }

    /// <summary>Parses a <c>REPORT</c> line's <c>key=value</c> pairs.</summary>
    public static Dictionary<string, string> Parse(string report) =>
        report.Split(' ', StringSplitOptions.RemoveEmptyEntries)
            .Select(p => p.Split('=', 2))
            .Where(p => p.Length == 2)
            .ToDictionary(p => p[0], p => p[1], StringComparer.Ordinal);

    /// <summary>
    /// Slack's tiers (20 to 100 calls a minute per method) make opening 200 channels take ten minutes, and its workspace
    /// budget for posts (a few hundred a minute) makes 1,200 welcomes and introductions take five: Slack's pace, not
    /// PeerBot's. The scenario lifts both unless asked for the real ones.
    /// </summary>
    public static void LiftSlackTiers(IServiceCollection services) =>
        services.Configure<SlackAdapterOptions>(a =>
        {
            foreach (var tier in a.CallsPerMinuteByTier.Keys.ToList())
            {
                a.CallsPerMinuteByTier[tier] = 100_000;
            }

            a.PostMessagesPerMinutePerWorkspace = 100_000;
        });
}

/// <summary>The process's own GC and memory figures, with the managed heap's peak sampled every 50 ms.</summary>
internal sealed class GcFigures : IAsyncDisposable
{
    private readonly CancellationTokenSource _stop = new();
    private readonly Process _self = Process.GetCurrentProcess();
    private readonly Task _loop;
    private long _peakHeap;

    public GcFigures() => _loop = Task.Run(LoopAsync);

    /// <summary>Collects, then forgets the peaks (at ready, so the burst's peak is its own).</summary>
    public void Reset()
    {
        GC.Collect();
        Interlocked.Exchange(ref _peakHeap, 0);
    }

    public string Report(int warnings, int errors)
    {
        _self.Refresh();
        var info = GC.GetGCMemoryInfo();
        return string.Create(
            CultureInfo.InvariantCulture,
            $"gc={(GCSettings.IsServerGC ? "server" : "workstation")}/{GCSettings.LatencyMode} heap={GC.GetTotalMemory(false)} heapPeak={Math.Max(Interlocked.Read(ref _peakHeap), GC.GetTotalMemory(false))} heapAfterLastGc={info.HeapSizeBytes} committed={info.TotalCommittedBytes} allocated={GC.GetTotalAllocatedBytes()} gen0={GC.CollectionCount(0)} gen1={GC.CollectionCount(1)} gen2={GC.CollectionCount(2)} pauseMs={GC.GetTotalPauseDuration().TotalMilliseconds:F0} ws={_self.WorkingSet64} peakWs={_self.PeakWorkingSet64} warnings={warnings} errors={errors}");
    }

    private async Task LoopAsync()
    {
        // The managed heap between collections: its peak, not only its size after the last collection.
        while (!_stop.IsCancellationRequested)
        {
            var now = GC.GetTotalMemory(false);
            long seen;
            while (now > (seen = Interlocked.Read(ref _peakHeap)) && Interlocked.CompareExchange(ref _peakHeap, now, seen) != seen)
            {
            }

            try
            {
                await Task.Delay(50, _stop.Token);
            }
            catch (OperationCanceledException)
            {
                return;
            }
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        await _loop;
        _stop.Dispose();
        _self.Dispose();
    }
}
