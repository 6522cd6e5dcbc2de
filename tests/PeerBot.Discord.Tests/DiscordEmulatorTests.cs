using System.Net;
using System.Text;
using Microsoft.Extensions.Time.Testing;
using PeerBot.Testing.Discord;

namespace PeerBot.Discord.Tests;

/// <summary>The emulator's own checks must be able to fail, or the adapter tests prove nothing.</summary>
public sealed class DiscordEmulatorTests : IAsyncLifetime
{
    private DiscordEmulator _emulator = null!;
    private static readonly HttpClient Http = new();

    public async Task InitializeAsync()
    {
        _emulator = await DiscordEmulator.StartAsync();
    }

    public async Task DisposeAsync()
    {
        await _emulator.DisposeAsync();
    }

    [Fact]
    public async Task Message_WithoutAllowedMentionsOrNonce_IsAViolation()
    {
        var channel = _emulator.AddChannel("c");

        var status = await SendAsync(HttpMethod.Post, $"/channels/{channel.Id}/messages", "{\"content\":\"hi\"}");

        Assert.Equal(HttpStatusCode.OK, status);
        Assert.Contains(_emulator.Violations, v => v.Contains("allowed_mentions", StringComparison.Ordinal));
        Assert.Contains(_emulator.Violations, v => v.Contains("nonce", StringComparison.Ordinal));
        Assert.Throws<InvalidOperationException>(_emulator.AssertNoViolations);
    }

    [Fact]
    public async Task Request_OnExhaustedBucket_IsAViolationAnd429()
    {
        var channel = _emulator.AddChannel("c");
        _emulator.SetRouteLimit("POST /channels/{channel_id}/messages", 1, 30);
        const string Body = "{\"content\":\"hi\",\"allowed_mentions\":{\"parse\":[]},\"nonce\":\"n1\",\"enforce_nonce\":true}";

        var first = await SendAsync(HttpMethod.Post, $"/channels/{channel.Id}/messages", Body);
        var second = await SendAsync(HttpMethod.Post, $"/channels/{channel.Id}/messages", Body.Replace("n1", "n2", StringComparison.Ordinal));

        Assert.Equal(HttpStatusCode.OK, first);
        Assert.Equal(HttpStatusCode.TooManyRequests, second);
        Assert.Single(_emulator.Violations, v => v.Contains("exhausted bucket", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Message_SameNonceWithinTheWindow_KeptOnce_AfterTheWindow_PostedAgain()
    {
        var clock = new FakeTimeProvider(new DateTimeOffset(2026, 12, 1, 9, 0, 0, TimeSpan.Zero));
        _emulator.HostClock = clock;
        var channel = _emulator.AddChannel("c");
        const string Body = "{\"content\":\"hi\",\"allowed_mentions\":{\"parse\":[]},\"nonce\":\"n1\",\"enforce_nonce\":true}";

        await SendAsync(HttpMethod.Post, $"/channels/{channel.Id}/messages", Body);
        clock.Advance(_emulator.NonceWindow - TimeSpan.FromSeconds(1));
        await SendAsync(HttpMethod.Post, $"/channels/{channel.Id}/messages", Body);
        var withinWindow = channel.Messages.Count;
        clock.Advance(TimeSpan.FromSeconds(2));
        await SendAsync(HttpMethod.Post, $"/channels/{channel.Id}/messages", Body);

        // Discord checks a nonce only over the past few minutes: a retry after that is a second message.
        Assert.Equal(1, withinWindow);
        Assert.Equal(2, channel.Messages.Count);
    }

    [Fact]
    public async Task ChannelHistory_ListsRecentMessagesNewestFirst_WithoutTheirNonces()
    {
        var channel = _emulator.AddChannel("c");
        const string Body = "{\"content\":\"hi\",\"allowed_mentions\":{\"parse\":[]},\"nonce\":\"n1\",\"enforce_nonce\":true}";
        await SendAsync(HttpMethod.Post, $"/channels/{channel.Id}/messages", Body);
        await SendAsync(HttpMethod.Post, $"/channels/{channel.Id}/messages", Body.Replace("n1", "n2", StringComparison.Ordinal).Replace("hi", "there", StringComparison.Ordinal));

        using var request = new HttpRequestMessage(HttpMethod.Get, $"{_emulator.ApiBaseUrl}/channels/{channel.Id}/messages?limit=10");
        request.Headers.TryAddWithoutValidation("User-Agent", "DiscordBot (https://example.test, 1.0)");
        request.Headers.TryAddWithoutValidation("Authorization", "Bot " + _emulator.Token);
        using var response = await Http.SendAsync(request);
        var listed = System.Text.Json.Nodes.JsonNode.Parse(await response.Content.ReadAsStringAsync())!.AsArray();

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal(["there", "hi"], listed.Select(m => m!["content"]!.GetValue<string>()));
        Assert.All(listed, m => Assert.Null(m!["nonce"]));
    }

    [Fact]
    public async Task Request_WithoutTokenOrOnUnknownRoute_IsRejected()
    {
        var unauthorized = await SendAsync(HttpMethod.Get, "/users/@me", null, token: "nope");
        var unknown = await SendAsync(HttpMethod.Get, "/channels/1/pins/2/nothing", null);

        Assert.Equal(HttpStatusCode.Unauthorized, unauthorized);
        Assert.Contains(_emulator.Violations, v => v.Contains("no such path", StringComparison.Ordinal));
        Assert.NotEqual(HttpStatusCode.OK, unknown);
    }

    private async Task<HttpStatusCode> SendAsync(HttpMethod method, string path, string? body, string? token = null)
    {
        using var request = new HttpRequestMessage(method, _emulator.ApiBaseUrl + path);
        request.Headers.TryAddWithoutValidation("User-Agent", "DiscordBot (https://example.test, 1.0)");
        request.Headers.TryAddWithoutValidation("Authorization", "Bot " + (token ?? _emulator.Token));
        if (body is not null)
        {
            request.Content = new StringContent(body, Encoding.UTF8, "application/json");
        }

        using var response = await Http.SendAsync(request);
        return response.StatusCode;
    }
}
