using System.Globalization;
using Humanizer;

namespace PeerBot.Core.Configuration;

/// <summary>Cron schedules in IANA time zones, computed and described for people.</summary>
public static class Schedules
{
    /// <summary>The next occurrence strictly after <paramref name="after"/>, or null when the schedule or zone is invalid or never fires.</summary>
    public static DateTimeOffset? NextOccurrence(string? cron, string? timeZone, DateTimeOffset after)
    {
        var expression = PeerBotOptionsValidator.ParseCron(cron);
        var zone = PeerBotOptionsValidator.FindTimeZone(timeZone);
        if (expression is null || zone is null)
        {
            return null;
        }

        var next = expression.GetNextOccurrence(after.UtcDateTime, zone);
        return next is null ? null : new DateTimeOffset(next.Value, TimeSpan.Zero);
    }

    /// <summary>
    /// Describes a time for a person, in the given zone and relative to now: "Tue 19:00 America/New_York, in 2 days".
    /// </summary>
    public static string Describe(DateTimeOffset when, string timeZone, DateTimeOffset now)
    {
        var zone = PeerBotOptionsValidator.FindTimeZone(timeZone) ?? TimeZoneInfo.Utc;
        var local = TimeZoneInfo.ConvertTime(when, zone);
        var relative = when >= now
            ? "in " + (when - now).Humanize(precision: 1, minUnit: TimeUnit.Minute, culture: CultureInfo.InvariantCulture)
            : (now - when).Humanize(precision: 1, minUnit: TimeUnit.Minute, culture: CultureInfo.InvariantCulture) + " ago";
        return string.Create(CultureInfo.InvariantCulture, $"{local:ddd HH:mm} {timeZone}, {relative}");
    }
}
