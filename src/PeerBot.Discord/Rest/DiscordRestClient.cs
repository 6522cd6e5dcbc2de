using PeerBot.Core;
using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.Extensions.Logging;
using PeerBot.Core.Platform;

namespace PeerBot.Discord.Rest;

/// <summary>
/// Discord's HTTP API v10 over <see cref="HttpClient"/>: bot authorization, the documented User-Agent,
/// JSON bodies, rate limits (<see cref="RateLimiter"/>), and retries with backoff on 5xx and timeouts.
/// Failures come back as <see cref="DiscordResponse"/> values; <see cref="DiscordResponse.EnsureSuccess"/> maps them.
/// </summary>
public sealed class DiscordRestClient
{
    private const int MaxRateLimitRetries = 10;
    private readonly HttpClient _http;
    private readonly string _baseUrl;
    private readonly string _token;
    private readonly DiscordAdapterOptions _options;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly RateLimiter _limiter;
    private readonly RestActivity _activity = new();
    private readonly string _userAgent;
    private volatile bool _unauthorized;

    public DiscordRestClient(
        HttpClient http,
        string baseUrl,
        string token,
        DiscordAdapterOptions options,
        TimeProvider time,
        ILogger<DiscordRestClient> logger)
    {
        ArgumentNullException.ThrowIfNull(baseUrl);
        _http = http;
        _baseUrl = baseUrl.TrimEnd('/');
        _token = token;
        _options = options;
        _time = time;
        _logger = logger;
        _limiter = new RateLimiter(time, options, _activity);
        var version = typeof(DiscordRestClient).Assembly.GetName().Version?.ToString(3) ?? "1.0";
        _userAgent = $"DiscordBot ({options.UserAgentUrl}, {version})";
    }

    /// <summary>The rate limiter, for tests that inspect its state.</summary>
    internal RateLimiter Limiter => _limiter;

    /// <summary>Which requests are inside and which are waiting, for tests that move a fake clock only once all wait.</summary>
    internal RestActivity Activity => _activity;

    /// <summary>The API base URL requests go to.</summary>
    public string BaseUrl => _baseUrl;

    /// <summary>The User-Agent sent with every request.</summary>
    public string UserAgent => _userAgent;

    /// <summary>Sends a request; waits for rate limits and retries transient failures.</summary>
    /// <param name="method">HTTP method.</param>
    /// <param name="path">Path below the API base, e.g. <c>/channels/1/messages</c>.</param>
    /// <param name="body">JSON body, or null.</param>
    /// <param name="permissionHint">The permission the operation needs, named in a missing-permission error.</param>
    /// <param name="cancellationToken">Cancels waiting and sending.</param>
    public Task<DiscordResponse> SendAsync(
        HttpMethod method,
        string path,
        JsonNode? body,
        string? permissionHint,
        CancellationToken cancellationToken) =>
        SendAsync(method, path, body, permissionHint, auditReason: null, cancellationToken);

    /// <summary>Sends a request that changes the server, with the reason its audit log shows.</summary>
    /// <param name="method">HTTP method.</param>
    /// <param name="path">Path below the API base.</param>
    /// <param name="body">JSON body, or null.</param>
    /// <param name="permissionHint">The permission the operation needs, named in a missing-permission error.</param>
    /// <param name="auditReason">Shown in the server's audit log (sent URL-encoded in <c>X-Audit-Log-Reason</c>); null for none.</param>
    /// <param name="cancellationToken">Cancels waiting and sending.</param>
    public async Task<DiscordResponse> SendAsync(
        HttpMethod method,
        string path,
        JsonNode? body,
        string? permissionHint,
        string? auditReason,
        CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(method);
        ArgumentNullException.ThrowIfNull(path);
        _activity.Enter();
        try
        {
            return await SendCoreAsync(method, path, body, permissionHint, auditReason, null, cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            _activity.Exit();
        }
    }

    /// <summary>
    /// Sends a request with files, as <c>multipart/form-data</c>: the JSON body as <c>payload_json</c> and each file as
    /// <c>files[n]</c>, where n is the id its entry in the body's <c>attachments</c> gives it.
    /// </summary>
    /// <param name="method">HTTP method.</param>
    /// <param name="path">Path below the API base.</param>
    /// <param name="body">JSON body (with its <c>attachments</c> array).</param>
    /// <param name="files">The files, each with the index its <c>files[n]</c> part is named by.</param>
    /// <param name="permissionHint">The permission the operation needs, named in a missing-permission error.</param>
    /// <param name="cancellationToken">Cancels waiting and sending.</param>
    public async Task<DiscordResponse> SendWithFilesAsync(
        HttpMethod method,
        string path,
        JsonNode body,
        IReadOnlyList<RestFile> files,
        string? permissionHint,
        CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(method);
        ArgumentNullException.ThrowIfNull(path);
        ArgumentNullException.ThrowIfNull(files);
        _activity.Enter();
        try
        {
            return await SendCoreAsync(method, path, body, permissionHint, null, null, cancellationToken, files).ConfigureAwait(false);
        }
        finally
        {
            _activity.Exit();
        }
    }

    /// <summary>
    /// Sends a request that makes something (a channel, a category) and is not safe to repeat: when its answer is lost
    /// (a 5xx or no answer, after which Discord may have made it all the same), <paramref name="findCreated"/> looks for
    /// what it would have made before the request is sent again, and what it finds is the answer.
    /// </summary>
    /// <param name="path">Path below the API base.</param>
    /// <param name="body">JSON body.</param>
    /// <param name="permissionHint">The permission the operation needs, named in a missing-permission error.</param>
    /// <param name="auditReason">Shown in the server's audit log; null for none.</param>
    /// <param name="findCreated">Looks for the thing the request makes; null when there is none.</param>
    /// <param name="cancellationToken">Cancels waiting and sending.</param>
    public async Task<DiscordResponse> CreateAsync(
        string path,
        JsonNode body,
        string? permissionHint,
        string? auditReason,
        Func<CancellationToken, Task<JsonElement?>> findCreated,
        CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(path);
        ArgumentNullException.ThrowIfNull(findCreated);
        _activity.Enter();
        try
        {
            return await SendCoreAsync(HttpMethod.Post, path, body, permissionHint, auditReason, findCreated, cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            _activity.Exit();
        }
    }

    private async Task<DiscordResponse> SendCoreAsync(
        HttpMethod method,
        string path,
        JsonNode? body,
        string? permissionHint,
        string? auditReason,
        Func<CancellationToken, Task<JsonElement?>>? findCreated,
        CancellationToken cancellationToken,
        IReadOnlyList<RestFile>? files = null)
    {
        var route = RouteInfo.Describe(method, path);
        if (_unauthorized && !route.IsTokenRoute)
        {
            // After a 401 every authenticated request would fail too, and count against the invalid-request limit.
            return DiscordResponse.Failed(method, route.Route, HttpStatusCode.Unauthorized, 0, "the bot token was rejected earlier", permissionHint);
        }

        var payload = body?.ToJsonString();
        var bucket = await _limiter.AcquireAsync(route, cancellationToken).ConfigureAwait(false);
        try
        {
            var failures = 0;
            var limited = 0;
            while (true)
            {
                await _limiter.WaitForBucketAsync(bucket, cancellationToken).ConfigureAwait(false);
                // Interaction endpoints (the callback, follow-ups and @original through the interaction's token) are not
                // bound by the bot's global limit, so an answer never queues behind a burst of other requests.
                if (!route.IsTokenRoute)
                {
                    await _limiter.WaitForGlobalAsync(cancellationToken).ConfigureAwait(false);
                }

                HttpResponseMessage response;
                using var timeout = new CancellationTokenSource(_options.RequestTimeout, _time);
                using var linked = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, timeout.Token);
                using var request = BuildRequest(method, path, payload, route.IsTokenRoute, auditReason, files);
                try
                {
                    response = await _http.SendAsync(request, HttpCompletionOption.ResponseContentRead, linked.Token).ConfigureAwait(false);
                }
                catch (Exception ex) when (!cancellationToken.IsCancellationRequested && ex is HttpRequestException or OperationCanceledException)
                {
                    failures++;
                    if (failures > _options.MaxRetries)
                    {
                        return DiscordResponse.Failed(method, route.Route, HttpStatusCode.ServiceUnavailable, 0, "Discord did not answer: " + ex.Message, permissionHint);
                    }

                    _logger.LogWarning("Discord {Method} {Route} failed ({Error}); retry {Attempt} of {Max}", method.Method, route.ForLog, ex.GetType().Name, failures, _options.MaxRetries);
                    await BackoffAsync(failures, cancellationToken).ConfigureAwait(false);
                    if (await FindCreatedAsync(findCreated, method, route, permissionHint, cancellationToken).ConfigureAwait(false) is { } made)
                    {
                        return made;
                    }

                    continue;
                }

                using (response)
                {
                    _limiter.Update(bucket, route, response.Headers);
                    var text = await response.Content.ReadAsStringAsync(cancellationToken).ConfigureAwait(false);
                    var json = ParseJson(text);
                    if (response.StatusCode == HttpStatusCode.TooManyRequests)
                    {
                        limited++;
                        var retryAfter = RetryAfter(response, json);
                        var global = response.Headers.TryGetValues("X-RateLimit-Global", out var g) && g.Any(v => v.Equals("true", StringComparison.OrdinalIgnoreCase));
                        if (json is { ValueKind: JsonValueKind.Object } o && o.TryGetProperty("global", out var gp) && gp.ValueKind == JsonValueKind.True)
                        {
                            global = true;
                        }

                        if (global)
                        {
                            _limiter.OnGlobalLimited(retryAfter);
                        }
                        else
                        {
                            _limiter.OnBucketLimited(bucket, retryAfter);
                        }

                        _logger.LogWarning("Discord rate limited {Method} {Route} ({Scope}) for {RetryAfter}", method.Method, route.ForLog, global ? "global" : "bucket", retryAfter);
                        if (limited > MaxRateLimitRetries)
                        {
                            return DiscordResponse.Failed(method, route.Route, response.StatusCode, 0, "still rate limited after " + MaxRateLimitRetries + " waits", permissionHint);
                        }

                        continue;
                    }

                    if ((int)response.StatusCode >= 500)
                    {
                        failures++;
                        if (failures > _options.MaxRetries)
                        {
                            return DiscordResponse.Failed(method, route.Route, response.StatusCode, 0, "Discord answered " + (int)response.StatusCode, permissionHint);
                        }

                        _logger.LogWarning("Discord {Method} {Route} answered {Status}; retry {Attempt} of {Max}", method.Method, route.ForLog, (int)response.StatusCode, failures, _options.MaxRetries);
                        await BackoffAsync(failures, cancellationToken).ConfigureAwait(false);
                        if (await FindCreatedAsync(findCreated, method, route, permissionHint, cancellationToken).ConfigureAwait(false) is { } made)
                        {
                            return made;
                        }

                        continue;
                    }

                    if (response.IsSuccessStatusCode)
                    {
                        return new DiscordResponse(method.Method, route.Route, response.StatusCode, json, 0, null, permissionHint);
                    }

                    if (response.StatusCode == HttpStatusCode.Unauthorized && !route.IsTokenRoute)
                    {
                        // Only a bot-authenticated route speaks for the bot token; an interaction token expires after 15
                        // minutes (401, code 50027) while the bot's is fine.
                        _unauthorized = true;
                    }

                    var code = 0;
                    string? message = null;
                    if (json is { ValueKind: JsonValueKind.Object } err)
                    {
                        if (err.TryGetProperty("code", out var c) && c.ValueKind == JsonValueKind.Number)
                        {
                            code = c.GetInt32();
                        }

                        if (err.TryGetProperty("message", out var m) && m.ValueKind == JsonValueKind.String)
                        {
                            message = m.GetString();
                        }

                        if (err.TryGetProperty("errors", out var details))
                        {
                            message += " " + FlattenErrors(details);
                        }
                    }

                    return new DiscordResponse(method.Method, route.Route, response.StatusCode, json, code, message, permissionHint);
                }
            }
        }
        finally
        {
            _limiter.Release(bucket);
        }
    }

    /// <summary>
    /// Before a create whose answer was lost is sent again: what it made, if Discord made it, as the answer. A failed
    /// look is no answer either way, and the create is sent again (the caller's own check before creating remains).
    /// </summary>
    private async Task<DiscordResponse?> FindCreatedAsync(
        Func<CancellationToken, Task<JsonElement?>>? findCreated,
        HttpMethod method,
        RouteInfo route,
        string? permissionHint,
        CancellationToken cancellationToken)
    {
        if (findCreated is null)
        {
            return null;
        }

        JsonElement? found;
        try
        {
            found = await findCreated(cancellationToken).ConfigureAwait(false);
        }
        catch (PlatformException ex)
        {
            _logger.LogWarning("Looking for what Discord {Method} {Route} may have made failed ({Error}); sending it again", method.Method, route.ForLog, ex.Message);
            return null;
        }

        if (found is not { } made)
        {
            return null;
        }

        _logger.LogInformation("Discord {Method} {Route}: the answer was lost but the request had been applied; adopting what it made", method.Method, route.ForLog);
        return new DiscordResponse(method.Method, route.Route, HttpStatusCode.Created, made, 0, null, permissionHint);
    }

    /// <summary>The longest audit-log reason Discord keeps.</summary>
    internal const int MaxAuditReasonLength = 512;

    private HttpRequestMessage BuildRequest(HttpMethod method, string path, string? payload, bool isTokenRoute, string? auditReason, IReadOnlyList<RestFile>? files)
    {
        var request = new HttpRequestMessage(method, new Uri(_baseUrl + path));
        request.Headers.TryAddWithoutValidation("User-Agent", _userAgent);
        if (!string.IsNullOrWhiteSpace(auditReason))
        {
            // Discord reads the header URL-encoded, so any character survives the trip.
            var reason = auditReason.Trim();
            reason = reason[..MessageRenderer.SafeLength(reason, MaxAuditReasonLength)];
            request.Headers.TryAddWithoutValidation("X-Audit-Log-Reason", Uri.EscapeDataString(reason));
        }

        if (!isTokenRoute)
        {
            request.Headers.Authorization = new AuthenticationHeaderValue("Bot", _token);
        }

        if (files is { Count: > 0 })
        {
            // Built afresh for every attempt: a retry after a 429 or a 5xx sends the whole form again.
            var form = new MultipartFormDataContent();
            form.Add(new StringContent(payload ?? "{}", Encoding.UTF8, "application/json"), "payload_json");
            foreach (var file in files)
            {
                var part = new ReadOnlyMemoryContent(file.Bytes);
                part.Headers.ContentType = new MediaTypeHeaderValue(file.ContentType);
                form.Add(part, "files[" + file.Index.ToString(CultureInfo.InvariantCulture) + "]", file.FileName);
            }

            request.Content = form;
        }
        else if (payload is not null)
        {
            request.Content = new StringContent(payload, Encoding.UTF8, "application/json");
        }

        return request;
    }

    private Task BackoffAsync(int attempt, CancellationToken cancellationToken)
    {
        var factor = Math.Pow(2, attempt - 1) * (0.5 + Random.Shared.NextDouble() / 2);
        var delay = ClockWaits.WholeMilliseconds(TimeSpan.FromMilliseconds(_options.RetryBaseDelay.TotalMilliseconds * factor));
        return _activity.ParkAsync(Task.Delay(delay, _time, cancellationToken), new RestWait(RestWaitKind.RetryBackoff, "retry", delay));
    }

    private static TimeSpan RetryAfter(HttpResponseMessage response, JsonElement? json)
    {
        if (json is { ValueKind: JsonValueKind.Object } o && o.TryGetProperty("retry_after", out var r)
            && r.ValueKind == JsonValueKind.Number && r.TryGetDouble(out var seconds))
        {
            return RateLimiter.ServerDelay(seconds);
        }

        if (response.Headers.TryGetValues("Retry-After", out var values)
            && double.TryParse(values.FirstOrDefault(), NumberStyles.Float, CultureInfo.InvariantCulture, out var header))
        {
            return RateLimiter.ServerDelay(header);
        }

        return TimeSpan.FromSeconds(1);
    }

    private static JsonElement? ParseJson(string text)
    {
        if (string.IsNullOrWhiteSpace(text))
        {
            return null;
        }

        try
        {
            using var doc = JsonDocument.Parse(text);
            return doc.RootElement.Clone();
        }
        catch (JsonException)
        {
            return null;
        }
    }

    private static string FlattenErrors(JsonElement errors)
    {
        var parts = new List<string>();
        void Walk(JsonElement e, string path)
        {
            if (e.ValueKind != JsonValueKind.Object)
            {
                return;
            }

            foreach (var p in e.EnumerateObject())
            {
                if (p.Name == "_errors" && p.Value.ValueKind == JsonValueKind.Array)
                {
                    foreach (var item in p.Value.EnumerateArray())
                    {
                        if (item.TryGetProperty("message", out var m))
                        {
                            parts.Add(path + ": " + m.GetString());
                        }
                    }
                }
                else
                {
                    Walk(p.Value, path.Length == 0 ? p.Name : path + "." + p.Name);
                }
            }
        }

        Walk(errors, "");
        return string.Join("; ", parts);
    }
}

/// <summary>A file sent with a request, as the form part <c>files[Index]</c>.</summary>
/// <param name="Index">The n of <c>files[n]</c>, the id of its entry in the body's <c>attachments</c>.</param>
/// <param name="FileName">The file name Discord shows.</param>
/// <param name="Bytes">The content.</param>
/// <param name="ContentType">Its media type, such as <c>image/png</c>.</param>
public sealed record RestFile(int Index, string FileName, ReadOnlyMemory<byte> Bytes, string ContentType);

/// <summary>An answer from Discord, or why there was none.</summary>
public sealed record DiscordResponse(
    string Method,
    string Route,
    HttpStatusCode Status,
    JsonElement? Body,
    int ErrorCode,
    string? ErrorMessage,
    string? PermissionHint)
{
    public bool IsSuccess => (int)Status is >= 200 and < 300;

    public static DiscordResponse Failed(HttpMethod method, string route, HttpStatusCode status, int code, string message, string? permissionHint) =>
        new(method.Method, route, status, null, code, message, permissionHint);

    /// <summary>The body of a successful answer.</summary>
    public JsonElement EnsureSuccess()
    {
        if (!IsSuccess)
        {
            throw ToException();
        }

        return Body ?? default;
    }

    /// <summary>The failure as the port's exception, naming what to fix.</summary>
    public PlatformException ToException()
    {
        var what = $"Discord {Method} {Route} failed ({(int)Status}{(ErrorCode != 0 ? ", code " + ErrorCode.ToString(CultureInfo.InvariantCulture) : "")})";
        var detail = string.IsNullOrWhiteSpace(ErrorMessage) ? "" : ": " + ErrorMessage.Trim();
        return ErrorCode switch
        {
            50013 => new PlatformException(PlatformErrorKind.MissingPermission,
                $"{what}: the bot lacks the {PermissionHint ?? "required"} permission in this server or channel. Grant it to the bot's role{detail}"),
            50001 => new PlatformException(PlatformErrorKind.MissingPermission,
                $"{what}: the bot has no access (it needs View Channel{(PermissionHint is null ? "" : " and " + PermissionHint)}){detail}"),
            // A 403 that is a pace, not a permission: Discord refuses to open many direct-message channels in a short time.
            40003 => new PlatformException(PlatformErrorKind.RateLimited,
                $"{what}: Discord says direct-message channels are being opened too fast; it will accept them again after a pause{detail}"),
            40005 => new PlatformException(PlatformErrorKind.Other,
                $"{what}: the files are larger than Discord accepts from the bot (10 MiB per upload unless the server is boosted){detail}"),
            50007 => new PlatformException(PlatformErrorKind.CannotMessageUser, $"{what}: the person does not accept direct messages from the bot{detail}"),
            50027 => new PlatformException(PlatformErrorKind.Other,
                $"{what}: the interaction's token has expired (Discord accepts follow-ups and edits for 15 minutes); the bot token is not affected{detail}"),
            10003 or 10004 or 10007 or 10008 or 10009 or 10013 or 10062 => new PlatformException(PlatformErrorKind.NotFound, what + detail),
            _ => Status switch
            {
                HttpStatusCode.Unauthorized => new PlatformException(PlatformErrorKind.Unauthorized,
                    $"{what}: the bot token was rejected; set PeerBot:Discord:Token to the token from the Developer Portal (Bot page){detail}"),
                HttpStatusCode.Forbidden => new PlatformException(PlatformErrorKind.MissingPermission,
                    $"{what}: forbidden; the bot may lack the {PermissionHint ?? "required"} permission{detail}"),
                HttpStatusCode.NotFound => new PlatformException(PlatformErrorKind.NotFound, what + detail),
                HttpStatusCode.TooManyRequests => new PlatformException(PlatformErrorKind.RateLimited, what + detail),
                >= HttpStatusCode.InternalServerError => new PlatformException(PlatformErrorKind.Unavailable, what + detail),
                _ => new PlatformException(PlatformErrorKind.Other, what + detail),
            },
        };
    }
}
