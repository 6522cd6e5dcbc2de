using PeerBot.Core.Configuration;
using PeerBot.Embeddings.Training;

namespace PeerBot.Embeddings.Tests;

/// <summary>
/// The engine on the newest sealed set (corpus/sealed/2026-12-a, written from the taxonomy alone and committed before the
/// engine first ran on it). Measured once, as docs/SAFETY.md reports: fatalism precision 0.869, recall 0.646; crisis 117 of
/// 120 caught, 88 of 428 non-crisis messages called crisis; coping precision 0.721, recall 0.879; spirals 8 of 12 alerted,
/// no calm conversation alerted. These gates hold the engine at what it measured (small margins for another CPU's
/// arithmetic): they catch a regression, and they are below the goals of #13 (fatalism and coping ≥ 0.90/0.85, every
/// crisis caught with at most 2% false, every spiral), which this version does not reach.
/// </summary>
public sealed class SealedSetTests
{
    private static readonly string Folder = Path.Combine(AppContext.BaseDirectory, "corpus", "sealed");

    private static readonly Lazy<SetFigures> Figures = new(() =>
        SafetyEvaluation.Measure(LabelledCorpus.ReadFile(Path.Combine(Folder, "2026-12-a.jsonl")), SemanticSafetyServiceCollectionExtensions.CreateClassifier(new SafetyOptions())));

    [Fact]
    public void Crisis_AtMostThreeMissed_FalseAlarmsNoHigherThanMeasured()
    {
        var crisis = Figures.Value.Crisis;

        Assert.Equal(120, crisis.Positives);
        Assert.True(crisis.TruePositives >= 117, $"caught {crisis.TruePositives} of 120");
        Assert.True(crisis.FalsePositiveRate <= 0.22, $"{crisis.FalsePositives} of {crisis.Negatives} called crisis");
    }

    [Fact]
    public void Fatalism_AtLeastAsMeasured()
    {
        var fatalism = Figures.Value.Fatalism;

        Assert.True(fatalism.Precision >= 0.85, $"precision {fatalism.Precision:0.000}");
        Assert.True(fatalism.Recall >= 0.62, $"recall {fatalism.Recall:0.000}");
    }

    [Fact]
    public void Coping_AtLeastAsMeasured()
    {
        var coping = Figures.Value.Coping;

        Assert.True(coping.Precision >= 0.70, $"precision {coping.Precision:0.000}");
        Assert.True(coping.Recall >= 0.86, $"recall {coping.Recall:0.000}");
    }

    [Fact]
    public void Conversations_EightSpiralsAlerted_NoCalmConversationAlerted()
    {
        var results = SafetyEvaluation.MeasureConversations(
            Path.Combine(Folder, "2026-12-a-conversations.jsonl"), SemanticSafetyServiceCollectionExtensions.CreateClassifier(new SafetyOptions()));

        Assert.Equal(24, results.Count);
        Assert.True(results.Count(r => r.ExpectSpiral && r.Alerted) >= 8, string.Join(", ", results.Where(r => r.ExpectSpiral && !r.Alerted).Select(r => r.Id)));
        Assert.DoesNotContain(results, r => !r.ExpectSpiral && r.Alerted);
    }

    [Fact]
    public void SemanticEngine_FarAheadOfTheLexiconAlone()
    {
        // Measured on the same set: the lexicon alone caught 31 of 120 crisis messages, fatalism recall 0.292, no coping.
        var lexicon = SafetyEvaluation.Measure(LabelledCorpus.ReadFile(Path.Combine(Folder, "2026-12-a.jsonl")), new PeerBot.Core.Safety.RuleBasedClassifier());

        Assert.True(Figures.Value.Crisis.TruePositives >= lexicon.Crisis.TruePositives + 80);
        Assert.True(Figures.Value.Fatalism.F1 > lexicon.Fatalism.F1 + 0.25);
    }
}
