using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;
using PeerBot.Core.Configuration;
using PeerBot.Core.People;
using PeerBot.Storage;

namespace PeerBot.Cli;

/// <summary>The command-line verbs. Output goes to the writers given, so tests can read it.</summary>
internal sealed class PeerBotCli(TextWriter output, TextWriter error, TimeProvider timeProvider)
{
    public const int Ok = 0, Failed = 1, Invalid = 2;

    public async Task<int> RunAsync(IReadOnlyList<string> args, CancellationToken cancellationToken)
    {
        var (line, parseError) = CommandLine.Parse(args);
        if (line is null)
        {
            await error.WriteLineAsync($"peerbot: {parseError}. Run 'peerbot --help' for the verbs.").ConfigureAwait(false);
            return Invalid;
        }

        if (line.Help)
        {
            await output.WriteLineAsync(CommandLine.Usage()).ConfigureAwait(false);
            return Ok;
        }

        var (options, status) = await LoadConfigurationAsync(line).ConfigureAwait(false);
        if (options is null)
        {
            return status;
        }

        return line.Verb switch
        {
            "check-config" => await CheckConfigAsync(options).ConfigureAwait(false),
            _ => await RunHostAsync(line, options, cancellationToken).ConfigureAwait(false),
        };
    }

    private async Task<(PeerBotOptions? Options, int Status)> LoadConfigurationAsync(CommandLine line)
    {
        var (configuration, buildError) = ConfigSources.Build(line.ConfigFile, ConfigSources.EnvironmentName());
        if (configuration is null)
        {
            await error.WriteLineAsync($"peerbot: {buildError}").ConfigureAwait(false);
            return (null, Invalid);
        }

        var result = ConfigurationLoader.Load(configuration);
        foreach (var warning in result.Warnings)
        {
            await error.WriteLineAsync($"warning: {warning}").ConfigureAwait(false);
        }

        if (!result.IsValid)
        {
            await error.WriteLineAsync($"The configuration has {result.Errors.Count} problem{(result.Errors.Count == 1 ? "" : "s")}; nothing was started:").ConfigureAwait(false);
            foreach (var problem in result.Errors)
            {
                await error.WriteLineAsync($"  {problem}").ConfigureAwait(false);
            }

            return (null, Invalid);
        }

        return (result.Options, Ok);
    }

    private async Task<int> CheckConfigAsync(PeerBotOptions options)
    {
        await output.WriteAsync(ConfigSummary.Render(options, timeProvider.GetUtcNow())).ConfigureAwait(false);
        return Ok;
    }

    private async Task<int> RunHostAsync(CommandLine line, PeerBotOptions options, CancellationToken cancellationToken)
    {
        if (options.UsesSandbox())
        {
            await error.WriteLineAsync(
                """
                No chat platform is configured, so there is nothing to connect to yet.
                To run PeerBot on Discord, set PeerBot:Discord:Token and PeerBot:Discord:GuildId (docs/discord-setup.md);
                on Slack, set PeerBot:Slack:BotToken and PeerBot:Slack:AppToken (docs/slack-setup.md).
                Environment variables work too: PeerBot__Discord__Token=... dotnet run --project src/PeerBot
                """).ConfigureAwait(false);
            return Invalid;
        }

        try
        {
            using var host = PeerBotHost.CreateBuilder(line.ConfigFile).Build();
            await host.RunAsync(cancellationToken).ConfigureAwait(false);
            return Environment.ExitCode;
        }
        catch (OptionsValidationException ex)
        {
            await error.WriteLineAsync("The configuration is not valid; nothing was started:").ConfigureAwait(false);
            foreach (var failure in ex.Failures)
            {
                await error.WriteLineAsync($"  {failure}").ConfigureAwait(false);
            }

            return Invalid;
        }
        catch (PeopleResolutionException ex)
        {
            await error.WriteLineAsync(ex.Message).ConfigureAwait(false);
            return Invalid;
        }
        catch (StorageException ex)
        {
            await error.WriteLineAsync($"peerbot: {ex.Message}").ConfigureAwait(false);
            return Failed;
        }
    }
}
