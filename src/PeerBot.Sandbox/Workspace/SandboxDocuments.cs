namespace PeerBot.Sandbox.Workspace;

/// <summary>Kinds of sandbox channel.</summary>
public enum SandboxChannelKind
{
    /// <summary>Everyone can see it (the lobby).</summary>
    Public,

    /// <summary>A group's private channel: its members, facilitators and the bot.</summary>
    Private,

    /// <summary>The private conversation between one person and the bot.</summary>
    Direct,
}

/// <summary>A channel as stored.</summary>
public sealed class SandboxChannelDocument
{
    /// <summary>The channel id (<c>general</c>, <c>G1</c>, <c>D-ana</c>).</summary>
    public string Id { get; set; } = "";

    /// <summary>The channel name.</summary>
    public string Name { get; set; } = "";

    /// <summary>The purpose line.</summary>
    public string Topic { get; set; } = "";

    /// <summary>Who can see it.</summary>
    public SandboxChannelKind Kind { get; set; }

    /// <summary>User ids who can see a private channel; for a DM, the one person.</summary>
    public List<string> Members { get; set; } = [];

    /// <summary>The group it was made for, for private channels.</summary>
    public string? GroupId { get; set; }

    /// <summary>Archived channels are read-only.</summary>
    public bool Archived { get; set; }

    /// <summary>Creation order, for a stable sidebar.</summary>
    public long Order { get; set; }
}

/// <summary>A message as stored. The author of a bot message is null.</summary>
public sealed class SandboxMessageDocument
{
    /// <summary>The message id (<c>M17</c>).</summary>
    public string Id { get; set; } = "";

    /// <summary>Sequence number across the workspace, for ordering.</summary>
    public long Seq { get; set; }

    /// <summary>The channel it is in.</summary>
    public string ChannelId { get; set; } = "";

    /// <summary>The author's user id; null for the bot.</summary>
    public string? AuthorId { get; set; }

    /// <summary>When it was posted, in sandbox time (Unix milliseconds).</summary>
    public long PostedAtMs { get; set; }

    /// <summary>The content, as the JSON of a <see cref="SandboxContent"/>.</summary>
    public string ContentJson { get; set; } = "";

    /// <summary>
    /// The one-way mark of a bot message's idempotency key (<see cref="Core.Platform.SendMarker"/>), as Slack keeps
    /// message metadata: PeerBot's send journal finds a message by it after a crash. Like the real platforms, the sandbox
    /// does not refuse a second message with the same mark.
    /// </summary>
    public string? Marker { get; set; }

    /// <summary>True once the bot replaced the content.</summary>
    public bool Edited { get; set; }
}

/// <summary>A value the sandbox keeps between runs (the clock's offset).</summary>
public sealed class SandboxStateDocument
{
    /// <summary>What it is (<c>clock</c>).</summary>
    public string Id { get; set; } = "";

    /// <summary>The value, in ticks.</summary>
    public long Ticks { get; set; }
}

/// <summary>Where one person has read up to in one channel.</summary>
public sealed class SandboxReadDocument
{
    /// <summary>The person and the channel (<see cref="Key"/>).</summary>
    public string Id { get; set; } = "";

    /// <summary>The sequence number of the last message read.</summary>
    public long UpToSeq { get; set; }

    /// <summary>The id of a person's marker in a channel.</summary>
    public static string Key(string userId, string channelId) => userId + "\n" + channelId;
}
