namespace PeerBot.Core.Safety.Semantic;

/// <summary>
/// Turns messages into sentence embeddings (the port; the ONNX MiniLM implementation lives in PeerBot.Embeddings).
/// Implementations are thread-safe and batch internally.
/// </summary>
public interface ISentenceEncoder
{
    /// <summary>The length of every embedding.</summary>
    int Dimensions { get; }

    /// <summary>A short name of the model, written into trained heads so they are never used with another.</summary>
    string ModelName { get; }

    /// <summary>Embeds the texts, in order; each embedding has unit length.</summary>
    IReadOnlyList<float[]> Encode(IReadOnlyList<string> texts);

    /// <summary>
    /// Embeds the texts and, for each, the given parts of it (character ranges, in order, not overlapping), in order; each
    /// embedding has unit length. Each part is embedded as a text of its own, in one <see cref="Encode"/> call with the
    /// texts, so an encoder that batches by length pads a short clause only to other short texts. (A part read inside its
    /// text, from the text's own token states, reads closer to the text than to itself, and the heads are trained on
    /// texts read alone.)
    /// </summary>
    /// <exception cref="ArgumentException">The lists differ in length, or a range lies outside its text or out of order.</exception>
    IReadOnlyList<EncodedText> EncodeWithParts(IReadOnlyList<string> texts, IReadOnlyList<IReadOnlyList<Range>> parts)
    {
        ValidateParts(texts, parts);
        var all = new List<string>(texts);
        for (var i = 0; i < texts.Count; i++)
        {
            all.AddRange(parts[i].Select(r => texts[i][r]));
        }

        var vectors = Encode(all);
        var results = new EncodedText[texts.Count];
        var next = texts.Count;
        for (var i = 0; i < texts.Count; i++)
        {
            var own = new float[parts[i].Count][];
            for (var p = 0; p < own.Length; p++)
            {
                own[p] = vectors[next++];
            }

            results[i] = new EncodedText(vectors[i], own);
        }

        return results;
    }

    /// <summary>Checks the arguments of <see cref="EncodeWithParts"/>.</summary>
    /// <exception cref="ArgumentException">The lists differ in length, or a range lies outside its text or out of order.</exception>
    public static void ValidateParts(IReadOnlyList<string> texts, IReadOnlyList<IReadOnlyList<Range>> parts)
    {
        ArgumentNullException.ThrowIfNull(texts);
        ArgumentNullException.ThrowIfNull(parts);
        if (texts.Count != parts.Count)
        {
            throw new ArgumentException($"{texts.Count} texts but {parts.Count} lists of parts", nameof(parts));
        }

        for (var i = 0; i < texts.Count; i++)
        {
            ArgumentNullException.ThrowIfNull(texts[i], nameof(texts));
            ArgumentNullException.ThrowIfNull(parts[i], nameof(parts));
            var end = 0;
            foreach (var range in parts[i])
            {
                var (offset, length) = range.GetOffsetAndLength(texts[i].Length);
                if (offset < end)
                {
                    throw new ArgumentException($"the parts of text {i} overlap or are out of order", nameof(parts));
                }

                end = offset + length;
            }
        }
    }
}

/// <summary>A text's embedding and its parts' (<see cref="ISentenceEncoder.EncodeWithParts"/>).</summary>
/// <param name="Embedding">The whole text's embedding.</param>
/// <param name="Parts">One embedding per part, in the order given.</param>
public sealed record EncodedText(float[] Embedding, IReadOnlyList<float[]> Parts);
