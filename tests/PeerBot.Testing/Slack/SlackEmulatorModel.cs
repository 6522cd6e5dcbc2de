using System.Text.Json.Nodes;

namespace PeerBot.Testing.Slack;

/// <summary>A user of the emulated workspace.</summary>
public sealed record SlackUser(string Id, string Name, string? Email, bool IsBot = false, bool Deleted = false);

/// <summary>A message in an emulated channel.</summary>
/// <param name="Ts">Its ts.</param>
/// <param name="User">Who posted it.</param>
/// <param name="Text">Its text (fallback) as sent.</param>
/// <param name="Blocks">Its blocks as sent, if any.</param>
/// <param name="Arguments">Every argument of the call that posted or last updated it.</param>
public sealed record SlackEmulatedMessage(string Ts, string User, string Text, JsonArray? Blocks, JsonObject Arguments)
{
    /// <summary>Files shared with the message (files.completeUploadExternal).</summary>
    public IReadOnlyList<SlackEmulatedFile> Files { get; init; } = [];

    /// <summary>The message's metadata (<c>event_type</c>, <c>event_payload</c>), if it was posted with some; kept by edits.</summary>
    public JsonObject? Metadata { get; init; }
}

/// <summary>A file uploaded through files.getUploadURLExternal and shared by files.completeUploadExternal.</summary>
/// <param name="Id">Its file id.</param>
/// <param name="Name">Its file name.</param>
/// <param name="Title">The title given on completion.</param>
/// <param name="AltText">Its alt text (<c>alt_txt</c>).</param>
/// <param name="Bytes">What was uploaded.</param>
public sealed record SlackEmulatedFile(string Id, string Name, string? Title, string? AltText, byte[] Bytes);

/// <summary>A snapshot of an emulated conversation.</summary>
public sealed record SlackEmulatedChannel(
    string Id,
    string Name,
    bool IsPrivate,
    bool IsIm,
    bool IsArchived,
    string Topic,
    IReadOnlyList<string> Members,
    IReadOnlyList<SlackEmulatedMessage> Messages);

/// <summary>An ephemeral message (chat.postEphemeral or a response URL), shown to one user.</summary>
/// <param name="User">Who sees it.</param>
/// <param name="Channel">Where it shows.</param>
/// <param name="Text">Its text (fallback) as sent.</param>
/// <param name="Blocks">Its blocks as sent, if any.</param>
/// <param name="Via"><c>chat.postEphemeral</c> or <c>response_url</c>.</param>
/// <param name="Ts">The <c>message_ts</c> chat.postEphemeral returned; null for a response URL.</param>
public sealed record SlackEphemeral(string User, string? Channel, string Text, JsonArray? Blocks, string Via, string? Ts = null);

/// <summary>A modal opened with views.open.</summary>
public sealed record SlackEmulatedView(string Id, string TriggerId, JsonObject View);

/// <summary>An acknowledgement the app sent for an envelope.</summary>
/// <param name="EnvelopeId">The envelope.</param>
/// <param name="Type">The envelope's type.</param>
/// <param name="Payload">The response payload, if any.</param>
/// <param name="Latency">Time from sending the envelope to receiving its first acknowledgement.</param>
/// <param name="Connection">The connection the acknowledgement came on.</param>
public sealed record SlackAck(string EnvelopeId, string Type, JsonObject? Payload, TimeSpan Latency, int Connection);

/// <summary>A Web API call the emulator received.</summary>
public sealed record SlackApiCall(string Method, string Verb, JsonObject Arguments, string? Token)
{
    /// <summary>When it arrived, on the emulator's <see cref="SlackEmulator.Time"/>.</summary>
    public DateTimeOffset At { get; init; }

    /// <summary>The HTTP status it was answered with when a failure was injected (429, 5xx); 200 otherwise.</summary>
    public int Status { get; init; } = 200;

    /// <summary>The <c>Retry-After</c> (seconds) an injected failure carried.</summary>
    public int? RetryAfterSeconds { get; init; }

    /// <summary>The error an injected <c>ok:false</c> answer carried.</summary>
    public string? Error { get; init; }
}
