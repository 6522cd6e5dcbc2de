using System.Globalization;
using System.Text.Json;
using PeerBot.Core.Platform;
using PeerBot.Slack.Rendering;

namespace PeerBot.Slack.Inbound;

/// <summary>Maps an Events API <c>message</c> event to Core's <see cref="IncomingMessage"/>, or says why it is ignored.</summary>
public static class SlackMessageEvents
{
    /// <summary>
    /// The message for Core, or null with a reason when the event is not a new message a person wrote: another subtype
    /// (edits, which <see cref="MapEdit"/> reads, deletions, joins, bot messages), a bot, or PeerBot itself. Kept are
    /// plain messages and thread replies, <c>thread_broadcast</c> (a thread reply also sent to the channel),
    /// <c>me_message</c> (<c>/me</c>) and <c>file_share</c>, as a message with attachments, so a person who sends a
    /// file is told it cannot be shared.
    /// </summary>
    public static IncomingMessage? Map(JsonElement eventCallback, string? botUserId, string? botId, out string? ignoredBecause)
    {
        ignoredBecause = null;
        if (eventCallback.ValueKind != JsonValueKind.Object || !eventCallback.TryGetProperty("event", out var ev) || ev.ValueKind != JsonValueKind.Object)
        {
            ignoredBecause = "no event";
            return null;
        }

        var type = Str(ev, "type");
        if (type != "message")
        {
            ignoredBecause = $"event type {type}";
            return null;
        }

        var subtype = Str(ev, "subtype");
        if (subtype is not (null or "file_share" or "thread_broadcast" or "me_message"))
        {
            ignoredBecause = $"subtype {subtype}";
            return null;
        }

        var user = Id(ev, "user");
        var eventBotId = Str(ev, "bot_id");
        if (eventBotId is not null || user is null)
        {
            ignoredBecause = "from a bot";
            return null;
        }

        if (user == botUserId || (botId is not null && eventBotId == botId))
        {
            ignoredBecause = "from PeerBot";
            return null;
        }

        var channel = Id(ev, "channel");
        var ts = Id(ev, "ts");
        if (channel is null || ts is null)
        {
            ignoredBecause = "no channel or ts";
            return null;
        }

        var channelType = Str(ev, "channel_type");
        var isDirect = channelType == "im" || (channelType is null && channel.StartsWith('D'));
        var hasFiles = subtype == "file_share"
            || (ev.TryGetProperty("files", out var files) && files.ValueKind == JsonValueKind.Array && files.GetArrayLength() > 0);
        return new IncomingMessage(
            PlatformKind.Slack,
            channel,
            ts,
            user,
            SlackText.Unescape(Str(ev, "text") ?? ""),
            ParseTs(ts),
            isDirect,
            hasFiles);
    }

    /// <summary>
    /// The edit for Core from a <c>message_changed</c> event, or null with a reason: not an edit, no text change (Slack
    /// also sends <c>message_changed</c> when it attaches a link preview), or a message by a bot or PeerBot itself.
    /// </summary>
    public static MessageEdited? MapEdit(JsonElement eventCallback, string? botUserId, string? botId, out string? ignoredBecause)
    {
        ignoredBecause = null;
        if (eventCallback.ValueKind != JsonValueKind.Object || !eventCallback.TryGetProperty("event", out var ev) || ev.ValueKind != JsonValueKind.Object
            || Str(ev, "type") != "message" || Str(ev, "subtype") != "message_changed")
        {
            ignoredBecause = "not an edit";
            return null;
        }

        if (!ev.TryGetProperty("message", out var message) || message.ValueKind != JsonValueKind.Object)
        {
            ignoredBecause = "an edit without its message";
            return null;
        }

        var user = Id(message, "user");
        var messageBotId = Str(message, "bot_id");
        if (messageBotId is not null || user is null || Str(message, "subtype") == "bot_message")
        {
            ignoredBecause = "an edit of a bot's message";
            return null;
        }

        if (user == botUserId || (botId is not null && messageBotId == botId))
        {
            ignoredBecause = "an edit of PeerBot's message";
            return null;
        }

        var channel = Id(ev, "channel");
        var ts = Id(message, "ts");
        var text = Str(message, "text");
        if (channel is null || ts is null || text is null)
        {
            ignoredBecause = "an edit without channel, ts or text";
            return null;
        }

        if (ev.TryGetProperty("previous_message", out var previous) && previous.ValueKind == JsonValueKind.Object && Str(previous, "text") == text)
        {
            ignoredBecause = "a change that leaves the text as it was";
            return null;
        }

        var editedTs = message.TryGetProperty("edited", out var edited) ? Id(edited, "ts") : null;
        var at = editedTs ?? Id(ev, "event_ts") ?? Id(ev, "ts") ?? ts;
        var channelType = Str(ev, "channel_type");
        var isDirect = channelType == "im" || (channelType is null && channel.StartsWith('D'));
        return new MessageEdited(PlatformKind.Slack, channel, ts, user, SlackText.Unescape(text), ParseTs(at), isDirect);
    }

    /// <summary>Slack's <c>ts</c> ("1355517523.000005", seconds and microseconds) as a time.</summary>
    public static DateTimeOffset ParseTs(string ts)
    {
        ArgumentNullException.ThrowIfNull(ts);
        return decimal.TryParse(ts, NumberStyles.AllowDecimalPoint, CultureInfo.InvariantCulture, out var seconds)
            ? DateTimeOffset.UnixEpoch.AddTicks((long)(seconds * TimeSpan.TicksPerSecond))
            : DateTimeOffset.UnixEpoch;
    }

    internal static string? Str(JsonElement element, string name)
    {
        if (element.ValueKind != JsonValueKind.Object || !element.TryGetProperty(name, out var value) || value.ValueKind != JsonValueKind.String)
        {
            return null;
        }

        try
        {
            return value.GetString();
        }
        catch (InvalidOperationException)
        {
            // An escaped lone surrogate: no text can hold it, so the field counts as missing.
            return null;
        }
    }

    /// <summary>An id field: a string that is not blank, else null (an empty user id must not reach Core).</summary>
    internal static string? Id(JsonElement element, string name) => Str(element, name) is { } s && !string.IsNullOrWhiteSpace(s) ? s : null;
}
