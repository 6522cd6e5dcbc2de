using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using PeerBot;
using PeerBot.Core.Groups;
using PeerBot.Discord;
using PeerBot.LoadTest;
using PeerBot.Testing.Discord;

// The load scenario: the real host against the Discord emulator on loopback, N groups of about five people, a burst of
// messages at a target rate (a few groups spiral), and slash commands at the same time. Bounded: it stops by itself.
var options = LoadOptions.Parse(args);
if (options is null)
{
    Console.Error.WriteLine("usage: PeerBot.LoadTest [--groups 200] [--people 1000] [--rate 2000] [--seconds 10] [--commands 20] [--spirals 20] [--platform discord|slack|both] [--slack-tiers lifted|real]");
    return 2;
}

return options.Platform switch
{
    "discord" => await DiscordLoad.RunAsync(options).ConfigureAwait(false),
    "slack" => await SlackLoad.RunAsync(options).ConfigureAwait(false),
    "both" => Math.Max(await DiscordLoad.RunAsync(options).ConfigureAwait(false), await SlackLoad.RunAsync(options).ConfigureAwait(false)),
    _ => Usage(),
};

static int Usage()
{
    Console.Error.WriteLine("--platform must be discord, slack or both");
    return 2;
}

namespace PeerBot.LoadTest
{
    internal sealed record LoadOptions(int Groups, int People, int Rate, int Seconds, int CommandsPerSecond, int Spirals, string Platform, bool RealSlackTiers)
    {
        public static LoadOptions? Parse(string[] args)
        {
            var values = new Dictionary<string, string>(StringComparer.Ordinal);
            for (var i = 0; i + 1 < args.Length; i += 2)
            {
                if (!args[i].StartsWith("--", StringComparison.Ordinal))
                {
                    return null;
                }

                values[args[i][2..]] = args[i + 1];
            }

            if (args.Length % 2 != 0)
            {
                return null;
            }

            int Int(string key, int fallback) => values.TryGetValue(key, out var v) && int.TryParse(v, CultureInfo.InvariantCulture, out var n) && n > 0 ? n : fallback;
            var groups = Int("groups", 200);
            return new LoadOptions(
                groups,
                Int("people", groups * 5),
                Int("rate", 2000),
                Int("seconds", 10),
                Int("commands", 20),
                Math.Min(groups, Int("spirals", Math.Max(1, groups / 10))),
                values.TryGetValue("platform", out var p) ? p.ToLowerInvariant() : "discord",
                values.TryGetValue("slack-tiers", out var t) && t == "real");
        }
    }

    internal static class Stats
    {
        public static double Percentile(List<double> sorted, double p) =>
            sorted.Count == 0 ? double.NaN : sorted[Math.Clamp((int)Math.Ceiling(p / 100 * sorted.Count) - 1, 0, sorted.Count - 1)];

        public static string Describe(IEnumerable<double> values)
        {
            var sorted = values.Order().ToList();
            return sorted.Count == 0
                ? "none"
                : string.Create(CultureInfo.InvariantCulture, $"n={sorted.Count} p50={Percentile(sorted, 50):F1} ms p99={Percentile(sorted, 99):F1} ms max={sorted[^1]:F1} ms");
        }
    }

    /// <summary>Counts warnings and errors without printing thousands of lines during the burst; prints the first few.</summary>
    internal sealed class CountingLoggerProvider : ILoggerProvider
    {
        private int _warnings;
        private int _errors;
        private int _printed;

        public int Warnings => Volatile.Read(ref _warnings);

        public int Errors => Volatile.Read(ref _errors);

        public ILogger CreateLogger(string categoryName) => new Logger(this, categoryName);

        public void Dispose()
        {
        }

        private sealed class Logger(CountingLoggerProvider owner, string category) : ILogger
        {
            public IDisposable? BeginScope<TState>(TState state)
                where TState : notnull => null;

            public bool IsEnabled(LogLevel logLevel) => logLevel >= LogLevel.Warning;

            public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
            {
                if (logLevel < LogLevel.Warning)
                {
                    return;
                }

                Interlocked.Increment(ref logLevel >= LogLevel.Error ? ref owner._errors : ref owner._warnings);
                if (Interlocked.Increment(ref owner._printed) <= 10)
                {
                    Console.Error.WriteLine($"  [{logLevel}] {category}: {formatter(state, exception)}");
                }
            }
        }
    }

    /// <summary>Samples the process's working set and CPU time while the scenario runs.</summary>
    internal sealed class ResourceSampler : IAsyncDisposable
    {
        private readonly CancellationTokenSource _stop = new();
        private readonly Task _loop;
        private long _peak;

        public ResourceSampler() => _loop = Task.Run(LoopAsync);

        public long PeakWorkingSet => Interlocked.Read(ref _peak);

        public void Reset() => Interlocked.Exchange(ref _peak, 0);

        private async Task LoopAsync()
        {
            using var process = Process.GetCurrentProcess();
            while (!_stop.IsCancellationRequested)
            {
                process.Refresh();
                var ws = process.WorkingSet64;
                long seen;
                while (ws > (seen = Interlocked.Read(ref _peak)) && Interlocked.CompareExchange(ref _peak, ws, seen) != seen)
                {
                }

                try
                {
                    await Task.Delay(50, _stop.Token).ConfigureAwait(false);
                }
                catch (OperationCanceledException)
                {
                    return;
                }
            }
        }

        public async ValueTask DisposeAsync()
        {
            await _stop.CancelAsync().ConfigureAwait(false);
            await _loop.ConfigureAwait(false);
            _stop.Dispose();
        }
    }

    internal static class Messages
    {
        public static readonly string[] Calm =
        [
            "anyone want to grab food after sign out?",
            "long night on nights, but the team was great",
            "thanks for covering my pager earlier",
            "the new rotation schedule is up on the board",
            "does anyone have notes from grand rounds today?",
            "coffee in the lounge at 7 if anyone is around",
            "my attending gave really useful feedback on my presentation",
            "happy friday everyone, see you next week",
        ];

        public static readonly string[] Fatalistic =
        [
            "what's the point of any of this",
            "honestly no point, nothing ever changes here",
            "it's pointless, nothing will ever change, we can't do anything about it",
        ];
    }
}
