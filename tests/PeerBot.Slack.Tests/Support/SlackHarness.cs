using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Time.Testing;
using PeerBot.Core.Configuration;
using PeerBot.Core.People;
using PeerBot.Core.Platform;
using PeerBot.Slack.SocketMode;
using PeerBot.Testing.Slack;
using PeerBot.Testing.Hosting;

namespace PeerBot.Slack.Tests.Support;

/// <summary>
/// The Slack adapter in a real generic host, pointed at a <see cref="SlackEmulator"/>, with a recording
/// <see cref="IPlatformEventHandler"/>, a fake clock, captured logs and a recorded exit code. Disposing it fails the
/// test if any call broke Slack's published API description.
/// </summary>
public sealed class SlackHarness : IAsyncDisposable
{
    private SlackHarness(SlackEmulator emulator, IHost host, FakeTimeProvider time, ListLoggerProvider logs, RecordingExitCodeSink exitCode, IPlatformEventHandler handler)
    {
        Emulator = emulator;
        Host = host;
        Time = time;
        Logs = logs;
        ExitCode = exitCode;
        Handler = handler;
    }

    public SlackEmulator Emulator { get; }

    public IHost Host { get; }

    public FakeTimeProvider Time { get; }

    public ListLoggerProvider Logs { get; }

    public RecordingExitCodeSink ExitCode { get; }

    public IPlatformEventHandler Handler { get; }

    public RecordingEventHandler Recorder => (RecordingEventHandler)Handler;

    public SlackChatPlatform Platform => Host.Services.GetRequiredService<SlackChatPlatform>();

    public SocketModeClient Client => Host.Services.GetRequiredService<SocketModeClient>();

    public SlackTimers Timers => Host.Services.GetRequiredService<SlackTimers>();

    public bool IgnoreViolations { get; set; }

    public static async Task<SlackHarness> StartAsync(
        Action<SlackEmulator>? setup = null,
        Action<SlackAdapterOptions>? configure = null,
        IPlatformEventHandler? handler = null,
        List<PersonOptions>? people = null,
        bool waitUntilConnected = true,
        bool registerHandler = true,
        Action<IServiceCollection>? services = null)
    {
        var emulator = new SlackEmulator();
        await emulator.StartAsync();
        var time = new FakeTimeProvider(new DateTimeOffset(2026, 11, 2, 18, 0, 0, TimeSpan.Zero));
        emulator.Time = time;
        setup?.Invoke(emulator);
        var logs = new ListLoggerProvider();
        var exitCode = new RecordingExitCodeSink();
        handler ??= new RecordingEventHandler();
        var builder = Microsoft.Extensions.Hosting.Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { DisableDefaults = true });
        builder.Logging.ClearProviders().AddProvider(logs).SetMinimumLevel(LogLevel.Trace);
        var configuredPeople = people ?? [];
        builder.Services.AddOptions<PeerBotOptions>().Configure(o =>
        {
            o.Slack.BotToken = SlackEmulator.BotToken;
            o.Slack.AppToken = SlackEmulator.AppToken;
            o.Slack.ApiBaseUrl = emulator.ApiBaseUrl;
            o.People = configuredPeople;
        });
        builder.Services.AddSingleton<TimeProvider>(time);
        builder.Services.AddSingleton<ExitCodeSink>(exitCode);
        if (registerHandler)
        {
            builder.Services.AddSingleton(handler);
        }
        builder.Services.AddSingleton<IPeopleDirectory>(new PeopleDirectory(configuredPeople));
        builder.Services.Configure<HostOptions>(o => o.ShutdownTimeout = TimeSpan.FromSeconds(10));
        builder.Services.AddTestLifetime();
        builder.Services.AddSlack(configure);
        services?.Invoke(builder.Services);
        var host = builder.Build();
        var harness = new SlackHarness(emulator, host, time, logs, exitCode, handler);
        try
        {
            await host.StartAsync();
            if (waitUntilConnected)
            {
                try
                {
                    var stopping = harness.StoppingAsync();
                    if (await Task.WhenAny(harness.Client.Ready, stopping).WaitAsync(TimeSpan.FromSeconds(20)) == stopping)
                    {
                        throw new TimeoutException("The host stopped.");
                    }
                }
                catch (TimeoutException ex)
                {
                    throw new TimeoutException("The adapter never connected. Log:\n" + logs.AllText, ex);
                }
            }
        }
        catch
        {
            // The test never gets the harness to dispose: nothing it started may outlive it.
            await HostShutdown.StopQuietlyAsync(host, emulator);
            throw;
        }

        return harness;
    }

    /// <summary>Waits until the host has been asked to stop.</summary>
    public Task StoppingAsync()
    {
        var lifetime = Host.Services.GetRequiredService<IHostApplicationLifetime>();
        var stopping = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        lifetime.ApplicationStopping.Register(() => stopping.TrySetResult());
        return stopping.Task.WaitAsync(TimeSpan.FromSeconds(20));
    }

    public async ValueTask DisposeAsync()
    {
        await Host.StopAsync();
        Host.Dispose();
        var violations = Emulator.Violations;
        await Emulator.DisposeAsync();
        if (!IgnoreViolations && violations.Count > 0)
        {
            throw new InvalidOperationException("Calls broke Slack's published API description:\n" + string.Join("\n", violations));
        }
    }
}
