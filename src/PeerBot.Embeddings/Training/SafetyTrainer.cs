using System.Globalization;
using System.Text;
using PeerBot.Core.Safety;
using PeerBot.Core.Safety.Semantic;

namespace PeerBot.Embeddings.Training;

/// <summary>
/// Trains the safety heads from the labelled corpus: embeds every message, adds the lexicon's findings, fits one
/// logistic regression per label, and chooses each threshold on out-of-fold scores of a five-fold cross-validation
/// (fatalism and coping: best F1; crisis: the highest threshold that still catches <see cref="CrisisRecallTarget"/> of
/// the crisis messages). Deterministic: folds come from the ids, the fit is Newton's method in a fixed order.
/// </summary>
public static class SafetyTrainer
{
    /// <summary>The share of crisis messages the crisis threshold must catch out of fold.</summary>
    public const double CrisisRecallTarget = 0.98;

    private const int Folds = 5;
    private const double Ridge = 0.5;
    private const int ExamplesPerLabel = 400;

    /// <summary>Trains a model from <paramref name="corpus"/>.</summary>
    /// <param name="corpus">The labelled messages.</param>
    /// <param name="encoder">The sentence encoder the live engine uses.</param>
    /// <param name="log">Progress and figures, or null.</param>
    public static SafetyModel Train(IReadOnlyList<LabelledMessage> corpus, ISentenceEncoder encoder, TextWriter? log = null)
    {
        ArgumentNullException.ThrowIfNull(corpus);
        ArgumentNullException.ThrowIfNull(encoder);
        var messages = corpus.OrderBy(m => m.Id, StringComparer.Ordinal).ToList();
        log?.WriteLine(Invariant($"{messages.Count} messages: {messages.Count(m => m.Fatalistic)} fatalistic, {messages.Count(m => m.Crisis)} crisis, {messages.Count(m => m.Coping)} coping"));

        var lexicon = new RuleBasedClassifier();
        var embeddings = encoder.Encode(messages.Select(m => m.Text).ToList());
        var rows = new List<float[]>(messages.Count);
        for (var i = 0; i < messages.Count; i++)
        {
            rows.Add(SafetyFeatures.Build(embeddings[i], lexicon.Classify(messages[i].Text)));
        }

        var folds = messages.Select(m => (int)(StableHash(m.Id) % Folds)).ToArray();
        var figures = new Dictionary<string, double>(StringComparer.Ordinal);
        // Fatalism is learned and judged on the messages that are not crisis talk: a crisis message goes to a professional
        // whatever its fatalism, and corpora disagree on whether "I want it all to end" is also fatalistic.
        var calm = Enumerable.Range(0, messages.Count).Where(i => !messages[i].Crisis).ToList();
        var fatalism = TrainHead(
            "fatalism", calm.Select(i => rows[i]).ToList(), calm.Select(i => messages[i].Fatalistic).ToList(), calm.Select(i => folds[i]).ToArray(), ThresholdRule.BestF1, figures, log);
        var crisis = TrainHead("crisis", rows, messages.Select(m => m.Crisis).ToList(), folds, ThresholdRule.Recall, figures, log);
        var coping = TrainHead("coping", rows, messages.Select(m => m.Coping).ToList(), folds, ThresholdRule.BestF1, figures, log);

        var examples = new List<SafetyExample>();
        var vectors = new List<float[]>();
        foreach (var (label, select) in new (string, Func<LabelledMessage, bool>)[] { ("fatalism", m => m.Fatalistic), ("crisis", m => m.Crisis), ("coping", m => m.Coping) })
        {
            var positives = Enumerable.Range(0, messages.Count).Where(i => select(messages[i])).ToList();
            var step = Math.Max(1.0, positives.Count / (double)ExamplesPerLabel);
            for (var k = 0.0; (int)k < positives.Count; k += step)
            {
                var i = positives[(int)k];
                examples.Add(new SafetyExample(messages[i].Text, label));
                vectors.Add(embeddings[i]);
            }
        }

        return new SafetyModel
        {
            EncoderModel = encoder.ModelName,
            Dimensions = encoder.Dimensions,
            CorpusSha256 = LabelledCorpus.Fingerprint(messages),
            TrainingMessages = messages.Count,
            Fatalism = fatalism,
            Crisis = crisis,
            Coping = coping,
            CrossValidation = figures,
            Examples = examples,
            ExampleVectors = SafetyModel.QuantizeVectors(vectors),
        };
    }

    private enum ThresholdRule
    {
        BestF1,
        Recall,
    }

    private static SafetyHead TrainHead(
        string name, List<float[]> rows, List<bool> labels, int[] folds, ThresholdRule rule, Dictionary<string, double> figures, TextWriter? log)
    {
        var positives = labels.Count(l => l);
        var positiveWeight = positives == 0 ? 1 : (labels.Count - positives) / (double)positives;
        var outOfFold = new double[rows.Count];
        for (var fold = 0; fold < Folds; fold++)
        {
            var trainRows = new List<float[]>();
            var trainLabels = new List<bool>();
            for (var i = 0; i < rows.Count; i++)
            {
                if (folds[i] != fold)
                {
                    trainRows.Add(rows[i]);
                    trainLabels.Add(labels[i]);
                }
            }

            var (weights, bias) = LogisticRegression.Fit(trainRows, trainLabels, Ridge, positiveWeight);
            var head = new SafetyHead { Weights = weights.Select(w => (float)w).ToArray(), Bias = bias };
            for (var i = 0; i < rows.Count; i++)
            {
                if (folds[i] == fold)
                {
                    outOfFold[i] = head.Score(rows[i]);
                }
            }
        }

        var threshold = rule == ThresholdRule.BestF1 ? BestF1Threshold(outOfFold, labels) : RecallThreshold(outOfFold, labels, CrisisRecallTarget);
        threshold = Math.Round(threshold, 4, MidpointRounding.AwayFromZero);
        int tp = 0, fp = 0, fn = 0, negatives = 0;
        for (var i = 0; i < rows.Count; i++)
        {
            var predicted = outOfFold[i] >= threshold;
            tp += predicted && labels[i] ? 1 : 0;
            fp += predicted && !labels[i] ? 1 : 0;
            fn += !predicted && labels[i] ? 1 : 0;
            negatives += labels[i] ? 0 : 1;
        }

        var precision = tp + fp == 0 ? 0 : tp / (double)(tp + fp);
        var recall = tp + fn == 0 ? 0 : tp / (double)(tp + fn);
        figures[name + "-threshold"] = threshold;
        figures[name + "-precision"] = Math.Round(precision, 4);
        figures[name + "-recall"] = Math.Round(recall, 4);
        figures[name + "-false-positive-rate"] = Math.Round(negatives == 0 ? 0 : fp / (double)negatives, 4);
        log?.WriteLine(Invariant($"{name}: threshold {threshold:0.0000}, out of fold precision {precision:0.000} recall {recall:0.000} ({tp} caught, {fn} missed, {fp} of {negatives} negatives flagged)"));

        var (finalWeights, finalBias) = LogisticRegression.Fit(rows, labels, Ridge, positiveWeight);
        return new SafetyHead { Weights = finalWeights.Select(w => (float)w).ToArray(), Bias = Math.Round(finalBias, 6), Threshold = threshold };
    }

    private static double BestF1Threshold(double[] scores, List<bool> labels)
    {
        var best = 0.5;
        var bestF1 = -1.0;
        for (var t = 0.05; t < 0.96; t += 0.01)
        {
            int tp = 0, fp = 0, fn = 0;
            for (var i = 0; i < scores.Length; i++)
            {
                var predicted = scores[i] >= t;
                tp += predicted && labels[i] ? 1 : 0;
                fp += predicted && !labels[i] ? 1 : 0;
                fn += !predicted && labels[i] ? 1 : 0;
            }

            var f1 = tp == 0 ? 0 : 2.0 * tp / ((2.0 * tp) + fp + fn);
            if (f1 > bestF1)
            {
                bestF1 = f1;
                best = t;
            }
        }

        return best;
    }

    private static double RecallThreshold(double[] scores, List<bool> labels, double target)
    {
        var positives = Enumerable.Range(0, scores.Length).Where(i => labels[i]).Select(i => scores[i]).OrderByDescending(s => s).ToList();
        if (positives.Count == 0)
        {
            return 0.5;
        }

        var needed = (int)Math.Ceiling(target * positives.Count);
        return Math.Min(0.5, positives[Math.Clamp(needed - 1, 0, positives.Count - 1)]);
    }

    private static uint StableHash(string id)
    {
        var hash = 2166136261u;
        foreach (var b in Encoding.UTF8.GetBytes(id))
        {
            hash = unchecked((hash ^ b) * 16777619u);
        }

        return hash;
    }

    private static string Invariant(FormattableString text) => text.ToString(CultureInfo.InvariantCulture);
}
