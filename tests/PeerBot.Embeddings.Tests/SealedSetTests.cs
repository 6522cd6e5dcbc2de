using PeerBot.Core.Configuration;
using PeerBot.Embeddings.Training;

namespace PeerBot.Embeddings.Tests;

/// <summary>
/// Regression gate on the conversations of set 2026-12-a (corpus/sealed/2026-12-a-conversations.jsonl). Its messages,
/// measured once for the previous model (docs/SAFETY.md), have since joined the training corpus; the conversations'
/// messages have not, but the set has been read and re-measured, so it is no longer unseen: it holds the engine at what
/// the shipped model measures there (10 of 12 spirals alerted; one calm conversation, c04, alerted: its pushback
/// messages about surveys and fixes read as fatalism) and catches a regression. The previous model alerted 8 and 0.
/// </summary>
public sealed class SealedSetTests
{
    private static readonly string Folder = Path.Combine(AppContext.BaseDirectory, "corpus", "sealed");

    [Fact]
    public void Conversations_TenSpiralsAlerted_AtMostOneCalmConversationAlerted()
    {
        var results = SafetyEvaluation.MeasureConversations(
            Path.Combine(Folder, "2026-12-a-conversations.jsonl"), SemanticSafetyServiceCollectionExtensions.CreateClassifier(new SafetyOptions()));

        Assert.Equal(24, results.Count);
        Assert.True(results.Count(r => r.ExpectSpiral && r.Alerted) >= 10, string.Join(", ", results.Where(r => r.ExpectSpiral && !r.Alerted).Select(r => r.Id)));
        Assert.True(results.Count(r => !r.ExpectSpiral && r.Alerted) <= 1, string.Join(", ", results.Where(r => !r.ExpectSpiral && r.Alerted).Select(r => r.Id)));
    }
}
