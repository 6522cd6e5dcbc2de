using System.Net;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Connections;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using PeerBot.Core.Configuration;
using PeerBot.Core.People;
using PeerBot.Core.Platform;
using PeerBot.Sandbox.Workspace;

namespace PeerBot.Sandbox.Web;

/// <summary>
/// Serves the sandbox page and its API with Kestrel on 127.0.0.1 (<c>Sandbox:Port</c>; 0 picks a free port),
/// beyond loopback only when <c>Sandbox:AllowRemote</c> says so, and prints the address at start.
/// </summary>
public sealed partial class SandboxWebHost : IHostedService, IAsyncDisposable
{
    internal const string Welcome =
        "Welcome to the PeerBot sandbox, a workspace on this computer only. Choose who you are at the top: "
        + "your group's private channel and your conversation with PeerBot are in the sidebar. "
        + "Type /peer help to see what you can do, and use the clock to jump to the next scheduled prompt.";

    private readonly SandboxWorkspace _workspace;
    private readonly SandboxEventHub _hub;
    private readonly SandboxClock _clock;
    private readonly IPeopleDirectory _people;
    private readonly IPlatformEventHandler _handler;
    private readonly IServiceProvider _services;
    private readonly SandboxOptions _options;
    private readonly string _timeZone;
    private readonly ILoggerFactory _loggerFactory;
    private readonly ILogger<SandboxWebHost> _logger;
    private readonly IHostApplicationLifetime _lifetime;
    private readonly SandboxConsole _console;
    private readonly CancellationTokenSource _stopping = new();
    private readonly TaskCompletionSource<Uri> _started = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private WebApplication? _app;
    private SandboxApi? _api;

    public SandboxWebHost(
        SandboxWorkspace workspace,
        SandboxEventHub hub,
        SandboxClock clock,
        IPeopleDirectory people,
        IPlatformEventHandler handler,
        IServiceProvider services,
        IOptions<PeerBotOptions> options,
        ILoggerFactory loggerFactory,
        IHostApplicationLifetime lifetime,
        SandboxConsole console)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(loggerFactory);
        _workspace = workspace;
        _hub = hub;
        _clock = clock;
        _people = people;
        _handler = handler;
        _services = services;
        _options = options.Value.Sandbox;
        _timeZone = options.Value.TimeZone;
        _loggerFactory = loggerFactory;
        _logger = loggerFactory.CreateLogger<SandboxWebHost>();
        _lifetime = lifetime;
        _console = console;
    }

    /// <summary>The page's address once it listens.</summary>
    public Uri? Address => _started.Task.IsCompletedSuccessfully ? _started.Task.Result : null;

    /// <summary>Completes with the address once the page listens; faults when it could not.</summary>
    public Task<Uri> Started => _started.Task;

    /// <inheritdoc />
    public async Task StartAsync(CancellationToken cancellationToken)
    {
        _workspace.EnsureGeneral(Welcome);
        var demoRoster = string.Equals(_services.GetService<IConfiguration>()?[SandboxDemoRoster.MarkerKey], "true", StringComparison.OrdinalIgnoreCase);
        _api = new SandboxApi(_workspace, _hub, _clock, _people, _handler, _services, _logger, demoRoster, _timeZone, _stopping.Token);
        _app = Build(_api);
        _clock.Advanced += OnClockAdvanced;
        try
        {
            await _app.StartAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (IOException ex)
        {
            // A taken port is the person's to fix, not a bug: one plain line saying how, no stack trace.
            var inUse = ex.InnerException is AddressInUseException;
            await _console.Error.WriteLineAsync(inUse
                ? SandboxConsole.PortTakenLine(_options.Port)
                : SandboxConsole.CannotListenLine(_options.Port, ex.InnerException?.Message ?? ex.Message)).ConfigureAwait(false);
            await _console.Error.FlushAsync(cancellationToken).ConfigureAwait(false);
            _started.TrySetException(ex);
            Environment.ExitCode = 1;
            _lifetime.StopApplication();
            return;
        }

        var bound = _app.Services.GetRequiredService<Microsoft.AspNetCore.Hosting.Server.IServer>()
            .Features.Get<IServerAddressesFeature>()?.Addresses.FirstOrDefault()
            ?? throw new InvalidOperationException("Kestrel started without an address.");
        var port = new Uri(bound).Port;
        var address = new Uri($"http://127.0.0.1:{port}/");
        await _console.Out.WriteLineAsync(SandboxConsole.AddressLine(address)).ConfigureAwait(false);
        await _console.Out.FlushAsync(cancellationToken).ConfigureAwait(false);
        if (_options.AllowRemote)
        {
            LogRemote(_logger, port);
        }

        _started.TrySetResult(address);
    }

    /// <inheritdoc />
    public async Task StopAsync(CancellationToken cancellationToken)
    {
        _clock.Advanced -= OnClockAdvanced;

        // Live event streams never end by themselves; end them so Kestrel can stop at once.
        await _stopping.CancelAsync().ConfigureAwait(false);
        if (_app is not null)
        {
            await _app.StopAsync(cancellationToken).ConfigureAwait(false);
        }
    }

    /// <inheritdoc />
    public async ValueTask DisposeAsync()
    {
        if (_app is not null)
        {
            await _app.DisposeAsync().ConfigureAwait(false);
        }

        _stopping.Dispose();
    }

    private WebApplication Build(SandboxApi api)
    {
        var builder = WebApplication.CreateEmptyBuilder(new WebApplicationOptions
        {
            ApplicationName = typeof(SandboxWebHost).Assembly.GetName().Name,
            ContentRootPath = AppContext.BaseDirectory,
        });
        // The program's host already reports its own start; this embedded one's "Hosting failed to start" would
        // only repeat a taken port as a stack trace before the line that says what to do.
        builder.Services.Replace(ServiceDescriptor.Singleton<ILoggerFactory>(new EmbeddedLoggerFactory(_loggerFactory)));

        // The program's host owns Ctrl-C and SIGTERM; a second console lifetime here would swallow them.
        builder.Services.Replace(ServiceDescriptor.Singleton<IHostLifetime, EmbeddedLifetime>());
        builder.Services.AddRoutingCore();
        builder.WebHost.UseKestrelCore();
        builder.WebHost.ConfigureKestrel(kestrel =>
        {
            kestrel.AddServerHeader = false;
            if (_options.AllowRemote)
            {
                kestrel.ListenAnyIP(_options.Port);
            }
            else
            {
                kestrel.Listen(IPAddress.Loopback, _options.Port);
            }
        });

        var app = builder.Build();
        var allowRemote = _options.AllowRemote;
        app.Use(async (context, next) =>
        {
            if (!SandboxAccess.IsAllowedClient(context.Connection.RemoteIpAddress, allowRemote)
                || !SandboxAccess.IsLoopbackHost(context.Request.Host.Host, allowRemote))
            {
                context.Response.StatusCode = StatusCodes.Status403Forbidden;
                await context.Response.WriteAsync("The PeerBot sandbox answers only this computer. Set PeerBot:Sandbox:AllowRemote to open it to a trusted network.", context.RequestAborted).ConfigureAwait(false);
                return;
            }

            if (HttpMethods.IsPost(context.Request.Method))
            {
                // JSON bodies make a browser ask before a cross-site request, and the page's own origin is required.
                var origin = context.Request.Headers.Origin.ToString();
                if (origin.Length > 0 && !string.Equals(origin, $"{context.Request.Scheme}://{context.Request.Host}", StringComparison.OrdinalIgnoreCase))
                {
                    context.Response.StatusCode = StatusCodes.Status403Forbidden;
                    return;
                }

                if (!context.Request.HasJsonContentType())
                {
                    context.Response.StatusCode = StatusCodes.Status415UnsupportedMediaType;
                    return;
                }
            }

            var headers = context.Response.Headers;
            headers.XContentTypeOptions = "nosniff";
            headers.XFrameOptions = "DENY";
            headers["Referrer-Policy"] = "no-referrer";
            headers.ContentSecurityPolicy = "default-src 'self'; img-src 'self' data:; frame-ancestors 'none'; base-uri 'none'; form-action 'self'";
            await next(context).ConfigureAwait(false);
        });

        SandboxPage.Map(app);
        api.Map(app);
        return app;
    }

    private void OnClockAdvanced(object? sender, DateTimeOffset now)
    {
        if (_api is not null)
        {
            _hub.PublishToAll(new SandboxEvent("clock", _api.Clock()));
        }
    }

    /// <summary>The page's server starts and stops with the program's host, never on signals of its own.</summary>
    private sealed class EmbeddedLifetime : IHostLifetime
    {
        public Task WaitForStartAsync(CancellationToken cancellationToken) => Task.CompletedTask;

        public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
    }

    /// <summary>The program's loggers, less the embedded host's own lifetime records.</summary>
    private sealed class EmbeddedLoggerFactory(ILoggerFactory inner) : ILoggerFactory
    {
        private const string HostCategory = "Microsoft.Extensions.Hosting.Internal.Host";

        public ILogger CreateLogger(string categoryName) =>
            categoryName == HostCategory ? Microsoft.Extensions.Logging.Abstractions.NullLogger.Instance : inner.CreateLogger(categoryName);

        public void AddProvider(ILoggerProvider provider) => inner.AddProvider(provider);

        // The program's host owns the factory beneath and disposes it.
        public void Dispose()
        {
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "The sandbox also answers other computers on port {Port} (Sandbox:AllowRemote is on): anyone who reaches it can act as anyone in the roster.")]
    private static partial void LogRemote(ILogger logger, int port);
}
