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
/// regression gate only: that set has been read and re-measured, so it is no longer unseen. There the models alert 10
/// of 12 spirals and at most one calm conversation, c04 (one hopeless line, then pushback some models read as fatalism).
/// The newest set, corpus/sealed/2026-12-d.jsonl (468 messages by another author, from the taxonomy alone, committed
/// before the engine first ran on it), measured the shipped model once: fatalism 0.786 / 0.951; crisis 103 of 105
/// caught, 33 of 363 others called crisis; coping 0.838 / 0.864. Its gates hold those figures in the same way.
/// Since then the crisis decision became a second level over the heads, the sentences and the words (docs/SAFETY.md),
/// developed with set d in view: on set d it catches 105 of 105 with 19 of 363 others called crisis, on set c 83 of 85
/// with 8 of 303; the crisis gates hold those figures (fatalism and coping are unchanged).
/// Set 2026-12-e (533 messages by a third author) measured that engine once: fatalism 0.821 / 0.958; crisis 115 of 121
/// caught, 21 of 412 others called crisis; coping 0.859 / 0.859. It has since joined the training corpus.
/// Set 2026-12-f (579 messages by a fourth author) measured the engine trained with set e, the first targeted messages
/// and the lexicon's burden and self-harm wording once: fatalism 0.848 / 0.969; crisis 123 of 132 caught, 23 of 447
/// others called crisis; coping 0.943 / 0.911. It has since joined the training corpus.
/// Set 2026-12-g (555 messages by a fifth author) measured the engine trained with set f and the second targeted
/// messages once: fatalism 0.960 / 0.970; crisis 129 of 136 caught, 29 of 419 others called crisis; coping 0.924 / 0.904.
/// It has since joined the training corpus.
/// Set 2026-12-h, corpus/sealed/2026-12-h.jsonl (584 messages by a sixth author, from the taxonomy alone, committed
/// before the engine first ran on it), measured the engine trained with set g and the third targeted messages once:
/// fatalism 0.911 / 0.919; crisis 134 of 146 caught, 20 of 438 others called crisis; coping 0.956 / 0.851 (the engine
/// before, measured once too: 0.918 / 0.910; 135 of 146 with 18 false; 0.933 / 0.822). Its gates hold the development
/// figures that follow. Since then the lexicon no longer calls "bye all" alone a goodbye: 19 false on set h (a development figure); and a
/// sentence or clause can propose a message to the crisis decision, which found crises said in passing inside ordinary
/// talk: 139 of 146 caught on set h with 17 false (development figures too: that is what set h showed missing).
/// Set 2026-12-i, corpus/sealed/2026-12-i.jsonl (562 messages by a seventh author, from the taxonomy alone, committed
/// before the engine first ran on it; its brief asked for a quarter of its crisis messages to be said inside otherwise
/// ordinary messages), measured that engine once: fatalism 0.955 / 0.963; crisis 136 of 143 caught, 12 of 419 others
/// called crisis; coping 0.961 / 0.822 (the engine before, measured once too: the same fatalism and coping, crisis 125
/// of 143 with 16 false). Since then the corpus took in the fourth targeted messages, written for what set i showed
/// missing, and the lexicon's weaker goodbye cues no longer decide alone: on set i 141 of 143 with 13 false, fatalism
/// 0.964 / 0.972, coping 0.943 / 0.922 (development figures); its gates hold those.
/// Set 2026-12-j, corpus/sealed/2026-12-j.jsonl (560 messages by an eighth author, from the taxonomy alone, committed
/// before the engine first ran on it), measured that engine once: fatalism 0.888 / 0.832; crisis 138 of 139 caught, 14
/// of 421 others called crisis; coping 0.903 / 0.930 (the engine before, measured once too: 0.848 / 0.884; 134 of 139
/// with 11 false; 0.938 / 0.900). Since then the corpus took in the fifth targeted messages, written for what set j
/// showed missing; its gates hold the development figures that gives.
/// Set 2026-12-k, corpus/sealed/2026-12-k.jsonl (560 messages by a ninth author, from the taxonomy alone, committed
/// before the engine first ran on it), measured that engine once: fatalism 0.838 / 0.902; crisis 139 of 140 caught, 20
/// of 420 others called crisis; coping 0.861 / 0.870 (the engine before, measured once too: 0.891 / 0.891; 139 of 140
/// with 21 false; 0.895 / 0.850). Its gates hold those figures. Since then the crisis decision can overrule a lexicon
/// phrase it reads as far from crisis (the lexicon floor), chosen on the corpus and the development sets c to k.
/// Set 2026-12-l, corpus/sealed/2026-12-l.jsonl (571 messages by a tenth author, from the taxonomy alone, committed
/// before the engine first ran on it), measured that engine once: fatalism 0.866 / 0.913; crisis 141 of 145 caught, 26
/// of 426 others called crisis; coping 0.917 / 0.880 (the engine before, measured once too: the same but 28 false). Its
/// gates hold those figures. Since then fatalism and coping are decided one level up too, over the heads, the sentences
/// and the words (chosen on the corpus and the development sets c to l).
/// The newest set, corpus/sealed/2026-12-m.jsonl (564 messages by an eleventh author, from the taxonomy alone, committed
/// before the engine first ran on it), measured that engine once: fatalism 0.914 / 0.924; crisis 135 of 142 caught, 23
/// of 422 others called crisis; coping 0.931 / 0.931 (the engine before, measured once too: 0.823 / 0.859; the same
/// crisis; 0.881 / 0.873). Its gates hold those figures.
/// </summary>
public sealed class SealedSetTests
{
    private static readonly string Folder = Path.Combine(AppContext.BaseDirectory, "corpus", "sealed");

    private static readonly Lazy<SetFigures> Figures = new(() => Semantic("2026-12-c.jsonl"));

    [Fact]
    public void Crisis_AtMostTwoMissed_FalseAlarmsNoHigherThanMeasured()
    {
        // 23 of 303 before the second-level crisis decision; 8 since (84 caught since the lexicon learned burden and more
        // self-harm wording); 10 since the corpus took in set f and the second targeted messages; 85 with 7 since it took in
        // set g and the third; 8 since the fifth.
        AssertCrisis(Figures.Value, positives: 85, caughtAtLeast: 85, falseRateAtMost: 0.027);
    }

    [Fact]
    public void Fatalism_AtLeastAsMeasured()
    {
        var fatalism = Figures.Value.Fatalism;

        // 0.884 / 0.836 as first measured; 0.863 / 0.863 since the corpus took in the fifth targeted messages; 0.910 / 0.973
        // since the fatalism decision.
        Assert.True(fatalism.Precision >= 0.91, $"precision {fatalism.Precision:0.000}");
        Assert.True(fatalism.Recall >= 0.97, $"recall {fatalism.Recall:0.000}");
    }

    [Fact]
    public void Coping_AtLeastAsMeasured()
    {
        var coping = Figures.Value.Coping;

        // 0.914 / 0.869 as first measured; 0.871 / 0.885 since the corpus took in set e and the targeted messages (a
        // development figure: set c has been looked at since); 0.812 / 0.918 since the fifth targeted messages; 0.938 /
        // 0.984 since the coping decision.
        Assert.True(coping.Precision >= 0.93, $"precision {coping.Precision:0.000}");
        Assert.True(coping.Recall >= 0.98, $"recall {coping.Recall:0.000}");
    }

    [Fact]
    public void SemanticEngine_FarAheadOfTheLexiconAlone()
    {
        // Measured on the same set: the lexicon alone caught 25 of 85 crisis messages, fatalism F1 0.451, no coping.
        AssertFarAheadOfTheLexicon("2026-12-c.jsonl", Figures.Value, lexiconCaughtAtMost: 30, moreCaught: 50, higherFatalismF1: 0.35);
    }

    private static readonly Lazy<SetFigures> FiguresD = new(() => Semantic("2026-12-d.jsonl"));

    [Fact]
    public void SetD_Crisis_AtMostTwoMissed_FalseAlarmsNoHigherThanMeasured()
    {
        // 103 as first measured; 104 since the lexicon learned "SI" (a development figure: that miss prompted it); 105 with
        // the second-level crisis decision, whose false alarms fell from 33 to 19, and to 12 once the corpus took in set e
        // and the targeted messages (development figures too); 104 with 14 since the corpus took in set f and the second
        // targeted messages (googling carbon monoxide in a garage scores 0.38); 105 with 13 since it took in set g and the
        // third; 15 since a clause can propose a message; 19 since the corpus took in the fourth targeted messages, 20 since
        // the fifth; 17 since the lexicon floor.
        AssertCrisis(FiguresD.Value, positives: 105, caughtAtLeast: 104, falseRateAtMost: 0.047);
    }

    [Fact]
    public void SetD_FatalismAndCoping_AtLeastAsMeasured()
    {
        // 0.868 / 0.975 and 0.940 / 0.955 since the fatalism and coping decisions.
        AssertAtLeast(FiguresD.Value, fatalismPrecision: 0.86, fatalismRecall: 0.97, copingPrecision: 0.94, copingRecall: 0.95);
    }

    [Fact]
    public void SetD_SemanticEngine_FarAheadOfTheLexiconAlone()
    {
        // Measured on the same set: the lexicon alone caught 22 of 105 crisis messages, fatalism F1 0.504, no coping; 28 since
        // it learned "SI", burden and self-harm wording and "thinking about ending it".
        AssertFarAheadOfTheLexicon("2026-12-d.jsonl", FiguresD.Value, lexiconCaughtAtMost: 28, moreCaught: 75, higherFatalismF1: 0.3);
    }

    private static readonly Lazy<SetFigures> FiguresH = new(() => Semantic("2026-12-h.jsonl"));

    [Fact]
    public void SetH_Crisis_AsMeasured()
    {
        // 134 with 20 as measured once; 139 with 17 since a clause can propose a message; 141 with 17 since the corpus took
        // in the fourth targeted messages, 18 false since the fifth (development figures).
        AssertCrisis(FiguresH.Value, positives: 146, caughtAtLeast: 139, falseRateAtMost: 0.042);
    }

    [Fact]
    public void SetH_FatalismAndCoping_AtLeastAsMeasured()
    {
        // Coping 0.937 / 0.881 since the corpus took in the fourth targeted messages; fatalism 0.897 / 0.946 since the fifth.
        // 0.957 / 0.991 and 0.930 / 0.921 since the fatalism and coping decisions.
        AssertAtLeast(FiguresH.Value, fatalismPrecision: 0.95, fatalismRecall: 0.99, copingPrecision: 0.93, copingRecall: 0.92);
    }

    [Fact]
    public void SetH_SemanticEngine_FarAheadOfTheLexiconAlone()
    {
        // Measured on the same set: the lexicon alone caught 35 of 146 crisis messages (1 false), fatalism F1 0.422, no coping.
        AssertFarAheadOfTheLexicon("2026-12-h.jsonl", FiguresH.Value, lexiconCaughtAtMost: 40, moreCaught: 95, higherFatalismF1: 0.45);
    }

    private static readonly Lazy<SetFigures> FiguresI = new(() => Semantic("2026-12-i.jsonl"));

    [Fact]
    public void SetI_Crisis_AsMeasured()
    {
        // 136 with 12 as measured once; 141 with 13 since the corpus took in the fourth targeted messages (development
        // figures: those messages were written for what set i showed missing); 140 with 13 since the fifth; 12 false since
        // the lexicon floor.
        AssertCrisis(FiguresI.Value, positives: 143, caughtAtLeast: 140, falseRateAtMost: 0.029);
    }

    [Fact]
    public void SetI_FatalismAndCoping_AtLeastAsMeasured()
    {
        // 0.955 / 0.963 and 0.961 / 0.822 as measured once; coping 0.943 / 0.922 since the fourth targeted messages;
        // fatalism 0.938 / 0.972 and coping 0.925 / 0.956 since the fifth.
        // 0.964 / 0.991 and 0.989 / 0.956 since the fatalism and coping decisions.
        AssertAtLeast(FiguresI.Value, fatalismPrecision: 0.96, fatalismRecall: 0.99, copingPrecision: 0.98, copingRecall: 0.95);
    }

    [Fact]
    public void SetI_SemanticEngine_FarAheadOfTheLexiconAlone()
    {
        // Measured on the same set: the lexicon alone caught 39 of 143 crisis messages (3 false), fatalism F1 0.392, no coping.
        AssertFarAheadOfTheLexicon("2026-12-i.jsonl", FiguresI.Value, lexiconCaughtAtMost: 44, moreCaught: 90, higherFatalismF1: 0.5);
    }

    private static readonly Lazy<SetFigures> FiguresJ = new(() => Semantic("2026-12-j.jsonl"));

    [Fact]
    public void SetJ_Crisis_AsMeasured()
    {
        // 138 with 14 as measured once; 11 false since the fifth targeted messages (a development figure: they were written
        // for what set j showed); 9 since the lexicon floor.
        AssertCrisis(FiguresJ.Value, positives: 139, caughtAtLeast: 138, falseRateAtMost: 0.022);
    }

    [Fact]
    public void SetJ_FatalismAndCoping_AtLeastAsMeasured()
    {
        // 0.888 / 0.832 and 0.903 / 0.930 as measured once; 0.866 / 0.884 and 0.887 / 0.940 since the fifth targeted messages.
        // 0.959 / 0.979 and 0.907 / 0.970 since the fatalism and coping decisions; coping 0.899 / 0.980 since the lexicon
        // learned "thinking about ending it" (the heads, which see its flag, were retrained).
        AssertAtLeast(FiguresJ.Value, fatalismPrecision: 0.95, fatalismRecall: 0.97, copingPrecision: 0.89, copingRecall: 0.98);
    }

    [Fact]
    public void SetJ_SemanticEngine_FarAheadOfTheLexiconAlone()
    {
        // Measured on the same set: the lexicon alone caught 32 of 139 crisis messages (3 false), fatalism F1 0.400, no coping.
        AssertFarAheadOfTheLexicon("2026-12-j.jsonl", FiguresJ.Value, lexiconCaughtAtMost: 37, moreCaught: 100, higherFatalismF1: 0.45);
    }

    private static readonly Lazy<SetFigures> FiguresK = new(() => Semantic("2026-12-k.jsonl"));

    [Fact]
    public void SetK_Crisis_AsMeasured()
    {
        AssertCrisis(FiguresK.Value, positives: 140, caughtAtLeast: 139, falseRateAtMost: 0.048);
    }

    [Fact]
    public void SetK_FatalismAndCoping_AtLeastAsMeasured()
    {
        // 0.838 / 0.902 and 0.861 / 0.870 as measured once; 0.958 / 0.989 and 0.939 / 0.930 since the fatalism and coping
        // decisions (development figures).
        AssertAtLeast(FiguresK.Value, fatalismPrecision: 0.95, fatalismRecall: 0.98, copingPrecision: 0.93, copingRecall: 0.93);
    }

    [Fact]
    public void SetK_SemanticEngine_FarAheadOfTheLexiconAlone()
    {
        // Measured on the same set: the lexicon alone caught 26 of 140 crisis messages (none false), fatalism F1 0.423, no coping.
        AssertFarAheadOfTheLexicon("2026-12-k.jsonl", FiguresK.Value, lexiconCaughtAtMost: 31, moreCaught: 110, higherFatalismF1: 0.4);
    }

    private static readonly Lazy<SetFigures> FiguresL = new(() => Semantic("2026-12-l.jsonl"));

    [Fact]
    public void SetL_Crisis_AsMeasured()
    {
        AssertCrisis(FiguresL.Value, positives: 145, caughtAtLeast: 141, falseRateAtMost: 0.062);
    }

    [Fact]
    public void SetL_FatalismAndCoping_AtLeastAsMeasured()
    {
        // 0.866 / 0.913 and 0.917 / 0.880 as measured once; 0.937 / 0.967 and 0.928 / 0.900 since the fatalism and coping
        // decisions (development figures: set l was among the sets they were chosen on); coping 0.929 / 0.920 since the
        // lexicon learned "thinking about ending it".
        AssertAtLeast(FiguresL.Value, fatalismPrecision: 0.93, fatalismRecall: 0.96, copingPrecision: 0.92, copingRecall: 0.92);
    }

    [Fact]
    public void SetL_SemanticEngine_FarAheadOfTheLexiconAlone()
    {
        // Measured on the same set: the lexicon alone caught 45 of 145 crisis messages (4 false), fatalism F1 0.523, no coping.
        AssertFarAheadOfTheLexicon("2026-12-l.jsonl", FiguresL.Value, lexiconCaughtAtMost: 50, moreCaught: 95, higherFatalismF1: 0.35);
    }

    private static readonly Lazy<SetFigures> FiguresM = new(() => Semantic("2026-12-m.jsonl"));

    [Fact]
    public void SetM_Crisis_AsMeasured()
    {
        // 135 as measured once; 136 since the lexicon learned "thinking about ending it", a miss of this set (a development
        // figure).
        AssertCrisis(FiguresM.Value, positives: 142, caughtAtLeast: 136, falseRateAtMost: 0.055);
    }

    [Fact]
    public void SetM_FatalismAndCoping_AtLeastAsMeasured()
    {
        // The first sealed set on which fatalism and coping reach #13's goals (0.90 / 0.90 and 0.85 / 0.85).
        AssertAtLeast(FiguresM.Value, fatalismPrecision: 0.91, fatalismRecall: 0.92, copingPrecision: 0.93, copingRecall: 0.93);
    }

    [Fact]
    public void SetM_SemanticEngine_FarAheadOfTheLexiconAlone()
    {
        // Measured on the same set: the lexicon alone caught 38 of 142 crisis messages (1 false), fatalism F1 0.407, no coping.
        AssertFarAheadOfTheLexicon("2026-12-m.jsonl", FiguresM.Value, lexiconCaughtAtMost: 43, moreCaught: 95, higherFatalismF1: 0.5);
    }

    private static SetFigures Semantic(string file) =>
        SafetyEvaluation.Measure(LabelledCorpus.ReadFile(Path.Combine(Folder, file)), SemanticSafetyServiceCollectionExtensions.CreateClassifier(new SafetyOptions()));

    private static void AssertCrisis(SetFigures figures, int positives, int caughtAtLeast, double falseRateAtMost)
    {
        var crisis = figures.Crisis;

        Assert.Equal(positives, crisis.Positives);
        Assert.True(crisis.TruePositives >= caughtAtLeast, $"caught {crisis.TruePositives} of {positives}");
        Assert.True(crisis.FalsePositiveRate <= falseRateAtMost, $"{crisis.FalsePositives} of {crisis.Negatives} called crisis");
    }

    /// <summary>The lexicon alone, on the same set, catches at most what it measured; the engine catches and separates far more.</summary>
    private static void AssertFarAheadOfTheLexicon(string file, SetFigures engine, int lexiconCaughtAtMost, int moreCaught, double higherFatalismF1)
    {
        var lexicon = SafetyEvaluation.Measure(LabelledCorpus.ReadFile(Path.Combine(Folder, file)), new PeerBot.Core.Safety.RuleBasedClassifier());

        Assert.True(lexicon.Crisis.TruePositives <= lexiconCaughtAtMost, $"lexicon caught {lexicon.Crisis.TruePositives}");
        Assert.True(engine.Crisis.TruePositives >= lexicon.Crisis.TruePositives + moreCaught, $"engine {engine.Crisis.TruePositives}, lexicon {lexicon.Crisis.TruePositives}");
        Assert.True(engine.Fatalism.F1 > lexicon.Fatalism.F1 + higherFatalismF1, $"fatalism F1 {engine.Fatalism.F1:0.000}, lexicon {lexicon.Fatalism.F1:0.000}");
    }

    private static void AssertAtLeast(SetFigures figures, double fatalismPrecision, double fatalismRecall, double copingPrecision, double copingRecall)
    {
        Assert.True(figures.Fatalism.Precision >= fatalismPrecision, $"fatalism precision {figures.Fatalism.Precision:0.000}");
        Assert.True(figures.Fatalism.Recall >= fatalismRecall, $"fatalism recall {figures.Fatalism.Recall:0.000}");
        Assert.True(figures.Coping.Precision >= copingPrecision, $"coping precision {figures.Coping.Precision:0.000}");
        Assert.True(figures.Coping.Recall >= copingRecall, $"coping recall {figures.Coping.Recall:0.000}");
    }

    [Fact]
    public void Conversations_TenSpiralsAlerted_AtMostOneCalmConversationAlerted()
    {
        var results = SafetyEvaluation.MeasureConversations(
            Path.Combine(Folder, "2026-12-a-conversations.jsonl"), SemanticSafetyServiceCollectionExtensions.CreateClassifier(new SafetyOptions()));

        Assert.Equal(24, results.Count);
        Assert.True(results.Count(r => r.ExpectSpiral && r.Alerted) >= 10, string.Join(", ", results.Where(r => r.ExpectSpiral && !r.Alerted).Select(r => r.Id)));

        // c04: one hopeless line, then pushback ("when we pushed on the sleep room they fixed it in 2 weeks"), which the
        // model trained with set e read as fatalistic (0.64), and a "hangry" the models read as crisis: alerted by some
        // models, as by one before the second-level decision. No other calm conversation may be.
        var calmAlerted = results.Where(r => !r.ExpectSpiral && r.Alerted).Select(r => r.Id).ToList();
        Assert.True(calmAlerted.Count == 0 || calmAlerted.SequenceEqual(["c04"]), string.Join(", ", calmAlerted));
    }
}
