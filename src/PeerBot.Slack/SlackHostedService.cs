using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using PeerBot.Core.Platform;
using PeerBot.Slack.Api;
using PeerBot.Slack.Inbound;
using PeerBot.Slack.SocketMode;

namespace PeerBot.Slack;

/// <summary>
/// Runs the Slack adapter: at start, checks the bot token (<c>auth.test</c>) and resolves configured people; then keeps
/// the Socket Mode connection and feeds Core. An unrecoverable error is logged once, clearly, the exit code is set
/// to 1 and the application is stopped.
/// </summary>
public sealed class SlackHostedService : BackgroundService
{
    private readonly SlackApiClient _api;
    private readonly SlackBotIdentity _identity;
    private readonly SlackPeopleResolver _people;
    private readonly SocketModeClient _client;
    private readonly SlackEventDispatcher _dispatcher;
    private readonly IHostApplicationLifetime _lifetime;
    private readonly ExitCodeSink _exitCode;
    private readonly SlackAdapterOptions _options;
    private readonly SlackTimers _timers;
    private readonly IServiceScopeFactory _scopes;
    private readonly ILogger<SlackHostedService> _logger;
    private volatile string? _fatalError;
    private bool _started;

    public SlackHostedService(
        SlackApiClient api,
        SlackBotIdentity identity,
        SlackPeopleResolver people,
        SocketModeClient client,
        SlackEventDispatcher dispatcher,
        IHostApplicationLifetime lifetime,
        ExitCodeSink exitCode,
        IOptions<SlackAdapterOptions> options,
        SlackTimers timers,
        IServiceScopeFactory scopes,
        ILogger<SlackHostedService> logger)
    {
        _scopes = scopes;
        ArgumentNullException.ThrowIfNull(options);
        _api = api;
        _identity = identity;
        _people = people;
        _client = client;
        _dispatcher = dispatcher;
        _lifetime = lifetime;
        _exitCode = exitCode;
        _options = options.Value;
        _timers = timers;
        _logger = logger;
    }

    /// <summary>The fatal error that stopped the adapter, or null.</summary>
    public string? FatalError => _fatalError;

    /// <summary>The Socket Mode client (ready once connected).</summary>
    public SocketModeClient Client => _client;

    /// <summary>Checks the token and resolves people before later hosted services start, so they see Slack ids.</summary>
    public override async Task StartAsync(CancellationToken cancellationToken)
    {
        try
        {
            EnsureCoreIsRegistered();
            await IdentifyAsync(cancellationToken).ConfigureAwait(false);
            var problems = await _people.ResolveAsync(cancellationToken).ConfigureAwait(false);
            if (problems.Count > 0)
            {
                throw new SlackFatalException("Some people in the configuration are not in the Slack workspace:" + Environment.NewLine
                    + string.Join(Environment.NewLine, problems.Select(p => "  " + p)) + Environment.NewLine
                    + "Fix their Slack user id or email in the configuration.");
            }
        }
        catch (SlackFatalException ex)
        {
            Fail(ex);
            return;
        }
        catch (PlatformException ex)
        {
            Fail(new SlackFatalException("Resolving the configured people on Slack failed: " + ex.Message, ex));
            return;
        }

        _started = true;
        await base.StartAsync(cancellationToken).ConfigureAwait(false);
    }

    /// <inheritdoc />
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        if (!_started)
        {
            return;
        }

        using var stop = CancellationTokenSource.CreateLinkedTokenSource(stoppingToken);
        var worker = _dispatcher.RunAsync(stop.Token);
        try
        {
            // A failure of the connection loop that is not the operator's to fix restarts it with backoff instead of
            // stopping the host; a bad token or setting (SlackFatalException) still stops it with a clear message.
            await AdapterSupervisor.RunAsync(
                "Slack",
                _client.RunAsync,
                ex => ex is SlackFatalException,
                _timers.Time,
                _options.ReconnectBaseDelay,
                _options.ReconnectMaxDelay,
                _logger,
                stop.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
            // Host shutdown.
        }
        catch (SlackFatalException ex)
        {
            Fail(ex);
        }
        catch (Exception ex)
        {
            Fail(new SlackFatalException($"The Slack adapter failed unexpectedly: {ex.Message}", ex));
        }
        finally
        {
            await stop.CancelAsync().ConfigureAwait(false);
            try
            {
                await worker.ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                // The worker ends by cancellation.
            }
        }
    }

    /// <summary>Waits (within the host's shutdown timeout) for commands and interactions being answered.</summary>
    public override async Task StopAsync(CancellationToken cancellationToken)
    {
        await base.StopAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            await _dispatcher.WhenInteractionsDoneAsync().WaitAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
            _logger.LogWarning("Stopped before every Slack command and interaction was answered.");
        }
    }

    private void EnsureCoreIsRegistered()
    {
        using var scope = _scopes.CreateScope();
        if (scope.ServiceProvider.GetService<IPlatformEventHandler>() is null)
        {
            throw new SlackFatalException("No IPlatformEventHandler is registered, so nothing would answer Slack. Register Core's features before starting the Slack adapter.");
        }
    }

    private async Task IdentifyAsync(CancellationToken cancellationToken)
    {
        var attempt = 0;
        while (true)
        {
            try
            {
                var response = await _api.GetAsync("auth.test", new Dictionary<string, string>(), cancellationToken).ConfigureAwait(false);
                var userId = response.GetProperty("user_id").GetString() ?? "";
                _identity.Set(userId, Str(response, "bot_id"), Str(response, "team_id"));
                _logger.LogInformation("Slack bot token is valid: bot user {UserId} in workspace {Team}.", userId, Str(response, "team") ?? Str(response, "team_id"));
                return;
            }
            catch (SlackApiException ex) when (ex.IsAuthError)
            {
                throw new SlackFatalException(
                    $"Slack rejected the bot token ({ex.Error}). Set PeerBot:Slack:BotToken to the Bot User OAuth Token (xoxb-…) from api.slack.com/apps > your app > OAuth & Permissions, and make sure the app is installed in the workspace.",
                    ex);
            }
            catch (SlackApiException ex) when (ex.IsTransient)
            {
                attempt++;
                var delay = SlackTimers.Backoff(attempt, _options.ReconnectBaseDelay, _options.ReconnectMaxDelay);
                _logger.LogWarning("Slack is not reachable ({Error}); retrying auth.test in {Delay}.", ex.Message, delay);
                await _timers.DelayAsync(delay, "auth.test retry", cancellationToken).ConfigureAwait(false);
            }
            catch (SlackApiException ex)
            {
                throw new SlackFatalException($"Slack refused auth.test: {ex.Message}", ex);
            }
        }
    }

    private void Fail(SlackFatalException error)
    {
        _fatalError = error.Message;
        _logger.LogCritical("Slack adapter stopped: {Reason}", error.Message);
        _exitCode.Set(1);
        _lifetime.StopApplication();
    }

    private static string? Str(JsonElement element, string name) =>
        element.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.String ? value.GetString() : null;
}
