using System.Text.Json;
using System.Text.Json.Nodes;

namespace PeerBot.Slack.SocketMode;

/// <summary>An envelope Slack delivered over Socket Mode.</summary>
/// <param name="EnvelopeId">The id to acknowledge.</param>
/// <param name="Type"><c>events_api</c>, <c>slash_commands</c> or <c>interactive</c>.</param>
/// <param name="Payload">The payload.</param>
/// <param name="AcceptsResponsePayload">Whether the acknowledgement may carry a response payload.</param>
/// <param name="RetryAttempt">How many times Slack has delivered it before.</param>
public sealed record SocketModeEnvelope(string EnvelopeId, string Type, JsonElement Payload, bool AcceptsResponsePayload, int RetryAttempt);

/// <summary>Acknowledges envelopes on the connection they came on.</summary>
public interface ISocketModeAcknowledger
{
    /// <summary>Sends <c>{"envelope_id":…}</c>, with <paramref name="payload"/> when given.</summary>
    Task AckAsync(string envelopeId, JsonObject? payload, CancellationToken cancellationToken);
}

/// <summary>Receives every envelope; must acknowledge it within 3 seconds and must not block the socket.</summary>
public interface ISocketModeEnvelopeHandler
{
    /// <summary>Handles one envelope.</summary>
    Task HandleEnvelopeAsync(SocketModeEnvelope envelope, ISocketModeAcknowledger acknowledger, CancellationToken cancellationToken);
}
