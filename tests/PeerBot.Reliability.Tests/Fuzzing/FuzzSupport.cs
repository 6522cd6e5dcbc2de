using System.Collections.Concurrent;
using Microsoft.Extensions.Logging;
using PeerBot.Core.Platform;

namespace PeerBot.Reliability.Tests.Fuzzing;

/// <summary>Records what reaches Core from an adapter; answers every interaction with a short text.</summary>
internal sealed class RecordingPlatformHandler : IPlatformEventHandler
{
    private readonly ConcurrentQueue<object> _received = new();

    public IReadOnlyList<object> Received => _received.ToList();

    public Task HandleMessageAsync(IncomingMessage message, CancellationToken cancellationToken)
    {
        _received.Enqueue(message);
        return Task.CompletedTask;
    }

    public Task<InteractionResponse> HandleCommandAsync(CommandInvocation command, CancellationToken cancellationToken)
    {
        _received.Enqueue(command);
        return Task.FromResult(InteractionResponse.Text("ok"));
    }

    public Task<InteractionResponse> HandleFormAsync(FormSubmission submission, CancellationToken cancellationToken)
    {
        _received.Enqueue(submission);
        return Task.FromResult(InteractionResponse.Text("ok"));
    }

    public Task<InteractionResponse> HandleButtonAsync(ButtonPress press, CancellationToken cancellationToken)
    {
        _received.Enqueue(press);
        return Task.FromResult(InteractionResponse.Text("ok"));
    }
}

/// <summary>Keeps every log line (level, category, message, exception) for the assertions.</summary>
internal sealed class CapturingLoggerProvider : ILoggerProvider
{
    private readonly ConcurrentQueue<(LogLevel Level, string Category, string Message, Exception? Error)> _lines = new();

    public IReadOnlyList<(LogLevel Level, string Category, string Message, Exception? Error)> Lines => _lines.ToList();

    public ILogger CreateLogger(string categoryName) => new Logger(categoryName, _lines);

    public void Dispose()
    {
    }

    private sealed class Logger(string category, ConcurrentQueue<(LogLevel, string, string, Exception?)> lines) : ILogger
    {
        public IDisposable? BeginScope<TState>(TState state)
            where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => true;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter) =>
            lines.Enqueue((logLevel, category, formatter(state, exception), exception));
    }
}

/// <summary>Waits on a signal with a generous bound that only catches a hang.</summary>
internal static class SafetyNet
{
    /// <summary>Waits for <paramref name="task"/> to end (in any state) or <paramref name="bound"/> to pass; true when it ended.</summary>
    public static async Task<bool> EndsWithinAsync(Task task, TimeSpan bound)
    {
        try
        {
            await task.WaitAsync(bound);
        }
        catch (TimeoutException)
        {
            return task.IsCompleted;
        }
        catch (Exception) when (task.IsCompleted)
        {
            // Ended with an error: the caller looks at the task.
        }

        return true;
    }
}

/// <summary>
/// The connections a fuzzed client opened, newest last, and a signal that completes at the next change (a new
/// connection, or whatever the subclass reports): read <see cref="WhenChanged"/> before checking state.
/// </summary>
internal abstract class FuzzConnections<T>
    where T : class
{
    private readonly List<T> _connections = [];
    private readonly object _gate = new();
    private TaskCompletionSource _changed = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public Task WhenChanged => Volatile.Read(ref _changed).Task;

    public int Count
    {
        get
        {
            lock (_gate)
            {
                return _connections.Count;
            }
        }
    }

    public T Newest
    {
        get
        {
            lock (_gate)
            {
                return _connections[^1];
            }
        }
    }

    protected T Add(T connection)
    {
        lock (_gate)
        {
            _connections.Add(connection);
        }

        Changed();
        return connection;
    }

    protected void Changed() =>
        Interlocked.Exchange(ref _changed, new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously)).TrySetResult();
}
