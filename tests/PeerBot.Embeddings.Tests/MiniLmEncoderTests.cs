using Microsoft.Extensions.DependencyInjection;
using PeerBot.Core.Configuration;
using PeerBot.Core.Safety;
using PeerBot.Core.Safety.Semantic;

namespace PeerBot.Embeddings.Tests;

public sealed class MiniLmEncoderTests
{
    private static readonly MiniLmEncoder Encoder = SharedEncoder.Instance;

    /// <summary>The encoder as the engine sees it (<see cref="ISentenceEncoder.EncodeWithParts"/> is the port's).</summary>
    private static readonly ISentenceEncoder Port = Encoder;

    [Fact]
    public void Encode_AnyText_UnitLengthVectorsOfTheModelsWidth()
    {
        string[] texts = ["what's the point", "", "   ", "😩😩😩", "`code` *bold* <@U123> ~strike~", new string('a', 5000) + " " + string.Join(' ', Enumerable.Repeat("word", 2000))];

        var vectors = Encoder.Encode(texts);

        Assert.Equal(texts.Length, vectors.Count);
        foreach (var v in vectors)
        {
            Assert.Equal(384, v.Length);
            var norm = Math.Sqrt(v.Sum(x => (double)x * x));
            Assert.InRange(norm, 0.999, 1.001);
        }
    }

    [Fact]
    public void Encode_Batched_SameAsOneByOne()
    {
        string[] texts = ["nothing we say changes anything", "ok", "i keep thinking everyone would be better off without me around, honestly", "pizza in the workroom"];

        var together = Encoder.Encode(texts);

        for (var i = 0; i < texts.Length; i++)
        {
            var alone = Encoder.Encode([texts[i]])[0];
            for (var d = 0; d < alone.Length; d++)
            {
                Assert.Equal(alone[d], together[i][d], 4);
            }
        }
    }

    [Fact]
    public void EncodeWithParts_TextsAndPartsAsEncodeReadsThem()
    {
        // In one call, batched together by length: the same vectors as each text and each part read alone.
        string[] texts =
        [
            "anyone know if the cafeteria's open past 8? also, i have been thinking about not wanting to be alive. anyway - cafeteria?",
            "long day,   kept the pills.\nbye",
            "no parts here",
        ];
        var ranges = texts.Select(SafetyFeatures.SentenceRanges).ToList();

        var encoded = Port.EncodeWithParts(texts, ranges);

        Assert.Equal([5, 3, 0], encoded.Select(e => e.Parts.Count));
        for (var i = 0; i < texts.Length; i++)
        {
            AssertSame(Encoder.Encode([texts[i]])[0], encoded[i].Embedding);
            for (var p = 0; p < ranges[i].Count; p++)
            {
                AssertSame(Encoder.Encode([texts[i][ranges[i][p]]])[0], encoded[i].Parts[p]);
            }
        }

        static void AssertSame(float[] expected, float[] actual)
        {
            for (var d = 0; d < expected.Length; d++)
            {
                Assert.Equal(expected[d], actual[d], 4);
            }
        }
    }

    [Fact]
    public void EncodeWithParts_PartsOutOfOrderOrOutsideTheText_Refused()
    {
        Assert.ThrowsAny<ArgumentException>(() => Port.EncodeWithParts(["abc def"], [[4..7, 0..3]]));
        Assert.ThrowsAny<ArgumentException>(() => Port.EncodeWithParts(["abc"], [[0..9]]));
        Assert.ThrowsAny<ArgumentException>(() => Port.EncodeWithParts(["abc", "def"], [[0..1]]));
    }

    [Fact]
    public void Encode_Paraphrases_CloserThanUnrelatedMessages()
    {
        var v = Encoder.Encode(["I want to kill myself", "I keep thinking about ending my life", "can someone swap my saturday shift"]);

        Assert.True(Cosine(v[0], v[1]) > Cosine(v[0], v[2]) + 0.2, $"{Cosine(v[0], v[1])} vs {Cosine(v[0], v[2])}");
    }

    [Fact]
    public void Constructor_MissingModel_SaysWhatIsMissingAndHowToGetIt()
    {
        var empty = Directory.CreateTempSubdirectory().FullName;

        var ex = Assert.Throws<FileNotFoundException>(() => new MiniLmEncoder(empty));

        Assert.Contains("all-MiniLM-L6-v2", ex.Message, StringComparison.Ordinal);
        Assert.Contains("build", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Encoder_MatchesTheBuiltInModel()
    {
        var model = SafetyModel.LoadBuiltIn();

        Assert.Equal(Encoder.ModelName, model.EncoderModel);
        Assert.Equal(Encoder.Dimensions, model.Dimensions);
    }

    private static double Cosine(float[] a, float[] b) => a.Zip(b, (x, y) => (double)x * y).Sum();
}

public sealed class SemanticSafetyRegistrationTests
{
    [Fact]
    public void Host_DisposedServiceProvider_LeavesTheSharedEncoderUsable()
    {
        // The container disposes what its factories make; the process's one session must survive every host.
        var services = new ServiceCollection();
        services.AddOptions<PeerBotOptions>();
        services.AddSemanticSafety();
        using (var provider = services.BuildServiceProvider())
        {
            var classifier = provider.GetRequiredService<IMessageClassifier>();
            Assert.NotNull(classifier.Classify("first host"));
        }

        Assert.Equal(384, SharedEncoder.Instance.Encode(["after the first host"])[0].Length);
    }

    [Fact]
    public void Encode_AfterDispose_ThrowsInsteadOfCrashing()
    {
        var encoder = new MiniLmEncoder();
        encoder.Dispose();

        Assert.Throws<ObjectDisposedException>(() => encoder.Encode(["x"]));
    }
}
