using System.Collections.Concurrent;
using System.Threading.Channels;

namespace PeerBot.Sandbox.Workspace;

/// <summary>Something that changed, for the pages of the people it concerns.</summary>
/// <param name="Type"><c>message</c>, <c>deleted</c>, <c>channels</c> or <c>clock</c>.</param>
/// <param name="Payload">The data the page needs, serialised as JSON.</param>
public sealed record SandboxEvent(string Type, object Payload);

/// <summary>
/// Fans live events out to open pages, per person: an event is given only to the people named as its
/// audience (those who can see the channel), never broadcast and filtered in the browser.
/// </summary>
public sealed class SandboxEventHub
{
    private readonly ConcurrentDictionary<Subscription, byte> _subscriptions = new();

    /// <summary>Opens a stream of events for one person; dispose it when the page goes away.</summary>
    public Subscription Subscribe(string userId)
    {
        var subscription = new Subscription(this, userId);
        _subscriptions[subscription] = 0;
        return subscription;
    }

    /// <summary>Gives an event to every open page of the given people.</summary>
    public void Publish(SandboxEvent sandboxEvent, IEnumerable<string> audience)
    {
        ArgumentNullException.ThrowIfNull(audience);
        var people = audience.ToHashSet(StringComparer.Ordinal);
        foreach (var subscription in _subscriptions.Keys)
        {
            if (people.Contains(subscription.UserId))
            {
                subscription.Writer.TryWrite(sandboxEvent);
            }
        }
    }

    /// <summary>Gives an event to every open page (things everyone can see: the lobby, the clock).</summary>
    public void PublishToAll(SandboxEvent sandboxEvent)
    {
        foreach (var subscription in _subscriptions.Keys)
        {
            subscription.Writer.TryWrite(sandboxEvent);
        }
    }

    /// <summary>One open page's stream.</summary>
    public sealed class Subscription : IDisposable
    {
        private readonly SandboxEventHub _hub;
        private readonly Channel<SandboxEvent> _channel = Channel.CreateUnbounded<SandboxEvent>(new UnboundedChannelOptions { SingleReader = true });

        internal Subscription(SandboxEventHub hub, string userId)
        {
            _hub = hub;
            UserId = userId;
        }

        /// <summary>Whose page it is.</summary>
        public string UserId { get; }

        /// <summary>The events, in order.</summary>
        public ChannelReader<SandboxEvent> Reader => _channel.Reader;

        internal ChannelWriter<SandboxEvent> Writer => _channel.Writer;

        /// <inheritdoc />
        public void Dispose()
        {
            _hub._subscriptions.TryRemove(this, out _);
            _channel.Writer.TryComplete();
        }
    }
}
