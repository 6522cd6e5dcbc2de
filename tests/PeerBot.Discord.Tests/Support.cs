using System.Collections.Concurrent;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using PeerBot.Core.Configuration;
using PeerBot.Core.Platform;
using PeerBot.Discord.Rest;
using PeerBot.Testing;
using PeerBot.Testing.Discord;
using PeerBot.Testing.Hosting;

namespace PeerBot.Discord.Tests;

/// <summary>A scripted stand-in for Core: records what the adapter hands it and answers as the test says.</summary>
internal sealed class ScriptedEventHandler : IPlatformEventHandler
{
    private readonly object _gate = new();
    private readonly List<IncomingMessage> _messages = [];
    private TaskCompletionSource _changed = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public ConcurrentQueue<CommandInvocation> Commands { get; } = new();

    public ConcurrentQueue<FormSubmission> Forms { get; } = new();

    public ConcurrentQueue<ButtonPress> Buttons { get; } = new();

    public Func<CommandInvocation, Task<InteractionResponse>> OnCommand { get; set; } = c => Task.FromResult(InteractionResponse.Text("ok: " + c.Text));

    public Func<FormSubmission, Task<InteractionResponse>> OnForm { get; set; } = _ => Task.FromResult(InteractionResponse.Text("thanks"));

    public Func<ButtonPress, Task<InteractionResponse>> OnButton { get; set; } = _ => Task.FromResult(InteractionResponse.Text("pressed"));

    public Func<IncomingMessage, Task> OnMessage { get; set; } = _ => Task.CompletedTask;

    public IReadOnlyList<IncomingMessage> Messages
    {
        get
        {
            lock (_gate)
            {
                return _messages.ToList();
            }
        }
    }

    public async Task HandleMessageAsync(IncomingMessage message, CancellationToken cancellationToken)
    {
        lock (_gate)
        {
            _messages.Add(message);
        }

        Pulse();
        await OnMessage(message);
    }

    public ConcurrentQueue<MessageEdited> Edits { get; } = new();

    public Task HandleMessageEditedAsync(MessageEdited edit, CancellationToken cancellationToken)
    {
        Edits.Enqueue(edit);
        Pulse();
        return Task.CompletedTask;
    }

    public Task<InteractionResponse> HandleCommandAsync(CommandInvocation command, CancellationToken cancellationToken)
    {
        Commands.Enqueue(command);
        Pulse();
        return OnCommand(command);
    }

    public Task<InteractionResponse> HandleFormAsync(FormSubmission submission, CancellationToken cancellationToken)
    {
        Forms.Enqueue(submission);
        Pulse();
        return OnForm(submission);
    }

    public Task<InteractionResponse> HandleButtonAsync(ButtonPress press, CancellationToken cancellationToken)
    {
        Buttons.Enqueue(press);
        Pulse();
        return OnButton(press);
    }

    public async Task WaitUntilAsync(Func<bool> condition, string what, TimeSpan? timeout = null)
    {
        using var cts = new CancellationTokenSource(timeout ?? TimeSpan.FromSeconds(20));
        while (true)
        {
            Task changed;
            lock (_gate)
            {
                changed = _changed.Task;
            }

            if (condition())
            {
                return;
            }

            try
            {
                await changed.WaitAsync(cts.Token);
            }
            catch (OperationCanceledException)
            {
                throw new TimeoutException("Timed out waiting for " + what);
            }
        }
    }

    private void Pulse()
    {
        TaskCompletionSource old;
        lock (_gate)
        {
            old = _changed;
            _changed = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        }

        old.TrySetResult();
    }
}

/// <summary>Keeps every log line, to check what the adapter says (and that it never says the token).</summary>
internal sealed class RecordingLoggerProvider : ILoggerProvider
{
    private readonly ConcurrentQueue<(LogLevel Level, string Category, string Text)> _lines = new();

    public IReadOnlyList<(LogLevel Level, string Category, string Text)> Lines => _lines.ToList();

    public string All => string.Join("\n", _lines.Select(l => $"{l.Level} {l.Category}: {l.Text}"));

    public ILogger CreateLogger(string categoryName) => new Logger(this, categoryName);

    public void Dispose()
    {
    }

    private sealed class Logger(RecordingLoggerProvider owner, string category) : ILogger
    {
        public IDisposable? BeginScope<TState>(TState state) where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => true;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter) =>
            owner._lines.Enqueue((logLevel, category, formatter(state, exception) + (exception is null ? "" : " " + exception.Message)));
    }
}

/// <summary>The adapter in a generic host, pointed at a Discord emulator, with a scripted Core.</summary>
internal sealed class AdapterHarness : IAsyncDisposable
{
    private AdapterHarness(DiscordEmulator emulator, IHost host, ScriptedEventHandler handler, RecordingLoggerProvider logs)
    {
        Emulator = emulator;
        Host = host;
        Handler = handler;
        Logs = logs;
    }

    public DiscordEmulator Emulator { get; }

    public IHost Host { get; }

    public ScriptedEventHandler Handler { get; }

    public RecordingLoggerProvider Logs { get; }

    public IChatPlatform Platform => Host.Services.GetRequiredService<IChatPlatform>();

    public DiscordFatalError Fatal => Host.Services.GetRequiredService<DiscordFatalError>();

    public static async Task<AdapterHarness> StartAsync(
        Action<DiscordAdapterOptions>? configure = null,
        DiscordEmulatorOptions? emulatorOptions = null,
        Action<DiscordEmulator>? prepare = null,
        bool waitUntilConnected = true,
        string? token = null,
        string? guildId = null,
        string? apiBaseUrl = null,
        Action<IServiceCollection>? services = null)
    {
        var emulator = await DiscordEmulator.StartAsync(emulatorOptions);
        prepare?.Invoke(emulator);
        var handler = new ScriptedEventHandler();
        var logs = new RecordingLoggerProvider();
        var builder = Microsoft.Extensions.Hosting.Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { DisableDefaults = true });
        builder.Logging.ClearProviders();
        builder.Logging.AddProvider(logs);
        builder.Logging.SetMinimumLevel(LogLevel.Debug);
        builder.Services.Configure<PeerBotOptions>(o =>
        {
            o.Discord.Token = token ?? emulator.Token;
            o.Discord.GuildId = guildId ?? DiscordEmulator.GuildId;
            o.Discord.ApiBaseUrl = apiBaseUrl ?? emulator.ApiBaseUrl;
            o.Discord.CategoryName = "Peer Support";
        });
        builder.Services.AddSingleton<IPlatformEventHandler>(handler);
        builder.Services.AddTestLifetime();
        services?.Invoke(builder.Services);
        builder.Services.AddDiscord(o =>
        {
            o.SetExitCodeOnFatal = false;
            o.ReconnectBaseDelay = TimeSpan.FromMilliseconds(5);
            o.ReconnectMaxDelay = TimeSpan.FromMilliseconds(50);
            o.InvalidSessionMinDelay = TimeSpan.Zero;
            o.InvalidSessionMaxDelay = TimeSpan.FromMilliseconds(10);
            o.RetryBaseDelay = TimeSpan.FromMilliseconds(5);
            o.RateLimitMargin = TimeSpan.FromMilliseconds(5);
            configure?.Invoke(o);
        });
        var host = builder.Build();
        try
        {
            await host.StartAsync();
            if (waitUntilConnected)
            {
                await emulator.WaitUntilAsync(() => emulator.IsConnected && emulator.Commands is not null, what: "the bot to connect");
                await host.Services.GetRequiredService<DiscordHostedService>().Started.WaitAsync(TimeSpan.FromSeconds(30));
            }
        }
        catch
        {
            // The test never gets the harness to dispose: nothing it started may outlive it.
            await HostShutdown.StopQuietlyAsync(host, emulator);
            throw;
        }

        return new AdapterHarness(emulator, host, handler, logs);
    }

    public async ValueTask DisposeAsync()
    {
        try
        {
            await Host.StopAsync();
        }
        finally
        {
            Host.Dispose();
            await Emulator.DisposeAsync();
        }

        Assert.DoesNotContain(Emulator.Token, Logs.All, StringComparison.Ordinal);

        // Every request of every test is checked against the published API description and the protocol rules.
        Emulator.AssertNoViolations();
    }
}

/// <summary>The Discord adapter's services around a given stand-in for Core, with a REST client that answers every request 204.</summary>
internal static class RouterServices
{
    public static ServiceProvider Build(IPlatformEventHandler handler, ILoggerProvider? logs = null, Action<IServiceCollection>? configure = null)
    {
        var time = new SignallingTimeProvider();
        var adapterOptions = new DiscordAdapterOptions();
        var services = new ServiceCollection();
        services.AddLogging(b =>
        {
            if (logs is not null)
            {
                b.AddProvider(logs).SetMinimumLevel(LogLevel.Debug);
            }
        });
        services.AddOptions<PeerBotOptions>().Configure(o =>
        {
            o.Discord.Token = "tkn";
            o.Discord.GuildId = "100";
            o.Discord.ApiBaseUrl = "https://discord.test/api/v10";
        });
        services.AddSingleton<TimeProvider>(time);
        services.AddSingleton(handler);
        configure?.Invoke(services);
        services.AddDiscord();
        services.AddSingleton(adapterOptions);
        services.AddSingleton(sp => new DiscordRestClient(
            new HttpClient(new NoContentHandler()), "https://discord.test/api/v10", "tkn", adapterOptions, time, sp.GetRequiredService<ILogger<DiscordRestClient>>()));
        return services.BuildServiceProvider();
    }

    private sealed class NoContentHandler : HttpMessageHandler
    {
        protected override Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken) =>
            Task.FromResult(new HttpResponseMessage(System.Net.HttpStatusCode.NoContent));
    }
}
