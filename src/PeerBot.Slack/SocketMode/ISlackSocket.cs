namespace PeerBot.Slack.SocketMode;

/// <summary>One frame read from the socket: a text message, or the end of the connection.</summary>
/// <param name="Text">The text of a message; null when the connection closed.</param>
/// <param name="CloseStatus">The close code when the server closed the connection.</param>
/// <param name="CloseDescription">The close reason when the server closed the connection.</param>
public sealed record SocketFrame(string? Text, int? CloseStatus = null, string? CloseDescription = null)
{
    /// <summary>True when the connection ended.</summary>
    public bool IsClose => Text is null;
}

/// <summary>
/// A WebSocket as Socket Mode needs it. The real one wraps <see cref="System.Net.WebSockets.ClientWebSocket"/>;
/// tests script one. Sends may be called concurrently; receives are called from one loop.
/// </summary>
public interface ISlackSocket : IAsyncDisposable
{
    /// <summary>Connects to the URL from <c>apps.connections.open</c>.</summary>
    Task ConnectAsync(Uri url, CancellationToken cancellationToken);

    /// <summary>Reads the next whole text message, or a close frame.</summary>
    Task<SocketFrame> ReceiveAsync(CancellationToken cancellationToken);

    /// <summary>Sends one text message.</summary>
    Task SendAsync(string text, CancellationToken cancellationToken);

    /// <summary>Closes the connection gracefully with a close code.</summary>
    Task CloseAsync(int closeStatus, string description, CancellationToken cancellationToken);

    /// <summary>Drops the connection at once.</summary>
    void Abort();

    /// <summary>
    /// True while the transport's own keep-alive proves the link alive: it pings, and drops the connection when a pong
    /// is late, so an open socket is one whose pings are answered. A quiet workspace sends no frame for hours; such a
    /// connection is healthy and is kept. False when the transport cannot tell (then silence alone counts as dead).
    /// </summary>
    bool IsKeptAlive => false;
}

/// <summary>Makes sockets, one per connection.</summary>
public interface ISlackSocketFactory
{
    /// <summary>A new, unconnected socket.</summary>
    ISlackSocket Create();
}
