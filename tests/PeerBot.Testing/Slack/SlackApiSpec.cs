using System.Text.Json;

namespace PeerBot.Testing.Slack;

/// <summary>
/// Slack's published Web API description (Swagger 2.0, specs/slack-web-openapi-v2.json) as the emulator uses it:
/// which methods exist, with which HTTP verb, and which parameters each takes or requires.
/// </summary>
public sealed class SlackApiSpec
{
    private readonly Dictionary<string, Dictionary<string, Operation>> _methods;

    private SlackApiSpec(Dictionary<string, Dictionary<string, Operation>> methods) => _methods = methods;

    /// <summary>
    /// Methods PeerBot calls that the 2021 description lacks or models differently, each with why it is allowed.
    /// </summary>
    private static readonly Dictionary<(string Method, string Verb), Operation> AllowList = new()
    {
        // Socket Mode came after the description was published: docs.slack.dev/reference/methods/apps.connections.open
        // takes only the app-level token in the Authorization header and an empty body.
        [("apps.connections.open", "POST")] = new Operation([], []),

        // The description models views.open as GET with query parameters; Slack's docs and clients POST it, with `view`
        // as a JSON object in a JSON body (docs.slack.dev/reference/methods/views.open).
        [("views.open", "POST")] = new Operation(["trigger_id", "view"], ["trigger_id", "view"]),

        // `force` came in November 2023 (docs.slack.dev/reference/methods/conversations.invite: "When set to true and
        // multiple user IDs are provided, continue inviting the valid ones while disregarding invalid IDs").
        [("conversations.invite", "POST")] = new Operation(["channel", "users", "force"], ["channel", "users"]),

        // The external upload (2023) came after the description: docs.slack.dev/reference/methods/files.getUploadURLExternal
        // (filename, length, alt_txt, snippet_type) and docs.slack.dev/reference/methods/files.completeUploadExternal.
        [("files.getUploadURLExternal", "POST")] = new Operation(["filename", "length", "alt_txt", "snippet_type"], ["filename", "length"]),
        [("files.completeUploadExternal", "POST")] = new Operation(
            ["files", "channel_id", "channels", "initial_comment", "thread_ts", "blocks"], ["files"]),
    };

    /// <summary>
    /// Parameters Slack added to described methods after the description was published. Message metadata came in 2022:
    /// <c>metadata</c> on chat.postMessage (docs.slack.dev/messaging/message-metadata) and <c>include_all_metadata</c> on
    /// conversations.history (docs.slack.dev/reference/methods/conversations.history).
    /// </summary>
    private static readonly Dictionary<(string Method, string Verb), string[]> AddedParameters = new()
    {
        [("chat.postMessage", "POST")] = ["metadata"],
        [("conversations.history", "GET")] = ["include_all_metadata"],
    };

    /// <summary>Loads the description copied next to the test assembly.</summary>
    public static SlackApiSpec Load(string? path = null)
    {
        path ??= Path.Combine(AppContext.BaseDirectory, "Specs", "slack-web-openapi-v2.json");
        using var stream = File.OpenRead(path);
        using var document = JsonDocument.Parse(stream);
        var methods = new Dictionary<string, Dictionary<string, Operation>>(StringComparer.Ordinal);
        foreach (var path2 in document.RootElement.GetProperty("paths").EnumerateObject())
        {
            var method = path2.Name.TrimStart('/');
            var verbs = new Dictionary<string, Operation>(StringComparer.Ordinal);
            foreach (var verb in path2.Value.EnumerateObject())
            {
                var names = new HashSet<string>(StringComparer.Ordinal);
                var required = new HashSet<string>(StringComparer.Ordinal);
                if (verb.Value.TryGetProperty("parameters", out var parameters))
                {
                    foreach (var parameter in parameters.EnumerateArray())
                    {
                        var name = parameter.GetProperty("name").GetString()!;
                        if (name == "token")
                        {
                            continue;
                        }

                        names.Add(name);
                        if (parameter.TryGetProperty("required", out var r) && r.ValueKind == JsonValueKind.True)
                        {
                            required.Add(name);
                        }
                    }
                }

                verbs[verb.Name.ToUpperInvariant()] = new Operation(names, required);
            }

            methods[method] = verbs;
        }

        return new SlackApiSpec(methods);
    }

    /// <summary>True when the description (or the allow-list) has the method at all.</summary>
    public bool HasMethod(string method) => _methods.ContainsKey(method) || AllowList.Keys.Any(k => k.Method == method);

    /// <summary>Problems with a call: unknown method, wrong verb, unknown or missing parameters. Empty when it conforms.</summary>
    public IReadOnlyList<string> Check(string method, string verb, IReadOnlyCollection<string> parameterNames)
    {
        var problems = new List<string>();
        Operation? operation = null;
        if (AllowList.TryGetValue((method, verb), out var allowed))
        {
            operation = allowed;
        }
        else if (!_methods.TryGetValue(method, out var verbs))
        {
            problems.Add($"{method} is not a method of the Slack Web API description.");
            return problems;
        }
        else if (!verbs.TryGetValue(verb, out operation))
        {
            problems.Add($"{method} is described for {string.Join("/", verbs.Keys)}, not {verb}.");
            return problems;
        }

        var added = AddedParameters.GetValueOrDefault((method, verb)) ?? [];
        foreach (var name in parameterNames.Where(n => n != "token" && !operation.Parameters.Contains(n) && !added.Contains(n)))
        {
            problems.Add($"{method} has no parameter '{name}' in the description.");
        }

        foreach (var name in operation.Required.Where(r => !parameterNames.Contains(r)))
        {
            problems.Add($"{method} requires '{name}'.");
        }

        return problems;
    }

    private sealed record Operation(HashSet<string> Parameters, HashSet<string> Required);
}
