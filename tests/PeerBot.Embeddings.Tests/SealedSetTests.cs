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
/// The newest set, corpus/sealed/2026-12-d.jsonl (468 messages by another author, from the taxonomy alone, committed
/// before the engine first ran on it), measured the shipped model once: fatalism 0.786 / 0.951; crisis 103 of 105
/// caught, 33 of 363 others called crisis; coping 0.838 / 0.864. Its gates hold those figures in the same way.
/// Since then the crisis decision became a second level over the heads, the sentences and the words (docs/SAFETY.md),
/// developed with set d in view: on set d it catches 105 of 105 with 19 of 363 others called crisis, on set c 83 of 85
/// with 8 of 303; the crisis gates hold those figures (fatalism and coping are unchanged).
/// The newest set, corpus/sealed/2026-12-e.jsonl (533 messages by a third author, from the taxonomy alone, committed
/// before the engine first ran on it), measured that engine once: fatalism 0.821 / 0.958; crisis 115 of 121 caught, 21
/// of 412 others called crisis; coping 0.859 / 0.859 (the engine before the second-level decision, measured once too:
/// 113 of 121 with 30 false). Its gates hold those figures.
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
        // 23 of 303 before the second-level crisis decision; 8 since.
        Assert.True(crisis.FalsePositiveRate <= 0.03, $"{crisis.FalsePositives} of {crisis.Negatives} called crisis");
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

    private static readonly Lazy<SetFigures> FiguresD = new(() =>
        SafetyEvaluation.Measure(LabelledCorpus.ReadFile(Path.Combine(Folder, "2026-12-d.jsonl")), SemanticSafetyServiceCollectionExtensions.CreateClassifier(new SafetyOptions())));

    [Fact]
    public void SetD_Crisis_AtMostTwoMissed_FalseAlarmsNoHigherThanMeasured()
    {
        var crisis = FiguresD.Value.Crisis;

        Assert.Equal(105, crisis.Positives);
        // 103 as first measured; 104 since the lexicon learned "SI" (a development figure: that miss prompted it); 105 with
        // the second-level crisis decision, whose false alarms fell from 33 to 19 (development figures too).
        Assert.True(crisis.TruePositives >= 105, $"caught {crisis.TruePositives} of 105");
        Assert.True(crisis.FalsePositiveRate <= 0.056, $"{crisis.FalsePositives} of {crisis.Negatives} called crisis");
    }

    [Fact]
    public void SetD_FatalismAndCoping_AtLeastAsMeasured()
    {
        var fatalism = FiguresD.Value.Fatalism;
        var coping = FiguresD.Value.Coping;

        Assert.True(fatalism.Precision >= 0.77, $"fatalism precision {fatalism.Precision:0.000}");
        Assert.True(fatalism.Recall >= 0.94, $"fatalism recall {fatalism.Recall:0.000}");
        Assert.True(coping.Precision >= 0.82, $"coping precision {coping.Precision:0.000}");
        Assert.True(coping.Recall >= 0.85, $"coping recall {coping.Recall:0.000}");
    }

    [Fact]
    public void SetD_SemanticEngine_FarAheadOfTheLexiconAlone()
    {
        // Measured on the same set: the lexicon alone caught 22 of 105 crisis messages, fatalism F1 0.504, no coping.
        var lexicon = SafetyEvaluation.Measure(LabelledCorpus.ReadFile(Path.Combine(Folder, "2026-12-d.jsonl")), new PeerBot.Core.Safety.RuleBasedClassifier());

        Assert.True(lexicon.Crisis.TruePositives <= 27, $"lexicon caught {lexicon.Crisis.TruePositives}");
        Assert.True(FiguresD.Value.Crisis.TruePositives >= lexicon.Crisis.TruePositives + 75);
        Assert.True(FiguresD.Value.Fatalism.F1 > lexicon.Fatalism.F1 + 0.3);
    }

    private static readonly Lazy<SetFigures> FiguresE = new(() =>
        SafetyEvaluation.Measure(LabelledCorpus.ReadFile(Path.Combine(Folder, "2026-12-e.jsonl")), SemanticSafetyServiceCollectionExtensions.CreateClassifier(new SafetyOptions())));

    [Fact]
    public void SetE_Crisis_AsMeasured()
    {
        var crisis = FiguresE.Value.Crisis;

        Assert.Equal(121, crisis.Positives);
        Assert.True(crisis.TruePositives >= 115, $"caught {crisis.TruePositives} of 121");
        Assert.True(crisis.FalsePositiveRate <= 0.053, $"{crisis.FalsePositives} of {crisis.Negatives} called crisis");
    }

    [Fact]
    public void SetE_FatalismAndCoping_AtLeastAsMeasured()
    {
        var fatalism = FiguresE.Value.Fatalism;
        var coping = FiguresE.Value.Coping;

        Assert.True(fatalism.Precision >= 0.81, $"fatalism precision {fatalism.Precision:0.000}");
        Assert.True(fatalism.Recall >= 0.95, $"fatalism recall {fatalism.Recall:0.000}");
        Assert.True(coping.Precision >= 0.85, $"coping precision {coping.Precision:0.000}");
        Assert.True(coping.Recall >= 0.85, $"coping recall {coping.Recall:0.000}");
    }

    [Fact]
    public void SetE_SemanticEngine_FarAheadOfTheLexiconAlone()
    {
        // Measured on the same set: the lexicon alone caught 25 of 121 crisis messages (2 false), fatalism F1 0.556, no coping.
        var lexicon = SafetyEvaluation.Measure(LabelledCorpus.ReadFile(Path.Combine(Folder, "2026-12-e.jsonl")), new PeerBot.Core.Safety.RuleBasedClassifier());

        Assert.True(lexicon.Crisis.TruePositives <= 30, $"lexicon caught {lexicon.Crisis.TruePositives}");
        Assert.True(FiguresE.Value.Crisis.TruePositives >= lexicon.Crisis.TruePositives + 85);
        Assert.True(FiguresE.Value.Fatalism.F1 > lexicon.Fatalism.F1 + 0.3);
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
