using System.Text.Json;
using BenchmarkDotNet.Attributes;
using PeerBot.Core.Configuration;
using PeerBot.Core.Safety;

namespace PeerBot.Benchmarks;

/// <summary>
/// Classification throughput and allocations per message on one core. The corpus benchmark classifies
/// every development message once per operation (about 280 messages of typical chat length), so its
/// time divided by the message count is the per-message cost.
/// </summary>
[MemoryDiagnoser]
public class ClassifierBenchmarks
{
    private readonly RuleBasedClassifier _classifier = new();

    /// <summary>Typical messages: a calm one, a venting one, a fatalistic one, a hard negative and a long one.</summary>
    [Params("calm", "vent", "fatalistic", "negated", "long")]
    public string Kind { get; set; } = "calm";

    private string _text = "";

    [GlobalSetup]
    public void Setup()
    {
        _text = Kind switch
        {
            "calm" => "anyone want to grab food after sign out? i'm starving",
            "vent" => "worst shift of my life. 3 codes and a kid with sepsis, i'm wrecked and so tired",
            "fatalistic" => "honestly what's the point, nothing is ever going to change in this program",
            "negated" => "i refuse to believe nothing can change here, the chiefs actually listened last spring",
            _ => string.Concat(Enumerable.Repeat("long night on the wards, pager going off constantly, four admissions before midnight. ", 12)),
        };
    }

    [Benchmark]
    public MessageAssessment ClassifyOne() => _classifier.Classify(_text);

}

/// <summary>Every development-corpus message once per operation; the reported time is per message.</summary>
[MemoryDiagnoser]
public class CorpusBenchmarks
{
    private readonly RuleBasedClassifier _classifier = new();
    private string[] _corpus = [];

    [GlobalSetup]
    public void Setup()
    {
        _corpus = File.ReadLines(Path.Combine(AppContext.BaseDirectory, "Corpus", "dev.jsonl"))
            .Select(l => JsonDocument.Parse(l).RootElement.GetProperty("text").GetString()!)
            .ToArray();
        if (_corpus.Length != 279)
        {
            throw new InvalidOperationException($"OperationsPerInvoke assumes 279 messages; the corpus has {_corpus.Length}.");
        }
    }

    [Benchmark(OperationsPerInvoke = 279)]
    public int ClassifyDevCorpus()
    {
        var flagged = 0;
        foreach (var text in _corpus)
        {
            if (_classifier.Classify(text).Fatalistic)
            {
                flagged++;
            }
        }

        return flagged;
    }
}

/// <summary>
/// The spiral decision with a long history: allocations per message must not grow with the number of
/// messages already seen (the detector keeps only the window).
/// </summary>
[MemoryDiagnoser]
public class SpiralBenchmarks
{
    private static readonly MessageAssessment Fatalistic = new(true, 0.8, false, ["futility: \"no point\" (0.75)"]);
    private static readonly MessageAssessment Calm = new(false, 0, false, []);
    private SpiralDetector _detector = new(new SafetyOptions());
    private DateTimeOffset _time = new(2026, 11, 2, 0, 0, 0, TimeSpan.Zero);
    private int _n;

    /// <summary>Messages already observed before measuring.</summary>
    [Params(1_000, 1_000_000)]
    public int History { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        _detector = new SpiralDetector(new SafetyOptions());
        for (var i = 0; i < History; i++)
        {
            Observe();
        }
    }

    [Benchmark]
    public AlertKind? Observe()
    {
        _n++;
        _time = _time.AddSeconds(20);
        var fatalistic = _n % 4 == 0;
        return _detector.Observe("g" + (_n % 8).ToString(System.Globalization.CultureInfo.InvariantCulture), "p" + (_n % 5).ToString(System.Globalization.CultureInfo.InvariantCulture), _time, fatalistic ? Fatalistic : Calm, "no point").Alert;
    }
}
