using PeerBot.Core;
using System.Collections.Concurrent;
using System.Globalization;
using System.Net;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.Extensions.Logging;
using PeerBot.Core.Platform;
using PeerBot.Discord.Rest;

namespace PeerBot.Discord;

/// <summary>
/// The <see cref="IChatPlatform"/> port on Discord: group channels are private text channels in the configured
/// category (<c>@everyone</c> denied View Channel, members, facilitators and the bot allowed), archived by moving
/// them read-only to an archive category; direct messages go through the bot's DM channels.
/// </summary>
public sealed class DiscordChatPlatform : IChatPlatform, ISentMessageFinder, IDisposable
{
    /// <summary>View Channel | Send Messages | Read Message History.</summary>
    public const long MemberAllow = Permissions.ViewChannel | Permissions.SendMessages | Permissions.ReadMessageHistory;

    /// <summary>View Channel | Read Message History: what members keep in an archived channel.</summary>
    public const long ArchivedAllow = Permissions.ViewChannel | Permissions.ReadMessageHistory;

    /// <summary>
    /// What members are denied in a group channel: starting threads and writing in them. A message in a thread carries
    /// the thread's id, not the group channel's, so it would never be screened; the channel has no threads instead.
    /// </summary>
    public const long MemberDeny = Permissions.Threads;

    private const int RoleOverwrite = 0;
    private const int MemberOverwrite = 1;
    private const int GuildText = 0;
    private const int GuildCategory = 4;

    private readonly DiscordRestClient _rest;
    private readonly DiscordSession _session;
    private readonly DiscordAdapterOptions _options;
    private readonly ILogger _logger;
    private const int MaxPlacementAttempts = 5;

    /// <summary>
    /// What a change that sets overwrites needs: Discord lets a bot allow or deny only what it holds itself, so the
    /// thread permissions it denies members are needed as much as the one the route asks for.
    /// </summary>
    private const string SetsOverwritesHint =
        "Manage Channels, Manage Roles, View Channels, Send Messages, Read Message History, Create Public Threads, Create Private Threads and Send Messages in Threads";

    private const string SetsMemberOverwriteHint =
        "Manage Roles (Manage Permissions), View Channels, Send Messages, Read Message History, Create Public Threads, Create Private Threads and Send Messages in Threads";

    /// <summary>The most members Discord's member search returns.</summary>
    private const int MemberSearchLimit = 1000;

    private readonly ConcurrentDictionary<string, string> _dmChannels = new(StringComparer.Ordinal);
    private readonly SemaphoreSlim _placementLock = new(1, 1);
    private readonly SemaphoreSlim _directOpenLock = new(1, 1);
    private readonly IDirectChannelStore _directChannels;
    private readonly TimeProvider _time;
    private DateTimeOffset _nextDirectOpen = DateTimeOffset.MinValue;
    private double _directTokens = double.NaN;
    private DateTimeOffset _directTokensAt;
    private volatile GuildListing? _listing;
    private bool _warnedNearGuildCap;

    public DiscordChatPlatform(
        DiscordRestClient rest,
        DiscordSession session,
        DiscordAdapterOptions options,
        ILogger<DiscordChatPlatform> logger,
        TimeProvider? time = null,
        IDirectChannelStore? directChannels = null)
    {
        _rest = rest;
        _session = session;
        _options = options;
        _logger = logger;
        _time = time ?? TimeProvider.System;
        _directChannels = directChannels ?? new InMemoryDirectChannelStore();
    }

    /// <summary>
    /// How long a listing of the guild's channels is trusted when looking for a channel a lost answer may have made.
    /// Reconciling many new groups would otherwise fetch the whole (growing) list once per group, which at Discord's
    /// 50 requests a second was one start-up request in eight.
    /// </summary>
    internal static TimeSpan ListingLifetime { get; } = TimeSpan.FromSeconds(30);

    public PlatformKind Kind => PlatformKind.Discord;

    public void Dispose()
    {
        _placementLock.Dispose();
        _directOpenLock.Dispose();
    }

    private string ArchiveCategoryName => _options.ArchiveCategoryName ?? _session.CategoryName + " Archive";

    public async Task<ChannelRef> EnsurePrivateChannelAsync(PrivateChannelSpec spec, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(spec);
        var (botId, _) = await _session.GetIdentityAsync(_rest, cancellationToken).ConfigureAwait(false);
        var name = ChannelName(spec.Name);

        JsonElement? channel = null;
        if (spec.Existing is { } existing)
        {
            var found = await _rest.SendAsync(HttpMethod.Get, $"/channels/{existing.Id}", null, "View Channel", cancellationToken).ConfigureAwait(false);
            if (found.IsSuccess)
            {
                channel = found.Body;
            }
            else if (found.Status != HttpStatusCode.NotFound)
            {
                throw found.ToException();
            }
            else
            {
                // Deleted by hand since the listing was taken: the listing may still show it.
                ForgetListing();
            }
        }

        await _placementLock.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            var listing = await ListingAsync(cancellationToken).ConfigureAwait(false);

            // A retried create whose first answer was lost must not make a second channel: adopt one of the same name in
            // any group category (groups spill over into "Peer Support 2", … once a category holds 50).
            channel ??= listing.FindText(name, listing.GroupCategories(_session.CategoryName));

            if (channel is null)
            {
                var created = await CreateInCategoryAsync(name, spec, botId, cancellationToken).ConfigureAwait(false);
                var id = created.GetProperty("id").GetString()!;

                // A channel adopted after a lost answer is checked like any found one; a new one matches and costs nothing.
                await ReconcileAsync(created, id, name, spec.UserIds, botId, cancellationToken).ConfigureAwait(false);
                _session.AddGroupChannel(id);
                _logger.LogInformation("Discord group channel {Channel} created for group {Group}", id, spec.GroupId);
                return new ChannelRef(PlatformKind.Discord, id);
            }

            var channelId = channel.Value.GetProperty("id").GetString()!;
            await ReconcileAsync(channel.Value, channelId, name, spec.UserIds, botId, cancellationToken).ConfigureAwait(false);
            _session.AddGroupChannel(channelId);
            return new ChannelRef(PlatformKind.Discord, channelId);
        }
        finally
        {
            _placementLock.Release();
        }
    }

    /// <summary>Creates a group channel in a group category with room, spilling into a new category when all are full.</summary>
    private async Task<JsonElement> CreateInCategoryAsync(string name, PrivateChannelSpec spec, string botId, CancellationToken cancellationToken)
    {
        for (var attempt = 1; ; attempt++)
        {
            var categoryId = await PlaceAsync(archive: false, adding: 1, cancellationToken).ConfigureAwait(false);
            var body = new JsonObject
            {
                ["name"] = name,
                ["type"] = GuildText,
                ["topic"] = MessageRenderer.Truncate(spec.Topic, 1024),
                ["parent_id"] = categoryId,
                ["permission_overwrites"] = Overwrites(spec.UserIds, botId, MemberAllow),
            };
            var response = await _rest.CreateAsync(
                $"/guilds/{_session.GuildId}/channels", body, SetsOverwritesHint, AuditReasons.GroupCreated, ct => FindMadeAsync(GuildText, name, categoryId, ct), cancellationToken).ConfigureAwait(false);
            if (response.IsSuccess)
            {
                var created = response.Body!.Value;
                _listing?.Add(created.Clone());
                return created;
            }

            if (IsCategoryFull(response) && attempt < MaxPlacementAttempts)
            {
                // Someone filled the category since it was counted: count it as full and place again.
                _listing?.MarkFull(categoryId);
                continue;
            }

            // The channel may exist even though the answer was lost or refused: the next attempt must look afresh.
            ForgetListing();
            throw GuildFullOr(response);
        }
    }

    /// <summary>
    /// A category of the series (group or archive) with room for one more channel: the first with fewer than the
    /// category limit, else a new one named after the last. Refuses, naming the numbers, before the server's own cap.
    /// The caller holds the placement lock.
    /// </summary>
    private async Task<string> PlaceAsync(bool archive, int adding, CancellationToken cancellationToken)
    {
        var listing = await ListingAsync(cancellationToken).ConfigureAwait(false);
        var baseName = archive ? ArchiveCategoryName : _session.CategoryName;
        var series = listing.Categories(baseName);
        foreach (var (_, id) in series)
        {
            if (!listing.IsFull(id, _options.CategoryChannelLimit))
            {
                CheckGuildRoom(listing, adding);
                Remember(archive, id);
                return id;
            }
        }

        // Every category of the series is full (or there is none): a new one, and the channel if one is made, count in the server.
        CheckGuildRoom(listing, adding + 1);
        var index = series.Count == 0 ? 1 : series[^1].Index + 1;
        var name = DiscordSession.SeriesName(baseName, index);
        var (botId, _) = await _session.GetIdentityAsync(_rest, cancellationToken).ConfigureAwait(false);
        var body = new JsonObject
        {
            ["name"] = name,
            ["type"] = GuildCategory,
            ["permission_overwrites"] = Overwrites([], botId, MemberAllow),
        };
        var response = await _rest.CreateAsync(
            $"/guilds/{_session.GuildId}/channels", body, "Manage Channels", AuditReasons.CategoryCreated, ct => FindMadeAsync(GuildCategory, name, null, ct), cancellationToken).ConfigureAwait(false);
        if (!response.IsSuccess)
        {
            ForgetListing();
            throw GuildFullOr(response);
        }

        var created = response.Body!.Value;
        var categoryId = created.GetProperty("id").GetString()!;
        listing.Add(created.Clone());
        Remember(archive, categoryId);
        _logger.LogInformation("Discord category {Name} created", name);
        return categoryId;
    }

    private void Remember(bool archive, string categoryId)
    {
        if (!archive)
        {
            _session.CategoryId = categoryId;
        }
    }

    /// <summary>Refuses, before Discord does, a change that would take the server past its channel cap.</summary>
    private void CheckGuildRoom(GuildListing listing, int needed)
    {
        var limit = _options.GuildChannelLimit;
        var count = listing.Count;
        if (count + needed > limit)
        {
            var message = $"The Discord server holds {count} channels and categories, and Discord allows {limit} in a server: PeerBot cannot "
                + $"create more group channels there. Delete unused channels (archived groups are in '{ArchiveCategoryName}…'), or move some groups to another server or to Slack.";
            _logger.LogError("{Message}", message);
            throw new PlatformException(PlatformErrorKind.Other, message);
        }

        if (count + needed > limit * 9 / 10 && !_warnedNearGuildCap)
        {
            _warnedNearGuildCap = true;
            _logger.LogWarning(
                "The Discord server holds {Count} of the {Limit} channels and categories Discord allows; PeerBot will not be able to create group channels beyond that",
                count, limit);
        }
    }

    /// <summary>
    /// Discord's refusal of a full category: no code of its own, an invalid form body (50035) whose <c>parent_id</c> error
    /// is <c>CHANNEL_PARENT_MAX_CHANNELS</c>.
    /// </summary>
    private static bool IsCategoryFull(DiscordResponse response)
    {
        if (response.Status != HttpStatusCode.BadRequest || response.ErrorCode != 50035 || response.Body is not { ValueKind: JsonValueKind.Object } body
            || !body.TryGetProperty("errors", out var errors) || errors.ValueKind != JsonValueKind.Object
            || !errors.TryGetProperty("parent_id", out var parent) || parent.ValueKind != JsonValueKind.Object
            || !parent.TryGetProperty("_errors", out var list) || list.ValueKind != JsonValueKind.Array)
        {
            return false;
        }

        return list.EnumerateArray().Any(e => e.ValueKind == JsonValueKind.Object && Str(e, "code") == "CHANNEL_PARENT_MAX_CHANNELS");
    }

    private PlatformException GuildFullOr(DiscordResponse response)
    {
        if (response.ErrorCode == 30013)
        {
            var message = $"Discord refused a new channel: the server has reached its limit of {_options.GuildChannelLimit} channels and categories (code 30013). "
                + $"Delete unused channels (archived groups are in '{ArchiveCategoryName}…'), or move some groups to another server or to Slack.";
            _logger.LogError("{Message}", message);
            return new PlatformException(PlatformErrorKind.Other, message);
        }

        return response.ToException();
    }

    /// <summary>The guild's channels as recently listed, plus those made and moved since; listed afresh when stale.</summary>
    private async Task<GuildListing> ListingAsync(CancellationToken cancellationToken)
    {
        var listing = _listing;
        if (listing is not null && _time.GetUtcNow() - listing.TakenAt < ListingLifetime)
        {
            return listing;
        }

        var takenAt = _time.GetUtcNow();
        var all = (await _rest.SendAsync(HttpMethod.Get, $"/guilds/{_session.GuildId}/channels", null, "View Channel", cancellationToken).ConfigureAwait(false)).EnsureSuccess();
        listing = new GuildListing(takenAt);
        if (all.ValueKind == JsonValueKind.Array)
        {
            foreach (var c in all.EnumerateArray())
            {
                listing.Add(c.Clone());
            }
        }

        _listing = listing;
        return listing;
    }

    private void ForgetListing() => _listing = null;

    /// <summary>
    /// A channel or category of this type, name and parent as the server holds it now (listed afresh, not from the cached
    /// listing): what a create whose answer was lost would have made. The oldest, should there be more than one.
    /// </summary>
    private async Task<JsonElement?> FindMadeAsync(int type, string name, string? parentId, CancellationToken cancellationToken)
    {
        var all = (await _rest.SendAsync(HttpMethod.Get, $"/guilds/{_session.GuildId}/channels", null, "View Channel", cancellationToken).ConfigureAwait(false)).EnsureSuccess();
        if (all.ValueKind != JsonValueKind.Array)
        {
            return null;
        }

        return all.EnumerateArray()
            .Where(c => c.ValueKind == JsonValueKind.Object && c.TryGetProperty("type", out var t) && t.ValueKind == JsonValueKind.Number && t.TryGetInt32(out var found) && found == type
                && Str(c, "name") == name && Str(c, "parent_id") == parentId && Str(c, "id") is not null)
            .OrderBy(c => Str(c, "id")!.Length)
            .ThenBy(c => Str(c, "id"), StringComparer.Ordinal)
            .Select(c => (JsonElement?)c.Clone())
            .FirstOrDefault();
    }

    public Task AddMemberAsync(ChannelRef channel, string userId, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(channel);
        return PutMemberOverwriteAsync(channel.Id, userId, MemberAllow, MemberDeny, cancellationToken);
    }

    public async Task RemoveMemberAsync(ChannelRef channel, string userId, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(channel);
        var response = await _rest.SendAsync(
            HttpMethod.Delete, $"/channels/{channel.Id}/permissions/{userId}", null, "Manage Roles (Manage Permissions)", AuditReasons.MemberRemoved, cancellationToken).ConfigureAwait(false);
        if (!response.IsSuccess && response.Status != HttpStatusCode.NotFound)
        {
            throw response.ToException();
        }
    }

    public async Task ArchiveChannelAsync(ChannelRef channel, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(channel);
        var (botId, _) = await _session.GetIdentityAsync(_rest, cancellationToken).ConfigureAwait(false);
        var current = (await _rest.SendAsync(HttpMethod.Get, $"/channels/{channel.Id}", null, "View Channel", cancellationToken).ConfigureAwait(false)).EnsureSuccess();
        var people = MemberOverwrites(current).Select(o => o.Id).Where(id => id != botId).ToList();
        var overwrites = Overwrites([], botId, MemberAllow);
        foreach (var person in people)
        {
            // Members keep reading the history; nobody writes in an archived group.
            overwrites.Add(new JsonObject
            {
                ["id"] = person,
                ["type"] = MemberOverwrite,
                ["allow"] = ArchivedAllow.ToString(CultureInfo.InvariantCulture),
                ["deny"] = (Permissions.SendMessages | MemberDeny).ToString(CultureInfo.InvariantCulture),
            });
        }

        await _placementLock.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            var listing = await ListingAsync(cancellationToken).ConfigureAwait(false);
            var parent = Str(current, "parent_id");
            var inArchive = parent is not null && listing.Categories(ArchiveCategoryName).Any(c => c.Id == parent);
            await MoveAsync(channel.Id, inArchive ? parent : null, archive: true, new JsonObject { ["permission_overwrites"] = overwrites }, cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            _placementLock.Release();
        }

        _session.RemoveGroupChannel(channel.Id);
        _logger.LogInformation("Discord channel {Channel} archived", channel.Id);
    }

    /// <summary>
    /// Archived group channels made read-only before archives also denied threads (members could still open a thread
    /// there and write in it, unscreened): their member overwrites get the archive's full denial. Checked once a start;
    /// returns how many channels were set right.
    /// </summary>
    public async Task<int> SecureArchivedChannelsAsync(CancellationToken cancellationToken)
    {
        var (botId, _) = await _session.GetIdentityAsync(_rest, cancellationToken).ConfigureAwait(false);
        var listing = await ListingAsync(cancellationToken).ConfigureAwait(false);
        var archives = listing.Categories(ArchiveCategoryName).Select(c => c.Id).ToHashSet(StringComparer.Ordinal);
        const long ArchivedDeny = Permissions.SendMessages | MemberDeny;
        var fixedCount = 0;
        foreach (var channel in listing.TextChannelsIn(archives))
        {
            var people = MemberOverwrites(channel).Where(o => o.Id != botId).ToList();
            if (people.All(o => (o.Deny & ArchivedDeny) == ArchivedDeny && (o.Allow & (Permissions.SendMessages | MemberDeny)) == 0))
            {
                continue;
            }

            var overwrites = Overwrites([], botId, MemberAllow);
            foreach (var (id, _, _) in people)
            {
                overwrites.Add(new JsonObject
                {
                    ["id"] = id,
                    ["type"] = MemberOverwrite,
                    ["allow"] = ArchivedAllow.ToString(CultureInfo.InvariantCulture),
                    ["deny"] = ArchivedDeny.ToString(CultureInfo.InvariantCulture),
                });
            }

            var channelId = Str(channel, "id")!;
            var response = await _rest.SendAsync(
                HttpMethod.Patch, $"/channels/{channelId}", new JsonObject { ["permission_overwrites"] = overwrites }, SetsOverwritesHint, AuditReasons.Archived, cancellationToken).ConfigureAwait(false);
            if (response.IsSuccess)
            {
                listing.Add(response.Body!.Value.Clone());
                fixedCount++;
            }
            else
            {
                _logger.LogWarning("Archived Discord channel {Channel} still lets members open threads: {Error}", channelId, response.ToException().Message);
            }
        }

        if (fixedCount > 0)
        {
            _logger.LogInformation("{Count} archived Discord channels now deny threads as well as messages", fixedCount);
        }

        return fixedCount;
    }

    /// <summary>
    /// Edits a channel, putting it in a category of the series (group or archive) with room unless it already is in
    /// <paramref name="keepIn"/>; a category found full on the way is counted so and the next one tried. The caller holds
    /// the placement lock.
    /// </summary>
    private async Task MoveAsync(string channelId, string? keepIn, bool archive, JsonObject body, CancellationToken cancellationToken)
    {
        for (var attempt = 1; ; attempt++)
        {
            var categoryId = keepIn ?? await PlaceAsync(archive, adding: 0, cancellationToken).ConfigureAwait(false);
            body["parent_id"] = categoryId;
            var response = await _rest.SendAsync(
                HttpMethod.Patch, $"/channels/{channelId}", body, SetsOverwritesHint, archive ? AuditReasons.Archived : AuditReasons.Reconciled, cancellationToken).ConfigureAwait(false);
            if (response.IsSuccess)
            {
                _listing?.Add(response.Body!.Value.Clone());
                return;
            }

            if (IsCategoryFull(response) && attempt < MaxPlacementAttempts)
            {
                _listing?.MarkFull(categoryId);
                keepIn = null;
                continue;
            }

            ForgetListing();
            throw response.ToException();
        }
    }

    public Task<MessageRef> PostMessageAsync(ChannelRef channel, OutgoingMessage message, CancellationToken cancellationToken) =>
        PostAsync(channel, message, [], cancellationToken);

    /// <summary>Files one message may carry (Discord: 10).</summary>
    internal const int MaxFilesPerMessage = 10;

    /// <summary>The longest attachment description (alt text) Discord keeps.</summary>
    internal const int MaxDescriptionLength = 1024;

    // A look for a message whose answer was lost reads at most this many pages of history (100 messages each).
    private const int MaxHistoryPages = 10;
    private static readonly DateTimeOffset DiscordEpoch = new(2015, 1, 1, 0, 0, 0, TimeSpan.Zero);

    /// <summary>
    /// Posts a message; images go as attachments of its last part (Discord's 2,000 characters may split it), ten to a
    /// message, each with its alt text as the attachment's description.
    /// </summary>
    private async Task<MessageRef> PostAsync(ChannelRef channel, OutgoingMessage message, IReadOnlyList<MessageImage> images, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(channel);
        ArgumentNullException.ThrowIfNull(message);
        var parts = MessageRenderer.Split(MessageRenderer.RenderContent(message)).ToList();
        var batches = images.Chunk(MaxFilesPerMessage).ToList();
        while (parts.Count < batches.Count)
        {
            // More than ten images: the rest follow in messages of their own, without text.
            parts.Add("");
        }
        var baseKey = message.IdempotencyKey ?? Guid.NewGuid().ToString("N");
        var ids = new List<string>(parts.Count);
        for (var i = 0; i < parts.Count; i++)
        {
            var last = i == parts.Count - 1;
            var body = new JsonObject
            {
                ["content"] = parts[i],
                ["allowed_mentions"] = MessageRenderer.NoMentions(),
                ["flags"] = MessageRenderer.SuppressEmbeds,
                ["nonce"] = Nonce(baseKey, i),
                ["enforce_nonce"] = true,
            };
            if (last && message.Buttons.Count > 0)
            {
                body["components"] = MessageRenderer.RenderComponents(message.Buttons);
            }

            // The first batch of images goes with the last part of the text, any further batch with the parts after it.
            var batch = i - (parts.Count - batches.Count);
            var response = batch >= 0 && batch < batches.Count
                ? await _rest.SendWithFilesAsync(HttpMethod.Post, $"/channels/{channel.Id}/messages", WithAttachments(body, batches[batch]), Files(batches[batch]), "Send Messages and Attach Files", cancellationToken).ConfigureAwait(false)
                : await _rest.SendAsync(HttpMethod.Post, $"/channels/{channel.Id}/messages", body, "Send Messages", cancellationToken).ConfigureAwait(false);
            var sent = response.EnsureSuccess();
            ids.Add(sent.GetProperty("id").GetString()!);
        }

        // Every part's id, in order: removing or editing the message (an anonymous post, an alert) reaches all of it.
        return new MessageRef(channel, JoinPartIds(ids));
    }

    /// <inheritdoc />
    /// <remarks>
    /// Discord's history returns no nonce and keeps no metadata, so the message itself is the marker: the bot's own
    /// messages in the channel (or the person's DM) since <see cref="SentMessageQuery.NotBefore"/>, read oldest first
    /// with <c>after</c> a snowflake of that time, with the text of every part in order. A message cut short by a crash
    /// (some parts there, not all) is removed, so that it is sent again whole rather than half twice.
    /// </remarks>
    public async Task<MessageRef?> FindSentAsync(SentMessageQuery query, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(query);
        var channelId = query.Channel?.Id ?? (await DirectChannelAsync(query.DirectUserId!, cancellationToken).ConfigureAwait(false)).Id;
        var (botId, _) = await _session.GetIdentityAsync(_rest, cancellationToken).ConfigureAwait(false);
        var parts = MessageRenderer.Split(MessageRenderer.RenderContent(query.Message)).Select(p => p.Trim()).ToList();
        var cursor = SnowflakeAt(query.NotBefore);
        var found = new List<string>();
        for (var page = 0; page < MaxHistoryPages && found.Count < parts.Count; page++)
        {
            var listed = (await _rest.SendAsync(HttpMethod.Get, $"/channels/{channelId}/messages?limit=100&after={cursor}", null, "Read Message History", cancellationToken).ConfigureAwait(false)).EnsureSuccess();
            var messages = listed.ValueKind == JsonValueKind.Array
                ? listed.EnumerateArray()
                    .Select(m => (Id: m.TryGetProperty("id", out var id) ? id.GetString() : null, Author: m.TryGetProperty("author", out var a) && a.TryGetProperty("id", out var aid) ? aid.GetString() : null, Content: m.TryGetProperty("content", out var c) ? c.GetString() ?? "" : ""))
                    .Where(m => m.Id is not null && RouteInfo.IsSnowflake(m.Id))
                    .OrderBy(m => ulong.Parse(m.Id!, CultureInfo.InvariantCulture))
                    .ToList()
                : [];
            foreach (var message in messages.Where(m => m.Author == botId))
            {
                if (found.Count < parts.Count && string.Equals(message.Content.Trim(), parts[found.Count], StringComparison.Ordinal))
                {
                    found.Add(message.Id!);
                }
                else if (found.Count > 0 && found.Count < parts.Count)
                {
                    // Another bot message came between the parts: not this one after all.
                    found.Clear();
                }
            }

            if (messages.Count < 100)
            {
                break;
            }

            cursor = messages[^1].Id!;
        }

        if (found.Count == parts.Count)
        {
            return new MessageRef(new ChannelRef(PlatformKind.Discord, channelId), JoinPartIds(found));
        }

        foreach (var part in found)
        {
            await DeleteMessageAsync(new MessageRef(new ChannelRef(PlatformKind.Discord, channelId), part), cancellationToken).ConfigureAwait(false);
        }

        return null;
    }

    /// <summary>A snowflake for a moment: the milliseconds since Discord's epoch (2015) in its top bits.</summary>
    internal static string SnowflakeAt(DateTimeOffset time)
    {
        var ms = Math.Max(0, (time - DiscordEpoch).Ticks / TimeSpan.TicksPerMillisecond);
        return ((ulong)ms << 22).ToString(CultureInfo.InvariantCulture);
    }

    private static JsonObject WithAttachments(JsonObject body, MessageImage[] images)
    {
        body["attachments"] = new JsonArray(images.Select((image, n) => (JsonNode)new JsonObject
        {
            ["id"] = n.ToString(CultureInfo.InvariantCulture),
            ["filename"] = image.FileName,
            ["description"] = MessageRenderer.Truncate(image.AltText, MaxDescriptionLength),
        }).ToArray());
        return body;
    }

    private static List<RestFile> Files(MessageImage[] images) =>
        images.Select((image, n) => new RestFile(n, image.FileName, image.Png, "image/png")).ToList();

    /// <summary>
    /// A message longer than Discord's 2,000 characters goes out as several; its <see cref="MessageRef.Id"/> lists their
    /// ids, comma-separated (snowflakes are digits only, so the comma cannot be part of one).
    /// </summary>
    internal static string JoinPartIds(IReadOnlyList<string> ids) => string.Join(',', ids);

    /// <summary>The ids of every part of a message, from its <see cref="MessageRef.Id"/>.</summary>
    internal static string[] PartIds(string messageId) =>
        messageId.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);

    public Task<MessageRef> SendDirectMessageAsync(string userId, OutgoingMessage message, CancellationToken cancellationToken) =>
        SendDirectMessageAsync(userId, message, [], cancellationToken);

    public async Task<MessageRef> SendDirectMessageAsync(string userId, OutgoingMessage message, IReadOnlyList<MessageImage> images, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(userId);
        ArgumentNullException.ThrowIfNull(images);
        var (dmId, remembered) = await DirectChannelAsync(userId, cancellationToken).ConfigureAwait(false);
        try
        {
            return await PostAsync(new ChannelRef(PlatformKind.Discord, dmId), message, images, cancellationToken).ConfigureAwait(false);
        }
        catch (PlatformException ex) when (remembered && ex.Kind == PlatformErrorKind.NotFound)
        {
            // A channel remembered from an earlier run that Discord no longer knows: open it afresh, once.
            ForgetDirectChannel(userId);
            (dmId, _) = await DirectChannelAsync(userId, cancellationToken).ConfigureAwait(false);
            return await PostAsync(new ChannelRef(PlatformKind.Discord, dmId), message, images, cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>
    /// The bot's direct-message channel with a person: known in this run, remembered from an earlier one, or opened now.
    /// Openings go one at a time and paced (<see cref="DirectOpenWait"/>); Discord's "opening
    /// direct messages too fast" (403, code 40003) is a pace, answered by waiting longer each time, not a missing permission.
    /// </summary>
    private async Task<(string Id, bool Remembered)> DirectChannelAsync(string userId, CancellationToken cancellationToken)
    {
        if (_dmChannels.TryGetValue(userId, out var known))
        {
            return (known, true);
        }

        if (_directChannels.Find(PlatformKind.Discord, DirectChannelKey(userId)) is { } stored)
        {
            _dmChannels[userId] = stored;
            return (stored, true);
        }

        await ParkAsync(_directOpenLock.WaitAsync(cancellationToken), RestWaitKind.DirectChannelQueue, null).ConfigureAwait(false);
        try
        {
            if (_dmChannels.TryGetValue(userId, out known))
            {
                return (known, false);
            }

            var body = new JsonObject { ["recipient_id"] = userId };
            for (var refusals = 0; ; refusals++)
            {
                TimeSpan wait;
                while ((wait = DirectOpenWait()) > TimeSpan.Zero)
                {
                    wait = ClockWaits.WholeMilliseconds(wait);
                    await ParkAsync(Task.Delay(wait, _time, cancellationToken), RestWaitKind.DirectChannelPacing, wait).ConfigureAwait(false);
                }

                var response = await _rest.SendAsync(HttpMethod.Post, "/users/@me/channels", body, null, cancellationToken).ConfigureAwait(false);
                if (response.IsSuccess)
                {
                    var id = response.Body!.Value.GetProperty("id").GetString()!;
                    _dmChannels[userId] = id;
                    _directChannels.Save(PlatformKind.Discord, DirectChannelKey(userId), id);
                    return (id, false);
                }

                if (response.ErrorCode != 40003 || refusals >= _options.DirectChannelOpenRetries)
                {
                    throw response.ToException();
                }

                var backoff = _options.DirectChannelOpenBackoff * Math.Pow(2, refusals);
                if (backoff > _options.DirectChannelOpenMaxBackoff)
                {
                    backoff = _options.DirectChannelOpenMaxBackoff;
                }

                _logger.LogWarning("Discord says direct-message channels are opened too fast (code 40003); waiting {Delay} before opening more", backoff);
                _nextDirectOpen = _time.GetUtcNow() + backoff;

                // After the pause, openings start again one interval apart, not in a burst.
                _directTokens = 0;
                _directTokensAt = _nextDirectOpen;
            }
        }
        finally
        {
            _directOpenLock.Release();
        }
    }

    /// <summary>
    /// How long the next opening must wait: until a pause after a refusal ends, else for a token of a bucket holding
    /// <see cref="DiscordAdapterOptions.DirectChannelOpenBurst"/> and refilled one per
    /// <see cref="DiscordAdapterOptions.DirectChannelOpenInterval"/>. Zero takes a token. The caller holds the opening lock.
    /// </summary>
    private TimeSpan DirectOpenWait()
    {
        var now = _time.GetUtcNow();
        if (now < _nextDirectOpen)
        {
            return _nextDirectOpen - now;
        }

        var burst = Math.Max(1, _options.DirectChannelOpenBurst);
        var interval = _options.DirectChannelOpenInterval;
        if (double.IsNaN(_directTokens) || interval <= TimeSpan.Zero)
        {
            _directTokens = burst;
        }
        else if (now > _directTokensAt)
        {
            _directTokens = Math.Min(burst, _directTokens + ((now - _directTokensAt) / interval));
        }

        if (now > _directTokensAt)
        {
            _directTokensAt = now;
        }

        if (_directTokens >= 1)
        {
            _directTokens -= 1;
            return TimeSpan.Zero;
        }

        return interval * (1 - _directTokens);
    }

    /// <inheritdoc />
    public Task ForgetPersonAsync(string userId, CancellationToken cancellationToken)
    {
        ArgumentException.ThrowIfNullOrEmpty(userId);
        ForgetDirectChannel(userId);
        return Task.CompletedTask;
    }

    private void ForgetDirectChannel(string userId)
    {
        _dmChannels.TryRemove(userId, out _);
        _directChannels.Forget(PlatformKind.Discord, DirectChannelKey(userId));
    }

    /// <summary>
    /// The key a person's DM channel is stored under: a one-way hash of their user id, so the store never holds the id
    /// (anyone may be an anonymous author).
    /// </summary>
    internal static string DirectChannelKey(string userId) =>
        Convert.ToHexString(SHA256.HashData(Encoding.UTF8.GetBytes("discord-dm:" + userId))).ToLowerInvariant();

    /// <summary>A wait outside any request, counted by the REST client's activity so a test on a fake clock sees it.</summary>
    private async Task ParkAsync(Task wait, RestWaitKind kind, TimeSpan? delay)
    {
        _rest.Activity.Enter();
        try
        {
            await _rest.Activity.ParkAsync(wait, new RestWait(kind, "direct-channels", delay)).ConfigureAwait(false);
        }
        finally
        {
            _rest.Activity.Exit();
        }
    }

    public async Task DeleteMessageAsync(MessageRef message, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(message);
        foreach (var id in PartIds(message.Id))
        {
            var response = await _rest.SendAsync(HttpMethod.Delete, $"/channels/{message.Channel.Id}/messages/{id}", null, "Manage Messages", cancellationToken).ConfigureAwait(false);
            if (!response.IsSuccess && response.Status != HttpStatusCode.NotFound)
            {
                throw response.ToException();
            }
        }
    }

    public async Task UpdateMessageAsync(MessageRef message, OutgoingMessage content, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(message);
        ArgumentNullException.ThrowIfNull(content);
        var ids = PartIds(message.Id);
        var parts = MessageRenderer.Split(MessageRenderer.RenderContent(content)).ToList();
        if (parts.Count > ids.Length)
        {
            // More text than the message had parts: the last part carries what fits of the rest.
            var rest = string.Join("\n", parts.Skip(ids.Length - 1));
            parts = [.. parts.Take(ids.Length - 1), rest.Length <= MessageRenderer.MaxContentLength ? rest : string.Concat(rest.AsSpan(0, MessageRenderer.SafeLength(rest, MessageRenderer.MaxContentLength - 1)), "\u2026")];
        }

        for (var i = 0; i < ids.Length; i++)
        {
            if (i >= parts.Count)
            {
                // Fewer parts than before: the ones left over go.
                var gone = await _rest.SendAsync(HttpMethod.Delete, $"/channels/{message.Channel.Id}/messages/{ids[i]}", null, "Manage Messages", cancellationToken).ConfigureAwait(false);
                if (!gone.IsSuccess && gone.Status != HttpStatusCode.NotFound)
                {
                    throw gone.ToException();
                }

                continue;
            }

            var body = new JsonObject
            {
                ["content"] = parts[i],
                ["allowed_mentions"] = MessageRenderer.NoMentions(),
                ["flags"] = MessageRenderer.SuppressEmbeds,
                ["components"] = i == parts.Count - 1 ? MessageRenderer.RenderComponents(content.Buttons) : new JsonArray(),
            };
            (await _rest.SendAsync(HttpMethod.Patch, $"/channels/{message.Channel.Id}/messages/{ids[i]}", body, "Send Messages", cancellationToken).ConfigureAwait(false)).EnsureSuccess();
        }
    }

    public async Task<string?> ResolveUserAsync(string nameOrId, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(nameOrId);
        var value = nameOrId.Trim().TrimStart('@');
        if (RouteInfo.IsSnowflake(value))
        {
            return value;
        }

        if (value.Length == 0)
        {
            return null;
        }

        // The search matches the start of usernames and nicknames and returns at most `limit` of them in no promised
        // order, so ask for Discord's most (1000): with fewer, "ana" is missed in a server with "ana.r", "anab", … .
        var path = $"/guilds/{_session.GuildId}/members/search?query={Uri.EscapeDataString(value)}&limit={MemberSearchLimit}";
        var members = (await _rest.SendAsync(HttpMethod.Get, path, null, null, cancellationToken).ConfigureAwait(false)).EnsureSuccess();
        foreach (var member in members.EnumerateArray())
        {
            var user = member.GetProperty("user");
            if (string.Equals(Str(user, "username"), value, StringComparison.OrdinalIgnoreCase))
            {
                return Str(user, "id");
            }
        }

        return null;
    }

    private async Task ReconcileAsync(JsonElement channel, string channelId, string name, IReadOnlyCollection<string> userIds, string botId, CancellationToken cancellationToken)
    {
        var everyone = _session.GuildId;
        var wanted = new HashSet<string>(userIds, StringComparer.Ordinal) { botId };
        var current = MemberOverwrites(channel).ToDictionary(o => o.Id, StringComparer.Ordinal);
        var everyoneDenied = channel.TryGetProperty("permission_overwrites", out var all)
            && all.EnumerateArray().Any(o => Str(o, "id") == everyone && (ParsePermissions(o, "deny") & Permissions.ViewChannel) != 0);

        var parent = Str(channel, "parent_id");
        var inGroupCategory = _listing is { } listing && parent is not null && listing.Categories(_session.CategoryName).Any(c => c.Id == parent);
        if (!inGroupCategory || !everyoneDenied || Str(channel, "name") != name)
        {
            // Put the channel back in shape in one edit: category (any group category with room), name and the full overwrite set.
            var body = new JsonObject
            {
                ["name"] = name,
                ["permission_overwrites"] = Overwrites(userIds, botId, MemberAllow),
            };
            await MoveAsync(channelId, inGroupCategory ? parent : null, archive: false, body, cancellationToken).ConfigureAwait(false);
            return;
        }

        foreach (var user in wanted)
        {
            // Channels made before members were denied threads get the denial here.
            var deny = user == botId ? 0 : MemberDeny;
            if (!current.TryGetValue(user, out var o) || (o.Allow & MemberAllow) != MemberAllow || (o.Deny & MemberAllow) != 0 || (o.Deny & deny) != deny)
            {
                await PutMemberOverwriteAsync(channelId, user, MemberAllow, deny, cancellationToken).ConfigureAwait(false);
            }
        }

        foreach (var stale in current.Keys.Where(id => !wanted.Contains(id)))
        {
            await RemoveMemberAsync(new ChannelRef(PlatformKind.Discord, channelId), stale, cancellationToken).ConfigureAwait(false);
        }
    }

    private async Task PutMemberOverwriteAsync(string channelId, string userId, long allow, long deny, CancellationToken cancellationToken)
    {
        var body = new JsonObject
        {
            ["type"] = MemberOverwrite,
            ["allow"] = allow.ToString(CultureInfo.InvariantCulture),
            ["deny"] = deny.ToString(CultureInfo.InvariantCulture),
        };
        (await _rest.SendAsync(
            HttpMethod.Put, $"/channels/{channelId}/permissions/{userId}", body, SetsMemberOverwriteHint, AuditReasons.MemberAdded, cancellationToken).ConfigureAwait(false)).EnsureSuccess();
    }

    private JsonArray Overwrites(IEnumerable<string> userIds, string botId, long allow)
    {
        var list = new JsonArray
        {
            new JsonObject
            {
                ["id"] = _session.GuildId,
                ["type"] = RoleOverwrite,
                ["allow"] = "0",
                ["deny"] = Permissions.ViewChannel.ToString(CultureInfo.InvariantCulture),
            },
        };
        foreach (var id in userIds.Append(botId).Distinct(StringComparer.Ordinal))
        {
            list.Add(new JsonObject
            {
                ["id"] = id,
                ["type"] = MemberOverwrite,
                ["allow"] = allow.ToString(CultureInfo.InvariantCulture),
                ["deny"] = (id == botId ? 0 : MemberDeny).ToString(CultureInfo.InvariantCulture),
            });
        }

        return list;
    }

    private static IEnumerable<(string Id, long Allow, long Deny)> MemberOverwrites(JsonElement channel)
    {
        if (!channel.TryGetProperty("permission_overwrites", out var all) || all.ValueKind != JsonValueKind.Array)
        {
            yield break;
        }

        foreach (var o in all.EnumerateArray())
        {
            if (o.GetProperty("type").GetInt32() == MemberOverwrite)
            {
                yield return (Str(o, "id")!, ParsePermissions(o, "allow"), ParsePermissions(o, "deny"));
            }
        }
    }

    private static long ParsePermissions(JsonElement o, string name)
    {
        if (!o.TryGetProperty(name, out var v))
        {
            return 0;
        }

        return v.ValueKind == JsonValueKind.Number
            ? v.GetInt64()
            : long.TryParse(v.GetString(), NumberStyles.Integer, CultureInfo.InvariantCulture, out var p) ? p : 0;
    }

    private static string? Str(JsonElement e, string name) =>
        e.TryGetProperty(name, out var v) && v.ValueKind == JsonValueKind.String ? v.GetString() : null;

    /// <summary>A Discord text-channel name: lowercase, dashes for spaces, at most 100 characters.</summary>
    internal static string ChannelName(string name)
    {
        var sb = new StringBuilder();
        foreach (var c in name.Trim().ToLowerInvariant())
        {
            if (char.IsLetterOrDigit(c) || c is '-' or '_')
            {
                sb.Append(c);
            }
            else if (char.IsWhiteSpace(c) && sb.Length > 0 && sb[^1] != '-')
            {
                sb.Append('-');
            }
        }

        var result = sb.ToString().Trim('-');
        return MessageRenderer.Truncate(result.Length == 0 ? "group" : result, 100).TrimEnd('…');
    }

    /// <summary>A nonce of at most 25 characters derived from the message's idempotency key.</summary>
    internal static string Nonce(string key, int part)
    {
        var hash = SHA256.HashData(Encoding.UTF8.GetBytes(key + "#" + part.ToString(CultureInfo.InvariantCulture)));
        return Convert.ToHexString(hash, 0, 12).ToLowerInvariant()[..24];
    }
}

/// <summary>The guild's channels (not DMs) as listed at one moment, plus those made and moved since.</summary>
internal sealed class GuildListing(DateTimeOffset takenAt)
{
    private readonly Lock _gate = new();
    private readonly Dictionary<string, (int Type, string? Parent, string? Name, JsonElement Json)> _channels = new(StringComparer.Ordinal);
    private readonly HashSet<string> _full = new(StringComparer.Ordinal);

    public DateTimeOffset TakenAt { get; } = takenAt;

    /// <summary>Channels and categories in the server, as Discord counts them against its cap.</summary>
    public int Count
    {
        get
        {
            lock (_gate)
            {
                return _channels.Count;
            }
        }
    }

    /// <summary>Adds a channel, or replaces it after an edit (a move changes its parent).</summary>
    public void Add(JsonElement channel)
    {
        if (channel.ValueKind != JsonValueKind.Object || Text(channel, "id") is not { } id
            || !channel.TryGetProperty("type", out var t) || t.ValueKind != JsonValueKind.Number || !t.TryGetInt32(out var type) || type is 1 or 3)
        {
            return;
        }

        lock (_gate)
        {
            _channels[id] = (type, Text(channel, "parent_id"), Text(channel, "name"), channel);
        }
    }

    /// <summary>A category Discord said is full, whatever was counted.</summary>
    public void MarkFull(string categoryId)
    {
        lock (_gate)
        {
            _full.Add(categoryId);
        }
    }

    public bool IsFull(string categoryId, int limit)
    {
        lock (_gate)
        {
            return _full.Contains(categoryId) || _channels.Values.Count(c => c.Parent == categoryId) >= limit;
        }
    }

    /// <summary>The categories of a series ("Peer Support", "Peer Support 2", …), in order; for equal names the oldest first.</summary>
    public List<(int Index, string Id)> Categories(string baseName)
    {
        lock (_gate)
        {
            return _channels
                .Where(c => c.Value.Type == 4)
                .Select(c => (Index: DiscordSession.CategoryIndex(c.Value.Name, baseName), Id: c.Key))
                .Where(c => c.Index is not null)
                .Select(c => (c.Index!.Value, c.Id))
                .OrderBy(c => c.Value)
                .ThenBy(c => c.Id.Length)
                .ThenBy(c => c.Id, StringComparer.Ordinal)
                .ToList();
        }
    }

    /// <summary>The text channels in any of the given categories, as listed.</summary>
    public List<JsonElement> TextChannelsIn(HashSet<string> categories)
    {
        lock (_gate)
        {
            return _channels.Values.Where(c => c.Type == 0 && c.Parent is not null && categories.Contains(c.Parent)).Select(c => c.Json).ToList();
        }
    }

    /// <summary>The ids of the group categories.</summary>
    public HashSet<string> GroupCategories(string baseName) => Categories(baseName).Select(c => c.Id).ToHashSet(StringComparer.Ordinal);

    /// <summary>A text channel of the given name in one of the given categories.</summary>
    public JsonElement? FindText(string name, HashSet<string> categories)
    {
        lock (_gate)
        {
            foreach (var c in _channels.Values)
            {
                if (c.Type == 0 && c.Name == name && c.Parent is not null && categories.Contains(c.Parent))
                {
                    return c.Json;
                }
            }

            return null;
        }
    }

    private static string? Text(JsonElement e, string name) =>
        e.TryGetProperty(name, out var v) && v.ValueKind == JsonValueKind.String ? v.GetString() : null;
}

/// <summary>
/// What the server's audit log shows for PeerBot's changes to channels and their permissions. They name no person and
/// no group: the audit log is read by the server's moderators, who need to know that PeerBot did it and why.
/// </summary>
internal static class AuditReasons
{
    public const string GroupCreated = "PeerBot: private channel for a peer-support group";
    public const string CategoryCreated = "PeerBot: category for peer-support group channels";
    public const string Reconciled = "PeerBot: group channel set as its configuration says";
    public const string Archived = "PeerBot: group left the configuration; channel archived read-only";
    public const string MemberAdded = "PeerBot: member added to a peer-support group";
    public const string MemberRemoved = "PeerBot: member left a peer-support group";
}

/// <summary>Discord permission bits PeerBot uses.</summary>
public static class Permissions
{
    public const long ManageChannels = 1L << 4;
    public const long Administrator = 1L << 3;
    public const long ViewChannel = 1L << 10;
    public const long SendMessages = 1L << 11;
    public const long ManageMessages = 1L << 13;
    public const long ReadMessageHistory = 1L << 16;
    public const long ManageRoles = 1L << 28;
    public const long CreatePublicThreads = 1L << 35;
    public const long CreatePrivateThreads = 1L << 36;
    public const long SendMessagesInThreads = 1L << 38;

    /// <summary>Starting public or private threads and writing in them.</summary>
    public const long Threads = CreatePublicThreads | CreatePrivateThreads | SendMessagesInThreads;

    /// <summary>
    /// What the bot needs in the server, the integer for the invite URL. The thread permissions are there because a bot
    /// can only deny, in a channel's overwrites, a permission it holds itself; it denies them to group members.
    /// </summary>
    public const long Required = ManageChannels | ViewChannel | SendMessages | ReadMessageHistory | ManageRoles | Threads;

    /// <summary>Names of the missing bits, as the Developer Portal shows them.</summary>
    public static IReadOnlyList<string> Names(long bits)
    {
        var names = new List<string>();
        if ((bits & ManageChannels) != 0)
        {
            names.Add("Manage Channels");
        }

        if ((bits & ViewChannel) != 0)
        {
            names.Add("View Channels");
        }

        if ((bits & SendMessages) != 0)
        {
            names.Add("Send Messages");
        }

        if ((bits & ReadMessageHistory) != 0)
        {
            names.Add("Read Message History");
        }

        if ((bits & ManageRoles) != 0)
        {
            names.Add("Manage Roles");
        }

        if ((bits & CreatePublicThreads) != 0)
        {
            names.Add("Create Public Threads");
        }

        if ((bits & CreatePrivateThreads) != 0)
        {
            names.Add("Create Private Threads");
        }

        if ((bits & SendMessagesInThreads) != 0)
        {
            names.Add("Send Messages in Threads");
        }

        return names;
    }
}
