using System.Security.Cryptography;
using System.Text;
using System.Text.Json;

namespace PeerBot.Embeddings.Training;

/// <summary>One labelled message of the safety corpus (<c>corpus/train/*.jsonl</c>, <c>corpus/sealed/*.jsonl</c>).</summary>
/// <param name="Id">Unique id.</param>
/// <param name="Kind">The taxonomy cell it was written for.</param>
/// <param name="Fatalistic">The fatalism label.</param>
/// <param name="Crisis">The crisis label.</param>
/// <param name="Coping">The maladaptive-coping label.</param>
/// <param name="Text">The message.</param>
public sealed record LabelledMessage(string Id, string Kind, bool Fatalistic, bool Crisis, bool Coping, string Text);

/// <summary>Reads labelled JSON Lines files, every bad line reported with its file and number.</summary>
public static class LabelledCorpus
{
    /// <summary>Reads every <c>*.jsonl</c> in <paramref name="folder"/>, in file-name order.</summary>
    /// <exception cref="InvalidDataException">A line is malformed, or an id repeats.</exception>
    public static IReadOnlyList<LabelledMessage> ReadFolder(string folder)
    {
        var files = Directory.GetFiles(folder, "*.jsonl").OrderBy(f => f, StringComparer.Ordinal).ToList();
        var all = new List<LabelledMessage>();
        foreach (var file in files)
        {
            all.AddRange(ReadFile(file));
        }

        var duplicate = all.GroupBy(m => m.Id, StringComparer.Ordinal).FirstOrDefault(g => g.Count() > 1);
        if (duplicate is not null)
        {
            throw new InvalidDataException($"{folder}: the id \"{duplicate.Key}\" is used more than once.");
        }

        return all;
    }

    /// <summary>Reads one labelled JSON Lines file.</summary>
    public static IReadOnlyList<LabelledMessage> ReadFile(string path)
    {
        var messages = new List<LabelledMessage>();
        var number = 0;
        foreach (var line in File.ReadLines(path))
        {
            number++;
            if (string.IsNullOrWhiteSpace(line))
            {
                continue;
            }

            try
            {
                using var document = JsonDocument.Parse(line);
                var root = document.RootElement;
                messages.Add(new LabelledMessage(
                    root.GetProperty("id").GetString() ?? throw new InvalidDataException("id is null"),
                    root.TryGetProperty("kind", out var kind) ? kind.GetString() ?? "" : "",
                    root.GetProperty("fatalistic").GetBoolean(),
                    root.GetProperty("crisis").GetBoolean(),
                    root.TryGetProperty("coping", out var coping) && coping.GetBoolean(),
                    root.GetProperty("text").GetString() ?? throw new InvalidDataException("text is null")));
            }
            catch (Exception ex) when (ex is JsonException or KeyNotFoundException or InvalidOperationException or InvalidDataException)
            {
                throw new InvalidDataException($"{path}:{number}: {ex.Message}", ex);
            }
        }

        return messages;
    }

    /// <summary>SHA-256 of the corpus's ids, labels and texts, in id order: what a trained model was made from.</summary>
    public static string Fingerprint(IEnumerable<LabelledMessage> corpus)
    {
        var text = new StringBuilder();
        foreach (var m in corpus.OrderBy(m => m.Id, StringComparer.Ordinal))
        {
            text.Append(m.Id).Append('\t')
                .Append(m.Fatalistic ? 'F' : '-').Append(m.Crisis ? 'C' : '-').Append(m.Coping ? 'P' : '-').Append('\t')
                .Append(m.Text.Replace('\n', ' ')).Append('\n');
        }

        return Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(text.ToString())));
    }
}
