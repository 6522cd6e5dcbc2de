using System.Globalization;
using System.Net;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using Microsoft.AspNetCore.Http;

namespace PeerBot.Testing.Discord;

public sealed partial class DiscordEmulator
{
    private readonly Dictionary<string, RouteLimit> _limits = new(StringComparer.Ordinal);
    private readonly Dictionary<string, (int Remaining, DateTimeOffset ResetAt, int Index)> _bucketState = new(StringComparer.Ordinal);
    private readonly List<LimitWindow> _windows = [];
    private readonly List<(string Method, string Route, int Status, double RetryAfter, bool Global)> _forced = [];
    private readonly List<DateTimeOffset> _directOpens = [];
    private readonly List<(string Route, string Reason)> _auditReasons = [];
    private readonly List<(string Method, string Route, int? Status)> _failAfter = [];

    /// <summary>The status <see cref="Dispatch"/> returns for a connection to drop without an answer.</summary>
    private const int DropConnection = -1;
    private DateTimeOffset _globalWindow = DateTimeOffset.MinValue;
    private int _globalCount;

    private delegate (int Status, JsonNode? Body) Handler(Request request);

    private sealed record Request(string Method, string Path, Dictionary<string, string> Params, Dictionary<string, string> Query, JsonNode? Body)
    {
        /// <summary>The files of a multipart request; null for a JSON one.</summary>
        public List<UploadedFile>? Files { get; init; }
    }

    private sealed record UploadedFile(int Index, string FileName, string ContentType, byte[] Bytes);

    private static readonly Regex FilePartName = new(@"^files\[(\d+)\]$", RegexOptions.Compiled, TimeSpan.FromSeconds(1));

    private static readonly Regex UserAgentForm = new(@"^DiscordBot \([^,]+, [^)]+\)", RegexOptions.Compiled, TimeSpan.FromSeconds(1));

    /// <summary>Sets the rate limit of a route, e.g. <c>POST /channels/{channel_id}/messages</c>.</summary>
    public void SetRouteLimit(string route, int limit, double resetAfterSeconds, string? bucket = null)
    {
        lock (_gate)
        {
            _limits[route] = new RouteLimit(limit, resetAfterSeconds, bucket ?? "b" + Math.Abs(route.GetHashCode(StringComparison.Ordinal)).ToString("x", CultureInfo.InvariantCulture));
        }
    }

    /// <summary>Answers the next <paramref name="count"/> requests on a route with a status (429 with rate-limit headers, or 5xx).</summary>
    public void FailNext(string route, int status, int count = 1, double retryAfterSeconds = 0.05, bool global = false)
    {
        lock (_gate)
        {
            for (var i = 0; i < count; i++)
            {
                _forced.Add((route.Split(' ')[0], route[(route.IndexOf(' ', StringComparison.Ordinal) + 1)..], status, retryAfterSeconds, global));
            }
        }
    }

    /// <summary>Direct-message channel openings refused with 40003 (too fast).</summary>
    public int DirectOpensRefused { get; private set; }

    /// <summary>
    /// Applies the next <paramref name="count"/> requests on a route and then loses the answer: a 5xx status
    /// (<paramref name="status"/>), or the connection dropped with no answer at all (null), as when Discord or the network
    /// fails after the change was made. A client that simply resends a create then makes it twice.
    /// </summary>
    public void FailNextAfterApplying(string route, int? status, int count = 1)
    {
        lock (_gate)
        {
            for (var i = 0; i < count; i++)
            {
                _failAfter.Add((route.Split(' ')[0], route[(route.IndexOf(' ', StringComparison.Ordinal) + 1)..], status));
            }
        }
    }

    /// <summary>Rate-limit windows seen per bucket, in order.</summary>
    public IReadOnlyList<LimitWindow> Windows
    {
        get
        {
            lock (_gate)
            {
                return _windows.ToList();
            }
        }
    }

    private (string Method, string Template, Handler Handler)[] Routes() =>
    [
        ("GET", "/gateway/bot", _ => (200, new JsonObject
        {
            ["url"] = BaseUrl.Replace("http://", "ws://", StringComparison.Ordinal) + "/gateway",
            ["shards"] = 1,
            ["session_start_limit"] = new JsonObject { ["total"] = 1000, ["remaining"] = 999, ["reset_after"] = 14400000, ["max_concurrency"] = 1 },
        })),
        ("GET", "/users/@me", _ => (200, UserJson(BotUserId))),
        ("GET", "/applications/@me", _ => (200, new JsonObject { ["id"] = ApplicationId, ["name"] = "PeerBot", ["bot_public"] = false })),
        ("PUT", "/applications/{application_id}/commands", BulkCommands),
        ("GET", "/guilds/{guild_id}/members/search", SearchMembers),
        ("GET", "/guilds/{guild_id}/members/{user_id}", GetMember),
        ("GET", "/guilds/{guild_id}/roles", _ => (200, new JsonArray(
            new JsonObject { ["id"] = GuildId, ["name"] = "@everyone", ["permissions"] = EveryonePermissions.ToString(CultureInfo.InvariantCulture) },
            new JsonObject { ["id"] = BotRoleId, ["name"] = "PeerBot", ["permissions"] = BotPermissions.ToString(CultureInfo.InvariantCulture) }))),
        ("GET", "/guilds/{guild_id}/channels", _ => (200, new JsonArray(Channels.Where(c => c.Type != 1).Select(c => (JsonNode)ChannelJson(c)).ToArray()))),
        ("POST", "/guilds/{guild_id}/channels", CreateChannel),
        ("GET", "/channels/{channel_id}", r => FindChannel(r.Params["channel_id"]) is { } c ? (200, ChannelJson(c)) : NotFound(10003, "Channel")),
        ("PATCH", "/channels/{channel_id}", EditChannel),
        ("PUT", "/channels/{channel_id}/permissions/{overwrite_id}", PutOverwrite),
        ("DELETE", "/channels/{channel_id}/permissions/{overwrite_id}", DeleteOverwrite),
        ("POST", "/users/@me/channels", CreateDm),
        ("GET", "/channels/{channel_id}/messages", ListMessages),
        ("POST", "/channels/{channel_id}/messages", CreateMessage),
        ("PATCH", "/channels/{channel_id}/messages/{message_id}", EditMessage),
        ("DELETE", "/channels/{channel_id}/messages/{message_id}", DeleteMessage),
        ("POST", "/interactions/{interaction_id}/{interaction_token}/callback", Callback),
        ("PATCH", "/webhooks/{webhook_id}/{webhook_token}/messages/@original", EditOriginal),
        ("POST", "/webhooks/{webhook_id}/{webhook_token}", Followup),
    ];

    private async Task HandleAsync(HttpContext context)
    {
        var path = context.Request.Path.Value ?? "/";
        if (path.TrimEnd('/') is "/gateway" or "/resume")
        {
            await HandleGatewayAsync(context, path.TrimEnd('/') == "/resume");
            return;
        }

        if (!path.StartsWith("/api/v10/", StringComparison.Ordinal))
        {
            Violation($"{context.Request.Method} {path}: not under /api/v10");
            context.Response.StatusCode = 404;
            return;
        }

        var relative = path["/api/v10".Length..];
        var method = context.Request.Method;
        string text;
        List<UploadedFile>? files = null;
        var isMultipart = (context.Request.ContentType ?? "").StartsWith("multipart/form-data", StringComparison.Ordinal);
        if (isMultipart)
        {
            // Discord's file uploads: the JSON body in the form field payload_json, each file in a part named files[n].
            var form = await context.Request.ReadFormAsync();
            text = form.TryGetValue("payload_json", out var payloadJson) ? payloadJson.ToString() : "";
            if (text.Length == 0)
            {
                Violation($"{method} {relative}: multipart body without payload_json");
            }

            files = [];
            foreach (var file in form.Files)
            {
                var match = FilePartName.Match(file.Name);
                if (!match.Success)
                {
                    Violation($"{method} {relative}: file part named '{file.Name}', not files[n]");
                    continue;
                }

                using var bytes = new MemoryStream();
                await file.CopyToAsync(bytes);
                files.Add(new UploadedFile(int.Parse(match.Groups[1].Value, CultureInfo.InvariantCulture), file.FileName, file.ContentType, bytes.ToArray()));
            }
        }
        else
        {
            using var reader = new StreamReader(context.Request.Body, Encoding.UTF8);
            text = await reader.ReadToEndAsync();
        }

        JsonNode? body = null;
        if (text.Length > 0)
        {
            try
            {
                body = JsonNode.Parse(text);
            }
            catch (JsonException)
            {
                Violation($"{method} {relative}: body is not JSON");
            }

            if (!isMultipart && !(context.Request.ContentType ?? "").StartsWith("application/json", StringComparison.Ordinal))
            {
                Violation($"{method} {relative}: Content-Type is {context.Request.ContentType}, not application/json");
            }
        }

        var query = context.Request.Query.ToDictionary(q => q.Key, q => q.Value.ToString(), StringComparer.Ordinal);
        var hold = TakeHold(method, relative, body);
        if (hold is { AfterActing: false })
        {
            await HoldAsync(context, hold);
            return;
        }

        var (status, response, route) = Dispatch(context, method, relative, query, body, files);
        if (hold is not null)
        {
            Changed();
            await HoldAsync(context, hold);
            return;
        }

        lock (_gate)
        {
            _requests.Add(new RecordedRequest(method, relative, route, body, Clock.GetUtcNow(), status)
            {
                Authorized = context.Request.Headers.Authorization.Count > 0,
                HostAt = HostClock?.GetUtcNow(),
                RetryAfter = status == 429 ? response?["retry_after"]?.GetValue<double>() : null,
                Global = status == 429 && response?["global"]?.GetValue<bool>() == true,
            });
        }

        Changed();
        if (status == DropConnection)
        {
            context.Abort();
            return;
        }

        context.Response.StatusCode = status;
        if (response is not null)
        {
            context.Response.ContentType = "application/json";
            await context.Response.WriteAsync(response.ToJsonString());
        }
    }

    private (int Status, JsonNode? Body, string Route) Dispatch(HttpContext context, string method, string relative, Dictionary<string, string> query, JsonNode? body, List<UploadedFile>? files)
    {
        var auth = context.Request.Headers.Authorization.ToString();
        var userAgent = context.Request.Headers.UserAgent.ToString();
        if (!UserAgentForm.IsMatch(userAgent))
        {
            Violation($"{method} {relative}: User-Agent '{userAgent}' is not of the form 'DiscordBot ($url, $version)'");
        }

        var problems = _validator.Validate(method, relative, query, auth.StartsWith("Bot ", StringComparison.Ordinal), body);
        foreach (var problem in problems)
        {
            Violation(problem);
        }

        if (problems.Count > 0)
        {
            return (400, Error(50035, "Invalid Form Body: " + string.Join("; ", problems)), "?");
        }

        var segments = relative.Trim('/').Split('/');
        foreach (var (m, template, handler) in Routes())
        {
            var parts = template.Trim('/').Split('/');
            if (m != method || parts.Length != segments.Length)
            {
                continue;
            }

            var parameters = new Dictionary<string, string>(StringComparer.Ordinal);
            var ok = true;
            for (var i = 0; i < parts.Length && ok; i++)
            {
                if (parts[i].StartsWith('{'))
                {
                    parameters[parts[i].Trim('{', '}')] = segments[i];
                }
                else
                {
                    ok = parts[i] == segments[i];
                }
            }

            if (!ok)
            {
                continue;
            }

            var route = method + " " + template;
            CheckAuditReason(context, route);
            var isCallback = template.StartsWith("/interactions/", StringComparison.Ordinal);

            // Interaction callbacks and webhook-token routes are authorised by the token in the path, not the bot's.
            var isWebhookToken = template.StartsWith("/webhooks/{webhook_id}/{webhook_token}", StringComparison.Ordinal);
            if (!isCallback && !isWebhookToken && auth != "Bot " + Options.Token)
            {
                return (401, Error(0, "401: Unauthorized"), route);
            }

            var headers = context.Response.Headers;
            if (Forced(method, template) is { } forced)
            {
                if (forced.Status == 429)
                {
                    headers["Retry-After"] = forced.RetryAfter.ToString(CultureInfo.InvariantCulture);
                    headers["X-RateLimit-Scope"] = forced.Global ? "global" : "user";
                    if (forced.Global)
                    {
                        headers["X-RateLimit-Global"] = "true";
                    }
                    else
                    {
                        headers["X-RateLimit-Limit"] = "1";
                        headers["X-RateLimit-Remaining"] = "0";
                        headers["X-RateLimit-Reset-After"] = forced.RetryAfter.ToString(CultureInfo.InvariantCulture);
                    }

                    return (429, new JsonObject { ["message"] = "You are being rate limited.", ["retry_after"] = forced.RetryAfter, ["global"] = forced.Global }, route);
                }

                return (forced.Status, Error(0, "emulated failure"), route);
            }

            // Interaction endpoints, the callback and the webhook routes of its token, are not bound by the global limit.
            if (!isCallback && !isWebhookToken && !TakeGlobal())
            {
                Violation($"{route}: more than {Options.GlobalRequestsPerSecond} requests in one second (global limit)");
                headers["X-RateLimit-Global"] = "true";
                headers["X-RateLimit-Scope"] = "global";
                headers["Retry-After"] = "1";
                return (429, new JsonObject { ["message"] = "You are being rate limited.", ["retry_after"] = 1.0, ["global"] = true }, route);
            }

            if (!isCallback && !TakeBucket(route, template, parameters, headers))
            {
                return (429, new JsonObject { ["message"] = "You are being rate limited.", ["retry_after"] = double.Parse(headers["Retry-After"]!, CultureInfo.InvariantCulture), ["global"] = false }, route);
            }

            var (status, response) = handler(new Request(method, relative, parameters, query, body) { Files = files });
            if (status is >= 200 and < 300 && TryFailAfter(method, template, out var lost))
            {
                return (lost ?? DropConnection, lost is null ? null : Error(0, "emulated failure after the change was made"), route);
            }

            return (status, response, route);
        }

        Violation($"{method} {relative}: the emulator does not serve this route");
        return (404, Error(0, "404: Not Found"), "?");
    }

    /// <summary>Whether the answer of this request is to be lost; <paramref name="status"/> null: drop the connection.</summary>
    private bool TryFailAfter(string method, string template, out int? status)
    {
        lock (_gate)
        {
            var index = _failAfter.FindIndex(f => f.Method == method && f.Route == template);
            status = index < 0 ? null : _failAfter[index].Status;
            if (index >= 0)
            {
                _failAfter.RemoveAt(index);
            }

            return index >= 0;
        }
    }

    /// <summary>Changes to channels and their permission overwrites, which Discord's audit log records with a reason.</summary>
    private static readonly HashSet<string> AuditedRoutes = new(StringComparer.Ordinal)
    {
        "POST /guilds/{guild_id}/channels",
        "PATCH /channels/{channel_id}",
        "PUT /channels/{channel_id}/permissions/{overwrite_id}",
        "DELETE /channels/{channel_id}/permissions/{overwrite_id}",
    };

    private static readonly Regex UrlEncoded = new("^(?:[A-Za-z0-9\\-_.~]|%[0-9A-Fa-f]{2})+$", RegexOptions.Compiled, TimeSpan.FromSeconds(1));

    /// <summary>
    /// PeerBot gives a reason for every change to a channel or its overwrites, in <c>X-Audit-Log-Reason</c>, URL-encoded
    /// as Discord reads it (a raw space or non-ASCII character arrives garbled in the audit log), at most 512 characters.
    /// </summary>
    private void CheckAuditReason(HttpContext context, string route)
    {
        if (!AuditedRoutes.Contains(route))
        {
            return;
        }

        var values = context.Request.Headers["X-Audit-Log-Reason"];
        var reason = values.Count == 1 ? values[0] : null;
        if (string.IsNullOrEmpty(reason))
        {
            Violation($"{route}: no X-Audit-Log-Reason, so the server's audit log does not say why");
            return;
        }

        if (!UrlEncoded.IsMatch(reason))
        {
            Violation($"{route}: X-Audit-Log-Reason '{reason}' is not URL-encoded");
            return;
        }

        var decoded = Uri.UnescapeDataString(reason);
        if (decoded.Length > 512)
        {
            Violation($"{route}: X-Audit-Log-Reason longer than 512 characters");
        }

        lock (_gate)
        {
            _auditReasons.Add((route, decoded));
        }
    }

    /// <summary>The audit-log reasons received, decoded, with their routes.</summary>
    public IReadOnlyList<(string Route, string Reason)> AuditReasons
    {
        get
        {
            lock (_gate)
            {
                return _auditReasons.ToList();
            }
        }
    }

    private (int Status, double RetryAfter, bool Global)? Forced(string method, string template)
    {
        lock (_gate)
        {
            var index = _forced.FindIndex(f => f.Method == method && f.Route == template);
            if (index < 0)
            {
                return null;
            }

            var f = _forced[index];
            _forced.RemoveAt(index);
            return (f.Status, f.RetryAfter, f.Global);
        }
    }

    private bool TakeGlobal()
    {
        if (Options.GlobalRequestsPerSecond <= 0)
        {
            return true;
        }

        lock (_gate)
        {
            var now = Clock.GetUtcNow();
            if (now >= _globalWindow + TimeSpan.FromSeconds(1))
            {
                _globalWindow = now;
                _globalCount = 0;
            }

            return ++_globalCount <= Options.GlobalRequestsPerSecond;
        }
    }

    private bool TakeBucket(string route, string template, Dictionary<string, string> parameters, IHeaderDictionary headers)
    {
        lock (_gate)
        {
            var limit = _limits.GetValueOrDefault(route)
                ?? new RouteLimit(Options.DefaultRouteLimit, Options.DefaultResetAfterSeconds, "d" + Math.Abs(route.GetHashCode(StringComparison.Ordinal)).ToString("x", CultureInfo.InvariantCulture));
            var major = parameters.GetValueOrDefault("channel_id") ?? parameters.GetValueOrDefault("guild_id")
                ?? (parameters.TryGetValue("webhook_id", out var w) ? w + "/" + parameters.GetValueOrDefault("webhook_token") : "global");
            var key = limit.Bucket + ":" + major;
            var now = Clock.GetUtcNow();
            var state = _bucketState.TryGetValue(key, out var s) ? s : (Remaining: 0, ResetAt: DateTimeOffset.MinValue, Index: -1);
            if (now >= state.ResetAt)
            {
                _windows.Add(new LimitWindow(key, now, 0));
                state = (limit.Limit, now + TimeSpan.FromSeconds(limit.ResetAfterSeconds), _windows.Count - 1);
            }

            var resetAfter = Math.Max(0, (state.ResetAt - now).TotalSeconds);
            headers["X-RateLimit-Limit"] = limit.Limit.ToString(CultureInfo.InvariantCulture);
            headers["X-RateLimit-Bucket"] = limit.Bucket;
            headers["X-RateLimit-Reset"] = (state.ResetAt.ToUnixTimeMilliseconds() / 1000.0).ToString("0.000", CultureInfo.InvariantCulture);
            headers["X-RateLimit-Reset-After"] = resetAfter.ToString("0.000", CultureInfo.InvariantCulture);
            if (state.Remaining <= 0)
            {
                _violations.Add($"{route} ({major}): request sent on an exhausted bucket, {resetAfter:0.000} s before its reset");
                headers["X-RateLimit-Remaining"] = "0";
                headers["X-RateLimit-Scope"] = "user";
                headers["Retry-After"] = resetAfter.ToString("0.000", CultureInfo.InvariantCulture);
                _bucketState[key] = state;
                return false;
            }

            state.Remaining--;
            _windows[state.Index] = _windows[state.Index] with { Requests = _windows[state.Index].Requests + 1 };
            _bucketState[key] = state;
            headers["X-RateLimit-Remaining"] = state.Remaining.ToString(CultureInfo.InvariantCulture);
            _ = template;
            return true;
        }
    }

    private JsonObject UserJson(string id)
    {
        var (name, bot) = _users.TryGetValue(id, out var u) ? u : ("unknown", false);
        var json = new JsonObject { ["id"] = id, ["username"] = name, ["global_name"] = name, ["discriminator"] = "0" };
        if (bot)
        {
            json["bot"] = true;
        }

        return json;
    }

    private (int, JsonNode?) BulkCommands(Request r)
    {
        if (r.Params["application_id"] != ApplicationId)
        {
            return NotFound(10002, "Application");
        }

        var commands = (JsonArray)r.Body!.DeepClone();
        foreach (var c in commands)
        {
            c!["id"] = NextId();
            c["application_id"] = ApplicationId;
        }

        lock (_gate)
        {
            Commands = commands;
        }

        return (200, commands.DeepClone());
    }

    private (int, JsonNode?) SearchMembers(Request r)
    {
        var q = r.Query.GetValueOrDefault("query") ?? "";

        // Discord returns at most `limit` members (default 1, at most 1000) whose username or nickname starts with the
        // query, in no promised order: here the earliest members first, so an exact name may come after its prefixes.
        var limit = 1;
        if (r.Query.TryGetValue("limit", out var l) && (!int.TryParse(l, NumberStyles.Integer, CultureInfo.InvariantCulture, out limit) || limit is < 1 or > 1000))
        {
            return (400, Error(50035, "Invalid Form Body: limit must be between 1 and 1000"));
        }

        lock (_gate)
        {
            var found = _members.Where(id => _users[id].Username.StartsWith(q, StringComparison.OrdinalIgnoreCase))
                .OrderBy(id => id.Length).ThenBy(id => id, StringComparer.Ordinal)
                .Take(limit)
                .Select(id => (JsonNode)new JsonObject { ["user"] = UserJson(id), ["roles"] = new JsonArray(), ["joined_at"] = Now() })
                .ToArray();
            return (200, new JsonArray(found));
        }
    }

    private (int, JsonNode?) GetMember(Request r)
    {
        var id = r.Params["user_id"];
        lock (_gate)
        {
            if (!_members.Contains(BotUserId))
            {
                return ((int)HttpStatusCode.Forbidden, Error(50001, "Missing Access"));
            }

            if (!_members.Contains(id))
            {
                return NotFound(10007, "Member");
            }

            var roles = id == BotUserId ? new JsonArray(BotRoleId) : new JsonArray();
            return (200, new JsonObject { ["user"] = UserJson(id), ["roles"] = roles, ["joined_at"] = Now() });
        }
    }

    private bool Can(long permission) => ((BotPermissions | EveryonePermissions) & permission) == permission || ((BotPermissions | EveryonePermissions) & 8) != 0;

    /// <summary>
    /// Discord lets a bot allow or deny in an overwrite only permissions it holds itself (else 403, code 50013 Missing
    /// Permissions), so a bot that denies members a permission must hold it.
    /// </summary>
    private bool CanSet(IEnumerable<EmulatedOverwrite> overwrites) => overwrites.All(o => Can(o.Allow | o.Deny));

    private (int, JsonNode?) CreateChannel(Request r)
    {
        if (!Can(16))
        {
            return (403, Error(50013, "Missing Permissions"));
        }

        var body = r.Body!.AsObject();
        var channel = new EmulatedChannel
        {
            Id = NextId(),
            Type = body["type"]?.GetValue<int>() ?? 0,
            Name = body["name"]!.GetValue<string>(),
            ParentId = body["parent_id"]?.GetValue<string>(),
            Topic = body["topic"]?.GetValue<string>(),
        };
        if (body["permission_overwrites"] is JsonArray overwrites)
        {
            if (overwrites.Any(o => ParseBits(o!["allow"]) != 0) && !Can(1L << 28))
            {
                return (403, Error(50013, "Missing Permissions"));
            }

            channel.Overwrites.AddRange(overwrites.Select(o => ParseOverwrite(o!.AsObject(), o!["id"]!.GetValue<string>())));
            if (!CanSet(channel.Overwrites))
            {
                return (403, Error(50013, "Missing Permissions"));
            }
        }

        if (channel.ParentId is not null && FindChannel(channel.ParentId) is not { Type: 4 })
        {
            return (400, Error(50035, "Invalid Form Body: parent_id is not a category"));
        }

        lock (_gate)
        {
            if (_channels.Values.Count(c => c.Type != 1) >= Options.GuildChannelLimit)
            {
                return (400, Error(30013, $"Maximum number of guild channels reached ({Options.GuildChannelLimit})"));
            }

            if (channel.ParentId is not null && CategoryFull(channel.ParentId, null))
            {
                return (400, CategoryFullError());
            }

            _channels[channel.Id] = channel;
        }

        _ = DispatchAsync("CHANNEL_CREATE", ChannelJson(channel));
        return (201, ChannelJson(channel));
    }

    private (int, JsonNode?) EditChannel(Request r)
    {
        if (FindChannel(r.Params["channel_id"]) is not { } channel)
        {
            return NotFound(10003, "Channel");
        }

        if (!Can(16))
        {
            return (403, Error(50013, "Missing Permissions"));
        }

        var body = r.Body!.AsObject();
        if (body["permission_overwrites"] is JsonArray wanted
            && !CanSet(wanted.Select(o => ParseOverwrite(o!.AsObject(), o!["id"]!.GetValue<string>()))))
        {
            return (403, Error(50013, "Missing Permissions"));
        }

        lock (_gate)
        {
            if (body["parent_id"]?.GetValue<string>() is { } parent && parent != channel.ParentId && CategoryFull(parent, channel.Id))
            {
                return (400, CategoryFullError());
            }

            if (body["name"] is { } name)
            {
                channel.Name = name.GetValue<string>();
            }

            if (body.ContainsKey("parent_id"))
            {
                channel.ParentId = body["parent_id"]?.GetValue<string>();
            }

            if (body["topic"] is { } topic)
            {
                channel.Topic = topic.GetValue<string>();
            }

            if (body["permission_overwrites"] is JsonArray overwrites)
            {
                channel.Overwrites.Clear();
                channel.Overwrites.AddRange(overwrites.Select(o => ParseOverwrite(o!.AsObject(), o!["id"]!.GetValue<string>())));
            }
        }

        _ = DispatchAsync("CHANNEL_UPDATE", ChannelJson(channel));
        return (200, ChannelJson(channel));
    }

    /// <summary>Whether a category already holds as many channels as Discord allows (the caller holds the lock).</summary>
    private bool CategoryFull(string categoryId, string? except) =>
        _channels.Values.Count(c => c.ParentId == categoryId && c.Id != except) >= Options.CategoryChannelLimit;

    /// <summary>Discord's answer for a full category: no code of its own, an invalid form body naming parent_id.</summary>
    private JsonObject CategoryFullError()
    {
        var error = Error(50035, "Invalid Form Body");
        error["errors"] = new JsonObject
        {
            ["parent_id"] = new JsonObject
            {
                ["_errors"] = new JsonArray(new JsonObject
                {
                    ["code"] = "CHANNEL_PARENT_MAX_CHANNELS",
                    ["message"] = $"Maximum number of channels in category reached ({Options.CategoryChannelLimit})",
                }),
            },
        };
        return error;
    }

    private (int, JsonNode?) PutOverwrite(Request r)
    {
        if (FindChannel(r.Params["channel_id"]) is not { } channel)
        {
            return NotFound(10003, "Channel");
        }

        if (!Can(1L << 28))
        {
            return (403, Error(50013, "Missing Permissions"));
        }

        var overwrite = ParseOverwrite(r.Body!.AsObject(), r.Params["overwrite_id"]);
        if (!CanSet([overwrite]))
        {
            return (403, Error(50013, "Missing Permissions"));
        }

        lock (_gate)
        {
            channel.Overwrites.RemoveAll(o => o.Id == overwrite.Id);
            channel.Overwrites.Add(overwrite);
        }

        return (204, null);
    }

    private (int, JsonNode?) DeleteOverwrite(Request r)
    {
        if (FindChannel(r.Params["channel_id"]) is not { } channel)
        {
            return NotFound(10003, "Channel");
        }

        lock (_gate)
        {
            return channel.Overwrites.RemoveAll(o => o.Id == r.Params["overwrite_id"]) > 0 ? (204, null) : NotFound(10009, "Overwrite");
        }
    }

    private (int, JsonNode?) CreateDm(Request r)
    {
        var recipient = r.Body!["recipient_id"]!.GetValue<string>();
        lock (_gate)
        {
            if (!_users.ContainsKey(recipient))
            {
                return NotFound(10013, "User");
            }

            if (Options.DirectChannelOpenLimit > 0)
            {
                var now = (HostClock ?? Clock).GetUtcNow();
                _directOpens.RemoveAll(t => t <= now - Options.DirectChannelOpenWindow);
                if (_directOpens.Count >= Options.DirectChannelOpenLimit)
                {
                    DirectOpensRefused++;
                    return (403, Error(40003, "You are opening direct messages too fast."));
                }

                _directOpens.Add(now);
            }
        }

        var channel = DirectChannel(recipient);
        if (channel is null)
        {
            channel = new EmulatedChannel { Id = NextId(), Type = 1, RecipientId = recipient };
            lock (_gate)
            {
                _channels[channel.Id] = channel;
            }
        }

        return (200, ChannelJson(channel));
    }

    private (int, JsonNode?) CreateMessage(Request r)
    {
        if (FindChannel(r.Params["channel_id"]) is not { } channel)
        {
            return NotFound(10003, "Channel");
        }

        var body = r.Body!.AsObject();
        string content;
        try
        {
            content = body["content"]?.GetValue<string>() ?? "";
        }
        catch (InvalidOperationException)
        {
            // An escaped lone surrogate: half a character, which Discord refuses as an invalid form body.
            Violation($"{r.Method} {r.Path}: content holds half a character (a lone surrogate)");
            return (400, Error(50035, "Invalid Form Body: content is not valid text"));
        }

        if (content.Length > 2000)
        {
            return (400, Error(50035, "Invalid Form Body: content must be 2000 or fewer in length."));
        }

        var (attachments, refused) = Attachments(r, body);
        if (refused is { } refusal)
        {
            return refusal;
        }

        if (content.Length == 0 && attachments.Count == 0 && body["components"] is null)
        {
            return (400, Error(50006, "Cannot send an empty message"));
        }

        var nonce = body["nonce"]?.ToString();
        CheckNoPings(r, body);
        if (nonce is null || body["enforce_nonce"]?.GetValue<bool>() != true)
        {
            Violation($"{r.Method} {r.Path}: message sent without nonce and enforce_nonce, so a retry could post it twice");
        }

        EmulatedMessage message;
        var now = (HostClock ?? Clock).GetUtcNow();
        lock (_gate)
        {
            if (nonce is not null && body["enforce_nonce"]?.GetValue<bool>() == true
                && channel.Messages.LastOrDefault(m => m.Nonce == nonce && now - m.CreatedAt < NonceWindow) is { } existing)
            {
                return (200, MessageJson(existing));
            }

            message = new EmulatedMessage
            {
                Id = NextMessageId(),
                ChannelId = channel.Id,
                AuthorId = BotUserId,
                Content = content,
                Flags = body["flags"]?.GetValue<int>() ?? 0,
                Components = body["components"]?.DeepClone(),
                AllowedMentions = body["allowed_mentions"]?.DeepClone(),
                Nonce = nonce,
                CreatedAt = now,
                Attachments = attachments,
            };
            channel.Messages.Add(message);
        }

        // Discord echoes the bot's own messages on the gateway; the bot must ignore them.
        _ = DispatchAsync("MESSAGE_CREATE", MessageJson(message, channel));
        return (200, MessageJson(message));
    }

    /// <summary>
    /// The files of a message as Discord takes them: each <c>files[n]</c> part named by an entry of the body's
    /// <c>attachments</c> with id n, at most 10, each at most <see cref="DiscordEmulatorOptions.MaxUploadBytes"/> (a larger
    /// one: 413, code 40005 "Request entity too large"), descriptions at most 1,024 characters.
    /// </summary>
    private (List<EmulatedAttachment> Attachments, (int, JsonNode?)? Refusal) Attachments(Request r, JsonObject body)
    {
        var files = r.Files ?? [];
        var entries = body["attachments"] as JsonArray ?? [];
        if (files.Count == 0)
        {
            if (entries.Count > 0)
            {
                Violation($"{r.Method} {r.Path}: attachments listed but no file sent");
                return ([], (400, Error(50035, "Invalid Form Body: attachments refer to files not sent")));
            }

            return ([], null);
        }

        if (files.Count > 10)
        {
            return ([], (400, Error(50035, "Invalid Form Body: files must be 10 or fewer in length.")));
        }

        if (files.Any(f => f.Bytes.Length > Options.MaxUploadBytes))
        {
            return ([], (413, Error(40005, "Request entity too large")));
        }

        var attachments = new List<EmulatedAttachment>();
        foreach (var file in files.OrderBy(f => f.Index))
        {
            var entry = entries.OfType<JsonObject>().FirstOrDefault(e => e["id"]?.ToString() == file.Index.ToString(CultureInfo.InvariantCulture));
            if (entry is null)
            {
                Violation($"{r.Method} {r.Path}: files[{file.Index}] has no entry with id {file.Index} in attachments, so it has no description");
            }

            var description = entry?["description"]?.GetValue<string>();
            if (description is { Length: > 1024 })
            {
                return ([], (400, Error(50035, "Invalid Form Body: attachments.description must be 1024 or fewer in length.")));
            }

            attachments.Add(new EmulatedAttachment(
                NextId(), entry?["filename"]?.GetValue<string>() ?? file.FileName, description, file.ContentType, file.Bytes));
        }

        return (attachments, null);
    }

    /// <summary>
    /// A channel's messages, newest first (<c>limit</c> 1 to 100, 50 by default; <c>after</c> or <c>before</c> a
    /// snowflake). Like Discord's, the listing carries no nonces: only the answer to the create and the gateway's echo do.
    /// </summary>
    private (int, JsonNode?) ListMessages(Request r)
    {
        if (FindChannel(r.Params["channel_id"]) is not { } channel)
        {
            return NotFound(10003, "Channel");
        }

        var limit = 50;
        if (r.Query.TryGetValue("limit", out var l) && (!int.TryParse(l, NumberStyles.Integer, CultureInfo.InvariantCulture, out limit) || limit is < 1 or > 100))
        {
            return (400, Error(50035, "Invalid Form Body: limit must be between 1 and 100."));
        }

        ulong? after = null, before = null;
        foreach (var (name, set) in new (string, Action<ulong>)[] { ("after", v => after = v), ("before", v => before = v) })
        {
            if (r.Query.TryGetValue(name, out var text))
            {
                if (!ulong.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var value))
                {
                    return (400, Error(50035, $"Invalid Form Body: {name} is not a snowflake."));
                }

                set(value);
            }
        }

        lock (_gate)
        {
            var live = channel.Messages.Where(m => !m.Deleted).OrderBy(m => ulong.Parse(m.Id, CultureInfo.InvariantCulture));

            // With after, the messages just after it; otherwise (before, or neither) the newest before it. Newest first
            // either way, as Discord answers.
            var chosen = after is { } a
                ? live.Where(m => ulong.Parse(m.Id, CultureInfo.InvariantCulture) > a).Take(limit).Reverse().ToList()
                : live.Where(m => before is not { } b || ulong.Parse(m.Id, CultureInfo.InvariantCulture) < b).Reverse().Take(limit).ToList();
            return (200, new JsonArray(chosen.Select(m => (JsonNode)MessageJson(m, channel, includeNonce: false)).ToArray()));
        }
    }

    private (int, JsonNode?) EditMessage(Request r)
    {
        var message = FindMessage(r.Params["channel_id"], r.Params["message_id"]);
        if (message is null)
        {
            return NotFound(10008, "Message");
        }

        CheckNoPings(r, r.Body!.AsObject());
        ApplyEdit(message, r.Body!.AsObject());
        return (200, MessageJson(message));
    }

    private (int, JsonNode?) DeleteMessage(Request r)
    {
        var message = FindMessage(r.Params["channel_id"], r.Params["message_id"]);
        if (message is null)
        {
            return NotFound(10008, "Message");
        }

        lock (_gate)
        {
            message.Deleted = true;
        }

        return (204, null);
    }

    /// <summary>PeerBot pings nobody: every message it sends or edits carries allowed_mentions {"parse": []}.</summary>
    private void CheckNoPings(Request r, JsonObject body)
    {
        if (body["allowed_mentions"] is not JsonObject mentions || mentions["parse"] is not JsonArray { Count: 0 }
            || mentions["users"] is JsonArray { Count: > 0 } || mentions["roles"] is JsonArray { Count: > 0 })
        {
            Violation($"{r.Method} {r.Path}: message without allowed_mentions {{\"parse\": []}}");
        }
    }

    private void ApplyEdit(EmulatedMessage message, JsonObject body)
    {
        lock (_gate)
        {
            if (body["content"] is { } content)
            {
                message.Content = content.GetValue<string>();
            }

            if (body.ContainsKey("components"))
            {
                message.Components = body["components"]?.DeepClone();
            }

            if (body["allowed_mentions"] is { } mentions)
            {
                message.AllowedMentions = mentions.DeepClone();
            }
        }
    }

    private EmulatedMessage? FindMessage(string channelId, string messageId)
    {
        lock (_gate)
        {
            return _channels.TryGetValue(channelId, out var c) ? c.Messages.FirstOrDefault(m => m.Id == messageId && !m.Deleted) : null;
        }
    }

    private static EmulatedOverwrite ParseOverwrite(JsonObject o, string id) =>
        new(id, o["type"]?.GetValue<int>() ?? 0, ParseBits(o["allow"]), ParseBits(o["deny"]));

    private static long ParseBits(JsonNode? node) => node switch
    {
        null => 0,
        JsonValue v when v.GetValueKind() == JsonValueKind.String => long.Parse(v.GetValue<string>(), CultureInfo.InvariantCulture),
        JsonValue v => v.GetValue<long>(),
        _ => 0,
    };

    private JsonObject ChannelJson(EmulatedChannel c)
    {
        lock (_gate)
        {
            var json = new JsonObject { ["id"] = c.Id, ["type"] = c.Type };
            if (c.Type == 1)
            {
                json["recipients"] = new JsonArray(UserJson(c.RecipientId!));
                return json;
            }

            json["guild_id"] = GuildId;
            json["name"] = c.Name;
            json["parent_id"] = c.ParentId;
            json["topic"] = c.Topic;
            json["permission_overwrites"] = new JsonArray(c.Overwrites.Select(o => (JsonNode)new JsonObject
            {
                ["id"] = o.Id,
                ["type"] = o.Type,
                ["allow"] = o.Allow.ToString(CultureInfo.InvariantCulture),
                ["deny"] = o.Deny.ToString(CultureInfo.InvariantCulture),
            }).ToArray());
            return json;
        }
    }

    private JsonObject MessageJson(EmulatedMessage m, EmulatedChannel? channel = null, bool includeNonce = true)
    {
        lock (_gate)
        {
            var json = new JsonObject
            {
                ["id"] = m.Id,
                ["channel_id"] = m.ChannelId,
                ["author"] = UserJson(m.AuthorId),
                ["content"] = m.Content,
                ["timestamp"] = HostNow(),
                ["type"] = 0,
                ["flags"] = m.Flags,
                ["mentions"] = new JsonArray(),
                ["attachments"] = new JsonArray(m.Attachments.Select(a => (JsonNode)new JsonObject
                {
                    ["id"] = a.Id,
                    ["filename"] = a.FileName,
                    ["description"] = a.Description,
                    ["content_type"] = a.ContentType,
                    ["size"] = a.Bytes.Length,
                    ["url"] = $"https://cdn.discordapp.com/attachments/{m.ChannelId}/{a.Id}/{a.FileName}",
                    ["proxy_url"] = $"https://media.discordapp.net/attachments/{m.ChannelId}/{a.Id}/{a.FileName}",
                }).ToArray()),
                ["components"] = m.Components?.DeepClone() ?? new JsonArray(),
            };
            channel ??= _channels.GetValueOrDefault(m.ChannelId);
            if (channel is { Type: not 1 })
            {
                json["guild_id"] = GuildId;
            }

            if (includeNonce && m.Nonce is not null)
            {
                json["nonce"] = m.Nonce;
            }

            return json;
        }
    }
}
