using System.Globalization;
using System.Text.Json;
using System.Threading.Channels;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using PeerBot.Core.Platform;
using PeerBot.Core.Safety;
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
    private readonly ClassificationBatch? _batch;
    // New messages and edits, in arrival order (an edit never overtakes the message it edits).
    private readonly Channel<object> _messages = Channel.CreateUnbounded<object>(new UnboundedChannelOptions { SingleReader = true });

    // The text last screened per message id, so an edit is screened once per distinct text (Discord also sends
    // MESSAGE_UPDATE for link previews and pins). Bounded: past the limit the oldest are forgotten.
    private readonly Dictionary<string, long> _screenedText = new(StringComparer.Ordinal);
    private readonly Queue<string> _screenedOrder = new();
    private const int ScreenedTextLimit = 10_000;
    private readonly object _gate = new();
    private readonly HashSet<Task> _interactions = [];

    /// <summary>Creates the router.</summary>
    /// <param name="session">The gateway session's state.</param>
    /// <param name="responder">Answers interactions.</param>
    /// <param name="scopes">A scope per message or interaction.</param>
    /// <param name="logger">The log.</param>
    /// <param name="batch">
    /// When set, the group messages already queued are classified together before they are handled one by one (see
    /// <see cref="ClassificationBatch"/>).
    /// </param>
    public DiscordEventRouter(DiscordSession session, InteractionResponder responder, IServiceScopeFactory scopes, ILogger<DiscordEventRouter> logger, ClassificationBatch? batch = null)
    {
        _session = session;
        _responder = responder;
        _scopes = scopes;
        _logger = logger;
        _batch = batch;
    }

    /// <summary>How many queued messages are classified together at most.</summary>
    public const int ClassifyTogether = 32;

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
            case "MESSAGE_UPDATE":
                OnMessageUpdate(data);
                break;
            case "INTERACTION_CREATE":
                StartInteraction(data);
                break;
        }

        return Task.CompletedTask;
    }

    /// <summary>
    /// Hands queued messages to Core, in order, until cancelled. What is already queued when the loop comes round (up to
    /// <see cref="ClassifyTogether"/> items) is taken at once, and the texts of its group messages are classified together
    /// first, so a backlog costs one model run a batch rather than one a message; alone, a message goes straight through.
    /// </summary>
    public async Task RunMessagesAsync(CancellationToken cancellationToken)
    {
        var batch = new List<object>(ClassifyTogether);
        try
        {
            while (await _messages.Reader.WaitToReadAsync(cancellationToken).ConfigureAwait(false))
            {
                batch.Clear();
                while (batch.Count < ClassifyTogether && _messages.Reader.TryRead(out var queued))
                {
                    batch.Add(queued);
                }

                using var prepared = _batch?.PrepareMessages(batch.OfType<IncomingMessage>());
                foreach (var item in batch)
                {
                    await HandleAsync(item, cancellationToken).ConfigureAwait(false);
                }
            }
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            // Stopping.
        }
    }

    private async Task HandleAsync(object item, CancellationToken cancellationToken)
    {
        var messageId = item is IncomingMessage m ? m.MessageId : ((MessageEdited)item).MessageId;
        try
        {
            using var scope = _scopes.CreateScope();
            var handler = scope.ServiceProvider.GetRequiredService<IPlatformEventHandler>();
            if (item is IncomingMessage message)
            {
                await handler.HandleMessageAsync(message, cancellationToken).ConfigureAwait(false);
            }
            else
            {
                await handler.HandleMessageEditedAsync((MessageEdited)item, cancellationToken).ConfigureAwait(false);
            }
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            // The message id is enough to find it; its text and author stay out of the log.
            _logger.LogError(ex, "Handling Discord message {Message} failed", messageId);
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
        Remember(messageId, message.Text);
        _messages.Writer.TryWrite(message);
    }

    /// <summary>
    /// An edited message: screened like a new one (a message edited into crisis talk must reach someone), once per
    /// distinct text. Updates without content (a link preview added, a pin) and edits by bots are ignored.
    /// </summary>
    private void OnMessageUpdate(JsonElement data)
    {
        if (data.ValueKind != JsonValueKind.Object
            || !data.TryGetProperty("content", out var content) || content.ValueKind != JsonValueKind.String
            || !data.TryGetProperty("author", out var author) || author.ValueKind != JsonValueKind.Object)
        {
            return;
        }

        var authorId = Id(author, "id");
        if (authorId is null || authorId == _session.BotUserId
            || (author.TryGetProperty("bot", out var bot) && bot.ValueKind == JsonValueKind.True)
            || data.TryGetProperty("webhook_id", out _)
            || Id(data, "channel_id") is not { } channelId || Id(data, "id") is not { } messageId)
        {
            return;
        }

        var guildId = Str(data, "guild_id");
        var isDirect = guildId is null;
        if (!isDirect && (guildId != _session.GuildId || !_session.IsGroupChannel(channelId)))
        {
            return;
        }

        var text = content.GetString() ?? "";
        if (!Remember(messageId, text))
        {
            return;
        }

        var editedAt = DateTimeOffset.TryParse(Str(data, "edited_timestamp"), CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var at)
            ? at
            : DateTimeOffset.TryParse(Str(data, "timestamp"), CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var ts) ? ts : DateTimeOffset.MinValue;
        _messages.Writer.TryWrite(new MessageEdited(PlatformKind.Discord, channelId, messageId, authorId, text, editedAt, isDirect));
    }

    /// <summary>Records the text screened for a message; false when that exact text was screened already.</summary>
    private bool Remember(string messageId, string text)
    {
        var hash = BitConverter.ToInt64(System.Security.Cryptography.SHA256.HashData(System.Text.Encoding.UTF8.GetBytes(text)));
        lock (_screenedText)
        {
            if (_screenedText.TryGetValue(messageId, out var seen) && seen == hash)
            {
                return false;
            }

            if (!_screenedText.ContainsKey(messageId))
            {
                _screenedOrder.Enqueue(messageId);
                if (_screenedOrder.Count > ScreenedTextLimit)
                {
                    _screenedText.Remove(_screenedOrder.Dequeue());
                }
            }

            _screenedText[messageId] = hash;
            return true;
        }
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
