using System.Globalization;
using System.Text;
using System.Text.Json;
using PeerBot.Core.Configuration;
using PeerBot.Core.Safety;

namespace PeerBot.Embeddings.Training;

/// <summary>Counts of one binary label on a set.</summary>
/// <param name="TruePositives">Labelled and flagged.</param>
/// <param name="FalsePositives">Flagged but not labelled.</param>
/// <param name="FalseNegatives">Labelled but not flagged.</param>
/// <param name="Negatives">Messages not labelled.</param>
public sealed record LabelCounts(int TruePositives, int FalsePositives, int FalseNegatives, int Negatives)
{
    /// <summary>Of the flagged, the share labelled.</summary>
    public double Precision => TruePositives + FalsePositives == 0 ? 0 : TruePositives / (double)(TruePositives + FalsePositives);

    /// <summary>Of the labelled, the share flagged.</summary>
    public double Recall => TruePositives + FalseNegatives == 0 ? 0 : TruePositives / (double)(TruePositives + FalseNegatives);

    /// <summary>Harmonic mean of precision and recall.</summary>
    public double F1 => Precision + Recall == 0 ? 0 : 2 * Precision * Recall / (Precision + Recall);

    /// <summary>Of the messages not labelled, the share flagged.</summary>
    public double FalsePositiveRate => Negatives == 0 ? 0 : FalsePositives / (double)Negatives;

    /// <summary>Labelled messages.</summary>
    public int Positives => TruePositives + FalseNegatives;
}

/// <summary>The safety engine's figures on one labelled set.</summary>
/// <param name="Messages">How many messages.</param>
/// <param name="Fatalism">Fatalism, on the messages that are not crisis talk.</param>
/// <param name="Crisis">Crisis, on every message.</param>
/// <param name="Coping">Coping, on every message.</param>
/// <param name="Misses">Each wrong decision: <c>kind id: expected → got: text</c>.</param>
public sealed record SetFigures(int Messages, LabelCounts Fatalism, LabelCounts Crisis, LabelCounts Coping, IReadOnlyList<string> Misses);

/// <summary>One conversation of a sealed set and whether the spiral rule alerted in it.</summary>
/// <param name="Id">The conversation.</param>
/// <param name="ExpectSpiral">Whether its author wrote it as a spiral.</param>
/// <param name="Alerted">Whether the engine, through the live spiral rule, alerted.</param>
public sealed record ConversationResult(string Id, bool ExpectSpiral, bool Alerted);

/// <summary>Measures a classifier on labelled messages and conversations, as docs/SAFETY.md reports.</summary>
public static class SafetyEvaluation
{
    /// <summary>Classifies every message of <paramref name="set"/> and counts.</summary>
    public static SetFigures Measure(IReadOnlyList<LabelledMessage> set, IMessageClassifier classifier)
    {
        ArgumentNullException.ThrowIfNull(set);
        ArgumentNullException.ThrowIfNull(classifier);
        var assessments = classifier.ClassifyMany(set.Select(m => m.Text).ToList());
        int fTp = 0, fFp = 0, fFn = 0, fNeg = 0, cTp = 0, cFp = 0, cFn = 0, cNeg = 0, pTp = 0, pFp = 0, pFn = 0, pNeg = 0;
        var misses = new List<string>();
        for (var i = 0; i < set.Count; i++)
        {
            var m = set[i];
            var a = assessments[i];
            Count(m.Crisis, a.Crisis, ref cTp, ref cFp, ref cFn, ref cNeg);
            Count(m.Coping, a.Coping, ref pTp, ref pFp, ref pFn, ref pNeg);
            if (!m.Crisis)
            {
                Count(m.Fatalistic, a.Fatalistic, ref fTp, ref fFp, ref fFn, ref fNeg);
            }

            var fatalismWrong = !m.Crisis && m.Fatalistic != a.Fatalistic;
            if (m.Crisis != a.Crisis || m.Coping != a.Coping || fatalismWrong)
            {
                misses.Add(string.Create(
                    CultureInfo.InvariantCulture,
                    $"{m.Kind} {m.Id}: expected {Flags(m.Fatalistic, m.Crisis, m.Coping)} got {Flags(a.Fatalistic, a.Crisis, a.Coping)} (fatalism {a.Fatalism:0.00}, crisis {a.CrisisScore ?? 0:0.00}, coping {a.CopingScore ?? 0:0.00}): {m.Text}"));
            }
        }

        return new SetFigures(
            set.Count,
            new LabelCounts(fTp, fFp, fFn, fNeg),
            new LabelCounts(cTp, cFp, cFn, cNeg),
            new LabelCounts(pTp, pFp, pFn, pNeg),
            misses);
    }

    /// <summary>
    /// Reads conversations (JSON Lines: <c>conversation</c>, <c>expect</c> "spiral" or "calm", <c>id</c>, <c>channel</c>,
    /// <c>author</c>, <c>ts</c>, <c>text</c>) and runs each through the live spiral rule with default settings.
    /// </summary>
    public static IReadOnlyList<ConversationResult> MeasureConversations(string path, IMessageClassifier classifier)
    {
        ArgumentNullException.ThrowIfNull(classifier);
        var lines = File.ReadLines(path).Where(l => !string.IsNullOrWhiteSpace(l)).Select(l => JsonDocument.Parse(l).RootElement.Clone()).ToList();
        var assessments = classifier.ClassifyMany(lines.Select(l => l.GetProperty("text").GetString() ?? "").ToList());
        var results = new List<ConversationResult>();
        foreach (var conversation in lines.Select((line, index) => (line, index)).GroupBy(x => x.line.GetProperty("conversation").GetString() ?? "", StringComparer.Ordinal))
        {
            var detector = new SpiralDetector(new SafetyOptions());
            var alerted = false;
            foreach (var (line, index) in conversation)
            {
                var timestamp = DateTimeOffset.Parse(line.GetProperty("ts").GetString() ?? "", CultureInfo.InvariantCulture);
                var decision = detector.Observe(
                    line.GetProperty("channel").GetString() ?? conversation.Key,
                    line.GetProperty("author").GetString() ?? "",
                    timestamp,
                    assessments[index],
                    line.GetProperty("text").GetString() ?? "");
                alerted |= decision.Spiral is not null;
            }

            var expect = conversation.First().line.GetProperty("expect").GetString();
            results.Add(new ConversationResult(conversation.Key, string.Equals(expect, "spiral", StringComparison.Ordinal), alerted));
        }

        return results;
    }

    /// <summary>The figures as the lines docs/SAFETY.md quotes.</summary>
    public static string Describe(SetFigures figures, IReadOnlyList<ConversationResult>? conversations = null)
    {
        ArgumentNullException.ThrowIfNull(figures);
        var text = new StringBuilder();
        text.AppendLine(string.Create(CultureInfo.InvariantCulture, $"messages: {figures.Messages}"));
        text.AppendLine(string.Create(CultureInfo.InvariantCulture, $"fatalism (non-crisis messages): precision {figures.Fatalism.Precision:0.000} recall {figures.Fatalism.Recall:0.000} F1 {figures.Fatalism.F1:0.000} (TP {figures.Fatalism.TruePositives}, FP {figures.Fatalism.FalsePositives}, FN {figures.Fatalism.FalseNegatives})"));
        text.AppendLine(string.Create(CultureInfo.InvariantCulture, $"crisis: caught {figures.Crisis.TruePositives} of {figures.Crisis.Positives}; non-crisis called crisis {figures.Crisis.FalsePositives} of {figures.Crisis.Negatives} ({figures.Crisis.FalsePositiveRate:P1})"));
        text.AppendLine(string.Create(CultureInfo.InvariantCulture, $"coping: precision {figures.Coping.Precision:0.000} recall {figures.Coping.Recall:0.000} F1 {figures.Coping.F1:0.000} (TP {figures.Coping.TruePositives}, FP {figures.Coping.FalsePositives}, FN {figures.Coping.FalseNegatives})"));
        if (conversations is not null)
        {
            var spirals = conversations.Where(c => c.ExpectSpiral).ToList();
            var calm = conversations.Where(c => !c.ExpectSpiral).ToList();
            text.AppendLine(string.Create(CultureInfo.InvariantCulture, $"conversations: spirals alerted {spirals.Count(c => c.Alerted)} of {spirals.Count}; calm conversations alerted {calm.Count(c => c.Alerted)} of {calm.Count}"));
        }

        return text.ToString();
    }

    private static void Count(bool expected, bool got, ref int tp, ref int fp, ref int fn, ref int negatives)
    {
        if (expected)
        {
            if (got)
            {
                tp++;
            }
            else
            {
                fn++;
            }
        }
        else
        {
            negatives++;
            if (got)
            {
                fp++;
            }
        }
    }

    private static string Flags(bool fatalistic, bool crisis, bool coping) =>
        (fatalistic ? "F" : "-") + (crisis ? "C" : "-") + (coping ? "P" : "-");
}
