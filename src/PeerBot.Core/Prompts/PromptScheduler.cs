using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using PeerBot.Core.Configuration;
using PeerBot.Core.Groups;

namespace PeerBot.Core.Prompts;

/// <summary>
/// One pass of the schedule over every group: posts what is due (prompts and, when configured, check-ins),
/// skips what is too late or paused, finishes posts left pending by a crash, and closes check-ins whose window passed.
/// </summary>
public sealed class PromptScheduler
{
    /// <summary>How soon a failed post is retried.</summary>
    public static readonly TimeSpan RetryDelay = TimeSpan.FromMinutes(1);

    private readonly PromptService _prompts;
    private readonly CheckInService _checkIns;
    private readonly IGroupDirectory _groups;
    private readonly IPromptStore _store;
    private readonly IOptionsMonitor<PeerBotOptions> _options;
    private readonly TimeProvider _time;
    private readonly ILogger<PromptScheduler> _logger;
    private readonly HashSet<string> _reportedBadSchedules = new(StringComparer.Ordinal);
    private readonly Lock _lock = new();
    private DateTimeOffset? _groupsChangedAt;

    /// <summary>Creates the scheduler.</summary>
    public PromptScheduler(
        PromptService prompts,
        CheckInService checkIns,
        IGroupDirectory groups,
        IPromptStore store,
        IOptionsMonitor<PeerBotOptions> options,
        TimeProvider time,
        ILogger<PromptScheduler> logger)
    {
        _prompts = prompts;
        _checkIns = checkIns;
        _groups = groups;
        _store = store;
        _options = options;
        _time = time;
        _logger = logger;
    }

    /// <summary>
    /// Notes that the groups changed at <paramref name="at"/> (a group got its channel, was paused or resumed). A group
    /// seen for the first time on the next pass counts its schedule from then, not from the pass itself, so a prompt
    /// that fell due between the group getting its channel and the pass is still posted.
    /// </summary>
    public void NoteGroupsChanged(DateTimeOffset at)
    {
        lock (_lock)
        {
            _groupsChangedAt = at;
        }
    }

    /// <summary>Runs one pass; returns when to run again (null: nothing scheduled).</summary>
    public async Task<DateTimeOffset?> RunDueAsync(CancellationToken cancellationToken)
    {
        DateTimeOffset? wake = null;
        void WakeAt(DateTimeOffset? at)
        {
            if (at is { } value && (wake is null || value < wake))
            {
                wake = value;
            }
        }

        var checkInCron = _options.CurrentValue.Prompts.CheckInSchedule;
        foreach (var group in _groups.All())
        {
            if (group.Channel is null)
            {
                continue;
            }

            if (Schedule(group.Id, group.Schedule, group.TimeZone) is { } schedule)
            {
                WakeAt(await RunPromptsAsync(group, schedule, cancellationToken).ConfigureAwait(false));
            }

            if (!string.IsNullOrWhiteSpace(checkInCron) && Schedule(group.Id + "/checkin", checkInCron, group.TimeZone) is { } checkIns)
            {
                WakeAt(await RunCheckInsAsync(group, checkIns, cancellationToken).ConfigureAwait(false));
            }
        }

        await _checkIns.CloseDueAsync(cancellationToken).ConfigureAwait(false);
        WakeAt(_checkIns.NextClose());
        return wake;
    }

    private async Task<DateTimeOffset?> RunPromptsAsync(GroupInfo group, CronSchedule schedule, CancellationToken cancellationToken)
    {
        var now = _time.GetUtcNow();
        var state = _store.GetState(group.Id);
        if (state.Pending is { Kind: "prompt" } pending)
        {
            // A post started before a crash: finish it with the same key while it is still worth posting.
            if (now - pending.Occurrence < ScheduleDecider.GraceWindow && group.PausedUntil is null)
            {
                if (!await _prompts.PostScheduledAsync(group, pending.Occurrence, cancellationToken).ConfigureAwait(false))
                {
                    return now + RetryDelay;
                }
            }
            else
            {
                await _prompts.SkipScheduledAsync(group.Id, pending.Occurrence, "left pending too long", cancellationToken).ConfigureAwait(false);
            }

            state = _store.GetState(group.Id);
        }

        var decision = ScheduleDecider.Decide(schedule, now, state.LastPromptOccurrence, group.PausedUntil);
        if (decision.Action == ScheduleAction.Start)
        {
            var start = ScheduleStart(now);
            var replace = state.LastPromptOccurrence is not null;
            if (replace)
            {
                _logger.LogWarning("The prompt schedule of group {GroupId} starts again: {Reason}", group.Id, decision.Reason);
            }

            _prompts.StartSchedule(group.Id, start, checkIns: false, replace);
            decision = ScheduleDecider.Decide(schedule, now, start, group.PausedUntil);
        }

        switch (decision.Action)
        {
            case ScheduleAction.Post:
                if (!await _prompts.PostScheduledAsync(group, decision.Occurrence!.Value, cancellationToken).ConfigureAwait(false))
                {
                    return now + RetryDelay;
                }

                break;
            case ScheduleAction.Skip:
                await _prompts.SkipScheduledAsync(group.Id, decision.Occurrence!.Value, decision.Reason, cancellationToken).ConfigureAwait(false);
                break;
            case ScheduleAction.Wait:
            default:
                break;
        }

        return decision.NextDue;
    }

    private async Task<DateTimeOffset?> RunCheckInsAsync(GroupInfo group, CronSchedule schedule, CancellationToken cancellationToken)
    {
        var now = _time.GetUtcNow();
        var state = _store.GetState(group.Id);
        var decision = ScheduleDecider.Decide(schedule, now, state.LastCheckInOccurrence, group.PausedUntil);
        if (decision.Action == ScheduleAction.Start)
        {
            var start = ScheduleStart(now);
            var replace = state.LastCheckInOccurrence is not null;
            if (replace)
            {
                _logger.LogWarning("The check-in schedule of group {GroupId} starts again: {Reason}", group.Id, decision.Reason);
            }

            _prompts.StartSchedule(group.Id, start, checkIns: true, replace);
            decision = ScheduleDecider.Decide(schedule, now, start, group.PausedUntil);
        }

        switch (decision.Action)
        {
            case ScheduleAction.Post:
                var occurrence = decision.Occurrence!.Value;
                var posted = await _checkIns.PostAsync(group.Id, $"checkin:{group.Id}:{occurrence.UtcTicks}", cancellationToken).ConfigureAwait(false);
                if (!posted.Succeeded)
                {
                    return now + RetryDelay;
                }

                await _prompts.MarkCheckInOccurrenceAsync(group.Id, occurrence, cancellationToken).ConfigureAwait(false);
                break;
            case ScheduleAction.Skip:
                await _prompts.MarkCheckInOccurrenceAsync(group.Id, decision.Occurrence!.Value, cancellationToken).ConfigureAwait(false);
                _logger.LogInformation("Scheduled check-in for group {GroupId} at {Occurrence:u} not posted: {Reason}", group.Id, decision.Occurrence, decision.Reason);
                break;
            case ScheduleAction.Wait:
            default:
                break;
        }

        return decision.NextDue;
    }

    // A group is only scheduled once it has a channel, and getting one raises the directory's change, so the latest
    // change noted before this pass is never earlier than the moment the group could first have had a prompt.
    private DateTimeOffset ScheduleStart(DateTimeOffset now)
    {
        lock (_lock)
        {
            return _groupsChangedAt is { } changed && changed < now ? changed : now;
        }
    }

    private CronSchedule? Schedule(string key, string cron, string timeZone)
    {
        var parsed = CronSchedule.Parse(cron, timeZone);
        if (parsed.Succeeded)
        {
            return parsed.Value;
        }

        if (_reportedBadSchedules.Add(key + "|" + cron + "|" + timeZone))
        {
            _logger.LogError("The schedule of {Key} cannot be used, so nothing is posted for it: {Error}", key, parsed.Error);
        }

        return null;
    }
}
