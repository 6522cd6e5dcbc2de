namespace PeerBot.Core.Safety.Semantic;

/// <summary>
/// The inputs the trained heads see for one message: its sentence embedding followed by what the lexicon found. Built
/// the same way by the trainer and the live classifier, so the heads' weights line up with them.
/// </summary>
public static class SafetyFeatures
{
    /// <summary>Lexicon features appended after the embedding.</summary>
    public const int LexiconFeatureCount = 3;

    /// <summary>The names of the features after the embedding, in order.</summary>
    public static IReadOnlyList<string> LexiconFeatureNames { get; } = ["lexicon-fatalism", "lexicon-fatalistic", "lexicon-crisis"];

    /// <summary>Writes the feature vector of a message: embedding, then the lexicon's fatalism score and flags.</summary>
    /// <param name="embedding">The message's sentence embedding.</param>
    /// <param name="lexicon">The lexicon's assessment of the same message.</param>
    /// <returns>A new vector of <c>embedding.Length + LexiconFeatureCount</c> values.</returns>
    public static float[] Build(float[] embedding, MessageAssessment lexicon)
    {
        ArgumentNullException.ThrowIfNull(embedding);
        ArgumentNullException.ThrowIfNull(lexicon);
        var features = new float[embedding.Length + LexiconFeatureCount];
        embedding.CopyTo(features, 0);
        features[embedding.Length] = (float)lexicon.Fatalism;
        features[embedding.Length + 1] = lexicon.Fatalistic ? 1 : 0;
        features[embedding.Length + 2] = lexicon.Crisis ? 1 : 0;
        return features;
    }
}
