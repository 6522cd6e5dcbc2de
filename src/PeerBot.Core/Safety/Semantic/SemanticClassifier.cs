using System.Globalization;

namespace PeerBot.Core.Safety.Semantic;

/// <summary>
/// The safety engine's decision: the lexicon (<see cref="RuleBasedClassifier"/>) and the trained heads over sentence
/// embeddings, combined. The heads see the lexicon's findings as features, so a lexicon phrase weighs in but a new
/// wording of an idea the lexicon lacks is still recognised. Each label is decided one level up from its head: a trained
/// decision weighs the heads' readings of the whole message and of its sentences and clauses, the lexicon's flag and the
/// message's words. Crisis is recall first: the lexicon's crisis phrases decide on their own (unless the crisis decision
/// reads the message as far from crisis, below a floor no crisis message the lexicon caught in the corpus came near: a
/// screening question, a patient's words said as work); otherwise the crisis head proposes, on the whole message or on
/// one of its sentences and clauses, and the crisis decision, its threshold chosen for recall, confirms or overrules.
/// Every flag's reasons name the lexicon phrases and/or the scores with the closest labelled examples ("close to: …").
/// </summary>
public sealed class SemanticClassifier : IMessageClassifier
{
    private const int ExampleLength = 70;

    private readonly RuleBasedClassifier _lexicon;
    private readonly ISentenceEncoder _encoder;
    private readonly SafetyModel _model;
    private readonly double _fatalismThreshold;

    /// <summary>Creates the classifier.</summary>
    /// <param name="lexicon">The lexicon.</param>
    /// <param name="encoder">The sentence encoder the model was trained on.</param>
    /// <param name="model">The trained heads.</param>
    /// <param name="fatalismThreshold">
    /// <c>Safety:FatalismThreshold</c>: the score from which a message is fatalistic. Scores are calibrated so that 0.5 is
    /// the head's trained threshold; a higher setting flags only messages the head is surer of.
    /// </param>
    /// <exception cref="InvalidOperationException">The model was trained on another encoder.</exception>
    public SemanticClassifier(RuleBasedClassifier lexicon, ISentenceEncoder encoder, SafetyModel model, double fatalismThreshold = 0.5)
    {
        ArgumentNullException.ThrowIfNull(lexicon);
        ArgumentNullException.ThrowIfNull(encoder);
        ArgumentNullException.ThrowIfNull(model);
        if (encoder.Dimensions != model.Dimensions || !string.Equals(encoder.ModelName, model.EncoderModel, StringComparison.Ordinal))
        {
            throw new InvalidOperationException(
                $"The safety model was trained on {model.EncoderModel} ({model.Dimensions} dimensions), not {encoder.ModelName} ({encoder.Dimensions}).");
        }

        _lexicon = lexicon;
        _encoder = encoder;
        _model = model;
        _fatalismThreshold = fatalismThreshold;
    }

    /// <summary>
    /// Maps a head's probability onto 0..1 so that its trained threshold becomes 0.5 (piecewise linear, order kept):
    /// scores of all three heads then read alike, and <c>FatalismThreshold</c> keeps its meaning.
    /// </summary>
    public static double Calibrate(double probability, double threshold)
    {
        if (threshold <= 0 || threshold >= 1)
        {
            return probability;
        }

        return probability < threshold
            ? 0.5 * probability / threshold
            : 0.5 + (0.5 * (probability - threshold) / (1 - threshold));
    }

    /// <inheritdoc />
    public MessageAssessment Classify(string text) => ClassifyMany([text])[0];

    /// <inheritdoc />
    public IReadOnlyList<MessageAssessment> ClassifyMany(IReadOnlyList<string> texts)
    {
        ArgumentNullException.ThrowIfNull(texts);

        // The messages and their sentences and clauses, encoded in one call (a clause can propose a message whose whole
        // reads mild: a crisis said in passing inside ordinary talk).
        var messages = texts.Select(t => t ?? "").ToList();
        var ranges = messages.Select(SafetyFeatures.SentenceRanges).ToList();
        var encoded = _encoder.EncodeWithParts(messages, ranges);

        // The nearest examples of every message and part, searched together (each stored example read once per block).
        var vectors = new List<float[]>(messages.Count);
        foreach (var item in encoded)
        {
            vectors.Add(item.Embedding);
            vectors.AddRange(item.Parts);
        }

        var neighbours = _model.NeighboursMany(vectors);
        var results = new MessageAssessment[messages.Count];
        var at = 0;
        for (var i = 0; i < messages.Count; i++)
        {
            var reading = Read(messages[i], _lexicon.Classify(messages[i]), encoded[i].Embedding, neighbours[at++]);
            var parts = new Part[ranges[i].Count];
            for (var p = 0; p < parts.Length; p++)
            {
                parts[p] = new Part(_lexicon.Classify(messages[i][ranges[i][p]]), encoded[i].Parts[p], neighbours[at++]);
            }

            results[i] = Decide(reading, parts);
        }

        return results;
    }

    /// <summary>
    /// The combined decision for one message, given its text, the lexicon's assessment and the message's embedding, and
    /// the same for each of its sentences (<see cref="SafetyFeatures.Sentences"/>; none for a message of one).
    /// </summary>
    public MessageAssessment Decide(string text, MessageAssessment lexicon, float[] embedding, IReadOnlyList<(MessageAssessment Lexicon, float[] Embedding)> sentences)
    {
        ArgumentNullException.ThrowIfNull(text);
        ArgumentNullException.ThrowIfNull(lexicon);
        ArgumentNullException.ThrowIfNull(embedding);
        ArgumentNullException.ThrowIfNull(sentences);
        return Decide(
            Read(text, lexicon, embedding, _model.Neighbours(embedding)),
            sentences.Select(s => new Part(s.Lexicon, s.Embedding, _model.Neighbours(s.Embedding))).ToList());
    }

    /// <summary>The heads' reading of a whole message: what every decision starts from.</summary>
    private Reading Read(string text, MessageAssessment lexicon, float[] embedding, float[] neighbours)
    {
        var features = SafetyFeatures.Build(embedding, lexicon, neighbours);
        return new Reading(text, lexicon, embedding, _model.Fatalism.Score(features), _model.Crisis.Score(features), _model.Coping.Score(features));
    }

    private MessageAssessment Decide(Reading reading, IReadOnlyList<Part> sentences)
    {
        var (text, lexicon, embedding) = (reading.Text, reading.Lexicon, reading.Embedding);
        var grams = SafetyFeatures.WordGrams(text);

        // Crisis: the head's reading of the whole message and the heads' readings of its most alarming sentence, the
        // lexicon's flag and the message's words, weighed by the trained crisis decision. The crisis head proposes, on the
        // whole message or on one of its sentences; the decision confirms or overrules what it proposes and never raises
        // anything else, so for the rest it is not weighed and the head's own calibrated score (below 0.5) is the crisis
        // score. Otherwise the crisis score is the smaller of the two calibrated scores, so it reaches 0.5 when both agree.
        double sentenceCrisis = reading.Crisis, sentenceCoping = reading.Coping, sentenceFatalism = reading.Fatalism;
        if (sentences.Count > 0)
        {
            sentenceCrisis = sentenceCoping = sentenceFatalism = double.MinValue;
            foreach (var (sentenceLexicon, sentenceEmbedding, sentenceNeighbours) in sentences)
            {
                var sentenceFeatures = SafetyFeatures.Build(sentenceEmbedding, sentenceLexicon, sentenceNeighbours);
                sentenceCrisis = Math.Max(sentenceCrisis, _model.Crisis.Score(sentenceFeatures));
                sentenceCoping = Math.Max(sentenceCoping, _model.Coping.Score(sentenceFeatures));
                sentenceFatalism = Math.Max(sentenceFatalism, _model.Fatalism.Score(sentenceFeatures));
            }
        }

        // Fatalism and coping: each head's reading of the whole message and of its most telling sentence, the other heads',
        // the lexicon's flag and the message's words, weighed by the trained decision (the head alone for a model without
        // one).
        var fatalism = _model.FatalismDecision.Weights.Length == 0
            ? Calibrate(reading.Fatalism, _model.Fatalism.Threshold)
            : Calibrate(
                _model.FatalismDecision.Score(SafetyFeatures.FatalismDecision(
                    reading.Fatalism, sentenceFatalism, reading.Coping, reading.Crisis, lexicon.Fatalistic, SafetyModel.WordScore(grams, _model.FatalismWords))),
                _model.FatalismDecision.Threshold);
        var coping = _model.CopingDecision.Weights.Length == 0
            ? Calibrate(reading.Coping, _model.Coping.Threshold)
            : Calibrate(
                _model.CopingDecision.Score(SafetyFeatures.CopingDecision(
                    reading.Coping, sentenceCoping, reading.Fatalism, reading.Crisis, SafetyModel.WordScore(grams, _model.CopingWords))),
                _model.CopingDecision.Threshold);

        var proposing = Math.Max(reading.Crisis, sentenceCrisis);
        var crisis = Calibrate(proposing, _model.Crisis.Threshold);
        var lexiconOverruled = false;
        if (proposing >= _model.Crisis.Threshold)
        {
            var decision = _model.CrisisDecision.Score(
                SafetyFeatures.CrisisDecision(reading.Crisis, lexicon.Crisis, SafetyModel.WordScore(grams, _model.CrisisWords), sentenceCrisis, sentenceCoping, sentenceFatalism));
            crisis = Math.Min(crisis, Calibrate(decision, _model.CrisisDecision.Threshold));

            // A lexicon phrase decides on its own unless the decision reads the message as far from crisis (a screening
            // question, a patient's words said as work): below a floor no crisis message the lexicon caught in the
            // corpus came near.
            lexiconOverruled = decision < _model.CrisisLexiconFloor;
        }

        var isFatalistic = fatalism >= _fatalismThreshold;
        var isCrisis = (lexicon.Crisis && !lexiconOverruled) || crisis >= 0.5;
        var isCoping = coping >= 0.5;

        var reasons = new List<string>(lexicon.Reasons.Count + 3);
        if (crisis >= 0.5)
        {
            reasons.Add(ModelReason("crisis", crisis, embedding));
        }

        if (isFatalistic || isCrisis)
        {
            reasons.AddRange(lexicon.Reasons);
        }

        if (isFatalistic)
        {
            reasons.Add(ModelReason("fatalism", fatalism, embedding));
        }

        if (isCoping)
        {
            reasons.Add(ModelReason("coping", coping, embedding));
        }

        return new MessageAssessment(isFatalistic, fatalism, isCrisis, reasons)
        {
            Coping = isCoping,
            CrisisScore = crisis,
            CopingScore = coping,
        };
    }

    /// <summary>A message's text, lexicon assessment and embedding, with the three heads' probabilities on it.</summary>
    private sealed record Reading(string Text, MessageAssessment Lexicon, float[] Embedding, double Fatalism, double Crisis, double Coping);

    /// <summary>A sentence or clause of a message: its lexicon assessment, embedding and nearest-example features.</summary>
    private sealed record Part(MessageAssessment Lexicon, float[] Embedding, float[] Neighbours);

    private string ModelReason(string label, double score, float[] embedding)
    {
        var reason = string.Create(CultureInfo.InvariantCulture, $"model {label} {score:0.00}");
        var closest = _model.Closest(embedding, label, 1);
        return closest.Count == 0 ? reason : $"{reason}, close to: \"{Shorten(closest[0].Example.Text)}\"";
    }

    private static string Shorten(string text)
    {
        var flat = string.Join(' ', text.Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries));
        return flat.Length <= ExampleLength ? flat : string.Concat(flat.AsSpan(0, ExampleLength - 1), "…");
    }
}
