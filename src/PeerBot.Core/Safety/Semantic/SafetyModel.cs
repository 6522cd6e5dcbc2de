using System.Text.Json;
using System.Text.Json.Serialization;

namespace PeerBot.Core.Safety.Semantic;

/// <summary>One trained head: a logistic regression over <see cref="SafetyFeatures"/>, and its decision threshold.</summary>
public sealed class SafetyHead
{
    /// <summary>One weight per feature.</summary>
    public float[] Weights { get; init; } = [];

    /// <summary>The intercept.</summary>
    public double Bias { get; init; }

    /// <summary>The probability from which the label is decided.</summary>
    public double Threshold { get; init; } = 0.5;

    /// <summary>The head's probability for a feature vector.</summary>
    public double Score(ReadOnlySpan<float> features)
    {
        if (features.Length != Weights.Length)
        {
            throw new ArgumentException($"expected {Weights.Length} features, got {features.Length}", nameof(features));
        }

        var z = Bias;
        for (var i = 0; i < features.Length; i++)
        {
            z += (double)Weights[i] * features[i];
        }

        return 1 / (1 + Math.Exp(-z));
    }
}

/// <summary>A labelled example kept with the model, to name the closest ones in a flag's reasons.</summary>
/// <param name="Text">The example's text.</param>
/// <param name="Label">Which head it illustrates: <c>fatalism</c>, <c>crisis</c> or <c>coping</c>.</param>
public sealed record SafetyExample(string Text, string Label);

/// <summary>
/// The safety engine's trained part, as written by <c>tools/PeerBot.SafetyTrainer</c> from the labelled corpus: three
/// heads (fatalism, crisis, coping) and the positive examples with their embeddings (8-bit) for "close to" reasons.
/// </summary>
public sealed class SafetyModel
{
    /// <summary>The file's format version this code reads.</summary>
    public const int CurrentFormat = 1;

    private static readonly JsonSerializerOptions JsonOptions = new()
    {
        PropertyNamingPolicy = JsonNamingPolicy.CamelCase,
        WriteIndented = false,
    };

    private sbyte[] _exampleVectors = [];

    /// <summary>The file format.</summary>
    public int Format { get; init; } = CurrentFormat;

    /// <summary>The encoder the heads were trained on; they are refused with any other.</summary>
    public string EncoderModel { get; init; } = "";

    /// <summary>The encoder's embedding length.</summary>
    public int Dimensions { get; init; }

    /// <summary>SHA-256 of the training corpus, in the trainer's canonical order.</summary>
    public string CorpusSha256 { get; init; } = "";

    /// <summary>How many labelled messages trained the heads.</summary>
    public int TrainingMessages { get; init; }

    /// <summary>The fatalism head.</summary>
    public SafetyHead Fatalism { get; init; } = new();

    /// <summary>The crisis head (its threshold chosen for recall).</summary>
    public SafetyHead Crisis { get; init; } = new();

    /// <summary>The coping head.</summary>
    public SafetyHead Coping { get; init; } = new();

    /// <summary>Figures of the trainer's cross-validation on the corpus (out-of-fold), for the docs.</summary>
    public Dictionary<string, double> CrossValidation { get; init; } = [];

    /// <summary>Positive examples kept for reasons.</summary>
    public IReadOnlyList<SafetyExample> Examples { get; init; } = [];

    /// <summary>The examples' embeddings, 8-bit (value × 127), row after row, in base64.</summary>
    public string ExampleVectors
    {
        get => Convert.ToBase64String((byte[])(Array)_exampleVectors);
        init => _exampleVectors = (sbyte[])(Array)Convert.FromBase64String(value);
    }

    /// <summary>Reads a model written by the trainer.</summary>
    /// <exception cref="InvalidDataException">The file is not a usable model.</exception>
    public static SafetyModel Load(Stream stream)
    {
        SafetyModel? model;
        try
        {
            model = JsonSerializer.Deserialize<SafetyModel>(stream, JsonOptions);
        }
        catch (JsonException ex)
        {
            throw new InvalidDataException($"The safety model is not valid JSON: {ex.Message}", ex);
        }

        if (model is null || model.Format != CurrentFormat)
        {
            throw new InvalidDataException($"The safety model's format is not {CurrentFormat}.");
        }

        var width = model.Dimensions + SafetyFeatures.LexiconFeatureCount;
        foreach (var (name, head) in new[] { ("fatalism", model.Fatalism), ("crisis", model.Crisis), ("coping", model.Coping) })
        {
            if (head.Weights.Length != width)
            {
                throw new InvalidDataException($"The safety model's {name} head has {head.Weights.Length} weights, not {width}.");
            }
        }

        if (model._exampleVectors.Length != model.Examples.Count * model.Dimensions)
        {
            throw new InvalidDataException("The safety model's example vectors do not match its examples.");
        }

        return model;
    }

    /// <summary>The model committed with PeerBot (embedded in this assembly).</summary>
    public static SafetyModel LoadBuiltIn()
    {
        using var stream = typeof(SafetyModel).Assembly.GetManifestResourceStream("PeerBot.Core.Safety.Semantic.safety-model.json")
            ?? throw new InvalidDataException("The built-in safety model is missing from PeerBot.Core.");
        return Load(stream);
    }

    /// <summary>Writes the model as the trainer does: stable, so the same corpus gives the same bytes.</summary>
    public void Save(Stream stream) => JsonSerializer.Serialize(stream, this, JsonOptions);

    /// <summary>
    /// The examples of <paramref name="label"/> closest to <paramref name="embedding"/> (cosine), best first.
    /// </summary>
    public IReadOnlyList<(SafetyExample Example, double Similarity)> Closest(ReadOnlySpan<float> embedding, string label, int count)
    {
        var best = new List<(SafetyExample, double)>(count + 1);
        for (var e = 0; e < Examples.Count; e++)
        {
            if (!string.Equals(Examples[e].Label, label, StringComparison.Ordinal))
            {
                continue;
            }

            var row = _exampleVectors.AsSpan(e * Dimensions, Dimensions);
            double dot = 0;
            for (var i = 0; i < Dimensions; i++)
            {
                dot += embedding[i] * row[i];
            }

            var similarity = dot / 127.0;
            var at = best.FindIndex(b => b.Item2 < similarity);
            if (at < 0 && best.Count < count)
            {
                best.Add((Examples[e], similarity));
            }
            else if (at >= 0)
            {
                best.Insert(at, (Examples[e], similarity));
                if (best.Count > count)
                {
                    best.RemoveAt(best.Count - 1);
                }
            }
        }

        return best;
    }

    /// <summary>Quantizes unit-length embeddings as <see cref="ExampleVectors"/> stores them.</summary>
    public static string QuantizeVectors(IEnumerable<float[]> embeddings)
    {
        ArgumentNullException.ThrowIfNull(embeddings);
        var bytes = new List<byte>();
        foreach (var v in embeddings)
        {
            foreach (var x in v)
            {
                bytes.Add(unchecked((byte)(sbyte)Math.Clamp(Math.Round(x * 127.0, MidpointRounding.AwayFromZero), -127, 127)));
            }
        }

        return Convert.ToBase64String(bytes.ToArray());
    }
}
