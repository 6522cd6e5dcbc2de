using System.Buffers;
using System.Net.WebSockets;
using System.Text;
using Microsoft.Extensions.Options;

namespace PeerBot.Slack.SocketMode;

/// <summary>Makes <see cref="ClientWebSocketSlackSocket"/>s with the adapter's keep-alive settings.</summary>
public sealed class ClientWebSocketSlackSocketFactory(IOptions<SlackAdapterOptions> options) : ISlackSocketFactory
{
    /// <inheritdoc />
    public ISlackSocket Create() => new ClientWebSocketSlackSocket(options.Value);
}

/// <summary>
/// <see cref="ClientWebSocket"/> behind <see cref="ISlackSocket"/>. It answers server pings itself and sends its own
/// (<see cref="SlackAdapterOptions.KeepAliveInterval"/>), aborting when a pong is late, so a dead link ends the receive loop.
/// </summary>
public sealed class ClientWebSocketSlackSocket : ISlackSocket
{
    private const int MaxMessageBytes = 4 * 1024 * 1024;
    private readonly ClientWebSocket _socket = new();
    private readonly SemaphoreSlim _sendLock = new(1, 1);
    private readonly bool _pingsWithTimeout;

    public ClientWebSocketSlackSocket(SlackAdapterOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        _socket.Options.KeepAliveInterval = options.KeepAliveInterval;
        _socket.Options.KeepAliveTimeout = options.KeepAliveTimeout;
        _pingsWithTimeout = options.KeepAliveInterval > TimeSpan.Zero && options.KeepAliveTimeout > TimeSpan.Zero
            && options.KeepAliveTimeout != Timeout.InfiniteTimeSpan;
    }

    /// <inheritdoc />
    /// <remarks>
    /// <see cref="ClientWebSocket"/> sends a ping every <see cref="SlackAdapterOptions.KeepAliveInterval"/> and aborts
    /// the socket when no pong comes within <see cref="SlackAdapterOptions.KeepAliveTimeout"/> (.NET 9 and later), so
    /// while it is open its pings are being answered.
    /// </remarks>
    public bool IsKeptAlive => _pingsWithTimeout && _socket.State == WebSocketState.Open;

    /// <inheritdoc />
    public Task ConnectAsync(Uri url, CancellationToken cancellationToken) => _socket.ConnectAsync(url, cancellationToken);

    /// <inheritdoc />
    public async Task<SocketFrame> ReceiveAsync(CancellationToken cancellationToken)
    {
        var buffer = ArrayPool<byte>.Shared.Rent(16 * 1024);
        try
        {
            using var message = new MemoryStream();
            while (true)
            {
                var result = await _socket.ReceiveAsync(buffer.AsMemory(), cancellationToken).ConfigureAwait(false);
                if (result.MessageType == WebSocketMessageType.Close)
                {
                    return new SocketFrame(null, (int?)_socket.CloseStatus, _socket.CloseStatusDescription);
                }

                message.Write(buffer, 0, result.Count);
                if (message.Length > MaxMessageBytes)
                {
                    throw new WebSocketException(WebSocketError.Faulted, "A Socket Mode frame exceeded 4 MB.");
                }

                if (result.EndOfMessage)
                {
                    if (result.MessageType != WebSocketMessageType.Text)
                    {
                        message.SetLength(0);
                        continue;
                    }

                    return new SocketFrame(Encoding.UTF8.GetString(message.GetBuffer(), 0, (int)message.Length));
                }
            }
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    /// <inheritdoc />
    public async Task SendAsync(string text, CancellationToken cancellationToken)
    {
        var bytes = Encoding.UTF8.GetBytes(text);
        await _sendLock.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            await _socket.SendAsync(bytes, WebSocketMessageType.Text, endOfMessage: true, cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            _sendLock.Release();
        }
    }

    /// <inheritdoc />
    public async Task CloseAsync(int closeStatus, string description, CancellationToken cancellationToken)
    {
        if (_socket.State is WebSocketState.Open or WebSocketState.CloseReceived)
        {
            await _sendLock.WaitAsync(cancellationToken).ConfigureAwait(false);
            try
            {
                await _socket.CloseOutputAsync((WebSocketCloseStatus)closeStatus, description, cancellationToken).ConfigureAwait(false);
            }
            finally
            {
                _sendLock.Release();
            }
        }
    }

    /// <inheritdoc />
    public void Abort() => _socket.Abort();

    /// <inheritdoc />
    public ValueTask DisposeAsync()
    {
        _socket.Dispose();
        _sendLock.Dispose();
        return ValueTask.CompletedTask;
    }
}
