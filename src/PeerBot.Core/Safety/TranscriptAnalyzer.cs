using System.Buffers;
using System.Globalization;
using System.Text;
using System.Text.Encodings.Web;
using System.Text.Json;
using PeerBot.Core.Configuration;

namespace PeerBot.Core.Safety;

/// <summary>
/// The <c>analyze</c> verb: runs the safety engine over an exported transcript (JSON Lines, one message
/// a line, in time order) and writes one result line per message
/// (<c>{"id","fatalistic","fatalism","crisis","coping","alert","reasons"}</c>). Alerts come from the same
/// <see cref="SpiralDetector"/> the live bot uses, driven by the messages' timestamps: <c>"crisis"</c>, else
/// <c>"spiral"</c>, else <c>"coping"</c> where the live bot would send a coping note (same per-person limit).
/// </summary>
public static class TranscriptAnalyzer
{
    /// <summary>Exit code for success.</summary>
    public const int Success = 0;

    /// <summary>Exit code for bad input or settings.</summary>
    public const int BadInput = 2;

    private const int ClassifyChunk = 1024;

    private static readonly JsonWriterOptions WriterOptions = new()
    {
        // Reasons quote phrases such as what's: keep them readable rather than \u0027-escaped.
        Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
        Indented = false,
    };

    /// <summary>
    /// Reads the whole transcript, checks every line first, and only when all are valid writes the results.
    /// Every malformed line is reported on <paramref name="error"/> as <c>line N: …</c> and nothing is written
    /// to <paramref name="output"/>.
    /// </summary>
    /// <returns><see cref="Success"/>, or <see cref="BadInput"/> when a line or a setting is invalid.</returns>
    public static int Run(TextReader input, TextWriter output, TextWriter error, SafetyOptions options, IMessageClassifier? classifier = null) =>
        Run(input, output, error, options, classifier is null ? null : _ => classifier);

    /// <summary>
    /// As <see cref="Run(TextReader, TextWriter, TextWriter, SafetyOptions, IMessageClassifier?)"/>, creating the classifier
    /// only once the whole transcript is known to be valid (a model takes a moment to load).
    /// </summary>
    /// <returns><see cref="Success"/>, or <see cref="BadInput"/> when a line or a setting is invalid.</returns>
    public static int Run(TextReader input, TextWriter output, TextWriter error, SafetyOptions options, Func<SafetyOptions, IMessageClassifier>? createClassifier)
    {
        ArgumentNullException.ThrowIfNull(input);
        ArgumentNullException.ThrowIfNull(output);
        ArgumentNullException.ThrowIfNull(error);
        ArgumentNullException.ThrowIfNull(options);

        var settingProblems = SafetyOptionsValidation.Problems(options);
        if (settingProblems.Count > 0)
        {
            foreach (var problem in settingProblems)
            {
                error.WriteLine(problem);
            }

            return BadInput;
        }

        var (messages, problems) = Read(input);
        if (problems.Count > 0)
        {
            foreach (var problem in problems)
            {
                error.WriteLine(problem);
            }

            error.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{problems.Count} problem(s) found; nothing was analysed."));
            return BadInput;
        }

        var classifier = createClassifier?.Invoke(options) ?? new RuleBasedClassifier(options);
        var detector = new SpiralDetector(options);
        var buffer = new ArrayBufferWriter<byte>(256);
        IReadOnlyList<MessageAssessment> assessments = [];
        for (var index = 0; index < messages.Count; index++)
        {
            // Classified a chunk at a time, so a model batches the messages; the spiral rule then reads them in order.
            if (index % ClassifyChunk == 0)
            {
                assessments = classifier.ClassifyMany(messages.Skip(index).Take(ClassifyChunk).Select(m => m.Text).ToList());
            }

            var message = messages[index];
            var assessment = assessments[index % ClassifyChunk];
            var decision = detector.Observe(message.Channel, message.Author, message.Timestamp, assessment, message.Text);
            buffer.ResetWrittenCount();
            using (var writer = new Utf8JsonWriter(buffer, WriterOptions))
            {
                writer.WriteStartObject();
                writer.WriteString("id", message.Id);
                writer.WriteBoolean("fatalistic", assessment.Fatalistic);
                writer.WriteNumber("fatalism", Math.Round(assessment.Fatalism, 2, MidpointRounding.AwayFromZero));
                writer.WriteBoolean("crisis", assessment.Crisis);
                writer.WriteBoolean("coping", assessment.Coping);
                switch (decision.Alert)
                {
                    case AlertKind.Crisis:
                        writer.WriteString("alert", "crisis");
                        break;
                    case AlertKind.Spiral:
                        writer.WriteString("alert", "spiral");
                        break;
                    case AlertKind.Coping:
                        writer.WriteString("alert", "coping");
                        break;
                    default:
                        writer.WriteNull("alert");
                        break;
                }

                writer.WriteStartArray("reasons");
                foreach (var reason in assessment.Reasons)
                {
                    writer.WriteStringValue(reason);
                }

                writer.WriteEndArray();
                writer.WriteEndObject();
            }

            output.Write(Encoding.UTF8.GetString(buffer.WrittenSpan));
            output.Write('\n');
        }

        output.Flush();
        return Success;
    }

    /// <summary>
    /// The verb's entry point for the host: reads <paramref name="inputPath"/>, or <paramref name="standardInput"/>
    /// when the path is null or <c>-</c>. A file that cannot be read is reported on <paramref name="error"/> with exit code 2.
    /// </summary>
    public static int RunFile(
        string? inputPath, TextReader standardInput, TextWriter output, TextWriter error, SafetyOptions options, Func<SafetyOptions, IMessageClassifier>? createClassifier = null)
    {
        ArgumentNullException.ThrowIfNull(standardInput);
        ArgumentNullException.ThrowIfNull(error);
        if (inputPath is null or "-")
        {
            return Run(standardInput, output, error, options, createClassifier);
        }

        StreamReader reader;
        try
        {
            reader = new StreamReader(inputPath);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or ArgumentException or NotSupportedException)
        {
            error.WriteLine($"--input {inputPath}: cannot be read ({ex.Message}).");
            return BadInput;
        }

        using (reader)
        {
            return Run(reader, output, error, options, createClassifier);
        }
    }

    private static (List<TranscriptMessage> Messages, List<string> Problems) Read(TextReader input)
    {
        var messages = new List<TranscriptMessage>();
        var problems = new List<string>();
        var firstLineOfId = new Dictionary<string, int>(StringComparer.Ordinal);
        var lastInChannel = new Dictionary<string, (DateTimeOffset Timestamp, int Line)>(StringComparer.Ordinal);
        var lineNumber = 0;
        while (input.ReadLine() is { } line)
        {
            lineNumber++;
            if (string.IsNullOrWhiteSpace(line))
            {
                continue;
            }

            var message = Parse(line, lineNumber, problems);
            if (message is null)
            {
                continue;
            }

            if (firstLineOfId.TryGetValue(message.Id, out var first))
            {
                problems.Add(Invariant($"line {lineNumber}: duplicate id \"{message.Id}\" (first on line {first})."));
                continue;
            }

            firstLineOfId[message.Id] = lineNumber;
            if (lastInChannel.TryGetValue(message.Channel, out var previous) && message.Timestamp < previous.Timestamp)
            {
                problems.Add(Invariant(
                    $"line {lineNumber}: \"ts\" {message.Timestamp:O} is earlier than line {previous.Line} in channel \"{message.Channel}\"; the transcript must be in time order."));
                continue;
            }

            lastInChannel[message.Channel] = (message.Timestamp, lineNumber);
            messages.Add(message);
        }

        return (messages, problems);
    }

    private static TranscriptMessage? Parse(string line, int lineNumber, List<string> problems)
    {
        JsonDocument document;
        try
        {
            document = JsonDocument.Parse(line);
        }
        catch (JsonException ex)
        {
            problems.Add(Invariant($"line {lineNumber}: not valid JSON ({ex.Message})"));
            return null;
        }
        catch (ArgumentException)
        {
            // A reader handed text with a lone surrogate (half of an emoji): it cannot become UTF-8 JSON.
            problems.Add(Invariant($"line {lineNumber}: not valid text (a broken Unicode character); save the transcript as UTF-8."));
            return null;
        }

        using (document)
        {
            var root = document.RootElement;
            if (root.ValueKind != JsonValueKind.Object)
            {
                problems.Add(Invariant($"line {lineNumber}: expected a JSON object like {{\"id\":…,\"channel\":…,\"author\":…,\"ts\":…,\"text\":…}}, found {root.ValueKind.ToString().ToLowerInvariant()}."));
                return null;
            }

            var count = problems.Count;
            var id = RequiredString(root, "id", lineNumber, problems, allowEmpty: false);
            var channel = RequiredString(root, "channel", lineNumber, problems, allowEmpty: false);
            var author = RequiredString(root, "author", lineNumber, problems, allowEmpty: false);
            var ts = RequiredString(root, "ts", lineNumber, problems, allowEmpty: false);
            var text = RequiredString(root, "text", lineNumber, problems, allowEmpty: true);
            var timestamp = default(DateTimeOffset);
            if (ts is not null && !DateTimeOffset.TryParse(ts, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out timestamp))
            {
                problems.Add(Invariant($"line {lineNumber}: \"ts\" is not an ISO 8601 time such as 2026-11-02T18:00:00Z (found \"{Shorten(ts)}\")."));
            }

            if (problems.Count > count)
            {
                return null;
            }

            return new TranscriptMessage(id!, channel!, author!, timestamp, text!);
        }
    }

    private static string? RequiredString(JsonElement root, string name, int lineNumber, List<string> problems, bool allowEmpty)
    {
        if (!root.TryGetProperty(name, out var value))
        {
            problems.Add(Invariant($"line {lineNumber}: missing \"{name}\"."));
            return null;
        }

        if (value.ValueKind != JsonValueKind.String)
        {
            problems.Add(Invariant($"line {lineNumber}: \"{name}\" must be a string, found {value.ValueKind.ToString().ToLowerInvariant()}."));
            return null;
        }

        string s;
        try
        {
            s = value.GetString()!;
        }
        catch (InvalidOperationException)
        {
            // An escape such as \uD800 names half of a character; no text can hold it.
            problems.Add(Invariant($"line {lineNumber}: \"{name}\" holds a broken Unicode escape (a lone surrogate such as \\uD800)."));
            return null;
        }

        if (!allowEmpty && string.IsNullOrWhiteSpace(s))
        {
            problems.Add(Invariant($"line {lineNumber}: \"{name}\" must not be empty."));
            return null;
        }

        return s;
    }

    private static string Shorten(string s)
    {
        var shown = s.Length <= 40 ? s : string.Concat(s.AsSpan(0, 39), "\u2026");

        // An echoed value must stay on its own problem line: a line break in it would forge a "line N:" of its own.
        var safe = new StringBuilder(shown.Length);
        foreach (var c in shown)
        {
            if (char.IsControl(c) || c is '\u2028' or '\u2029')
            {
                safe.Append(CultureInfo.InvariantCulture, $"\\u{(int)c:X4}");
            }
            else
            {
                safe.Append(c);
            }
        }

        return safe.ToString();
    }

    private static string Invariant(FormattableString s) => s.ToString(CultureInfo.InvariantCulture);

    private sealed record TranscriptMessage(string Id, string Channel, string Author, DateTimeOffset Timestamp, string Text);
}
