using PeerBot.Core.Platform;

namespace PeerBot.Core.Groups;

/// <summary>
/// What PeerBot remembers about one group: its identity, its channel and what has been applied to it.
/// Reconciliation writes it after every platform change, so a restart resumes where it stopped.
/// </summary>
public sealed class GroupRecord
{
    /// <summary>Stable id of the group.</summary>
    public string Id { get; set; } = "";

    /// <summary>Display name as last planned.</summary>
    public string Name { get; set; } = "";

    /// <summary>The platform the group lives on.</summary>
    public PlatformKind Platform { get; set; }

    /// <summary>True for a group made by formation, false for an explicit group.</summary>
    public bool IsFormed { get; set; }

    /// <summary>The channel name chosen when the record was made; kept across renames so the channel never moves.</summary>
    public string ChannelName { get; set; } = "";

    /// <summary>The platform's id of the private channel, once created.</summary>
    public string? ChannelId { get; set; }

    /// <summary>Person ids currently let into the channel (members and facilitators).</summary>
    public List<string> AppliedPersonIds { get; set; } = [];

    /// <summary>Person ids who have been sent the welcome for this group.</summary>
    public List<string> WelcomedPersonIds { get; set; } = [];

    /// <summary>True once the channel's introduction has been posted.</summary>
    public bool IntroPosted { get; set; }

    /// <summary>True once the group left the configuration and its channel was archived.</summary>
    public bool Archived { get; set; }

    /// <summary>Until when a facilitator paused the group's prompts; null when running.</summary>
    public DateTimeOffset? PausedUntil { get; set; }

    /// <summary>Member person ids of the last plan (paused people left out).</summary>
    public List<string> PlannedMemberIds { get; set; } = [];

    /// <summary>Facilitator person ids of the last plan.</summary>
    public List<string> PlannedFacilitatorIds { get; set; } = [];

    /// <summary>IANA time zone of the group's schedule, as last planned.</summary>
    public string TimeZone { get; set; } = "UTC";

    /// <summary>Cron schedule of the group's prompts, as last planned.</summary>
    public string Schedule { get; set; } = "";

    /// <summary>Ground rules a coordinator wrote for the group; null for the built-in ones.</summary>
    public string? GroundRules { get; set; }

    /// <summary>When the record was made.</summary>
    public DateTimeOffset CreatedAt { get; set; }

    /// <summary>The channel, once created.</summary>
    public ChannelRef? Channel => ChannelId is null ? null : new ChannelRef(Platform, ChannelId);
}

/// <summary>One change reconciliation made, kept as an audit trail.</summary>
public sealed class GroupChange
{
    /// <summary>Store id.</summary>
    public int Id { get; set; }

    /// <summary>When it happened.</summary>
    public DateTimeOffset At { get; set; }

    /// <summary>The group.</summary>
    public string GroupId { get; set; } = "";

    /// <summary>What happened: <c>channel-created</c>, <c>person-added</c>, <c>person-removed</c>, <c>welcomed</c>, <c>intro-posted</c>, <c>archived</c>, <c>renamed</c>, <c>paused</c>, <c>resumed</c>.</summary>
    public string Kind { get; set; } = "";

    /// <summary>The person concerned, if any.</summary>
    public string? PersonId { get; set; }

    /// <summary>More detail for a reader, if any.</summary>
    public string? Detail { get; set; }
}

/// <summary>Persistence of groups, formation assignments, member pauses and the change log.</summary>
public interface IGroupStore
{
    /// <summary>Every group ever recorded, archived ones included.</summary>
    IReadOnlyList<GroupRecord> AllGroups();

    /// <summary>One group, or null.</summary>
    GroupRecord? FindGroup(string groupId);

    /// <summary>Inserts or replaces a group.</summary>
    void SaveGroup(GroupRecord group);

    /// <summary>Which formed group each formed resident belongs to (person id to group id), paused residents included.</summary>
    IReadOnlyDictionary<string, string> FormationAssignments();

    /// <summary>Replaces the formation assignments.</summary>
    void SaveFormationAssignments(IReadOnlyDictionary<string, string> assignments);

    /// <summary>Residents who paused themselves, with until when.</summary>
    IReadOnlyDictionary<string, DateTimeOffset> MemberPauses();

    /// <summary>Sets (or, with null, clears) a resident's pause.</summary>
    void SetMemberPause(string personId, DateTimeOffset? until);

    /// <summary>Appends to the change log.</summary>
    void AppendChange(GroupChange change);

    /// <summary>The change log, oldest first, optionally for one group.</summary>
    IReadOnlyList<GroupChange> Changes(string? groupId = null);
}
