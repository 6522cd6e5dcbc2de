using System.Globalization;

namespace PeerBot.Core.Safety.Semantic;

/// <summary>
/// The safety engine's decision: the lexicon (<see cref="RuleBasedClassifier"/>) and the trained heads over sentence
/// embeddings, combined. The heads see the lexicon's findings as features, so a lexicon phrase weighs in but a new
/// wording of an idea the lexicon lacks is still recognised. Crisis is recall first: the lexicon's crisis phrases decide on
/// their own, and the crisis head's threshold is chosen for recall. Every flag's reasons name the lexicon phrases and/or
/// the heads' scores with the closest labelled examples ("close to: …").
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
        var embeddings = _encoder.Encode(texts);
        var results = new MessageAssessment[texts.Count];
        for (var i = 0; i < texts.Count; i++)
        {
            results[i] = Decide(_lexicon.Classify(texts[i]), embeddings[i]);
        }

        return results;
    }

    /// <summary>The combined decision for one message, given the lexicon's assessment and the message's embedding.</summary>
    public MessageAssessment Decide(MessageAssessment lexicon, float[] embedding)
    {
        ArgumentNullException.ThrowIfNull(lexicon);
        ArgumentNullException.ThrowIfNull(embedding);
        var features = SafetyFeatures.Build(embedding, lexicon, _model.Neighbours(embedding));
        var fatalism = Calibrate(_model.Fatalism.Score(features), _model.Fatalism.Threshold);
        var crisis = Calibrate(_model.Crisis.Score(features), _model.Crisis.Threshold);
        var coping = Calibrate(_model.Coping.Score(features), _model.Coping.Threshold);

        var isFatalistic = fatalism >= _fatalismThreshold;
        var isCrisis = lexicon.Crisis || crisis >= 0.5;
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
