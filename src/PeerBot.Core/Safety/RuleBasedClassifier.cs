using System.Globalization;
using System.Text;
using Microsoft.Extensions.Options;
using PeerBot.Core.Configuration;

namespace PeerBot.Core.Safety;

/// <summary>A phrase found in a message, as a token range, with what the context rules made of it.</summary>
internal struct Hit
{
    public Pattern Pattern;
    public int Start;
    public int End;
    public bool Kept;
    public double Factor;
    public string? Discount;
}

/// <summary>
/// The safety engine's classifier: explainable phrase lexicons (<see cref="Lexicon"/>) and context
/// rules for negation, quoting to disagree, the past overcome, genuine questions, tasks and equipment,
/// idioms and clinical talk about patients. Runs offline, allocates nothing that grows with history,
/// and every decision carries the phrases and categories it rests on.
/// </summary>
public sealed class RuleBasedClassifier : IMessageClassifier
{
    private const int NegatorScope = 3;
    private const int TaskNounBefore = 6;
    private const int TaskNounAfter = 6;
    private const int SpanLimit = 60;

    private static readonly MessageAssessment Calm = new(false, 0, false, []);
    private static readonly Engine Shared = new();

    [ThreadStatic]
    private static ScanBuffer? _threadBuffer;

    private readonly double _threshold;

    /// <summary>Creates the classifier with default settings.</summary>
    public RuleBasedClassifier()
        : this(new SafetyOptions())
    {
    }

    /// <summary>Creates the classifier from the configured safety settings.</summary>
    public RuleBasedClassifier(IOptions<PeerBotOptions> options)
        : this(options?.Value.Safety ?? throw new ArgumentNullException(nameof(options)))
    {
    }

    /// <summary>Creates the classifier from safety settings.</summary>
    public RuleBasedClassifier(SafetyOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        _threshold = options.FatalismThreshold;
    }

    /// <inheritdoc />
    public MessageAssessment Classify(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        var buffer = _threadBuffer ??= new ScanBuffer();
        TextScanner.Scan(text, Shared.Vocabulary, buffer);
        Shared.FindHits(buffer);
        try
        {
            return buffer.HitCount == 0 ? Calm : Evaluate(text, buffer);
        }
        finally
        {
            buffer.Text = "";
        }
    }

    private MessageAssessment Evaluate(string text, ScanBuffer b)
    {
        var hits = b.Hits.AsSpan(0, b.HitCount);
        KeepLongest(hits, fatalism: true);
        KeepLongest(hits, fatalism: false);

        var crisisRemaining = 1.0;
        var fatalismRemaining = 1.0;
        var anyReason = false;
        for (var i = 0; i < hits.Length; i++)
        {
            ref var hit = ref hits[i];
            if (!hit.Kept)
            {
                continue;
            }

            anyReason = true;
            hit.Factor = 1;
            hit.Discount = hit.Pattern.IsCrisis ? CrisisDiscount(b, hits, in hit) : FatalismDiscount(b, hits, ref hit);
            if (hit.Discount is not null)
            {
                continue;
            }

            if (hit.Pattern.IsCrisis)
            {
                crisisRemaining *= 1 - hit.Pattern.Weight;
            }
            else
            {
                fatalismRemaining *= 1 - (hit.Pattern.Weight * hit.Factor);
            }
        }

        if (!anyReason)
        {
            return Calm;
        }

        var fatalism = 1 - fatalismRemaining;
        var agreementEnd = fatalism > 0 ? AgreementAtStart(b, hits) : -1;
        if (agreementEnd > 0)
        {
            fatalism = Math.Min(1, fatalism + 0.05);
        }

        var reasons = new List<string>(4);
        foreach (var hit in hits)
        {
            if (hit.Kept && hit.Pattern.IsCrisis)
            {
                reasons.Add(Reason(text, b, in hit));
            }
        }

        foreach (var hit in hits)
        {
            if (hit.Kept && hit.Pattern.IsFatalism)
            {
                reasons.Add(Reason(text, b, in hit));
            }
        }

        if (agreementEnd > 0)
        {
            reasons.Add("agreement: \"" + Excerpt(text, b.Tokens[0].Start, b.Tokens[agreementEnd - 1].End) + "\"");
        }

        fatalism = Math.Round(fatalism, 4);
        return new MessageAssessment(fatalism >= _threshold, fatalism, 1 - crisisRemaining >= 0.5, reasons);
    }

    /// <summary>Of overlapping phrases of one kind (fatalism or crisis), keeps the earliest and, among those, the longest.</summary>
    private static void KeepLongest(Span<Hit> hits, bool fatalism)
    {
        var lastKept = -1;
        for (var i = 0; i < hits.Length; i++)
        {
            ref var hit = ref hits[i];
            var ofKind = fatalism ? hit.Pattern.IsFatalism : hit.Pattern.IsCrisis;
            if (!ofKind)
            {
                continue;
            }

            if (lastKept >= 0 && hit.Start < hits[lastKept].End)
            {
                if (hit.End - hit.Start > hits[lastKept].End - hits[lastKept].Start)
                {
                    hits[lastKept].Kept = false;
                    hit.Kept = true;
                    lastKept = i;
                }
                else
                {
                    hit.Kept = false;
                }

                continue;
            }

            hit.Kept = true;
            lastKept = i;
        }
    }

    private static string? FatalismDiscount(ScanBuffer b, Span<Hit> hits, ref Hit hit)
    {
        var tokens = b.Tokens;
        var sentence = b.Sentences[tokens[hit.Start].Sentence];
        if (NegatedByPhrase(b, hits, in hit, out var negator) || NegatedByWord(b, hits, in hit, 2, out negator))
        {
            return "negated by \"" + negator + "\"";
        }

        var sentenceIndex = tokens[hit.Start].Sentence;
        var quoted = (tokens[hit.Start].Flags & (TokenFlags.InQuote | TokenFlags.QuoteLine)) != 0
            || HasCueBefore(b, hits, Cue.Report, sentenceIndex, hit.Start);
        if (quoted)
        {
            if (HasCueOutside(hits, Cue.Disagree, hit.Start, hit.End))
            {
                return "quoted to disagree";
            }

            hit.Factor = 0.5;
        }

        if (HasCueBefore(b, hits, Cue.UsedTo, sentenceIndex, hit.Start)
            || (HasCueBefore(b, hits, Cue.Past, sentenceIndex, int.MaxValue) && HasCueOutside(hits, Cue.Overcome, hit.Start, hit.End)))
        {
            return "overcome in the past";
        }

        if (sentence.IsQuestion
            && ((hit.Pattern.Flags & PatternFlags.Rhetorical) == 0 || HasCueOutside(hits, Cue.GenuineQuestion, 0, 0)))
        {
            return "a genuine question";
        }

        if (AboutTask(b, in hit, sentence))
        {
            return "about a task or equipment";
        }

        return null;
    }

    private static string? CrisisDiscount(ScanBuffer b, Span<Hit> hits, in Hit hit)
    {
        var tokens = b.Tokens;
        if (NegatedByWord(b, hits, in hit, 1, out var negator))
        {
            return "negated by \"" + negator + "\"";
        }

        if (AboutSomeoneElse(b, in hit))
        {
            return "talk about someone else, such as a patient";
        }

        if ((hit.Pattern.Flags & PatternFlags.IdiomProne) != 0)
        {
            var after = hit.End;
            var ofEmotion = after + 1 < b.TokenCount
                && (tokens[after].Class & WordClass.Of) != 0
                && (tokens[after + 1].Class & WordClass.IdiomEmotion) != 0;
            if (ofEmotion || HasClass(b, 0, b.TokenCount, WordClass.Laugh))
            {
                return "an idiom";
            }
        }

        if ((hit.Pattern.Flags & PatternFlags.Accident) != 0
            && (HasCueBefore(b, hits, Cue.Accident, tokens[hit.Start].Sentence, int.MaxValue)
                || (hit.Start > 0 && char.IsDigit(b.Text[tokens[hit.Start - 1].Start]))))
        {
            return "an accident or a distance, not self-harm";
        }

        if (hit.Pattern.Cue == Cue.Goodbye && HasCueOutside(hits, Cue.NotCrisis, 0, 0))
        {
            return "an ordinary farewell";
        }

        return null;
    }

    private static bool NegatedByPhrase(ScanBuffer b, Span<Hit> hits, in Hit hit, out string negator)
    {
        var tokens = b.Tokens;
        foreach (var m in hits)
        {
            if (m.Pattern.Cue != Cue.Negator || m.Start >= hit.Start || tokens[m.Start].Sentence != tokens[hit.Start].Sentence)
            {
                continue;
            }

            if (hit.Start - m.End <= NegatorScope && !ClauseBreak(b, m.End, hit.Start))
            {
                negator = PhraseOf(b, m.Start, m.End);
                return true;
            }
        }

        negator = "";
        return false;
    }

    private static bool NegatedByWord(ScanBuffer b, Span<Hit> hits, in Hit hit, int reach, out string negator)
    {
        var tokens = b.Tokens;
        for (var k = hit.Start - 1; k >= 0 && k >= hit.Start - reach; k--)
        {
            if (tokens[k].Sentence != tokens[hit.Start].Sentence || ClauseBreak(b, k + 1, hit.Start))
            {
                break;
            }

            if ((tokens[k].Class & WordClass.BareNegator) != 0 && !InsideKeptPhrase(hits, k, hit.Pattern.IsCrisis))
            {
                negator = PhraseOf(b, k, k + 1);
                return true;
            }
        }

        negator = "";
        return false;
    }

    private static bool InsideKeptPhrase(Span<Hit> hits, int token, bool crisis)
    {
        foreach (var h in hits)
        {
            if (h.Kept && h.Pattern.IsCrisis == crisis && token >= h.Start && token < h.End)
            {
                return true;
            }
        }

        return false;
    }

    /// <summary>True when a token in <c>[from, to]</c> starts a new clause (a comma, colon or dash before it).</summary>
    private static bool ClauseBreak(ScanBuffer b, int from, int to)
    {
        for (var k = Math.Max(from, 1); k <= to && k < b.TokenCount; k++)
        {
            if ((b.Tokens[k].Flags & TokenFlags.ClauseStart) != 0)
            {
                return true;
            }
        }

        return false;
    }

    private static bool AboutTask(ScanBuffer b, in Hit hit, SentenceSpan sentence)
    {
        var tokens = b.Tokens;
        var flags = hit.Pattern.Flags;
        var next = hit.End < sentence.End ? tokens[hit.End].Class : WordClass.None;
        if ((flags & PatternFlags.SkillAt) != 0 && (next & WordClass.At) != 0)
        {
            return true;
        }

        if ((flags & PatternFlags.Place) != 0 && (next & WordClass.Place) != 0)
        {
            return true;
        }

        if ((flags & PatternFlags.TaskObject) != 0)
        {
            var k = hit.End;
            if (k < sentence.End && (tokens[k].Id == Shared.In || tokens[k].Id == Shared.To))
            {
                k++;
            }

            if (k < sentence.End && (tokens[k].Class & WordClass.TaskGerund) != 0)
            {
                return true;
            }
        }

        // "nothing we can do about the pharmacy delay": a task noun after the phrase counts only behind
        // about/with/for, so "helpless against the admin machine" stays fatalistic.
        var objectFollows = (hit.End < sentence.End && (tokens[hit.End].Class & WordClass.Preposition) != 0)
            || (flags & PatternFlags.TaskObject) != 0;
        return HasClass(b, Math.Max(sentence.Start, hit.Start - TaskNounBefore), hit.Start, WordClass.TaskNoun)
            || (objectFollows && HasClass(b, hit.End, Math.Min(sentence.End, hit.End + TaskNounAfter), WordClass.TaskNoun));
    }

    /// <summary>
    /// A crisis phrase is about someone else when it is quoted from a third person, or when the
    /// nearest person before it in its sentence is a third person ("she kept saying she wanted to die"),
    /// or when a patient noun follows it ("suicidal teen").
    /// </summary>
    private static bool AboutSomeoneElse(ScanBuffer b, in Hit hit)
    {
        var tokens = b.Tokens;
        if ((tokens[hit.Start].Flags & TokenFlags.InQuote) != 0)
        {
            for (var k = 0; k < b.TokenCount; k++)
            {
                if ((tokens[k].Flags & TokenFlags.InQuote) == 0 && (tokens[k].Class & WordClass.ThirdPerson) != 0)
                {
                    return true;
                }
            }

            return false;
        }

        if ((hit.Pattern.Flags & PatternFlags.SubjectCheck) == 0)
        {
            return false;
        }

        if (hit.End < b.TokenCount && tokens[hit.End].Sentence == tokens[hit.Start].Sentence
            && (tokens[hit.End].Class & WordClass.ClinicalNoun) != 0)
        {
            return true;
        }

        var sentence = tokens[hit.Start].Sentence;
        for (var k = hit.Start - 1; k >= 0 && tokens[k].Sentence == sentence; k--)
        {
            var c = tokens[k].Class;
            if ((c & WordClass.FirstPerson) != 0)
            {
                return false;
            }

            if ((c & WordClass.ThirdPerson) != 0)
            {
                return true;
            }
        }

        return false;
    }

    /// <summary>The end token of a leading "^ this", "+1", "same," or "exactly." that agrees with an earlier message; -1 when none.</summary>
    private static int AgreementAtStart(ScanBuffer b, Span<Hit> hits)
    {
        var end = 0;
        var progressed = true;
        while (progressed)
        {
            progressed = false;
            foreach (var h in hits)
            {
                if (h.Pattern.Cue == Cue.Agreement && h.Start == end)
                {
                    end = h.End;
                    progressed = true;
                    break;
                }
            }
        }

        if (end == 0)
        {
            return -1;
        }

        var tokens = b.Tokens;
        var first = tokens[0].Id;
        var standsAlone = end >= b.TokenCount
            || tokens[end].Sentence != tokens[0].Sentence
            || (tokens[end].Flags & TokenFlags.ClauseStart) != 0
            || first == Shared.Vocabulary.Caret
            || first == Shared.Vocabulary.PlusOne;
        return standsAlone ? end : -1;
    }

    private static bool HasClass(ScanBuffer b, int from, int to, WordClass wordClass)
    {
        for (var k = from; k < to; k++)
        {
            if ((b.Tokens[k].Class & wordClass) != 0)
            {
                return true;
            }
        }

        return false;
    }

    /// <summary>True when a marker of this kind starts in the sentence before the token <paramref name="before"/>.</summary>
    private static bool HasCueBefore(ScanBuffer b, Span<Hit> hits, Cue cue, int sentence, int before)
    {
        foreach (var h in hits)
        {
            if (h.Pattern.Cue == cue && h.Start < before && b.Tokens[h.Start].Sentence == sentence)
            {
                return true;
            }
        }

        return false;
    }

    /// <summary>True when a marker of this kind lies wholly outside the token range <c>[start, end)</c>.</summary>
    private static bool HasCueOutside(Span<Hit> hits, Cue cue, int start, int end)
    {
        foreach (var h in hits)
        {
            if (h.Pattern.Cue == cue && (h.End <= start || h.Start >= end))
            {
                return true;
            }
        }

        return false;
    }

    private static string Reason(string text, ScanBuffer b, in Hit hit)
    {
        var label = hit.Pattern.Cue switch
        {
            Cue.Futility => "futility",
            Cue.Helplessness => "helplessness",
            Cue.Permanence => "permanence",
            Cue.Resignation => "resignation",
            Cue.Ideation => "crisis, ideation",
            Cue.PlanOrMeans => "crisis, plan or means",
            Cue.SelfHarm => "crisis, self-harm",
            Cue.Goodbye => "crisis, goodbye",
            _ => hit.Pattern.Cue.ToString().ToLowerInvariant(),
        };
        var sb = new StringBuilder(label.Length + 48);
        sb.Append(label).Append(": \"").Append(Excerpt(text, b.Tokens[hit.Start].Start, b.Tokens[hit.End - 1].End)).Append('"');
        if (hit.Discount is not null)
        {
            sb.Append(" (not counted: ").Append(hit.Discount).Append(')');
        }
        else if (hit.Factor < 1)
        {
            sb.Append(" (reported speech, weighs ").Append(hit.Factor.ToString("0.##", CultureInfo.InvariantCulture)).Append(')');
        }

        return sb.ToString();
    }

    private static string PhraseOf(ScanBuffer b, int start, int end) => Excerpt(b.Text, b.Tokens[start].Start, b.Tokens[end - 1].End);

    private static string Excerpt(string text, int start, int end)
    {
        var span = text.AsSpan(start, end - start).Trim();
        var s = span.Length <= SpanLimit ? span.ToString() : string.Concat(span[..(SpanLimit - 1)], "\u2026");
        return s.Replace("\n", " ", StringComparison.Ordinal);
    }

    /// <summary>The compiled lexicon shared by every instance: built once, read-only afterwards.</summary>
    private sealed class Engine
    {
        private readonly Pattern[]?[] _byFirstWord;

        public Engine()
        {
            var (vocabulary, patterns) = Lexicon.Build();
            Vocabulary = vocabulary;
            In = vocabulary.Intern("in");
            To = vocabulary.Intern("to");
            _byFirstWord = new Pattern[vocabulary.Count][];
            foreach (var group in patterns.SelectMany(p => p.Elements[0].Ids.Select(id => (id, p))).GroupBy(x => x.id))
            {
                _byFirstWord[group.Key] = group.Select(x => x.p).ToArray();
            }
        }

        public Vocabulary Vocabulary { get; }

        public int In { get; }

        public int To { get; }

        public void FindHits(ScanBuffer b)
        {
            b.HitCount = 0;
            var tokens = b.Tokens;
            for (var t = 0; t < b.TokenCount; t++)
            {
                var id = tokens[t].Id;
                if (id < 0 || id >= _byFirstWord.Length || _byFirstWord[id] is not { } candidates)
                {
                    continue;
                }

                var limit = b.Sentences[tokens[t].Sentence].End;
                foreach (var pattern in candidates)
                {
                    var end = MatchFrom(pattern.Elements, 1, tokens, t + 1, limit);
                    if (end > 0)
                    {
                        b.AddHit(new Hit { Pattern = pattern, Start = t, End = end });
                    }
                }
            }
        }

        private static int MatchFrom(Element[] elements, int e, Token[] tokens, int t, int limit)
        {
            if (e == elements.Length)
            {
                return t;
            }

            var element = elements[e];
            if (element.Gap > 0)
            {
                for (var g = 0; g <= element.Gap && t + g <= limit; g++)
                {
                    var end = MatchFrom(elements, e + 1, tokens, t + g, limit);
                    if (end > 0)
                    {
                        return end;
                    }
                }

                return -1;
            }

            if (t < limit && element.Has(tokens[t].Id))
            {
                var end = MatchFrom(elements, e + 1, tokens, t + 1, limit);
                if (end > 0)
                {
                    return end;
                }
            }

            return element.Optional ? MatchFrom(elements, e + 1, tokens, t, limit) : -1;
        }
    }
}
