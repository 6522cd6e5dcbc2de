using System.Collections.Concurrent;
using Microsoft.Extensions.Logging;

namespace PeerBot.Slack.Tests.Support;

/// <summary>Keeps every log line for assertions.</summary>
public sealed class ListLoggerProvider : ILoggerProvider
{
    private readonly ConcurrentQueue<(LogLevel Level, string Category, string Message)> _lines = new();

    public IReadOnlyList<(LogLevel Level, string Category, string Message)> Lines => _lines.ToList();

    public string AllText => string.Join("\n", _lines.Select(l => $"{l.Level} {l.Category}: {l.Message}"));

    public ILogger CreateLogger(string categoryName) => new Logger(this, categoryName);

    public void Dispose()
    {
    }

    private sealed class Logger(ListLoggerProvider owner, string category) : ILogger
    {
        public IDisposable? BeginScope<TState>(TState state) where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => true;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
        {
            var text = formatter(state, exception) + (exception is null ? "" : " | " + exception);
            owner._lines.Enqueue((logLevel, category, text));
        }
    }
}

/// <summary>Records the exit code instead of setting the test process's.</summary>
public sealed class RecordingExitCodeSink : ExitCodeSink
{
    public int? Code { get; private set; }

    public override void Set(int exitCode) => Code = exitCode;
}
