using System.Text.Json.Nodes;
using System.Threading.Channels;
using PeerBot.Discord.Gateway;

namespace PeerBot.Discord.Tests.Fakes;

/// <summary>A gateway socket the test scripts: it pushes frames in and reads what the client sent.</summary>
internal sealed class ScriptedTransport : IGatewayTransport
{
    private readonly Channel<GatewayFrame> _incoming = Channel.CreateUnbounded<GatewayFrame>();
    private readonly List<JsonObject> _sent = [];
    private readonly Action _changed;

    public ScriptedTransport(Action changed) => _changed = changed;

    public Uri? ConnectedTo { get; private set; }

    public int? ClosedWith { get; private set; }

    public IReadOnlyList<JsonObject> Sent
    {
        get
        {
            lock (_sent)
            {
                return _sent.ToList();
            }
        }
    }

    public IReadOnlyList<JsonObject> SentOp(int op) => Sent.Where(p => p["op"]!.GetValue<int>() == op).ToList();

    public void RemoveLastSent()
    {
        lock (_sent)
        {
            _sent.RemoveAt(_sent.Count - 1);
        }
    }

    public void Push(string json) => _incoming.Writer.TryWrite(GatewayFrame.Message(json));

    public void PushDispatch(long seq, string name, JsonObject data) =>
        Push(new JsonObject { ["op"] = 0, ["s"] = seq, ["t"] = name, ["d"] = data }.ToJsonString());

    public void PushClose(int? code) => _incoming.Writer.TryWrite(GatewayFrame.Closed(code, "scripted"));

    public Task ConnectAsync(Uri uri, CancellationToken cancellationToken)
    {
        ConnectedTo = uri;
        _changed();
        return Task.CompletedTask;
    }

    public Task SendAsync(string message, CancellationToken cancellationToken)
    {
        lock (_sent)
        {
            _sent.Add(JsonNode.Parse(message)!.AsObject());
        }

        _changed();
        return Task.CompletedTask;
    }

    public async Task<GatewayFrame> ReceiveAsync(CancellationToken cancellationToken) =>
        await _incoming.Reader.ReadAsync(cancellationToken);

    public Task CloseAsync(int code, string reason, CancellationToken cancellationToken)
    {
        ClosedWith = code;
        _incoming.Writer.TryWrite(GatewayFrame.Closed(null, null));
        _changed();
        return Task.CompletedTask;
    }

    public ValueTask DisposeAsync() => ValueTask.CompletedTask;
}

/// <summary>Hands out scripted transports and wakes waiters on every change.</summary>
internal sealed class ScriptedTransportFactory : IGatewayTransportFactory
{
    private readonly object _gate = new();
    private readonly List<ScriptedTransport> _created = [];
    private TaskCompletionSource _changed = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public IReadOnlyList<ScriptedTransport> Created
    {
        get
        {
            lock (_gate)
            {
                return _created.ToList();
            }
        }
    }

    public IGatewayTransport Create()
    {
        var transport = new ScriptedTransport(Pulse);
        lock (_gate)
        {
            _created.Add(transport);
        }

        Pulse();
        return transport;
    }

    public void Pulse()
    {
        TaskCompletionSource old;
        lock (_gate)
        {
            old = _changed;
            _changed = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        }

        old.TrySetResult();
    }

    /// <summary>Waits for a condition; every send, connect, close or new transport wakes it.</summary>
    public async Task<bool> WaitUntilAsync(Func<bool> condition, TimeSpan? timeout = null)
    {
        using var cts = new CancellationTokenSource(timeout ?? TimeSpan.FromSeconds(10));
        while (true)
        {
            Task changed;
            lock (_gate)
            {
                changed = _changed.Task;
            }

            if (condition())
            {
                return true;
            }

            try
            {
                await changed.WaitAsync(cts.Token);
            }
            catch (OperationCanceledException)
            {
                return false;
            }
        }
    }
}

/// <summary>Random whose every draw is the same, so jitter is known.</summary>
internal sealed class FixedRandom(double value) : Random
{
    public override double NextDouble() => value;

    protected override double Sample() => value;
}
