using System.Diagnostics;
using System.Globalization;
using System.Text.Json.Nodes;
using Microsoft.Extensions.Logging;

namespace PeerBot.LoadTest;

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

/// <summary>Samples a process's working set (every 50 ms) while the scenario runs; the process may be another one.</summary>
internal sealed class ResourceSampler : IAsyncDisposable
{
    private readonly CancellationTokenSource _stop = new();
    private readonly Process _process;
    private readonly Task _loop;
    private long _peak;

    public ResourceSampler(Process process)
    {
        _process = process;
        _loop = Task.Run(LoopAsync);
    }

    public long PeakWorkingSet => Interlocked.Read(ref _peak);

    public void Reset() => Interlocked.Exchange(ref _peak, 0);

    private async Task LoopAsync()
    {
        while (!_stop.IsCancellationRequested)
        {
            long ws;
            try
            {
                _process.Refresh();
                ws = _process.WorkingSet64;
            }
            catch (InvalidOperationException)
            {
                return;
            }

            long seen;
            while (ws > (seen = Interlocked.Read(ref _peak)) && Interlocked.CompareExchange(ref _peak, ws, seen) != seen)
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
    }
}

/// <summary>Writes flat configuration keys (<c>PeerBot:Groups:0:Name</c>) as the JSON file a coordinator would write.</summary>
internal static class ConfigFile
{
    public static void Write(string path, IReadOnlyDictionary<string, string?> settings)
    {
        var root = new JsonObject();
        foreach (var (key, value) in settings)
        {
            var parts = key.Split(':');
            var node = root;
            for (var i = 0; i < parts.Length - 1; i++)
            {
                if (node[parts[i]] is not JsonObject child)
                {
                    child = new JsonObject();
                    node[parts[i]] = child;
                }

                node = child;
            }

            node[parts[^1]] = value;
        }

        File.WriteAllText(path, Arrays(root).ToJsonString());
    }

    // Objects whose keys are 0..n-1 become arrays, as in a hand-written file.
    private static JsonNode Arrays(JsonNode node)
    {
        if (node is not JsonObject obj)
        {
            return node.DeepClone();
        }

        var keys = obj.Select(p => p.Key).ToList();
        if (keys.Count > 0 && keys.All(k => int.TryParse(k, NumberStyles.None, CultureInfo.InvariantCulture, out _)))
        {
            var ordered = keys.Select(k => int.Parse(k, CultureInfo.InvariantCulture)).Order().ToList();
            if (ordered.SequenceEqual(Enumerable.Range(0, ordered.Count)))
            {
                return new JsonArray(ordered.Select(i => obj[i.ToString(CultureInfo.InvariantCulture)] is { } v ? Arrays(v) : null).ToArray());
            }
        }

        var result = new JsonObject();
        foreach (var (key, value) in obj)
        {
            result[key] = value is null ? null : Arrays(value);
        }

        return result;
    }
}
