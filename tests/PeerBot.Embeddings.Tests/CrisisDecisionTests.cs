using PeerBot.Core.Safety;
using PeerBot.Core.Safety.Semantic;

namespace PeerBot.Embeddings.Tests;

/// <summary>
/// The crisis decision is the trained second level (<see cref="SafetyModel.CrisisDecision"/>) over what the crisis head
/// proposes: the message's words can overrule a confident head, one alarming sentence counts where the whole message
/// reads mild, and nothing the head does not propose is raised. Shown with a two-dimensional encoder and hand-set
/// weights, so each input's effect is plain.
/// </summary>
public sealed class CrisisDecisionTests
{
    private const int Width = 2 + SafetyFeatures.ExtraFeatureCount;

    [Fact]
    public void Words_OverruleAConfidentCrisisHead()
    {
        // The head alone says crisis for every message (probability 0.95 against a threshold of 0.5); the decision
        // follows the head unless the words say otherwise, and "sign out" says otherwise.
        var model = Model(
            crisisHead: Head(bias: 3),
            decision: Decision(headLogit: 1, words: 4),
            words: new() { ["sign out"] = -5 });
        var classifier = new SemanticClassifier(new RuleBasedClassifier(), new FakeEncoder(), model);

        var results = classifier.ClassifyMany(["who has sign out for 4B tonight", "my list is empty tonight"]);

        Assert.False(results[0].Crisis);
        Assert.True(results[1].Crisis);
        Assert.True(results[1].CrisisScore > 0.5);
    }

    [Fact]
    public void OneAlarmingClause_DecidesAmongWhatTheHeadProposes()
    {
        // The encoder places only the clause "kept the pills" where the head is alarmed; the whole messages read mild
        // (head probability 0.05, above the head's threshold of 0.01, so the head proposes both and the clause decides).
        var crisisHead = Head(bias: -3, second: 6, threshold: 0.01);
        var model = Model(crisisHead: crisisHead, decision: Decision(sentenceCrisisLogit: 1));
        var classifier = new SemanticClassifier(new RuleBasedClassifier(), new FakeEncoder("kept the pills"), model);

        var results = classifier.ClassifyMany(["long day, kept the pills", "long day, kept the receipts", "kept the pills"]);

        Assert.True(results[0].Crisis);
        Assert.False(results[1].Crisis);
        Assert.True(results[2].Crisis);
    }

    [Fact]
    public void MessageTheHeadDoesNotPropose_NeverCrisis_WhateverTheDecisionSays()
    {
        var model = Model(crisisHead: Head(bias: -3), decision: new SafetyHead { Weights = new float[6], Bias = 5, Threshold = 0.5 });
        var classifier = new SemanticClassifier(new RuleBasedClassifier(), new FakeEncoder(), model);

        var result = classifier.Classify("not started.");

        Assert.False(result.Crisis);
        Assert.True(result.CrisisScore < 0.5);
    }

    [Fact]
    public void AnAlarmingClause_ProposesAMessageWhoseWholeReadsMild()
    {
        // A crisis said in passing inside ordinary talk: the whole message reads mild (head probability 0.05, below the
        // head's threshold of 0.5), the clause "kept the pills" alarming (0.95). The clause proposes the message, and the
        // decision, reading the clause, confirms it; the same message with a harmless clause is not proposed.
        var encoder = new FakeEncoder("kept the pills");
        var model = Model(crisisHead: Head(bias: -3, second: 6), decision: Decision(sentenceCrisisLogit: 1));
        var classifier = new SemanticClassifier(new RuleBasedClassifier(), encoder, model);

        var results = classifier.ClassifyMany(["long day, kept the pills", "long day, kept the receipts"]);

        Assert.True(results[0].Crisis);
        Assert.True(results[0].CrisisScore >= 0.5);
        Assert.False(results[1].Crisis);
        Assert.True(results[1].CrisisScore < 0.5);
        Assert.Equal(["long day, kept the pills", "long day, kept the receipts", "long day,", "kept the pills", "long day,", "kept the receipts"], Assert.Single(encoder.Calls));
    }

    [Fact]
    public void LexiconPhrase_DecidesAlone_UnlessTheDecisionReadsItFarFromCrisis()
    {
        // Both messages carry a lexicon crisis phrase; the head proposes both, and the words of a screening read the
        // second as far from crisis (decision score about 0.06). Below the model's floor (0.2) the decision overrules the
        // lexicon; with no floor, as before it, the lexicon decides alone.
        const string plain = "i want to kill myself";
        const string screening = "i want to kill myself, she said during the screen";
        var lexicon = new RuleBasedClassifier();
        Assert.True(lexicon.Classify(plain).Crisis);
        Assert.True(lexicon.Classify(screening).Crisis);
        SafetyModel WithFloor(double floor) =>
            Model(crisisHead: Head(bias: 3), decision: Decision(headLogit: 1, words: 4), words: new() { ["screen"] = -5 }, lexiconFloor: floor);

        var withFloor = new SemanticClassifier(lexicon, new FakeEncoder(), WithFloor(0.2)).ClassifyMany([plain, screening]);
        var withoutFloor = new SemanticClassifier(lexicon, new FakeEncoder(), WithFloor(0)).ClassifyMany([plain, screening]);

        Assert.True(withFloor[0].Crisis);
        Assert.False(withFloor[1].Crisis);
        Assert.True(withFloor[1].CrisisScore < 0.5);
        Assert.True(withoutFloor[0].Crisis);
        Assert.True(withoutFloor[1].Crisis);
    }

    [Fact]
    public void FatalismAndCopingDecisions_WordsOverruleAConfidentHead()
    {
        // Both heads say yes to every message (0.95 against 0.5); each decision follows its head unless its words say
        // otherwise: "epic" speaks against fatalism, "gym" against coping.
        var model = Model(
            crisisHead: Head(bias: -5),
            decision: Decision(),
            fatalism: Head(bias: 3),
            coping: Head(bias: 3),
            fatalismDecision: new SafetyHead { Weights = [1, 0, 0, 0, 0, 4], Threshold = 0.5 },
            fatalismWords: new() { ["epic"] = -5 },
            copingDecision: new SafetyHead { Weights = [1, 0, 0, 0, 4], Threshold = 0.5 },
            copingWords: new() { ["gym"] = -5 });
        var classifier = new SemanticClassifier(new RuleBasedClassifier(), new FakeEncoder(), model);

        var results = classifier.ClassifyMany(["epic is down again", "gym after call", "same as ever"]);

        Assert.False(results[0].Fatalistic);
        Assert.True(results[0].Coping);
        Assert.True(results[1].Fatalistic);
        Assert.False(results[1].Coping);
        Assert.True(results[2].Fatalistic);
        Assert.True(results[2].Coping);
        Assert.Contains(results[2].Reasons, r => r.StartsWith("model fatalism", StringComparison.Ordinal));
    }

    [Fact]
    public void ModelWithoutFatalismOrCopingDecision_TheHeadsDecide()
    {
        // No FatalismDecision or CopingDecision (no weights), as in a model trained before they existed.
        var model = Model(crisisHead: Head(bias: -5), decision: Decision(), fatalism: Head(bias: 3), coping: Head(bias: -3));

        var result = new SemanticClassifier(new RuleBasedClassifier(), new FakeEncoder(), model).Classify("epic is down again");

        Assert.True(result.Fatalistic);
        Assert.False(result.Coping);
    }

    [Fact]
    public void SentenceRanges_WhereTheSentencesLie()
    {
        const string text = "long day,  kept the pills.\nbye ";

        var ranges = SafetyFeatures.SentenceRanges(text);

        Assert.Equal(["long day,", "kept the pills.", "bye"], ranges.Select(r => text[r]));
        Assert.Empty(SafetyFeatures.SentenceRanges("one thought"));
    }

    [Fact]
    public void Sentences_SplitAtSentenceAndClauseEnds_OnlyForMessagesOfSeveral()
    {
        Assert.Equal(["long day,", "kept the pills.", "bye"], SafetyFeatures.Sentences("long day, kept the pills.\nbye"));
        Assert.Equal(["fine", "just tired"], SafetyFeatures.Sentences("fine - just tired"));
        Assert.Empty(SafetyFeatures.Sentences("just one thought here"));
        Assert.Empty(SafetyFeatures.Sentences("ok. :)"));
    }

    [Theory]
    [InlineData(384)]
    [InlineData(13)]
    [InlineData(3)]
    public void Similarity_TheDotProduct_RemainderIncluded(int length)
    {
        var random = new Random(length);
        var a = Enumerable.Range(0, length).Select(_ => (float)(random.NextDouble() - 0.5)).ToArray();
        var b = Enumerable.Range(0, length).Select(_ => (float)(random.NextDouble() - 0.5)).ToArray();
        var expected = a.Zip(b).Sum(p => (double)p.First * p.Second);

        Assert.Equal(expected, SafetyModel.Similarity(a, b), 5);
        Assert.Equal(SafetyModel.Similarity(a, b), SafetyModel.Similarity(a.ToArray(), b.ToArray()));
        Assert.Throws<ArgumentException>(() => SafetyModel.Similarity(a, b.AsSpan(1)));
    }

    [Theory]
    [InlineData(1)]
    [InlineData(8)]
    [InlineData(21)]
    public void Similarities_InBlocks_TheSameBitsAsOneAtATime(int queries)
    {
        const int dimensions = 19;
        var random = new Random(queries);
        float[] Vector() => Enumerable.Range(0, dimensions).Select(_ => (float)(random.NextDouble() - 0.5)).ToArray();
        var stored = Enumerable.Range(0, 11).SelectMany(_ => Vector()).ToArray();
        var asked = Enumerable.Range(0, queries).Select(_ => Vector()).ToList();

        var blocked = SafetyModel.Similarities(asked, stored, dimensions);

        Assert.Equal(queries, blocked.Length);
        for (var q = 0; q < queries; q++)
        {
            var one = Enumerable.Range(0, 11).Select(e => SafetyModel.Similarity(asked[q], stored.AsSpan(e * dimensions, dimensions))).ToArray();
            Assert.Equal(one, blocked[q]);
        }

        Assert.Throws<ArgumentException>(() => SafetyModel.Similarities(asked, stored[1..], dimensions));
    }

    [Fact]
    public void NeighboursMany_TheSameFeaturesAsOneAtATime()
    {
        var model = SafetyModel.LoadBuiltIn();
        var random = new Random(7);
        var embeddings = Enumerable.Range(0, 12).Select(_ => Unit(Enumerable.Range(0, model.Dimensions).Select(_ => (float)(random.NextDouble() - 0.5)).ToArray())).ToList();

        var many = model.NeighboursMany(embeddings);

        Assert.Equal(embeddings.Count, many.Count);
        for (var i = 0; i < embeddings.Count; i++)
        {
            Assert.Equal(model.Neighbours(embeddings[i]), many[i]);
        }

        // The positive and negative neighbourhoods of each label differ, and each difference is their difference.
        Assert.All(many, f => Assert.Equal(f[0] - f[1], f[2]));
    }

    [Fact]
    public void NeighboursFromSimilarities_TheClosestOfEachSideOfEachLabel()
    {
        // Labels as bits: 1 fatalism, 2 crisis, 4 coping.
        var labels = SafetyModel.LabelBits([
            new SafetyExample("a", Fatalistic: true, Crisis: false, Coping: false),
            new SafetyExample("b", Fatalistic: false, Crisis: true, Coping: true),
            new SafetyExample("c", Fatalistic: false, Crisis: false, Coping: false),
        ]);
        Assert.Equal(new byte[] { 1, 6, 0 }, labels);

        var features = SafetyModel.NeighboursFromSimilarities([0.9f, 0.6f, 0.3f], labels);

        // Fatalism: with it, only "a" (0.9); without it, "b" and "c" (mean 0.45).
        Assert.Equal(0.9f, features[0]);
        Assert.Equal(0.45f, features[1], 5);
        // Crisis: with it, only "b" (0.6); without it, "a" and "c" (mean 0.6).
        Assert.Equal(0.6f, features[3]);
        Assert.Equal(0.6f, features[4], 5);
        Assert.Throws<ArgumentException>(() => SafetyModel.NeighboursFromSimilarities([0.9f, 0.6f], labels));
    }

    [Fact]
    public void WordGrams_DistinctWordsAndPairs_ApostrophesDropped()
    {
        Assert.Equal(["im", "done", "im done", "done done"], SafetyFeatures.WordGrams("I'm done, DONE"));
        Assert.Equal(
            -3 / Math.Sqrt(3),
            SafetyModel.WordScore(SafetyFeatures.WordGrams("sign out"), new Dictionary<string, double> { ["sign out"] = -5, ["sign"] = 2 }),
            6);
    }

    private static SafetyHead Head(double bias, float second = 0, double threshold = 0.5)
    {
        var weights = new float[Width];
        weights[1] = second;
        return new SafetyHead { Weights = weights, Bias = bias, Threshold = threshold };
    }

    private static SafetyHead Decision(float headLogit = 0, float words = 0, float sentenceCrisisLogit = 0) =>
        new() { Weights = [headLogit, 0, words, sentenceCrisisLogit, 0, 0], Bias = 0, Threshold = 0.5 };

    private static SafetyModel Model(
        SafetyHead crisisHead,
        SafetyHead decision,
        Dictionary<string, double>? words = null,
        double lexiconFloor = 0,
        SafetyHead? fatalism = null,
        SafetyHead? coping = null,
        SafetyHead? fatalismDecision = null,
        Dictionary<string, double>? fatalismWords = null,
        SafetyHead? copingDecision = null,
        Dictionary<string, double>? copingWords = null) => new()
    {
        EncoderModel = FakeEncoder.Name,
        Dimensions = 2,
        Fatalism = fatalism ?? Head(bias: -5),
        Coping = coping ?? Head(bias: -5),
        Crisis = crisisHead,
        CrisisDecision = decision,
        CrisisWords = words ?? [],
        CrisisLexiconFloor = lexiconFloor,
        FatalismDecision = fatalismDecision ?? new(),
        FatalismWords = fatalismWords ?? [],
        CopingDecision = copingDecision ?? new(),
        CopingWords = copingWords ?? [],
    };

    /// <summary>Every text at (1, 0), except the given ones at (0, 1).</summary>
    private sealed class FakeEncoder(params string[] alarming) : ISentenceEncoder
    {
        public const string Name = "fake";

        public int Dimensions => 2;

        public string ModelName => Name;

        /// <summary>The texts of each call, in order.</summary>
        public List<string[]> Calls { get; } = [];

        public IReadOnlyList<float[]> Encode(IReadOnlyList<string> texts)
        {
            Calls.Add([.. texts]);
            return texts.Select(t => alarming.Contains(t, StringComparer.Ordinal) ? new float[] { 0, 1 } : [1, 0]).ToList();
        }
    }

    private static float[] Unit(float[] v)
    {
        var norm = (float)Math.Sqrt(v.Sum(x => (double)x * x));
        return v.Select(x => x / norm).ToArray();
    }
}
