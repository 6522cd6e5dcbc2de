// Trains the safety engine's heads from corpus/train and writes src/PeerBot.Core/Safety/Semantic/safety-model.json.
//   dotnet run --project tools/PeerBot.SafetyTrainer -c Release [-- --corpus DIR --out FILE]
//   dotnet run --project tools/PeerBot.SafetyTrainer -c Release -- --evaluate SET.jsonl [--misses] [--lexicon]
//     (figures of the built model on a labelled set; --lexicon: of the lexicon alone, for comparison)
// Deterministic: the same corpus gives the same file (a test in PeerBot.Embeddings.Tests checks the committed one).
using PeerBot.Embeddings;
using PeerBot.Embeddings.Training;

if (args.Length >= 2 && args[0] == "--evaluate")
{
    // Figures of the committed model on a labelled set (and its conversations, if a *-conversations.jsonl sits beside it).
    var set = LabelledCorpus.ReadFile(args[1]);
    PeerBot.Core.Safety.IMessageClassifier classifier = args.Contains("--lexicon")
        ? new PeerBot.Core.Safety.RuleBasedClassifier()
        : SemanticSafetyServiceCollectionExtensions.CreateClassifier(new PeerBot.Core.Configuration.SafetyOptions());
    var figures = SafetyEvaluation.Measure(set, classifier);
    var conversationsPath = Path.ChangeExtension(args[1], null) + "-conversations.jsonl";
    var conversations = File.Exists(conversationsPath) ? SafetyEvaluation.MeasureConversations(conversationsPath, classifier) : null;
    Console.Write(SafetyEvaluation.Describe(figures, conversations));
    if (args.Contains("--misses"))
    {
        foreach (var miss in figures.Misses)
        {
            Console.WriteLine(miss);
        }

        foreach (var c in conversations?.Where(c => c.ExpectSpiral != c.Alerted) ?? [])
        {
            Console.WriteLine($"conversation {c.Id}: expected {(c.ExpectSpiral ? "spiral" : "calm")}, alerted {c.Alerted}");
        }
    }

    return 0;
}

var root = FindRepositoryRoot(AppContext.BaseDirectory) ?? Directory.GetCurrentDirectory();
var corpusFolder = Path.Combine(root, "corpus", "train");
var outPath = Path.Combine(root, "src", "PeerBot.Core", "Safety", "Semantic", "safety-model.json");
for (var i = 0; i < args.Length - 1; i++)
{
    if (args[i] == "--corpus")
    {
        corpusFolder = args[++i];
    }
    else if (args[i] == "--out")
    {
        outPath = args[++i];
    }
}

IReadOnlyList<LabelledMessage> corpus;
try
{
    corpus = LabelledCorpus.ReadFolder(corpusFolder);
}
catch (Exception ex) when (ex is InvalidDataException or IOException)
{
    Console.Error.WriteLine(ex.Message);
    return 2;
}

using var encoder = new MiniLmEncoder();
var model = SafetyTrainer.Train(corpus, encoder, Console.Out);
// Written aside and moved into place, so a failure never leaves a half-written model behind.
var temporary = outPath + ".tmp";
using (var file = File.Create(temporary))
{
    model.Save(file);
}

File.Move(temporary, outPath, overwrite: true);

Console.WriteLine($"wrote {outPath}");
return 0;

static string? FindRepositoryRoot(string start)
{
    for (var dir = new DirectoryInfo(start); dir is not null; dir = dir.Parent)
    {
        if (File.Exists(Path.Combine(dir.FullName, "PeerBot.sln")))
        {
            return dir.FullName;
        }
    }

    return null;
}
