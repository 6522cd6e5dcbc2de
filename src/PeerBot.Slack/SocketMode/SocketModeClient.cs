using System.Threading.Channels;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using PeerBot.Slack.Api;

namespace PeerBot.Slack.SocketMode;

/// <summary>
/// Keeps one live Socket Mode connection: opens it with <c>apps.connections.open</c>, waits for <c>hello</c>,
/// hands envelopes to the <see cref="ISocketModeEnvelopeHandler"/>, and replaces the connection on <c>disconnect</c>
/// (make-before-break: the new one says hello before the old one is closed), on a drop, or when it goes silent
/// without its keep-alive pings being answered (a quiet but healthy connection is kept),
/// backing off with jitter when attempts fail. Unrecoverable errors end <see cref="RunAsync"/> with a
/// <see cref="SlackFatalException"/>.
/// </summary>
public sealed class SocketModeClient
{
    private readonly SlackApiClient _api;
    private readonly ISlackSocketFactory _sockets;
    private readonly ISocketModeEnvelopeHandler _handler;
    private readonly SlackAdapterOptions _options;
    private readonly SlackTimers _timers;
    private readonly ILogger<SocketModeClient> _logger;
    private readonly Channel<Signal> _signals = Channel.CreateUnbounded<Signal>();
    private readonly TaskCompletionSource _ready = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly List<SocketModeConnection> _open = [];
    private readonly object _gate = new();
    private CancellationToken _runToken;
    private int _connectionNumber;

    public SocketModeClient(
        SlackApiClient api,
        ISlackSocketFactory sockets,
        ISocketModeEnvelopeHandler handler,
        IOptions<SlackAdapterOptions> options,
        SlackTimers timers,
        ILogger<SocketModeClient> logger)
    {
        ArgumentNullException.ThrowIfNull(options);
        _api = api;
        _sockets = sockets;
        _handler = handler;
        _options = options.Value;
        _timers = timers;
        _logger = logger;
    }

    /// <summary>Completes when the first connection has said hello.</summary>
    public Task Ready => _ready.Task;

    /// <summary>How many connections have said hello so far.</summary>
    public int ConnectionsOpened { get; private set; }

    /// <summary>Runs until cancelled; throws <see cref="SlackFatalException"/> on an unrecoverable error.</summary>
    public async Task RunAsync(CancellationToken cancellationToken)
    {
        _runToken = cancellationToken;
        using var watchdog = _timers.Time.CreateTimer(_ => CheckIdle(), null, WatchdogPeriod, WatchdogPeriod);
        try
        {
            var current = await ConnectWithRetryAsync(cancellationToken).ConfigureAwait(false);
            while (true)
            {
                var signal = await _signals.Reader.ReadAsync(cancellationToken).ConfigureAwait(false);
                switch (signal)
                {
                    case Signal.Disconnect { Reason: "link_disabled" }:
                        throw new SlackFatalException(
                            "Slack disabled Socket Mode for this app (disconnect: link_disabled). Turn Socket Mode on at api.slack.com/apps > your app > Socket Mode, then restart PeerBot.");
                    case Signal.Disconnect d when d.Connection == current:
                        _logger.LogInformation("Slack asked to reconnect ({Reason}); opening a new connection before closing the old one.", d.Reason);
                        current = await ReplaceAsync(current, cancellationToken).ConfigureAwait(false);
                        break;
                    case Signal.Idle i when i.Connection == current:
                        _logger.LogWarning("No frame from Slack for {Idle}; replacing the Socket Mode connection.", _options.IdleTimeout);
                        current = await ReplaceAsync(current, cancellationToken).ConfigureAwait(false);
                        break;
                    case Signal.Ended e when e.Connection == current:
                        _logger.LogWarning(
                            "The Socket Mode connection dropped ({Reason}); reconnecting.",
                            e.Error?.Message ?? $"close {e.Frame?.CloseStatus} {e.Frame?.CloseDescription}".Trim());
                        await ForgetAsync(current).ConfigureAwait(false);
                        current = await ConnectWithRetryAsync(cancellationToken).ConfigureAwait(false);
                        break;
                    case Signal.Ended e:
                        await ForgetAsync(e.Connection).ConfigureAwait(false);
                        break;
                    default:
                        // A signal from a connection that is already being replaced.
                        break;
                }
            }
        }
        finally
        {
            List<SocketModeConnection> open;
            lock (_gate)
            {
                open = [.. _open];
                _open.Clear();
            }

            foreach (var connection in open)
            {
                await connection.CloseAsync(TimeSpan.FromSeconds(2)).ConfigureAwait(false);
                await connection.DisposeAsync().ConfigureAwait(false);
            }
        }
    }

    private TimeSpan WatchdogPeriod => TimeSpan.FromTicks(Math.Max(TimeSpan.TicksPerSecond, _options.IdleTimeout.Ticks / 4));

    internal Task OnEnvelopeAsync(SocketModeConnection connection, SocketModeEnvelope envelope) =>
        _handler.HandleEnvelopeAsync(envelope, connection, _runToken);

    internal void OnDisconnectRequested(SocketModeConnection connection, string reason) =>
        _signals.Writer.TryWrite(new Signal.Disconnect(connection, reason));

    internal void OnConnectionEnded(SocketModeConnection connection, Exception? error, SocketFrame? frame) =>
        _signals.Writer.TryWrite(new Signal.Ended(connection, error, frame));

    private void CheckIdle()
    {
        var now = _timers.Time.GetUtcNow();
        lock (_gate)
        {
            foreach (var connection in _open)
            {
                // Silence alone is no sign of trouble in a quiet workspace: only a connection whose pings are not
                // answered either (or whose transport cannot tell) is replaced.
                if (!connection.IdleReported && now - connection.LastFrameAt >= _options.IdleTimeout && !connection.IsKeptAlive)
                {
                    connection.IdleReported = true;
                    _signals.Writer.TryWrite(new Signal.Idle(connection));
                }
            }
        }
    }

    private async Task<SocketModeConnection> ReplaceAsync(SocketModeConnection old, CancellationToken cancellationToken)
    {
        // The old connection keeps reading and acknowledging until the new one is ready, so nothing is missed.
        var next = await ConnectWithRetryAsync(cancellationToken).ConfigureAwait(false);
        _ = CloseAndForgetAsync(old);
        return next;
    }

    private async Task CloseAndForgetAsync(SocketModeConnection connection)
    {
        await connection.CloseAsync(TimeSpan.FromSeconds(5)).ConfigureAwait(false);
        await ForgetAsync(connection).ConfigureAwait(false);
    }

    private async Task ForgetAsync(SocketModeConnection connection)
    {
        bool removed;
        lock (_gate)
        {
            removed = _open.Remove(connection);
        }

        if (removed)
        {
            await connection.DisposeAsync().ConfigureAwait(false);
        }
    }

    private async Task<SocketModeConnection> ConnectWithRetryAsync(CancellationToken cancellationToken)
    {
        var failures = 0;
        while (true)
        {
            cancellationToken.ThrowIfCancellationRequested();
            try
            {
                return await ConnectOnceAsync(cancellationToken).ConfigureAwait(false);
            }
            catch (SlackApiException ex) when (ex.IsAuthError)
            {
                throw new SlackFatalException(
                    $"Slack rejected the app-level token ({ex.Error}). Set PeerBot:Slack:AppToken to an app-level token (xapp-…) with the connections:write scope, from api.slack.com/apps > your app > Basic Information > App-Level Tokens.",
                    ex);
            }
            catch (SlackApiException ex) when (ex.Error == "missing_scope")
            {
                throw new SlackFatalException(
                    "The app-level token lacks the connections:write scope. Create an app-level token with connections:write under Basic Information > App-Level Tokens and set PeerBot:Slack:AppToken.",
                    ex);
            }
            catch (Exception ex) when (!cancellationToken.IsCancellationRequested && ex is not SlackFatalException)
            {
                failures++;
                var delay = SlackTimers.Backoff(failures, _options.ReconnectBaseDelay, _options.ReconnectMaxDelay);
                _logger.LogWarning("Connecting to Slack Socket Mode failed (attempt {Attempt}): {Error}. Retrying in {Delay}.", failures, ex.Message, delay);
                await _timers.DelayAsync(delay, "socket-mode reconnect", cancellationToken).ConfigureAwait(false);
            }
        }
    }

    private async Task<SocketModeConnection> ConnectOnceAsync(CancellationToken cancellationToken)
    {
        var url = await _api.OpenSocketModeConnectionAsync(cancellationToken).ConfigureAwait(false);
        var number = Interlocked.Increment(ref _connectionNumber);
        var connection = new SocketModeConnection(number, _sockets.Create(), this, _timers.Time, _logger);
        lock (_gate)
        {
            _open.Add(connection);
        }

        try
        {
            using (var deadline = new CancellationTokenSource(_options.HelloTimeout, _timers.Time))
            using (var connecting = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, deadline.Token))
            {
                await connection.ConnectAsync(url, connecting.Token).ConfigureAwait(false);
            }

            connection.Start();
            using (var helloWait = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken))
            {
                var hello = connection.Hello.WaitAsync(cancellationToken);
                var timeout = _timers.DelayAsync(_options.HelloTimeout, "socket-mode hello", helloWait.Token);
                var first = await Task.WhenAny(hello, timeout).ConfigureAwait(false);
                await helloWait.CancelAsync().ConfigureAwait(false);
                if (first != hello)
                {
                    throw new TimeoutException($"Slack sent no hello within {_options.HelloTimeout}.");
                }

                await hello.ConfigureAwait(false);
            }
            ConnectionsOpened++;
            _logger.LogInformation("Connected to Slack Socket Mode (connection {Number}).", number);
            _ready.TrySetResult();
            return connection;
        }
        catch
        {
            await ForgetAsync(connection).ConfigureAwait(false);
            throw;
        }
    }

    private abstract record Signal(SocketModeConnection Connection)
    {
        public sealed record Disconnect(SocketModeConnection Connection, string Reason) : Signal(Connection);

        public sealed record Ended(SocketModeConnection Connection, Exception? Error, SocketFrame? Frame) : Signal(Connection);

        public sealed record Idle(SocketModeConnection Connection) : Signal(Connection);
    }
}
