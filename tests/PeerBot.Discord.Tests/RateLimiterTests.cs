using System.Text.Json.Nodes;
using Microsoft.Extensions.Logging.Abstractions;
using PeerBot.Discord.Rest;
using PeerBot.Discord.Tests.Fakes;

namespace PeerBot.Discord.Tests;

public sealed class RateLimiterTests
{
    private readonly ObservableFakeTime _time = new(TimeSpan.FromSeconds(5));

    [Fact]
    public async Task Send_BurstOf500_SendsExactlyLimitPerWindowAndNeverOnExhaustedBucket()
    {
        var http = new FakeDiscordHttp(_time) { Limit = 5, Window = TimeSpan.FromSeconds(1) };
        _time.Changed = http.Pulse;
        var rest = Client(http);
        var start = _time.GetUtcNow();

        var completed = 0;
        async Task<DiscordResponse> SendAsync(int i)
        {
            var response = await rest.SendAsync(HttpMethod.Post, "/channels/111111111111111111/messages", new JsonObject { ["content"] = "p" + i }, "Send Messages", default);
            Interlocked.Increment(ref completed);
            http.Pulse();
            return response;
        }

        var sends = Enumerable.Range(0, 500).Select(SendAsync).ToList();
        for (var window = 1; window <= 100; window++)
        {
            // Wait until the client has read every answer of the window and the next request waits for the reset.
            await http.WaitUntilAsync(() => Volatile.Read(ref completed) == window * 5 && (window == 100 || _time.ShortTimers == window));
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

    private DiscordRestClient Client(FakeDiscordHttp http, TimeSpan? retryBaseDelay = null) =>
        new(new HttpClient(http), "https://discord.test/api/v10", "tkn",
            new DiscordAdapterOptions { RateLimitMargin = TimeSpan.Zero, GlobalRequestsPerSecond = 100_000, RetryBaseDelay = retryBaseDelay ?? TimeSpan.FromMilliseconds(500) },
            _time, NullLogger<DiscordRestClient>.Instance);
}
