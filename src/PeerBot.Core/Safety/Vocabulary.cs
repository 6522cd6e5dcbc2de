namespace PeerBot.Core.Safety;

/// <summary>What a single word tells the context rules.</summary>
[Flags]
internal enum WordClass : ushort
{
    None = 0,
    FirstPerson = 1,
    ThirdPerson = 2,
    TaskNoun = 4,
    TaskGerund = 8,
    Laugh = 16,
    BareNegator = 32,
    Place = 64,
    At = 128,
    IdiomEmotion = 256,
    Of = 512,
    ClinicalNoun = 1024,
    Preposition = 2048,
}

/// <summary>
/// The words the lexicon knows, each with a small integer id, looked up without allocating
/// (span lookup). Words outside it get -1, except near-misses of a few long, distinctive words
/// (typos such as "hopless", evasions such as "s*icide"), which are mapped to them.
/// </summary>
internal sealed class Vocabulary
{
    private readonly Dictionary<string, int> _ids = new(StringComparer.Ordinal);
    private readonly List<WordClass> _classes = [];
    private readonly List<string> _words = [];
    private readonly Dictionary<string, int>.AlternateLookup<ReadOnlySpan<char>> _lookup;
    private (string Word, int Id)[][] _fuzzyByInitial = [];
    private (string Word, int Id)[] _fuzzyAll = [];

    public Vocabulary()
    {
        _lookup = _ids.GetAlternateLookup<ReadOnlySpan<char>>();
        Caret = Intern("^");
        PlusOne = Intern("+1");
        Laugh = Intern("lol");
    }

    /// <summary>The id of <c>^</c>, "see above".</summary>
    public int Caret { get; }

    /// <summary>The id of <c>+1</c>.</summary>
    public int PlusOne { get; }

    /// <summary>The id of "lol", also used for laughing emoji.</summary>
    public int Laugh { get; }

    public int Count => _words.Count;

    public int Intern(string word)
    {
        if (_ids.TryGetValue(word, out var id))
        {
            return id;
        }

        id = _words.Count;
        _ids[word] = id;
        _words.Add(word);
        _classes.Add(WordClass.None);
        return id;
    }

    /// <summary>Makes <paramref name="variant"/> read as <paramref name="canonical"/>.</summary>
    public void Alias(string variant, string canonical) => _ids[variant] = Intern(canonical);

    public void Classify(WordClass wordClass, params string[] words)
    {
        foreach (var word in words)
        {
            var id = Intern(word);
            _classes[id] |= wordClass;
        }
    }

    public void SetFuzzyTargets(IEnumerable<string> words)
    {
        var targets = words.Select(w => (Word: w, Id: Intern(w))).ToArray();
        _fuzzyAll = targets;
        _fuzzyByInitial = new (string, int)[26][];
        for (var c = 0; c < 26; c++)
        {
            var initial = (char)('a' + c);
            _fuzzyByInitial[c] = targets.Where(t => t.Word[0] == initial).ToArray();
        }
    }

    public WordClass ClassOf(int id) => id >= 0 ? _classes[id] : WordClass.None;

    public string WordOf(int id) => _words[id];

    public int Find(string word) => _ids.TryGetValue(word, out var id) ? id : -1;

    public int Lookup(ReadOnlySpan<char> word, bool hasWildcard)
    {
        if (!hasWildcard && _lookup.TryGetValue(word, out var id))
        {
            return id;
        }

        if (word.Length < 6 && !hasWildcard)
        {
            return -1;
        }

        var candidates = word[0] is >= 'a' and <= 'z' ? _fuzzyByInitial[word[0] - 'a'] : word[0] == '*' ? _fuzzyAll : [];
        foreach (var (target, targetId) in candidates)
        {
            if (Math.Abs(target.Length - word.Length) <= 1 && WithinOneEdit(word, target))
            {
                return targetId;
            }
        }

        return -1;
    }

    /// <summary>
    /// True when <paramref name="word"/> is at most one insertion, deletion, substitution or swap of
    /// neighbours away from <paramref name="target"/>; a <c>*</c> in the word stands for any one letter.
    /// </summary>
    internal static bool WithinOneEdit(ReadOnlySpan<char> word, string target)
    {
        var i = 0;
        var j = 0;
        var edits = 0;
        while (i < word.Length && j < target.Length)
        {
            if (word[i] == target[j] || word[i] == '*')
            {
                i++;
                j++;
                continue;
            }

            if (++edits > 1)
            {
                return false;
            }

            if (word.Length == target.Length && i + 1 < word.Length && word[i] == target[j + 1] && word[i + 1] == target[j])
            {
                i += 2;
                j += 2;
            }
            else if (word.Length > target.Length)
            {
                i++;
            }
            else if (word.Length < target.Length)
            {
                j++;
            }
            else
            {
                i++;
                j++;
            }
        }

        edits += (word.Length - i) + (target.Length - j);
        return edits <= 1;
    }
}
