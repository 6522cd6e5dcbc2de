using System.Globalization;
using System.Net;
using System.Text;
using System.Text.Json.Nodes;
using Microsoft.Extensions.Time.Testing;

namespace PeerBot.Discord.Tests.Fakes;

/// <summary>
/// An HTTP handler that acts as Discord on the fake clock: one bucket per route with a limit and window,
/// rate-limit headers on every answer, and a record of every request and of any sent on an exhausted bucket.
/// </summary>
internal sealed class FakeDiscordHttp : HttpMessageHandler
{
    private readonly FakeTimeProvider _time;
    private readonly object _gate = new();
    private readonly List<(HttpMethod Method, string Path, string? Body, DateTimeOffset At)> _requests = [];
    private readonly Dictionary<string, (int Remaining, DateTimeOffset ResetAt)> _buckets = [];
    private TaskCompletionSource _changed = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private int _nextId;

    public FakeDiscordHttp(FakeTimeProvider time) => _time = time;

    public int Limit { get; set; } = 5;

    public TimeSpan Window { get; set; } = TimeSpan.FromSeconds(1);

    public List<string> Violations { get; } = [];

    /// <summary>When set, buckets are shared by every route under the same first path segment (as Discord's hashes can be).</summary>
    public bool ShareBucketsBySegment { get; set; }

    /// <summary>Requests answered with a global 429 (the bot's limit, not the bucket's), counted down.</summary>
    public int GlobalLimitNext { get; set; }

    /// <summary>The <c>retry_after</c> of a global 429.</summary>
    public TimeSpan GlobalRetryAfter { get; set; } = TimeSpan.FromSeconds(1);

    /// <summary>Requests that hang until cancelled (a timeout), counted down.</summary>
    public int HangNext { get; set; }

    public IReadOnlyList<(HttpMethod Method, string Path, string? Body, DateTimeOffset At)> Requests
    {
        get
        {
            lock (_gate)
            {
                return _requests.ToList();
            }
        }
    }

    public async Task WaitUntilAsync(Func<bool> condition)
    {
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        while (true)
        {
            Task changed;
            lock (_gate)
            {
                changed = _changed.Task;
            }

            if (condition())
            {
                return;
            }

            await changed.WaitAsync(cts.Token);
        }
    }

    public void Pulse()
    {
        TaskCompletionSource old;
        lock (_gate)
        {
            old = _changed;
            _changed = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        }

        old.TrySetResult();
    }

    protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        var body = request.Content is null ? null : await request.Content.ReadAsStringAsync(cancellationToken);
        var path = request.RequestUri!.AbsolutePath;
        var hang = false;
        lock (_gate)
        {
            if (HangNext > 0)
            {
                HangNext--;
                hang = true;
                _requests.Add((request.Method, path, body, _time.GetUtcNow()));
            }
        }

        if (hang)
        {
            Pulse();
            await Task.Delay(Timeout.Infinite, cancellationToken);
        }

        HttpResponseMessage response;
        TaskCompletionSource old;
        lock (_gate)
        {
            var now = _time.GetUtcNow();
            _requests.Add((request.Method, path, body, now));
            if (GlobalLimitNext > 0)
            {
                GlobalLimitNext--;
                var seconds = GlobalRetryAfter.TotalSeconds.ToString("0.000", CultureInfo.InvariantCulture);
                response = new HttpResponseMessage(HttpStatusCode.TooManyRequests)
                {
                    Content = new StringContent($"{{\"message\":\"You are being rate limited.\",\"retry_after\":{seconds},\"global\":true}}", Encoding.UTF8, "application/json"),
                };
                response.Headers.Add("X-RateLimit-Global", "true");
                response.Headers.Add("X-RateLimit-Scope", "global");
            }
            else
            {
                response = AnswerOnBucket(request, path, now);
            }

            old = _changed;
            _changed = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        }

        old.TrySetResult();
        return response;
    }

    private HttpResponseMessage AnswerOnBucket(HttpRequestMessage request, string path, DateTimeOffset now)
    {
        HttpResponseMessage response;
        var key = ShareBucketsBySegment ? "hash-" + path.Split('/')[3] : request.Method + " " + path;
        var (remaining, resetAt) = _buckets.TryGetValue(key, out var b) ? b : (0, DateTimeOffset.MinValue);
        if (now >= resetAt)
        {
            (remaining, resetAt) = (Limit, now + Window);
        }

        var resetAfter = (resetAt - now).TotalSeconds.ToString("0.000", CultureInfo.InvariantCulture);
        if (remaining <= 0)
        {
            Violations.Add($"{key} at {now:HH:mm:ss.fff} on an exhausted bucket");
            response = new HttpResponseMessage(HttpStatusCode.TooManyRequests)
            {
                Content = new StringContent($"{{\"message\":\"You are being rate limited.\",\"retry_after\":{resetAfter},\"global\":false}}", Encoding.UTF8, "application/json"),
            };
            remaining = 0;
        }
        else
        {
            remaining--;
            var id = (++_nextId).ToString(CultureInfo.InvariantCulture);
            response = new HttpResponseMessage(HttpStatusCode.OK)
            {
                Content = new StringContent(new JsonObject { ["id"] = id }.ToJsonString(), Encoding.UTF8, "application/json"),
            };
        }

        _buckets[key] = (remaining, resetAt);
        response.Headers.Add("X-RateLimit-Limit", Limit.ToString(CultureInfo.InvariantCulture));
        response.Headers.Add("X-RateLimit-Remaining", remaining.ToString(CultureInfo.InvariantCulture));
        response.Headers.Add("X-RateLimit-Reset-After", resetAfter);
        response.Headers.Add("X-RateLimit-Bucket", ShareBucketsBySegment ? "hash-" + path.Split('/')[3] : "hash-" + request.Method + path.Replace('/', '-'));
        return response;
    }
}
