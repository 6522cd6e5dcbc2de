using System.Collections.Concurrent;
using PeerBot.Core.Platform;

namespace PeerBot.Testing;

/// <summary>
/// An in-memory chat platform that records every call, keeps channels, members and messages,
/// and fails on demand. Thread-safe. Like the real platforms it does not de-duplicate by idempotency key (Discord
/// remembers a nonce for minutes, Slack not at all): a message sent twice is there twice, unless PeerBot's own send
/// journal stops the second (<see cref="ExactlyOncePlatform"/>). It keeps each keyed message's
/// <see cref="SendMarker"/>, as Slack keeps message metadata, and finds a message by it.
/// </summary>
public sealed class FakeChatPlatform : IChatPlatform, ISentMessageFinder
{
    private readonly HashSet<string> _loseAnswers = new(StringComparer.Ordinal);
    private readonly object _gate = new();
    private readonly List<PlatformCall> _calls = [];
    private readonly Dictionary<string, FakeChannel> _channels = new(StringComparer.Ordinal);
    private readonly ConcurrentQueue<Func<PlatformCall, Exception?>> _failures = new();
    private readonly Dictionary<string, string> _users = new(StringComparer.OrdinalIgnoreCase);
    private int _nextId;

    public FakeChatPlatform(PlatformKind kind = PlatformKind.Sandbox) => Kind = kind;

    public PlatformKind Kind { get; }

    /// <summary>
    /// When true, creating a channel whose name an open channel already has returns that channel, as the real adapters
    /// do (Discord: a channel of that name in the category; Slack: <c>name_taken</c>, then the existing conversation).
    /// </summary>
    public bool ReuseChannelsByName { get; set; }

    /// <summary>Every call made, in order.</summary>
    public IReadOnlyList<PlatformCall> Calls
    {
        get
        {
            lock (_gate)
            {
                return _calls.ToList();
            }
        }
    }

    /// <summary>Channels by id.</summary>
    public IReadOnlyDictionary<string, FakeChannel> Channels
    {
        get
        {
            lock (_gate)
            {
                return new Dictionary<string, FakeChannel>(_channels);
            }
        }
    }

    /// <summary>Direct messages sent, by user id.</summary>
    public IReadOnlyList<(string UserId, OutgoingMessage Message)> DirectMessages
    {
        get
        {
            lock (_gate)
            {
                return _channels.Values.Where(c => c.DirectUserId is not null)
                    .SelectMany(c => c.Messages.Select(m => (c.DirectUserId!, m.Content)))
                    .ToList();
            }
        }
    }

    /// <summary>Makes a user resolvable by a name (username, email) for <see cref="ResolveUserAsync"/>.</summary>
    public void AddUser(string nameOrId, string userId)
    {
        lock (_gate)
        {
            _users[nameOrId] = userId;
        }
    }

    /// <summary>Fails the next call whose operation matches with the given exception (once).</summary>
    public void FailNext(string operation, Exception? exception = null) =>
        _failures.Enqueue(call => call.Operation == operation
            ? exception ?? new PlatformException(PlatformErrorKind.Unavailable, $"Injected failure of {operation}.")
            : null);

    /// <summary>
    /// The next call of <paramref name="operation"/> (PostMessage, SendDirectMessage, SendDirectImages) is carried out,
    /// and then fails as if its answer was lost on the way back: the message is on the platform, the caller is not told.
    /// </summary>
    public void LoseAnswerOfNext(string operation)
    {
        lock (_gate)
        {
            _loseAnswers.Add(operation);
        }
    }

    /// <summary>How many times <see cref="FindSentAsync"/> was asked.</summary>
    public int Lookups { get; private set; }

    /// <inheritdoc />
    public Task<MessageRef?> FindSentAsync(SentMessageQuery query, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(query);
        lock (_gate)
        {
            Lookups++;
            Fail(new PlatformCall("FindSent", query.Channel?.Id ?? query.DirectUserId ?? "", query.Marker));
            var channelId = query.Channel?.Id ?? "D-" + query.DirectUserId;
            var found = _channels.TryGetValue(channelId, out var channel)
                ? channel.Messages.FirstOrDefault(m => m.Marker == query.Marker)
                : null;
            return Task.FromResult(found is null ? null : new MessageRef(new ChannelRef(Kind, channelId), found.Id));
        }
    }

    /// <summary>Messages posted in a channel, in order.</summary>
    public IReadOnlyList<FakeMessage> MessagesIn(string channelId)
    {
        lock (_gate)
        {
            return _channels.TryGetValue(channelId, out var channel) ? channel.Messages.ToList() : [];
        }
    }

    public Task<ChannelRef> EnsurePrivateChannelAsync(PrivateChannelSpec spec, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(spec);
        lock (_gate)
        {
            Record(new PlatformCall("EnsurePrivateChannel", spec.Existing?.Id ?? spec.Name, spec.Name));
            FakeChannel channel;
            if (spec.Existing is not null && _channels.TryGetValue(spec.Existing.Id, out var existing))
            {
                channel = existing;
                channel.Name = spec.Name;
                channel.Topic = spec.Topic;
            }
            else if (ReuseChannelsByName && _channels.Values.FirstOrDefault(c => c.DirectUserId is null && !c.Archived && c.Name == spec.Name) is { } named)
            {
                channel = named;
                channel.Topic = spec.Topic;
            }
            else
            {
                channel = new FakeChannel(NextId("C"), spec.Name, spec.Topic, null);
                _channels[channel.Id] = channel;
            }

            channel.Members.Clear();
            channel.Members.UnionWith(spec.UserIds);
            return Task.FromResult(new ChannelRef(Kind, channel.Id));
        }
    }

    public Task AddMemberAsync(ChannelRef channel, string userId, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(channel);
        lock (_gate)
        {
            Record(new PlatformCall("AddMember", channel.Id, userId));
            Channel(channel.Id).Members.Add(userId);
        }

        return Task.CompletedTask;
    }

    public Task RemoveMemberAsync(ChannelRef channel, string userId, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(channel);
        lock (_gate)
        {
            Record(new PlatformCall("RemoveMember", channel.Id, userId));
            Channel(channel.Id).Members.Remove(userId);
        }

        return Task.CompletedTask;
    }

    public Task ArchiveChannelAsync(ChannelRef channel, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(channel);
        lock (_gate)
        {
            Record(new PlatformCall("ArchiveChannel", channel.Id, null));
            Channel(channel.Id).Archived = true;
        }

        return Task.CompletedTask;
    }

    public Task<MessageRef> PostMessageAsync(ChannelRef channel, OutgoingMessage message, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(channel);
        ArgumentNullException.ThrowIfNull(message);
        lock (_gate)
        {
            Record(new PlatformCall("PostMessage", channel.Id, message.ToPlainText(), message));
            var posted = Append(Channel(channel.Id), message);
            LoseAnswer("PostMessage");
            return Task.FromResult(posted);
        }
    }

    public Task<MessageRef> SendDirectMessageAsync(string userId, OutgoingMessage message, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(message);
        lock (_gate)
        {
            Record(new PlatformCall("SendDirectMessage", userId, message.ToPlainText(), message));
            var id = "D-" + userId;
            if (!_channels.TryGetValue(id, out var dm))
            {
                dm = new FakeChannel(id, id, "", userId);
                _channels[id] = dm;
            }

            var sent = Append(dm, message);
            LoseAnswer("SendDirectMessage");
            return Task.FromResult(sent);
        }
    }

    /// <summary>Records the call as <c>SendDirectImages</c> (so a test can fail it alone) and keeps the images with the message.</summary>
    public Task<MessageRef> SendDirectMessageAsync(string userId, OutgoingMessage message, IReadOnlyList<MessageImage> images, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(message);
        ArgumentNullException.ThrowIfNull(images);
        lock (_gate)
        {
            Record(new PlatformCall("SendDirectImages", userId, message.ToPlainText(), message) { Images = images });
            var id = "D-" + userId;
            if (!_channels.TryGetValue(id, out var dm))
            {
                dm = new FakeChannel(id, id, "", userId);
                _channels[id] = dm;
            }

            var sent = Append(dm, message, images);
            LoseAnswer("SendDirectImages");
            return Task.FromResult(sent);
        }
    }

    public Task DeleteMessageAsync(MessageRef message, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(message);
        lock (_gate)
        {
            Record(new PlatformCall("DeleteMessage", message.Channel.Id, message.Id));
            if (_channels.TryGetValue(message.Channel.Id, out var channel))
            {
                channel.Messages.RemoveAll(m => m.Id == message.Id);
            }
        }

        return Task.CompletedTask;
    }

    public Task UpdateMessageAsync(MessageRef message, OutgoingMessage content, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(message);
        ArgumentNullException.ThrowIfNull(content);
        lock (_gate)
        {
            Record(new PlatformCall("UpdateMessage", message.Channel.Id, content.ToPlainText(), content));
            var channel = Channel(message.Channel.Id);
            var index = channel.Messages.FindIndex(m => m.Id == message.Id);
            if (index < 0)
            {
                throw new PlatformException(PlatformErrorKind.NotFound, $"No message {message.Id}.");
            }

            channel.Messages[index] = channel.Messages[index] with { Content = content };
        }

        return Task.CompletedTask;
    }

    public Task ForgetPersonAsync(string userId, CancellationToken cancellationToken)
    {
        lock (_gate)
        {
            Record(new PlatformCall("ForgetPerson", userId, null));
        }

        return Task.CompletedTask;
    }

    public Task<string?> ResolveUserAsync(string nameOrId, CancellationToken cancellationToken)
    {
        lock (_gate)
        {
            Record(new PlatformCall("ResolveUser", nameOrId, null));
            return Task.FromResult(_users.TryGetValue(nameOrId, out var id) ? id : null);
        }
    }

    private void LoseAnswer(string operation)
    {
        if (_loseAnswers.Remove(operation))
        {
            throw new PlatformException(PlatformErrorKind.Unavailable, $"The answer to {operation} was lost.");
        }
    }

    private MessageRef Append(FakeChannel channel, OutgoingMessage message, IReadOnlyList<MessageImage>? images = null)
    {
        var posted = new FakeMessage(NextId("M"), message)
        {
            Images = images ?? [],
            Marker = message.IdempotencyKey is { } key ? SendMarker.Of(Kind, key) : null,
        };
        channel.Messages.Add(posted);
        return new MessageRef(new ChannelRef(Kind, channel.Id), posted.Id);
    }

    private FakeChannel Channel(string id) =>
        _channels.TryGetValue(id, out var channel)
            ? channel
            : throw new PlatformException(PlatformErrorKind.NotFound, $"No channel {id}.");

    private void Record(PlatformCall call)
    {
        _calls.Add(call);
        Fail(call);
    }

    /// <summary>Throws the first injected failure that matches the call (lookups are not recorded calls, but fail alike).</summary>
    private void Fail(PlatformCall call)
    {
        var pending = _failures.Count;
        for (var i = 0; i < pending && _failures.TryDequeue(out var failure); i++)
        {
            var exception = failure(call);
            if (exception is not null)
            {
                throw exception;
            }

            _failures.Enqueue(failure);
        }
    }

    private string NextId(string prefix) => prefix + Interlocked.Increment(ref _nextId).ToString(System.Globalization.CultureInfo.InvariantCulture);
}

/// <summary>One recorded call.</summary>
public sealed record PlatformCall(string Operation, string Target, string? Detail, OutgoingMessage? Message = null)
{
    /// <summary>Images sent with the message, if any.</summary>
    public IReadOnlyList<MessageImage> Images { get; init; } = [];
}

/// <summary>A channel of the fake platform.</summary>
public sealed class FakeChannel(string id, string name, string topic, string? directUserId)
{
    public string Id { get; } = id;

    public string Name { get; set; } = name;

    public string Topic { get; set; } = topic;

    /// <summary>For a DM, the user it is with.</summary>
    public string? DirectUserId { get; } = directUserId;

    public bool Archived { get; set; }

    public HashSet<string> Members { get; } = new(StringComparer.Ordinal);

    public List<FakeMessage> Messages { get; } = [];
}

/// <summary>A message of the fake platform.</summary>
public sealed record FakeMessage(string Id, OutgoingMessage Content)
{
    /// <summary>Images sent with it.</summary>
    public IReadOnlyList<MessageImage> Images { get; init; } = [];

    /// <summary>The <see cref="SendMarker"/> of its idempotency key, as Slack keeps message metadata; null without a key.</summary>
    public string? Marker { get; init; }
}
