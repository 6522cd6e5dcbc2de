using System.Buffers;
using System.Net.WebSockets;
using System.Text;

namespace PeerBot.Discord.Gateway;

/// <summary>One gateway connection: whole text messages in and out, and the close code when it ends.</summary>
public interface IGatewayTransport : IAsyncDisposable
{
    /// <summary>Opens the connection.</summary>
    Task ConnectAsync(Uri uri, CancellationToken cancellationToken);

    /// <summary>Sends one whole text message.</summary>
    Task SendAsync(string message, CancellationToken cancellationToken);

    /// <summary>Receives the next whole message, or the end of the connection.</summary>
    Task<GatewayFrame> ReceiveAsync(CancellationToken cancellationToken);

    /// <summary>Closes the connection with a code (never 1000/1001 when the session should stay resumable).</summary>
    Task CloseAsync(int code, string reason, CancellationToken cancellationToken);
}

/// <summary>Makes a fresh transport for each connection attempt.</summary>
public interface IGatewayTransportFactory
{
    /// <summary>A new, unconnected transport.</summary>
    IGatewayTransport Create();
}

/// <summary>What a receive produced: a text message, or the end of the connection with its close code (null when it dropped without one).</summary>
public sealed record GatewayFrame(string? Text, int? CloseCode, string? CloseReason)
{
    public bool IsClosed => Text is null;

    public static GatewayFrame Message(string text) => new(text, null, null);

    public static GatewayFrame Closed(int? code, string? reason) => new(null, code, reason);
}

/// <summary>The transport over <see cref="ClientWebSocket"/>.</summary>
public sealed class ClientWebSocketTransport : IGatewayTransport
{
    private readonly ClientWebSocket _socket = new();
    private readonly SemaphoreSlim _sendLock = new(1, 1);

    public async Task ConnectAsync(Uri uri, CancellationToken cancellationToken) =>
        await _socket.ConnectAsync(uri, cancellationToken).ConfigureAwait(false);

    public async Task SendAsync(string message, CancellationToken cancellationToken)
    {
        var bytes = Encoding.UTF8.GetBytes(message);
        await _sendLock.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            await _socket.SendAsync(bytes, WebSocketMessageType.Text, true, cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            _sendLock.Release();
        }
    }

    public async Task<GatewayFrame> ReceiveAsync(CancellationToken cancellationToken)
    {
        var buffer = ArrayPool<byte>.Shared.Rent(16 * 1024);
        try
        {
            using var message = new MemoryStream();
            while (true)
            {
                ValueWebSocketReceiveResult result;
                try
                {
                    result = await _socket.ReceiveAsync(buffer.AsMemory(), cancellationToken).ConfigureAwait(false);
                }
                catch (WebSocketException)
                {
                    return GatewayFrame.Closed((int?)_socket.CloseStatus, _socket.CloseStatusDescription);
                }
                catch (Exception ex) when (ex is ObjectDisposedException
                    || (ex is OperationCanceledException && !cancellationToken.IsCancellationRequested))
                {
                    // Closed under the reader, by the heartbeat finding a zombie (CloseAsync aborts the socket): that
                    // is the end of this connection, not a failure of the adapter.
                    return GatewayFrame.Closed(null, "closed by PeerBot");
                }

                if (result.MessageType == WebSocketMessageType.Close)
                {
                    return GatewayFrame.Closed((int?)_socket.CloseStatus, _socket.CloseStatusDescription);
                }

                message.Write(buffer, 0, result.Count);
                if (result.EndOfMessage)
                {
                    return GatewayFrame.Message(Encoding.UTF8.GetString(message.GetBuffer(), 0, (int)message.Length));
                }
            }
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    /// <summary>
    /// Closes the connection in whatever state it is. Never throws for the socket's own state: a socket already aborted
    /// (a zombie closed by the heartbeat), disposed, or failing mid-close surfaces as <see cref="WebSocketException"/>,
    /// <see cref="ObjectDisposedException"/> or an <see cref="OperationCanceledException"/> wrapping one of them, and all
    /// mean the same: the connection is gone. Only the caller's own cancellation is passed on.
    /// </summary>
    public async Task CloseAsync(int code, string reason, CancellationToken cancellationToken)
    {
        try
        {
            if (_socket.State is WebSocketState.Open or WebSocketState.CloseReceived)
            {
                await _socket.CloseOutputAsync((WebSocketCloseStatus)code, reason, cancellationToken).ConfigureAwait(false);
            }
        }
        catch (Exception ex) when (ex is WebSocketException or ObjectDisposedException or InvalidOperationException
            || (ex is OperationCanceledException && !cancellationToken.IsCancellationRequested))
        {
            // Already gone; nothing to close.
        }
        finally
        {
            try
            {
                _socket.Abort();
            }
            catch (ObjectDisposedException)
            {
                // Disposed already: closed.
            }
        }
    }

    public ValueTask DisposeAsync()
    {
        _socket.Dispose();
        _sendLock.Dispose();
        return ValueTask.CompletedTask;
    }
}

/// <summary>Makes <see cref="ClientWebSocketTransport"/>s.</summary>
public sealed class ClientWebSocketTransportFactory : IGatewayTransportFactory
{
    public IGatewayTransport Create() => new ClientWebSocketTransport();
}
