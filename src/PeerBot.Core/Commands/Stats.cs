namespace PeerBot.Core.Commands;

/// <summary>What the stats count. Counts only: never content, never who.</summary>
public enum StatKind
{
    /// <summary>Messages written in a group channel.</summary>
    Messages,

    /// <summary>Answers to prompts and check-ins.</summary>
    PromptsAnswered,

    /// <summary>Anonymous posts shared to a group.</summary>
    AnonymousPosts,
}

/// <summary>One group's counts for one week.</summary>
/// <param name="WeekStart">Monday (UTC) of the week.</param>
/// <param name="Counts">Count per kind (missing kinds are zero).</param>
public sealed record WeeklyStats(DateOnly WeekStart, IReadOnlyDictionary<StatKind, int> Counts)
{
    /// <summary>The count of a kind.</summary>
    public int this[StatKind kind] => Counts.GetValueOrDefault(kind);
}

/// <summary>Weekly counters per group. Holds numbers only: no person, no text.</summary>
public interface IStatsCounters
{
    /// <summary>Adds to a group's count of a kind in the week of <paramref name="at"/>.</summary>
    void Increment(string groupId, StatKind kind, DateTimeOffset at, int by = 1);

    /// <summary>A group's counts for the weeks starting on or after <paramref name="fromWeek"/>, oldest first (weeks with no counts left out).</summary>
    IReadOnlyList<WeeklyStats> Weekly(string groupId, DateOnly fromWeek);
}

/// <summary>Weeks as the stats count them: Monday to Sunday, UTC.</summary>
public static class StatsWeek
{
    /// <summary>The Monday (UTC) of the week of a moment.</summary>
    public static DateOnly StartOf(DateTimeOffset at)
    {
        var day = DateOnly.FromDateTime(at.UtcDateTime);
        var offset = ((int)day.DayOfWeek + 6) % 7;
        return day.AddDays(-offset);
    }
}
