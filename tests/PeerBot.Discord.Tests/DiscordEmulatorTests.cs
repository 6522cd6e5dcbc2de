using System.Net;
using System.Net.WebSockets;
using System.Text;
using System.Text.Json.Nodes;
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
        var listed = JsonNode.Parse(await response.Content.ReadAsStringAsync())!.AsArray();

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

    [Fact]
    public async Task Interaction_CarriesTheFieldsDiscordAlwaysSends_AndItsChannelAsAnObject()
    {
        var group = _emulator.AddChannel("peer-group-0001");
        var person = _emulator.AddMember("ana");
        var dm = _emulator.OpenDirectChannel(person);
        using var socket = new ClientWebSocket();
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(20));
        await socket.ConnectAsync(new Uri(_emulator.BaseUrl.Replace("http://", "ws://", StringComparison.Ordinal) + "/gateway?v=10&encoding=json"), timeout.Token);
        Assert.Equal(10, (await ReceiveAsync(socket, timeout.Token))["op"]!.GetValue<int>());
        var identify = "{\"op\":2,\"d\":{\"token\":\"" + _emulator.Token + "\",\"intents\":37377,\"properties\":{\"os\":\"linux\",\"browser\":\"t\",\"device\":\"t\"}}}";
        await socket.SendAsync(Encoding.UTF8.GetBytes(identify), WebSocketMessageType.Text, true, timeout.Token);
        await NextDispatchAsync(socket, "GUILD_CREATE", timeout.Token);

        await _emulator.InjectCommandAsync(person, group.Id, inGuild: true, DiscordEmulator.Sub("stats"));
        var inGuild = await NextDispatchAsync(socket, "INTERACTION_CREATE", timeout.Token);
        await _emulator.InjectCommandAsync(person, dm.Id, inGuild: false, DiscordEmulator.Sub("help"));
        var inDm = await NextDispatchAsync(socket, "INTERACTION_CREATE", timeout.Token);

        // Discord's interaction object: entitlements, authorizing_integration_owners and attachment_size_limit are not
        // optional, and the channel comes as a partial object as well as channel_id (discord.js reads both from there).
        Assert.Empty(inGuild["entitlements"]!.AsArray());
        Assert.Equal(DiscordEmulator.GuildId, inGuild["authorizing_integration_owners"]!["0"]!.GetValue<string>());
        Assert.True(inGuild["attachment_size_limit"]!.GetValue<long>() > 0);
        Assert.Equal(group.Id, inGuild["channel"]!["id"]!.GetValue<string>());
        Assert.Equal(0, inGuild["channel"]!["type"]!.GetValue<int>());
        Assert.Equal(group.Id, inGuild["channel_id"]!.GetValue<string>());
        Assert.Equal("0", inDm["authorizing_integration_owners"]!["0"]!.GetValue<string>());
        Assert.Equal(dm.Id, inDm["channel"]!["id"]!.GetValue<string>());
        Assert.Equal(1, inDm["channel"]!["type"]!.GetValue<int>());
        Assert.Empty(inDm["entitlements"]!.AsArray());
        Assert.Empty(_emulator.Violations);
    }

    private static async Task<JsonNode> NextDispatchAsync(ClientWebSocket socket, string name, CancellationToken cancellationToken)
    {
        while (true)
        {
            var payload = await ReceiveAsync(socket, cancellationToken);
            if (payload["t"]?.GetValue<string>() == name)
            {
                return payload["d"]!;
            }
        }
    }

    private static async Task<JsonNode> ReceiveAsync(ClientWebSocket socket, CancellationToken cancellationToken)
    {
        var buffer = new byte[8192];
        using var message = new MemoryStream();
        while (true)
        {
            var result = await socket.ReceiveAsync(buffer, cancellationToken);
            message.Write(buffer, 0, result.Count);
            if (result.EndOfMessage)
            {
                return JsonNode.Parse(message.ToArray())!;
            }
        }
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
