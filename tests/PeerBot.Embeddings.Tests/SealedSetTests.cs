using PeerBot.Core.Configuration;
using PeerBot.Embeddings.Training;

namespace PeerBot.Embeddings.Tests;

/// <summary>
/// The engine on the newest sealed set, corpus/sealed/2026-12-c.jsonl (388 messages written from the taxonomy alone by an
/// author who had seen neither the lexicon, the heads nor the training corpus, committed before the engine first ran on
/// it). Measured as docs/SAFETY.md reports: fatalism precision 0.884, recall 0.836; crisis 83 of 85 caught, 23 of 303
/// other messages called crisis; coping precision 0.914, recall 0.869. These gates hold the engine at what it measured
/// (small margins for another CPU's arithmetic): they catch a regression, and they are below the goals of #13 (fatalism
/// ≥ 0.90/0.90, every crisis caught with at most 2% false, coping ≥ 0.85/0.85), which this version reaches for coping
/// only. The conversations of the older set 2026-12-a, whose messages have since joined the training corpus, are a
/// regression gate only: that set has been read and re-measured, so it is no longer unseen. There the shipped model
/// alerts 10 of 12 spirals and no calm conversation (the one before alerted 10 and one calm, c04).
/// </summary>
public sealed class SealedSetTests
{
    private static readonly string Folder = Path.Combine(AppContext.BaseDirectory, "corpus", "sealed");

    private static readonly Lazy<SetFigures> Figures = new(() =>
        SafetyEvaluation.Measure(LabelledCorpus.ReadFile(Path.Combine(Folder, "2026-12-c.jsonl")), SemanticSafetyServiceCollectionExtensions.CreateClassifier(new SafetyOptions())));

    [Fact]
    public void Crisis_AtMostTwoMissed_FalseAlarmsNoHigherThanMeasured()
    {
        var crisis = Figures.Value.Crisis;

        Assert.Equal(85, crisis.Positives);
        Assert.True(crisis.TruePositives >= 83, $"caught {crisis.TruePositives} of 85");
        Assert.True(crisis.FalsePositiveRate <= 0.08, $"{crisis.FalsePositives} of {crisis.Negatives} called crisis");
    }

    [Fact]
    public void Fatalism_AtLeastAsMeasured()
    {
        var fatalism = Figures.Value.Fatalism;

        Assert.True(fatalism.Precision >= 0.87, $"precision {fatalism.Precision:0.000}");
        Assert.True(fatalism.Recall >= 0.82, $"recall {fatalism.Recall:0.000}");
    }

    [Fact]
    public void Coping_AtLeastAsMeasured()
    {
        var coping = Figures.Value.Coping;

        Assert.True(coping.Precision >= 0.90, $"precision {coping.Precision:0.000}");
        Assert.True(coping.Recall >= 0.85, $"recall {coping.Recall:0.000}");
    }

    [Fact]
    public void SemanticEngine_FarAheadOfTheLexiconAlone()
    {
        // Measured on the same set: the lexicon alone caught 25 of 85 crisis messages, fatalism F1 0.451, no coping.
        var lexicon = SafetyEvaluation.Measure(LabelledCorpus.ReadFile(Path.Combine(Folder, "2026-12-c.jsonl")), new PeerBot.Core.Safety.RuleBasedClassifier());

        Assert.True(lexicon.Crisis.TruePositives <= 30, $"lexicon caught {lexicon.Crisis.TruePositives}");
        Assert.True(Figures.Value.Crisis.TruePositives >= lexicon.Crisis.TruePositives + 50);
        Assert.True(Figures.Value.Fatalism.F1 > lexicon.Fatalism.F1 + 0.35);
    }

    [Fact]
    public void Conversations_TenSpiralsAlerted_NoCalmConversationAlerted()
    {
        var results = SafetyEvaluation.MeasureConversations(
            Path.Combine(Folder, "2026-12-a-conversations.jsonl"), SemanticSafetyServiceCollectionExtensions.CreateClassifier(new SafetyOptions()));

        Assert.Equal(24, results.Count);
        Assert.True(results.Count(r => r.ExpectSpiral && r.Alerted) >= 10, string.Join(", ", results.Where(r => r.ExpectSpiral && !r.Alerted).Select(r => r.Id)));
        Assert.False(results.Any(r => !r.ExpectSpiral && r.Alerted), string.Join(", ", results.Where(r => !r.ExpectSpiral && r.Alerted).Select(r => r.Id)));
    }
}
