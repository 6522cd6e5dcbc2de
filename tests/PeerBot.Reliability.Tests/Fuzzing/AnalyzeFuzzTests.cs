using System.Globalization;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using PeerBot.Core.Configuration;
using PeerBot.Core.Safety;

namespace PeerBot.Reliability.Tests.Fuzzing;

/// <summary>
/// Random and mutated JSON Lines through the <c>analyze</c> verb's <see cref="TranscriptAnalyzer.Run(TextReader, TextWriter, TextWriter, PeerBot.Core.Configuration.SafetyOptions, IMessageClassifier?)"/>: either exit 0
/// with exactly one result line per message line, or exit 2 with <c>line N:</c> problems and no output; never an exception.
/// </summary>
public sealed class AnalyzeFuzzTests
{
    private static readonly string[] Texts =
    [
        "what's the point", "nothing will ever change here", "i want to die", "lunch anyone?", "i've given up", "same, why bother", "",
    ];

    private static readonly string[] Times =
    [
        "2026-11-02T18:00:00Z", "2026-11-02T18:00:00+14:00", "2026-11-02", "0001-01-01T00:00:00Z", "9999-12-31T23:59:59Z",
        "2026-11-02T18:00:00.1234567-12:00", "yesterday", "2026-13-40T25:61:00Z", "1e9", "", " ",
    ];

    [Fact]
    public void Run_RandomAndMutatedTranscripts_ExitsCleanWithOneLinePerMessageOrLineNumberedProblems()
    {
        var random = new Random(4404);
        var count = Fuzz.Cases(5_000);
        for (var i = 0; i < count; i++)
        {
            var lines = Enumerable.Range(0, random.Next(1, 8)).Select((_, n) => Line(random, i, n)).ToList();
            var input = string.Join(random.Next(3) switch { 0 => "\r\n", 1 => "\n\n", _ => "\n" }, lines);
            try
            {
                Check(input);
            }
            catch (Exception ex)
            {
                throw new FuzzFailure($"Case {i} of seed 4404 failed: {ex.GetType().Name}: {ex.Message}\ninput: {Shorten(input)}", ex);
            }
        }
    }

    private static void Check(string input)
    {
        using var reader = new StringReader(input);
        using var output = new StringWriter();
        using var error = new StringWriter();

        var exit = TranscriptAnalyzer.Run(reader, output, error, new SafetyOptions());

        // The analyser reads lines as TextReader does (\n, \r\n or a lone \r) and skips blank ones.
        var messageLines = ReadLines(input).Where(l => !string.IsNullOrWhiteSpace(l)).ToList();
        if (exit == TranscriptAnalyzer.Success)
        {
            Assert.Equal("", error.ToString());
            var rows = output.ToString().Split('\n');
            Assert.Equal("", rows[^1]); // every row ends with a newline
            Assert.Equal(messageLines.Count, rows.Length - 1);
            for (var r = 0; r < messageLines.Count; r++)
            {
                var row = JsonDocument.Parse(rows[r]).RootElement;
                using var source = JsonDocument.Parse(messageLines[r]);
                Assert.Equal(source.RootElement.GetProperty("id").GetString(), row.GetProperty("id").GetString());
                Assert.Equal(JsonValueKind.Array, row.GetProperty("reasons").ValueKind);
            }
        }
        else
        {
            Assert.Equal(TranscriptAnalyzer.BadInput, exit);
            Assert.Equal("", output.ToString());
            var problems = error.ToString().Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(l => l.TrimEnd('\r')).ToList();
            Assert.True(problems.Count >= 2, error.ToString());
            Assert.All(problems[..^1], p => Assert.Matches(@"^line \d+: ", p));
            Assert.EndsWith("nothing was analysed.", problems[^1], StringComparison.Ordinal);
        }
    }

    private static IEnumerable<string> ReadLines(string input)
    {
        using var reader = new StringReader(input);
        while (reader.ReadLine() is { } line)
        {
            yield return line;
        }
    }

    private static string Line(Random random, int i, int n)
    {
        var valid = new JsonObject
        {
            ["id"] = string.Create(CultureInfo.InvariantCulture, $"m{i}-{n}"),
            ["channel"] = Fuzz.Pick(random, ["g1", "g2"]),
            ["author"] = Fuzz.Pick(random, ["ana", "ben", "cy"]),
            ["ts"] = string.Create(CultureInfo.InvariantCulture, $"2026-11-02T18:{n:00}:00Z"),
            ["text"] = Fuzz.Pick(random, Texts),
        };
        switch (random.Next(10))
        {
            case < 3:
                return valid.ToJsonString();
            case 3:
                return Fuzz.Mutate(random, valid.ToJsonString());
            case 4:
                valid[Fuzz.Pick(random, ["id", "channel", "author", "ts", "text"])] = WrongValue(random);
                return valid.ToJsonString();
            case 5:
                valid.Remove(Fuzz.Pick(random, ["id", "channel", "author", "ts", "text"]));
                valid[Fuzz.Text(random, 3)] = WrongValue(random);
                return valid.ToJsonString();
            case 6:
                valid["ts"] = Fuzz.Pick(random, Times);
                valid["text"] = Fuzz.Text(random);
                valid["id"] = Fuzz.Text(random, 4);
                return valid.ToJsonString(new JsonSerializerOptions { Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping });
            case 7:
                // Escapes a serializer would never write: lone surrogates, NUL, and a duplicated key.
                return "{\"id\":\"" + Fuzz.Pick(random, ["\\uD800", "\\uDFFF", "a\\u0000b", "\\uD83D\\uDE00", "x\\uDBFFy"]) +
                       "\",\"channel\":\"" + Fuzz.Pick(random, ["g1", "\\uDC00"]) + "\",\"author\":\"" + Fuzz.Pick(random, ["ana", "\\uD801"]) +
                       "\",\"ts\":\"2026-11-02T18:00:00Z\",\"text\":\"" + Fuzz.Pick(random, ["hi", "\\uD800 what's the point", "\\uDE00"]) + "\"" +
                       (random.Next(2) == 0 ? ",\"id\":\"dup\"" : "") + "}";
            case 8:
                return Fuzz.Pick(random, ["[]", "null", "1", "\"s\"", "{", "}", "{}", "true", new string('[', random.Next(1, 2_000)), "\u0000", "\uFEFF{}"]);
            default:
                return Fuzz.Text(random);
        }
    }

    private static JsonNode? WrongValue(Random random) => random.Next(7) switch
    {
        0 => null,
        1 => JsonValue.Create(random.Next()),
        2 => JsonValue.Create(double.MaxValue),
        3 => new JsonArray("a", 1),
        4 => new JsonObject { ["x"] = 1 },
        5 => JsonValue.Create(random.Next(2) == 0),
        _ => JsonValue.Create(Fuzz.Text(random, 3)),
    };

    private static string Shorten(string s) => s.Length <= 400 ? s : s[..400] + "…";
}
