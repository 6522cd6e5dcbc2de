namespace PeerBot.Core.Prompts;

/// <summary>What to do about a group's schedule at one moment.</summary>
public enum ScheduleAction
{
    /// <summary>Nothing is due.</summary>
    Wait,

    /// <summary>The group has no history yet: start counting from now, without posting for the past.</summary>
    Start,

    /// <summary>Post for <see cref="ScheduleDecision.Occurrence"/>.</summary>
    Post,

    /// <summary>Mark <see cref="ScheduleDecision.Occurrence"/> handled without posting (too late, or the group is paused).</summary>
    Skip,
}

/// <summary>A decision and when to look again.</summary>
/// <param name="Action">What to do.</param>
/// <param name="Occurrence">The occurrence acted on (for Post and Skip).</param>
/// <param name="NextDue">The next occurrence after now, or null when the schedule has none.</param>
/// <param name="Reason">Why, for the log.</param>
public sealed record ScheduleDecision(ScheduleAction Action, DateTimeOffset? Occurrence, DateTimeOffset? NextDue, string Reason);

/// <summary>
/// Decides, for one group and one moment, whether a scheduled post is due. Pure: it only reads its arguments.
/// After downtime only the latest missed occurrence counts: it is posted if less than <see cref="GraceWindow"/> late,
/// skipped otherwise, so a restart never posts a burst. A last occurrence handled after the next one (a clock that ran
/// ahead) starts the schedule again from now rather than silencing the group until that time.
/// </summary>
public static class ScheduleDecider
{
    /// <summary>How late a missed prompt may still be posted.</summary>
    public static readonly TimeSpan GraceWindow = TimeSpan.FromHours(6);

    /// <summary>Decides.</summary>
    /// <param name="schedule">The group's schedule.</param>
    /// <param name="now">The current time.</param>
    /// <param name="lastHandled">The last occurrence dealt with, or null for a new group.</param>
    /// <param name="pausedUntil">Until when the group is paused, or null.</param>
    public static ScheduleDecision Decide(CronSchedule schedule, DateTimeOffset now, DateTimeOffset? lastHandled, DateTimeOffset? pausedUntil)
    {
        ArgumentNullException.ThrowIfNull(schedule);
        var next = schedule.Next(now);
        if (lastHandled is not { } last)
        {
            return new ScheduleDecision(ScheduleAction.Start, now, next, "first look at this group's schedule");
        }

        if (next is { } upcoming && last > upcoming)
        {
            // Handled beyond the next occurrence: the history was written by a clock running ahead (or is damaged).
            // Kept, it would silence the group until then, years perhaps; the schedule starts again from now instead.
            return new ScheduleDecision(ScheduleAction.Start, now, next, $"the last occurrence handled, {last:u}, is after the next one: counting from now");
        }

        var latest = schedule.LatestIn(last, now);
        if (latest is not { } occurrence)
        {
            return new ScheduleDecision(ScheduleAction.Wait, null, next, "nothing due");
        }

        if (pausedUntil is { } until && until > now)
        {
            return new ScheduleDecision(ScheduleAction.Skip, occurrence, next, $"the group is paused until {until:u}");
        }

        var late = now - occurrence;
        return late < GraceWindow
            ? new ScheduleDecision(ScheduleAction.Post, occurrence, next, late > TimeSpan.FromMinutes(1) ? $"posted {late.TotalMinutes:F0} minutes late" : "on time")
            : new ScheduleDecision(ScheduleAction.Skip, occurrence, next, $"missed by {late.TotalHours:F1} hours, more than {GraceWindow.TotalHours:F0}");
    }
}
