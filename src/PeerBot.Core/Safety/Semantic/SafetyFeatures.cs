namespace PeerBot.Core.Safety.Semantic;

/// <summary>
/// The inputs the trained heads see for one message: its sentence embedding followed by what the lexicon found. Built
/// the same way by the trainer and the live classifier, so the heads' weights line up with them.
/// </summary>
public static class SafetyFeatures
{
    /// <summary>Lexicon features appended after the embedding.</summary>
    public const int LexiconFeatureCount = 3;

    /// <summary>Nearest-example features appended after the lexicon's: three per label.</summary>
    public const int NeighbourFeatureCount = 9;

    /// <summary>Features besides the embedding.</summary>
    public const int ExtraFeatureCount = LexiconFeatureCount + NeighbourFeatureCount;

    /// <summary>
    /// The names of the features after the embedding, in order: the lexicon's fatalism score and flags, then for each of
    /// fatalism, crisis and coping the mean similarity of the three closest labelled examples with the label, of the three
    /// closest without it, and their difference (scaled by <see cref="NeighbourScale"/>).
    /// </summary>
    public static IReadOnlyList<string> ExtraFeatureNames { get; } =
    [
        "lexicon-fatalism", "lexicon-fatalistic", "lexicon-crisis",
        "fatalism-near-positive", "fatalism-near-negative", "fatalism-near-difference",
        "crisis-near-positive", "crisis-near-negative", "crisis-near-difference",
        "coping-near-positive", "coping-near-negative", "coping-near-difference",
    ];

    /// <summary>The nearest-example features are scaled up so the L2 penalty treats them like the embedding's strongest directions.</summary>
    public const float NeighbourScale = 5;

    /// <summary>Writes the feature vector of a message: embedding, the lexicon's fatalism score and flags, the nearest-example features.</summary>
    /// <param name="embedding">The message's sentence embedding.</param>
    /// <param name="lexicon">The lexicon's assessment of the same message.</param>
    /// <param name="neighbours">The <see cref="NeighbourFeatureCount"/> nearest-example features (<see cref="SafetyModel.Neighbours(ReadOnlySpan{float}, Func{int, bool})"/>).</param>
    /// <returns>A new vector of <c>embedding.Length + ExtraFeatureCount</c> values.</returns>
    public static float[] Build(float[] embedding, MessageAssessment lexicon, ReadOnlySpan<float> neighbours)
    {
        ArgumentNullException.ThrowIfNull(embedding);
        ArgumentNullException.ThrowIfNull(lexicon);
        if (neighbours.Length != NeighbourFeatureCount)
        {
            throw new ArgumentException($"expected {NeighbourFeatureCount} neighbour features", nameof(neighbours));
        }

        var features = new float[embedding.Length + ExtraFeatureCount];
        embedding.CopyTo(features, 0);
        features[embedding.Length] = (float)lexicon.Fatalism;
        features[embedding.Length + 1] = lexicon.Fatalistic ? 1 : 0;
        features[embedding.Length + 2] = lexicon.Crisis ? 1 : 0;
        for (var i = 0; i < NeighbourFeatureCount; i++)
        {
            features[embedding.Length + LexiconFeatureCount + i] = neighbours[i] * NeighbourScale;
        }

        return features;
    }
}
