using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;
using PeerBot.Core.Configuration;
using PeerBot.Core.Safety;
using PeerBot.Core.Safety.Semantic;

namespace PeerBot.Embeddings;

/// <summary>Registration of the semantic safety layer.</summary>
public static class SemanticSafetyServiceCollectionExtensions
{
    /// <summary>
    /// Makes the safety engine's classifier the <see cref="SemanticClassifier"/> (lexicon and trained heads over MiniLM
    /// embeddings) instead of the lexicon alone. Call before <c>AddSafety()</c>. The model is loaded while the host starts
    /// (<see cref="SemanticSafetyLoader"/>), so a missing model stops the start with a clear message instead of failing on
    /// the first message; one encoder serves every host in the process.
    /// </summary>
    public static IServiceCollection AddSemanticSafety(this IServiceCollection services)
    {
        ArgumentNullException.ThrowIfNull(services);
        // Through a handle that is not IDisposable: the container disposes what its factories make, and the one session
        // of the process must outlive every host (tests start many).
        services.TryAddSingleton<ISentenceEncoder>(_ => new SharedEncoderHandle());
        services.TryAddSingleton(_ => SharedEncoder.BuiltInModel);
        services.TryAddSingleton<IMessageClassifier>(sp =>
        {
            var safety = sp.GetRequiredService<IOptions<PeerBotOptions>>().Value.Safety;
            // The lexicon runs with its defaults: its findings are the heads' inputs, as in training.
            return new SemanticClassifier(new RuleBasedClassifier(), sp.GetRequiredService<ISentenceEncoder>(), sp.GetRequiredService<SafetyModel>(), safety.FatalismThreshold);
        });
        services.AddHostedService<SemanticSafetyLoader>();
        return services;
    }

    /// <summary>The classifier for the <c>analyze</c> verb: the same decision as the live bot's.</summary>
    public static IMessageClassifier CreateClassifier(SafetyOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        return new SemanticClassifier(new RuleBasedClassifier(), SharedEncoder.Instance, SharedEncoder.BuiltInModel, options.FatalismThreshold);
    }
}

/// <summary>One MiniLM session and one copy of the built-in heads per process (loading takes about a second and 100 MB).</summary>
public static class SharedEncoder
{
    private static readonly Lazy<MiniLmEncoder> Encoder = new(() => new MiniLmEncoder(), LazyThreadSafetyMode.ExecutionAndPublication);
    private static readonly Lazy<SafetyModel> Model = new(SafetyModel.LoadBuiltIn, LazyThreadSafetyMode.ExecutionAndPublication);

    /// <summary>The process's encoder.</summary>
    public static MiniLmEncoder Instance => Encoder.Value;

    /// <summary>The heads committed with PeerBot.</summary>
    public static SafetyModel BuiltInModel => Model.Value;
}

/// <summary>The process's encoder, as a host sees it: never disposed with the host.</summary>
internal sealed class SharedEncoderHandle : ISentenceEncoder
{
    public int Dimensions => SharedEncoder.Instance.Dimensions;

    public string ModelName => SharedEncoder.Instance.ModelName;

    public IReadOnlyList<float[]> Encode(IReadOnlyList<string> texts) => SharedEncoder.Instance.Encode(texts);
}

/// <summary>Loads the semantic layer while the host starts and checks it once on a message, before any real one arrives.</summary>
internal sealed class SemanticSafetyLoader(IMessageClassifier classifier) : IHostedService
{
    public Task StartAsync(CancellationToken cancellationToken)
    {
        // Builds the session and runs the model once, so the first resident's message does not wait for either.
        _ = classifier.Classify("warming up the safety engine");
        return Task.CompletedTask;
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
}
