using PeerBot.Cli;
using Microsoft.Extensions.Time.Testing;

namespace PeerBot.Tests;

/// <summary>Runs alone, after the other tests: loading and running the model takes both cores for a moment, which the
/// real-time end-to-end tests must not share.</summary>
[CollectionDefinition(nameof(ModelCollection), DisableParallelization = true)]
public sealed class ModelCollection;

/// <summary><c>analyze</c> with the default, semantic engine.</summary>
[Collection(nameof(ModelCollection))]
public sealed class AnalyzeSemanticTests : IDisposable
{
    private readonly string _folder = Directory.CreateTempSubdirectory("peerbot-analyze-").FullName;
    private readonly FakeTimeProvider _time = new(new DateTimeOffset(2026, 11, 2, 12, 0, 0, TimeSpan.Zero));

    public void Dispose() => Directory.Delete(_folder, recursive: true);

    [Fact]
    public async Task Analyze_CrisisInWordsTheLexiconLacks_FlaggedByTheSemanticEngineWithItsReasons()
    {
        // The default engine: a plain statement of a plan, in none of the lexicon's phrases, is crisis; a lexicon-only run misses it.
        const string Plan = "{\"id\":\"p1\",\"channel\":\"g1\",\"author\":\"u1\",\"ts\":\"2026-11-02T18:00:00Z\",\"text\":\"i've been looking at the train tracks on my drive home every night\"}\n";

        var (exit, output, error) = await RunWithInputAsync(Plan, "analyze");
        var lexiconOnly = await RunWithInputAsync(Plan, "analyze", "--config", WriteConfig("""{"PeerBot":{"Safety":{"Engine":"Lexicon"}}}"""));

        Assert.True(exit == 0, error);
        var line = System.Text.Json.JsonDocument.Parse(output.Trim()).RootElement;
        Assert.True(line.GetProperty("crisis").GetBoolean(), output);
        Assert.Equal("crisis", line.GetProperty("alert").GetString());
        Assert.Contains(line.GetProperty("reasons").EnumerateArray(), r => r.GetString()!.StartsWith("model crisis", StringComparison.Ordinal));
        Assert.True(lexiconOnly.Exit == 0, lexiconOnly.Err);
        Assert.Contains("\"crisis\":false", lexiconOnly.Out, StringComparison.Ordinal);
    }

    private async Task<(int Exit, string Out, string Err)> RunWithInputAsync(string standardInput, params string[] args)
    {
        using var input = new StringReader(standardInput);
        using var output = new StringWriter();
        using var error = new StringWriter();
        var exit = await new PeerBotCli(input, output, error, _time).RunAsync(args, CancellationToken.None);
        return (exit, output.ToString(), error.ToString());
    }

    private string WriteConfig(string json)
    {
        var path = Path.Combine(_folder, Guid.NewGuid().ToString("N") + ".json");
        File.WriteAllText(path, json);
        return path;
    }
}
