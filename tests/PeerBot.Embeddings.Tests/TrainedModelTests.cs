using PeerBot.Core.Safety.Semantic;
using PeerBot.Embeddings.Training;

namespace PeerBot.Embeddings.Tests;

/// <summary>The committed heads are exactly what the trainer makes from the committed corpus.</summary>
public sealed class TrainedModelTests
{
    [Fact]
    public void CommittedModel_IsWhatTheTrainerProducesFromTheCommittedCorpus()
    {
        var corpus = LabelledCorpus.ReadFolder(Path.Combine(AppContext.BaseDirectory, "corpus", "train"));
        var committed = SafetyModel.LoadBuiltIn();

        Assert.Equal(LabelledCorpus.Fingerprint(corpus), committed.CorpusSha256);

        var trained = SafetyTrainer.Train(corpus, SharedEncoder.Instance);

        Assert.Equal(committed.TrainingMessages, trained.TrainingMessages);
        foreach (var (a, b) in new[] { (committed.Fatalism, trained.Fatalism), (committed.Crisis, trained.Crisis), (committed.Coping, trained.Coping), (committed.CrisisDecision, trained.CrisisDecision),
            (committed.FatalismDecision, trained.FatalismDecision), (committed.CopingDecision, trained.CopingDecision) })
        {
            // Thresholds are chosen on a 0.01 grid or from a training score: equal unless the arithmetic of another CPU
            // moved a score across one, which would show as a small difference.
            Assert.Equal(a.Threshold, b.Threshold, 2);
            Assert.Equal(a.Bias, b.Bias, 2);
            for (var i = 0; i < a.Weights.Length; i++)
            {
                Assert.True(Math.Abs(a.Weights[i] - b.Weights[i]) < 1e-2 + (1e-3 * Math.Abs(a.Weights[i])), $"weight {i}: {a.Weights[i]} vs {b.Weights[i]}");
            }
        }

        Assert.Equal(committed.CrisisLexiconFloor, trained.CrisisLexiconFloor, 2);
        Assert.True(committed.CrisisLexiconFloor > 0, "the lexicon floor was not trained");
        Assert.Equal(committed.Examples.Select(e => e.Text), trained.Examples.Select(e => e.Text));
        Assert.Equal(committed.CrisisWords, trained.CrisisWords);
        Assert.Equal(committed.FatalismWords, trained.FatalismWords);
        Assert.Equal(committed.CopingWords, trained.CopingWords);
        Assert.Equal(SafetyFeatures.FatalismDecisionFeatureNames.Count, committed.FatalismDecision.Weights.Length);
        Assert.Equal(SafetyFeatures.CopingDecisionFeatureNames.Count, committed.CopingDecision.Weights.Length);
    }

    [Fact]
    public void Corpus_CoversEveryLabelWithEnoughExamples()
    {
        var corpus = LabelledCorpus.ReadFolder(Path.Combine(AppContext.BaseDirectory, "corpus", "train"));

        // Floors at what the corpus holds today (5,161 messages, 1,092 crisis, 713 coping, 1,203 fatalistic; the goal was 3,000, 300 and 300):
        // a file lost or truncated fails here before it silently weakens the heads.
        Assert.True(corpus.Count >= 5150, $"{corpus.Count} messages");
        Assert.True(corpus.Count(m => m.Crisis) >= 1090, $"{corpus.Count(m => m.Crisis)} crisis");
        Assert.True(corpus.Count(m => m.Coping) >= 710, $"{corpus.Count(m => m.Coping)} coping");
        Assert.True(corpus.Count(m => m.Fatalistic) >= 1200, $"{corpus.Count(m => m.Fatalistic)} fatalistic");
        foreach (var kind in new[] { "passive-wish", "accident-wish", "burden", "active-ideation", "method", "intent", "plan", "preparatory", "self-harm",
            "alcohol", "drugs", "isolation", "numbing", "suppression", "neglect", "overwork", "risky",
            "futility", "helplessness", "permanence", "resignation", "system-opponent", "hopeless-self", "cynical-joke" })
        {
            Assert.True(corpus.Count(m => m.Kind == kind) >= 5, $"{kind}: {corpus.Count(m => m.Kind == kind)}");
        }

        var hardNegatives = corpus.Count(m => !m.Fatalistic && !m.Crisis && !m.Coping);
        Assert.True(hardNegatives >= 0.4 * corpus.Count, $"{hardNegatives} negatives of {corpus.Count}");
    }

    [Fact]
    public void Load_BrokenOrMismatchedModel_ClearError()
    {
        Assert.Throws<InvalidDataException>(() => SafetyModel.Load(new MemoryStream("{not json"u8.ToArray())));
        Assert.Throws<InvalidDataException>(() => SafetyModel.Load(new MemoryStream("""{"format":99}"""u8.ToArray())));
        Assert.Throws<InvalidDataException>(() => SafetyModel.Load(new MemoryStream("""{"format":3,"dimensions":384,"fatalism":{"weights":[1,2]}}"""u8.ToArray())));
    }

    [Fact]
    public void Load_VectorRowsThatDoNotMatchTheExamples_ClearError()
    {
        var saved = SaveToString(SafetyModel.LoadBuiltIn());
        var firstRow = ExampleVectorRows(saved)[0];

        // A row that is not base64, a row one byte short, and a row missing: each refused with a clear error.
        Assert.Throws<InvalidDataException>(() => Load(saved.Replace(firstRow, "not base64!")));
        Assert.Throws<InvalidDataException>(() => Load(saved.Replace(firstRow, Convert.ToBase64String(Convert.FromBase64String(firstRow)[1..]))));
        Assert.Throws<InvalidDataException>(() => Load(saved.Replace("\"" + firstRow + "\",", "")));

        // A fatalism or coping decision with the wrong number of weights.
        Assert.Throws<InvalidDataException>(() => Load(saved.Replace("\"fatalismDecision\": {\n  \"weights\": [\n", "\"fatalismDecision\": {\n  \"weights\": [\n   1,\n")));

        // The format before one row per example is refused by name.
        var error = Assert.Throws<InvalidDataException>(() => Load(saved.Replace("\"format\": 3", "\"format\": 2")));
        Assert.Contains("format", error.Message);
    }

    [Fact]
    public void Save_OneLinePerExampleVector_AndTheSameBytesAfterALoad()
    {
        var model = SafetyModel.LoadBuiltIn();
        var saved = SaveToString(model);

        // Each example's vector is a line of its own, so a retrain that adds examples adds lines instead of rewriting one.
        var rows = ExampleVectorRows(saved);
        Assert.Equal(model.Examples.Count, rows.Count);
        Assert.All(rows, row => Assert.Equal(model.Dimensions, Convert.FromBase64String(row).Length));

        var reloaded = Load(saved);
        Assert.Equal(saved, SaveToString(reloaded));
        Assert.True(model.Vectors.SequenceEqual(reloaded.Vectors));
    }

    private static SafetyModel Load(string json) => SafetyModel.Load(new MemoryStream(System.Text.Encoding.UTF8.GetBytes(json)));

    private static string SaveToString(SafetyModel model)
    {
        using var stream = new MemoryStream();
        model.Save(stream);
        return System.Text.Encoding.UTF8.GetString(stream.ToArray());
    }

    private static List<string> ExampleVectorRows(string saved)
    {
        var lines = saved.Split('\n');
        var start = Array.FindIndex(lines, l => l.Trim() == "\"exampleVectors\": [");
        Assert.True(start >= 0, "no exampleVectors array");
        return lines.Skip(start + 1).TakeWhile(l => l.Trim() != "]" && l.Trim() != "],").Select(l => l.Trim().TrimEnd(',').Trim('"')).ToList();
    }
}
