using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;

namespace PeerBot.Testing.Discord;

/// <summary>
/// Checks a request against a published OpenAPI 3.1 description: the path and method exist, required query
/// parameters are present, the security requirement is met, and the JSON body matches the schema
/// (required fields, types, enums, string lengths, through $ref, oneOf/anyOf and allOf).
/// </summary>
public sealed class OpenApiRequestValidator
{
    // Discord's description types permission sets as integers; its documentation and clients send strings.
    private static readonly HashSet<string> IntegerAsString = new(StringComparer.Ordinal) { "allow", "deny", "default_member_permissions", "permissions" };

    private readonly JsonElement _root;
    private readonly List<(string Template, string[] Segments, JsonElement Item)> _paths = [];

    public OpenApiRequestValidator(string specPath)
    {
        using var doc = JsonDocument.Parse(File.ReadAllText(specPath));
        _root = doc.RootElement.Clone();
        foreach (var p in _root.GetProperty("paths").EnumerateObject())
        {
            _paths.Add((p.Name, p.Name.Trim('/').Split('/'), p.Value));
        }
    }

    /// <summary>The Discord description shipped with the tests (Specs/discord-openapi.json).</summary>
    public static OpenApiRequestValidator Discord => LazyDiscord.Value;

    private static readonly Lazy<OpenApiRequestValidator> LazyDiscord = new(() =>
        new OpenApiRequestValidator(Path.Combine(AppContext.BaseDirectory, "Specs", "discord-openapi.json")));

    /// <summary>The operation id a request maps to, or null.</summary>
    public string? OperationId(string method, string path) =>
        Match(method, path) is { } op && op.TryGetProperty("operationId", out var id) ? id.GetString() : null;

    /// <summary>Problems with the request; empty when it matches the description.</summary>
    public IReadOnlyList<string> Validate(string method, string path, IReadOnlyDictionary<string, string> query, bool hasBotAuthorization, JsonNode? body)
    {
        ArgumentNullException.ThrowIfNull(method);
        var errors = new List<string>();
        var segments = path.Trim('/').Split('/');
        var candidates = _paths.Where(p => Matches(p.Segments, segments)).OrderByDescending(p => p.Segments.Count(s => !s.StartsWith('{'))).ToList();
        if (candidates.Count == 0)
        {
            errors.Add($"{method} {path}: no such path in the API description");
            return errors;
        }

        var item = candidates[0].Item;
        if (!item.TryGetProperty(method.ToLowerInvariant(), out var op))
        {
            errors.Add($"{method} {path}: method not allowed on {candidates[0].Template}");
            return errors;
        }

        var where = $"{method} {candidates[0].Template}";
        foreach (var parameter in Parameters(item).Concat(Parameters(op)))
        {
            if (parameter.GetProperty("in").GetString() == "query"
                && parameter.TryGetProperty("required", out var req) && req.GetBoolean()
                && !query.ContainsKey(parameter.GetProperty("name").GetString()!))
            {
                errors.Add($"{where}: required query parameter '{parameter.GetProperty("name").GetString()}' missing");
            }
        }

        if (op.TryGetProperty("security", out var security) && security.ValueKind == JsonValueKind.Array)
        {
            var optional = security.EnumerateArray().Any(s => !s.EnumerateObject().Any());
            if (!optional && !hasBotAuthorization)
            {
                errors.Add($"{where}: Authorization: Bot header missing");
            }
        }

        if (op.TryGetProperty("requestBody", out var requestBody))
        {
            var required = requestBody.TryGetProperty("required", out var r) && r.GetBoolean();
            if (body is null)
            {
                if (required)
                {
                    errors.Add($"{where}: JSON body required");
                }
            }
            else if (requestBody.TryGetProperty("content", out var content) && content.TryGetProperty("application/json", out var json)
                && json.TryGetProperty("schema", out var schema))
            {
                Check(schema, body, "body", errors, where);
            }
        }
        else if (body is not null && method is not ("GET" or "DELETE"))
        {
            errors.Add($"{where}: takes no body");
        }

        return errors;
    }

    private JsonElement? Match(string method, string path)
    {
        var segments = path.Trim('/').Split('/');
        var item = _paths.Where(p => Matches(p.Segments, segments)).OrderByDescending(p => p.Segments.Count(s => !s.StartsWith('{'))).Select(p => (JsonElement?)p.Item).FirstOrDefault();
        return item is { } i && i.TryGetProperty(method.ToLowerInvariant(), out var op) ? op : null;
    }

    private static bool Matches(string[] template, string[] segments) =>
        template.Length == segments.Length
        && template.Zip(segments).All(t => t.First.StartsWith('{') ? t.Second.Length > 0 && !t.Second.StartsWith('@') : t.First == t.Second);

    private static List<JsonElement> Parameters(JsonElement e) =>
        e.TryGetProperty("parameters", out var p) && p.ValueKind == JsonValueKind.Array ? p.EnumerateArray().ToList() : [];

    private JsonElement Resolve(JsonElement schema)
    {
        while (schema.TryGetProperty("$ref", out var reference))
        {
            var name = reference.GetString()!.Split('/')[^1];
            schema = _root.GetProperty("components").GetProperty("schemas").GetProperty(name);
        }

        return schema;
    }

    private void Check(JsonElement schema, JsonNode? node, string at, List<string> errors, string where)
    {
        schema = Resolve(schema);
        foreach (var union in new[] { "oneOf", "anyOf" })
        {
            if (schema.TryGetProperty(union, out var branches))
            {
                List<string>? best = null;
                foreach (var branch in branches.EnumerateArray())
                {
                    var attempt = new List<string>();
                    Check(branch, node, at, attempt, where);
                    if (attempt.Count == 0)
                    {
                        best = attempt;
                        break;
                    }

                    if (best is null || attempt.Count < best.Count)
                    {
                        best = attempt;
                    }
                }

                if (best is { Count: > 0 })
                {
                    errors.Add($"{where}: {at} matches none of the allowed shapes; closest: {string.Join("; ", best)}");
                }

                return;
            }
        }

        if (schema.TryGetProperty("allOf", out var all))
        {
            foreach (var part in all.EnumerateArray())
            {
                Check(part, node, at, errors, where);
            }
        }

        var kind = node?.GetValueKind() ?? JsonValueKind.Null;
        if (schema.TryGetProperty("type", out var type))
        {
            var types = type.ValueKind == JsonValueKind.Array ? type.EnumerateArray().Select(t => t.GetString()!).ToList() : [type.GetString()!];
            var name = at[(at.LastIndexOf('.') + 1)..];
            if (!types.Any(t => Fits(t, kind, node, name)))
            {
                errors.Add($"{where}: {at} should be {string.Join(" or ", types)}, is {kind}");
                return;
            }
        }

        if (schema.TryGetProperty("enum", out var values) && node is JsonValue value)
        {
            if (!values.EnumerateArray().Any(v => JsonNode.DeepEquals(JsonNode.Parse(v.GetRawText()), value)))
            {
                errors.Add($"{where}: {at} = {value.ToJsonString()} is not one of {values.GetRawText()}");
            }
        }

        if (kind == JsonValueKind.String && node is JsonValue s && s.TryGetValue<string>(out var text))
        {
            if (schema.TryGetProperty("maxLength", out var max) && text.Length > max.GetInt32())
            {
                errors.Add($"{where}: {at} is longer than {max.GetInt32()}");
            }

            if (schema.TryGetProperty("minLength", out var min) && text.Length < min.GetInt32())
            {
                errors.Add($"{where}: {at} is shorter than {min.GetInt32()}");
            }

            if (schema.TryGetProperty("pattern", out var pattern) && !Regex.IsMatch(text, pattern.GetString()!, RegexOptions.None, TimeSpan.FromSeconds(1)))
            {
                errors.Add($"{where}: {at} does not match {pattern.GetString()}");
            }
        }

        if (node is JsonObject obj)
        {
            if (schema.TryGetProperty("required", out var required))
            {
                foreach (var field in required.EnumerateArray().Select(f => f.GetString()!))
                {
                    if (!obj.ContainsKey(field))
                    {
                        errors.Add($"{where}: {at}.{field} is required");
                    }
                }
            }

            if (schema.TryGetProperty("properties", out var properties))
            {
                foreach (var (key, child) in obj)
                {
                    if (properties.TryGetProperty(key, out var childSchema))
                    {
                        Check(childSchema, child, at + "." + key, errors, where);
                    }
                    else if (schema.TryGetProperty("additionalProperties", out var extra) && extra.ValueKind == JsonValueKind.False)
                    {
                        errors.Add($"{where}: {at}.{key} is not allowed");
                    }
                }
            }
        }

        if (node is JsonArray array)
        {
            if (schema.TryGetProperty("maxItems", out var maxItems) && array.Count > maxItems.GetInt32())
            {
                errors.Add($"{where}: {at} has more than {maxItems.GetInt32()} items");
            }

            if (schema.TryGetProperty("items", out var items))
            {
                for (var i = 0; i < array.Count; i++)
                {
                    Check(items, array[i], $"{at}[{i}]", errors, where);
                }
            }
        }
    }

    private static bool Fits(string type, JsonValueKind kind, JsonNode? node, string name) => type switch
    {
        "null" => kind == JsonValueKind.Null,
        "string" => kind == JsonValueKind.String,
        "boolean" => kind is JsonValueKind.True or JsonValueKind.False,
        "object" => kind == JsonValueKind.Object,
        "array" => kind == JsonValueKind.Array,
        "number" => kind == JsonValueKind.Number,
        "integer" => (kind == JsonValueKind.Number && node is JsonValue v && v.ToJsonString().All(c => char.IsAsciiDigit(c) || c == '-'))
            || (kind == JsonValueKind.String && IntegerAsString.Contains(name) && node!.GetValue<string>().All(char.IsAsciiDigit)),
        _ => true,
    };
}
