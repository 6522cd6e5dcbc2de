using System.Globalization;
using System.Text.Json;
using System.Threading.Channels;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using PeerBot.Core.Platform;
using PeerBot.Discord.Gateway;
using PeerBot.Discord.Interactions;

namespace PeerBot.Discord;

/// <summary>
/// Routes gateway dispatches: messages in group channels and DMs go to Core one at a time and in order
/// (the bot's own and other bots' are dropped), interactions are answered concurrently so none waits
/// behind another, and channel events keep the set of group channels current.
/// </summary>
public sealed class DiscordEventRouter : IGatewayDispatchHandler
{
    private readonly DiscordSession _session;
    private readonly InteractionResponder _responder;
    private readonly IServiceScopeFactory _scopes;
    private readonly ILogger _logger;
    private readonly Channel<IncomingMessage> _messages = Channel.CreateUnbounded<IncomingMessage>(new UnboundedChannelOptions { SingleReader = true });
    private readonly object _gate = new();
    private readonly HashSet<Task> _interactions = [];

    public DiscordEventRouter(DiscordSession session, InteractionResponder responder, IServiceScopeFactory scopes, ILogger<DiscordEventRouter> logger)
    {
        _session = session;
        _responder = responder;
        _scopes = scopes;
        _logger = logger;
    }

    /// <summary>Cancels interaction work when the adapter stops.</summary>
    public CancellationToken Stopping { get; set; }

    public Task OnDispatchAsync(string eventName, JsonElement data, CancellationToken cancellationToken)
    {
        switch (eventName)
        {
            case "READY":
                if (data.ValueKind == JsonValueKind.Object && data.TryGetProperty("user", out var user) && Id(user, "id") is { } botUserId)
                {
                    _session.BotUserId = botUserId;
                }

                if (data.ValueKind == JsonValueKind.Object && data.TryGetProperty("application", out var app) && Id(app, "id") is { } applicationId)
                {
                    _session.ApplicationId = applicationId;
                }

                break;
            case "GUILD_CREATE":
                OnGuild(data);
                break;
            case "CHANNEL_CREATE":
            case "CHANNEL_UPDATE":
                OnChannel(data);
                break;
            case "CHANNEL_DELETE":
                if (Str(data, "id") is { } deleted)
                {
                    _session.RemoveGroupChannel(deleted);
                }

                break;
            case "MESSAGE_CREATE":
                OnMessage(data);
                break;
            case "INTERACTION_CREATE":
                StartInteraction(data);
                break;
        }

        return Task.CompletedTask;
    }

    /// <summary>Hands queued messages to Core, in order, until cancelled.</summary>
    public async Task RunMessagesAsync(CancellationToken cancellationToken)
    {
        try
        {
            await foreach (var message in _messages.Reader.ReadAllAsync(cancellationToken).ConfigureAwait(false))
            {
                try
                {
                    using var scope = _scopes.CreateScope();
                    var handler = scope.ServiceProvider.GetRequiredService<IPlatformEventHandler>();
                    await handler.HandleMessageAsync(message, cancellationToken).ConfigureAwait(false);
                }
                catch (Exception ex) when (ex is not OperationCanceledException)
                {
                    // The message id is enough to find it; its text and author stay out of the log.
                    _logger.LogError(ex, "Handling Discord message {Message} failed", message.MessageId);
                }
            }
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            // Stopping.
        }
    }

    /// <summary>Waits for interactions in progress (for an orderly stop).</summary>
    public Task DrainInteractionsAsync()
    {
        lock (_gate)
        {
            return Task.WhenAll(_interactions.ToArray());
        }
    }

    private void OnGuild(JsonElement guild)
    {
        if (Str(guild, "id") != _session.GuildId || !guild.TryGetProperty("channels", out var channels))
        {
            return;
        }

        if (channels.ValueKind != JsonValueKind.Array)
        {
            _logger.LogWarning("Ignored the channels of a Discord GUILD_CREATE that are not a list.");
            return;
        }

        // Categories first: a group channel is one in any of the group categories ("Peer Support", "Peer Support 2", …).
        foreach (var c in channels.EnumerateArray())
        {
            NoteCategory(c);
        }

        foreach (var c in channels.EnumerateArray())
        {
            OnChannel(c);
        }
    }

    private void OnChannel(JsonElement channel)
    {
        var id = Id(channel, "id");
        if (id is null || ChannelType(channel) is not { } type)
        {
            _logger.LogWarning("Ignored a Discord channel without its id or type.");
            return;
        }

        if (type == 4)
        {
            NoteCategory(channel);
            return;
        }

        if (type != 0)
        {
            return;
        }

        if (_session.IsGroupCategory(Str(channel, "parent_id")))
        {
            _session.AddGroupChannel(id);
        }
        else
        {
            _session.RemoveGroupChannel(id);
        }
    }

    private void NoteCategory(JsonElement channel)
    {
        if (ChannelType(channel) == 4 && Id(channel, "id") is { } id && DiscordSession.CategoryIndex(Str(channel, "name"), _session.CategoryName) is not null)
        {
            _session.CategoryId = id;
        }
    }

    private void OnMessage(JsonElement data)
    {
        if (data.ValueKind != JsonValueKind.Object || !data.TryGetProperty("author", out var author) || author.ValueKind != JsonValueKind.Object)
        {
            _logger.LogWarning("Ignored a Discord message without an author.");
            return;
        }

        var authorId = Id(author, "id");
        if (authorId is null || authorId == _session.BotUserId
            || (author.TryGetProperty("bot", out var bot) && bot.ValueKind == JsonValueKind.True)
            || data.TryGetProperty("webhook_id", out _))
        {
            return;
        }

        var type = !data.TryGetProperty("type", out var t) ? 0 : t.ValueKind == JsonValueKind.Number && t.TryGetInt32(out var kind) ? kind : -1;
        if (type is not (0 or 19))
        {
            return; // joins, pins and other system messages
        }

        if (Id(data, "channel_id") is not { } channelId || Id(data, "id") is not { } messageId)
        {
            _logger.LogWarning("Ignored a Discord message without a channel or message id.");
            return;
        }

        var guildId = Str(data, "guild_id");
        var isDirect = guildId is null;
        if (!isDirect && (guildId != _session.GuildId || !_session.IsGroupChannel(channelId)))
        {
            return;
        }

        var timestamp = DateTimeOffset.TryParse(Str(data, "timestamp"), CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var ts) ? ts : DateTimeOffset.MinValue;
        var hasAttachments = data.TryGetProperty("attachments", out var a) && a.ValueKind == JsonValueKind.Array && a.GetArrayLength() > 0;
        var message = new IncomingMessage(
            PlatformKind.Discord,
            channelId,
            messageId,
            authorId,
            Str(data, "content") ?? "",
            timestamp,
            isDirect,
            hasAttachments);
        _messages.Writer.TryWrite(message);
    }

    private void StartInteraction(JsonElement data)
    {
        var task = Task.Run(async () =>
        {
            try
            {
                await _responder.HandleAsync(data, Stopping).ConfigureAwait(false);
            }
            catch (Exception ex) when (ex is not OperationCanceledException)
            {
                _logger.LogError(ex, "Answering a Discord interaction failed");
            }
        });
        lock (_gate)
        {
            _interactions.Add(task);
        }

        task.ContinueWith(
            t =>
            {
                lock (_gate)
                {
                    _interactions.Remove(t);
                }
            },
            CancellationToken.None,
            TaskContinuationOptions.ExecuteSynchronously,
            TaskScheduler.Default);
    }

    /// <summary>A channel's type, or null when the channel is not an object or its type not a whole number.</summary>
    private static int? ChannelType(JsonElement channel) =>
        channel.ValueKind == JsonValueKind.Object && channel.TryGetProperty("type", out var t) && t.ValueKind == JsonValueKind.Number && t.TryGetInt32(out var type)
            ? type
            : null;

    private static string? Str(JsonElement e, string name)
    {
        if (e.ValueKind != JsonValueKind.Object || !e.TryGetProperty(name, out var v) || v.ValueKind != JsonValueKind.String)
        {
            return null;
        }

        try
        {
            return v.GetString();
        }
        catch (InvalidOperationException)
        {
            // An escaped lone surrogate: no text can hold it, so the field counts as missing.
            return null;
        }
    }

    /// <summary>An id: a string that is not blank, else null, so an empty id never reaches Core.</summary>
    private static string? Id(JsonElement e, string name) => Str(e, name) is { } s && !string.IsNullOrWhiteSpace(s) ? s : null;
}
