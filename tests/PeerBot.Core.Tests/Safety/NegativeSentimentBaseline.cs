using PeerBot.Core.Safety;

namespace PeerBot.Core.Tests.Safety;

/// <summary>
/// The comparison point for docs/SAFETY.md: a plain negative-sentiment lexicon, as a sentiment filter
/// would use. A message is "fatalistic" when it has two or more negative words (one when short), and
/// "crisis" when it has a death or harm word.
/// </summary>
public sealed class NegativeSentimentBaseline : IMessageClassifier
{
    private static readonly HashSet<string> Negative = new(StringComparer.Ordinal)
    {
        "hate", "awful", "terrible", "horrible", "worst", "bad", "sad", "angry", "mad", "tired", "exhausted", "drained", "miserable",
        "hopeless", "pointless", "useless", "helpless", "powerless", "never", "nothing", "nobody", "cant", "wont", "dont", "not", "no",
        "hell", "sucks", "sucked", "brutal", "cry", "cried", "crying", "lonely", "low", "frustrated", "burnt", "burned", "stuck", "trapped",
        "give", "quit", "done", "broken", "wrecked", "ugh", "insane", "scared", "hurt", "hurts", "pain", "die", "dead", "kill", "killing",
        "death", "dying", "suicide", "suicidal", "worse", "fail", "failed", "failing", "alone", "drowning", "angry", "rage", "awful",
    };

    private static readonly HashSet<string> Harm = new(StringComparer.Ordinal)
    {
        "die", "dead", "kill", "killing", "death", "dying", "suicide", "suicidal", "cut", "cutting", "hurt", "goodbye", "overdose",
    };

    public MessageAssessment Classify(string text)
    {
        var words = Words(text);
        var negatives = words.Where(Negative.Contains).ToList();
        var score = Math.Min(1, negatives.Count / 2.0);
        var fatalistic = negatives.Count >= 2 || (negatives.Count == 1 && words.Count <= 6);
        var crisis = words.Any(Harm.Contains);
        return new MessageAssessment(fatalistic, score, crisis, negatives.Select(w => "negative: " + w).ToList());
    }

    private static List<string> Words(string text) =>
        new string(text.ToLowerInvariant().Where(c => char.IsLetter(c) || c == ' ' || c == '\n').ToArray())
            .Split([' ', '\n'], StringSplitOptions.RemoveEmptyEntries)
            .ToList();
}
