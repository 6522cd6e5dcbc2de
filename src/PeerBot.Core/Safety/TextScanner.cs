namespace PeerBot.Core.Safety;

/// <summary>Where a token sits, as far as the rules care.</summary>
[Flags]
internal enum TokenFlags : byte
{
    None = 0,

    /// <summary>Between double quotes.</summary>
    InQuote = 1,

    /// <summary>On a line that starts with <c>&gt;</c> (quoting an earlier message).</summary>
    QuoteLine = 2,

    /// <summary>First token after a comma, colon or dash.</summary>
    ClauseStart = 4,
}

/// <summary>One word of a message: its vocabulary id (or -1) and where it came from in the original text.</summary>
internal struct Token
{
    public int Id;
    public int Start;
    public int End;
    public int Sentence;
    public TokenFlags Flags;
    public WordClass Class;
}

/// <summary>A sentence as a token range.</summary>
internal struct SentenceSpan
{
    public int Start;
    public int End;
    public bool IsQuestion;
}

/// <summary>
/// Reusable per-thread buffers, so classifying a message allocates nothing that grows with the
/// number of messages seen (only with the length of the longest message).
/// </summary>
internal sealed class ScanBuffer
{
    public string Text = "";
    public Token[] Tokens = new Token[64];
    public int TokenCount;
    public SentenceSpan[] Sentences = new SentenceSpan[8];
    public int SentenceCount;
    public char[] Word = new char[64];
    public Hit[] Hits = new Hit[16];
    public int HitCount;

    public void AddHit(in Hit hit)
    {
        if (HitCount == Hits.Length)
        {
            Array.Resize(ref Hits, Hits.Length * 2);
        }

        Hits[HitCount++] = hit;
    }
}

/// <summary>
/// Turns chat text into tokens the lexicon understands: lower case, apostrophes dropped
/// ("what's" → "whats"), look-alike digits and symbols inside words mapped back to letters
/// ("su1c1de", "k!ll"), stretched letters shortened ("sooo"), sentences and quotes marked.
/// </summary>
internal static class TextScanner
{
    public static void Scan(string text, Vocabulary vocabulary, ScanBuffer buffer)
    {
        buffer.Text = text;
        buffer.TokenCount = 0;
        buffer.SentenceCount = 0;
        var sentenceStart = 0;
        var inQuote = false;
        var quoteLine = false;
        var lineStart = true;
        var clauseStart = true;
        var n = text.Length;
        var i = 0;
        while (i < n)
        {
            var c = text[i];
            if (char.IsLetterOrDigit(c))
            {
                var start = i;
                var length = 0;
                var hasWildcard = false;
                while (i < n)
                {
                    var ch = text[i];
                    if (char.IsLetterOrDigit(ch))
                    {
                        Append(buffer, ref length, char.ToLowerInvariant(ch));
                        i++;
                        continue;
                    }

                    var inside = length > 0 && i + 1 < n && char.IsLetterOrDigit(text[i + 1]) && char.IsLetterOrDigit(text[i - 1]);
                    if (inside && ch is '\'' or '\u2019' or '\u2018' or '`')
                    {
                        i++;
                        continue;
                    }

                    if (inside && ch is '*' or '!' or '@' or '$')
                    {
                        hasWildcard |= ch == '*';
                        Append(buffer, ref length, ch switch { '!' => 'i', '@' => 'a', '$' => 's', _ => '*' });
                        i++;
                        continue;
                    }

                    break;
                }

                var word = Normalise(buffer.Word.AsSpan(0, length));
                var id = vocabulary.Lookup(word, hasWildcard);
                var flags = (inQuote ? TokenFlags.InQuote : 0) | (quoteLine ? TokenFlags.QuoteLine : 0) | (clauseStart ? TokenFlags.ClauseStart : 0);
                AddToken(buffer, id, vocabulary, start, i, flags);
                lineStart = false;
                clauseStart = false;
                continue;
            }

            switch (c)
            {
                case '\n':
                    EndSentence(buffer, ref sentenceStart, false);
                    lineStart = true;
                    quoteLine = false;
                    inQuote = false;
                    clauseStart = true;
                    break;
                case '.' or '!' or ';' or '\u2026':
                    EndSentence(buffer, ref sentenceStart, false);
                    clauseStart = true;
                    break;
                case '?':
                    EndSentence(buffer, ref sentenceStart, true);
                    clauseStart = true;
                    break;
                case '"' or '\u201C' or '\u201D' or '\u00AB' or '\u00BB':
                    inQuote = c switch { '\u201C' or '\u00AB' => true, '\u201D' or '\u00BB' => false, _ => !inQuote };
                    clauseStart = true;
                    break;
                case '>':
                    if (lineStart)
                    {
                        quoteLine = true;
                    }

                    break;
                case ',' or ':' or '(' or ')' or '-' or '\u2013' or '\u2014':
                    clauseStart = true;
                    break;
                case '^':
                    AddToken(buffer, vocabulary.Caret, vocabulary, i, i + 1, quoteLine ? TokenFlags.QuoteLine : 0);
                    break;
                case '+' when i + 1 < n && text[i + 1] == '1' && (i + 2 >= n || !char.IsDigit(text[i + 2])):
                    AddToken(buffer, vocabulary.PlusOne, vocabulary, i, i + 2, quoteLine ? TokenFlags.QuoteLine : 0);
                    i++;
                    break;
                default:
                    if (char.IsHighSurrogate(c) && i + 1 < n)
                    {
                        var codePoint = char.ConvertToUtf32(c, text[i + 1]);
                        if (codePoint is 0x1F602 or 0x1F923 or 0x1F606 or 0x1F605 or 0x1F480)
                        {
                            // Laughing (and "I'm dead" skull) emoji read as "lol": they mark an idiom.
                            AddToken(buffer, vocabulary.Laugh, vocabulary, i, i + 2, 0);
                        }

                        i++;
                    }

                    break;
            }

            if (!char.IsWhiteSpace(c) && c != '>')
            {
                lineStart = false;
            }

            i++;
        }

        EndSentence(buffer, ref sentenceStart, false);
    }

    private static void Append(ScanBuffer buffer, ref int length, char c)
    {
        if (length == buffer.Word.Length)
        {
            Array.Resize(ref buffer.Word, buffer.Word.Length * 2);
        }

        buffer.Word[length++] = c;
    }

    /// <summary>Maps look-alike digits between letters back to letters and shortens runs of three or more of a letter.</summary>
    private static ReadOnlySpan<char> Normalise(Span<char> word)
    {
        for (var k = 1; k < word.Length - 1; k++)
        {
            if (char.IsDigit(word[k]) && IsLetterish(word[k - 1]) && IsLetterish(word[k + 1]))
            {
                word[k] = word[k] switch { '0' => 'o', '1' => 'i', '3' => 'e', '4' => 'a', '5' => 's', '7' => 't', _ => word[k] };
            }
        }

        var write = 0;
        for (var k = 0; k < word.Length; k++)
        {
            if (write >= 2 && word[k] == word[write - 1] && word[k] == word[write - 2] && char.IsLetter(word[k]))
            {
                continue;
            }

            word[write++] = word[k];
        }

        return word[..write];
    }

    private static bool IsLetterish(char c) => char.IsLetter(c) || c == '*' || c is '0' or '1' or '3' or '4' or '5' or '7';

    private static void AddToken(ScanBuffer buffer, int id, Vocabulary vocabulary, int start, int end, TokenFlags flags)
    {
        if (buffer.TokenCount == buffer.Tokens.Length)
        {
            Array.Resize(ref buffer.Tokens, buffer.Tokens.Length * 2);
        }

        ref var token = ref buffer.Tokens[buffer.TokenCount++];
        token.Id = id;
        token.Start = start;
        token.End = end;
        token.Sentence = buffer.SentenceCount;
        token.Flags = flags;
        token.Class = vocabulary.ClassOf(id);
    }

    private static void EndSentence(ScanBuffer buffer, ref int sentenceStart, bool question)
    {
        if (buffer.TokenCount == sentenceStart)
        {
            if (question && buffer.SentenceCount > 0 && buffer.Sentences[buffer.SentenceCount - 1].End == sentenceStart)
            {
                // "why??" or "really?!": the mark belongs to the sentence just closed.
                buffer.Sentences[buffer.SentenceCount - 1].IsQuestion = true;
            }

            return;
        }

        if (buffer.SentenceCount == buffer.Sentences.Length)
        {
            Array.Resize(ref buffer.Sentences, buffer.Sentences.Length * 2);
        }

        buffer.Sentences[buffer.SentenceCount++] = new SentenceSpan { Start = sentenceStart, End = buffer.TokenCount, IsQuestion = question };
        sentenceStart = buffer.TokenCount;
    }
}
