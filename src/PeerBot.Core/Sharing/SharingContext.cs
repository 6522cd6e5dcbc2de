using System.Globalization;
using Humanizer;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using PeerBot.Core.Commands;
using PeerBot.Core.Configuration;
using PeerBot.Core.Digest;
using PeerBot.Core.Groups;
using PeerBot.Core.People;
using PeerBot.Core.Platform;
using PeerBot.Core.Safety;

namespace PeerBot.Core.Sharing;

/// <summary>
/// What the parts of anonymous sharing share: the stores, the directories and platforms, the clock, and the one lock
/// that keeps a delivery, a review decision, a removal and a forget-me from crossing on the same post.
/// </summary>
internal sealed class SharingContext : IDisposable
{
    private readonly SemaphoreSlim _gate = new(1, 1);
    private readonly SemaphoreSlim _wake = new(0, 1);
    private readonly IOptions<PeerBotOptions> _options;

    public SharingContext(
        IAnonymousPostStore posts,
        IAuthorMuteStore mutes,
        IAuthorHandles handles,
        IGroupDirectory groups,
        IPeopleDirectory people,
        IPlatformRegistry platforms,
        ISafetyMonitor safety,
        IDelayJitter jitter,
        IStatsCounters stats,
        TimeProvider time,
        IOptions<PeerBotOptions> options,
        ILogger logger,
        DigestRecorder? digest)
    {
        Posts = posts;
        Mutes = mutes;
        Handles = handles;
        Groups = groups;
        People = people;
        Platforms = platforms;
        Safety = safety;
        Jitter = jitter;
        Stats = stats;
        Time = time;
        _options = options;
        Logger = logger;
        Digest = digest;
    }

    public IAnonymousPostStore Posts { get; }

    public IAuthorMuteStore Mutes { get; }

    public IAuthorHandles Handles { get; }

    public IGroupDirectory Groups { get; }

    public IPeopleDirectory People { get; }

    public IPlatformRegistry Platforms { get; }

    public ISafetyMonitor Safety { get; }

    public IDelayJitter Jitter { get; }

    public IStatsCounters Stats { get; }

    public TimeProvider Time { get; }

    public ILogger Logger { get; }

    public DigestRecorder? Digest { get; }

    public PeerBotOptions AllOptions => _options.Value;

    public AnonymityOptions Options => _options.Value.Anonymity;

    /// <summary>Runs <paramref name="action"/> alone with the outbox, so a delivery and a removal never cross.</summary>
    public async Task<T> ExclusiveAsync<T>(Func<Task<T>> action, CancellationToken cancellationToken)
    {
        await _gate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            return await action().ConfigureAwait(false);
        }
        finally
        {
            _gate.Release();
        }
    }

    /// <summary>Tells the outbox worker that something may be due sooner than it thought.</summary>
    public void Wake()
    {
        try
        {
            _wake.Release();
        }
        catch (SemaphoreFullException)
        {
            // Already signalled; one wake-up is enough.
        }
    }

    /// <summary>Completes when <see cref="Wake"/> is called (or the token fires).</summary>
    public Task WaitForWakeAsync(CancellationToken cancellationToken) => _wake.WaitAsync(cancellationToken);

    /// <summary>When a post will appear, as its author is told: "within 3 hours", or "in about 2 hours" when the delay is fixed.</summary>
    public string Window() =>
        Options.MaxDelay <= Options.MinDelay
            ? $"in about {Options.MinDelay.Humanize(culture: CultureInfo.InvariantCulture)}"
            : $"within {Options.MaxDelay.Humanize(culture: CultureInfo.InvariantCulture)}";

    /// <summary>A random delay between the configured bounds, from now.</summary>
    public DateTimeOffset DueAfterRandomDelay() => Time.GetUtcNow() + Jitter.Pick(Options.MinDelay, Options.MaxDelay);

    public void Dispose()
    {
        _gate.Dispose();
        _wake.Dispose();
    }
}
