using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.Extensions.Logging;

namespace PeerBot.Slack.SocketMode;

/// <summary>
/// One Socket Mode WebSocket: reads frames, answers <c>hello</c>, passes envelopes on, reports <c>disconnect</c>
/// and the end of the connection to its <see cref="SocketModeClient"/>.
/// </summary>
internal sealed class SocketModeConnection : ISocketModeAcknowledger, IAsyncDisposable
{
    private readonly ISlackSocket _socket;
    private readonly SocketModeClient _owner;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly CancellationTokenSource _stop = new();
    private readonly TaskCompletionSource _hello = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private long _lastFrameTicks;
    private Task _readLoop = Task.CompletedTask;

    public SocketModeConnection(int number, ISlackSocket socket, SocketModeClient owner, TimeProvider time, ILogger logger)
    {
        Number = number;
        _socket = socket;
        _owner = owner;
        _time = time;
        _logger = logger;
        _lastFrameTicks = time.GetUtcNow().UtcTicks;
    }

    public int Number { get; }

    public Task Hello => _hello.Task;

    public Task Completion => _readLoop;

    public DateTimeOffset LastFrameAt => new(Interlocked.Read(ref _lastFrameTicks), TimeSpan.Zero);

    public bool IdleReported { get; set; }

    /// <summary>True while the socket's keep-alive pings are answered (see <see cref="ISlackSocket.IsKeptAlive"/>).</summary>
    public bool IsKeptAlive => _socket.IsKeptAlive;

    public Task ConnectAsync(Uri url, CancellationToken cancellationToken) => _socket.ConnectAsync(url, cancellationToken);

    public void Start() => _readLoop = Task.Run(ReadLoopAsync);

    public async Task AckAsync(string envelopeId, JsonObject? payload, CancellationToken cancellationToken)
    {
        var ack = new JsonObject { ["envelope_id"] = envelopeId };
        if (payload is not null)
        {
            ack["payload"] = payload;
        }

        await _socket.SendAsync(ack.ToJsonString(), cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Closes with 1000 and waits (bounded) for the server to finish the close.</summary>
    public async Task CloseAsync(TimeSpan wait)
    {
        try
        {
            using var timeout = new CancellationTokenSource(wait, _time);
            await _socket.CloseAsync(1000, "reconnecting", timeout.Token).ConfigureAwait(false);
            await _readLoop.WaitAsync(wait, _time).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is TimeoutException or OperationCanceledException or System.Net.WebSockets.WebSocketException or IOException)
        {
            _logger.LogDebug("Socket Mode connection {Number} did not close cleanly: {Error}", Number, ex.Message);
        }
        finally
        {
            Abort();
        }
    }

    public void Abort()
    {
        _socket.Abort();
        _stop.Cancel();
    }

    public async ValueTask DisposeAsync()
    {
        Abort();
        try
        {
            await _readLoop.ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
            // The loop ends by cancellation when aborted.
        }

        await _socket.DisposeAsync().ConfigureAwait(false);
        _stop.Dispose();
    }

    private async Task ReadLoopAsync()
    {
        Exception? error = null;
        SocketFrame? last = null;
        try
        {
            while (!_stop.IsCancellationRequested)
            {
                var frame = await _socket.ReceiveAsync(_stop.Token).ConfigureAwait(false);
                Interlocked.Exchange(ref _lastFrameTicks, _time.GetUtcNow().UtcTicks);
                if (frame.IsClose)
                {
                    last = frame;
                    break;
                }

                await OnFrameAsync(frame.Text!).ConfigureAwait(false);
            }
        }
        catch (OperationCanceledException) when (_stop.IsCancellationRequested)
        {
            // Closed by us.
        }
        catch (Exception ex)
        {
            error = ex;
        }

        _hello.TrySetException(new IOException(error is null
            ? $"The Socket Mode connection closed before hello (close {last?.CloseStatus}: {last?.CloseDescription})."
            : $"The Socket Mode connection failed before hello: {error.Message}", error));
        _owner.OnConnectionEnded(this, error, last);
    }

    private async Task OnFrameAsync(string text)
    {
        JsonElement root;
        try
        {
            using var document = JsonDocument.Parse(text);
            root = document.RootElement.Clone();
        }
        catch (JsonException ex)
        {
            _logger.LogWarning("Ignored a Socket Mode frame that is not JSON ({Error}).", ex.Message);
            return;
        }
        catch (ArgumentException ex)
        {
            // Text with half a character (a lone surrogate) cannot be read as JSON; drop it rather than the connection.
            _logger.LogWarning("Ignored a Socket Mode frame that is not valid text ({Error}).", ex.Message);
            return;
        }

        if (root.ValueKind != JsonValueKind.Object)
        {
            _logger.LogWarning("Ignored a Socket Mode frame that is not an object.");
            return;
        }

        var type = StringOrNull(root, "type");
        if (StringOrNull(root, "envelope_id") is { Length: > 0 } envelopeId)
        {
            var envelope = new SocketModeEnvelope(
                envelopeId,
                type ?? "",
                root.TryGetProperty("payload", out var payload) ? payload : default,
                root.TryGetProperty("accepts_response_payload", out var accepts) && accepts.ValueKind == JsonValueKind.True,
                root.TryGetProperty("retry_attempt", out var retry) && retry.ValueKind == JsonValueKind.Number && retry.TryGetInt32(out var attempt) ? attempt : 0);
            await _owner.OnEnvelopeAsync(this, envelope).ConfigureAwait(false);
            return;
        }

        switch (type)
        {
            case "hello":
                _logger.LogDebug("Socket Mode connection {Number} said hello.", Number);
                _hello.TrySetResult();
                break;
            case "disconnect":
                var reason = StringOrNull(root, "reason") ?? "";
                _owner.OnDisconnectRequested(this, reason);
                break;
            default:
                _logger.LogDebug("Ignored a Socket Mode frame of type {Type}.", type);
                break;
        }
    }

    /// <summary>
    /// A string property, or null when it is missing, of another type, or holds an escaped lone surrogate: a frame of
    /// the wrong shape is then handled as unknown instead of ending the connection.
    /// </summary>
    private static string? StringOrNull(JsonElement root, string name)
    {
        if (!root.TryGetProperty(name, out var value) || value.ValueKind != JsonValueKind.String)
        {
            return null;
        }

        try
        {
            return value.GetString();
        }
        catch (InvalidOperationException)
        {
            return null;
        }
    }
}
