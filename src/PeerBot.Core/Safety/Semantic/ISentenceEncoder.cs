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
}
