using System.Text.Json;
using PeerBot.Core.Configuration;
using PeerBot.Core.Safety;
using PeerBot.Testing.Safety;

namespace PeerBot.Core.Tests.Safety;

public sealed class TranscriptAnalyzerTests
{
    private static (int Exit, string Output, string Error) Run(string input, SafetyOptions? options = null, IMessageClassifier? classifier = null)
    {
        using var reader = new StringReader(input);
        using var output = new StringWriter();
        using var error = new StringWriter();
        var exit = TranscriptAnalyzer.Run(reader, output, error, options ?? new SafetyOptions(), classifier);
        return (exit, output.ToString(), error.ToString());
    }

    private static string Line(string id, string channel, string author, string ts, string text) =>
        JsonSerializer.Serialize(new { id, channel, author, ts, text });

    [Fact]
    public void Run_DesignExample_WritesExactShape()
    {
        var (exit, output, error) = Run(Line("m1", "g1", "u1", "2026-11-02T18:00:00Z", "what's the point") + "\n");

        Assert.Equal(0, exit);
        Assert.Equal("", error);
        Assert.Equal(
            "{\"id\":\"m1\",\"fatalistic\":true,\"fatalism\":0.8,\"crisis\":false,\"coping\":false,\"alert\":null,\"reasons\":[\"futility: \\\"what's the point\\\"\"]}\n",
            output);
    }

    [Fact]
    public void Run_Spiral_AlertIsOnTheMessageWhereItFires()
    {
        var input = string.Join("\n",
            Line("m1", "g1", "ana", "2026-11-02T18:00:00Z", "nothing will ever change here"),
            Line("m2", "g2", "ben", "2026-11-02T18:01:00Z", "what's the point"),
            Line("m3", "g1", "ben", "2026-11-02T18:02:00Z", "no point, it's hopeless"),
            Line("m4", "g1", "cat", "2026-11-02T18:03:00Z", "lunch anyone?"),
            Line("m5", "g1", "ana", "2026-11-02T18:04:00Z", "i've given up"),
            Line("m6", "g1", "cat", "2026-11-02T18:05:00Z", "same, why bother"),
            Line("m7", "g1", "dev", "2026-11-02T18:06:00Z", "i want to die"));

        var (exit, output, _) = Run(input);

        Assert.Equal(0, exit);
        var rows = output.Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(l => JsonDocument.Parse(l).RootElement).ToList();
        Assert.Equal(["m1", "m2", "m3", "m4", "m5", "m6", "m7"], rows.Select(r => r.GetProperty("id").GetString()));
        var alerts = rows.Select(r => r.GetProperty("alert").ValueKind == JsonValueKind.Null ? "-" : r.GetProperty("alert").GetString()!).ToList();
        Assert.Equal(["-", "-", "-", "-", "spiral", "-", "crisis"], alerts);
        Assert.True(rows[6].GetProperty("crisis").GetBoolean());
    }

    private static List<string> Alerts(string output) =>
        output.Split('\n', StringSplitOptions.RemoveEmptyEntries)
            .Select(l => JsonDocument.Parse(l).RootElement.GetProperty("alert"))
            .Select(a => a.ValueKind == JsonValueKind.Null ? "-" : a.GetString()!)
            .ToList();

    private const string Wine = "need three glasses of wine to fall asleep after nights now";
    private const string Pyxis = "been taking something from the pyxis to get through the week";
    private const string CrisisAndCoping = "drinking every night and honestly i want to die";
    private const string FatalisticCoping = "i've given up, i just drink until i can't feel it";

    /// <summary>
    /// A week and more of one program's transcript: coping notes per person and group, a repeat within the limit,
    /// a crisis that is also coping, a coping message that completes a spiral, and the limit passing.
    /// </summary>
    private static readonly (string Id, string Channel, string Author, string Ts, string Text)[] CopingTranscript =
    [
        ("m1", "g1", "ana", "2026-11-02T18:00:00Z", Wine),
        ("m2", "g1", "ana", "2026-11-03T18:00:00Z", Pyxis),
        ("m3", "g1", "ben", "2026-11-03T18:05:00Z", Pyxis),
        ("m4", "g2", "ana", "2026-11-03T18:10:00Z", Pyxis),
        ("m5", "g1", "cat", "2026-11-04T18:00:00Z", CrisisAndCoping),
        ("m6", "g1", "dev", "2026-11-05T18:00:00Z", "nothing will ever change here"),
        ("m7", "g1", "eve", "2026-11-05T18:01:00Z", "what's the point of the survey even"),
        ("m8", "g1", "cat", "2026-11-05T18:02:00Z", FatalisticCoping),
        ("m9", "g1", "ana", "2026-11-09T17:59:00Z", Wine),
        ("m10", "g1", "ana", "2026-11-09T18:00:00Z", Wine),
        ("m11", "g1", "ben", "2026-11-09T18:01:00Z", "rough night, so tired"),
    ];

    private static readonly string[] CopingTranscriptAlerts = ["coping", "-", "coping", "coping", "crisis", "-", "-", "spiral", "-", "coping", "-"];

    [Fact]
    public void Run_Coping_WritesCopingAndAlertsWhereTheLiveBotWouldNote()
    {
        var input = string.Join("\n", CopingTranscript.Select(m => Line(m.Id, m.Channel, m.Author, m.Ts, m.Text)));

        var (exit, output, error) = Run(input, classifier: new FakeCopingClassifier(Wine, Pyxis, CrisisAndCoping, FatalisticCoping));

        Assert.Equal(0, exit);
        Assert.Equal("", error);
        var rows = output.Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(l => JsonDocument.Parse(l).RootElement).ToList();
        Assert.Equal([true, true, true, true, true, false, false, true, true, true, false], rows.Select(r => r.GetProperty("coping").GetBoolean()));
        Assert.Equal(CopingTranscriptAlerts, Alerts(output));
        Assert.Equal(
            ["id", "fatalistic", "fatalism", "crisis", "coping", "alert", "reasons"],
            rows[0].EnumerateObject().Select(p => p.Name));
        Assert.Contains("coping: \"" + Wine + "\"", rows[0].GetProperty("reasons").EnumerateArray().Select(r => r.GetString()));
    }

    [Fact]
    public async Task Run_CopingTranscript_SameAlertsAsTheLiveMonitor()
    {
        var classifier = new FakeCopingClassifier(Wine, Pyxis, CrisisAndCoping, FatalisticCoping);
        var h = new SafetyHarness(classifier: classifier);
        var live = new List<string>();
        foreach (var m in CopingTranscript)
        {
            var at = DateTimeOffset.Parse(m.Ts, System.Globalization.CultureInfo.InvariantCulture);
            var outcome = await SafetyHarness.SayAsync(h.Monitor, m.Channel, m.Author, at, m.Text);
            live.Add(outcome.Alert?.Kind.ToString().ToLowerInvariant() ?? "-");
        }

        var (_, output, _) = Run(string.Join("\n", CopingTranscript.Select(m => Line(m.Id, m.Channel, m.Author, m.Ts, m.Text))), classifier: classifier);

        Assert.Equal(Alerts(output), live);
        Assert.Equal(CopingTranscriptAlerts, live);
    }

    [Fact]
    public void Run_CopingCooldownSetting_ChangesWhereNotesFire()
    {
        var input = string.Join("\n",
            Line("m1", "g1", "ana", "2026-11-02T18:00:00Z", Wine),
            Line("m2", "g1", "ana", "2026-11-03T18:00:00Z", Pyxis));
        var classifier = new FakeCopingClassifier(Wine, Pyxis);

        var week = Run(input, classifier: classifier);
        var hours = Run(input, new SafetyOptions { CopingCooldown = TimeSpan.FromHours(12) }, classifier);

        Assert.Equal(["coping", "-"], Alerts(week.Output));
        Assert.Equal(["coping", "coping"], Alerts(hours.Output));
    }

    [Fact]
    public void Run_MalformedLines_ReportsEveryOneWithLineNumbersAndWritesNothing()
    {
        var input = string.Join("\n",
            Line("m1", "g1", "ana", "2026-11-02T18:00:00Z", "fine"),
            "{not json",
            "",
            "[1,2]",
            "{\"id\":\"m4\",\"channel\":\"g1\",\"author\":\"ana\",\"text\":\"no ts\"}",
            Line("m5", "g1", "ana", "yesterday", "bad ts"),
            "{\"id\":5,\"channel\":\"g1\",\"author\":\"ana\",\"ts\":\"2026-11-02T18:00:00Z\",\"text\":\"x\"}",
            Line("m1", "g1", "ana", "2026-11-02T18:01:00Z", "duplicate id"),
            Line("m8", "g1", "ana", "2026-11-02T17:00:00Z", "out of order"));

        var (exit, output, error) = Run(input);

        Assert.Equal(2, exit);
        Assert.Equal("", output);
        Assert.Contains("line 2: not valid JSON", error, StringComparison.Ordinal);
        Assert.DoesNotContain("line 3:", error, StringComparison.Ordinal);
        Assert.Contains("line 4: expected a JSON object", error, StringComparison.Ordinal);
        Assert.Contains("line 5: missing \"ts\"", error, StringComparison.Ordinal);
        Assert.Contains("line 6: \"ts\" is not an ISO 8601 time", error, StringComparison.Ordinal);
        Assert.Contains("line 7: \"id\" must be a string", error, StringComparison.Ordinal);
        Assert.Contains("line 8: duplicate id \"m1\" (first on line 1)", error, StringComparison.Ordinal);
        Assert.Contains("line 9: \"ts\"", error, StringComparison.Ordinal);
        Assert.Contains("earlier than line 1", error, StringComparison.Ordinal);
    }

    [Fact]
    public void Run_InvalidSettings_Exit2AndNamesTheSetting()
    {
        var (exit, output, error) = Run(Line("m1", "g1", "u1", "2026-11-02T18:00:00Z", "hi"), new SafetyOptions { SpiralMinMessages = 0 });

        Assert.Equal(2, exit);
        Assert.Equal("", output);
        Assert.Contains("PeerBot:Safety:SpiralMinMessages", error, StringComparison.Ordinal);
    }

    [Fact]
    public void Run_ZeroCopingCooldown_Exit2AndNamesTheSetting()
    {
        var (exit, output, error) = Run(Line("m1", "g1", "u1", "2026-11-02T18:00:00Z", "hi"), new SafetyOptions { CopingCooldown = TimeSpan.Zero });

        Assert.Equal(2, exit);
        Assert.Equal("", output);
        Assert.Contains("PeerBot:Safety:CopingCooldown", error, StringComparison.Ordinal);
    }

    [Fact]
    public void Run_EmptyInput_NothingWrittenExit0()
    {
        var (exit, output, error) = Run("");

        Assert.Equal(0, exit);
        Assert.Equal("", output);
        Assert.Equal("", error);
    }

    [Fact]
    public void Run_TunedSettings_ChangeWhereSpiralsFire()
    {
        var path = Path.Combine(Corpus.Folder, "conversations", "calm-09-two-fatalistic.jsonl");
        var input = File.ReadAllText(path);

        var defaults = Run(input);
        var sensitive = Run(input, new SafetyOptions { SpiralMinMessages = 2 });

        Assert.DoesNotContain("\"alert\":\"spiral\"", defaults.Output, StringComparison.Ordinal);
        Assert.Contains("\"alert\":\"spiral\"", sensitive.Output, StringComparison.Ordinal);
    }

    [Fact]
    public void Run_WholeCorpusFile_OneLinePerMessageSameOrder()
    {
        var lines = File.ReadAllLines(Path.Combine(Corpus.Folder, "dev.jsonl"));
        var transcript = string.Join("\n", lines.Select((l, i) =>
        {
            var m = JsonDocument.Parse(l).RootElement;
            return Line(m.GetProperty("id").GetString()!, "g" + (i % 5), "p" + (i % 3),
                new DateTimeOffset(2026, 11, 2, 8, 0, 0, TimeSpan.Zero).AddMinutes(i).ToString("O"), m.GetProperty("text").GetString()!);
        }));

        var (exit, output, _) = Run(transcript);

        Assert.Equal(0, exit);
        var ids = output.Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(l => JsonDocument.Parse(l).RootElement.GetProperty("id").GetString());
        Assert.Equal(lines.Select(l => JsonDocument.Parse(l).RootElement.GetProperty("id").GetString()), ids);
    }

    [Fact]
    public void RunFile_MissingFile_Exit2AndSaysWhich()
    {
        using var output = new StringWriter();
        using var error = new StringWriter();

        var exit = TranscriptAnalyzer.RunFile(Path.Combine(Path.GetTempPath(), "no-such-transcript-" + Guid.NewGuid() + ".jsonl"), TextReader.Null, output, error, new SafetyOptions());

        Assert.Equal(2, exit);
        Assert.Equal("", output.ToString());
        Assert.Contains("no-such-transcript-", error.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public void RunFile_NullPath_ReadsStandardInput()
    {
        using var stdin = new StringReader(Line("m1", "g1", "u1", "2026-11-02T18:00:00Z", "i want to die"));
        using var output = new StringWriter();
        using var error = new StringWriter();

        var exit = TranscriptAnalyzer.RunFile(null, stdin, output, error, new SafetyOptions());

        Assert.Equal(0, exit);
        Assert.Contains("\"alert\":\"crisis\"", output.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public void RunFile_CorpusConversation_EndToEndFromDisk()
    {
        var path = Path.Combine(Corpus.Folder, "conversations", "spiral-03-agreement-chain.jsonl");
        using var output = new StringWriter();
        using var error = new StringWriter();

        var exit = TranscriptAnalyzer.RunFile(path, TextReader.Null, output, error, new SafetyOptions());

        Assert.Equal(0, exit);
        var lines = output.ToString().Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal(File.ReadAllLines(path).Length, lines.Length);
        Assert.Single(lines, l => l.Contains("\"alert\":\"spiral\"", StringComparison.Ordinal));
        Assert.Contains("agreement: \\\"^ this\\\"", output.ToString(), StringComparison.Ordinal);
    }
}
