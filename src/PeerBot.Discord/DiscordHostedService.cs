using PeerBot.Core.People;
using PeerBot.Core.Configuration;
using Microsoft.Extensions.Options;
using System.Text.Json;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using PeerBot.Core.Platform;
using PeerBot.Discord.Gateway;
using PeerBot.Discord.Interactions;
using PeerBot.Discord.Rest;

namespace PeerBot.Discord;

/// <summary>Holds the reason the Discord adapter stopped the host, for the host's exit code and tests.</summary>
public sealed class DiscordFatalError
{
    private volatile string? _message;

    /// <summary>The message logged when the adapter stopped the host; null while it runs.</summary>
    public string? Message => _message;

    internal void Set(string message) => _message = message;
}

/// <summary>
/// Runs the Discord adapter: checks the configuration and the bot's place in the server, registers
/// <c>/peer</c>, and keeps the gateway connected. A failure that retrying cannot fix is logged once,
/// with what to change, and stops the application with a non-zero exit code.
/// </summary>
public sealed class DiscordHostedService : BackgroundService
{
    private readonly DiscordRestClient _rest;
    private readonly DiscordSession _session;
    private readonly GatewayClient _gateway;
    private readonly DiscordEventRouter _router;
    private readonly IHostApplicationLifetime _lifetime;
    private readonly DiscordFatalError _fatal;
    private readonly DiscordAdapterOptions _options;
    private readonly ILogger _logger;
    private readonly TimeProvider _time;
    private readonly DiscordChatPlatform? _platform;
    private readonly PeopleDirectory? _people;
    private readonly IOptions<PeerBotOptions>? _peerBotOptions;
    private readonly TaskCompletionSource _started = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public DiscordHostedService(
        DiscordRestClient rest,
        DiscordSession session,
        GatewayClient gateway,
        DiscordEventRouter router,
        IHostApplicationLifetime lifetime,
        DiscordFatalError fatal,
        DiscordAdapterOptions options,
        TimeProvider time,
        ILogger<DiscordHostedService> logger,
        DiscordChatPlatform? platform = null,
        PeopleDirectory? people = null,
        IOptions<PeerBotOptions>? peerBotOptions = null)
    {
        _platform = platform;
        _people = people;
        _peerBotOptions = peerBotOptions;
        if (platform is not null && peerBotOptions is not null)
        {
            // People are resolved in the background (start-up retries must not hold the host); until then, groups
            // on Discord are left alone (hosted services are all created before the first one starts).
            people?.ExpectResolution(PlatformKind.Discord);
        }
        _time = time;
        _rest = rest;
        _session = session;
        _gateway = gateway;
        _router = router;
        _lifetime = lifetime;
        _fatal = fatal;
        _options = options;
        _logger = logger;
    }

    /// <summary>Completes when /peer is registered and the start-up check has run (or the adapter stopped).</summary>
    public Task Started => _started.Task;

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        _router.Stopping = stoppingToken;
        Task messages = Task.CompletedTask;
        try
        {
            if (!Uri.TryCreate(_rest.BaseUrl, UriKind.Absolute, out var api) || (api.Scheme != Uri.UriSchemeHttps && api.Scheme != Uri.UriSchemeHttp))
            {
                throw new DiscordFatalException("PeerBot:Discord:ApiBaseUrl must be an absolute http(s) URL; leave it at https://discord.com/api/v10.");
            }

            if (string.IsNullOrWhiteSpace(_session.CategoryName) || _session.CategoryName.Length > 100)
            {
                throw new DiscordFatalException("PeerBot:Discord:CategoryName must be 1 to 100 characters (the category group channels are created in).");
            }

            if (!RouteInfo.IsSnowflake(_session.GuildId))
            {
                throw new DiscordFatalException(
                    "PeerBot:Discord:GuildId must be the numeric id of the program's Discord server (enable Developer Mode in Discord, "
                    + "right-click the server, Copy Server ID).");
            }

            for (var attempt = 1; ; attempt++)
            {
                try
                {
                    await PrepareAsync(stoppingToken).ConfigureAwait(false);
                    break;
                }
                catch (PlatformException ex) when (ex.IsTransient)
                {
                    // Discord being briefly unavailable at start is no reason to stop; try again with backoff.
                    var delay = TimeSpan.FromTicks(Math.Min(_options.ReconnectMaxDelay.Ticks, _options.ReconnectBaseDelay.Ticks << Math.Min(attempt - 1, 16)));
                    _logger.LogWarning("Discord is not reachable at start ({Error}); retrying in {Delay}", ex.Message, delay);
                    await Task.Delay(delay, _time, stoppingToken).ConfigureAwait(false);
                }
            }

            _started.TrySetResult();
            messages = _router.RunMessagesAsync(stoppingToken);
            // A failure of the connection loop that is not the operator's to fix (a bug met on an odd frame, a socket in a
            // state nobody planned for) restarts the loop with backoff instead of stopping the host.
            await AdapterSupervisor.RunAsync(
                "Discord",
                _gateway.RunAsync,
                ex => ex is DiscordFatalException || ex is PlatformException { Kind: PlatformErrorKind.Unauthorized },
                _time,
                _options.ReconnectBaseDelay,
                _options.ReconnectMaxDelay,
                _logger,
                stoppingToken).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
            // Stopping.
        }
        catch (DiscordFatalException ex)
        {
            Fail(ex.Message);
        }
        catch (PlatformException ex) when (ex.Kind == PlatformErrorKind.Unauthorized)
        {
            Fail("Discord rejected the bot token. Set PeerBot:Discord:Token to the current token from the Developer Portal "
                + "(your application > Bot > Reset Token) and restart.");
        }
        catch (Exception ex)
        {
            _logger.LogCritical(ex, "The Discord adapter failed");
            Fail("The Discord adapter failed: " + ex.Message);
        }
        finally
        {
            _started.TrySetResult();
            await messages.ConfigureAwait(false);
            await _router.DrainInteractionsAsync().ConfigureAwait(false);
        }
    }

    private async Task PrepareAsync(CancellationToken cancellationToken)
    {
        await DiscordStartupCheck.RunAsync(_rest, _session, _logger, cancellationToken).ConfigureAwait(false);
        if (_platform is not null && _people is not null && _peerBotOptions is not null)
        {
            // Usernames in config become user ids now; anyone not found stops the adapter with their name.
            var problems = await PeopleResolutionService.ResolveOnAsync(_peerBotOptions.Value, _platform, _people, cancellationToken).ConfigureAwait(false);
            if (problems.Count > 0)
            {
                throw new DiscordFatalException("Some people in the configuration were not found on Discord:" + Environment.NewLine
                    + string.Join(Environment.NewLine, problems.Select(p => "  " + p)));
            }
        }

        var (_, applicationId) = await _session.GetIdentityAsync(_rest, cancellationToken).ConfigureAwait(false);
        var registered = await _rest.SendAsync(HttpMethod.Put, $"/applications/{applicationId}/commands", PeerCommand.Registration(), null, cancellationToken).ConfigureAwait(false);
        if (registered.IsSuccess)
        {
            _logger.LogInformation("Discord command /peer registered");
        }
        else
        {
            _logger.LogError("Registering /peer on Discord failed; residents cannot use it until this is fixed: {Error}", registered.ToException().Message);
        }

        if (_platform is not null)
        {
            try
            {
                await _platform.SecureArchivedChannelsAsync(cancellationToken).ConfigureAwait(false);
            }
            catch (Exception ex) when (ex is PlatformException or HttpRequestException)
            {
                // Worth a warning, not a stop: the next start tries again.
                _logger.LogWarning("Checking archived Discord channels for threads failed: {Error}", ex.Message);
            }
        }
    }

    private void Fail(string message)
    {
        _logger.LogCritical("Discord adapter stopped: {Reason}", message);
        _fatal.Set(message);
        if (_options.SetExitCodeOnFatal)
        {
            Environment.ExitCode = 1;
        }

        _lifetime.StopApplication();
    }

    /// <summary>Reads <c>GET /gateway/bot</c>.</summary>
    internal static async Task<GatewayBotInfo> GetGatewayBotAsync(DiscordRestClient rest, CancellationToken cancellationToken)
    {
        var body = (await rest.SendAsync(HttpMethod.Get, "/gateway/bot", null, null, cancellationToken).ConfigureAwait(false)).EnsureSuccess();
        var limit = body.TryGetProperty("session_start_limit", out var l) ? l : default;
        int Int(string name, int fallback) =>
            limit.ValueKind == JsonValueKind.Object && limit.TryGetProperty(name, out var v) && v.TryGetInt32(out var i) ? i : fallback;
        return new GatewayBotInfo(
            body.GetProperty("url").GetString()!,
            Int("total", 1000),
            Int("remaining", 1000),
            TimeSpan.FromMilliseconds(Int("reset_after", 0)),
            Math.Max(1, Int("max_concurrency", 1)));
    }
}
