using System.Globalization;
using System.Text.Json;
using PeerBot.Core.Platform;
using PeerBot.Slack.Rendering;

namespace PeerBot.Slack.Inbound;

/// <summary>Maps an Events API <c>message</c> event to Core's <see cref="IncomingMessage"/>, or says why it is ignored.</summary>
public static class SlackMessageEvents
{
    /// <summary>
    /// The message for Core, or null with a reason when the event is not a person's message: a subtype (edits,
    /// deletions, joins, bot messages), a bot, or PeerBot itself. <c>file_share</c> is the one subtype kept, as a
    /// message with attachments, so a person who sends a file is told it cannot be shared.
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
        if (subtype is not null && subtype != "file_share")
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
