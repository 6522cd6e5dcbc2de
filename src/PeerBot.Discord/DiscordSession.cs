using System.Collections.Concurrent;
using PeerBot.Core.Configuration;
using PeerBot.Discord.Rest;

namespace PeerBot.Discord;

/// <summary>
/// What the adapter learns while it runs and shares between its parts: the bot's and application's ids,
/// the group category and the group channels whose messages go to Core.
/// </summary>
public sealed class DiscordSession : IDisposable
{
    private readonly ConcurrentDictionary<string, byte> _groupChannels = new(StringComparer.Ordinal);
    private readonly SemaphoreSlim _identityLock = new(1, 1);

    public DiscordSession(DiscordOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        GuildId = options.GuildId.Trim();
        CategoryName = options.CategoryName;
    }

    public string GuildId { get; }

    public string CategoryName { get; }

    public string? BotUserId { get; set; }

    public string? ApplicationId { get; set; }

    public string? CategoryId { get; set; }

    public string? ArchiveCategoryId { get; set; }

    public void Dispose() => _identityLock.Dispose();

    /// <summary>Channels whose messages reach Core.</summary>
    public bool IsGroupChannel(string channelId) => _groupChannels.ContainsKey(channelId);

    public void AddGroupChannel(string channelId) => _groupChannels[channelId] = 0;

    public void RemoveGroupChannel(string channelId) => _groupChannels.TryRemove(channelId, out _);

    /// <summary>The bot's and application's ids, asked of Discord once.</summary>
    public async Task<(string BotUserId, string ApplicationId)> GetIdentityAsync(DiscordRestClient rest, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(rest);
        if (BotUserId is { } bot && ApplicationId is { } app)
        {
            return (bot, app);
        }

        await _identityLock.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            if (BotUserId is null)
            {
                var me = (await rest.SendAsync(HttpMethod.Get, "/users/@me", null, null, cancellationToken).ConfigureAwait(false)).EnsureSuccess();
                BotUserId = me.GetProperty("id").GetString();
            }

            if (ApplicationId is null)
            {
                var application = (await rest.SendAsync(HttpMethod.Get, "/applications/@me", null, null, cancellationToken).ConfigureAwait(false)).EnsureSuccess();
                ApplicationId = application.GetProperty("id").GetString();
            }

            return (BotUserId!, ApplicationId!);
        }
        finally
        {
            _identityLock.Release();
        }
    }
}
