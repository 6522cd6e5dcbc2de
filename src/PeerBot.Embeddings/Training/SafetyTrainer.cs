using System.Globalization;
using System.Text;
using PeerBot.Core.Safety;
using PeerBot.Core.Safety.Semantic;

namespace PeerBot.Embeddings.Training;

/// <summary>
/// Trains the safety heads from the labelled corpus: embeds every message, adds the lexicon's findings, fits one
/// logistic regression per label, and chooses each threshold on out-of-fold scores of a five-fold cross-validation
/// (fatalism and coping: best F1). Crisis is decided one level up: a small logistic regression over the crisis head's
/// out-of-fold scores (whole message and most alarming sentence), the lexicon's crisis flag and a naive-Bayes word score
/// fitted on the other folds. It confirms or overrules what the crisis head proposes, on the whole message or on one of
/// its sentences, at its own threshold (chosen to catch
/// <see cref="CrisisHeadRecallTarget"/> of the crisis messages out of fold), and its threshold is the highest at which the
/// two together, with the lexicon, still catch <see cref="CrisisRecallTarget"/> of them; below a floor it also overrules
/// the lexicon. Fatalism and coping are decided one level up in the same way (the head on the message and its sentences,
/// the other heads, the lexicon's flag, a word score; thresholds the best F1 out of fold). Deterministic: folds come from
/// the ids, the fits are Newton's method in a fixed order.
/// </summary>
public static class SafetyTrainer
{
    /// <summary>The share of crisis messages the crisis threshold must catch out of fold.</summary>
    public const double CrisisRecallTarget = 0.955;

    /// <summary>
    /// The share of crisis messages the crisis head's own threshold catches out of fold: a message the head scores below
    /// it is never crisis (unless the lexicon says so), whatever the crisis decision says.
    /// </summary>
    public const double CrisisHeadRecallTarget = 0.97;

    private const int Folds = 5;
    private const double Ridge = 0.5;
    private const double DecisionRidge = 1.0;

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
        // Each message with its sentences and clauses, encoded in one call as the live engine encodes them.
        var sentenceRanges = messages.Select(m => SafetyFeatures.SentenceRanges(m.Text)).ToList();
        var encoded = encoder.EncodeWithParts(messages.Select(m => m.Text).ToList(), sentenceRanges);
        var embeddings = encoded.Select(e => e.Embedding).ToList();
        var lexical = messages.Select(m => lexicon.Classify(m.Text)).ToList();
        var examples = messages.Select(m => new SafetyExample(m.Text, m.Fatalistic, m.Crisis, m.Coping)).ToList();

        // Every message is also a reference example, as the model stores it (8-bit); similarities are computed once.
        var dimensions = encoder.Dimensions;
        var stored = embeddings.SelectMany(SafetyModel.Stored).ToArray();
        var similarities = SafetyModel.Similarities(embeddings, stored, dimensions);
        var labelBits = SafetyModel.LabelBits(examples);

        var folds = messages.Select(m => (int)(StableHash(FoldKey(m.Id)) % Folds)).ToArray();

        // Features of message i with the references of the given folds (never i itself, as a new message is never its own
        // neighbour): fold -1 uses every other message, as the final model does.
        float[] Features(int i, int heldOutFold) =>
            SafetyFeatures.Build(embeddings[i], lexical[i], SafetyModel.NeighboursFromSimilarities(
                similarities[i], labelBits, j => j == i || (heldOutFold >= 0 && folds[j] == heldOutFold)));

        var finalRows = Enumerable.Range(0, messages.Count).Select(i => Features(i, -1)).ToList();
        var foldRows = Enumerable.Range(0, Folds).Select(f => Enumerable.Range(0, messages.Count).Select(i => Features(i, f)).ToList()).ToList();

        var figures = new Dictionary<string, double>(StringComparer.Ordinal);

        // Fatalism is learned and judged on the messages that are not crisis talk: a crisis message goes to a professional
        // whatever its fatalism, and corpora disagree on whether "I want it all to end" is also fatalistic.
        var calm = Enumerable.Range(0, messages.Count).Where(i => !messages[i].Crisis).ToList();
        var all = Enumerable.Range(0, messages.Count).ToList();
        var (fatalism, fatalismFoldHeads, _) = TrainHead("fatalism-head", calm, i => messages[i].Fatalistic, folds, finalRows, foldRows, ThresholdRule.BestF1, figures, log);
        var (crisis, crisisFoldHeads, _) = TrainHead("crisis-head", all, i => messages[i].Crisis, folds, finalRows, foldRows, ThresholdRule.Recall, figures, log, i => lexical[i].Crisis, recallTarget: CrisisHeadRecallTarget);
        var (coping, copingFoldHeads, _) = TrainHead("coping-head", all, i => messages[i].Coping, folds, finalRows, foldRows, ThresholdRule.BestF1, figures, log);
        SafetyHead[][] foldHeads = [crisisFoldHeads, copingFoldHeads, fatalismFoldHeads];

        // The crisis decision's inputs, out of fold: the fold's heads on the message and on each of its sentences (neighbours
        // from the other folds, as for the message itself) and word scores counted on the other folds.
        var sentenceTexts = messages.Select((m, i) => sentenceRanges[i].Select(r => m.Text[r]).ToList()).ToList();
        // Per message: the whole message's and its sentences' highest out-of-fold scores of the crisis, coping and
        // fatalism heads (the fatalism head scores crisis messages too, here, as it does live).
        var whole = new double[3][];
        var sentence = new double[3][];
        for (var h = 0; h < 3; h++)
        {
            var heads = foldHeads[h];
            whole[h] = all.Select(i => heads[folds[i]].Score(foldRows[folds[i]][i])).ToArray();
            sentence[h] = (double[])whole[h].Clone();
        }

        for (var i = 0; i < messages.Count; i++)
        {
            if (sentenceTexts[i].Count > 0)
            {
                for (var h = 0; h < 3; h++)
                {
                    sentence[h][i] = double.MinValue;
                }
            }

            var partSimilarities = SafetyModel.Similarities(encoded[i].Parts, stored, dimensions);
            for (var p = 0; p < sentenceTexts[i].Count; p++)
            {
                var e = encoded[i].Parts[p];
                var fold = folds[i];
                var row = SafetyFeatures.Build(e, lexicon.Classify(sentenceTexts[i][p]), SafetyModel.NeighboursFromSimilarities(
                    partSimilarities[p], labelBits, j => j == i || folds[j] == fold));
                for (var h = 0; h < 3; h++)
                {
                    sentence[h][i] = Math.Max(sentence[h][i], foldHeads[h][fold].Score(row));
                }
            }
        }

        var grams = messages.Select(m => SafetyFeatures.WordGrams(m.Text)).ToList();

        var foldWords = Enumerable.Range(0, Folds).Select(f => WordRatios(all.Where(i => folds[i] != f), grams, i => messages[i].Crisis)).ToArray();
        var decisionRows = all.Select(i => SafetyFeatures.CrisisDecision(
            whole[0][i], lexical[i].Crisis, SafetyModel.WordScore(grams[i], foldWords[folds[i]]), sentence[0][i], sentence[1][i], sentence[2][i])).ToList();
        // The decision only ever confirms what the head proposes at its own threshold, on the whole message or on one of its
        // sentences (a message whose words the corpus does not know must not be called crisis on the decision's intercept
        // alone).
        var proposedByHead = all.Select(i => Math.Max(whole[0][i], sentence[0][i]) >= crisis.Threshold).ToArray();
        var (crisisDecision, _, decisionOutOfFold) = TrainHead(
            "crisis", all, i => messages[i].Crisis, folds, decisionRows, Enumerable.Repeat(decisionRows, Folds).ToList(), ThresholdRule.Recall, figures, log,
            i => lexical[i].Crisis, DecisionRidge, 30, CrisisRecallTarget, i => proposedByHead[i]);

        // The lexicon's crisis phrases decide on their own unless the decision reads the message as far from crisis:
        // below half the lowest out-of-fold score of any crisis message the lexicon caught (a screening question or a
        // patient's words said as work). No crisis message the lexicon catches in the corpus falls below it, so the
        // threshold above, chosen with them counted as caught, stands.
        var lexiconCaught = all.Where(i => lexical[i].Crisis && messages[i].Crisis && proposedByHead[i]).Select(i => decisionOutOfFold[i]).DefaultIfEmpty(0).Min();
        var lexiconFloor = Math.Floor(lexiconCaught / 2 * 100) / 100;
        ReportCrisis(all.Select(i => lexical[i].Crisis && (!proposedByHead[i] || decisionOutOfFold[i] >= lexiconFloor)).ToList(),
            all.Select(i => proposedByHead[i] && decisionOutOfFold[i] >= crisisDecision.Threshold).ToList(), all.Select(i => messages[i].Crisis).ToList(), lexiconFloor, figures, log);
        var crisisWords = WordRatios(all, grams, i => messages[i].Crisis).ToDictionary(p => p.Key, p => Math.Round(p.Value, 3), StringComparer.Ordinal);

        // Fatalism and coping are decided one level up too, on the same out-of-fold readings: each head's score on the
        // whole message and its highest over the sentences, the other heads', the lexicon's flag (fatalism) and a word
        // score of the label counted on the other folds. Fatalism is learned on the messages that are not crisis talk, as
        // its head.
        var fatalismFoldWords = Enumerable.Range(0, Folds).Select(f => WordRatios(calm.Where(i => folds[i] != f), grams, i => messages[i].Fatalistic)).ToArray();
        var fatalismRows = all.Select(i => SafetyFeatures.FatalismDecision(
            whole[2][i], sentence[2][i], whole[1][i], whole[0][i], lexical[i].Fatalistic, SafetyModel.WordScore(grams[i], fatalismFoldWords[folds[i]]))).ToList();
        var fatalismDecision = TrainHead(
            "fatalism", calm, i => messages[i].Fatalistic, folds, fatalismRows, Enumerable.Repeat(fatalismRows, Folds).ToList(), ThresholdRule.BestF1, figures, log,
            ridge: DecisionRidge, iterations: 30).Head;
        var fatalismWords = WordRatios(calm, grams, i => messages[i].Fatalistic).ToDictionary(p => p.Key, p => Math.Round(p.Value, 3), StringComparer.Ordinal);

        var copingFoldWords = Enumerable.Range(0, Folds).Select(f => WordRatios(all.Where(i => folds[i] != f), grams, i => messages[i].Coping)).ToArray();
        var copingRows = all.Select(i => SafetyFeatures.CopingDecision(
            whole[1][i], sentence[1][i], whole[2][i], whole[0][i], SafetyModel.WordScore(grams[i], copingFoldWords[folds[i]]))).ToList();
        var copingDecision = TrainHead(
            "coping", all, i => messages[i].Coping, folds, copingRows, Enumerable.Repeat(copingRows, Folds).ToList(), ThresholdRule.BestF1, figures, log,
            ridge: DecisionRidge, iterations: 30).Head;
        var copingWords = WordRatios(all, grams, i => messages[i].Coping).ToDictionary(p => p.Key, p => Math.Round(p.Value, 3), StringComparer.Ordinal);

        return new SafetyModel
        {
            EncoderModel = encoder.ModelName,
            Dimensions = encoder.Dimensions,
            CorpusSha256 = LabelledCorpus.Fingerprint(messages),
            TrainingMessages = messages.Count,
            Fatalism = fatalism,
            Crisis = crisis,
            CrisisDecision = crisisDecision,
            CrisisLexiconFloor = lexiconFloor,
            CrisisWords = crisisWords,
            Coping = coping,
            FatalismDecision = fatalismDecision,
            FatalismWords = fatalismWords,
            CopingDecision = copingDecision,
            CopingWords = copingWords,
            CrossValidation = figures,
            Examples = examples,
            ExampleVectors = SafetyModel.QuantizeVectors(embeddings),
        };
    }

    private enum ThresholdRule
    {
        BestF1,
        Recall,
    }

    /// <summary>
    /// Naive-Bayes log-count ratios of the words and word pairs of the given messages: log of a gram's share among the
    /// crisis messages' grams over its share among the others', each count plus one. In ordinal order, so the same
    /// messages give the same numbers.
    /// </summary>
    private static Dictionary<string, double> WordRatios(IEnumerable<int> messages, List<IReadOnlyList<string>> grams, Func<int, bool> label)
    {
        var positive = new Dictionary<string, int>(StringComparer.Ordinal);
        var negative = new Dictionary<string, int>(StringComparer.Ordinal);
        foreach (var i in messages)
        {
            var counts = label(i) ? positive : negative;
            foreach (var gram in grams[i])
            {
                counts[gram] = counts.GetValueOrDefault(gram) + 1;
            }
        }

        var keys = positive.Keys.Union(negative.Keys).OrderBy(k => k, StringComparer.Ordinal).ToList();
        double positiveTotal = 0, negativeTotal = 0;
        foreach (var key in keys)
        {
            positiveTotal += positive.GetValueOrDefault(key) + 1;
            negativeTotal += negative.GetValueOrDefault(key) + 1;
        }

        var ratios = new Dictionary<string, double>(keys.Count, StringComparer.Ordinal);
        foreach (var key in keys)
        {
            ratios[key] = Math.Log((positive.GetValueOrDefault(key) + 1) / positiveTotal) - Math.Log((negative.GetValueOrDefault(key) + 1) / negativeTotal);
        }

        return ratios;
    }

    private static (SafetyHead Head, SafetyHead[] FoldHeads, double[] OutOfFold) TrainHead(
        string name,
        List<int> subset,
        Func<int, bool> label,
        int[] folds,
        List<float[]> finalRows,
        List<List<float[]>> foldRows,
        ThresholdRule rule,
        Dictionary<string, double> figures,
        TextWriter? log,
        Func<int, bool>? decidedAlready = null,
        double ridge = Ridge,
        int iterations = 12,
        double recallTarget = CrisisRecallTarget,
        Func<int, bool>? proposed = null)
    {
        var labels = subset.Select(label).ToList();
        var positives = labels.Count(l => l);
        var positiveWeight = positives == 0 ? 1 : (labels.Count - positives) / (double)positives;
        var outOfFold = new double[subset.Count];
        var foldHeads = new SafetyHead[Folds];
        for (var fold = 0; fold < Folds; fold++)
        {
            var trainRows = new List<float[]>();
            var trainLabels = new List<bool>();
            for (var k = 0; k < subset.Count; k++)
            {
                if (folds[subset[k]] != fold)
                {
                    trainRows.Add(foldRows[fold][subset[k]]);
                    trainLabels.Add(labels[k]);
                }
            }

            var (weights, bias) = LogisticRegression.Fit(trainRows, trainLabels, ridge, positiveWeight, iterations);
            var head = new SafetyHead { Weights = weights.Select(w => (float)w).ToArray(), Bias = bias };
            foldHeads[fold] = head;
            for (var k = 0; k < subset.Count; k++)
            {
                if (folds[subset[k]] == fold)
                {
                    outOfFold[k] = head.Score(foldRows[fold][subset[k]]);
                }
            }
        }

        var already = subset.Select(i => decidedAlready?.Invoke(i) ?? false).ToList();
        var eligible = subset.Select(i => proposed?.Invoke(i) ?? true).ToList();
        var threshold = rule == ThresholdRule.BestF1 ? BestF1Threshold(outOfFold, labels) : RecallThreshold(outOfFold, labels, already, eligible, recallTarget);
        threshold = Math.Round(threshold, 4, MidpointRounding.AwayFromZero);
        figures[name + "-threshold"] = threshold;
        Report(
            name, Invariant($"{name}: threshold {threshold:0.0000},"),
            Enumerable.Range(0, subset.Count).Select(k => already[k] || (eligible[k] && outOfFold[k] >= threshold)).ToList(), labels, figures, log);

        var (finalWeights, finalBias) = LogisticRegression.Fit(subset.Select(i => finalRows[i]).ToList(), labels, ridge, positiveWeight, iterations);
        return (new SafetyHead { Weights = finalWeights.Select(w => (float)w).ToArray(), Bias = Math.Round(finalBias, 6), Threshold = threshold }, foldHeads, outOfFold);
    }

    /// <summary>
    /// The crisis figures out of fold as the live engine decides: the lexicon's phrases (unless the decision overrules
    /// them, below <paramref name="lexiconFloor"/>) or the decision at its threshold.
    /// </summary>
    private static void ReportCrisis(List<bool> byLexicon, List<bool> byDecision, List<bool> labels, double lexiconFloor, Dictionary<string, double> figures, TextWriter? log)
    {
        figures["crisis-lexicon-floor"] = lexiconFloor;
        Report(
            "crisis", Invariant($"crisis with the lexicon floor {lexiconFloor:0.00}:"),
            Enumerable.Range(0, labels.Count).Select(k => byLexicon[k] || byDecision[k]).ToList(), labels, figures, log);
    }

    /// <summary>Records and logs the out-of-fold precision, recall and false positive rate of the given calls.</summary>
    private static void Report(string name, string heading, List<bool> predicted, List<bool> labels, Dictionary<string, double> figures, TextWriter? log)
    {
        int tp = 0, fp = 0, fn = 0, negatives = 0;
        for (var k = 0; k < labels.Count; k++)
        {
            tp += predicted[k] && labels[k] ? 1 : 0;
            fp += predicted[k] && !labels[k] ? 1 : 0;
            fn += !predicted[k] && labels[k] ? 1 : 0;
            negatives += labels[k] ? 0 : 1;
        }

        var precision = tp + fp == 0 ? 0 : tp / (double)(tp + fp);
        var recall = tp + fn == 0 ? 0 : tp / (double)(tp + fn);
        figures[name + "-precision"] = Math.Round(precision, 4);
        figures[name + "-recall"] = Math.Round(recall, 4);
        figures[name + "-false-positive-rate"] = Math.Round(negatives == 0 ? 0 : fp / (double)negatives, 4);
        log?.WriteLine(Invariant($"{heading} out of fold precision {precision:0.000} recall {recall:0.000} ({tp} caught, {fn} missed, {fp} of {negatives} negatives flagged)"));
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

    /// <summary>
    /// The highest threshold at which the head, together with what already decides on its own (the lexicon's crisis
    /// phrases), catches <paramref name="target"/> of the positives out of fold; never above 0.5. Only the
    /// <paramref name="eligible"/> messages can be caught by the score.
    /// </summary>
    private static double RecallThreshold(double[] scores, List<bool> labels, List<bool> already, List<bool> eligible, double target)
    {
        var total = labels.Count(l => l);
        var caught = Enumerable.Range(0, scores.Length).Count(i => labels[i] && already[i]);
        var rest = Enumerable.Range(0, scores.Length).Where(i => labels[i] && !already[i] && eligible[i]).Select(i => scores[i]).OrderByDescending(s => s).ToList();
        var needed = (int)Math.Ceiling(target * total) - caught;
        if (rest.Count == 0 || needed <= 0)
        {
            return 0.5;
        }

        return Math.Min(0.5, rest[Math.Clamp(needed - 1, 0, rest.Count - 1)]);
    }

    /// <summary>
    /// Messages written as variants of one another (<c>ID~2</c>, <c>ID~3</c>, …) share a fold, so none is judged by a
    /// model that learned its twin.
    /// </summary>
    private static string FoldKey(string id)
    {
        var tilde = id.IndexOf('~', StringComparison.Ordinal);
        return tilde < 0 ? id : id[..tilde];
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
