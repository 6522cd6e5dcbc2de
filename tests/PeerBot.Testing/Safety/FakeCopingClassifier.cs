using PeerBot.Core.Configuration;
using PeerBot.Core.Safety;

namespace PeerBot.Testing.Safety;

/// <summary>
/// The rule-based classifier, plus <c>Coping = true</c> (with a <c>coping: "…"</c> reason) for the texts a test
/// chooses, standing in for the coping model: the lexicon alone never sets it.
/// </summary>
public sealed class FakeCopingClassifier : IMessageClassifier
{
    private readonly RuleBasedClassifier _inner;
    private readonly HashSet<string> _coping;

    /// <summary>Marks <paramref name="copingTexts"/> as coping; everything else is classified as the lexicon does.</summary>
    public FakeCopingClassifier(params string[] copingTexts)
        : this(new SafetyOptions(), copingTexts)
    {
    }

    /// <summary>Marks <paramref name="copingTexts"/> as coping, with the lexicon tuned by <paramref name="options"/>.</summary>
    public FakeCopingClassifier(SafetyOptions options, params string[] copingTexts)
    {
        _inner = new RuleBasedClassifier(options);
        _coping = new HashSet<string>(copingTexts, StringComparer.Ordinal);
    }

    /// <inheritdoc />
    public MessageAssessment Classify(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        var assessment = _inner.Classify(text);
        return _coping.Contains(text)
            ? assessment with { Coping = true, CopingScore = 0.9, Reasons = [.. assessment.Reasons, $"coping: \"{text}\""] }
            : assessment;
    }
}
