using System.Text.Json.Nodes;
using Microsoft.Extensions.Logging.Abstractions;
using PeerBot.Discord.Rest;
using PeerBot.Discord.Tests.Fakes;
using PeerBot.Testing;

namespace PeerBot.Discord.Tests;

public sealed class RateLimiterTests
{
    private readonly SignallingTimeProvider _time = new();

    [Fact]
    public async Task Send_BurstOf500_SendsExactlyLimitPerWindowAndNeverOnExhaustedBucket()
    {
        var http = new FakeDiscordHttp(_time) { Limit = 5, Window = TimeSpan.FromSeconds(1) };
        var rest = Client(http);
        var start = _time.GetUtcNow();

        var sends = Enumerable.Range(0, 500)
            .Select(i => rest.SendAsync(HttpMethod.Post, "/channels/111111111111111111/messages", new JsonObject { ["content"] = "p" + i }, "Send Messages", default))
            .ToList();
        for (var window = 1; window <= 100; window++)
        {
            // Wait until every request left waits: the next on the bucket's reset, the rest in its queue.
            await rest.Activity.WhenIdleAsync(CancellationToken.None).WaitAsync(TimeSpan.FromSeconds(10));
            Assert.Equal(window * 5, http.Requests.Count);
            if (window < 100)
            {
                _time.Advance(TimeSpan.FromSeconds(1));
            }
        }

        var responses = await Task.WhenAll(sends);
        Assert.All(responses, r => Assert.True(r.IsSuccess));
        Assert.Empty(http.Violations);
        // As fast as the limits allow: 100 windows of 5, the last starting 99 s after the first.
        Assert.Equal(TimeSpan.FromSeconds(99), http.Requests[^1].At - start);
        Assert.All(http.Requests.GroupBy(r => r.At), g => Assert.Equal(5, g.Count()));
    }

    [Fact]
    public async Task Send_DifferentChannels_UseSeparateBuckets()
    {
        var http = new FakeDiscordHttp(_time) { Limit = 1, Window = TimeSpan.FromSeconds(5) };
        var rest = Client(http);

        await rest.SendAsync(HttpMethod.Post, "/channels/111111111111111111/messages", new JsonObject { ["content"] = "a" }, null, default);
        await rest.SendAsync(HttpMethod.Post, "/channels/222222222222222222/messages", new JsonObject { ["content"] = "b" }, null, default);
        var third = rest.SendAsync(HttpMethod.Post, "/channels/111111111111111111/messages", new JsonObject { ["content"] = "c" }, null, default);

        Assert.Equal(2, http.Requests.Count);
        Assert.False(third.IsCompleted);
        _time.Advance(TimeSpan.FromSeconds(5));
        Assert.True((await third).IsSuccess);
        Assert.Empty(http.Violations);
    }

    [Fact]
    public async Task Send_TwoRoutesSharingALearnedBucket_WaitTogether()
    {
        var http = new FakeDiscordHttp(_time) { Limit = 2, Window = TimeSpan.FromSeconds(5), ShareBucketsBySegment = true };
        var rest = Client(http);
        const string Edit = "/channels/111111111111111111/messages/222222222222222222";
        const string Post = "/channels/111111111111111111/messages";

        // The edit learns the bucket with one request left; the post, on the same bucket, uses it.
        await rest.SendAsync(HttpMethod.Patch, Edit, new JsonObject { ["content"] = "a" }, null, default);
        await rest.SendAsync(HttpMethod.Post, Post, new JsonObject { ["content"] = "b" }, null, default);
        var blocked = rest.SendAsync(HttpMethod.Patch, Edit, new JsonObject { ["content"] = "c" }, null, default);

        Assert.Equal(2, http.Requests.Count);
        Assert.False(blocked.IsCompleted);
        _time.Advance(TimeSpan.FromSeconds(5));
        Assert.True((await blocked).IsSuccess);
        Assert.Empty(http.Violations);
    }

    [Fact]
    public async Task Send_RequestTimesOut_RetriesAfterBackoff()
    {
        var http = new FakeDiscordHttp(_time) { HangNext = 1 };
        var rest = Client(http, retryBaseDelay: TimeSpan.Zero);

        var sending = rest.SendAsync(HttpMethod.Post, "/channels/111111111111111111/messages", new JsonObject { ["content"] = "a" }, null, default);
        await http.WaitUntilAsync(() => http.Requests.Count == 1);
        _time.Advance(TimeSpan.FromSeconds(14));
        Assert.Single(http.Requests);
        _time.Advance(TimeSpan.FromSeconds(1));

        var response = await sending.WaitAsync(TimeSpan.FromSeconds(10));
        Assert.True(response.IsSuccess);
        Assert.Equal(2, http.Requests.Count);
        Assert.Equal(TimeSpan.FromSeconds(15), http.Requests[1].At - http.Requests[0].At);
    }

    [Theory]
    [InlineData(101, 0)]
    [InlineData(202, 50)]
    [InlineData(303, 50)]
    [InlineData(404, 5)]
    [InlineData(505, 250)]
    public async Task Send_RandomBurstsOnManyBuckets_NoOneSecondSpanHoldsMoreThanTheGlobalLimit(int seed, int marginMilliseconds)
    {
        var time = new SignallingTimeProvider(new DateTimeOffset(2026, 11, 2, 18, 0, 0, TimeSpan.Zero));
        var http = new FakeDiscordHttp(time) { Limit = 5, Window = TimeSpan.FromSeconds(1) };
        var rest = GlobalClient(http, time, TimeSpan.FromMilliseconds(marginMilliseconds));

        // Bursts of up to 80 requests over 12 channels (60 requests a second of bucket room), at moments that are not whole
        // milliseconds, so the global limit binds, buckets run out, and waits have fractions to round.
        var arrivals = Arrivals(seed, time.GetUtcNow(), count: 600, channels: 12, wholeMilliseconds: false);
        var responses = await DriveAsync(time, rest, arrivals);

        Assert.All(responses, r => Assert.True(r.IsSuccess, $"{r.Status} {r.ErrorMessage}"));
        Assert.Empty(http.Violations);
        Assert.Equal(arrivals.Count, http.Requests.Count);

        // The busiest one-second span starts at a request (moving a span's start up to its first request loses none),
        // so checking the span from each request covers every span.
        var sent = http.Requests.Select(r => r.At).Order().ToList();
        var busiest = Enumerable.Range(0, sent.Count).Max(i => CountFrom(sent, i, TimeSpan.FromSeconds(1)));
        Assert.True(busiest <= 50, $"seed {seed}: {busiest} requests within one second");
        Assert.True(busiest >= 45, $"seed {seed}: the load never came near the limit ({busiest} at most), so the test shows nothing");
    }

    [Theory]
    [InlineData(606)]
    [InlineData(707)]
    [InlineData(808)]
    public async Task Send_RandomBurstsWithRoomyBuckets_GoAsSoonAsTheSlidingWindowAllows(int seed)
    {
        var time = new SignallingTimeProvider(new DateTimeOffset(2026, 11, 2, 18, 0, 0, TimeSpan.Zero));
        var http = new FakeDiscordHttp(time) { Limit = 10_000, Window = TimeSpan.FromSeconds(1) };
        var margin = new DiscordAdapterOptions().RateLimitMargin;
        var rest = GlobalClient(http, time, margin);

        var arrivals = Arrivals(seed, time.GetUtcNow(), count: 600, channels: 12, wholeMilliseconds: true);
        var responses = await DriveAsync(time, rest, arrivals);

        Assert.All(responses, r => Assert.True(r.IsSuccess));

        // The fastest schedule the limit allows: the n-th request goes when it has arrived and the one 50 before it is
        // a second and the margin old. Anything later is the limiter slowing steady use down.
        var window = TimeSpan.FromSeconds(1) + margin + RateLimiter.GlobalLatencyAllowance;
        var fastest = new List<DateTimeOffset>();
        foreach (var (at, _) in arrivals)
        {
            fastest.Add(fastest.Count >= 50 && fastest[^50] + window > at ? fastest[^50] + window : at);
        }

        Assert.Equal(fastest, http.Requests.Select(r => r.At).Order().ToList());
        Assert.Contains(fastest.Zip(arrivals), p => p.First > p.Second.At);
    }

    [Fact]
    public async Task Send_FiftyAtOnce_GoTogetherAndTheNextWaitsForTheWindow()
    {
        var time = new SignallingTimeProvider(new DateTimeOffset(2026, 11, 2, 18, 0, 0, TimeSpan.Zero));
        var http = new FakeDiscordHttp(time) { Limit = 10_000 };
        var rest = GlobalClient(http, time, TimeSpan.FromMilliseconds(50));
        var start = time.GetUtcNow();

        var first = Enumerable.Range(0, 50).Select(i => rest.SendAsync(HttpMethod.Post, $"/channels/{111111111111111100 + i}/messages", new JsonObject { ["content"] = "a" }, null, default)).ToList();
        await Task.WhenAll(first).WaitAsync(TimeSpan.FromSeconds(10));
        var late = rest.SendAsync(HttpMethod.Post, "/channels/111111111111111111/messages", new JsonObject { ["content"] = "b" }, null, default);
        await rest.Activity.WhenIdleAsync(CancellationToken.None).WaitAsync(TimeSpan.FromSeconds(10));

        Assert.Equal(50, http.Requests.Count);
        Assert.All(http.Requests, r => Assert.Equal(start, r.At));
        Assert.False(late.IsCompleted);
        Assert.Equal(start + TimeSpan.FromMilliseconds(1200), time.NextDue);
        time.Advance(TimeSpan.FromMilliseconds(1199));
        await rest.Activity.WhenIdleAsync(CancellationToken.None).WaitAsync(TimeSpan.FromSeconds(10));
        Assert.False(late.IsCompleted);
        time.Advance(TimeSpan.FromMilliseconds(1));
        Assert.True((await late.WaitAsync(TimeSpan.FromSeconds(10))).IsSuccess);
        Assert.Equal(start + TimeSpan.FromMilliseconds(1200), http.Requests[^1].At);
    }

    [Fact]
    public async Task Send_InteractionAnswersAfterAFullSecond_AreNotHeldBehindTheGlobalLimit()
    {
        var time = new SignallingTimeProvider(new DateTimeOffset(2026, 11, 2, 18, 0, 0, TimeSpan.Zero));
        var http = new FakeDiscordHttp(time) { Limit = 10_000 };
        var rest = GlobalClient(http, time, TimeSpan.FromMilliseconds(50));
        var burst = Enumerable.Range(0, 50).Select(i => rest.SendAsync(HttpMethod.Post, $"/channels/{111111111111111100 + i}/messages", new JsonObject { ["content"] = "a" }, null, default)).ToList();
        await Task.WhenAll(burst).WaitAsync(TimeSpan.FromSeconds(10));
        var queued = rest.SendAsync(HttpMethod.Post, "/channels/111111111111111111/messages", new JsonObject { ["content"] = "b" }, null, default);

        // Discord exempts interaction endpoints (callback, follow-ups, @original) from the bot's global limit.
        var answers = new[]
        {
            rest.SendAsync(HttpMethod.Post, "/interactions/333333333333333333/tok/callback", new JsonObject { ["type"] = 5 }, null, default),
            rest.SendAsync(HttpMethod.Patch, "/webhooks/1/tok/messages/@original", new JsonObject { ["content"] = "done" }, null, default),
            rest.SendAsync(HttpMethod.Post, "/webhooks/1/tok", new JsonObject { ["content"] = "more" }, null, default),
        };
        var answered = await Task.WhenAll(answers).WaitAsync(TimeSpan.FromSeconds(10));

        Assert.All(answered, r => Assert.True(r.IsSuccess));
        Assert.Equal(53, http.Requests.Count);
        Assert.False(queued.IsCompleted);
        time.AdvanceToNextDue();
        Assert.True((await queued.WaitAsync(TimeSpan.FromSeconds(10))).IsSuccess);
    }

    [Fact]
    public async Task Send_ManyChannelsOverHours_IdleBucketsArePrunedAndLiveOnesKept()
    {
        var http = new FakeDiscordHttp(_time) { Limit = 1, Window = TimeSpan.FromMinutes(10) };
        var rest = Client(http);
        for (var i = 0; i < 100; i++)
        {
            Assert.True((await rest.SendAsync(HttpMethod.Post, $"/channels/{111111111111111100 + i}/messages", new JsonObject { ["content"] = "a" }, null, default)).IsSuccess);
        }

        // Their windows end after 10 minutes; an hour on, nothing they knew still holds.
        _time.Advance(TimeSpan.FromHours(1));
        Assert.True((await rest.SendAsync(HttpMethod.Post, "/channels/222222222222222222/messages", new JsonObject { ["content"] = "b" }, null, default)).IsSuccess);
        Assert.Equal(1, rest.Limiter.BucketCount);

        // A bucket whose window is still running (exhausted until it resets) is kept however long ago it was used.
        _time.Advance(RateLimiter.BucketIdleLifetime + RateLimiter.PruneInterval);
        var again = rest.SendAsync(HttpMethod.Post, "/channels/222222222222222222/messages", new JsonObject { ["content"] = "c" }, null, default);
        await rest.Activity.WhenIdleAsync(CancellationToken.None).WaitAsync(TimeSpan.FromSeconds(10));
        Assert.False(again.IsCompleted);
        _time.AdvanceToNextDue();
        Assert.True((await again.WaitAsync(TimeSpan.FromSeconds(10))).IsSuccess);
        Assert.Empty(http.Violations);
    }

    [Fact]
    public async Task Send_GlobalLimitedAnswer_PausesEveryRequestForRetryAfter()
    {
        var time = new SignallingTimeProvider(new DateTimeOffset(2026, 11, 2, 18, 0, 0, TimeSpan.Zero));
        var http = new FakeDiscordHttp(time) { Limit = 10_000, GlobalLimitNext = 1, GlobalRetryAfter = TimeSpan.FromSeconds(2) };
        var rest = GlobalClient(http, time, TimeSpan.Zero);
        var start = time.GetUtcNow();

        var first = rest.SendAsync(HttpMethod.Post, "/channels/111111111111111111/messages", new JsonObject { ["content"] = "a" }, null, default);
        var other = rest.SendAsync(HttpMethod.Post, "/channels/222222222222222222/messages", new JsonObject { ["content"] = "b" }, null, default);
        await rest.Activity.WhenIdleAsync(CancellationToken.None).WaitAsync(TimeSpan.FromSeconds(10));

        Assert.Single(http.Requests);
        Assert.False(first.IsCompleted || other.IsCompleted);
        Assert.Equal(start + TimeSpan.FromSeconds(2), time.NextDue);
        time.AdvanceToNextDue();
        Assert.True((await first.WaitAsync(TimeSpan.FromSeconds(10))).IsSuccess);
        Assert.True((await other.WaitAsync(TimeSpan.FromSeconds(10))).IsSuccess);
        Assert.Equal([start, start + TimeSpan.FromSeconds(2), start + TimeSpan.FromSeconds(2)], http.Requests.Select(r => r.At));
    }

    [Fact]
    public async Task Activity_RequestQueuedBehindOneWaitingForReset_IdleWithBothWaitsReported()
    {
        var http = new FakeDiscordHttp(_time) { Limit = 1, Window = TimeSpan.FromSeconds(5) };
        var rest = Client(http);
        var waits = new List<RestWait>();
        rest.Activity.WaitStarted += wait =>
        {
            lock (waits)
            {
                waits.Add(wait);
            }
        };
        await rest.SendAsync(HttpMethod.Post, "/channels/111111111111111111/messages", new JsonObject { ["content"] = "a" }, null, default);

        var second = rest.SendAsync(HttpMethod.Post, "/channels/111111111111111111/messages", new JsonObject { ["content"] = "b" }, null, default);
        var third = rest.SendAsync(HttpMethod.Post, "/channels/111111111111111111/messages", new JsonObject { ["content"] = "c" }, null, default);
        await rest.Activity.WhenIdleAsync(CancellationToken.None).WaitAsync(TimeSpan.FromSeconds(10));

        Assert.Equal(2, rest.Activity.Active);
        Assert.Equal([RestWaitKind.BucketReset, RestWaitKind.BucketQueue], waits.Select(w => w.Kind));
        Assert.Equal(TimeSpan.FromSeconds(5), waits[0].Delay);
        Assert.Null(waits[1].Delay);

        // The reset fires: the second goes, the third now waits for the next reset, and the client is idle again.
        _time.Advance(TimeSpan.FromSeconds(5));
        await second.WaitAsync(TimeSpan.FromSeconds(10));
        await rest.Activity.WhenIdleAsync(CancellationToken.None).WaitAsync(TimeSpan.FromSeconds(10));
        Assert.Equal(1, rest.Activity.Active);
        Assert.False(third.IsCompleted);
        _time.Advance(TimeSpan.FromSeconds(5));
        Assert.True((await third.WaitAsync(TimeSpan.FromSeconds(10))).IsSuccess);
        Assert.Equal(0, rest.Activity.Active);
        Assert.Empty(http.Violations);
    }

    [Theory]
    [InlineData("/channels/111111111111111111/messages/222222222222222222", "/channels/111111111111111111/messages/:id", "111111111111111111")]
    [InlineData("/guilds/111111111111111111/members/search?query=ana", "/guilds/111111111111111111/members/search", "111111111111111111")]
    [InlineData("/webhooks/1/tok/messages/@original", "/webhooks/1/:token/messages/@original", "1/tok")]
    [InlineData("/interactions/333333333333333333/tok/callback", "/interactions/:id/:token/callback", "333333333333333333")]
    [InlineData("/users/@me/channels", "/users/@me/channels", "global")]
    public void Describe_Path_GivesRouteAndMajorParameter(string path, string route, string major)
    {
        var info = RouteInfo.Describe(HttpMethod.Post, path);

        Assert.Equal(route, info.Route);
        Assert.Equal(major, info.Major);
    }

    [Theory]
    [InlineData("/channels/111111111111111111/messages", "/channels/:id/messages")]
    [InlineData("/webhooks/1/tok/messages/@original", "/webhooks/:id/:token/messages/@original")]
    [InlineData("/guilds/111111111111111111/members/search", "/guilds/111111111111111111/members/search")]
    public void ForLog_ChannelOrWebhookId_NotShown(string path, string logged)
    {
        var info = RouteInfo.Describe(HttpMethod.Post, path);

        Assert.Equal(logged, info.ForLog);
        Assert.DoesNotContain("111111111111111111", info.ForLog.Replace("/guilds/111111111111111111", "", StringComparison.Ordinal), StringComparison.Ordinal);
    }

    private static DiscordRestClient GlobalClient(FakeDiscordHttp http, TimeProvider time, TimeSpan margin) =>
        new(new HttpClient(http), "https://discord.test/api/v10", "tkn",
            new DiscordAdapterOptions { RateLimitMargin = margin, GlobalRequestsPerSecond = 50 },
            time, NullLogger<DiscordRestClient>.Instance);

    /// <summary>Seeded request arrivals in bursts: up to 80 at once or a few milliseconds apart, then a pause of up to 1.2 s.</summary>
    private static List<(DateTimeOffset At, string Path)> Arrivals(int seed, DateTimeOffset start, int count, int channels, bool wholeMilliseconds)
    {
        var random = new Random(seed);
        var arrivals = new List<(DateTimeOffset At, string Path)>();
        var at = start;
        TimeSpan Gap(int maxMilliseconds) => wholeMilliseconds
            ? TimeSpan.FromMilliseconds(random.Next(maxMilliseconds + 1))
            : TimeSpan.FromTicks(random.NextInt64(maxMilliseconds * TimeSpan.TicksPerMillisecond + 1));
        while (arrivals.Count < count)
        {
            var burst = random.Next(1, 81);
            var spacing = random.Next(3) == 0 ? 0 : 5;
            for (var b = 0; b < burst && arrivals.Count < count; b++)
            {
                arrivals.Add((at, $"/channels/{111111111111111100 + random.Next(channels)}/messages"));
                at += Gap(spacing);
            }

            at += Gap(1_200);
        }

        return arrivals;
    }

    /// <summary>
    /// Starts each request at its arrival and moves the clock only once every request inside the client waits (on the
    /// clock or in its bucket's queue): to the next arrival or the next timer, whichever is first. No real time passes.
    /// </summary>
    private static async Task<DiscordResponse[]> DriveAsync(SignallingTimeProvider time, DiscordRestClient rest, List<(DateTimeOffset At, string Path)> arrivals)
    {
        using var safetyNet = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        var sends = new List<Task<DiscordResponse>>();
        var next = 0;
        while (true)
        {
            await rest.Activity.WhenIdleAsync(safetyNet.Token);
            if (next < arrivals.Count && arrivals[next].At <= time.GetUtcNow())
            {
                sends.Add(rest.SendAsync(HttpMethod.Post, arrivals[next].Path, new JsonObject { ["content"] = "m" + next }, null, default));
                next++;
                continue;
            }

            DateTimeOffset? arrival = next < arrivals.Count ? arrivals[next].At : null;
            var due = time.NextDue;
            if (arrival is null && due is null)
            {
                // Nothing left to start and nothing on the clock: every request has answered (or is just returning).
                return await Task.WhenAll(sends).WaitAsync(safetyNet.Token);
            }

            time.AdvanceTo(arrival is null || (due is not null && due < arrival) ? due!.Value : arrival.Value);
        }
    }

    private static int CountFrom(List<DateTimeOffset> sorted, int first, TimeSpan span)
    {
        var end = first;
        while (end < sorted.Count && sorted[end] < sorted[first] + span)
        {
            end++;
        }

        return end - first;
    }

    private DiscordRestClient Client(FakeDiscordHttp http, TimeSpan? retryBaseDelay = null) =>
        new(new HttpClient(http), "https://discord.test/api/v10", "tkn",
            new DiscordAdapterOptions { RateLimitMargin = TimeSpan.Zero, GlobalRequestsPerSecond = 100_000, RetryBaseDelay = retryBaseDelay ?? TimeSpan.FromMilliseconds(500) },
            _time, NullLogger<DiscordRestClient>.Instance);
}
