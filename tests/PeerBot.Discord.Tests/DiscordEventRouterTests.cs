using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using PeerBot.Core.Platform;

namespace PeerBot.Discord.Tests;

/// <summary>Dispatches of the wrong shape (found by the gateway fuzz test's long variant) are dropped with a warning, never thrown.</summary>
public sealed class DiscordEventRouterTests : IAsyncDisposable
{
    private readonly RecordingLoggerProvider _logs = new();
    private readonly ServiceProvider _provider;
    private readonly DiscordEventRouter _router;
    private readonly DiscordSession _session;

    public DiscordEventRouterTests()
    {
        _provider = RouterServices.Build(new ScriptedEventHandler(), _logs);
        _router = _provider.GetRequiredService<DiscordEventRouter>();
        _session = _provider.GetRequiredService<DiscordSession>();
        _session.CategoryId = "500";
    }

    public async ValueTask DisposeAsync() => await _provider.DisposeAsync();

    [Theory]
    [InlineData("CHANNEL_CREATE", "{\"id\":\"300\",\"name\":\"g-tue\",\"type\":\"0\",\"parent_id\":\"500\",\"guild_id\":\"100\"}")]
    [InlineData("CHANNEL_UPDATE", "{\"id\":\"300\",\"name\":\"g-tue\",\"type\":1e400,\"parent_id\":\"500\",\"guild_id\":\"100\"}")]
    [InlineData("CHANNEL_UPDATE", "{\"id\":\"300\",\"name\":\"g-tue\",\"parent_id\":\"500\",\"guild_id\":\"100\"}")]
    [InlineData("CHANNEL_CREATE", "{\"id\":\"300\",\"type\":0.5,\"parent_id\":\"500\"}")]
    [InlineData("CHANNEL_CREATE", "{\"id\":\"\",\"type\":0,\"parent_id\":\"500\"}")]
    public async Task OnDispatchAsync_ChannelWithoutUsableTypeOrId_IgnoredWithWarningNotThrown(string eventName, string data)
    {
        await DispatchAsync(eventName, data);

        Assert.False(_session.IsGroupChannel("300"));
        Assert.Contains(_logs.Lines, l => l.Level == LogLevel.Warning && l.Text.Contains("Ignored a Discord channel without its id or type", StringComparison.Ordinal));

        // The same channel, well formed, still counts.
        await DispatchAsync("CHANNEL_CREATE", "{\"id\":\"300\",\"type\":0,\"parent_id\":\"500\"}");
        Assert.True(_session.IsGroupChannel("300"));
    }

    [Theory]
    [InlineData("{\"id\":\"100\",\"channels\":\"301\"}")]
    [InlineData("{\"id\":\"100\",\"channels\":{\"id\":\"301\"}}")]
    [InlineData("{\"id\":\"100\",\"channels\":[5,null,\"x\",{\"id\":\"302\",\"type\":\"4\",\"name\":\"Peer Support\"},{\"id\":\"301\",\"type\":0,\"parent_id\":\"500\"}]}")]
    public async Task OnDispatchAsync_GuildCreateWithChannelsOfWrongShape_NotThrown(string data)
    {
        await DispatchAsync("GUILD_CREATE", data);

        Assert.Equal(data.Contains("\"301\",\"type\":0", StringComparison.Ordinal), _session.IsGroupChannel("301"));
        Assert.Equal("500", _session.CategoryId);
        Assert.Contains(_logs.Lines, l => l.Level == LogLevel.Warning);
    }

    [Theory]
    [InlineData("{\"session_id\":\"s\",\"user\":5,\"application\":\"888\"}")]
    [InlineData("{\"session_id\":\"s\",\"user\":{\"id\":7},\"application\":{\"id\":[]}}")]
    [InlineData("[]")]
    public async Task OnDispatchAsync_ReadyWithIdsOfWrongShape_KeepsWhatItKnewAndDoesNotThrow(string data)
    {
        _session.BotUserId = "999";
        _session.ApplicationId = "888";

        await DispatchAsync("READY", data);

        Assert.Equal("999", _session.BotUserId);
        Assert.Equal("888", _session.ApplicationId);
    }

    private async Task DispatchAsync(string eventName, string data)
    {
        using var document = JsonDocument.Parse(data);
        await _router.OnDispatchAsync(eventName, document.RootElement.Clone(), CancellationToken.None);
    }
}
