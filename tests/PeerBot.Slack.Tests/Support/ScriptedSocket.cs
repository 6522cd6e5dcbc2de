using System.Collections.Concurrent;
using System.Net;
using System.Net.WebSockets;
using System.Text;
using System.Threading.Channels;
using PeerBot.Slack.SocketMode;

namespace PeerBot.Slack.Tests.Support;

/// <summary>A hand-written socket a test scripts frame by frame; records what the client sends and does.</summary>
public sealed class ScriptedSocket(int number, ConcurrentQueue<string> timeline) : ISlackSocket
{
    private readonly Channel<SocketFrame> _incoming = Channel.CreateUnbounded<SocketFrame>();
    private readonly ConcurrentQueue<string> _sent = new();
    private readonly TaskCompletionSource _connected = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly TaskCompletionSource _closed = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private TaskCompletionSource _sentSignal = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public int Number { get; } = number;

    public IReadOnlyList<string> Sent => _sent.ToList();

    public Task Connected => _connected.Task;

    public Task Closed => _closed.Task;

    public bool IsClosed => _closed.Task.IsCompleted;

    /// <summary>Whether the server answers keep-alive pings (a healthy link, even when quiet); false for a dead link.</summary>
    public bool AnswersPings { get; set; } = true;

    public bool IsKeptAlive => AnswersPings && !IsClosed;

    public Task ConnectAsync(Uri url, CancellationToken cancellationToken)
    {
        timeline.Enqueue($"connect {Number}");
        _connected.TrySetResult();
        return Task.CompletedTask;
    }

    public async Task<SocketFrame> ReceiveAsync(CancellationToken cancellationToken) =>
        await _incoming.Reader.ReadAsync(cancellationToken);

    public Task SendAsync(string text, CancellationToken cancellationToken)
    {
        if (IsClosed)
        {
            throw new WebSocketException(WebSocketError.InvalidState, "closed");
        }

        _sent.Enqueue(text);
        Interlocked.Exchange(ref _sentSignal, new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously)).TrySetResult();
        return Task.CompletedTask;
    }

    public Task CloseAsync(int closeStatus, string description, CancellationToken cancellationToken)
    {
        timeline.Enqueue($"close {Number} {closeStatus}");
        _incoming.Writer.TryWrite(new SocketFrame(null, closeStatus, description));
        _closed.TrySetResult();
        return Task.CompletedTask;
    }

    public void Abort()
    {
        if (!_closed.Task.IsCompleted)
        {
            timeline.Enqueue($"abort {Number}");
        }

        _incoming.Writer.TryComplete(new WebSocketException(WebSocketError.ConnectionClosedPrematurely, "aborted"));
        _closed.TrySetResult();
    }

    public void Push(string json)
    {
        timeline.Enqueue($"server {Number}: {json}");
        _incoming.Writer.TryWrite(new SocketFrame(json));
    }

    public void Hello() => Push("""{"type":"hello","num_connections":1,"debug_info":{"approximate_connection_time":18060}}""");

    public async Task WaitForSentAsync(Func<IReadOnlyList<string>, bool> condition)
    {
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(20));
        while (true)
        {
            var signal = Volatile.Read(ref _sentSignal).Task;
            if (condition(Sent))
            {
                return;
            }

            await signal.WaitAsync(cts.Token);
        }
    }

    public ValueTask DisposeAsync() => ValueTask.CompletedTask;
}

/// <summary>Hands out <see cref="ScriptedSocket"/>s and lets a test wait for the next one.</summary>
public sealed class ScriptedSocketFactory : ISlackSocketFactory
{
    private readonly List<ScriptedSocket> _sockets = [];
    private TaskCompletionSource _created = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public ConcurrentQueue<string> Timeline { get; } = new();

    public ISlackSocket Create()
    {
        ScriptedSocket socket;
        lock (_sockets)
        {
            socket = new ScriptedSocket(_sockets.Count + 1, Timeline);
            _sockets.Add(socket);
        }

        Interlocked.Exchange(ref _created, new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously)).TrySetResult();
        return socket;
    }

    public int Count
    {
        get
        {
            lock (_sockets)
            {
                return _sockets.Count;
            }
        }
    }

    /// <summary>Waits until socket number <paramref name="number"/> exists and is connected.</summary>
    public async Task<ScriptedSocket> SocketAsync(int number)
    {
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(20));
        while (true)
        {
            var created = Volatile.Read(ref _created).Task;
            lock (_sockets)
            {
                if (_sockets.Count >= number)
                {
                    var socket = _sockets[number - 1];
                    return socket;
                }
            }

            await created.WaitAsync(cts.Token);
        }
    }
}

/// <summary>Answers <c>apps.connections.open</c> with a fresh URL; nothing else.</summary>
public sealed class ConnectionsOpenHandler : HttpMessageHandler
{
    private int _count;

    public int Calls => Volatile.Read(ref _count);

    protected override Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        var n = Interlocked.Increment(ref _count);
        var body = request.RequestUri!.AbsolutePath.EndsWith("apps.connections.open", StringComparison.Ordinal)
            ? $$"""{"ok":true,"url":"wss://wss-primary.slack.test/link/?ticket={{n}}"}"""
            : """{"ok":false,"error":"unknown_method"}""";
        return Task.FromResult(new HttpResponseMessage(HttpStatusCode.OK) { Content = new StringContent(body, Encoding.UTF8, "application/json") });
    }
}

public sealed class StubHttpClientFactory(HttpMessageHandler handler) : IHttpClientFactory
{
    public HttpClient CreateClient(string name) => new(handler, disposeHandler: false);
}
