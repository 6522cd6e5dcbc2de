using PeerBot.Core.Platform;
using PeerBot.Core.Safety;

namespace PeerBot.Core.Tests.Safety;

/// <summary>What a message loop has queued is classified in one call; each message then takes its own assessment.</summary>
public sealed class ClassificationBatchTests
{
    [Fact]
    public void Prepare_ClassifiesTogether_EachMessageTakesItsOwn()
    {
        var inner = new CountingClassifier();
        var batch = new ClassificationBatch(inner);

        using (batch.Prepare(["a", "bb", "a", "ccc"]))
        {
            Assert.Equal(4, batch.Waiting);
            Assert.Equal("bb", batch.Classify("bb").Reasons[0]);
            Assert.Equal("a", batch.Classify("a").Reasons[0]);
            Assert.Equal("a", batch.Classify("a").Reasons[0]);
            Assert.Equal("ccc", batch.Classify("ccc").Reasons[0]);
            Assert.Equal(0, batch.Waiting);

            // One call for the four; a text classified again, or never prepared, is classified on its own.
            Assert.Equal([4], inner.ManyCalls);
            Assert.Empty(inner.SingleCalls);
            Assert.Equal("a", batch.Classify("a").Reasons[0]);
            Assert.Equal(["a"], inner.SingleCalls);
        }
    }

    [Fact]
    public void Dispose_ForgetsWhatWasNotTaken()
    {
        var inner = new CountingClassifier();
        var batch = new ClassificationBatch(inner);

        var prepared = batch.Prepare(["x", "y"]);
        var other = batch.Prepare(["y", "z"]);
        _ = batch.Classify("x");
        prepared.Dispose();

        // Only the first batch's "y" is forgotten; the second's are still there.
        Assert.Equal(2, batch.Waiting);
        _ = batch.Classify("y");
        _ = batch.Classify("z");
        Assert.Empty(inner.SingleCalls);
        other.Dispose();
        prepared.Dispose();
        Assert.Equal(0, batch.Waiting);
        _ = batch.Classify("y");
        Assert.Equal(["y"], inner.SingleCalls);
    }

    [Fact]
    public void Prepare_OneTextOrNoRoom_LeftToClassifyAlone()
    {
        var inner = new CountingClassifier();
        var batch = new ClassificationBatch(inner);

        using (batch.Prepare(["only"]))
        using (batch.Prepare(Enumerable.Range(0, ClassificationBatch.MaxPrepared + 1).Select(i => $"m{i}").ToList()))
        {
            Assert.Equal(0, batch.Waiting);
            Assert.Empty(inner.ManyCalls);
        }
    }

    [Fact]
    public void Prepare_ClassifierFails_MessagesClassifiedAloneAndTheFailureSurfacesThere()
    {
        var inner = new CountingClassifier { FailMany = true };
        var batch = new ClassificationBatch(inner);

        using (batch.Prepare(["p", "q"]))
        {
            Assert.Equal(0, batch.Waiting);
            Assert.Equal("p", batch.Classify("p").Reasons[0]);
            Assert.Equal(["p"], inner.SingleCalls);
        }
    }

    [Fact]
    public void PrepareMessages_GroupMessagesAsCoreScreensThem_DirectMessagesLeftOut()
    {
        var inner = new CountingClassifier();
        var batch = new ClassificationBatch(inner);
        IncomingMessage Message(string text, bool direct) => new(PlatformKind.Discord, "c", text, "u", text, DateTimeOffset.UnixEpoch, direct);

        // A lone surrogate is replaced before Core screens a message; the prepared text is the one Core asks for.
        using (batch.PrepareMessages([Message("one\ud800", direct: false), Message("a draft", direct: true), Message("two", direct: false)]))
        {
            Assert.Equal([2], inner.ManyCalls);
            Assert.Equal(2, batch.Waiting);
            Assert.Equal("one\ufffd", batch.Classify(InboundText.Clean("one\ud800")).Reasons[0]);
            Assert.Equal("two", batch.Classify("two").Reasons[0]);
            Assert.Empty(inner.SingleCalls);
        }
    }

    [Fact]
    public void ClassifyMany_GoesStraightToTheClassifier()
    {
        var inner = new CountingClassifier();
        var batch = new ClassificationBatch(inner);

        var results = batch.ClassifyMany(["a", "b", "c"]);

        Assert.Equal(["a", "b", "c"], results.Select(r => r.Reasons[0]));
        Assert.Equal([3], inner.ManyCalls);
        Assert.Equal(0, batch.Waiting);
    }

    /// <summary>Answers with the text as the only reason, and counts how it was called.</summary>
    private sealed class CountingClassifier : IMessageClassifier
    {
        public bool FailMany { get; init; }

        public List<string> SingleCalls { get; } = [];

        public List<int> ManyCalls { get; } = [];

        public MessageAssessment Classify(string text)
        {
            SingleCalls.Add(text);
            return Assess(text);
        }

        public IReadOnlyList<MessageAssessment> ClassifyMany(IReadOnlyList<string> texts)
        {
            if (FailMany)
            {
                throw new InvalidOperationException("model failed");
            }

            ManyCalls.Add(texts.Count);
            return texts.Select(Assess).ToList();
        }

        private static MessageAssessment Assess(string text) => new(false, 0, false, [text]);
    }
}
