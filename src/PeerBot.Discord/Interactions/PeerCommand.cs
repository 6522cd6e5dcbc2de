using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace PeerBot.Discord.Interactions;

/// <summary>
/// The <c>/peer</c> slash command: its registration body and the mapping of an invocation's
/// subcommands and typed options to the command text Core parses (e.g. <c>prompt now "Tuesday Circle"</c>).
/// </summary>
public static class PeerCommand
{
    public const string Name = "peer";

    private const int SubCommand = 1;
    private const int SubCommandGroup = 2;
    private const int StringOption = 3;
    private const int IntegerOption = 4;

    private static readonly Option GroupOption = new("group", StringOption, "The group (facilitators of one group may leave it out)", false);

    private static readonly Node[] Tree =
    [
        Sub("help", "What PeerBot does and how to use it"),
        Sub("share", "Share something with your group anonymously"),
        Sub("pause", "Take a break from your group", new Option("weeks", IntegerOption, "How many weeks (default 2)", false, 1, 26)),
        Sub("resume", "Come back to your group after a pause"),
        Sub("my-data", "See what PeerBot keeps about you"),
        Sub("forget-me", "Delete what PeerBot keeps about you"),
        Sub("groups", "Facilitators: your groups and their next prompts"),
        new Node("prompt", "Facilitators: the group's prompts", SubCommandGroup,
        [
            Sub("now", "Post the next prompt now", GroupOption),
            Sub("skip", "Skip the next prompt", GroupOption),
            Sub("preview", "See the next prompt without posting it", GroupOption),
        ], []),
        Sub("reframe", "Facilitators: post a reframing prompt", GroupOption),
        Sub("checkin", "Facilitators: post a reset check-in", GroupOption),
        Sub("flags", "Facilitators: open safety flags"),
        Sub("ack", "Facilitators: acknowledge a flag", new Option("id", StringOption, "The flag id", true)),
        Sub("resolve", "Facilitators: resolve a flag",
            new Option("id", StringOption, "The flag id", true),
            new Option("note", StringOption, "A short note", false)),
        new Node("anon", "Facilitators: moderate anonymous posts", SubCommandGroup,
        [
            Sub("remove", "Remove an anonymous post", new Option("post", StringOption, "The post id", true)),
            Sub("mute", "Stop a post's author from posting anonymously",
                new Option("post", StringOption, "The post id", true),
                new Option("days", IntegerOption, "For how many days (default 7)", false, 1, 365)),
        ], []),
        Sub("stats", "Facilitators: participation counts"),
        Sub("digest", "Facilitators: last week at a glance, privately", GroupOption),
    ];

    /// <summary>
    /// The body of the bulk overwrite: one global command usable in the server and in a DM with the bot.
    /// </summary>
    public static JsonArray Registration() =>
    [
        new JsonObject
        {
            ["name"] = Name,
            ["type"] = 1,
            ["description"] = "PeerBot: peer support groups",
            ["contexts"] = new JsonArray(0, 1),
            ["integration_types"] = new JsonArray(0),
            ["options"] = new JsonArray(Tree.Select(n => (JsonNode)n.ToJson()).ToArray()),
        },
    ];

    /// <summary>
    /// The command text for Core from an APPLICATION_COMMAND's <c>data</c>: subcommand names, then option
    /// values in their declared order, values with spaces or quotes quoted.
    /// </summary>
    public static string ToText(JsonElement data)
    {
        var words = new List<string>();
        IReadOnlyList<Node> level = Tree;
        var options = data.TryGetProperty("options", out var o) ? o : default;
        while (options.ValueKind == JsonValueKind.Array)
        {
            var items = options.EnumerateArray().ToList();
            var sub = items.FirstOrDefault(i => i.GetProperty("type").GetInt32() is SubCommand or SubCommandGroup);
            if (sub.ValueKind != JsonValueKind.Object)
            {
                break;
            }

            var name = sub.GetProperty("name").GetString() ?? "";
            words.Add(name);
            var node = level.FirstOrDefault(n => n.Name == name);
            options = sub.TryGetProperty("options", out var nested) ? nested : default;
            if (node is null)
            {
                // Unknown to this build (an older registration); pass the values through as given.
                words.AddRange(Values(options).Select(v => Quote(v.Value)));
                return string.Join(' ', words);
            }

            if (node.Children.Length > 0)
            {
                level = node.Children;
                continue;
            }

            var values = Values(options).ToDictionary(v => v.Name, v => v.Value, StringComparer.Ordinal);
            foreach (var declared in node.Options)
            {
                if (values.TryGetValue(declared.Name, out var value))
                {
                    words.Add(Quote(value));
                }
            }

            break;
        }

        return string.Join(' ', words);
    }

    private static IEnumerable<(string Name, string Value)> Values(JsonElement options)
    {
        if (options.ValueKind != JsonValueKind.Array)
        {
            yield break;
        }

        foreach (var option in options.EnumerateArray())
        {
            if (!option.TryGetProperty("value", out var value))
            {
                continue;
            }

            var text = value.ValueKind == JsonValueKind.String ? value.GetString() ?? "" : value.GetRawText();
            yield return (option.GetProperty("name").GetString() ?? "", text);
        }
    }

    /// <summary>Quotes a value that contains whitespace or quotes, escaping quotes and backslashes.</summary>
    public static string Quote(string value)
    {
        ArgumentNullException.ThrowIfNull(value);
        if (value.Length > 0 && !value.Any(c => char.IsWhiteSpace(c) || c is '"' or '\\'))
        {
            return value;
        }

        var sb = new StringBuilder("\"");
        foreach (var c in value)
        {
            if (c is '"' or '\\')
            {
                sb.Append('\\');
            }

            sb.Append(c);
        }

        return sb.Append('"').ToString();
    }

    private static Node Sub(string name, string description, params Option[] options) =>
        new(name, description, SubCommand, [], options);

    private sealed record Option(string Name, int Type, string Description, bool Required, int? Min = null, int? Max = null)
    {
        public JsonObject ToJson()
        {
            var json = new JsonObject { ["type"] = Type, ["name"] = Name, ["description"] = Description, ["required"] = Required };
            if (Min is { } min)
            {
                json["min_value"] = min;
            }

            if (Max is { } max)
            {
                json["max_value"] = max;
            }

            return json;
        }
    }

    private sealed record Node(string Name, string Description, int Type, Node[] Children, Option[] Options)
    {
        public JsonObject ToJson()
        {
            var json = new JsonObject { ["type"] = Type, ["name"] = Name, ["description"] = Description };
            var nested = Children.Length > 0
                ? Children.Select(c => (JsonNode)c.ToJson())
                : Options.Select(o => (JsonNode)o.ToJson());
            json["options"] = new JsonArray(nested.ToArray());
            return json;
        }
    }
}
