using System.Globalization;
using System.Net.Http.Headers;
using PeerBot.Core;

namespace PeerBot.Discord.Rest;

/// <summary>
/// Discord's rate limits as documented: per-route buckets keyed by route and major parameter,
/// learning the <c>X-RateLimit-Bucket</c> hash from answers, and the global per-bot limit.
/// A caller holds a bucket's lock for the whole request, so requests in one bucket go one at a time
/// and none is sent while the bucket is exhausted.
/// </summary>
/// <remarks>
/// The global limit is a sliding log: the send times of the last <see cref="DiscordAdapterOptions.GlobalRequestsPerSecond"/>
/// requests, and a request goes only when the oldest of them is at least one second plus
/// <see cref="DiscordAdapterOptions.RateLimitMargin"/> plus <see cref="GlobalLatencyAllowance"/> old. So no span of that
/// length, wherever it starts, holds more than the limit, whatever windows Discord counts in; the allowance absorbs
/// latency that differs between requests (measured: with only the 50 ms margin, a loaded machine still put 51 requests
/// into one of the emulator's seconds once per 200-group start-up, because the first request of a burst arrived late). A fixed
/// window does not hold this (it lets a full window's worth through just before its end and again just after), and a
/// leaky bucket does only by pacing every request, which would spread a burst of 50 over a second; the log lets a burst
/// of up to the limit go at once and costs only the limit's timestamps.
/// </remarks>
internal sealed class RateLimiter
{
    /// <summary>
    /// Added to the global window for requests whose travel time differs: a request sent first but delayed (a new
    /// connection, a pause) must not land in the same second of Discord's as the next burst.
    /// </summary>
    internal static readonly TimeSpan GlobalLatencyAllowance = TimeSpan.FromMilliseconds(150);

    /// <summary>
    /// How long a bucket is kept after its last request once its window has passed. Every channel, DM and interaction
    /// token has buckets of its own, so a long-running bot would otherwise keep one for each it ever used.
    /// </summary>
    internal static readonly TimeSpan BucketIdleLifetime = TimeSpan.FromMinutes(5);

    /// <summary>How often idle buckets are looked for (on the way of a request, never on a timer).</summary>
    internal static readonly TimeSpan PruneInterval = TimeSpan.FromMinutes(1);

    private readonly TimeProvider _time;
    private readonly DiscordAdapterOptions _options;
    private readonly object _gate = new();
    private readonly Dictionary<string, string> _hashes = new(StringComparer.Ordinal);
    private readonly Dictionary<string, RateLimitBucket> _buckets = new(StringComparer.Ordinal);
    private readonly RestActivity _activity;
    private readonly DateTimeOffset[] _globalSent;
    private DateTimeOffset _globalPausedUntil = DateTimeOffset.MinValue;
    private DateTimeOffset _lastPrune = DateTimeOffset.MinValue;
    private int _globalOldest;

    public RateLimiter(TimeProvider time, DiscordAdapterOptions options, RestActivity activity)
    {
        _time = time;
        _options = options;
        _activity = activity;

        // The send times of the last N requests, oldest at _globalOldest; MinValue stands for a slot not used yet.
        _globalSent = new DateTimeOffset[Math.Max(1, options.GlobalRequestsPerSecond)];
        Array.Fill(_globalSent, DateTimeOffset.MinValue);
    }

    /// <summary>Buckets kept (one may be known under several keys), for tests.</summary>
    internal int BucketCount
    {
        get
        {
            lock (_gate)
            {
                return _buckets.Values.Distinct().Count();
            }
        }
    }

    /// <summary>
    /// The bucket a request on this route goes through, counted as in use until <see cref="Release"/> (or
    /// <see cref="AcquireAsync"/> failing) so it is never pruned while a request holds or awaits it.
    /// </summary>
    public RateLimitBucket Resolve(RouteInfo route)
    {
        lock (_gate)
        {
            var now = _time.GetUtcNow();
            PruneLocked(now);
            var key = _hashes.TryGetValue(route.RouteKey, out var hash)
                ? hash + ":" + route.Major
                : route.RouteKey + ":" + route.Major;
            if (!_buckets.TryGetValue(key, out var bucket))
            {
                bucket = new RateLimitBucket(key);
                _buckets[key] = bucket;
            }

            bucket.Users++;
            bucket.LastUsed = now;
            return bucket;
        }
    }

    /// <summary>Takes the bucket's turn, following it if it was merged into a learned bucket.</summary>
    public async Task<RateLimitBucket> AcquireAsync(RouteInfo route, CancellationToken cancellationToken)
    {
        var bucket = Resolve(route);
        while (true)
        {
            try
            {
                await _activity.ParkAsync(bucket.Lock.WaitAsync(cancellationToken), new RestWait(RestWaitKind.BucketQueue, bucket.Key, null)).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                Leave(bucket);
                throw;
            }

            RateLimitBucket? next;
            lock (_gate)
            {
                next = bucket.Redirect;
                if (next is not null)
                {
                    next.Users++;
                }
            }

            if (next is null)
            {
                return bucket;
            }

            Release(bucket);
            bucket = next;
        }
    }

    /// <summary>Gives up the bucket's turn taken with <see cref="AcquireAsync"/>.</summary>
    public void Release(RateLimitBucket bucket)
    {
        bucket.Lock.Release();
        Leave(bucket);
    }

    private void Leave(RateLimitBucket bucket)
    {
        lock (_gate)
        {
            bucket.Users--;
            bucket.LastUsed = _time.GetUtcNow();
        }
    }

    /// <summary>
    /// Forgets buckets nobody holds or awaits whose window has passed and that were last used
    /// <see cref="BucketIdleLifetime"/> ago: what they knew has run out, and the next request learns it again.
    /// The caller holds the gate.
    /// </summary>
    private void PruneLocked(DateTimeOffset now)
    {
        if (now - _lastPrune < PruneInterval)
        {
            return;
        }

        _lastPrune = now;
        List<string>? idle = null;
        foreach (var (key, bucket) in _buckets)
        {
            if (bucket.Users <= 0 && now >= bucket.ResetAt && now - bucket.LastUsed >= BucketIdleLifetime)
            {
                (idle ??= []).Add(key);
            }
        }

        if (idle is null)
        {
            return;
        }

        foreach (var key in idle)
        {
            _buckets.Remove(key);
        }
    }

    /// <summary>Waits until the bucket has a request left (the caller holds its lock).</summary>
    public async Task WaitForBucketAsync(RateLimitBucket bucket, CancellationToken cancellationToken)
    {
        while (true)
        {
            TimeSpan wait;
            lock (_gate)
            {
                var now = _time.GetUtcNow();
                if (bucket.Remaining is > 0 || bucket.Remaining is null || now >= bucket.ResetAt)
                {
                    if (bucket.Remaining is not null && now >= bucket.ResetAt && bucket.Remaining <= 0)
                    {
                        // The window has passed; the next answer tells the real count again.
                        bucket.Remaining = null;
                    }

                    if (bucket.Remaining is > 0)
                    {
                        bucket.Remaining--;
                    }

                    return;
                }

                wait = ClockWaits.WholeMilliseconds(bucket.ResetAt - now);
            }

            bucket.Waits++;
            await _activity.ParkAsync(Task.Delay(wait, _time, cancellationToken), new RestWait(RestWaitKind.BucketReset, bucket.Key, wait)).ConfigureAwait(false);
        }
    }

    /// <summary>The longest wait a server's header or body can ask for; anything longer is taken as this.</summary>
    internal static readonly TimeSpan MaxServerDelay = TimeSpan.FromHours(1);

    /// <summary>
    /// A wait a server asked for, in seconds, made safe: not a number or negative is no wait, and a huge one is capped,
    /// so a garbage header can neither throw (TimeSpan overflow, timer range) nor stall the bot for years.
    /// </summary>
    internal static TimeSpan ServerDelay(double seconds) =>
        double.IsNaN(seconds) || seconds <= 0 ? TimeSpan.Zero
        : seconds >= MaxServerDelay.TotalSeconds ? MaxServerDelay
        : TimeSpan.FromSeconds(seconds);

    /// <summary>Waits for a slot in the global limit and for any global pause to end.</summary>
    public async Task WaitForGlobalAsync(CancellationToken cancellationToken)
    {
        while (true)
        {
            TimeSpan wait;
            RestWaitKind kind;
            lock (_gate)
            {
                var now = _time.GetUtcNow();
                if (now < _globalPausedUntil)
                {
                    wait = _globalPausedUntil - now;
                    kind = RestWaitKind.GlobalPause;
                }
                else
                {
                    var window = TimeSpan.FromSeconds(1) + _options.RateLimitMargin + GlobalLatencyAllowance;
                    var freeAt = _globalSent[_globalOldest] + window;
                    if (now >= freeAt)
                    {
                        _globalSent[_globalOldest] = now;
                        _globalOldest = (_globalOldest + 1) % _globalSent.Length;
                        return;
                    }

                    wait = freeAt - now;
                    kind = RestWaitKind.GlobalLimit;
                }
            }

            wait = ClockWaits.WholeMilliseconds(wait);
            await _activity.ParkAsync(Task.Delay(wait, _time, cancellationToken), new RestWait(kind, "global", wait)).ConfigureAwait(false);
        }
    }

    /// <summary>Learns the bucket's state and hash from an answer's headers.</summary>
    public void Update(RateLimitBucket bucket, RouteInfo route, HttpResponseHeaders headers)
    {
        lock (_gate)
        {
            var now = _time.GetUtcNow();
            var remaining = Header(headers, "X-RateLimit-Remaining");
            var resetAfter = Header(headers, "X-RateLimit-Reset-After");
            if (remaining is not null && int.TryParse(remaining, NumberStyles.Integer, CultureInfo.InvariantCulture, out var left))
            {
                // Requests in a bucket go one at a time, so the answer's count is the current one.
                bucket.Remaining = left;
                if (resetAfter is not null && double.TryParse(resetAfter, NumberStyles.Float, CultureInfo.InvariantCulture, out var seconds))
                {
                    bucket.ResetAt = now + ServerDelay(seconds) + _options.RateLimitMargin;
                }
            }

            var hash = Header(headers, "X-RateLimit-Bucket");
            if (hash is not null && !_hashes.ContainsKey(route.RouteKey))
            {
                _hashes[route.RouteKey] = hash;
                var hashKey = hash + ":" + route.Major;
                if (_buckets.TryGetValue(hashKey, out var existing) && !ReferenceEquals(existing, bucket))
                {
                    // Two routes turned out to share one bucket: this answer is the newest word on it.
                    if (bucket.Remaining is { } latest)
                    {
                        existing.Remaining = latest;
                        existing.ResetAt = bucket.ResetAt;
                    }

                    bucket.Redirect = existing;
                    _buckets[route.RouteKey + ":" + route.Major] = existing;
                }
                else
                {
                    _buckets[hashKey] = bucket;
                }
            }
        }
    }

    /// <summary>A 429 on this bucket: nothing more is sent on it until <paramref name="retryAfter"/> has passed.</summary>
    public void OnBucketLimited(RateLimitBucket bucket, TimeSpan retryAfter)
    {
        lock (_gate)
        {
            var until = _time.GetUtcNow() + retryAfter + _options.RateLimitMargin;
            bucket.Remaining = 0;
            if (until > bucket.ResetAt)
            {
                bucket.ResetAt = until;
            }
        }
    }

    /// <summary>A global 429: every request waits.</summary>
    public void OnGlobalLimited(TimeSpan retryAfter)
    {
        lock (_gate)
        {
            var until = _time.GetUtcNow() + retryAfter + _options.RateLimitMargin;
            if (until > _globalPausedUntil)
            {
                _globalPausedUntil = until;
            }
        }
    }

    private static string? Header(HttpResponseHeaders headers, string name) =>
        headers.TryGetValues(name, out var values) ? values.FirstOrDefault() : null;
}

/// <summary>One rate-limit bucket; its lock is held for a whole request.</summary>
internal sealed class RateLimitBucket
{
    public RateLimitBucket(string key) => Key = key;

    public string Key { get; }

    public SemaphoreSlim Lock { get; } = new(1, 1);

    /// <summary>Requests left in the current window; null until an answer has told.</summary>
    public int? Remaining { get; set; }

    public DateTimeOffset ResetAt { get; set; } = DateTimeOffset.MinValue;

    /// <summary>Set when the bucket turned out to be the same as another learned one.</summary>
    public RateLimitBucket? Redirect { get; set; }

    /// <summary>How often a request waited for this bucket to reset.</summary>
    public int Waits { get; set; }

    /// <summary>Requests holding or awaiting the bucket (changed under the limiter's gate).</summary>
    public int Users { get; set; }

    /// <summary>When a request last took or left the bucket.</summary>
    public DateTimeOffset LastUsed { get; set; }
}
