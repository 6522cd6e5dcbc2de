using Microsoft.Extensions.Logging;
using PeerBot.Core.Groups;

namespace PeerBot.Core.Prompts;

/// <summary>
/// The operations facilitators run on a group. Callers (the <c>/peer</c> commands) check authorization first;
/// expected failures (unknown group, no channel yet, a time in the past) come back as errors in words.
/// </summary>
public sealed class GroupOperations : IGroupOperations
{
    private readonly PromptService _prompts;
    private readonly ICheckInService _checkIns;
    private readonly GroupDirectory _groups;
    private readonly IGroupStore _groupStore;
    private readonly TimeProvider _time;
    private readonly ILogger<GroupOperations> _logger;

    /// <summary>Creates the operations.</summary>
    public GroupOperations(PromptService prompts, ICheckInService checkIns, GroupDirectory groups, IGroupStore groupStore, TimeProvider time, ILogger<GroupOperations> logger)
    {
        _prompts = prompts;
        _checkIns = checkIns;
        _groups = groups;
        _groupStore = groupStore;
        _time = time;
        _logger = logger;
    }

    /// <inheritdoc />
    public async Task<OperationResult<PromptOutcome>> PostPromptNowAsync(string groupId, CancellationToken cancellationToken) =>
        WithNext(await _prompts.PostNextNowAsync(groupId, cancellationToken).ConfigureAwait(false));

    /// <inheritdoc />
    public async Task<OperationResult<PromptOutcome>> SkipPromptAsync(string groupId, CancellationToken cancellationToken)
    {
        if (_groups.Find(groupId) is null)
        {
            return Unknown(groupId);
        }

        var skipped = await _prompts.SkipNextAsync(groupId, cancellationToken).ConfigureAwait(false);
        return skipped.Succeeded
            ? OperationResult<PromptOutcome>.Success(new PromptOutcome(groupId, skipped.Value!.Id, skipped.Value.Text, NextPromptAt(groupId)))
            : OperationResult<PromptOutcome>.Failure(skipped.Error!);
    }

    /// <inheritdoc />
    public Task<OperationResult<PromptOutcome>> PreviewPromptAsync(string groupId, CancellationToken cancellationToken)
    {
        if (_groups.Find(groupId) is null)
        {
            return Task.FromResult(Unknown(groupId));
        }

        var prompt = _prompts.PeekNext(groupId);
        return Task.FromResult(OperationResult<PromptOutcome>.Success(new PromptOutcome(groupId, prompt.Id, prompt.Text, NextPromptAt(groupId))));
    }

    /// <inheritdoc />
    public async Task<OperationResult<PromptOutcome>> PostReframeAsync(string groupId, CancellationToken cancellationToken) =>
        WithNext(await _prompts.PostReframeAsync(groupId, cancellationToken).ConfigureAwait(false));

    /// <inheritdoc />
    public async Task<OperationResult<PromptOutcome>> PostCheckInAsync(string groupId, CancellationToken cancellationToken) =>
        WithNext(await _checkIns.PostCheckInAsync(groupId, cancellationToken).ConfigureAwait(false));

    /// <inheritdoc />
    public Task<OperationResult<GroupInfo>> PauseGroupAsync(string groupId, DateTimeOffset until, CancellationToken cancellationToken)
    {
        var now = _time.GetUtcNow();
        if (until <= now)
        {
            return Task.FromResult(OperationResult<GroupInfo>.Failure("Pick a time in the future to pause until."));
        }

        return Task.FromResult(SetPause(groupId, until, "paused"));
    }

    /// <inheritdoc />
    public Task<OperationResult<GroupInfo>> ResumeGroupAsync(string groupId, CancellationToken cancellationToken)
    {
        var group = _groups.Find(groupId);
        if (group is null)
        {
            return Task.FromResult(OperationResult<GroupInfo>.Failure($"There is no group '{groupId}'."));
        }

        if (group.PausedUntil is null)
        {
            return Task.FromResult(OperationResult<GroupInfo>.Failure($"{group.Name} is not paused."));
        }

        return Task.FromResult(SetPause(groupId, null, "resumed"));
    }

    /// <inheritdoc />
    public DateTimeOffset? NextPromptAt(string groupId)
    {
        var group = _groups.Find(groupId);
        if (group is null || group.PausedUntil is not null)
        {
            return null;
        }

        var schedule = CronSchedule.Parse(group.Schedule, group.TimeZone);
        return schedule.Succeeded ? schedule.Value!.Next(_time.GetUtcNow()) : null;
    }

    private OperationResult<GroupInfo> SetPause(string groupId, DateTimeOffset? until, string kind)
    {
        var record = _groupStore.FindGroup(groupId);
        if (record is null || record.Archived)
        {
            return OperationResult<GroupInfo>.Failure($"There is no group '{groupId}'.");
        }

        record.PausedUntil = until;
        _groupStore.SaveGroup(record);
        _groupStore.AppendChange(new GroupChange { At = _time.GetUtcNow(), GroupId = groupId, Kind = kind, Detail = until?.ToString("O", System.Globalization.CultureInfo.InvariantCulture) });
        _groups.Refresh();
        _logger.LogInformation("Group {GroupId} {Kind}", groupId, kind);
        return OperationResult<GroupInfo>.Success(_groups.Find(groupId)!);
    }

    private OperationResult<PromptOutcome> WithNext(OperationResult<PromptOutcome> result) =>
        result.Succeeded ? OperationResult<PromptOutcome>.Success(result.Value! with { NextScheduledAt = NextPromptAt(result.Value!.GroupId) }) : result;

    private static OperationResult<PromptOutcome> Unknown(string groupId) => OperationResult<PromptOutcome>.Failure($"There is no group '{groupId}'.");
}
