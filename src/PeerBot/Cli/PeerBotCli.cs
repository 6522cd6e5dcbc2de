using PeerBot.Embeddings;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;
using PeerBot.Charts;
using PeerBot.Core.Configuration;
using PeerBot.Core.Digest;
using PeerBot.Core.Groups;
using PeerBot.Core.People;
using PeerBot.Core.Safety;
using PeerBot.Core.Sharing;
using PeerBot.Storage;
using PeerBot.Storage.Digest;
using PeerBot.Storage.Groups;
using PeerBot.Storage.Safety;

namespace PeerBot.Cli;

/// <summary>The command-line verbs. Output goes to the writers given, so tests can read it.</summary>
internal sealed class PeerBotCli(TextReader input, TextWriter output, TextWriter error, TimeProvider timeProvider)
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
            "plan-groups" => await PlanGroupsAsync(options, line.Json).ConfigureAwait(false),
            "analyze" => TranscriptAnalyzer.RunFile(
                line.InputFile, input, output, error, options.Safety, options.Safety.Engine == SafetyEngine.Semantic ? SemanticSafetyServiceCollectionExtensions.CreateClassifier : null),
            "digest" => await DigestAsync(options, line.OutFolder!, cancellationToken).ConfigureAwait(false),
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

    private async Task<int> PlanGroupsAsync(PeerBotOptions options, bool json)
    {
        var now = timeProvider.GetUtcNow();
        PlanningState? state = null;

        // Only an existing database is read, so planning never creates or changes anything.
        if (File.Exists(options.Storage.Path))
        {
            try
            {
                using var database = PeerBotDatabase.OpenFile(options.Storage.Path);
                state = PlanningState.FromStore(new LiteDbGroupStore(database), now);
            }
            catch (StorageException ex)
            {
                await error.WriteLineAsync($"warning: {ex.Message} Planning from the configuration alone.").ConfigureAwait(false);
            }
            catch (IOException ex)
            {
                await error.WriteLineAsync($"warning: the database '{options.Storage.Path}' could not be read ({ex.Message}); a running PeerBot may hold it. Planning from the configuration alone.").ConfigureAwait(false);
            }
        }

        var report = GroupPlanReport.Build(options, state);
        await output.WriteAsync(json ? report.RenderJson() : report.RenderText()).ConfigureAwait(false);
        if (!report.IsValid)
        {
            foreach (var problem in report.Plan.Errors)
            {
                await error.WriteLineAsync($"  {ConfigurationLoader.FromFeatureMessage(problem)}").ConfigureAwait(false);
            }

            return Invalid;
        }

        return Ok;
    }

    private async Task<int> DigestAsync(PeerBotOptions options, string outFolder, CancellationToken cancellationToken)
    {
        // The counters live in the database: without one, nothing has been counted and there is nothing to report.
        if (!File.Exists(options.Storage.Path))
        {
            await error.WriteLineAsync($"peerbot: there is no database at '{options.Storage.Path}', so nothing has been counted yet; run PeerBot first, or name its configuration with --config.").ConfigureAwait(false);
            return Invalid;
        }

        IReadOnlyList<ComposedDigest> digests;
        try
        {
            using var database = PeerBotDatabase.OpenFile(options.Storage.Path);
            var builder = new DigestBuilder(
                new GroupDirectory(new LiteDbGroupStore(database), timeProvider),
                new PeopleDirectory(options.People),
                new LiteDigestCounters(database),
                new LiteDbAlertStore(database),
                timeProvider);
            digests = await new DigestComposer(builder, new ScottPlotDigestChartRenderer()).ForEveryoneAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (StorageException ex)
        {
            await error.WriteLineAsync($"peerbot: {ex.Message}").ConfigureAwait(false);
            return Failed;
        }
        catch (IOException ex)
        {
            await error.WriteLineAsync($"peerbot: the database '{options.Storage.Path}' could not be read ({ex.Message}); a running PeerBot may hold it.").ConfigureAwait(false);
            return Failed;
        }

        try
        {
            var written = DigestFiles.Write(outFolder, digests);
            await output.WriteLineAsync(written.Count == 0
                ? $"Nobody facilitates or coordinates a group yet; nothing was written to {outFolder}."
                : $"Wrote {written.Count} digest{(written.Count == 1 ? "" : "s")} to {outFolder}:").ConfigureAwait(false);
            foreach (var line in written)
            {
                await output.WriteLineAsync("  " + line).ConfigureAwait(false);
            }

            return Ok;
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            await error.WriteLineAsync($"peerbot: the digests could not be written to '{outFolder}' ({ex.Message}).").ConfigureAwait(false);
            return Failed;
        }
    }

    private async Task<int> RunHostAsync(CommandLine line, PeerBotOptions options, CancellationToken cancellationToken)
    {
        try
        {
            var sandbox = line.Verb == "sandbox" ? SandboxMode.Always : SandboxMode.IfNoPlatform;
            using var host = PeerBotHost.CreateBuilder(line.ConfigFile, sandbox: sandbox).Build();
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
        catch (AnonymityKeyException ex)
        {
            // A missing, damaged or over-shared key is the operator's to fix; nothing was started.
            await error.WriteLineAsync($"peerbot: {ex.Message}").ConfigureAwait(false);
            return Invalid;
        }
    }
}
