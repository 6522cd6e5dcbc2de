using System.Globalization;
using Humanizer;
using PeerBot.Core.Platform;

namespace PeerBot.Core.Commands;

/// <summary>Helpers that write replies for people: times and counts in words.</summary>
public static class Replies
{
    /// <summary>The culture replies are written in.</summary>
    public static readonly CultureInfo Culture = CultureInfo.GetCultureInfo("en-US");

    /// <summary>
    /// A moment for a person: <c>Tue 19:00, in 2 days</c>, in the given IANA time zone; with
    /// <paramref name="withZone"/>, <c>Tue 19:00 America/New_York, in 2 days</c>, for replies that list groups
    /// which may keep different zones.
    /// </summary>
    public static string When(DateTimeOffset at, DateTimeOffset now, string? timeZone, bool withZone = false)
    {
        var zone = FindZone(timeZone);
        var local = TimeZoneInfo.ConvertTime(at, zone);
        var clock = local.ToString(local.Date == TimeZoneInfo.ConvertTime(now, zone).Date || Math.Abs((at - now).TotalDays) < 6 ? "ddd HH:mm" : "ddd d MMM HH:mm", Culture);
        return withZone ? $"{clock} {(zone == TimeZoneInfo.Utc ? "UTC" : timeZone)}, {Ago(at, now)}" : $"{clock}, {Ago(at, now)}";
    }

    /// <summary><c>in 2 days</c> or <c>2 hours ago</c>.</summary>
    public static string Ago(DateTimeOffset at, DateTimeOffset now)
    {
        var span = at - now;
        if (span.Duration() < TimeSpan.FromMinutes(1))
        {
            return "just now";
        }

        var words = span.Duration().Humanize(precision: 1, culture: Culture);
        return span > TimeSpan.Zero ? "in " + words : words + " ago";
    }

    /// <summary><c>3 open flags</c>.</summary>
    public static string Count(int count, string noun) => noun.ToQuantity(count);

    /// <summary>A private plain reply.</summary>
    public static InteractionResponse Text(string text) => InteractionResponse.Text(text);

    /// <summary>A private reply with a heading and paragraphs.</summary>
    public static InteractionResponse Titled(string heading, params string[] paragraphs) =>
        InteractionResponse.Message(new OutgoingMessage(
            [new HeadingBlock(heading), .. paragraphs.Select(p => (MessageBlock)new ParagraphBlock(p))], []));

    private static TimeZoneInfo FindZone(string? id)
    {
        if (!string.IsNullOrWhiteSpace(id) && TimeZoneInfo.TryFindSystemTimeZoneById(id, out var zone))
        {
            return zone;
        }

        return TimeZoneInfo.Utc;
    }
}
