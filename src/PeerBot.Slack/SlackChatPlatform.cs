using System.Collections.Concurrent;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using Microsoft.Extensions.Logging;
using PeerBot.Core.Platform;
using PeerBot.Slack.Api;
using PeerBot.Slack.Rendering;

namespace PeerBot.Slack;

/// <summary>
/// The <see cref="IChatPlatform"/> port on Slack: private channels (<c>conversations.*</c>), messages
/// (<c>chat.*</c>) rendered as escaped mrkdwn and Block Kit, DMs through <c>conversations.open</c>.
/// Slack errors become <see cref="PlatformException"/>s.
/// </summary>
public sealed partial class SlackChatPlatform : IChatPlatform, ISentMessageFinder
{
    private const int TopicMaxLength = 250;
    // conversations.invite takes 1 to 1,000 user ids a call (docs.slack.dev/reference/methods/conversations.invite).
    private const int InviteBatch = 1000;
    // A look for a message whose answer was lost reads at most this many pages of history (200 messages each).
    private const int MaxHistoryPages = 10;
    private readonly SlackApiClient _api;
    private readonly SlackBotIdentity _identity;
    private readonly ILogger<SlackChatPlatform> _logger;
    private readonly ConcurrentDictionary<string, string> _dmChannels = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, SlackUserInfo> _users = new(StringComparer.Ordinal);
    private readonly SlackStaffNotices _notices;

    public SlackChatPlatform(SlackApiClient api, SlackBotIdentity identity, SlackStaffNotices notices, ILogger<SlackChatPlatform> logger)
    {
        _api = api;
        _identity = identity;
        _notices = notices;
        _logger = logger;
    }

    /// <inheritdoc />
    public PlatformKind Kind => PlatformKind.Slack;

    /// <inheritdoc />
    public async Task<ChannelRef> EnsurePrivateChannelAsync(PrivateChannelSpec spec, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(spec);
        return await MapErrorsAsync(async () =>
        {
            ChannelInfo? channel = null;
            if (spec.Existing is { } existing)
            {
                channel = await GetChannelAsync(existing.Id, cancellationToken).ConfigureAwait(false);
                if (channel is null)
                {
                    // A private channel is hidden from PeerBot once it is removed from it (or the channel is deleted).
                    // A new channel would split the group from its history without anyone knowing: the staff are told
                    // how to add PeerBot back, and the group waits.
                    await _notices.BotRemovedAsync(existing.Id, spec.GroupId, null, cancellationToken).ConfigureAwait(false);
                    throw new SlackApiException(
                        "conversations.info",
                        "channel_not_found",
                        $"PeerBot can no longer see the Slack channel of group {spec.GroupId} (removed from it, or the channel was deleted); no new channel was made. "
                        + "A member of the channel can add PeerBot back with /invite @PeerBot.");
                }

                if (channel is { IsArchived: true })
                {
                    _logger.LogWarning("The Slack channel of group {GroupId} is archived; creating a new one.", spec.GroupId);
                    channel = null;
                }
            }

            channel ??= await CreateChannelAsync(spec, cancellationToken).ConfigureAwait(false);
            await SetTopicAsync(channel, spec.Topic, cancellationToken).ConfigureAwait(false);
            if (channel.JustCreated)
            {
                // The creator (the bot) is a new channel's only member: no need to list them first.
                await InviteAsync(channel.Id, [.. spec.UserIds.Distinct(StringComparer.Ordinal)], cancellationToken).ConfigureAwait(false);
            }
            else
            {
                await ReconcileMembersAsync(channel, spec.GroupId, spec.UserIds, cancellationToken).ConfigureAwait(false);
            }

            return new ChannelRef(PlatformKind.Slack, channel.Id);
        }).ConfigureAwait(false);
    }

    /// <inheritdoc />
    public Task AddMemberAsync(ChannelRef channel, string userId, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(channel);
        return MapErrorsAsync(() => ReportingLostChannelAsync(channel.Id, () => InviteAsync(channel.Id, [userId], cancellationToken), cancellationToken));
    }

    /// <inheritdoc />
    /// <remarks>
    /// When Slack refuses the removal (<c>restricted_action</c>, <c>not_supported</c>, …) the coordinators and the
    /// group's facilitators are told by DM to remove the person by hand, and the call returns: retrying cannot help,
    /// and failing would stop the rest of the group's reconciliation every time.
    /// </remarks>
    public Task RemoveMemberAsync(ChannelRef channel, string userId, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(channel);
        return MapErrorsAsync(() => ReportingLostChannelAsync(channel.Id, async () =>
        {
            try
            {
                await KickAsync(channel.Id, userId, cancellationToken).ConfigureAwait(false);
            }
            catch (SlackApiException ex) when (IsRefusedKick(ex))
            {
                var name = (await GetChannelAsync(channel.Id, cancellationToken).ConfigureAwait(false))?.Name;
                var user = await DescribeUserAsync(userId, cancellationToken).ConfigureAwait(false);
                await _notices.KickRefusedAsync(channel.Id, null, name, userId, user.Name, ex.Error, cancellationToken).ConfigureAwait(false);
            }
        }, cancellationToken));
    }

    /// <inheritdoc />
    public Task ArchiveChannelAsync(ChannelRef channel, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(channel);
        return MapErrorsAsync(async () =>
        {
            try
            {
                await _api.PostAsync("conversations.archive", new JsonObject { ["channel"] = channel.Id }, cancellationToken).ConfigureAwait(false);
            }
            catch (SlackApiException ex) when (ex.Error == "already_archived")
            {
                _logger.LogDebug("Slack channel {Channel} was already archived.", channel.Id);
            }
        });
    }

    /// <inheritdoc />
    public Task<MessageRef> PostMessageAsync(ChannelRef channel, OutgoingMessage message, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(channel);
        return MapErrorsAsync(async () =>
        {
            MessageRef? posted = null;
            await ReportingLostChannelAsync(channel.Id, async () => posted = await PostAsync(channel.Id, message, null, cancellationToken).ConfigureAwait(false), cancellationToken).ConfigureAwait(false);
            return posted!;
        });
    }

    /// <summary>
    /// Runs a call on a channel; when Slack says the channel is gone for PeerBot (a private channel it was removed
    /// from, or a deleted one) and it is a group's channel, the staff are told how to add PeerBot back. The error
    /// still reaches the caller.
    /// </summary>
    private async Task ReportingLostChannelAsync(string channelId, Func<Task> call, CancellationToken cancellationToken)
    {
        try
        {
            await call().ConfigureAwait(false);
        }
        catch (SlackApiException ex) when (ex.Error is "channel_not_found" or "not_in_channel" && !channelId.StartsWith('D'))
        {
            await _notices.BotRemovedAsync(channelId, null, null, cancellationToken).ConfigureAwait(false);
            throw;
        }
    }

    /// <inheritdoc />
    public Task<MessageRef> SendDirectMessageAsync(string userId, OutgoingMessage message, CancellationToken cancellationToken) =>
        MapErrorsAsync(async () =>
        {
            // A DM counts against Slack's per-channel limit under the person, whichever id it is addressed to.
            if (_dmChannels.TryGetValue(userId, out var known))
            {
                return await PostAsync(known, message, userId, cancellationToken).ConfigureAwait(false);
            }

            // chat.postMessage takes a user id as channel and posts in the bot's DM with them, answering with the DM's
            // id: no conversations.open (tier 3, 50 a minute) is needed, which made welcoming 1,000 people take 20 minutes.
            var sent = await PostAsync(userId, message, userId, cancellationToken).ConfigureAwait(false);
            if (sent.Channel.Id.StartsWith('D'))
            {
                _dmChannels[userId] = sent.Channel.Id;
            }

            return sent;
        });

    /// <summary>The longest alt text files.getUploadURLExternal takes (longer: <c>alt_txt_too_large</c>).</summary>
    internal const int MaxAltTextLength = 1000;

    /// <inheritdoc />
    /// <remarks>
    /// Slack's external upload, per image: <c>files.getUploadURLExternal</c> (file name, length in bytes, alt text),
    /// the bytes posted to the <c>upload_url</c> it gives; then one <c>files.completeUploadExternal</c> shares them all
    /// into the person's DM (opened with <c>conversations.open</c>) with the message as its blocks. Slack's answer names
    /// the files, not the message they were shared in, so the reference carries the first file's id. Such a message
    /// carries no metadata; a keyed one carries the mark of its key as its first block's <c>block_id</c> (never shown),
    /// so the send journal finds it in the DM's history after a crash.
    /// </remarks>
    public Task<MessageRef> SendDirectMessageAsync(string userId, OutgoingMessage message, IReadOnlyList<MessageImage> images, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(message);
        ArgumentNullException.ThrowIfNull(images);
        if (images.Count == 0)
        {
            return SendDirectMessageAsync(userId, message, cancellationToken);
        }

        return MapErrorsAsync(async () =>
        {
            var channel = await OpenDirectChannelAsync(userId, cancellationToken).ConfigureAwait(false);
            var files = new JsonArray();
            string? firstId = null;
            foreach (var image in images)
            {
                var form = new Dictionary<string, string>(StringComparer.Ordinal)
                {
                    ["filename"] = image.FileName,
                    ["length"] = image.Png.Length.ToString(System.Globalization.CultureInfo.InvariantCulture),
                    ["alt_txt"] = SlackText.Truncate(image.AltText, MaxAltTextLength),
                };
                var ticket = await _api.PostFormAsync("files.getUploadURLExternal", form, cancellationToken).ConfigureAwait(false);
                var url = ticket.TryGetProperty("upload_url", out var u) ? u.GetString() : null;
                var id = ticket.TryGetProperty("file_id", out var f) ? f.GetString() : null;
                if (id is null || !Uri.TryCreate(url, UriKind.Absolute, out var uploadUrl))
                {
                    throw new SlackApiException("files.getUploadURLExternal", "invalid_response", "Slack answered files.getUploadURLExternal without an upload URL and file id.");
                }

                await _api.UploadAsync(uploadUrl, image.Png, cancellationToken).ConfigureAwait(false);
                files.Add(new JsonObject { ["id"] = id, ["title"] = image.FileName });
                firstId ??= id;
            }

            var rendered = SlackMessageRenderer.Render(message);
            if (message.IdempotencyKey is { } key && rendered.Blocks.FirstOrDefault() is JsonObject first && first["block_id"] is null)
            {
                first["block_id"] = MarkBlockId(SendMarker.Of(PlatformKind.Slack, key));
            }

            await _api.PostAsync(
                "files.completeUploadExternal",
                new JsonObject { ["files"] = files, ["channel_id"] = channel, ["blocks"] = rendered.Blocks },
                cancellationToken).ConfigureAwait(false);
            return new MessageRef(new ChannelRef(PlatformKind.Slack, channel), firstId!);
        });
    }

    /// <inheritdoc />
    public Task DeleteMessageAsync(MessageRef message, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(message);
        return MapErrorsAsync(async () =>
        {
            try
            {
                await _api.PostAsync("chat.delete", new JsonObject { ["channel"] = message.Channel.Id, ["ts"] = message.Id }, cancellationToken).ConfigureAwait(false);
            }
            catch (SlackApiException ex) when (ex.Error == "message_not_found")
            {
                _logger.LogDebug("Slack message {Ts} in {Channel} was already gone.", message.Id, message.Channel.Id);
            }
        });
    }

    /// <inheritdoc />
    public Task UpdateMessageAsync(MessageRef message, OutgoingMessage content, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(message);
        ArgumentNullException.ThrowIfNull(content);
        return MapErrorsAsync(async () =>
        {
            var rendered = SlackMessageRenderer.Render(content);
            await _api.PostAsync(
                "chat.update",
                new JsonObject
                {
                    ["channel"] = message.Channel.Id,
                    ["ts"] = message.Id,
                    ["text"] = rendered.Text,
                    ["blocks"] = rendered.Blocks,
                },
                cancellationToken).ConfigureAwait(false);
        });
    }

    /// <inheritdoc />
    public Task<string?> ResolveUserAsync(string nameOrId, CancellationToken cancellationToken)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(nameOrId);
        var value = nameOrId.Trim();
        return MapErrorsAsync(async () =>
        {
            try
            {
                JsonElement response;
                if (value.Contains('@', StringComparison.Ordinal))
                {
                    response = await _api.GetAsync("users.lookupByEmail", new Dictionary<string, string> { ["email"] = value }, cancellationToken).ConfigureAwait(false);
                }
                else if (UserIdPattern().IsMatch(value))
                {
                    response = await _api.GetAsync("users.info", new Dictionary<string, string> { ["user"] = value }, cancellationToken).ConfigureAwait(false);
                }
                else
                {
                    return null;
                }

                var user = response.GetProperty("user");
                if (user.TryGetProperty("deleted", out var deleted) && deleted.ValueKind == JsonValueKind.True)
                {
                    return null;
                }

                return user.GetProperty("id").GetString();
            }
            catch (SlackApiException ex) when (ex.Error is "users_not_found" or "user_not_found")
            {
                return null;
            }
        });
    }

    /// <summary>True when the value looks like a Slack user id (<c>U…</c> or <c>W…</c>).</summary>
    internal static bool IsUserId(string value) => UserIdPattern().IsMatch(value);

    /// <summary>
    /// Looks for the given user ids in <c>users.list</c>, 200 users a page, stopping when every one is seen or after
    /// <paramref name="maxPages"/> pages. Returns each id seen and whether that user is active (not deleted);
    /// ids not seen are left for <c>users.info</c>.
    /// </summary>
    internal Task<IReadOnlyDictionary<string, bool>> FindUsersAsync(IReadOnlyCollection<string> userIds, int maxPages, CancellationToken cancellationToken) =>
        MapErrorsAsync<IReadOnlyDictionary<string, bool>>(async () =>
        {
            var wanted = new HashSet<string>(userIds, StringComparer.Ordinal);
            var seen = new Dictionary<string, bool>(StringComparer.Ordinal);
            var pages = 0;
            await foreach (var page in _api.GetPagesAsync("users.list", new Dictionary<string, string>(), cancellationToken).ConfigureAwait(false))
            {
                foreach (var member in page.GetProperty("members").EnumerateArray())
                {
                    if (member.TryGetProperty("id", out var id) && id.GetString() is { } userId && wanted.Contains(userId))
                    {
                        seen[userId] = !(member.TryGetProperty("deleted", out var deleted) && deleted.ValueKind == JsonValueKind.True);
                    }
                }

                if (seen.Count == wanted.Count || ++pages >= maxPages)
                {
                    break;
                }
            }

            return seen;
        });

    /// <summary>Sends an ephemeral message, visible only to <paramref name="userId"/>, in a channel.</summary>
    public Task PostEphemeralAsync(string channelId, string userId, OutgoingMessage message, CancellationToken cancellationToken) =>
        MapErrorsAsync(async () =>
        {
            var rendered = SlackMessageRenderer.Render(message);
            await _api.PostAsync(
                "chat.postEphemeral",
                new JsonObject { ["channel"] = channelId, ["user"] = userId, ["text"] = rendered.Text, ["blocks"] = rendered.Blocks },
                cancellationToken).ConfigureAwait(false);
        });

    /// <summary>The id of the DM channel between the bot and a person (<c>conversations.open</c>), cached.</summary>
    public async Task<string> OpenDirectChannelAsync(string userId, CancellationToken cancellationToken)
    {
        if (_dmChannels.TryGetValue(userId, out var cached))
        {
            return cached;
        }

        var response = await _api.PostAsync("conversations.open", new JsonObject { ["users"] = userId }, cancellationToken).ConfigureAwait(false);
        var id = response.GetProperty("channel").GetProperty("id").GetString()
            ?? throw new SlackApiException("conversations.open", "invalid_response", "Slack opened a DM without a channel id.");
        _dmChannels[userId] = id;
        return id;
    }

    private async Task<MessageRef> PostAsync(string channelId, OutgoingMessage message, string? limitScope, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(message);

        var rendered = SlackMessageRenderer.Render(message);
        var body = new JsonObject
        {
            ["channel"] = channelId,
            ["text"] = rendered.Text,
            ["blocks"] = rendered.Blocks,
            ["unfurl_links"] = false,
            ["unfurl_media"] = false,
        };
        if (message.IdempotencyKey is { } key)
        {
            // Slack has no idempotency key: the message carries the one-way mark of its key, so that after a crash PeerBot
            // can find it again in the channel's history (FindSentAsync) instead of posting it twice.
            body["metadata"] = new JsonObject
            {
                ["event_type"] = SendMarker.MetadataEventType,
                ["event_payload"] = new JsonObject { ["marker"] = SendMarker.Of(PlatformKind.Slack, key) },
            };
        }

        JsonElement response;
        if (message.IdempotencyKey is not { } keyed)
        {
            response = await _api.PostAsync("chat.postMessage", body, limitScope, cancellationToken).ConfigureAwait(false);
        }
        else
        {
            // A keyed message is never sent again blind when Slack's answer is lost (a timeout, a 5xx): after the backoff,
            // it is looked for by its mark, and sent again only if it is not there.
            var since = _api.Now - ExactlyOncePlatform.ClockAllowance;
            var marker = SendMarker.Of(PlatformKind.Slack, keyed);
            for (var attempt = 1; ; attempt++)
            {
                try
                {
                    response = await _api.PostOnceAsync("chat.postMessage", body, limitScope, cancellationToken).ConfigureAwait(false);
                    break;
                }
                catch (SlackApiException ex) when (ex.Error == "unavailable")
                {
                    if (!await _api.BackOffAsync("chat.postMessage", attempt, cancellationToken).ConfigureAwait(false))
                    {
                        throw;
                    }

                    var lookIn = limitScope is not null ? await OpenDirectChannelAsync(limitScope, cancellationToken).ConfigureAwait(false) : channelId;
                    if (await FindByMarkerAsync(lookIn, marker, since, cancellationToken).ConfigureAwait(false) is { } found)
                    {
                        return found;
                    }
                }
            }
        }

        var ts = response.GetProperty("ts").GetString()
            ?? throw new SlackApiException("chat.postMessage", "invalid_response", "Slack posted a message without a ts.");
        var channel = response.TryGetProperty("channel", out var c) ? c.GetString() ?? channelId : channelId;
        return new MessageRef(new ChannelRef(PlatformKind.Slack, channel), ts);
    }

    /// <inheritdoc />
    /// <remarks>
    /// Reads the channel's (or the person's DM's) history since <see cref="SentMessageQuery.NotBefore"/> with
    /// <c>include_all_metadata</c>, newest first, for the bot's message whose metadata carries the marker
    /// (docs.slack.dev/reference/methods/conversations.history, docs.slack.dev/messaging/message-metadata). A message
    /// sent with images (<c>files.completeUploadExternal</c>) has no metadata: it is found by the mark in its first
    /// block's <c>block_id</c>.
    /// </remarks>
    public Task<MessageRef?> FindSentAsync(SentMessageQuery query, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(query);
        return MapErrorsAsync(async () =>
        {
            var channel = query.Channel?.Id ?? await OpenDirectChannelAsync(query.DirectUserId!, cancellationToken).ConfigureAwait(false);
            return await FindByMarkerAsync(channel, query.Marker, query.NotBefore, cancellationToken).ConfigureAwait(false);
        });
    }

    /// <summary>The <c>block_id</c> that marks a message sent with images (at most 255 characters; Slack never shows it).</summary>
    internal static string MarkBlockId(string marker) => SendMarker.MetadataEventType + ":" + marker;

    /// <summary>The bot's message in a channel since <paramref name="notBefore"/> whose metadata (or, for one sent with images, whose first block) carries the marker, or null.</summary>
    private async Task<MessageRef?> FindByMarkerAsync(string channel, string marker, DateTimeOffset notBefore, CancellationToken cancellationToken)
    {
        var oldest = ((decimal)(notBefore - DateTimeOffset.UnixEpoch).Ticks / TimeSpan.TicksPerSecond).ToString("0.000000", System.Globalization.CultureInfo.InvariantCulture);
        string? cursor = null;
        for (var page = 0; page < MaxHistoryPages; page++)
        {
            var arguments = new Dictionary<string, string>
            {
                ["channel"] = channel,
                ["oldest"] = oldest,
                ["include_all_metadata"] = "true",
                ["limit"] = "200",
            };
            if (cursor is not null)
            {
                arguments["cursor"] = cursor;
            }

            var response = await _api.GetAsync("conversations.history", arguments, cancellationToken).ConfigureAwait(false);
            if (response.TryGetProperty("messages", out var messages) && messages.ValueKind == JsonValueKind.Array)
            {
                foreach (var message in messages.EnumerateArray())
                {
                    if ((MetadataMarks(message, marker) || FirstBlockMarks(message, marker))
                        && message.TryGetProperty("ts", out var ts) && ts.ValueKind == JsonValueKind.String && ts.GetString() is { } id)
                    {
                        return new MessageRef(new ChannelRef(PlatformKind.Slack, channel), id);
                    }
                }
            }

            cursor = response.TryGetProperty("response_metadata", out var meta) && meta.TryGetProperty("next_cursor", out var next) ? next.GetString() : null;
            if (string.IsNullOrEmpty(cursor))
            {
                break;
            }
        }

        return null;
    }

    private static bool MetadataMarks(JsonElement message, string marker) =>
        message.TryGetProperty("metadata", out var metadata)
        && metadata.ValueKind == JsonValueKind.Object
        && metadata.TryGetProperty("event_type", out var type) && type.ValueKind == JsonValueKind.String && type.GetString() == SendMarker.MetadataEventType
        && metadata.TryGetProperty("event_payload", out var payload) && payload.ValueKind == JsonValueKind.Object
        && payload.TryGetProperty("marker", out var found) && found.ValueKind == JsonValueKind.String && found.GetString() == marker;

    private static bool FirstBlockMarks(JsonElement message, string marker) =>
        message.TryGetProperty("blocks", out var blocks)
        && blocks.ValueKind == JsonValueKind.Array
        && blocks.GetArrayLength() > 0
        && blocks[0].ValueKind == JsonValueKind.Object
        && blocks[0].TryGetProperty("block_id", out var blockId) && blockId.ValueKind == JsonValueKind.String
        && blockId.GetString() == MarkBlockId(marker);

    private async Task<ChannelInfo?> GetChannelAsync(string channelId, CancellationToken cancellationToken)
    {
        try
        {
            var response = await _api.GetAsync("conversations.info", new Dictionary<string, string> { ["channel"] = channelId }, cancellationToken).ConfigureAwait(false);
            return ChannelInfo.From(response.GetProperty("channel"));
        }
        catch (SlackApiException ex) when (ex.Error == "channel_not_found")
        {
            return null;
        }
    }

    private async Task<ChannelInfo> CreateChannelAsync(PrivateChannelSpec spec, CancellationToken cancellationToken)
    {
        var baseName = SlackChannelNames.Sanitize(spec.Name, spec.GroupId);
        var name = baseName;
        for (var attempt = 0; attempt < 5; attempt++)
        {
            try
            {
                var response = await _api.PostAsync("conversations.create", new JsonObject { ["name"] = name, ["is_private"] = true }, cancellationToken).ConfigureAwait(false);
                var created = ChannelInfo.From(response.GetProperty("channel")) with { JustCreated = true };
                _logger.LogInformation("Created Slack private channel #{Name} ({Channel}) for group {GroupId}.", created.Name, created.Id, spec.GroupId);
                return created;
            }
            catch (SlackApiException ex) when (ex.Error == "name_taken")
            {
                // Perhaps our own channel from a run that stopped before it was recorded: the bot is a member of it.
                var mine = await FindOwnPrivateChannelAsync(name, cancellationToken).ConfigureAwait(false);
                if (mine is not null)
                {
                    _logger.LogInformation("Reusing Slack private channel #{Name} ({Channel}) for group {GroupId}.", mine.Name, mine.Id, spec.GroupId);
                    return mine;
                }

                name = SlackChannelNames.WithSuffix(baseName, spec.GroupId, attempt + 1);
                _logger.LogInformation("Slack channel name #{Taken} is taken; trying #{Name}.", baseName, name);
            }
        }

        throw new SlackApiException("conversations.create", "name_taken", $"Every Slack channel name tried for group {spec.GroupId} is taken; rename the group.");
    }

    private async Task<ChannelInfo?> FindOwnPrivateChannelAsync(string name, CancellationToken cancellationToken)
    {
        var query = new Dictionary<string, string> { ["types"] = "private_channel", ["exclude_archived"] = "true" };
        await foreach (var page in _api.GetPagesAsync("conversations.list", query, cancellationToken).ConfigureAwait(false))
        {
            foreach (var item in page.GetProperty("channels").EnumerateArray())
            {
                var channel = ChannelInfo.From(item);
                if (channel.Name == name)
                {
                    return channel;
                }
            }
        }

        return null;
    }

    private async Task SetTopicAsync(ChannelInfo channel, string topic, CancellationToken cancellationToken)
    {
        var wanted = SlackText.Escape(SlackText.Truncate(topic.ReplaceLineEndings(" "), TopicMaxLength));
        if (wanted.Length > TopicMaxLength)
        {
            wanted = SlackText.Escape(SlackText.Truncate(topic.ReplaceLineEndings(" "), TopicMaxLength / 2));
        }

        if (channel.Topic == wanted || SlackText.Unescape(channel.Topic ?? "") == topic)
        {
            return;
        }

        await _api.PostAsync("conversations.setTopic", new JsonObject { ["channel"] = channel.Id, ["topic"] = wanted }, cancellationToken).ConfigureAwait(false);
    }

    private async Task ReconcileMembersAsync(ChannelInfo channel, string groupId, IReadOnlyCollection<string> userIds, CancellationToken cancellationToken)
    {
        var channelId = channel.Id;
        var present = new HashSet<string>(StringComparer.Ordinal);
        var query = new Dictionary<string, string> { ["channel"] = channelId };
        await foreach (var page in _api.GetPagesAsync("conversations.members", query, cancellationToken).ConfigureAwait(false))
        {
            foreach (var member in page.GetProperty("members").EnumerateArray())
            {
                if (member.GetString() is { } id)
                {
                    present.Add(id);
                }
            }
        }

        var wanted = new HashSet<string>(userIds.Where(u => u != _identity.UserId), StringComparer.Ordinal);
        var missing = wanted.Where(u => !present.Contains(u)).ToList();
        if (missing.Count > 0)
        {
            await InviteAsync(channelId, missing, cancellationToken).ConfigureAwait(false);
        }

        foreach (var extra in present.Where(u => !wanted.Contains(u) && u != _identity.UserId).ToList())
        {
            var user = await DescribeUserAsync(extra, cancellationToken).ConfigureAwait(false);
            if (user.IsBot)
            {
                // Another app's bot user (an admin's archiving or compliance bot) is the workspace's business, not the group's.
                _logger.LogInformation("Left another app's bot user {User} in Slack channel {Channel}.", extra, channelId);
                continue;
            }

            try
            {
                await KickAsync(channelId, extra, cancellationToken).ConfigureAwait(false);
            }
            catch (SlackApiException ex) when (IsRefusedKick(ex))
            {
                // One refused removal must not stop the others, nor the group's sync.
                await _notices.KickRefusedAsync(channelId, groupId, channel.Name, extra, user.Name, ex.Error, cancellationToken).ConfigureAwait(false);
            }
        }
    }

    /// <summary>A removal Slack refuses for good (a workspace preference, a member apps cannot remove): not worth retrying.</summary>
    private static bool IsRefusedKick(SlackApiException ex) =>
        !ex.IsAuthError && !ex.IsTransient && ex.Error is not ("channel_not_found" or "is_archived" or "missing_scope" or "not_in_channel");

    /// <summary>A user's name and whether it is a bot (<c>users.info</c>, remembered); unknown users count as people.</summary>
    private async Task<SlackUserInfo> DescribeUserAsync(string userId, CancellationToken cancellationToken)
    {
        if (_users.TryGetValue(userId, out var known))
        {
            return known;
        }

        if (userId == "USLACKBOT")
        {
            return _users[userId] = new SlackUserInfo("Slackbot", true);
        }

        try
        {
            var response = await _api.GetAsync("users.info", new Dictionary<string, string> { ["user"] = userId }, cancellationToken).ConfigureAwait(false);
            var user = response.GetProperty("user");
            var isBot = (user.TryGetProperty("is_bot", out var b) && b.ValueKind == JsonValueKind.True)
                || (user.TryGetProperty("is_app_user", out var a) && a.ValueKind == JsonValueKind.True);
            var name = user.TryGetProperty("real_name", out var r) && r.ValueKind == JsonValueKind.String ? r.GetString()
                : user.TryGetProperty("name", out var n) && n.ValueKind == JsonValueKind.String ? n.GetString() : null;
            return _users[userId] = new SlackUserInfo(name, isBot);
        }
        catch (SlackApiException ex) when (!ex.IsAuthError && !ex.IsTransient && ex.Error != "missing_scope")
        {
            return new SlackUserInfo(null, false);
        }
    }

    private async Task InviteAsync(string channelId, IReadOnlyList<string> userIds, CancellationToken cancellationToken)
    {
        var failed = new List<string>();
        foreach (var batch in userIds.Where(u => u != _identity.UserId).Distinct(StringComparer.Ordinal).Chunk(InviteBatch))
        {
            try
            {
                // force: Slack invites everyone it can and lists each refused user in `errors`, rather than failing the
                // whole call on one person who is already there or cannot be invited.
                var response = await _api.PostAsync(
                    "conversations.invite",
                    new JsonObject { ["channel"] = channelId, ["users"] = string.Join(',', batch), ["force"] = true },
                    cancellationToken).ConfigureAwait(false);
                Collect(SlackApiClient.ReadUserErrors(response));
            }
            catch (SlackApiException ex) when (ex.UserErrors.Count > 0)
            {
                Collect(ex.UserErrors);
            }
            catch (SlackApiException ex) when (ex.Error is "already_in_channel" or "cant_invite_self" && batch.Length == 1)
            {
                _logger.LogDebug("Slack user was already in channel {Channel}.", channelId);
            }
            catch (SlackApiException ex) when (batch.Length > 1 && !ex.IsAuthError && !ex.IsTransient && ex.Error is not ("channel_not_found" or "is_archived" or "missing_scope" or "not_in_channel"))
            {
                // An answer without the per-user list: invite one by one, so one person does not keep the others out.
                _logger.LogWarning("Slack refused a batch invitation to {Channel} ({Error}) without saying for whom; inviting one by one.", channelId, ex.Error);
                foreach (var user in batch)
                {
                    try
                    {
                        await InviteOneAsync(channelId, user, cancellationToken).ConfigureAwait(false);
                    }
                    catch (SlackApiException single) when (!single.IsAuthError && !single.IsTransient && single.Error != "missing_scope")
                    {
                        Collect([(user, single.Error)]);
                    }
                }
            }
        }

        if (failed.Count > 0)
        {
            throw new SlackApiException("conversations.invite", "invite_failed", $"Slack did not let PeerBot invite {string.Join(", ", failed)} to channel {channelId}; everyone else was invited.");
        }

        void Collect(IEnumerable<(string User, string Error)> errors)
        {
            foreach (var (user, error) in errors)
            {
                if (error is "already_in_channel" or "cant_invite_self")
                {
                    continue;
                }

                _logger.LogWarning("Could not invite Slack user {User} to {Channel}: {Error}", user, channelId, error);
                failed.Add($"{user} ({error})");
            }
        }
    }

    private async Task InviteOneAsync(string channelId, string userId, CancellationToken cancellationToken)
    {
        try
        {
            await _api.PostAsync("conversations.invite", new JsonObject { ["channel"] = channelId, ["users"] = userId }, cancellationToken).ConfigureAwait(false);
        }
        catch (SlackApiException ex) when (ex.Error is "already_in_channel" or "cant_invite_self")
        {
            _logger.LogDebug("Slack user was already in channel {Channel}.", channelId);
        }
    }

    private async Task KickAsync(string channelId, string userId, CancellationToken cancellationToken)
    {
        try
        {
            await _api.PostAsync("conversations.kick", new JsonObject { ["channel"] = channelId, ["user"] = userId }, cancellationToken).ConfigureAwait(false);
        }
        catch (SlackApiException ex) when (ex.Error is "not_in_channel" or "cant_kick_self")
        {
            _logger.LogDebug("Slack user was not in channel {Channel} ({Error}).", channelId, ex.Error);
        }
    }

    private static async Task MapErrorsAsync(Func<Task> action)
    {
        try
        {
            await action().ConfigureAwait(false);
        }
        catch (SlackApiException ex)
        {
            throw ex.ToPlatformException();
        }
    }

    private static async Task<T> MapErrorsAsync<T>(Func<Task<T>> action)
    {
        try
        {
            return await action().ConfigureAwait(false);
        }
        catch (SlackApiException ex)
        {
            throw ex.ToPlatformException();
        }
    }

    [GeneratedRegex("^[UW][A-Z0-9]{2,}$")]
    private static partial Regex UserIdPattern();

    private sealed record SlackUserInfo(string? Name, bool IsBot);

    private sealed record ChannelInfo(string Id, string Name, bool IsArchived, string? Topic)
    {
        /// <summary>Made by this call, so the bot is its only member.</summary>
        public bool JustCreated { get; init; }

        public static ChannelInfo From(JsonElement channel) => new(
            channel.GetProperty("id").GetString() ?? "",
            channel.TryGetProperty("name", out var n) ? n.GetString() ?? "" : "",
            channel.TryGetProperty("is_archived", out var a) && a.ValueKind == JsonValueKind.True,
            channel.TryGetProperty("topic", out var t) && t.ValueKind == JsonValueKind.Object && t.TryGetProperty("value", out var v) ? v.GetString() : null);
    }
}
