using Microsoft.Extensions.DependencyInjection;
using PeerBot.Core.Platform;
using PeerBot.Core.Safety;
using PeerBot.Slack.Tests.Support;
using PeerBot.Testing.Slack;

namespace PeerBot.Slack.Tests;

/// <summary>
/// Group messages queued while Core is busy are classified together, then handled one at a time and in order, each
/// with its own assessment.
/// </summary>
public sealed class SlackMessageBatchTests
{
    [Fact]
    public async Task QueuedGroupMessages_ClassifiedTogetherThenHandledInOrder()
    {
        var classifier = new CountingClassifier();
        var batch = new ClassificationBatch(classifier);
        await using var harness = await SlackHarness.StartAsync(e => e.AddUser("U0ANA", "ana"), services: s => s.AddSingleton(batch));
        var channel = harness.Emulator.AddChannel("tuesday-circle", isPrivate: true, SlackEmulator.BotUserId, "U0ANA");
        var busy = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var screened = new List<string>();
        harness.Recorder.OnMessage = async (m, _) =>
        {
            // Core screens each group message through the batch, as the live monitor does; the first holds Core busy
            // while the others queue.
            screened.Add(batch.Classify(InboundText.Clean(m.Text)).Reasons[0]);
            if (m.Text == "first")
            {
                await busy.Task;
            }
        };

        string[] texts = ["first", "second", "third", "second", "fifth"];
        await harness.Emulator.InjectMessageAsync(channel, "U0ANA", texts[0]);
        await harness.Recorder.WaitUntilAsync(h => h.Messages.Count == 1, "the first message");
        foreach (var text in texts[1..])
        {
            await harness.Emulator.InjectMessageAsync(channel, "U0ANA", text);
        }

        await harness.Emulator.WaitUntilAsync(e => e.Acks.Count == texts.Length, what: "every acknowledgement");
        busy.SetResult();
        await harness.Recorder.WaitUntilAsync(h => h.Messages.Count == texts.Length, "every message");

        Assert.Equal(texts, harness.Recorder.Messages.Select(m => m.Text));
        Assert.Equal(texts, screened);

        // The first went through alone; of the four queued behind it, at least the three acknowledged before the last
        // were classified in one call (the last may have been queued just after Core woke); each was classified once.
        Assert.Equal("first", classifier.SingleCalls[0]);
        Assert.True(classifier.ManyCalls.Count >= 1 && classifier.ManyCalls[0] >= 3, string.Join(",", classifier.ManyCalls));
        Assert.Equal(texts.Length, classifier.SingleCalls.Count + classifier.ManyCalls.Sum());
        Assert.Equal(0, batch.Waiting);
    }

    private sealed class CountingClassifier : IMessageClassifier
    {
        private readonly Lock _gate = new();

        public List<string> SingleCalls { get; } = [];

        public List<int> ManyCalls { get; } = [];

        public MessageAssessment Classify(string text)
        {
            lock (_gate)
            {
                SingleCalls.Add(text);
            }

            return new MessageAssessment(false, 0, false, [text]);
        }

        public IReadOnlyList<MessageAssessment> ClassifyMany(IReadOnlyList<string> texts)
        {
            lock (_gate)
            {
                ManyCalls.Add(texts.Count);
            }

            return texts.Select(t => new MessageAssessment(false, 0, false, [t])).ToList();
        }
    }
}
