using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;
using PeerBot.Core.Platform;
using PeerBot.Core.Safety;

namespace PeerBot.Discord.Tests;

/// <summary>
/// Group messages already queued when the router's loop comes round are classified together, then handled one at a time
/// and in order, each with its own assessment.
/// </summary>
public sealed class DiscordMessageBatchTests : IAsyncDisposable
{
    private readonly ServiceProvider _provider;
    private readonly DiscordEventRouter _router;
    private readonly ScriptedEventHandler _handler = new();
    private readonly CountingClassifier _classifier = new();
    private readonly ClassificationBatch _batch;

    public DiscordMessageBatchTests()
    {
        _batch = new ClassificationBatch(_classifier);
        _provider = RouterServices.Build(_handler, configure: services => services.AddSingleton(_batch));
        _router = _provider.GetRequiredService<DiscordEventRouter>();
        _provider.GetRequiredService<DiscordSession>().CategoryId = "500";

        // Core classifies what it screens through the batch, as the live monitor does.
        _handler.OnMessage = m =>
        {
            if (!m.IsDirect)
            {
                Screened.Add(_batch.Classify(InboundText.Clean(m.Text)).Reasons[0]);
            }

            return Task.CompletedTask;
        };
    }

    private List<string> Screened { get; } = [];

    public async ValueTask DisposeAsync() => await _provider.DisposeAsync();

    [Fact]
    public async Task RunMessagesAsync_QueuedGroupMessages_ClassifiedInOneCallThenHandledInOrder()
    {
        await DispatchAsync("CHANNEL_CREATE", "{\"id\":\"300\",\"type\":0,\"parent_id\":\"500\",\"guild_id\":\"100\"}");
        string[] texts = ["first", "second", "a dm", "third", "second"];
        for (var i = 0; i < texts.Length; i++)
        {
            var direct = texts[i] == "a dm";
            await DispatchAsync("MESSAGE_CREATE", JsonSerializer.Serialize(new Dictionary<string, object?>
            {
                ["id"] = $"{900 + i}",
                ["channel_id"] = direct ? "700" : "300",
                ["guild_id"] = direct ? null : "100",
                ["author"] = new Dictionary<string, object> { ["id"] = "42" },
                ["type"] = 0,
                ["content"] = texts[i],
                ["timestamp"] = "2026-12-01T10:00:00Z",
            }));
        }

        using var stop = new CancellationTokenSource();
        var loop = _router.RunMessagesAsync(stop.Token);
        await _handler.WaitUntilAsync(() => _handler.Messages.Count == texts.Length, "every message");
        await stop.CancelAsync();
        await loop;

        Assert.Equal(texts, _handler.Messages.Select(m => m.Text));
        Assert.Equal(["first", "second", "third", "second"], Screened);

        // The four group messages in one call; the DM was not classified; nothing is left behind.
        Assert.Equal([4], _classifier.ManyCalls);
        Assert.Empty(_classifier.SingleCalls);
        Assert.Equal(0, _batch.Waiting);
    }

    private async Task DispatchAsync(string eventName, string data)
    {
        using var document = JsonDocument.Parse(data);
        await _router.OnDispatchAsync(eventName, document.RootElement.Clone(), CancellationToken.None);
    }

    private sealed class CountingClassifier : IMessageClassifier
    {
        public List<string> SingleCalls { get; } = [];

        public List<int> ManyCalls { get; } = [];

        public MessageAssessment Classify(string text)
        {
            SingleCalls.Add(text);
            return new MessageAssessment(false, 0, false, [text]);
        }

        public IReadOnlyList<MessageAssessment> ClassifyMany(IReadOnlyList<string> texts)
        {
            ManyCalls.Add(texts.Count);
            return texts.Select(t => new MessageAssessment(false, 0, false, [t])).ToList();
        }
    }
}
