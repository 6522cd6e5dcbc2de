using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Time.Testing;
using PeerBot.Core.Platform;
using PeerBot.Discord.Interactions;
using PeerBot.Discord.Rest;
using PeerBot.Discord.Tests.Fakes;

namespace PeerBot.Discord.Tests;

public sealed class InteractionResponderTests : IDisposable
{
    private readonly FakeTimeProvider _time = new();
    private readonly ScriptedEventHandler _core = new();
    private readonly FakeDiscordHttp _http;
    private readonly InteractionResponder _responder;

    public InteractionResponderTests()
    {
        _http = new FakeDiscordHttp(_time) { Limit = 1000 };
        var options = new DiscordAdapterOptions { RateLimitMargin = TimeSpan.Zero };
        var rest = new DiscordRestClient(new HttpClient(_http), "https://discord.test/api/v10", "tkn", options, _time, NullLogger<DiscordRestClient>.Instance);
        var services = new ServiceCollection().AddSingleton<IPlatformEventHandler>(_core).BuildServiceProvider();
        _responder = new InteractionResponder(rest, services.GetRequiredService<IServiceScopeFactory>(), options, _time, NullLogger<InteractionResponder>.Instance);
    }

    public void Dispose() => _http.Dispose();

    [Fact]
    public async Task Handle_CoreSlowerThanTwoSeconds_DefersEphemeralThenEditsOriginal()
    {
        var release = new TaskCompletionSource<InteractionResponse>();
        _core.OnCommand = _ => release.Task;

        var handling = _responder.HandleAsync(Command("stats"), default);
        await _core.WaitUntilAsync(() => _core.Commands.Count == 1, "the command");
        _time.Advance(TimeSpan.FromMilliseconds(1999));
        Assert.Empty(_http.Requests);
        _time.Advance(TimeSpan.FromMilliseconds(1));
        await _http.WaitUntilAsync(() => _http.Requests.Count == 1);

        var deferral = JsonNode.Parse(_http.Requests[0].Body!)!;
        Assert.Equal("/api/v10/interactions/900000000000000001/tok/callback", _http.Requests[0].Path);
        Assert.Equal(5, deferral["type"]!.GetValue<int>());
        Assert.Equal(64, deferral["data"]!["flags"]!.GetValue<int>());
        release.SetResult(InteractionResponse.Text("12 posts this week"));
        await handling.WaitAsync(TimeSpan.FromSeconds(10));

        var edit = _http.Requests[1];
        Assert.Equal(HttpMethod.Patch, edit.Method);
        Assert.Equal("/api/v10/webhooks/900000000000000009/tok/messages/@original", edit.Path);
        Assert.Equal("12 posts this week", JsonNode.Parse(edit.Body!)!["content"]!.GetValue<string>());
    }

    [Fact]
    public async Task Handle_CoreFast_AnswersOnceWithoutDeferring()
    {
        await _responder.HandleAsync(Command("help"), default);

        var only = Assert.Single(_http.Requests);
        var body = JsonNode.Parse(only.Body!)!;
        Assert.Equal(4, body["type"]!.GetValue<int>());
        Assert.Equal(64 | 4, body["data"]!["flags"]!.GetValue<int>());
    }

    [Fact]
    public async Task Handle_SlowButton_DefersUpdateThenEditsTheMessage()
    {
        var release = new TaskCompletionSource<InteractionResponse>();
        _core.OnButton = _ => release.Task;
        var press = Parse("""
            {"id":"900000000000000001","application_id":"900000000000000009","type":3,"token":"tok","channel_id":"5",
             "user":{"id":"7"},"data":{"custom_id":"ack:A1","component_type":2},"message":{"id":"8","channel_id":"5"}}
            """);

        var handling = _responder.HandleAsync(press, default);
        await _core.WaitUntilAsync(() => _core.Buttons.Count == 1, "the press");
        _time.Advance(TimeSpan.FromSeconds(2));
        await _http.WaitUntilAsync(() => _http.Requests.Count == 1);
        release.SetResult(new InteractionResponse(null, null, OutgoingMessage.Plain("Acknowledged")));
        await handling.WaitAsync(TimeSpan.FromSeconds(10));

        Assert.Equal(6, JsonNode.Parse(_http.Requests[0].Body!)!["type"]!.GetValue<int>());
        Assert.Equal("Acknowledged", JsonNode.Parse(_http.Requests[1].Body!)!["content"]!.GetValue<string>());
        Assert.True(_core.Buttons.TryDequeue(out var b));
        Assert.Equal(new MessageRef(new ChannelRef(PlatformKind.Discord, "5"), "8"), b.Message);
    }

    [Theory]
    [InlineData(3, "{\"custom_id\":\"\",\"component_type\":2}")]
    [InlineData(3, "{\"custom_id\":\"  \",\"component_type\":2}")]
    [InlineData(3, "{\"component_type\":2}")]
    [InlineData(3, "{\"custom_id\":12,\"component_type\":2}")]
    [InlineData(3, "[]")]
    [InlineData(5, "{\"custom_id\":\"\",\"components\":[]}")]
    [InlineData(5, "{\"components\":[]}")]
    public async Task Handle_ButtonOrFormWithoutCustomId_NotPassedToCoreAndThePersonIsAnswered(int type, string data)
    {
        // The gateway fuzz test's long variant: a button press with an empty custom_id reached Core with an empty ActionId.
        var interaction = Parse(
            "{\"id\":\"900000000000000001\",\"application_id\":\"900000000000000009\",\"type\":" + type
            + ",\"token\":\"tok\",\"channel_id\":\"5\",\"user\":{\"id\":\"7\"},\"data\":" + data + "}");

        await _responder.HandleAsync(interaction, default);

        Assert.Empty(_core.Buttons);
        Assert.Empty(_core.Forms);
        var only = Assert.Single(_http.Requests);
        var body = JsonNode.Parse(only.Body!)!;
        Assert.Equal(4, body["type"]!.GetValue<int>());
        Assert.Contains("Sorry", body["data"]!["content"]!.GetValue<string>(), StringComparison.Ordinal);
    }

    [Fact]
    public void FormValues_LabelsAndLegacyActionRows_AreBothRead()
    {
        var data = Parse("""
            {"custom_id":"f","components":[
              {"type":18,"component":{"type":4,"custom_id":"text","value":"hello"}},
              {"type":18,"component":{"type":3,"custom_id":"group","values":["g2"]}},
              {"type":1,"components":[{"type":4,"custom_id":"old","value":"row"}]}]}
            """);

        var values = InteractionResponder.FormValues(data);

        Assert.Equal(new Dictionary<string, string> { ["text"] = "hello", ["group"] = "g2", ["old"] = "row" }, values);
    }

    private static JsonElement Command(string sub) => Parse(
        "{\"id\":\"900000000000000001\",\"application_id\":\"900000000000000009\",\"type\":2,\"token\":\"tok\",\"user\":{\"id\":\"7\"},"
        + "\"data\":{\"name\":\"peer\",\"type\":1,\"options\":[{\"name\":\"" + sub + "\",\"type\":1}]}}");

    private static JsonElement Parse(string json)
    {
        using var doc = JsonDocument.Parse(json);
        return doc.RootElement.Clone();
    }
}
