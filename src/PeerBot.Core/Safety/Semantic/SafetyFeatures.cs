using System.Text.RegularExpressions;

namespace PeerBot.Core.Safety.Semantic;

/// <summary>
/// The inputs the trained heads see for one message: its sentence embedding followed by what the lexicon found. Built
/// the same way by the trainer and the live classifier, so the heads' weights line up with them.
/// </summary>
public static partial class SafetyFeatures
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
    /// <param name="neighbours">The <see cref="NeighbourFeatureCount"/> nearest-example features (<see cref="SafetyModel.Neighbours(float[])"/>).</param>
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

    /// <summary>Inputs of the crisis decision (<see cref="SafetyModel.CrisisDecision"/>), in order.</summary>
    public static IReadOnlyList<string> CrisisDecisionFeatureNames { get; } =
        ["crisis-head-logit", "lexicon-crisis", "crisis-words", "sentence-crisis-logit", "sentence-coping-logit", "sentence-fatalism-logit"];

    /// <summary>
    /// The inputs of the crisis decision: the crisis head's log-odds on the whole message, the lexicon's crisis flag, the
    /// message's word score (<see cref="SafetyModel.CrisisWordScore(string)"/>), and the crisis, coping and fatalism heads'
    /// highest log-odds over the message's sentences and clauses (<see cref="Sentences"/>; the whole message's when it has
    /// one).
    /// </summary>
    public static float[] CrisisDecision(double crisisHead, bool lexiconCrisis, double words, double sentenceCrisis, double sentenceCoping, double sentenceFatalism) =>
        [(float)Logit(crisisHead), lexiconCrisis ? 1 : 0, (float)words, (float)Logit(sentenceCrisis), (float)Logit(sentenceCoping), (float)Logit(sentenceFatalism)];

    /// <summary>Inputs of the fatalism decision (<see cref="SafetyModel.FatalismDecision"/>), in order.</summary>
    public static IReadOnlyList<string> FatalismDecisionFeatureNames { get; } =
        ["fatalism-head-logit", "sentence-fatalism-logit", "coping-head-logit", "crisis-head-logit", "lexicon-fatalistic", "fatalism-words"];

    /// <summary>
    /// The inputs of the fatalism decision: the fatalism head's log-odds on the whole message and its highest over the
    /// message's sentences and clauses, the coping and crisis heads' log-odds on the whole message, the lexicon's
    /// fatalistic flag, and the message's fatalism word score.
    /// </summary>
    public static float[] FatalismDecision(double fatalismHead, double sentenceFatalism, double copingHead, double crisisHead, bool lexiconFatalistic, double words) =>
        [(float)Logit(fatalismHead), (float)Logit(sentenceFatalism), (float)Logit(copingHead), (float)Logit(crisisHead), lexiconFatalistic ? 1 : 0, (float)words];

    /// <summary>Inputs of the coping decision (<see cref="SafetyModel.CopingDecision"/>), in order.</summary>
    public static IReadOnlyList<string> CopingDecisionFeatureNames { get; } =
        ["coping-head-logit", "sentence-coping-logit", "fatalism-head-logit", "crisis-head-logit", "coping-words"];

    /// <summary>
    /// The inputs of the coping decision: the coping head's log-odds on the whole message and its highest over the
    /// message's sentences and clauses, the fatalism and crisis heads' log-odds on the whole message, and the message's
    /// coping word score.
    /// </summary>
    public static float[] CopingDecision(double copingHead, double sentenceCoping, double fatalismHead, double crisisHead, double words) =>
        [(float)Logit(copingHead), (float)Logit(sentenceCoping), (float)Logit(fatalismHead), (float)Logit(crisisHead), (float)words];

    /// <summary>
    /// The sentences and clauses of a message as the crisis decision reads them (split after <c>. ! ? ; , :</c> followed
    /// by a space, at line breaks and at a dash between spaces, keeping those with a letter); empty when the message has
    /// fewer than two, so only longer messages cost more.
    /// </summary>
    public static IReadOnlyList<string> Sentences(string text) => SentenceRanges(text).Select(r => text[r]).ToList();

    /// <summary>Where <see cref="Sentences"/> lie in the message: their character ranges, in order.</summary>
    public static IReadOnlyList<Range> SentenceRanges(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        var ranges = new List<Range>();
        var start = 0;
        foreach (Match end in SentenceBreak().Matches(text))
        {
            Add(start, end.Index);
            start = end.Index + end.Length;
        }

        Add(start, text.Length);
        return ranges.Count > 1 ? ranges : [];

        void Add(int from, int to)
        {
            while (from < to && char.IsWhiteSpace(text[from]))
            {
                from++;
            }

            while (to > from && char.IsWhiteSpace(text[to - 1]))
            {
                to--;
            }

            for (var i = from; i < to; i++)
            {
                if (char.IsLetter(text[i]))
                {
                    ranges.Add(from..to);
                    return;
                }
            }
        }
    }

    /// <summary>The distinct words and word pairs of a message (lower case, apostrophes dropped, runs of a-z and 0-9).</summary>
    public static IReadOnlyList<string> WordGrams(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        var words = Word().Matches(text.ToLowerInvariant().Replace("'", "", StringComparison.Ordinal).Replace("\u2019", "", StringComparison.Ordinal))
            .Select(m => m.Value).ToList();
        var grams = new List<string>(words.Count * 2);
        var seen = new HashSet<string>(StringComparer.Ordinal);
        foreach (var word in words)
        {
            if (seen.Add(word))
            {
                grams.Add(word);
            }
        }

        for (var i = 0; i + 1 < words.Count; i++)
        {
            var pair = words[i] + " " + words[i + 1];
            if (seen.Add(pair))
            {
                grams.Add(pair);
            }
        }

        return grams;
    }

    private static double Logit(double p)
    {
        p = Math.Clamp(p, 1e-6, 1 - 1e-6);
        return Math.Log(p / (1 - p));
    }

    [GeneratedRegex(@"(?<=[.!?;,:])\s+|\n+|\s+[-—–]+\s+")]
    private static partial Regex SentenceBreak();

    [GeneratedRegex("[a-z0-9]+")]
    private static partial Regex Word();
}
