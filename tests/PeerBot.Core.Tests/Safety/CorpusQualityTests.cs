using PeerBot.Core.Safety;
using Xunit.Abstractions;

namespace PeerBot.Core.Tests.Safety;

public sealed class CorpusQualityTests(ITestOutputHelper output)
{
    private readonly RuleBasedClassifier _classifier = new();

    [Fact]
    public void Corpus_Coverage_MeetsTheBrief()
    {
        var all = Corpus.Dev.Concat(Corpus.HeldOut).ToList();
        Assert.True(all.Count >= 400, $"{all.Count} messages");
        Assert.True(all.Count(m => Corpus.HardNegativeKinds.Contains(m.Kind)) >= 60);
        Assert.True(all.Count(m => m.Crisis) >= 40);
        foreach (var kind in new[] { "futility", "helplessness", "permanence", "resignation", "agreement", "ideation", "plan", "selfharm", "goodbye" }
                     .Concat(Corpus.HardNegativeKinds))
        {
            Assert.True(Corpus.HeldOut.Count(m => m.Kind == kind) >= 3, $"held-out has too few {kind}");
            Assert.True(Corpus.Dev.Count(m => m.Kind == kind) >= 3, $"dev has too few {kind}");
        }

        Assert.Empty(Corpus.Dev.Select(m => m.Text).Intersect(Corpus.HeldOut.Select(m => m.Text)));
        Assert.True(Corpus.Conversations.Count >= 20);
        Assert.True(Corpus.Conversations.Count(f => Path.GetFileName(f).StartsWith("spiral-", StringComparison.Ordinal)) >= 10);
    }

    [Fact]
    public void Classify_HeldOut_FatalismPrecisionAndRecallAsReported()
    {
        // docs/SAFETY.md reports 1.000 and 1.000 for the lexicon on its held-out set: the gate holds that, not less.
        var figures = QualityFigures.Measure(Corpus.HeldOut, _classifier.Classify);
        Assert.True(figures.Precision >= 0.995 && figures.Recall >= 0.995,
            $"P={figures.Precision:0.000} R={figures.Recall:0.000}\n" + string.Join("\n", figures.Misses));
    }

    [Fact]
    public void Classify_HeldOut_EveryCrisisCaughtAndFewFalseAlarms()
    {
        var figures = QualityFigures.Measure(Corpus.HeldOut, _classifier.Classify);
        Assert.True(figures.CrisisCaught == figures.CrisisMessages, string.Join("\n", figures.Misses));
        Assert.True(figures.NonCrisisCalledCrisis == 0, string.Join("\n", figures.Misses));
    }

    [Fact]
    public void Classify_Dev_AsReported()
    {
        var figures = QualityFigures.Measure(Corpus.Dev, _classifier.Classify);
        output.WriteLine($"dev: P={figures.Precision:0.000} R={figures.Recall:0.000} crisis {figures.CrisisCaught}/{figures.CrisisMessages} false crisis {figures.NonCrisisCalledCrisis}");
        foreach (var miss in figures.Misses)
        {
            output.WriteLine(miss);
        }

        Assert.True(
            // Reported: precision 1.000, recall 0.990, 51 of 51 crisis, none false.
            figures.Precision >= 0.995 && figures.Recall >= 0.985 && figures.CrisisCaught == figures.CrisisMessages
                && figures.NonCrisisCalledCrisis == 0,
            $"P={figures.Precision:0.000} R={figures.Recall:0.000} crisis {figures.CrisisCaught}/{figures.CrisisMessages} false crisis {figures.NonCrisisCalledCrisis}\n"
                + string.Join("\n", figures.Misses));
    }

    [Fact]
    public void Classify_EveryCorpusMessage_CarriesReasonsForEveryFlag()
    {
        foreach (var m in Corpus.Dev.Concat(Corpus.HeldOut))
        {
            var a = _classifier.Classify(m.Text);
            if (a.Fatalistic || a.Crisis)
            {
                Assert.NotEmpty(a.Reasons);
                Assert.InRange(a.Fatalism, 0, 1);
            }
        }
    }
}
