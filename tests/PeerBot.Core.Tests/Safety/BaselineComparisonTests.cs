using PeerBot.Core.Safety;
using Xunit.Abstractions;

namespace PeerBot.Core.Tests.Safety;

public sealed class BaselineComparisonTests(ITestOutputHelper output)
{
    [Fact]
    public void Measure_EngineAgainstSentimentBaseline_EngineClearlyBetterOnHeldOut()
    {
        var engine = QualityFigures.Measure(Corpus.HeldOut, new RuleBasedClassifier().Classify);
        var baseline = QualityFigures.Measure(Corpus.HeldOut, new NegativeSentimentBaseline().Classify);
        var devEngine = QualityFigures.Measure(Corpus.Dev, new RuleBasedClassifier().Classify);
        var devBaseline = QualityFigures.Measure(Corpus.Dev, new NegativeSentimentBaseline().Classify);
        var stressEngine = QualityFigures.Measure(Corpus.Stress, new RuleBasedClassifier().Classify);
        var stressBaseline = QualityFigures.Measure(Corpus.Stress, new NegativeSentimentBaseline().Classify);
        var stress2Engine = QualityFigures.Measure(Corpus.Stress2, new RuleBasedClassifier().Classify);
        var stress2Baseline = QualityFigures.Measure(Corpus.Stress2, new NegativeSentimentBaseline().Classify);
        foreach (var miss in stress2Engine.Misses)
        {
            output.WriteLine("stress2 engine: " + miss);
        }
        foreach (var miss in stressEngine.Misses)
        {
            output.WriteLine("stress engine: " + miss);
        }

        foreach (var (name, f) in new[]
                 {
                     ("held-out engine", engine), ("held-out baseline", baseline), ("dev engine", devEngine), ("dev baseline", devBaseline),
                     ("stress engine", stressEngine), ("stress baseline", stressBaseline),
                     ("stress2 engine", stress2Engine), ("stress2 baseline", stress2Baseline),
                 })
        {
            output.WriteLine(
                $"{name}: n={f.Messages} P={f.Precision:0.000} R={f.Recall:0.000} F1={f.F1:0.000} TP={f.FatalisticTruePositives} FP={f.FatalisticFalsePositives} FN={f.FatalisticFalseNegatives} crisis {f.CrisisCaught}/{f.CrisisMessages} false crisis {f.NonCrisisCalledCrisis}/{f.NonCrisisMessages}");
        }

        foreach (var kind in Corpus.HardNegativeKinds)
        {
            var items = Corpus.HeldOut.Concat(Corpus.Dev).Where(m => m.Kind == kind && !m.Crisis).ToList();
            var baselineFlags = items.Count(m => new NegativeSentimentBaseline().Classify(m.Text).Fatalistic);
            var engineFlags = items.Count(m => new RuleBasedClassifier().Classify(m.Text).Fatalistic);
            output.WriteLine($"hard negatives '{kind}' ({items.Count}): baseline flags {baselineFlags}, engine flags {engineFlags}");
        }

        foreach (var miss in engine.Misses)
        {
            output.WriteLine("held-out engine: " + miss);
        }

        Assert.True(engine.F1 > baseline.F1 + 0.2, $"engine F1 {engine.F1:0.000}, baseline F1 {baseline.F1:0.000}");
        Assert.True(baseline.FatalisticFalsePositives > 3 * Math.Max(1, engine.FatalisticFalsePositives));
    }
}
