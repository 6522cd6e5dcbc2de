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
public sealed class DiscordChatPlatform : IChatPlatform, IDisposable
{
    /// <summary>View Channel | Send Messages | Read Message History.</summary>
    public const long MemberAllow = Permissions.ViewChannel | Permissions.SendMessages | Permissions.ReadMessageHistory;

    /// <summary>View Channel | Read Message History: what members keep in an archived channel.</summary>
    public const long ArchivedAllow = Permissions.ViewChannel | Permissions.ReadMessageHistory;

    private const int RoleOverwrite = 0;
    private const int MemberOverwrite = 1;
    private const int GuildText = 0;
    private const int GuildCategory = 4;

    private readonly DiscordRestClient _rest;
    private readonly DiscordSession _session;
    private readonly DiscordAdapterOptions _options;
    private readonly ILogger _logger;
    private readonly ConcurrentDictionary<string, string> _dmChannels = new(StringComparer.Ordinal);
    private readonly SemaphoreSlim _categoryLock = new(1, 1);
    private readonly Lock _listingGate = new();
    private readonly TimeProvider _time;
    private GuildListing? _listing;

    public DiscordChatPlatform(DiscordRestClient rest, DiscordSession session, DiscordAdapterOptions options, ILogger<DiscordChatPlatform> logger, TimeProvider? time = null)
    {
        _rest = rest;
        _session = session;
        _options = options;
        _logger = logger;
        _time = time ?? TimeProvider.System;
    }

    /// <summary>
    /// How long a listing of the guild's channels is trusted when looking for a channel a lost answer may have made.
    /// Reconciling many new groups would otherwise fetch the whole (growing) list once per group, which at Discord's
    /// 50 requests a second was one start-up request in eight.
    /// </summary>
    internal static TimeSpan ListingLifetime { get; } = TimeSpan.FromSeconds(30);

    public PlatformKind Kind => PlatformKind.Discord;

    public void Dispose() => _categoryLock.Dispose();

    private string ArchiveCategoryName => _options.ArchiveCategoryName ?? _session.CategoryName + " Archive";

    public async Task<ChannelRef> EnsurePrivateChannelAsync(PrivateChannelSpec spec, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(spec);
        var (botId, _) = await _session.GetIdentityAsync(_rest, cancellationToken).ConfigureAwait(false);
        var categoryId = await EnsureCategoryAsync(archive: false, cancellationToken).ConfigureAwait(false);
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

        if (channel is null)
        {
            // A retried create whose first answer was lost must not make a second channel: adopt one of the same name.
            channel = await FindTextChannelAsync(categoryId, name, cancellationToken).ConfigureAwait(false);
        }

        if (channel is null)
        {
            var body = new JsonObject
            {
                ["name"] = name,
                ["type"] = GuildText,
                ["topic"] = MessageRenderer.Truncate(spec.Topic, 1024),
                ["parent_id"] = categoryId,
                ["permission_overwrites"] = Overwrites(spec.UserIds, botId, MemberAllow),
            };
            JsonElement created;
            try
            {
                created = (await _rest.SendAsync(HttpMethod.Post, $"/guilds/{_session.GuildId}/channels", body, "Manage Channels", cancellationToken).ConfigureAwait(false)).EnsureSuccess();
            }
            catch
            {
                // The channel may exist even though the answer was lost or refused: the next attempt must look afresh.
                ForgetListing();
                throw;
            }

            var id = created.GetProperty("id").GetString()!;
            RememberCreated(created);
            _session.AddGroupChannel(id);
            _logger.LogInformation("Discord group channel {Channel} created for group {Group}", id, spec.GroupId);
            return new ChannelRef(PlatformKind.Discord, id);
        }

        var channelId = channel.Value.GetProperty("id").GetString()!;
        await ReconcileAsync(channel.Value, channelId, categoryId, name, spec.UserIds, botId, cancellationToken).ConfigureAwait(false);
        _session.AddGroupChannel(channelId);
        return new ChannelRef(PlatformKind.Discord, channelId);
    }

    /// <summary>A text channel of the given name in the category, from a recent listing of the guild's channels.</summary>
    private async Task<JsonElement?> FindTextChannelAsync(string categoryId, string name, CancellationToken cancellationToken)
    {
        GuildListing? listing;
        lock (_listingGate)
        {
            listing = _listing is { } l && _time.GetUtcNow() - l.TakenAt < ListingLifetime ? l : null;
        }

        if (listing is null)
        {
            var takenAt = _time.GetUtcNow();
            var all = (await _rest.SendAsync(HttpMethod.Get, $"/guilds/{_session.GuildId}/channels", null, "View Channel", cancellationToken).ConfigureAwait(false)).EnsureSuccess();
            listing = new GuildListing(takenAt);
            foreach (var c in all.EnumerateArray())
            {
                listing.Add(c.Clone());
            }

            lock (_listingGate)
            {
                _listing = listing;
            }
        }

        return listing.Find(categoryId, name);
    }

    private void RememberCreated(JsonElement created)
    {
        lock (_listingGate)
        {
            _listing?.Add(created.Clone());
        }
    }

    private void ForgetListing()
    {
        lock (_listingGate)
        {
            _listing = null;
        }
    }

    public Task AddMemberAsync(ChannelRef channel, string userId, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(channel);
        return PutMemberOverwriteAsync(channel.Id, userId, MemberAllow, 0, cancellationToken);
    }

    public async Task RemoveMemberAsync(ChannelRef channel, string userId, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(channel);
        var response = await _rest.SendAsync(HttpMethod.Delete, $"/channels/{channel.Id}/permissions/{userId}", null, "Manage Roles (Manage Permissions)", cancellationToken).ConfigureAwait(false);
        if (!response.IsSuccess && response.Status != HttpStatusCode.NotFound)
        {
            throw response.ToException();
        }
    }

    public async Task ArchiveChannelAsync(ChannelRef channel, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(channel);
        var (botId, _) = await _session.GetIdentityAsync(_rest, cancellationToken).ConfigureAwait(false);
        var archiveId = await EnsureCategoryAsync(archive: true, cancellationToken).ConfigureAwait(false);
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
                ["deny"] = Permissions.SendMessages.ToString(CultureInfo.InvariantCulture),
            });
        }

        var body = new JsonObject { ["parent_id"] = archiveId, ["permission_overwrites"] = overwrites };
        (await _rest.SendAsync(HttpMethod.Patch, $"/channels/{channel.Id}", body, "Manage Channels", cancellationToken).ConfigureAwait(false)).EnsureSuccess();
        _session.RemoveGroupChannel(channel.Id);
        _logger.LogInformation("Discord channel {Channel} archived", channel.Id);
    }

    public async Task<MessageRef> PostMessageAsync(ChannelRef channel, OutgoingMessage message, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(channel);
        ArgumentNullException.ThrowIfNull(message);
        var parts = MessageRenderer.Split(MessageRenderer.RenderContent(message));
        var baseKey = message.IdempotencyKey ?? Guid.NewGuid().ToString("N");
        string? lastId = null;
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

            var sent = (await _rest.SendAsync(HttpMethod.Post, $"/channels/{channel.Id}/messages", body, "Send Messages", cancellationToken).ConfigureAwait(false)).EnsureSuccess();
            lastId = sent.GetProperty("id").GetString();
        }

        return new MessageRef(channel, lastId!);
    }

    public async Task<MessageRef> SendDirectMessageAsync(string userId, OutgoingMessage message, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(userId);
        if (!_dmChannels.TryGetValue(userId, out var dmId))
        {
            var body = new JsonObject { ["recipient_id"] = userId };
            var dm = (await _rest.SendAsync(HttpMethod.Post, "/users/@me/channels", body, null, cancellationToken).ConfigureAwait(false)).EnsureSuccess();
            dmId = dm.GetProperty("id").GetString()!;
            _dmChannels[userId] = dmId;
        }

        return await PostMessageAsync(new ChannelRef(PlatformKind.Discord, dmId), message, cancellationToken).ConfigureAwait(false);
    }

    public async Task DeleteMessageAsync(MessageRef message, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(message);
        var response = await _rest.SendAsync(HttpMethod.Delete, $"/channels/{message.Channel.Id}/messages/{message.Id}", null, "Manage Messages", cancellationToken).ConfigureAwait(false);
        if (!response.IsSuccess && response.Status != HttpStatusCode.NotFound)
        {
            throw response.ToException();
        }
    }

    public async Task UpdateMessageAsync(MessageRef message, OutgoingMessage content, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(message);
        ArgumentNullException.ThrowIfNull(content);
        var body = new JsonObject
        {
            ["content"] = MessageRenderer.Split(MessageRenderer.RenderContent(content))[0],
            ["allowed_mentions"] = MessageRenderer.NoMentions(),
            ["flags"] = MessageRenderer.SuppressEmbeds,
            ["components"] = MessageRenderer.RenderComponents(content.Buttons),
        };
        (await _rest.SendAsync(HttpMethod.Patch, $"/channels/{message.Channel.Id}/messages/{message.Id}", body, "Send Messages", cancellationToken).ConfigureAwait(false)).EnsureSuccess();
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

        var path = $"/guilds/{_session.GuildId}/members/search?query={Uri.EscapeDataString(value)}&limit=10";
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

    /// <summary>Finds the group (or archive) category by name, creating it when missing.</summary>
    internal async Task<string> EnsureCategoryAsync(bool archive, CancellationToken cancellationToken)
    {
        var known = archive ? _session.ArchiveCategoryId : _session.CategoryId;
        if (known is not null)
        {
            return known;
        }

        await _categoryLock.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            known = archive ? _session.ArchiveCategoryId : _session.CategoryId;
            if (known is not null)
            {
                return known;
            }

            var name = archive ? ArchiveCategoryName : _session.CategoryName;
            var all = (await _rest.SendAsync(HttpMethod.Get, $"/guilds/{_session.GuildId}/channels", null, "View Channel", cancellationToken).ConfigureAwait(false)).EnsureSuccess();
            string? id = null;
            foreach (var c in all.EnumerateArray())
            {
                if (c.GetProperty("type").GetInt32() == GuildCategory && string.Equals(Str(c, "name"), name, StringComparison.OrdinalIgnoreCase))
                {
                    id = Str(c, "id");
                    break;
                }
            }

            if (id is null)
            {
                var (botId, _) = await _session.GetIdentityAsync(_rest, cancellationToken).ConfigureAwait(false);
                var body = new JsonObject
                {
                    ["name"] = name,
                    ["type"] = GuildCategory,
                    ["permission_overwrites"] = Overwrites([], botId, MemberAllow),
                };
                var created = (await _rest.SendAsync(HttpMethod.Post, $"/guilds/{_session.GuildId}/channels", body, "Manage Channels", cancellationToken).ConfigureAwait(false)).EnsureSuccess();
                id = created.GetProperty("id").GetString()!;
                _logger.LogInformation("Discord category {Name} created", name);
            }

            if (archive)
            {
                _session.ArchiveCategoryId = id;
            }
            else
            {
                _session.CategoryId = id;
            }

            return id!;
        }
        finally
        {
            _categoryLock.Release();
        }
    }

    private async Task ReconcileAsync(JsonElement channel, string channelId, string categoryId, string name, IReadOnlyCollection<string> userIds, string botId, CancellationToken cancellationToken)
    {
        var everyone = _session.GuildId;
        var wanted = new HashSet<string>(userIds, StringComparer.Ordinal) { botId };
        var current = MemberOverwrites(channel).ToDictionary(o => o.Id, StringComparer.Ordinal);
        var everyoneDenied = channel.TryGetProperty("permission_overwrites", out var all)
            && all.EnumerateArray().Any(o => Str(o, "id") == everyone && (ParsePermissions(o, "deny") & Permissions.ViewChannel) != 0);

        if (Str(channel, "parent_id") != categoryId || !everyoneDenied || Str(channel, "name") != name)
        {
            // Put the channel back in shape in one edit: category, name and the full overwrite set.
            var body = new JsonObject
            {
                ["name"] = name,
                ["parent_id"] = categoryId,
                ["permission_overwrites"] = Overwrites(userIds, botId, MemberAllow),
            };
            (await _rest.SendAsync(HttpMethod.Patch, $"/channels/{channelId}", body, "Manage Channels", cancellationToken).ConfigureAwait(false)).EnsureSuccess();
            return;
        }

        foreach (var user in wanted)
        {
            if (!current.TryGetValue(user, out var o) || (o.Allow & MemberAllow) != MemberAllow || (o.Deny & MemberAllow) != 0)
            {
                await PutMemberOverwriteAsync(channelId, user, MemberAllow, 0, cancellationToken).ConfigureAwait(false);
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
        (await _rest.SendAsync(HttpMethod.Put, $"/channels/{channelId}/permissions/{userId}", body, "Manage Roles (Manage Permissions)", cancellationToken).ConfigureAwait(false)).EnsureSuccess();
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
                ["deny"] = "0",
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

/// <summary>Text channels of the guild by category and name, as listed at one moment plus those made since.</summary>
internal sealed class GuildListing(DateTimeOffset takenAt)
{
    private readonly ConcurrentDictionary<(string? Parent, string? Name), JsonElement> _text = new();

    public DateTimeOffset TakenAt { get; } = takenAt;

    public void Add(JsonElement channel)
    {
        if (channel.TryGetProperty("type", out var type) && type.ValueKind == JsonValueKind.Number && type.GetInt32() == 0)
        {
            _text.TryAdd((Text(channel, "parent_id"), Text(channel, "name")), channel);
        }
    }

    public JsonElement? Find(string categoryId, string name) => _text.TryGetValue((categoryId, name), out var c) ? c : null;

    private static string? Text(JsonElement e, string name) =>
        e.TryGetProperty(name, out var v) && v.ValueKind == JsonValueKind.String ? v.GetString() : null;
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

    /// <summary>What the bot needs in the server, the integer for the invite URL.</summary>
    public const long Required = ManageChannels | ViewChannel | SendMessages | ReadMessageHistory | ManageRoles;

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

        return names;
    }
}
