using System.Net.Http.Headers;
using System.Text.Json.Nodes;
using PeerBot.Testing.Slack;

namespace PeerBot.Slack.Tests;

/// <summary>The emulator itself: it accepts what Slack's own clients send and refuses what Slack would.</summary>
public sealed class SlackEmulatorTests
{
    [Fact]
    public async Task FormEncodedCallWithTokenField_AcceptedLikeSlackClientsSendIt()
    {
        await using var emulator = new SlackEmulator();
        await emulator.StartAsync();
        emulator.AddUser("U0ANA", "ana");
        var channel = emulator.AddChannel("circle", isPrivate: true, SlackEmulator.BotUserId, "U0ANA");
        using var http = new HttpClient();

        using var response = await http.PostAsync(
            new Uri(emulator.ApiBaseUrl + "chat.postMessage"),
            new FormUrlEncodedContent(new Dictionary<string, string> { ["token"] = SlackEmulator.BotToken, ["channel"] = channel, ["text"] = "hi" }));
        var body = JsonNode.Parse(await response.Content.ReadAsStringAsync())!;

        Assert.True(body["ok"]!.GetValue<bool>(), body.ToJsonString());
        Assert.Equal("hi", Assert.Single(emulator.Channel(channel).Messages).Text);
        Assert.Empty(emulator.Violations);
    }

    [Fact]
    public async Task WrongTokenKind_Refused()
    {
        await using var emulator = new SlackEmulator();
        await emulator.StartAsync();
        using var http = new HttpClient();
        using var request = new HttpRequestMessage(HttpMethod.Post, new Uri(emulator.ApiBaseUrl + "apps.connections.open"));
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", SlackEmulator.BotToken);

        using var response = await http.SendAsync(request);
        var body = JsonNode.Parse(await response.Content.ReadAsStringAsync())!;

        Assert.False(body["ok"]!.GetValue<bool>());
        Assert.Equal("not_allowed_token_type", body["error"]!.GetValue<string>());
    }

    [Fact]
    public async Task ConfigurationValues_PointAtTheEmulator()
    {
        await using var emulator = new SlackEmulator();
        await emulator.StartAsync();

        Assert.Equal(emulator.ApiBaseUrl, emulator.ConfigurationValues["PeerBot:Slack:ApiBaseUrl"]);
        Assert.StartsWith("http://127.0.0.1:", emulator.ApiBaseUrl, StringComparison.Ordinal);
    }
}
