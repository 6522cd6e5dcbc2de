using PeerBot.Core.Configuration;
using PeerBot.Embeddings.Training;

namespace PeerBot.Embeddings.Tests;

/// <summary>
/// The engine on the newest sealed set, corpus/sealed/2026-12-b.jsonl (608 messages written from the taxonomy alone by
/// authors who had seen neither the lexicon, the heads nor the training corpus, committed before the engine first ran on
/// it). Measured as docs/SAFETY.md reports: fatalism precision 0.775, recall 0.752; crisis 132 of 141 caught, 38 of
/// 467 other messages called crisis; coping precision 0.918, recall 0.804. These gates hold the engine at what it
/// measured (small margins for another CPU's arithmetic): they catch a regression, and they are below the goals of #13
/// (fatalism ≥ 0.90/0.90, every crisis caught with at most 2% false, coping ≥ 0.85/0.85), which this version does not
/// reach. The conversations of the older set 2026-12-a, whose messages have since joined the training corpus, are a
/// regression gate only: that set has been read and re-measured, so it is no longer unseen. There the shipped model
/// alerts 10 of 12 spirals and one calm conversation (c04, whose pushback about surveys and fixes reads as fatalism);
/// the previous model alerted 8 and none.
/// </summary>
public sealed class SealedSetTests
{
    private static readonly string Folder = Path.Combine(AppContext.BaseDirectory, "corpus", "sealed");

    private static readonly Lazy<SetFigures> Figures = new(() =>
        SafetyEvaluation.Measure(LabelledCorpus.ReadFile(Path.Combine(Folder, "2026-12-b.jsonl")), SemanticSafetyServiceCollectionExtensions.CreateClassifier(new SafetyOptions())));

    [Fact]
    public void Crisis_AtMostNineMissed_FalseAlarmsNoHigherThanMeasured()
    {
        var crisis = Figures.Value.Crisis;

        Assert.Equal(141, crisis.Positives);
        Assert.True(crisis.TruePositives >= 132, $"caught {crisis.TruePositives} of 141");
        Assert.True(crisis.FalsePositiveRate <= 0.085, $"{crisis.FalsePositives} of {crisis.Negatives} called crisis");
    }

    [Fact]
    public void Fatalism_AtLeastAsMeasured()
    {
        var fatalism = Figures.Value.Fatalism;

        Assert.True(fatalism.Precision >= 0.76, $"precision {fatalism.Precision:0.000}");
        Assert.True(fatalism.Recall >= 0.74, $"recall {fatalism.Recall:0.000}");
    }

    [Fact]
    public void Coping_AtLeastAsMeasured()
    {
        var coping = Figures.Value.Coping;

        Assert.True(coping.Precision >= 0.91, $"precision {coping.Precision:0.000}");
        Assert.True(coping.Recall >= 0.80, $"recall {coping.Recall:0.000}");
    }

    [Fact]
    public void SemanticEngine_FarAheadOfTheLexiconAlone()
    {
        // Measured on the same set: the lexicon alone caught 20 of 141 crisis messages, fatalism F1 0.282, no coping.
        var lexicon = SafetyEvaluation.Measure(LabelledCorpus.ReadFile(Path.Combine(Folder, "2026-12-b.jsonl")), new PeerBot.Core.Safety.RuleBasedClassifier());

        Assert.True(lexicon.Crisis.TruePositives <= 25, $"lexicon caught {lexicon.Crisis.TruePositives}");
        Assert.True(Figures.Value.Crisis.TruePositives >= lexicon.Crisis.TruePositives + 100);
        Assert.True(Figures.Value.Fatalism.F1 > lexicon.Fatalism.F1 + 0.40);
    }

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
