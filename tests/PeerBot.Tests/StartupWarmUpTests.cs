using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using PeerBot.Core.Commands;
using PeerBot.Testing.Hosting;

namespace PeerBot.Tests;

public sealed class StartupWarmUpTests : IDisposable
{
    private readonly string _folder = Path.Combine(Path.GetTempPath(), "peerbot-warmup-tests", Guid.NewGuid().ToString("N"));

    public void Dispose()
    {
        if (Directory.Exists(_folder))
        {
            Directory.Delete(_folder, recursive: true);
        }
    }

    [Fact]
    public async Task WarmUp_AtStart_RunsLastAndLeavesNoAuditEntryOrWarning()
    {
        var logs = new ListLoggerProvider();
        var example = Path.Combine(AppContext.BaseDirectory, "appsettings.example.json");
        using var host = PeerBotHost.CreateBuilder(
            example,
            configuration => configuration.AddInMemoryCollection(new Dictionary<string, string?>
            {
                ["PeerBot:Storage:Path"] = Path.Combine(_folder, "peerbot.db"),
                ["PeerBot:Anonymity:KeyPath"] = Path.Combine(_folder, "anonymity.key"),
                ["PeerBot:Sandbox:StoragePath"] = Path.Combine(_folder, "sandbox.db"),
                ["PeerBot:Sandbox:Port"] = "0",
            }),
            b =>
            {
                b.Services.AddTestLifetime();
                b.Logging.AddProvider(logs);
                b.Logging.AddFilter<ListLoggerProvider>(null, LogLevel.Debug);
            }).Build();
        var hosted = host.Services.GetServices<IHostedService>().ToList();
        var warmUp = host.Services.GetRequiredService<StartupWarmUp>();

        await warmUp.StartAsync(CancellationToken.None);
        await warmUp.Completed.WaitAsync(TimeSpan.FromSeconds(60));
        await warmUp.StopAsync(CancellationToken.None);

        Assert.Same(warmUp, hosted[^1]);
        Assert.Empty(host.Services.GetRequiredService<IAuditLog>().Recent(10));
        Assert.Contains(logs.Lines, l => l.Contains("Command path warmed up", StringComparison.Ordinal));
        Assert.DoesNotContain(logs.Lines, l => l.StartsWith("Warning", StringComparison.Ordinal) || l.StartsWith("Error", StringComparison.Ordinal));
    }

    [Fact]
    public async Task WarmUp_UnexpectedExceptionType_LoggedAsWarningAndTheHostKeepsRunning()
    {
        var handler = new Moq.Mock<PeerBot.Core.Platform.IPlatformEventHandler>();
        handler.Setup(h => h.HandleCommandAsync(Moq.It.IsAny<PeerBot.Core.Platform.CommandInvocation>(), Moq.It.IsAny<CancellationToken>()))
            .Returns(Task.FromException<PeerBot.Core.Platform.InteractionResponse>(new NotSupportedException("a bug nobody listed")));
        var services = new ServiceCollection().AddSingleton(handler.Object).BuildServiceProvider();
        var logs = new ListLoggerProvider();
        using var factory = LoggerFactory.Create(b => b.AddProvider(logs));
        using var warmUp = new StartupWarmUp(services, TimeProvider.System, factory.CreateLogger<StartupWarmUp>());

        await warmUp.StartAsync(CancellationToken.None);
        await warmUp.Completed.WaitAsync(TimeSpan.FromSeconds(30));
        await warmUp.ExecuteTask!.WaitAsync(TimeSpan.FromSeconds(30));

        Assert.True(warmUp.ExecuteTask.IsCompletedSuccessfully);
        Assert.Contains(logs.Lines, l => l.StartsWith("Warning", StringComparison.Ordinal) && l.Contains("Warming up the command path failed", StringComparison.Ordinal));
    }

    private sealed class ListLoggerProvider : ILoggerProvider
    {
        private readonly List<string> _lines = [];

        public IReadOnlyList<string> Lines
        {
            get
            {
                lock (_lines)
                {
                    return [.. _lines];
                }
            }
        }

        public ILogger CreateLogger(string categoryName) => new Logger(this);

        public void Dispose()
        {
        }

        private sealed class Logger(ListLoggerProvider owner) : ILogger
        {
            public IDisposable? BeginScope<TState>(TState state)
                where TState : notnull => null;

            public bool IsEnabled(LogLevel logLevel) => true;

            public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
            {
                lock (owner._lines)
                {
                    owner._lines.Add($"{logLevel}: {formatter(state, exception)}");
                }
            }
        }
    }
}
