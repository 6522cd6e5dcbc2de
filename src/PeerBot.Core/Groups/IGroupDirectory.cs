using PeerBot.Core.Platform;

namespace PeerBot.Core.Groups;

/// <summary>A group as it stands now: planned from config, reconciled to its platform.</summary>
/// <param name="Id">Stable id of the group (survives restarts and renames).</param>
/// <param name="Name">Display name.</param>
/// <param name="Platform">The platform it lives on.</param>
/// <param name="Channel">Its private channel, once created.</param>
/// <param name="MemberIds">Person ids of residents in the group (paused people left out).</param>
/// <param name="FacilitatorIds">Person ids of its facilitators, psychologists first.</param>
/// <param name="TimeZone">IANA time zone of its schedule.</param>
/// <param name="Schedule">Cron schedule of its prompts.</param>
/// <param name="PausedUntil">When a facilitator paused the group, until when; null when running.</param>
public sealed record GroupInfo(
    string Id,
    string Name,
    PlatformKind Platform,
    ChannelRef? Channel,
    IReadOnlyList<string> MemberIds,
    IReadOnlyList<string> FacilitatorIds,
    string TimeZone,
    string Schedule,
    DateTimeOffset? PausedUntil);

/// <summary>Read access to the current groups, for every feature.</summary>
public interface IGroupDirectory
{
    /// <summary>Every active group.</summary>
    IReadOnlyList<GroupInfo> All();

    /// <summary>The group with this id, or null.</summary>
    GroupInfo? Find(string groupId);

    /// <summary>The group whose private channel this is, or null.</summary>
    GroupInfo? FindByChannel(ChannelRef channel);

    /// <summary>Groups a person is a member of.</summary>
    IReadOnlyList<GroupInfo> GroupsOfMember(string personId);

    /// <summary>Groups a person facilitates.</summary>
    IReadOnlyList<GroupInfo> GroupsFacilitatedBy(string personId);
}

/// <summary>What a prompt operation did or would do.</summary>
/// <param name="GroupId">The group.</param>
/// <param name="PromptId">The prompt's id in the library.</param>
/// <param name="Text">The prompt's text.</param>
/// <param name="NextScheduledAt">When the group's next scheduled prompt is due, if any.</param>
public sealed record PromptOutcome(string GroupId, string PromptId, string Text, DateTimeOffset? NextScheduledAt);

/// <summary>
/// The operations facilitators run on a group (the <c>/peer</c> command surface calls these after its
/// authorization check). Expected failures come back as <see cref="OperationResult{T}"/> errors.
/// </summary>
public interface IGroupOperations
{
    /// <summary>Posts the group's next prompt now (it counts as used).</summary>
    Task<OperationResult<PromptOutcome>> PostPromptNowAsync(string groupId, CancellationToken cancellationToken);

    /// <summary>Skips the next prompt without posting it; returns the one skipped.</summary>
    Task<OperationResult<PromptOutcome>> SkipPromptAsync(string groupId, CancellationToken cancellationToken);

    /// <summary>Shows the next prompt without posting it.</summary>
    Task<OperationResult<PromptOutcome>> PreviewPromptAsync(string groupId, CancellationToken cancellationToken);

    /// <summary>Posts a reframing prompt (solutions theme) now.</summary>
    Task<OperationResult<PromptOutcome>> PostReframeAsync(string groupId, CancellationToken cancellationToken);

    /// <summary>Posts a reset check-in now.</summary>
    Task<OperationResult<PromptOutcome>> PostCheckInAsync(string groupId, CancellationToken cancellationToken);

    /// <summary>Pauses a group's prompts until a time.</summary>
    Task<OperationResult<GroupInfo>> PauseGroupAsync(string groupId, DateTimeOffset until, CancellationToken cancellationToken);

    /// <summary>Resumes a paused group.</summary>
    Task<OperationResult<GroupInfo>> ResumeGroupAsync(string groupId, CancellationToken cancellationToken);

    /// <summary>When the group's next scheduled prompt is due, or null (paused, no schedule).</summary>
    DateTimeOffset? NextPromptAt(string groupId);
}

/// <summary>A resident stepping out of their groups and back; formation and reconciliation honour it.</summary>
public interface IMemberPauses
{
    /// <summary>Pauses a person until a time: they are taken out of their groups until then.</summary>
    Task PauseAsync(string personId, DateTimeOffset until, CancellationToken cancellationToken);

    /// <summary>Ends a person's pause: they are put back in their groups.</summary>
    Task ResumeAsync(string personId, CancellationToken cancellationToken);

    /// <summary>Until when a person is paused, or null.</summary>
    DateTimeOffset? PausedUntil(string personId);
}
