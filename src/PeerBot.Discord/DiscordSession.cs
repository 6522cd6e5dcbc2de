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
    private readonly ConcurrentDictionary<string, byte> _groupCategories = new(StringComparer.Ordinal);
    private volatile string? _categoryId;
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

    /// <summary>
    /// The first group category found or made ("Peer Support"); setting one adds it to the group categories. A category
    /// holds at most 50 channels, so groups spill into further ones ("Peer Support 2", …), all of them group categories.
    /// </summary>
    public string? CategoryId
    {
        get => _categoryId;
        set
        {
            if (value is null)
            {
                return;
            }

            _categoryId ??= value;
            _groupCategories[value] = 0;
        }
    }

    /// <summary>Whether a category holds group channels (the configured one or one of its spill-overs).</summary>
    public bool IsGroupCategory(string? categoryId) => categoryId is not null && _groupCategories.ContainsKey(categoryId);

    /// <summary>
    /// Where a category's name puts it in a series of categories named after <paramref name="baseName"/>: 1 for the name
    /// itself, n for "name n" (n ≥ 2), null for any other name. Case is ignored, as Discord shows category names in capitals.
    /// </summary>
    public static int? CategoryIndex(string? name, string baseName)
    {
        ArgumentNullException.ThrowIfNull(baseName);
        if (name is null)
        {
            return null;
        }

        if (string.Equals(name, baseName, StringComparison.OrdinalIgnoreCase))
        {
            return 1;
        }

        if (name.Length > baseName.Length + 1 && name.StartsWith(baseName, StringComparison.OrdinalIgnoreCase) && name[baseName.Length] == ' '
            && int.TryParse(name.AsSpan(baseName.Length + 1), System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var n)
            && n >= 2 && n <= 1000)
        {
            return n;
        }

        return null;
    }

    /// <summary>The name of the n-th category of a series: the base name, then "base 2", "base 3", ….</summary>
    public static string SeriesName(string baseName, int index) =>
        index <= 1 ? baseName : baseName + " " + index.ToString(System.Globalization.CultureInfo.InvariantCulture);

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
