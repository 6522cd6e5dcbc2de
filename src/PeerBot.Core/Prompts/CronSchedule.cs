using Cronos;

namespace PeerBot.Core.Prompts;

/// <summary>A cron schedule in an IANA time zone; occurrences are correct across daylight-saving changes (Cronos).</summary>
public sealed class CronSchedule
{
    private CronSchedule(CronExpression expression, TimeZoneInfo zone, string text)
    {
        Expression = expression;
        Zone = zone;
        Text = text;
    }

    /// <summary>The parsed expression.</summary>
    public CronExpression Expression { get; }

    /// <summary>The time zone.</summary>
    public TimeZoneInfo Zone { get; }

    /// <summary>The expression as written.</summary>
    public string Text { get; }

    /// <summary>Parses a five-field cron expression and an IANA time zone; the error names what is wrong.</summary>
    public static OperationResult<CronSchedule> Parse(string? cron, string? timeZone)
    {
        if (string.IsNullOrWhiteSpace(cron))
        {
            return OperationResult<CronSchedule>.Failure("a schedule is required (five cron fields, e.g. \"0 19 * * TUE\").");
        }

        CronExpression expression;
        try
        {
            expression = CronExpression.Parse(cron.Trim(), CronFormat.Standard);
        }
        catch (CronFormatException ex)
        {
            return OperationResult<CronSchedule>.Failure($"'{cron}' is not a valid five-field cron schedule: {ex.Message}");
        }

        if (string.IsNullOrWhiteSpace(timeZone))
        {
            return OperationResult<CronSchedule>.Failure("a time zone is required (an IANA name such as \"America/New_York\").");
        }

        try
        {
            return OperationResult<CronSchedule>.Success(new CronSchedule(expression, TimeZoneInfo.FindSystemTimeZoneById(timeZone.Trim()), cron.Trim()));
        }
        catch (Exception ex) when (ex is TimeZoneNotFoundException or InvalidTimeZoneException)
        {
            return OperationResult<CronSchedule>.Failure($"'{timeZone}' is not a known IANA time zone (e.g. \"America/New_York\").");
        }
    }

    /// <summary>The first occurrence strictly after <paramref name="after"/>, or null when there is none.</summary>
    public DateTimeOffset? Next(DateTimeOffset after) => Expression.GetNextOccurrence(after, Zone);

    /// <summary>The latest occurrence in (<paramref name="after"/>, <paramref name="upTo"/>], or null.</summary>
    public DateTimeOffset? LatestIn(DateTimeOffset after, DateTimeOffset upTo)
    {
        if (upTo <= after)
        {
            return null;
        }

        // Walk forward: Cronos has no reverse search, and gaps between handled occurrences are short in practice.
        DateTimeOffset? latest = null;
        var cursor = after;
        while (Expression.GetNextOccurrence(cursor, Zone) is { } next && next <= upTo)
        {
            latest = next;
            cursor = next;
        }

        return latest;
    }
}
