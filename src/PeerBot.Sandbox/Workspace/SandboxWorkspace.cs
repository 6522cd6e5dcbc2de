using System.Globalization;
using PeerBot.Core.People;
using PeerBot.Core.Platform;

namespace PeerBot.Sandbox.Workspace;

/// <summary>A message as the page shows it.</summary>
/// <param name="Id">Message id.</param>
/// <param name="ChannelId">Channel id.</param>
/// <param name="AuthorId">The author's user id; null for the bot.</param>
/// <param name="AuthorName">The name shown.</param>
/// <param name="IsBot">True for the bot's messages.</param>
/// <param name="PostedAt">When, in sandbox time.</param>
/// <param name="Content">What it says.</param>
/// <param name="Edited">True once the bot replaced it.</param>
public sealed record SandboxMessageView(
    string Id,
    string ChannelId,
    string? AuthorId,
    string AuthorName,
    bool IsBot,
    DateTimeOffset PostedAt,
    SandboxContent Content,
    bool Edited);

/// <summary>A channel as the page lists it.</summary>
/// <param name="Id">Channel id.</param>
/// <param name="Name">Name shown.</param>
/// <param name="Topic">Purpose line.</param>
/// <param name="Kind"><c>public</c>, <c>private</c> or <c>direct</c>.</param>
/// <param name="Archived">Read-only when true.</param>
/// <param name="MemberCount">People who can see it (besides the bot).</param>
/// <param name="Unread">Messages by others since the person last read the channel (for the person asking).</param>
public sealed record SandboxChannelView(string Id, string Name, string Topic, string Kind, bool Archived, int MemberCount, int Unread = 0);

/// <summary>
/// The sandbox workspace: the lobby, group channels and DMs with the bot, with who can see what, kept in
/// <see cref="SandboxStore"/> and announced live through <see cref="SandboxEventHub"/> to those who can see it.
/// </summary>
public sealed class SandboxWorkspace
{
    /// <summary>The lobby everyone sees.</summary>
    public const string GeneralChannelId = "general";

    /// <summary>The bot's name on the page.</summary>
    public const string BotName = "PeerBot";

    private readonly SandboxStore _store;
    private readonly TimeProvider _time;
    private readonly SandboxEventHub _hub;
    private readonly IPeopleDirectory _people;
    private readonly object _gate = new();
    private long _seq;
    private long _order;

    /// <summary>Creates the workspace over its store.</summary>
    public SandboxWorkspace(SandboxStore store, TimeProvider time, SandboxEventHub hub, IPeopleDirectory people)
    {
        ArgumentNullException.ThrowIfNull(store);
        _store = store;
        _time = time;
        _hub = hub;
        _people = people;
        _seq = store.LastMessageSeq();
        _order = store.LastChannelOrder();
    }

    /// <summary>Direct-message channel id of a person.</summary>
    public static string DirectChannelId(string userId) => "D-" + userId;

    /// <summary>True when the person can see the channel.</summary>
    public static bool CanSee(SandboxChannelDocument channel, string userId)
    {
        ArgumentNullException.ThrowIfNull(channel);
        return channel.Kind == SandboxChannelKind.Public || channel.Members.Contains(userId, StringComparer.Ordinal);
    }

    /// <summary>Creates the lobby with its welcome message, once.</summary>
    public SandboxChannelDocument EnsureGeneral(string welcome)
    {
        lock (_gate)
        {
            var general = _store.FindChannel(GeneralChannelId);
            if (general is not null)
            {
                return general;
            }

            general = new SandboxChannelDocument
            {
                Id = GeneralChannelId,
                Name = "general",
                Topic = "The sandbox's lobby: everyone can see it.",
                Kind = SandboxChannelKind.Public,
                Order = ++_order,
            };
            _store.SaveChannel(general);
            AppendLocked(general, null, SandboxContent.PlainText(welcome), null);
            return general;
        }
    }

    /// <summary>
    /// Makes sure a group's private channel exists with exactly these people; reuses the existing one
    /// (named, or made earlier for the same group) and brings an archived one back.
    /// </summary>
    public SandboxChannelDocument EnsurePrivate(string groupId, string name, string topic, IReadOnlyCollection<string> userIds, string? existingId)
    {
        ArgumentNullException.ThrowIfNull(userIds);
        SandboxChannelDocument channel;
        HashSet<string> concerned;
        lock (_gate)
        {
            var existing = (existingId is null ? null : _store.FindChannel(existingId)) ?? _store.FindChannelOfGroup(groupId);
            if (existing is not null && existing.Kind != SandboxChannelKind.Private)
            {
                existing = null;
            }

            channel = existing ?? new SandboxChannelDocument
            {
                Id = "G" + (++_order).ToString(CultureInfo.InvariantCulture),
                Kind = SandboxChannelKind.Private,
                GroupId = groupId,
                Order = _order,
            };
            concerned = [.. channel.Members, .. userIds];
            channel.Name = name;
            channel.Topic = topic;
            channel.GroupId = groupId;
            channel.Archived = false;
            channel.Members = userIds.Distinct(StringComparer.Ordinal).ToList();
            _store.SaveChannel(channel);
        }

        AnnounceChannels(concerned);
        return channel;
    }

    /// <summary>Lets a person see a private channel.</summary>
    public void AddMember(string channelId, string userId)
    {
        lock (_gate)
        {
            var channel = RequireChannel(channelId);
            if (channel.Kind != SandboxChannelKind.Private || channel.Members.Contains(userId, StringComparer.Ordinal))
            {
                return;
            }

            channel.Members.Add(userId);
            _store.SaveChannel(channel);
        }

        AnnounceChannels([userId]);
    }

    /// <summary>Takes a person out of a private channel.</summary>
    public void RemoveMember(string channelId, string userId)
    {
        lock (_gate)
        {
            var channel = RequireChannel(channelId);
            if (channel.Kind != SandboxChannelKind.Private || channel.Members.RemoveAll(m => m == userId) == 0)
            {
                return;
            }

            _store.SaveChannel(channel);
        }

        AnnounceChannels([userId]);
    }

    /// <summary>Makes a channel read-only, keeping its history.</summary>
    public void Archive(string channelId)
    {
        SandboxChannelDocument channel;
        lock (_gate)
        {
            channel = RequireChannel(channelId);
            if (channel.Archived)
            {
                return;
            }

            channel.Archived = true;
            _store.SaveChannel(channel);
        }

        AnnounceChannels(channel.Members);
    }

    /// <summary>The DM channel between a person and the bot, created on first use.</summary>
    public SandboxChannelDocument EnsureDirect(string userId)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(userId);
        lock (_gate)
        {
            return EnsureDirectLocked(userId, out _);
        }
    }

    /// <summary>
    /// Posts a message in a channel. A bot message may carry the mark of its idempotency key, to be found again
    /// (<see cref="FindByMarker"/>); as on the real platforms, nothing stops the same message being posted twice.
    /// </summary>
    public SandboxMessageView Post(string channelId, string? authorId, SandboxContent content, string? marker = null)
    {
        SandboxMessageView view;
        SandboxChannelDocument channel;
        lock (_gate)
        {
            channel = RequireChannel(channelId);
            if (channel.Archived)
            {
                throw new PlatformException(PlatformErrorKind.Other, $"Channel {channelId} is archived.");
            }

            view = AppendLocked(channel, authorId, content, marker);
        }

        Announce(channel, new SandboxEvent("message", view));
        return view;
    }

    /// <summary>The id of the first message in a channel with this send marker, or null.</summary>
    public string? FindByMarker(string channelId, string marker)
    {
        lock (_gate)
        {
            return _store.FindByMarker(channelId, marker)?.Id;
        }
    }

    /// <summary>Sends a bot message to a person's DM.</summary>
    public SandboxMessageView PostDirect(string userId, SandboxContent content, string? marker = null)
    {
        bool created;
        lock (_gate)
        {
            EnsureDirectLocked(userId, out created);
        }

        if (created)
        {
            AnnounceChannels([userId]);
        }

        return Post(DirectChannelId(userId), null, content, marker);
    }

    /// <summary>Replaces a message's content.</summary>
    public SandboxMessageView Update(string channelId, string messageId, SandboxContent content)
    {
        SandboxMessageView view;
        SandboxChannelDocument channel;
        lock (_gate)
        {
            channel = RequireChannel(channelId);
            var message = _store.FindMessage(messageId);
            if (message is null || message.ChannelId != channelId)
            {
                throw new PlatformException(PlatformErrorKind.NotFound, $"No message {messageId} in channel {channelId}.");
            }

            message.ContentJson = content.Serialize();
            message.Edited = true;
            _store.SaveMessage(message);
            view = View(message);
        }

        Announce(channel, new SandboxEvent("message", view));
        return view;
    }

    /// <summary>Deletes a message; one already gone is not an error.</summary>
    public void Delete(string channelId, string messageId)
    {
        SandboxChannelDocument? channel;
        lock (_gate)
        {
            channel = _store.FindChannel(channelId);
            var message = _store.FindMessage(messageId);
            if (channel is null || message is null || message.ChannelId != channelId)
            {
                return;
            }

            _store.DeleteMessage(messageId);
        }

        Announce(channel, new SandboxEvent("deleted", new { channelId, id = messageId }));
    }

    /// <summary>The channel, or null when it does not exist.</summary>
    public SandboxChannelDocument? FindChannel(string channelId)
    {
        lock (_gate)
        {
            return _store.FindChannel(channelId);
        }
    }

    /// <summary>The channel when the person can see it, else null (so a hidden channel looks like no channel).</summary>
    public SandboxChannelDocument? FindVisible(string userId, string channelId)
    {
        var channel = FindChannel(channelId);
        return channel is not null && CanSee(channel, userId) ? channel : null;
    }

    /// <summary>The channels a person can see: the lobby, their groups, their DM with the bot.</summary>
    public IReadOnlyList<SandboxChannelDocument> VisibleTo(string userId)
    {
        lock (_gate)
        {
            return _store.Channels().Where(c => CanSee(c, userId)).OrderBy(c => c.Kind).ThenBy(c => c.Order).ToList();
        }
    }

    /// <summary>The last messages of a channel, oldest first.</summary>
    public IReadOnlyList<SandboxMessageView> Messages(string channelId, int limit = 200)
    {
        lock (_gate)
        {
            return _store.Messages(channelId, limit).Select(View).ToList();
        }
    }

    /// <summary>A message, or null.</summary>
    public SandboxMessageView? FindMessage(string channelId, string messageId)
    {
        lock (_gate)
        {
            var message = _store.FindMessage(messageId);
            return message is not null && message.ChannelId == channelId ? View(message) : null;
        }
    }

    /// <summary>A channel as the page lists it.</summary>
    public SandboxChannelView ChannelView(SandboxChannelDocument channel)
    {
        ArgumentNullException.ThrowIfNull(channel);
        var name = channel.Kind == SandboxChannelKind.Direct ? BotName : channel.Name;
        return new SandboxChannelView(
            channel.Id,
            name,
            channel.Topic,
            channel.Kind.ToString().ToLowerInvariant(),
            channel.Archived,
            channel.Kind == SandboxChannelKind.Public ? _people.All.Count : channel.Members.Count);
    }

    /// <summary>A channel as the page lists it for one person, with what they have not read.</summary>
    public SandboxChannelView ChannelView(SandboxChannelDocument channel, string userId)
    {
        ArgumentNullException.ThrowIfNull(channel);
        int unread;
        lock (_gate)
        {
            unread = _store.CountAfter(channel.Id, _store.ReadUpTo(userId, channel.Id), userId);
        }

        return ChannelView(channel) with { Unread = unread };
    }

    /// <summary>
    /// Marks a channel read by a person up to a message (its last message when none is named); a marker only moves
    /// forward, so a late call from an older page cannot bring back what was read.
    /// </summary>
    public void MarkRead(string userId, string channelId, string? upToMessageId)
    {
        lock (_gate)
        {
            var upTo = upToMessageId is null
                ? _store.LastSeqOf(channelId)
                : _store.FindMessage(upToMessageId) is { } message && message.ChannelId == channelId ? message.Seq : 0;
            if (upTo > _store.ReadUpTo(userId, channelId))
            {
                _store.SaveReadUpTo(userId, channelId, upTo);
            }
        }
    }

    /// <summary>The name of a person, from the directory; the id itself for someone not configured.</summary>
    public string DisplayName(string userId) =>
        (_people.FindByPlatformUser(PlatformKind.Sandbox, userId) ?? _people.Find(userId))?.Name ?? userId;

    private SandboxChannelDocument EnsureDirectLocked(string userId, out bool created)
    {
        var id = DirectChannelId(userId);
        var channel = _store.FindChannel(id);
        created = channel is null;
        if (channel is null)
        {
            channel = new SandboxChannelDocument
            {
                Id = id,
                Name = BotName,
                Topic = "Your private conversation with PeerBot.",
                Kind = SandboxChannelKind.Direct,
                Members = [userId],
                Order = ++_order,
            };
            _store.SaveChannel(channel);
        }

        return channel;
    }

    private SandboxMessageView AppendLocked(SandboxChannelDocument channel, string? authorId, SandboxContent content, string? marker)
    {
        var seq = ++_seq;
        var message = new SandboxMessageDocument
        {
            Id = "M" + seq.ToString(CultureInfo.InvariantCulture),
            Seq = seq,
            ChannelId = channel.Id,
            AuthorId = authorId,
            PostedAtMs = _time.GetUtcNow().ToUnixTimeMilliseconds(),
            ContentJson = content.Serialize(),
            Marker = marker,
        };
        _store.SaveMessage(message);
        return View(message);
    }

    private SandboxChannelDocument RequireChannel(string channelId) =>
        _store.FindChannel(channelId) ?? throw new PlatformException(PlatformErrorKind.NotFound, $"No channel {channelId}.");

    private SandboxMessageView View(SandboxMessageDocument message) => new(
        message.Id,
        message.ChannelId,
        message.AuthorId,
        message.AuthorId is null ? BotName : DisplayName(message.AuthorId),
        message.AuthorId is null,
        DateTimeOffset.FromUnixTimeMilliseconds(message.PostedAtMs),
        SandboxContent.Deserialize(message.ContentJson),
        message.Edited);

    private void Announce(SandboxChannelDocument channel, SandboxEvent sandboxEvent)
    {
        if (channel.Kind == SandboxChannelKind.Public)
        {
            _hub.PublishToAll(sandboxEvent);
        }
        else
        {
            _hub.Publish(sandboxEvent, channel.Members);
        }
    }

    private void AnnounceChannels(IEnumerable<string> userIds) =>
        _hub.Publish(new SandboxEvent("channels", new { }), userIds);
}
