using System.Runtime.Intrinsics;
using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace PeerBot.Core.Safety.Semantic;

/// <summary>
/// One trained logistic regression and its decision threshold: a head over <see cref="SafetyFeatures"/>, or the crisis
/// decision over <see cref="SafetyFeatures.CrisisDecision"/>.
/// </summary>
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

/// <summary>A labelled training message kept with the model: its nearest ones are features and name a flag's reasons.</summary>
/// <param name="Text">The example's text.</param>
/// <param name="Fatalistic">Its fatalism label.</param>
/// <param name="Crisis">Its crisis label.</param>
/// <param name="Coping">Its coping label.</param>
public sealed record SafetyExample(string Text, bool Fatalistic, bool Crisis, bool Coping)
{
    /// <summary>Whether the example carries <paramref name="label"/> (<c>fatalism</c>, <c>crisis</c> or <c>coping</c>).</summary>
    public bool Has(string label) => label switch
    {
        "fatalism" => Fatalistic,
        "crisis" => Crisis,
        "coping" => Coping,
        _ => false,
    };
}

/// <summary>
/// The safety engine's trained part, as written by <c>tools/PeerBot.SafetyTrainer</c> from the labelled corpus: three
/// heads (fatalism, crisis, coping) and every training message with its embedding (8-bit): the nearest ones are features
/// of the heads and name a flag's "close to" reasons.
/// </summary>
public sealed class SafetyModel
{
    /// <summary>
    /// The file's format version this code reads (2: with the crisis decision and its word scores; 3: one vector row per
    /// example).
    /// </summary>
    public const int CurrentFormat = 3;

    // Indented, so that every example, vector row and word score is a line of its own: a retrain's diff holds what
    // changed (the examples added, the heads, the word scores) instead of a new copy of one 8 MB line.
    private static readonly JsonSerializerOptions JsonOptions = new()
    {
        PropertyNamingPolicy = JsonNamingPolicy.CamelCase,
        WriteIndented = true,
        IndentSize = 1,

        // A file read by this program and by people, never embedded in a page: '+' and apostrophes stay as they are.
        Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
    };

    /// <summary>Embedding values are stored as value × this, rounded, in a signed byte (values beyond ±0.496 are clamped).</summary>
    public const float QuantizationScale = 256;

    /// <summary>How many nearest examples each similarity feature averages.</summary>
    public const int Neighbourhood = 3;

    private static readonly string[] Labels = ["fatalism", "crisis", "coping"];

    /// <summary>How many queries <see cref="Similarities"/> takes against each stored vector at a time.</summary>
    private const int SimilarityBlock = 8;

    private float[] _vectors = [];
    private int _vectorRows;
    private bool _vectorRowsEven = true;
    private byte[]? _labels;

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

    /// <summary>
    /// The crisis head: it proposes (its threshold chosen for recall), and <see cref="CrisisDecision"/>, which reads its
    /// score among others, confirms or overrules.
    /// </summary>
    public SafetyHead Crisis { get; init; } = new();

    /// <summary>
    /// The crisis decision: a logistic regression over the crisis head's score on the whole message and its highest
    /// score over the message's sentences, the lexicon's crisis flag and the word score
    /// (<see cref="SafetyFeatures.CrisisDecision"/>), trained on out-of-fold inputs; it decides among the messages the crisis
    /// head proposes, and its threshold is chosen for recall.
    /// </summary>
    public SafetyHead CrisisDecision { get; init; } = new();

    /// <summary>
    /// The crisis decision's score below which it overrules the lexicon's crisis phrases (a screening question or a
    /// patient's words said as work): half the lowest out-of-fold score of any crisis message the lexicon caught in the
    /// corpus, so none of those would have been overruled. 0 lets the lexicon decide alone.
    /// </summary>
    public double CrisisLexiconFloor { get; init; }

    /// <summary>
    /// Each word and word pair of the corpus (<see cref="SafetyFeatures.WordGrams"/>) with its log-count ratio: how much
    /// more often it occurs in crisis messages than in others (naive Bayes, add-one smoothing).
    /// </summary>
    public Dictionary<string, double> CrisisWords { get; init; } = [];

    /// <summary>The coping head.</summary>
    public SafetyHead Coping { get; init; } = new();

    /// <summary>
    /// The fatalism decision: a logistic regression over the fatalism head's score on the whole message and its highest
    /// over the message's sentences, the coping and crisis heads' scores, the lexicon's fatalistic flag and the fatalism
    /// word score (<see cref="SafetyFeatures.FatalismDecision"/>), trained on out-of-fold inputs, its threshold the best
    /// F1 out of fold. It decides fatalism in place of the head's own threshold; a model without one (no weights) leaves
    /// the decision to the head.
    /// </summary>
    public SafetyHead FatalismDecision { get; init; } = new();

    /// <summary>As <see cref="CrisisWords"/>, for fatalism (counted on the messages that are not crisis talk).</summary>
    public Dictionary<string, double> FatalismWords { get; init; } = [];

    /// <summary>
    /// The coping decision: as <see cref="FatalismDecision"/>, over the coping head's scores, the fatalism and crisis
    /// heads' scores and the coping word score (<see cref="SafetyFeatures.CopingDecision"/>).
    /// </summary>
    public SafetyHead CopingDecision { get; init; } = new();

    /// <summary>As <see cref="CrisisWords"/>, for coping.</summary>
    public Dictionary<string, double> CopingWords { get; init; } = [];

    /// <summary>Figures of the trainer's cross-validation on the corpus (out-of-fold), for the docs.</summary>
    public Dictionary<string, double> CrossValidation { get; init; } = [];

    /// <summary>The training messages.</summary>
    public IReadOnlyList<SafetyExample> Examples { get; init; } = [];

    /// <summary>The examples' embeddings, 8-bit (<see cref="QuantizationScale"/>), one base64 row per example.</summary>
    public IReadOnlyList<string> ExampleVectors
    {
        get
        {
            var rows = new string[Dimensions == 0 ? 0 : _vectors.Length / Dimensions];
            for (var r = 0; r < rows.Length; r++)
            {
                rows[r] = QuantizeRow(_vectors.AsSpan(r * Dimensions, Dimensions));
            }

            return rows;
        }

        init
        {
            var rows = (value ?? []).Select(r => Convert.FromBase64String(r ?? "")).ToArray();
            _vectorRows = rows.Length;
            _vectorRowsEven = rows.All(r => r.Length == rows[0].Length);
            _vectors = rows.SelectMany(r => r).Select(b => unchecked((sbyte)b) / QuantizationScale).ToArray();
        }
    }

    /// <summary>The examples' embeddings as the model uses them (after 8-bit storage).</summary>
    [JsonIgnore]
    public ReadOnlySpan<float> Vectors => _vectors;

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
        catch (FormatException ex)
        {
            throw new InvalidDataException($"The safety model's example vectors are not base64: {ex.Message}", ex);
        }

        if (model is null || model.Format != CurrentFormat)
        {
            throw new InvalidDataException($"The safety model's format is not {CurrentFormat}.");
        }

        var width = model.Dimensions + SafetyFeatures.ExtraFeatureCount;
        foreach (var (name, head) in new[] { ("fatalism", model.Fatalism), ("crisis", model.Crisis), ("coping", model.Coping) })
        {
            if (head.Weights.Length != width)
            {
                throw new InvalidDataException($"The safety model's {name} head has {head.Weights.Length} weights, not {width}.");
            }
        }

        if (model.CrisisDecision.Weights.Length != SafetyFeatures.CrisisDecisionFeatureNames.Count)
        {
            throw new InvalidDataException($"The safety model's crisis decision has {model.CrisisDecision.Weights.Length} weights, not {SafetyFeatures.CrisisDecisionFeatureNames.Count}.");
        }

        foreach (var (name, decision, count) in new[]
        {
            ("fatalism", model.FatalismDecision, SafetyFeatures.FatalismDecisionFeatureNames.Count),
            ("coping", model.CopingDecision, SafetyFeatures.CopingDecisionFeatureNames.Count),
        })
        {
            if (decision.Weights.Length != 0 && decision.Weights.Length != count)
            {
                throw new InvalidDataException($"The safety model's {name} decision has {decision.Weights.Length} weights, not {count}.");
            }
        }

        if (model._vectorRows != model.Examples.Count || !model._vectorRowsEven || model._vectors.Length != model.Examples.Count * model.Dimensions)
        {
            throw new InvalidDataException("The safety model's example vectors do not match its examples.");
        }

        return model;
    }

    /// <summary>The crisis word score of a message (<see cref="WordScore"/> in <see cref="CrisisWords"/>).</summary>
    public double CrisisWordScore(string text) => WordScore(SafetyFeatures.WordGrams(text), CrisisWords);

    /// <summary>
    /// The word score of a message's grams (<see cref="SafetyFeatures.WordGrams"/>) in a table of log-count ratios
    /// (<see cref="CrisisWords"/>, <see cref="FatalismWords"/>, <see cref="CopingWords"/>, or a fold's in the trainer): the
    /// sum over its words and word pairs (unknown ones count 0), divided by the square root of how many it has.
    /// </summary>
    public static double WordScore(IReadOnlyList<string> grams, IReadOnlyDictionary<string, double> ratios)
    {
        ArgumentNullException.ThrowIfNull(grams);
        ArgumentNullException.ThrowIfNull(ratios);
        if (grams.Count == 0)
        {
            return 0;
        }

        var sum = 0.0;
        foreach (var gram in grams)
        {
            sum += ratios.GetValueOrDefault(gram);
        }

        return sum / Math.Sqrt(grams.Count);
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
    /// The nearest-example features of an embedding (<see cref="SafetyFeatures"/>): for each label, the mean cosine
    /// similarity of the <see cref="Neighbourhood"/> closest examples with the label, of the closest without it, and the
    /// difference.
    /// </summary>
    public float[] Neighbours(float[] embedding) => NeighboursMany([embedding])[0];

    /// <summary>
    /// As <see cref="Neighbours(float[])"/>, for many embeddings at once: the similarities are computed a block of
    /// embeddings per stored example (<see cref="Similarities"/>), the blocks spread over the cores. The figures are the
    /// same bits as one at a time.
    /// </summary>
    public IReadOnlyList<float[]> NeighboursMany(IReadOnlyList<float[]> embeddings)
    {
        ArgumentNullException.ThrowIfNull(embeddings);
        var labels = _labels ??= LabelBits(Examples);
        var results = new float[embeddings.Count][];

        // A block's similarities are reduced to its features at once, so no more than a block's are ever held.
        ForEachBlock(embeddings, _vectors, Dimensions, (first, similarities) =>
        {
            for (var q = 0; q < similarities.Length; q++)
            {
                results[first + q] = NeighboursFromSimilarities(similarities[q], labels);
            }
        });
        return results;
    }

    /// <summary>
    /// The labels of each example as bits (1 fatalism, 2 crisis, 4 coping), the form
    /// <see cref="NeighboursFromSimilarities"/> reads.
    /// </summary>
    public static byte[] LabelBits(IReadOnlyList<SafetyExample> examples)
    {
        ArgumentNullException.ThrowIfNull(examples);
        var bits = new byte[examples.Count];
        for (var e = 0; e < bits.Length; e++)
        {
            for (var l = 0; l < Labels.Length; l++)
            {
                bits[e] |= (byte)(examples[e].Has(Labels[l]) ? 1 << l : 0);
            }
        }

        return bits;
    }

    /// <summary>
    /// The similarity (<see cref="Similarity"/>) of each query to each stored vector (<paramref name="vectors"/>, row
    /// after row): one array per query. The queries are taken a block at a time against each stored vector, and the blocks
    /// spread over the cores when there are many; each figure is computed exactly as <see cref="Similarity"/> computes it.
    /// </summary>
    public static float[][] Similarities(IReadOnlyList<float[]> queries, float[] vectors, int dimensions)
    {
        ArgumentNullException.ThrowIfNull(queries);
        var results = new float[queries.Count][];
        ForEachBlock(queries, vectors, dimensions, (first, similarities) => similarities.CopyTo(results, first));
        return results;
    }

    /// <summary>
    /// Computes the similarities of each block of <see cref="SimilarityBlock"/> queries to every stored vector and hands
    /// them to <paramref name="block"/> with the block's first index; blocks spread over the cores when there are several.
    /// </summary>
    private static void ForEachBlock(IReadOnlyList<float[]> queries, float[] vectors, int dimensions, Action<int, float[][]> block)
    {
        ArgumentNullException.ThrowIfNull(queries);
        ArgumentNullException.ThrowIfNull(vectors);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(dimensions);
        if (vectors.Length % dimensions != 0)
        {
            throw new ArgumentException($"{vectors.Length} values are not rows of {dimensions}", nameof(vectors));
        }

        var rows = vectors.Length / dimensions;
        var blocks = (queries.Count + SimilarityBlock - 1) / SimilarityBlock;

        void Run(int index)
        {
            var first = index * SimilarityBlock;
            var similarities = new float[Math.Min(queries.Count, first + SimilarityBlock) - first][];
            for (var q = 0; q < similarities.Length; q++)
            {
                similarities[q] = new float[rows];
            }

            for (var e = 0; e < rows; e++)
            {
                var row = vectors.AsSpan(e * dimensions, dimensions);
                for (var q = 0; q < similarities.Length; q++)
                {
                    similarities[q][e] = Similarity(queries[first + q], row);
                }
            }

            block(first, similarities);
        }

        if (blocks > 1)
        {
            Parallel.For(0, blocks, Run);
        }
        else if (blocks == 1)
        {
            Run(0);
        }
    }

    /// <summary>
    /// The nearest-example features from an embedding's similarities to each example, given the examples' labels
    /// (<see cref="LabelBits"/>). <paramref name="exclude"/> leaves examples out (the trainer leaves out the message
    /// itself, and in cross-validation the held-out fold); null uses them all.
    /// </summary>
    public static float[] NeighboursFromSimilarities(ReadOnlySpan<float> similarities, ReadOnlySpan<byte> labels, Func<int, bool>? exclude = null)
    {
        if (similarities.Length != labels.Length)
        {
            throw new ArgumentException($"{similarities.Length} similarities for {labels.Length} examples", nameof(labels));
        }

        Span<float> top = stackalloc float[Labels.Length * 2 * Neighbourhood];
        top.Fill(-1);
        for (var e = 0; e < similarities.Length; e++)
        {
            if (exclude is not null && exclude(e))
            {
                continue;
            }

            var similarity = similarities[e];
            for (var l = 0; l < Labels.Length; l++)
            {
                var slot = ((l * 2) + ((labels[e] & (1 << l)) != 0 ? 0 : 1)) * Neighbourhood;
                Insert(top.Slice(slot, Neighbourhood), similarity);
            }
        }

        var features = new float[SafetyFeatures.NeighbourFeatureCount];
        for (var l = 0; l < Labels.Length; l++)
        {
            var positive = Mean(top.Slice(l * 2 * Neighbourhood, Neighbourhood));
            var negative = Mean(top.Slice(((l * 2) + 1) * Neighbourhood, Neighbourhood));
            features[l * 3] = positive;
            features[(l * 3) + 1] = negative;
            features[(l * 3) + 2] = positive - negative;
        }

        return features;
    }

    /// <summary>
    /// The cosine similarity of two unit vectors of equal length. Eight products at a time, each lane summed in order and
    /// the lanes then in order: a fixed order of exact IEEE operations (no fused multiply-add), so the same bits in the
    /// trainer and live, on every machine, whether the CPU runs eight lanes at once or the runtime emulates them. The
    /// nearest-example search makes one call per stored example for every message and clause, so this is the engine's
    /// hottest loop after the encoder.
    /// </summary>
    public static float Similarity(ReadOnlySpan<float> a, ReadOnlySpan<float> b)
    {
        if (a.Length != b.Length)
        {
            throw new ArgumentException($"vectors of {a.Length} and {b.Length} values", nameof(b));
        }

        var lanes = Vector256<float>.Zero;
        var i = 0;
        for (; i + Vector256<float>.Count <= a.Length; i += Vector256<float>.Count)
        {
            lanes += Vector256.Create(a.Slice(i, Vector256<float>.Count)) * Vector256.Create(b.Slice(i, Vector256<float>.Count));
        }

        var sum = 0f;
        for (var lane = 0; lane < Vector256<float>.Count; lane++)
        {
            sum += lanes[lane];
        }

        for (; i < a.Length; i++)
        {
            sum += a[i] * b[i];
        }

        return sum;
    }

    /// <summary>The examples with <paramref name="label"/> closest to <paramref name="embedding"/> (cosine), best first.</summary>
    public IReadOnlyList<(SafetyExample Example, double Similarity)> Closest(ReadOnlySpan<float> embedding, string label, int count)
    {
        var best = new List<(SafetyExample, double)>(count + 1);
        for (var e = 0; e < Examples.Count; e++)
        {
            if (!Examples[e].Has(label))
            {
                continue;
            }

            double similarity = Similarity(embedding, _vectors.AsSpan(e * Dimensions, Dimensions));
            var at = best.FindIndex(b => b.Item2 < similarity);
            if (at >= 0)
            {
                best.Insert(at, (Examples[e], similarity));
            }
            else if (best.Count < count)
            {
                best.Add((Examples[e], similarity));
            }

            if (best.Count > count)
            {
                best.RemoveAt(best.Count - 1);
            }
        }

        return best;
    }

    /// <summary>An embedding as the model stores it: each value rounded to 8 bits and back.</summary>
    public static float[] Stored(float[] embedding)
    {
        ArgumentNullException.ThrowIfNull(embedding);
        return embedding.Select(v => Quantize(v) / QuantizationScale).ToArray();
    }

    /// <summary>Embeddings in the form of <see cref="ExampleVectors"/>.</summary>
    public static IReadOnlyList<string> QuantizeVectors(IEnumerable<float[]> embeddings)
    {
        ArgumentNullException.ThrowIfNull(embeddings);
        return embeddings.Select(v => QuantizeRow(v)).ToArray();
    }

    private static string QuantizeRow(ReadOnlySpan<float> row)
    {
        var bytes = new byte[row.Length];
        for (var i = 0; i < row.Length; i++)
        {
            bytes[i] = unchecked((byte)Quantize(row[i]));
        }

        return Convert.ToBase64String(bytes);
    }

    private static sbyte Quantize(float value) =>
        (sbyte)Math.Clamp(Math.Round(value * QuantizationScale, MidpointRounding.AwayFromZero), -127, 127);

    private static void Insert(Span<float> top, float value)
    {
        if (value <= top[^1])
        {
            return;
        }

        var i = top.Length - 1;
        while (i > 0 && top[i - 1] < value)
        {
            top[i] = top[i - 1];
            i--;
        }

        top[i] = value;
    }

    private static float Mean(ReadOnlySpan<float> values)
    {
        var sum = 0f;
        var count = 0;
        foreach (var v in values)
        {
            if (v > -1)
            {
                sum += v;
                count++;
            }
        }

        return count == 0 ? 0 : sum / count;
    }
}
