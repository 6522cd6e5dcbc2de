using System.Collections.Concurrent;
using System.Runtime.ExceptionServices;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;
using PeerBot.Cli;
using PeerBot.Reliability.Tests.Fuzzing;
using PeerBot.Storage;
using PeerBot.Testing.Sharing;

namespace PeerBot.Reliability.Tests.Security;

/// <summary>
/// Fake Discord and Slack tokens configured, then the real host started and stopped (and refused, for a bad option
/// and for a damaged database) with every log line captured at Trace level, every exception thrown recorded, and the
/// CLI's output read: no token, nor the telling part of one, appears anywhere.
/// </summary>
[Collection(SerialCollection.Name)]
public sealed class TokenScanTests : IDisposable
{
    private static readonly string[] Secrets = [ConfigFuzzTests.DiscordSecret, ConfigFuzzTests.SlackBotSecret, ConfigFuzzTests.SlackAppSecret];

    private readonly string _folder = Directory.CreateTempSubdirectory("peerbot-token-scan-").FullName;
    private readonly ListLoggerProvider _logs = new();
    private readonly ConcurrentQueue<string> _exceptions = new();

    public void Dispose() => Directory.Delete(_folder, recursive: true);

    private void Record(object? sender, FirstChanceExceptionEventArgs e) =>
        _exceptions.Enqueue($"{e.Exception.GetType().FullName}: {e.Exception.Message} {e.Exception.InnerException?.Message}");

    private IHost Host(Dictionary<string, string?> extra)
    {
        var values = new Dictionary<string, string?>
        {
            // Nothing here may reach the real services: unless a test names an emulator, both adapters point at a
            // closed port on loopback.
            ["PeerBot:Discord:ApiBaseUrl"] = "http://127.0.0.1:9/api/v10",
            ["PeerBot:Slack:ApiBaseUrl"] = "http://127.0.0.1:9/api/",
            ["Logging:LogLevel:Default"] = "Trace",
            ["Logging:LogLevel:Microsoft"] = "Trace",
            ["Logging:LogLevel:System"] = "Trace",
            ["PeerBot:Storage:Path"] = Path.Combine(_folder, "peerbot.db"),
            ["PeerBot:Anonymity:KeyPath"] = Path.Combine(_folder, "anonymity.key"),
            ["PeerBot:Discord:Token"] = ConfigFuzzTests.DiscordSecret,
            ["PeerBot:Discord:GuildId"] = "123456789012345678",
            ["PeerBot:Slack:BotToken"] = ConfigFuzzTests.SlackBotSecret,
            ["PeerBot:Slack:AppToken"] = ConfigFuzzTests.SlackAppSecret,
        };
        foreach (var (key, value) in extra)
        {
            values[key] = value;
        }

        return PeerBotHost.CreateBuilder(
            null,
            configuration => configuration.AddInMemoryCollection(values),
            builder => builder.Logging.AddProvider(_logs).SetMinimumLevel(LogLevel.Trace)).Build();
    }

    private void AssertNoSecretAnywhere(params string[] outputs)
    {
        var everything = string.Join("\n", _logs.Lines.Concat(_exceptions).Concat(outputs));
        foreach (var secret in Secrets)
        {
            Assert.DoesNotContain(secret, everything, StringComparison.Ordinal);
            Assert.DoesNotContain(secret[^20..], everything, StringComparison.Ordinal);
        }
    }

    [Fact]
    public async Task HostStartAndStop_WithTokens_NoTokenInAnyLogLineOrException()
    {
        // Both adapters really start, against the emulators on loopback, with the secrets as their tokens.
        await using var discord = await PeerBot.Testing.Discord.DiscordEmulator.StartAsync(
            new PeerBot.Testing.Discord.DiscordEmulatorOptions { Token = ConfigFuzzTests.DiscordSecret });
        await using var slack = new PeerBot.Testing.Slack.SlackEmulator();
        await slack.StartAsync();
        var endpoints = new Dictionary<string, string?>(discord.HostConfiguration());
        foreach (var (key, value) in slack.ConfigurationValues)
        {
            endpoints[key] = value;
        }

        endpoints["PeerBot:Slack:BotToken"] = ConfigFuzzTests.SlackBotSecret;
        endpoints["PeerBot:Slack:AppToken"] = ConfigFuzzTests.SlackAppSecret;
        AppDomain.CurrentDomain.FirstChanceException += Record;
        try
        {
            using var host = Host(endpoints);
            await host.StartAsync();
            await host.StopAsync();
        }
        finally
        {
            AppDomain.CurrentDomain.FirstChanceException -= Record;
        }

        Assert.Contains(_logs.Lines, l => l.StartsWith("Trace", StringComparison.Ordinal) || l.StartsWith("Debug", StringComparison.Ordinal));
        Assert.Contains(_logs.Lines, l => l.Contains("Application started", StringComparison.Ordinal));
        AssertNoSecretAnywhere();
    }

    [Fact]
    public async Task HostStart_InvalidOptionBesideTokens_FailuresNameNoToken()
    {
        string failures;
        AppDomain.CurrentDomain.FirstChanceException += Record;
        try
        {
            using var host = Host(new() { ["PeerBot:Safety:SpiralMinMessages"] = "1", ["PeerBot:Discord:GuildId"] = ConfigFuzzTests.DiscordSecret[..18] });
            var error = await Assert.ThrowsAsync<OptionsValidationException>(() => host.StartAsync());
            failures = string.Join("\n", error.Failures) + error.Message;
        }
        finally
        {
            AppDomain.CurrentDomain.FirstChanceException -= Record;
        }

        Assert.Contains("PeerBot:Safety:SpiralMinMessages", failures, StringComparison.Ordinal);
        AssertNoSecretAnywhere(failures);
    }

    [Fact]
    public async Task HostStart_DamagedDatabaseBesideTokens_RefusalNamesNoToken()
    {
        await File.WriteAllBytesAsync(Path.Combine(_folder, "peerbot.db"), new byte[8192]);
        string message;
        AppDomain.CurrentDomain.FirstChanceException += Record;
        try
        {
            using var host = Host([]);
            message = (await Assert.ThrowsAsync<StorageException>(() => host.StartAsync())).Message;
        }
        finally
        {
            AppDomain.CurrentDomain.FirstChanceException -= Record;
        }

        Assert.Contains("could not be opened", message, StringComparison.Ordinal);
        AssertNoSecretAnywhere(message);
    }

    [Theory]
    [InlineData("check-config")]
    [InlineData("check-config", "--bogus")]
    [InlineData("--help")]
    public async Task Cli_WithTokensInTheConfigFile_PrintsNoToken(params string[] args)
    {
        var config = Path.Combine(_folder, "config.json");
        await File.WriteAllTextAsync(config, ConfigFuzzTests.ValidConfig().ToJsonString());
        using var output = new StringWriter();
        using var error = new StringWriter();

        await new PeerBotCli(TextReader.Null, output, error, new FakeTimeProvider(new DateTimeOffset(2026, 11, 22, 17, 0, 0, TimeSpan.Zero)))
            .RunAsync([.. args, "--config", config], CancellationToken.None);

        Assert.NotEmpty(output.ToString() + error);
        AssertNoSecretAnywhere(output.ToString(), error.ToString());
    }
}
