using System.Security.Cryptography;
using System.Text;

namespace PeerBot.Core.Platform;

/// <summary>
/// A platform on which PeerBot can find a message it may already have sent, for <see cref="ExactlyOncePlatform"/>: after
/// a crash, a send whose outcome is unknown is looked for here before it is sent again. Slack: the message's
/// <c>metadata</c> carries <see cref="SendMarker"/>, found again with <c>conversations.history</c> and
/// <c>include_all_metadata</c>; Discord: history returns no nonce, so the message itself is the marker (the bot's own
/// message, posted since the intent, with the same text).
/// </summary>
public interface ISentMessageFinder
{
    /// <summary>The message if it is on the platform, or null when it is not.</summary>
    /// <exception cref="PlatformException">The platform could not be asked.</exception>
    Task<MessageRef?> FindSentAsync(SentMessageQuery query, CancellationToken cancellationToken);
}

/// <summary>What to look for.</summary>
/// <param name="Channel">The channel it was posted in, or null for a direct message.</param>
/// <param name="DirectUserId">The person it was sent to privately, or null for a channel message.</param>
/// <param name="Message">The message as it was to be sent.</param>
/// <param name="Marker">The mark the adapter attached to it where the platform keeps one (<see cref="SendMarker.Of"/>).</param>
/// <param name="NotBefore">The earliest it can have been posted (with room for the clocks' difference).</param>
/// <param name="HasImages">Whether it was sent with images.</param>
public sealed record SentMessageQuery(
    ChannelRef? Channel,
    string? DirectUserId,
    OutgoingMessage Message,
    string Marker,
    DateTimeOffset NotBefore,
    bool HasImages);

/// <summary>
/// The one-way mark of a message's idempotency key on one platform: the send journal's record id, and what an adapter
/// attaches to the message where the platform keeps such a thing (Slack's message metadata). It names neither the key
/// nor anyone.
/// </summary>
public static class SendMarker
{
    /// <summary>The event type of PeerBot's Slack message metadata.</summary>
    public const string MetadataEventType = "peerbot_send";

    /// <summary>The mark of <paramref name="key"/> on <paramref name="platform"/>: 32 hex digits of SHA-256.</summary>
    public static string Of(PlatformKind platform, string key)
    {
        ArgumentNullException.ThrowIfNull(key);
        var hash = SHA256.HashData(Encoding.UTF8.GetBytes("peerbot-send:" + platform + ":" + key));
        return Convert.ToHexString(hash.AsSpan(0, 16)).ToLowerInvariant();
    }
}
