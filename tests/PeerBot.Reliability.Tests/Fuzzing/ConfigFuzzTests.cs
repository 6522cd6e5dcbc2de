using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.Extensions.Time.Testing;
using PeerBot.Cli;
using PeerBot.Core.Configuration;

namespace PeerBot.Reliability.Tests.Fuzzing;

/// <summary>
/// Random and mutated configuration files through the real <c>check-config</c> verb: valid JSON of wrong shapes and
/// types, deep nesting, huge arrays, and broken JSON. The verb exits 0 or 2, never throws, names a configuration
/// path (or the JSON position) for every problem, and never prints a token.
/// </summary>
public sealed class ConfigFuzzTests : IDisposable
{
    // Shaped like real tokens so a leak would look like one; none is real.
    public const string DiscordSecret = "MTExMTExMTExMTExMTExMTEx.GfAkEd.discord-secret-do-not-print-0123456789";
    public const string SlackBotSecret = "xoxb-1111111111-2222222222-slackbotsecretdonotprint";
    public const string SlackAppSecret = "xapp-1-A0111-3333333333-slackappsecretdonotprint";

    private static readonly string[] Secrets = [DiscordSecret, SlackBotSecret, SlackAppSecret];
    private static readonly string[] TokenKeys = ["Token", "BotToken", "AppToken"];

    private readonly FakeTimeProvider _time = new(new DateTimeOffset(2026, 11, 22, 17, 0, 0, TimeSpan.Zero));
    private readonly string _folder = Directory.CreateTempSubdirectory("peerbot-config-fuzz-").FullName;

    public void Dispose() => Directory.Delete(_folder, recursive: true);

    /// <summary>A valid configuration with both platforms enabled by the fake tokens.</summary>
    public static JsonObject ValidConfig() => (JsonObject)JsonNode.Parse($$"""
        { "PeerBot": {
          "Storage": { "Path": "data/peerbot.db" },
          "TimeZone": "America/New_York",
          "Discord": { "Token": "{{DiscordSecret}}", "GuildId": "123456789012345678", "CategoryName": "Peer Support" },
          "Slack": { "BotToken": "{{SlackBotSecret}}", "AppToken": "{{SlackAppSecret}}" },
          "People": [
            { "Id": "ana", "Name": "Ana R.", "Role": "Resident", "Pgy": 1, "Discord": "111111111111111101", "Slack": "U0ANA" },
            { "Id": "ben", "Name": "Ben T.", "Role": "Resident", "Pgy": 2, "Discord": "ben.t", "Slack": "ben@example.edu" },
            { "Id": "cy", "Name": "Cy M.", "Role": "Resident", "Pgy": 3, "Discord": "111111111111111103", "Slack": "U0CY" },
            { "Id": "dr-lee", "Name": "Dr. Lee", "Role": "Alumni", "Discord": "111111111111111201", "Slack": "U0LEE" },
            { "Id": "dr-kim", "Name": "Dr. Kim", "Role": "Psychologist", "Discord": "111111111111111301", "Slack": "U0KIM" },
            { "Id": "mo", "Name": "Mo C.", "Role": "Coordinator", "Slack": "U0MO" }
          ],
          "Groups": [
            { "Name": "Tuesday Circle", "Platform": "Slack", "Members": ["ana", "ben", "cy"], "Facilitators": ["dr-lee", "dr-kim"], "Schedule": "0 19 * * TUE" }
          ],
          "Prompts": { "Schedule": "0 19 * * TUE" },
          "Anonymity": { "Enabled": true, "MinDelay": "00:00:20", "MaxDelay": "00:03:00", "MaxPerDay": 5, "Review": false },
          "Safety": { "SpiralWindow": "00:30:00", "SpiralMinMessages": 3, "SpiralMinPeople": 2, "AlertCooldown": "02:00:00", "ExcerptRetention": "30.00:00:00" }
        } }
        """)!;

    private Task<(int Exit, string Out, string Err)> CheckConfigAsync(string json) =>
        CheckConfigAsync(Encoding.UTF8.GetBytes(json)); // broken UTF-16 becomes U+FFFD, as any editor would save it

    private async Task<(int Exit, string Out, string Err)> CheckConfigAsync(byte[] content)
    {
        var path = Path.Combine(_folder, "config.json");
        await File.WriteAllBytesAsync(path, content);
        using var output = new StringWriter();
        using var error = new StringWriter();
        var exit = await new PeerBotCli(TextReader.Null, output, error, _time).RunAsync(["check-config", "--config", path], CancellationToken.None)
            .WaitAsync(TimeSpan.FromSeconds(60));
        return (exit, output.ToString(), error.ToString());
    }

    [Fact]
    public async Task CheckConfig_ValidBaseline_ExitsZero()
    {
        var (exit, output, error) = await CheckConfigAsync(ValidConfig().ToJsonString());

        Assert.True(exit == 0, error);
        Assert.Contains("Configuration is valid.", output, StringComparison.Ordinal);
        AssertNoSecret(output + error);
    }

    [Fact]
    public async Task CheckConfig_MutatedShapesAndTypes_ExitZeroOrTwoWithPathsNeverASecret()
    {
        var exits = new Dictionary<int, int>();
        await Fuzz.RunAsync(seed: 7707, Fuzz.Cases(1_000), async (random, _) =>
        {
            var config = ValidConfig();
            for (var m = random.Next(1, 4); m > 0; m--)
            {
                MutateTree(random, config);
            }

            var json = config.ToJsonString();
            var (exit, output, error) = await CheckConfigAsync(json);

            AssertOutcome(exit, output, error, json);
            AssertNoSecret(output + error);
            exits[exit] = exits.GetValueOrDefault(exit) + 1;
        });

        // The generator reaches both outcomes, so both paths of the verb are exercised.
        Assert.True(exits.GetValueOrDefault(0) > 0 && exits.GetValueOrDefault(2) > 0, string.Join(", ", exits));
    }

    [Fact]
    public async Task CheckConfig_MutatedJsonText_ExitZeroOrTwoNeverASecret()
    {
        var exits = new Dictionary<int, int>();
        await Fuzz.RunAsync(seed: 8808, Fuzz.Cases(1_000), async (random, _) =>
        {
            // Secrets stand in as placeholders while the text is mutated, so a mutation cannot move a secret out of
            // its token key (a secret typed as a key name or a group name is not what this test is about).
            var text = ValidConfig().ToJsonString(new JsonSerializerOptions { WriteIndented = random.Next(2) == 0 });
            for (var s = 0; s < Secrets.Length; s++)
            {
                text = text.Replace(Secrets[s], $"@@{s}@@", StringComparison.Ordinal);
            }

            text = random.Next(10) == 0 ? Fuzz.Text(random) : Fuzz.Mutate(random, text);
            var intact = Enumerable.Range(0, Secrets.Length)
                .All(s => text.Contains($"\"{TokenKeys[s]}\":\"@@{s}@@\"", StringComparison.Ordinal) || text.Contains($"\"{TokenKeys[s]}\": \"@@{s}@@\"", StringComparison.Ordinal));
            for (var s = 0; s < Secrets.Length; s++)
            {
                text = text.Replace($"@@{s}@@", Secrets[s], StringComparison.Ordinal);
            }

            var bytes = Encoding.UTF8.GetBytes(text);
            if (random.Next(10) == 0 && bytes.Length > 0)
            {
                // Bytes that are not UTF-8 at all.
                bytes[random.Next(bytes.Length)] = (byte)random.Next(0x80, 0x100);
            }

            var (exit, output, error) = await CheckConfigAsync(bytes);

            AssertOutcome(exit, output, error, text);
            if (intact && Secrets.All(secret => text.Split(secret).Length == 2))
            {
                AssertNoSecret(output + error);
            }

            exits[exit] = exits.GetValueOrDefault(exit) + 1;
        });

        Assert.True(exits.GetValueOrDefault(0) > 0 && exits.GetValueOrDefault(2) > 0, string.Join(", ", exits));
    }

    [Theory]
    [InlineData("")]
    [InlineData("null")]
    [InlineData("[]")]
    [InlineData("42")]
    [InlineData("\"PeerBot\"")]
    [InlineData("{")]
    [InlineData("{ \"PeerBot\": null }")]
    [InlineData("{ \"PeerBot\": [] }")]
    [InlineData("{ \"PeerBot\": { \"People\": null, \"Groups\": {} } }")]
    [InlineData("{ \"PeerBot\": { \"Discord\": null, \"Slack\": 7 } }")]
    [InlineData("{ \"PeerBot\": { \"People\": [ null, 1, \"x\", [] ] } }")]
    [InlineData("{ \"PeerBot\": { \"Anonymity\": { \"MaxDelay\": \"10675199.02:48:05.4775807\" } } }")]
    [InlineData("{ \"PeerBot\": { \"Anonymity\": { \"MinDelay\": \"-10675199.02:48:05.4775808\" } } }")]
    [InlineData("{ \"PeerBot\": { \"Safety\": { \"SpiralMinMessages\": 2147483648 } } }")]
    [InlineData("{ \"PeerBot\": { \"Groups\": [ { \"Members\": { \"2147483647\": \"ana\" } } ] } }")]
    [InlineData("{ \"PeerBot\": { \"People\": [ { \"Role\": \"Resident, Alumni\" }, { \"Role\": \"7\" } ] } }")]
    [InlineData("{ \"PeerBot\": { \"Discord\": { \"Token\": \"a\", \"token\": \"b\" } } }")]
    public async Task CheckConfig_OddDocuments_ExitZeroOrTwo(string json)
    {
        var (exit, output, error) = await CheckConfigAsync(json);

        AssertOutcome(exit, output, error, json);
    }

    [Theory]
    [InlineData("Safety", "SpiralMinMessages", "a whole number")]
    [InlineData("Anonymity", "MaxDelay", "a duration")]
    [InlineData("Anonymity", "Review", "true or false")]
    public async Task CheckConfig_EmptyValueOfNumberDurationOrSwitch_ErrorWithPathNotACrash(string section, string key, string expected)
    {
        var config = ValidConfig();
        config["PeerBot"]![section]![key] = "";

        var (exit, _, error) = await CheckConfigAsync(config.ToJsonString());

        Assert.Equal(2, exit);
        Assert.Contains($"PeerBot:{section}:{key}: empty; give {expected}", error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task CheckConfig_ValueWithLineBreaks_EachProblemStaysOnOneLine()
    {
        var config = ValidConfig();
        config["PeerBot"]!["People"]![0]!["Discord"] = "ana\n  PeerBot:Fake: forged line\r\u2028";

        var (exit, _, error) = await CheckConfigAsync(config.ToJsonString());

        Assert.Equal(2, exit);
        Assert.Contains("PeerBot:People:0:Discord: \"ana\\n  PeerBot:Fake: forged line\\r\\u2028\" is neither", error, StringComparison.Ordinal);
        Assert.DoesNotContain(Lines(error), l => l.StartsWith("  PeerBot:Fake", StringComparison.Ordinal));
    }

    [Theory]
    [InlineData(70)]
    [InlineData(1_000)]
    public async Task CheckConfig_DeepNesting_ExitTwoWithJsonError(int depth)
    {
        var json = "{ \"PeerBot\": { \"Storage\": " + string.Concat(Enumerable.Repeat("[", depth)) + string.Concat(Enumerable.Repeat("]", depth)) + " } }";

        var (exit, output, error) = await CheckConfigAsync(json);

        Assert.Equal(2, exit);
        Assert.Empty(output);
        Assert.Contains("not valid JSON", error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task CheckConfig_HugeLists_ExitTwoWithTheLimit()
    {
        var config = ValidConfig();
        var people = config["PeerBot"]!["People"]!.AsArray();
        for (var i = 0; i < 20_000; i++)
        {
            people.Add(new JsonObject { ["Id"] = $"p{i}", ["Name"] = "N", ["Role"] = "Resident", ["Pgy"] = 1 });
        }

        var members = config["PeerBot"]!["Groups"]![0]!["Members"]!.AsArray();
        for (var i = 0; i < 20_000; i++)
        {
            members.Add("nobody-" + i);
        }

        var (exit, _, error) = await CheckConfigAsync(config.ToJsonString());

        Assert.Equal(2, exit);
        Assert.Contains("PeerBot:People: 20,006 entries; at most 2,000 are supported", error, StringComparison.Ordinal);
        Assert.Contains("PeerBot:Groups:0:Members: 20,003 entries; at most 2,000 are supported", error, StringComparison.Ordinal);
        AssertNoSecret(error);
    }

    [Fact]
    public async Task CheckConfig_LongestListsAllowed_ExitTwoWithEveryProblemListed()
    {
        var config = ValidConfig();
        var people = config["PeerBot"]!["People"]!.AsArray();
        while (people.Count < ConfigurationBinding.MaxListLength)
        {
            people.Add(new JsonObject { ["Id"] = $"p{people.Count % 1_500}", ["Name"] = "N", ["Role"] = "Resident", ["Pgy"] = 1 });
        }

        var (exit, _, error) = await CheckConfigAsync(config.ToJsonString());

        Assert.Equal(2, exit);
        Assert.Contains("PeerBot:People:1999:Id: duplicate id \"p499\"", error, StringComparison.Ordinal);
        AssertNoSecret(error);
    }

    private static void AssertOutcome(int exit, string output, string error, string input)
    {
        Assert.True(exit is 0 or 2, $"exit {exit} for {ReliabilityWorld.Shorten(input)}\n{error}");
        if (exit == 0)
        {
            Assert.Contains("Configuration is valid.", output, StringComparison.Ordinal);
            Assert.All(Lines(error), line => Assert.StartsWith("warning: PeerBot", line, StringComparison.Ordinal));
            return;
        }

        Assert.Empty(output);
        var lines = Lines(error);
        Assert.NotEmpty(lines);
        if (lines[0].StartsWith("peerbot: ", StringComparison.Ordinal))
        {
            // The file could not be read as JSON at all: the message says so and where.
            Assert.Contains("not valid JSON", lines[0], StringComparison.Ordinal);
            return;
        }

        var problems = lines.Where(l => l.StartsWith("  ", StringComparison.Ordinal)).ToList();
        Assert.Contains(lines, l => l.StartsWith("The configuration has ", StringComparison.Ordinal));
        Assert.NotEmpty(problems);
        Assert.All(problems, p => Assert.StartsWith("  PeerBot", p, StringComparison.Ordinal));
    }

    private static List<string> Lines(string text) =>
        text.Split('\n').Select(l => l.TrimEnd('\r')).Where(l => l.Length > 0).ToList();

    private static void AssertNoSecret(string text)
    {
        foreach (var secret in Secrets)
        {
            Assert.DoesNotContain(secret, text, StringComparison.Ordinal);

            // Nor a telling piece of one (the part after the fixed prefix).
            Assert.DoesNotContain(secret[^20..], text, StringComparison.Ordinal);
        }
    }

    // --- tree mutations ---

    private static void MutateTree(Random random, JsonObject root)
    {
        var nodes = new List<(JsonNode? Parent, string? Key, int Index, JsonNode? Node)>();
        Collect(root, null, null, -1, nodes);
        var (parent, key, index, node) = nodes[random.Next(nodes.Count)];
        if (parent is null)
        {
            return;
        }

        var isSecret = node is JsonValue v && v.TryGetValue<string>(out var s) && Secrets.Contains(s);
        JsonNode? replacement = random.Next(11) switch
        {
            0 => RandomScalar(random),
            1 => new JsonArray(RandomScalar(random), RandomScalar(random)),
            2 => new JsonObject { [Fuzz.Pick(random, ["Id", "Name", "x", "0", "Token", Fuzz.Text(random, 2)])] = RandomScalar(random) },
            3 => null!, // delete
            4 => Nest(random, node?.DeepClone(), random.Next(1, 40)),
            5 when !isSecret => HugeArray(random, node),
            6 when !isSecret => JsonValue.Create(Fuzz.Text(random)),
            7 => new JsonArray(node?.DeepClone()),
            8 when !isSecret => JsonValue.Create(Fuzz.Mutate(random, node?.ToJsonString() ?? "")),
            9 => JsonValue.Create(Fuzz.Pick(random, ["", " ", "null", "true", "0", "-1", "2147483648", "1e400", "00:00:00", "-00:00:01", "99.00:00:00", "Resident", "Slack", "Sandbox", "Discord"])),
            _ => null,
        };

        if (parent is JsonObject obj)
        {
            if (random.Next(11) == 10)
            {
                obj[Fuzz.Pick(random, ["Unknown", "tOKEN", "people", "Groups", Fuzz.Text(random, 2)]) + (obj.Count % 3)] = RandomScalar(random);
            }
            else if (replacement is null)
            {
                obj.Remove(key!);
            }
            else
            {
                obj[key!] = replacement;
            }
        }
        else if (parent is JsonArray array)
        {
            if (replacement is null)
            {
                array.RemoveAt(index);
            }
            else
            {
                array[index] = replacement;
            }
        }
    }

    private static void Collect(JsonNode? node, JsonNode? parent, string? key, int index, List<(JsonNode?, string?, int, JsonNode?)> nodes)
    {
        nodes.Add((parent, key, index, node));
        switch (node)
        {
            case JsonObject obj:
                foreach (var (childKey, child) in obj.ToList())
                {
                    Collect(child, obj, childKey, -1, nodes);
                }

                break;
            case JsonArray array:
                for (var i = 0; i < array.Count; i++)
                {
                    Collect(array[i], array, null, i, nodes);
                }

                break;
        }
    }

    private static JsonValue? RandomScalar(Random random) => random.Next(6) switch
    {
        0 => JsonValue.Create(random.Next()),
        1 => JsonValue.Create(random.Next(2) == 0),
        2 => null,
        3 => JsonValue.Create(random.NextDouble() * 1e12),
        4 => JsonValue.Create(Fuzz.NastyPiece(random)),
        _ => JsonValue.Create(Fuzz.Text(random, 3)),
    };

    private static JsonNode Nest(Random random, JsonNode? inner, int depth)
    {
        var node = inner;
        for (var i = 0; i < depth; i++)
        {
            node = random.Next(2) == 0 ? new JsonArray(node) : new JsonObject { ["n"] = node };
        }

        return node ?? JsonValue.Create(0);
    }

    private static JsonArray HugeArray(Random random, JsonNode? sample)
    {
        var array = new JsonArray();
        var small = sample is null || sample.ToJsonString().Length < 200;
        var count = small && random.Next(10) == 0 ? random.Next(2_000, 10_000) : random.Next(3, small ? 200 : 20);
        for (var i = 0; i < count; i++)
        {
            array.Add(sample is null ? JsonValue.Create(i) : sample.DeepClone());
        }

        return array;
    }
}
