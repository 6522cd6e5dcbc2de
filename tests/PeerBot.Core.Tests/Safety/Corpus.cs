using System.Text.Json;
using PeerBot.Core.Safety;

namespace PeerBot.Core.Tests.Safety;

/// <summary>One labelled message of the development or held-out corpus.</summary>
public sealed record LabelledMessage(string Id, string Kind, bool Fatalistic, bool Crisis, string Text);

/// <summary>Loads the labelled corpora and computes the figures reported in docs/SAFETY.md.</summary>
public static class Corpus
{
    public static readonly string[] HardNegativeKinds = ["vent", "negated", "past", "quoted", "question", "task", "idiom", "clinical"];

    public static string Folder => Path.Combine(AppContext.BaseDirectory, "Safety", "Corpus");

    public static IReadOnlyList<LabelledMessage> Dev { get; } = Load("dev.jsonl");

    public static IReadOnlyList<LabelledMessage> HeldOut { get; } = Load("heldout.jsonl");

    /// <summary>Written after the classifier, in deliberately different phrasings; reported, not gated.</summary>
    public static IReadOnlyList<LabelledMessage> Stress { get; } = Load("stress.jsonl");

    /// <summary>A second stress set, sealed before the lexicon was broadened from the first; reported, not gated.</summary>
    public static IReadOnlyList<LabelledMessage> Stress2 { get; } = Load("stress2.jsonl");

    public static IReadOnlyList<string> Conversations { get; } =
        Directory.GetFiles(Path.Combine(Folder, "conversations"), "*.jsonl").OrderBy(f => f, StringComparer.Ordinal).ToList();

    private static List<LabelledMessage> Load(string name)
    {
        var options = new JsonSerializerOptions { PropertyNameCaseInsensitive = true };
        return File.ReadLines(Path.Combine(Folder, name))
            .Where(l => !string.IsNullOrWhiteSpace(l))
            .Select(l => JsonSerializer.Deserialize<LabelledMessage>(l, options)!)
            .ToList();
    }
}

/// <summary>Precision, recall and the rest for one classifier on one corpus.</summary>
public sealed record QualityFigures(
    int Messages,
    int FatalisticTruePositives,
    int FatalisticFalsePositives,
    int FatalisticFalseNegatives,
    int CrisisMessages,
    int CrisisCaught,
    int NonCrisisMessages,
    int NonCrisisCalledCrisis,
    IReadOnlyList<string> Misses)
{
    public double Precision => Ratio(FatalisticTruePositives, FatalisticTruePositives + FatalisticFalsePositives);

    public double Recall => Ratio(FatalisticTruePositives, FatalisticTruePositives + FatalisticFalseNegatives);

    public double F1 => Precision + Recall == 0 ? 0 : 2 * Precision * Recall / (Precision + Recall);

    public double CrisisRecall => Ratio(CrisisCaught, CrisisMessages);

    public double CrisisFalseAlarmRate => Ratio(NonCrisisCalledCrisis, NonCrisisMessages);

    /// <summary>
    /// Fatalism is measured on the messages that are not crisis talk: a crisis message is routed to a
    /// professional whatever its fatalism score. Crisis is measured on every message.
    /// </summary>
    public static QualityFigures Measure(IReadOnlyList<LabelledMessage> corpus, Func<string, MessageAssessment> classify)
    {
        int tp = 0, fp = 0, fn = 0, crisis = 0, caught = 0, calm = 0, falseCrisis = 0;
        var misses = new List<string>();
        foreach (var m in corpus)
        {
            var a = classify(m.Text);
            if (m.Crisis)
            {
                crisis++;
                if (a.Crisis)
                {
                    caught++;
                }
                else
                {
                    misses.Add($"missed crisis {m.Id} [{m.Kind}] {m.Text} :: {string.Join("; ", a.Reasons)}");
                }

                continue;
            }

            calm++;
            if (a.Crisis)
            {
                falseCrisis++;
                misses.Add($"false crisis {m.Id} [{m.Kind}] {m.Text} :: {string.Join("; ", a.Reasons)}");
            }

            if (a.Fatalistic && m.Fatalistic)
            {
                tp++;
            }
            else if (a.Fatalistic)
            {
                fp++;
                misses.Add($"false fatalistic {m.Id} [{m.Kind}] {m.Text} :: {a.Fatalism:0.00} {string.Join("; ", a.Reasons)}");
            }
            else if (m.Fatalistic)
            {
                fn++;
                misses.Add($"missed fatalistic {m.Id} [{m.Kind}] {m.Text} :: {a.Fatalism:0.00} {string.Join("; ", a.Reasons)}");
            }
        }

        return new QualityFigures(corpus.Count, tp, fp, fn, crisis, caught, calm, falseCrisis, misses);
    }

    private static double Ratio(int a, int b) => b == 0 ? 1 : (double)a / b;
}
