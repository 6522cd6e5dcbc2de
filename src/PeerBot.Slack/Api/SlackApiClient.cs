using System.Net;
using System.Net.Http.Headers;
using System.Runtime.CompilerServices;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using PeerBot.Core.Configuration;

namespace PeerBot.Slack.Api;

/// <summary>Which token a call carries.</summary>
public enum SlackTokenKind
{
    /// <summary>The bot token (<c>xoxb-</c>).</summary>
    Bot,

    /// <summary>The app-level token (<c>xapp-</c>), for <c>apps.connections.open</c>.</summary>
    App,
}

/// <summary>
/// Slack's Web API over <see cref="HttpClient"/>: bearer tokens, JSON bodies for writes and query strings for reads,
/// <c>ok</c>/<c>error</c> mapped to <see cref="SlackApiException"/>, cursor pagination, per-method rate limits,
/// 429 <c>Retry-After</c> obeyed and 5xx retried with backoff.
/// </summary>
public sealed class SlackApiClient
{
    /// <summary>The named <see cref="HttpClient"/> the client uses.</summary>
    public const string HttpClientName = "PeerBot.Slack";

    /// <summary>The longest <c>Retry-After</c> obeyed; a longer one is taken as this.</summary>
    public static readonly TimeSpan MaxRetryAfter = TimeSpan.FromHours(1);

    private static readonly MediaTypeHeaderValue JsonContentType = MediaTypeHeaderValue.Parse("application/json; charset=utf-8");
    private readonly IHttpClientFactory _httpClients;
    private readonly SlackOptions _slack;
    private readonly SlackAdapterOptions _options;
    private readonly SlackRateLimiter _limiter;
    private readonly SlackTimers _timers;
    private readonly ILogger<SlackApiClient> _logger;
    private readonly Uri _baseUrl;

    public SlackApiClient(
        IHttpClientFactory httpClients,
        IOptions<PeerBotOptions> options,
        IOptions<SlackAdapterOptions> adapterOptions,
        SlackRateLimiter limiter,
        SlackTimers timers,
        ILogger<SlackApiClient> logger)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(adapterOptions);
        _httpClients = httpClients;
        _slack = options.Value.Slack;
        _options = adapterOptions.Value;
        _limiter = limiter;
        _timers = timers;
        _logger = logger;
        var baseUrl = _slack.ApiBaseUrl.EndsWith('/') ? _slack.ApiBaseUrl : _slack.ApiBaseUrl + "/";
        _baseUrl = new Uri(baseUrl, UriKind.Absolute);
    }

    /// <summary>The Web API base URL, e.g. <c>https://slack.com/api/</c>.</summary>
    public Uri BaseUrl => _baseUrl;

    /// <summary>Calls a write method with a JSON body and the bot token; returns the response on <c>ok</c>.</summary>
    public Task<JsonElement> PostAsync(string method, JsonObject? args, CancellationToken cancellationToken) =>
        SendAsync(method, HttpMethod.Post, args, null, SlackTokenKind.Bot, null, cancellationToken);

    /// <summary>
    /// Calls a write method, counting it against <paramref name="limitScope"/> instead of the <c>channel</c> argument
    /// (a DM is counted against its person, whichever id it is addressed to).
    /// </summary>
    public Task<JsonElement> PostAsync(string method, JsonObject? args, string? limitScope, CancellationToken cancellationToken) =>
        SendAsync(method, HttpMethod.Post, args, null, SlackTokenKind.Bot, limitScope, cancellationToken);

    /// <summary>The time on the client's clock.</summary>
    public DateTimeOffset Now => _timers.Time.GetUtcNow();

    /// <summary>
    /// After the <paramref name="attempt"/>th failure of a call whose outcome is unknown: false once the retries are
    /// spent; otherwise waits the backoff the client waits between retries, and returns true.
    /// </summary>
    public async Task<bool> BackOffAsync(string method, int attempt, CancellationToken cancellationToken)
    {
        if (attempt > _options.MaxServerErrorRetries)
        {
            return false;
        }

        var delay = SlackTimers.Backoff(attempt, _options.RetryBaseDelay, TimeSpan.FromMinutes(1));
        _logger.LogWarning("Slack's answer to {Method} was lost; looking for the message in {Delay}, then trying again if it is not there.", method, delay);
        await _timers.DelayAsync(delay, $"retry {method}", cancellationToken).ConfigureAwait(false);
        return true;
    }

    /// <summary>
    /// Calls a write method that must not happen twice (a keyed message): a failure that leaves it unknown whether Slack
    /// acted (no answer, a timeout, a 5xx) is not retried here but thrown as <c>unavailable</c>, so the caller's send
    /// journal looks for the message before sending it again. A 429, which Slack answers without acting, is still waited
    /// out and retried.
    /// </summary>
    public Task<JsonElement> PostOnceAsync(string method, JsonObject? args, string? limitScope, CancellationToken cancellationToken) =>
        SendAsync(method, HttpMethod.Post, args, null, SlackTokenKind.Bot, limitScope, cancellationToken, retryUnknown: false);

    /// <summary>
    /// Calls a write method with a form-encoded body and the bot token, for the methods that take no JSON
    /// (<c>files.getUploadURLExternal</c> answers a JSON body with <c>invalid_arguments</c>).
    /// </summary>
    public Task<JsonElement> PostFormAsync(string method, IReadOnlyDictionary<string, string> form, CancellationToken cancellationToken) =>
        SendAsync(method, HttpMethod.Post, null, null, SlackTokenKind.Bot, null, cancellationToken, form);

    /// <summary>
    /// Sends a file's bytes to the <c>upload_url</c> files.getUploadURLExternal gave (step two of Slack's external upload);
    /// the URL is the credential, so no token goes with it. Anything but 200 is a <see cref="SlackApiException"/>.
    /// </summary>
    public async Task UploadAsync(Uri uploadUrl, ReadOnlyMemory<byte> bytes, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(uploadUrl);
        var http = _httpClients.CreateClient(HttpClientName);
        using var request = new HttpRequestMessage(HttpMethod.Post, uploadUrl) { Content = new ReadOnlyMemoryContent(bytes) };
        request.Content.Headers.ContentType = new MediaTypeHeaderValue("application/octet-stream");
        using var deadline = new CancellationTokenSource(_options.RequestTimeout, _timers.Time);
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, deadline.Token);
        HttpResponseMessage response;
        try
        {
            response = await http.SendAsync(request, timeout.Token).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is HttpRequestException || (ex is OperationCanceledException && !cancellationToken.IsCancellationRequested))
        {
            throw new SlackApiException("files.upload_url", "unavailable", "Slack's file upload service did not answer: " + ex.Message, ex);
        }

        using (response)
        {
            if (response.StatusCode != HttpStatusCode.OK)
            {
                var error = (int)response.StatusCode >= 500 ? "unavailable" : $"http_{(int)response.StatusCode}";
                throw new SlackApiException("files.upload_url", error, $"Slack's file upload service answered HTTP {(int)response.StatusCode}.");
            }
        }
    }

    /// <summary>Calls a read method with a query string and the bot token; returns the response on <c>ok</c>.</summary>
    public Task<JsonElement> GetAsync(string method, IReadOnlyDictionary<string, string> query, CancellationToken cancellationToken) =>
        SendAsync(method, HttpMethod.Get, null, query, SlackTokenKind.Bot, null, cancellationToken);

    /// <summary>Asks for a Socket Mode URL with the app-level token (<c>apps.connections.open</c>); single use.</summary>
    public async Task<Uri> OpenSocketModeConnectionAsync(CancellationToken cancellationToken)
    {
        var response = await SendAsync("apps.connections.open", HttpMethod.Post, null, null, SlackTokenKind.App, null, cancellationToken).ConfigureAwait(false);
        var url = response.TryGetProperty("url", out var u) ? u.GetString() : null;
        if (!Uri.TryCreate(url, UriKind.Absolute, out var uri) || (uri.Scheme != "wss" && uri.Scheme != "ws"))
        {
            throw new SlackApiException("apps.connections.open", "invalid_response", "Slack answered apps.connections.open without a WebSocket URL.");
        }

        return uri;
    }

    /// <summary>
    /// Reads every page of a cursor-paginated read method, yielding each page's response.
    /// </summary>
    public async IAsyncEnumerable<JsonElement> GetPagesAsync(
        string method,
        IReadOnlyDictionary<string, string> query,
        [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        string? cursor = null;
        do
        {
            var pageQuery = new Dictionary<string, string>(query, StringComparer.Ordinal) { ["limit"] = "200" };
            if (!string.IsNullOrEmpty(cursor))
            {
                pageQuery["cursor"] = cursor;
            }

            var page = await GetAsync(method, pageQuery, cancellationToken).ConfigureAwait(false);
            yield return page;
            cursor = page.TryGetProperty("response_metadata", out var meta) && meta.TryGetProperty("next_cursor", out var next)
                ? next.GetString()
                : null;
        }
        while (!string.IsNullOrEmpty(cursor));
    }

    /// <summary>Posts a message to an interaction's <c>response_url</c> (no token: the URL is the credential).</summary>
    public async Task PostToResponseUrlAsync(Uri responseUrl, JsonObject body, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(responseUrl);
        ArgumentNullException.ThrowIfNull(body);
        var http = _httpClients.CreateClient(HttpClientName);
        using var request = new HttpRequestMessage(HttpMethod.Post, responseUrl)
        {
            Content = new StringContent(body.ToJsonString(), Encoding.UTF8),
        };
        request.Content.Headers.ContentType = JsonContentType;
        using var deadline = new CancellationTokenSource(_options.RequestTimeout, _timers.Time);
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, deadline.Token);
        using var response = await http.SendAsync(request, timeout.Token).ConfigureAwait(false);
        if (!response.IsSuccessStatusCode)
        {
            throw new SlackApiException("response_url", $"http_{(int)response.StatusCode}", $"Slack answered {(int)response.StatusCode} to a reply on the response URL.");
        }
    }

    private async Task<JsonElement> SendAsync(
        string method,
        HttpMethod verb,
        JsonObject? args,
        IReadOnlyDictionary<string, string>? query,
        SlackTokenKind tokenKind,
        string? limitScope,
        CancellationToken cancellationToken,
        IReadOnlyDictionary<string, string>? form = null,
        bool retryUnknown = true)
    {
        var channel = limitScope ?? (args?["channel"] is JsonValue c && c.TryGetValue<string>(out var id) ? id : null);
        var limits = SlackMethodLimits.For(method, channel, _options);
        var serverFailures = 0;
        var rateLimits = 0;
        var body = args?.ToJsonString();
        while (true)
        {
            foreach (var (key, perMinute) in limits)
            {
                await _limiter.WaitAsync(key, perMinute, cancellationToken).ConfigureAwait(false);
            }

            HttpResponseMessage response;
            try
            {
                response = await SendOnceAsync(method, verb, body, query, tokenKind, cancellationToken, form).ConfigureAwait(false);
            }
            catch (Exception ex) when (ex is HttpRequestException || (ex is OperationCanceledException && !cancellationToken.IsCancellationRequested))
            {
                if (!retryUnknown)
                {
                    throw new SlackApiException(method, "unavailable", $"Slack did not answer {method}; whether it acted is unknown: {ex.Message}", ex);
                }

                if (++serverFailures > _options.MaxServerErrorRetries)
                {
                    throw new SlackApiException(method, "unavailable", $"Slack did not answer {method} after {serverFailures} attempts: {ex.Message}", ex);
                }

                var delay = SlackTimers.Backoff(serverFailures, _options.RetryBaseDelay, TimeSpan.FromMinutes(1));
                _logger.LogWarning("Slack {Method} failed ({Error}); retrying in {Delay}.", method, ex.Message, delay);
                await _timers.DelayAsync(delay, $"retry {method}", cancellationToken).ConfigureAwait(false);
                continue;
            }

            using (response)
            {
                if (response.StatusCode == HttpStatusCode.TooManyRequests)
                {
                    var retryAfter = response.Headers.RetryAfter?.Delta
                        ?? (response.Headers.RetryAfter?.Date is { } date ? date - _timers.Time.GetUtcNow() : _options.DefaultRetryAfter);
                    if (retryAfter < TimeSpan.Zero)
                    {
                        retryAfter = TimeSpan.Zero;
                    }
                    else if (retryAfter > MaxRetryAfter)
                    {
                        // A date years ahead (or a huge delta) would overflow the timer or stall the bot: wait at most an hour.
                        retryAfter = MaxRetryAfter;
                    }

                    if (++rateLimits > _options.MaxRateLimitRetries)
                    {
                        throw new SlackApiException(method, "ratelimited");
                    }

                    _logger.LogWarning("Slack rate-limited {Method}; waiting {RetryAfter} as Retry-After asks.", method, retryAfter);
                    Pause(limits, retryAfter);
                    continue;
                }

                if ((int)response.StatusCode >= 500)
                {
                    if (!retryUnknown)
                    {
                        throw new SlackApiException(method, "unavailable", $"Slack answered {(int)response.StatusCode} to {method}; whether it acted is unknown.");
                    }

                    if (++serverFailures > _options.MaxServerErrorRetries)
                    {
                        throw new SlackApiException(method, "unavailable", $"Slack answered {(int)response.StatusCode} to {method} {serverFailures} times; try again later.");
                    }

                    var delay = SlackTimers.Backoff(serverFailures, _options.RetryBaseDelay, TimeSpan.FromMinutes(1));
                    _logger.LogWarning("Slack answered {Status} to {Method}; retrying in {Delay}.", (int)response.StatusCode, method, delay);
                    await _timers.DelayAsync(delay, $"retry {method}", cancellationToken).ConfigureAwait(false);
                    continue;
                }

                var text = await response.Content.ReadAsStringAsync(cancellationToken).ConfigureAwait(false);
                if (!response.IsSuccessStatusCode)
                {
                    throw new SlackApiException(method, $"http_{(int)response.StatusCode}", $"Slack answered HTTP {(int)response.StatusCode} to {method}.");
                }

                JsonElement root;
                try
                {
                    using var document = JsonDocument.Parse(text);
                    root = document.RootElement.Clone();
                }
                catch (JsonException ex)
                {
                    throw new SlackApiException(method, "invalid_response", $"Slack answered {method} with something that is not JSON.", ex);
                }

                if (root.ValueKind == JsonValueKind.Object && root.TryGetProperty("ok", out var ok) && ok.ValueKind == JsonValueKind.True)
                {
                    LogWarnings(method, root);
                    return root;
                }

                var error = StringOrNull(root, "error") ?? "unknown_error";
                if (error == "ratelimited" && ++rateLimits <= _options.MaxRateLimitRetries)
                {
                    Pause(limits, _options.DefaultRetryAfter);
                    continue;
                }

                throw new SlackApiException(
                    method,
                    error,
                    needed: StringOrNull(root, "needed"),
                    provided: StringOrNull(root, "provided"))
                {
                    UserErrors = ReadUserErrors(root),
                };
            }
        }
    }

    // Slack's 429 does not say which limit was hit: every limit the call counts against waits (for chat.postMessage,
    // the channel's and the workspace's, so a burst to many channels stops drawing 429s one after another).
    private void Pause(IReadOnlyList<(string Key, int PerMinute)> limits, TimeSpan retryAfter)
    {
        foreach (var (key, _) in limits)
        {
            _limiter.Pause(key, retryAfter);
        }
    }

    private async Task<HttpResponseMessage> SendOnceAsync(
        string method,
        HttpMethod verb,
        string? body,
        IReadOnlyDictionary<string, string>? query,
        SlackTokenKind tokenKind,
        CancellationToken cancellationToken,
        IReadOnlyDictionary<string, string>? form = null)
    {
        var url = new Uri(_baseUrl, method + ToQueryString(query));
        using var request = new HttpRequestMessage(verb, url);
        var token = tokenKind == SlackTokenKind.App ? _slack.AppToken : _slack.BotToken;
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
        if (verb == HttpMethod.Post && form is not null)
        {
            request.Content = new FormUrlEncodedContent(form);
        }
        else if (verb == HttpMethod.Post)
        {
            request.Content = new StringContent(body ?? "{}", Encoding.UTF8);
            request.Content.Headers.ContentType = JsonContentType;
        }

        using var deadline = new CancellationTokenSource(_options.RequestTimeout, _timers.Time);
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, deadline.Token);
        var http = _httpClients.CreateClient(HttpClientName);
        return await http.SendAsync(request, HttpCompletionOption.ResponseContentRead, timeout.Token).ConfigureAwait(false);
    }

    private void LogWarnings(string method, JsonElement root)
    {
        if (root.TryGetProperty("response_metadata", out var meta) && meta.TryGetProperty("warnings", out var warnings)
            && warnings.ValueKind == JsonValueKind.Array && warnings.GetArrayLength() > 0)
        {
            _logger.LogWarning("Slack warned on {Method}: {Warnings}", method, string.Join(", ", warnings.EnumerateArray().Select(w => w.GetString())));
        }
    }

    private static string ToQueryString(IReadOnlyDictionary<string, string>? query)
    {
        if (query is null || query.Count == 0)
        {
            return "";
        }

        return "?" + string.Join("&", query.Select(kv => Uri.EscapeDataString(kv.Key) + "=" + Uri.EscapeDataString(kv.Value)));
    }

    /// <summary>
    /// The per-user errors of an answer (<c>"errors":[{"user":"U1","ok":false,"error":"user_not_found"}]</c>), skipping
    /// entries without a user or an error.
    /// </summary>
    internal static IReadOnlyList<(string User, string Error)> ReadUserErrors(JsonElement root)
    {
        if (root.ValueKind != JsonValueKind.Object || !root.TryGetProperty("errors", out var errors) || errors.ValueKind != JsonValueKind.Array)
        {
            return [];
        }

        var list = new List<(string, string)>();
        foreach (var entry in errors.EnumerateArray())
        {
            if (StringOrNull(entry, "user") is { Length: > 0 } user && StringOrNull(entry, "error") is { Length: > 0 } error)
            {
                list.Add((user, error));
            }
        }

        return list;
    }

    /// <summary>A string field of an answer, or null when the answer is not an object or the field is missing or not a string.</summary>
    private static string? StringOrNull(JsonElement root, string name)
    {
        if (root.ValueKind != JsonValueKind.Object || !root.TryGetProperty(name, out var value) || value.ValueKind != JsonValueKind.String)
        {
            return null;
        }

        try
        {
            return value.GetString();
        }
        catch (InvalidOperationException)
        {
            return null; // an escaped lone surrogate
        }
    }
}
