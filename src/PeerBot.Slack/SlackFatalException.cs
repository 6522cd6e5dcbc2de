namespace PeerBot.Slack;

/// <summary>
/// An error the adapter cannot recover from by retrying (a revoked token, Socket Mode switched off).
/// The message says what to fix and never contains a token.
/// </summary>
public sealed class SlackFatalException : Exception
{
    public SlackFatalException() : this("The Slack adapter stopped on an unrecoverable error.") { }

    public SlackFatalException(string message) : base(message) { }

    public SlackFatalException(string message, Exception innerException) : base(message, innerException) { }
}
