using PeerBot.Core.Platform;

namespace PeerBot.Core.Commands;

/// <summary>
/// Confirmations that must outlive the place a command was run. A private reply to a command typed in a group's
/// channel goes with the channel when the command takes the person out of it (<c>/peer pause</c>, <c>/peer forget-me</c>),
/// so the confirmation is also sent as a direct message, where it stays.
/// </summary>
public static class PrivateConfirmation
{
    /// <summary>
    /// Sends <paramref name="text"/> to the person who ran the command as a direct message on the platform they used;
    /// false when it could not be sent (no such platform, direct messages closed, the platform down), so the caller
    /// says it all in the private reply instead.
    /// </summary>
    public static async Task<bool> SendAsync(IPlatformRegistry platforms, CommandContext context, string text, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(platforms);
        ArgumentNullException.ThrowIfNull(context);
        var platform = platforms.Find(context.Platform);
        if (platform is null)
        {
            return false;
        }

        try
        {
            await platform.SendDirectMessageAsync(context.UserId, OutgoingMessage.Plain(text), cancellationToken).ConfigureAwait(false);
            return true;
        }
        catch (PlatformException)
        {
            // The private reply still says it; only its lasting copy is missing.
            return false;
        }
    }

    /// <summary>
    /// The private reply that goes with a confirmation sent by direct message: in a direct message the confirmation is
    /// right there, so a short word; elsewhere the whole text, and where to find it later.
    /// </summary>
    public static string Reply(CommandContext context, string text, bool sentByDirectMessage)
    {
        ArgumentNullException.ThrowIfNull(context);
        if (!sentByDirectMessage)
        {
            return text;
        }

        return context.IsDirect
            ? "Done: I've sent you the confirmation as a message here, so it stays."
            : text + " I've also sent you this as a direct message, so it stays with you.";
    }
}
