using Microsoft.Extensions.Time.Testing;
using PeerBot.Cli;

namespace PeerBot.Tests;

public class CliTests : IDisposable
{
    // Sunday 22 November 2026, 12:00 in New York.
    private readonly FakeTimeProvider _time = new(new DateTimeOffset(2026, 11, 22, 17, 0, 0, TimeSpan.Zero));
    private readonly string _folder = Path.Combine(Path.GetTempPath(), "peerbot-cli-tests", Guid.NewGuid().ToString("N"));

    public CliTests() => Directory.CreateDirectory(_folder);

    public void Dispose()
    {
        Directory.Delete(_folder, recursive: true);
        GC.SuppressFinalize(this);
    }

    private Task<(int Exit, string Out, string Err)> RunAsync(params string[] args) => RunWithInputAsync("", args);

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

    [Fact]
    public async Task CheckConfig_ExampleConfiguration_PrintsSummaryAndExitsZero()
    {
        var (exit, output, error) = await RunAsync("check-config", "--config", Path.Combine(AppContext.BaseDirectory, "appsettings.example.json"));

        Assert.True(exit == 0, error);
        Assert.Contains("Configuration is valid.", output, StringComparison.Ordinal);
        Assert.Contains("People (16): 12 residents, 2 alumni, 1 psychologist, 1 coordinator", output, StringComparison.Ordinal);
        Assert.Contains("Tuesday Circle", output, StringComparison.Ordinal);
        Assert.Contains("Facilitators: Dr. Sam Lee (dr-lee, Alumni), Dr. Jo Kim (dr-kim, Psychologist)", output, StringComparison.Ordinal);
        Assert.Contains("next Tue 19:00 America/New_York, in 2 days", output, StringComparison.Ordinal);
        Assert.Contains("next Sat 07:30 America/Chicago, in 5 days", output, StringComparison.Ordinal);
        Assert.Contains("4 residents in no explicit group", output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task CheckConfig_SeveralMistakes_ListsAllWithPathsAndExitsTwo()
    {
        var config = WriteConfig("""
            { "PeerBot": {
              "TimeZone": "Mars/Olympus",
              "Slack": { "BotToken": "xoxp-personal-secret-token", "AppToken": "xapp-1-abc" },
              "People": [
                { "Id": "ana", "Name": "Ana", "Role": "Resident", "Pgy": 1, "Slack": "U0ANA" },
                { "Id": "ben", "Name": "Ben", "Role": "Resident", "Slack": "U0BEN" },
                { "Id": "dr-lee", "Name": "Dr. Lee", "Role": "Alumni", "Slack": "U0LEE" }
              ],
              "Groups": [
                { "Name": "Tuesday Circle", "Members": ["ana", "ben", "bne"], "Facilitators": ["dr-lee"], "Schedule": "0 25 * * TUE" }
              ]
            } }
            """);

        var (exit, output, error) = await RunAsync("check-config", "--config", config);

        Assert.Equal(2, exit);
        Assert.Empty(output);
        Assert.Contains("The configuration has 5 problems; nothing was started:", error, StringComparison.Ordinal);
        Assert.Contains("PeerBot:TimeZone: unknown time zone \"Mars/Olympus\"", error, StringComparison.Ordinal);
        Assert.Contains("PeerBot:Slack:BotToken: does not look like a bot token", error, StringComparison.Ordinal);
        Assert.Contains("PeerBot:People:1:Pgy: required for a resident", error, StringComparison.Ordinal);
        Assert.Contains("PeerBot:Groups:0:Members:2: no person with id \"bne\"", error, StringComparison.Ordinal);
        Assert.Contains("PeerBot:Groups:0:Schedule: \"0 25 * * TUE\" is not a cron schedule", error, StringComparison.Ordinal);
        Assert.DoesNotContain("personal-secret", error, StringComparison.Ordinal);
    }

    /// <summary>A new coordinator's first file: one value that cannot be read and four broken rules.</summary>
    private const string FiveMistakes = """
        { "PeerBot": {
          "TimeZone": "America/New_Yrok",
          "People": [
            { "Id": "ana", "Name": "Ana R.", "Role": "Resident", "Pgy": 1 },
            { "Id": "ben", "Name": "Ben T.", "Role": "Resident", "Pgy": 2 },
            { "Id": "cy", "Name": "Cy M.", "Role": "Resident", "Pgy": 3 },
            { "Id": "dr-lee", "Name": "Dr. Sam Lee", "Role": "Wizard" },
            { "Id": "ana", "Name": "Ana Again", "Role": "Resident", "Pgy": 1 }
          ],
          "Groups": [
            { "Name": "Tuesday Circle", "Members": ["ana", "ben", "dee"], "Facilitators": ["dr-lee"], "Schedule": "0 25 * * TUE" }
          ]
        } }
        """;

    [Theory]
    [InlineData("check-config")]
    [InlineData("run")]
    [InlineData("sandbox")]
    [InlineData("plan-groups")]
    [InlineData("analyze")]
    public async Task AnyVerb_FiveMistakesOfBothKinds_ListsAllFiveWithPathsAndExitsTwo(string verb)
    {
        var config = WriteConfig(FiveMistakes);
        using var input = new StringReader(Transcript);
        using var output = new StringWriter();
        using var error = new StringWriter();
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60));

        var exit = await new PeerBotCli(input, output, error, _time).RunAsync([verb, "--config", config], timeout.Token);

        Assert.Equal(2, exit);
        Assert.Empty(output.ToString());
        Assert.Equal(
            [
                "The configuration has 5 problems; nothing was started:",
                "  PeerBot:People:3:Role: \"Wizard\" is not one of Resident, Alumni, Psychologist, Coordinator",
                "  PeerBot:TimeZone: unknown time zone \"America/New_Yrok\"; use an IANA name such as America/New_York or Europe/London",
                "  PeerBot:People:4:Id: duplicate id \"ana\": each person needs their own id",
                "  PeerBot:Groups:0:Members:2: no person with id \"dee\"",
                "  PeerBot:Groups:0:Schedule: \"0 25 * * TUE\" is not a cron schedule of five fields (minute hour day-of-month month day-of-week), e.g. \"0 19 * * TUE\"",
            ],
            error.ToString().Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(l => l.TrimEnd('\r')).Where(l => !l.StartsWith("warning: ", StringComparison.Ordinal)));
    }

    [Fact]
    public async Task CheckConfig_ValuesOfEveryKindThatCannotBeRead_ListsEachWithTheBrokenRulesAndExitsTwo()
    {
        var config = WriteConfig("""
            { "PeerBot": {
              "TimeZone": "Mars/Olympus",
              "People": [
                { "Id": "ana", "Name": "Ana R.", "Role": "Resident", "Pgy": "first" },
                { "Id": "ben", "Name": "Ben T.", "Role": "resident", "Pgy": 2 },
                { "Id": "cy", "Name": "Cy M.", "Role": "Student", "Pgy": 3 },
                { "Id": "dr-lee", "Name": "Dr. Lee", "Role": "Alumni" }
              ],
              "Groups": [ { "Name": "Tuesday Circle", "Platform": "Teams", "Members": ["ana", "ben", "cy"], "Facilitators": ["dr-lee"] } ],
              "Formation": { "GroupSize": "five" },
              "Anonymity": { "Enabled": "yes", "MinDelay": "20s", "MaxDelay": "00:00:10", "MaxPerDay": 2.5, "Review": "no" },
              "Safety": { "SpiralWindow": "30 minutes", "SpiralMinMessages": 3, "SpiralMinPeople": 2, "AlertCooldown": "1:00", "FatalismThreshold": "high" }
            } }
            """);

        var (exit, output, error) = await RunAsync("check-config", "--config", config);

        Assert.Equal(2, exit);
        Assert.Empty(output);
        string[] expected =
        [
            "PeerBot:People:0:Pgy: \"first\" is not a whole number",
            "PeerBot:People:2:Role: \"Student\" is not one of Resident, Alumni, Psychologist, Coordinator",
            "PeerBot:Groups:0:Platform: \"Teams\" is not one of Discord, Slack, Sandbox",
            "PeerBot:Formation:GroupSize: \"five\" is not a whole number",
            "PeerBot:Anonymity:Enabled: \"yes\" is not true or false",
            "PeerBot:Anonymity:MinDelay: \"20s\" is not a duration (hh:mm:ss, or d.hh:mm:ss)",
            "PeerBot:Anonymity:MaxPerDay: \"2.5\" is not a whole number",
            "PeerBot:Anonymity:Review: \"no\" is not true or false",
            "PeerBot:Safety:SpiralWindow: \"30 minutes\" is not a duration (hh:mm:ss, or d.hh:mm:ss)",
            "PeerBot:Safety:FatalismThreshold: \"high\" is not a number",
            "PeerBot:TimeZone: unknown time zone \"Mars/Olympus\"; use an IANA name such as America/New_York or Europe/London",
        ];
        Assert.Contains($"The configuration has {expected.Length} problems; nothing was started:", error, StringComparison.Ordinal);
        foreach (var problem in expected)
        {
            Assert.Contains("  " + problem + Environment.NewLine, error, StringComparison.Ordinal);
        }
    }

    [Fact]
    public async Task PlanGroups_ExampleConfiguration_PrintsGroupsAndExitsZero()
    {
        var (exit, output, error) = await RunAsync("plan-groups", "--config", Path.Combine(AppContext.BaseDirectory, "appsettings.example.json"));

        Assert.True(exit == 0, error);
        Assert.Contains("3 group(s), 12 resident(s) placed.", output, StringComparison.Ordinal);
        Assert.Contains("Peer Circle 1", output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task PlanGroups_Json_ListsEachGroupsPeopleById()
    {
        var (exit, output, error) = await RunAsync("plan-groups", "--json", "--config", Path.Combine(AppContext.BaseDirectory, "appsettings.example.json"));

        Assert.True(exit == 0, error);
        using var json = System.Text.Json.JsonDocument.Parse(output);
        var groups = json.RootElement.GetProperty("groups").EnumerateArray().ToList();
        Assert.Equal(3, groups.Count);
        var tuesday = groups.Single(g => g.GetProperty("name").GetString() == "Tuesday Circle");
        Assert.Equal(["ana", "elena", "isla", "ben"], tuesday.GetProperty("members").EnumerateArray().Select(m => m.GetString()));
        Assert.Equal(["dr-kim", "dr-lee"], tuesday.GetProperty("facilitators").EnumerateArray().Select(m => m.GetString()));
        var placed = groups.SelectMany(g => g.GetProperty("members").EnumerateArray().Select(m => m.GetString())).ToList();
        Assert.Equal(12, placed.Distinct().Count());
    }

    private const string Transcript = """
        {"id":"m1","channel":"g1","author":"u1","ts":"2026-11-02T18:00:00Z","text":"brutal shift, three codes and no lunch"}
        {"id":"m2","channel":"g1","author":"u2","ts":"2026-11-02T18:02:00Z","text":"honestly what's the point, nothing we do ever changes anything"}
        {"id":"m3","channel":"g1","author":"u3","ts":"2026-11-02T18:04:00Z","text":"yeah it's hopeless, it will always be like this"}
        {"id":"m4","channel":"g1","author":"u1","ts":"2026-11-02T18:06:00Z","text":"no point trying anymore, nothing will ever get better"}
        """;

    [Fact]
    public async Task Analyze_TranscriptOnStandardInput_WritesOneLinePerMessageWithSpiralAlert()
    {
        var (exit, output, error) = await RunWithInputAsync(Transcript, "analyze");

        Assert.True(exit == 0, error);
        var lines = output.Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(l => System.Text.Json.JsonDocument.Parse(l).RootElement).ToList();
        Assert.Equal(["m1", "m2", "m3", "m4"], lines.Select(l => l.GetProperty("id").GetString()));
        Assert.False(lines[0].GetProperty("fatalistic").GetBoolean());
        Assert.True(lines[1].GetProperty("fatalistic").GetBoolean());
        Assert.Equal(System.Text.Json.JsonValueKind.Null, lines[1].GetProperty("alert").ValueKind);
        Assert.Equal("spiral", lines[3].GetProperty("alert").GetString());
        Assert.NotEmpty(lines[3].GetProperty("reasons").EnumerateArray());
    }

    [Fact]
    public async Task Analyze_InputFile_ReadsTheFile()
    {
        var path = Path.Combine(_folder, "transcript.jsonl");
        await File.WriteAllTextAsync(path, Transcript);

        var (exit, output, error) = await RunAsync("analyze", "--input", path);

        Assert.True(exit == 0, error);
        Assert.Equal(4, output.Split('\n', StringSplitOptions.RemoveEmptyEntries).Length);
    }

    [Fact]
    public async Task Analyze_MalformedLine_ReportsLineNumberAndWritesNothing()
    {
        var (exit, output, error) = await RunWithInputAsync(Transcript + "\n{\"id\":\"m5\",\"channel\":\"g1\"\n", "analyze");

        Assert.Equal(2, exit);
        Assert.Empty(output);
        Assert.Contains("line 5", error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task CheckConfig_ConfigFileMissing_ExitsTwoNamingTheFile()
    {
        var (exit, _, error) = await RunAsync("check-config", "--config", Path.Combine(_folder, "nope.json"));

        Assert.Equal(2, exit);
        Assert.Contains("nope.json", error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task CheckConfig_MalformedJson_ExitsTwoWithClearError()
    {
        var (exit, _, error) = await RunAsync("check-config", "--config", WriteConfig("{ \"PeerBot\": { \"TimeZone\": } "));

        Assert.Equal(2, exit);
        Assert.Contains("not valid JSON", error, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("frobnicate")]
    [InlineData("--verbose")]
    [InlineData("check-config", "--config")]
    [InlineData("check-config", "extra")]
    [InlineData("run", "--json")]
    public async Task Run_BadArguments_ExitTwoWithMessage(params string[] args)
    {
        var (exit, output, error) = await RunAsync(args);

        Assert.Equal(2, exit);
        Assert.Empty(output);
        Assert.StartsWith("peerbot: ", error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Help_ListsEveryVerb()
    {
        var (exit, output, _) = await RunAsync("--help");

        Assert.Equal(0, exit);
        foreach (var (verb, _, _) in CommandLine.Verbs)
        {
            Assert.Contains(verb, output, StringComparison.Ordinal);
        }
    }
}
