using System.Globalization;
using Humanizer;
using PeerBot.Core.Commands;
using PeerBot.Core.Platform;
using PeerBot.Core.Safety;

namespace PeerBot.Core.Digest;

/// <summary>
/// The digest's words. A figure about fewer than <see cref="MinPeople"/> people is written "fewer than 3", never as
/// the number, and nothing names anyone.
/// </summary>
public static class DigestText
{
    /// <summary>Fewest people a figure may be shown for.</summary>
    public const int MinPeople = 3;

    /// <summary>A count of people as it may be shown: the number, or "fewer than 3".</summary>
    public static string People(int count) => count < MinPeople ? $"fewer than {MinPeople}" : count.ToString(Replies.Culture);

    /// <summary>The check-in average of a week, when at least <see cref="MinPeople"/> answers were counted.</summary>
    public static double? CheckInAverage(DigestWeek week)
    {
        ArgumentNullException.ThrowIfNull(week);
        var answers = week[DigestCounter.CheckInAnswers];
        return answers >= MinPeople ? (double)week[DigestCounter.CheckInScoreSum] / answers : null;
    }

    /// <summary>
    /// The three lines about a group's last week, for example
    /// "Tuesday Circle: 4 of 5 members took part, down from 5; 23 messages.",
    /// "2 prompts posted, 1 answered; 2 fatalistic messages, no spiral." and
    /// "No crisis flag or coping note; check-in average 3.4, up from 2.9.".
    /// </summary>
    public static IReadOnlyList<string> Lines(string groupName, int members, DigestWeek week, DigestWeek before)
    {
        ArgumentNullException.ThrowIfNull(week);
        ArgumentNullException.ThrowIfNull(before);
        var took = $"{groupName}: {People(week.Participants)} of {members} {"member".ToQuantity(members, ShowQuantityAs.None)} took part, {ParticipationTrend(week.Participants, before.Participants)}; {Some(week[DigestCounter.Messages], "message")}.";

        var posted = week[DigestCounter.PromptsPosted];
        var prompts = posted == 0
            ? "No prompt posted"
            : $"{"prompt".ToQuantity(posted)} posted, {(week[DigestCounter.PromptsReplied] == 0 ? "none" : week[DigestCounter.PromptsReplied].ToString(Replies.Culture))} answered";
        var spirals = week[DigestCounter.SpiralRaised];
        var mood = $"{prompts}; {Some(week[DigestCounter.FatalisticMessages], "fatalistic message")}, {(spirals == 0 ? "no spiral" : "spiral flag".ToQuantity(spirals))}.";

        var raised = new List<string>();
        if (week[DigestCounter.CrisisRaised] > 0)
        {
            raised.Add("crisis flag".ToQuantity(week[DigestCounter.CrisisRaised]));
        }

        if (week[DigestCounter.CopingRaised] > 0)
        {
            raised.Add("coping note".ToQuantity(week[DigestCounter.CopingRaised]));
        }

        var resolved = week[DigestCounter.SpiralResolved] + week[DigestCounter.CrisisResolved] + week[DigestCounter.CopingResolved];
        var flags = raised.Count == 0 ? "No crisis flag or coping note" : string.Join(" and ", raised) + " raised";
        if (resolved > 0)
        {
            flags += $", {"flag".ToQuantity(resolved)} resolved";
        }

        return [took, mood, $"{flags}; {CheckIn(week, before)}."];
    }

    /// <summary>"2 open flags older than a day, the oldest raised 3 days ago: A1B2, C3D4."</summary>
    public static string StaleFlags(string groupName, IReadOnlyList<AlertRecord> open, DateTimeOffset now)
    {
        ArgumentNullException.ThrowIfNull(open);
        var oldest = open.Min(a => a.RaisedAt);
        var count = open.Count == 1 ? "an open flag older than a day" : $"{open.Count} open flags older than a day";
        return $"{groupName}: {count}, the oldest raised {Replies.Ago(oldest, now)} ({string.Join(", ", open.Select(a => a.Id))}); /peer flags lists them.";
    }

    /// <summary>The digest as a message: a heading, each group's three lines, and what needs attention.</summary>
    public static OutgoingMessage ToMessage(DigestReport report)
    {
        ArgumentNullException.ThrowIfNull(report);
        var blocks = new List<MessageBlock> { new HeadingBlock(Heading(report)) };
        foreach (var group in report.Groups)
        {
            blocks.Add(new ParagraphBlock(string.Join("\n", group.Lines)));
        }

        var attention = report.Attention;
        if (attention.Count == 0)
        {
            blocks.Add(new ParagraphBlock("Nothing needs your attention this week."));
        }
        else
        {
            blocks.Add(new HeadingBlock("Needs your attention"));
            blocks.Add(new ListBlock(attention.Select(a => (IReadOnlyList<TextSpan>)[new TextSpan(a)]).ToList()));
        }

        return new OutgoingMessage(blocks, []);
    }

    /// <summary>The digest as plain text, for files and logs of what was sent.</summary>
    public static string ToPlainText(DigestReport report) => ToMessage(report).ToPlainText();

    /// <summary>"Weekly digest, week of Mon 2 Nov 2026" or "Program digest, ...".</summary>
    public static string Heading(DigestReport report)
    {
        ArgumentNullException.ThrowIfNull(report);
        var week = report.WeekStart.ToString("ddd d MMM yyyy", Replies.Culture);
        return report.ProgramWide ? $"Program digest, every group, week of {week}" : $"Weekly digest, week of {week}";
    }

    private static string ParticipationTrend(int now, int before)
    {
        var nowShown = now >= MinPeople;
        var beforeShown = before >= MinPeople;
        if (!nowShown && !beforeShown)
        {
            return "as the week before";
        }

        if (nowShown && beforeShown)
        {
            return now == before ? "as the week before" : $"{(now > before ? "up" : "down")} from {before.ToString(Replies.Culture)}";
        }

        return nowShown ? $"up from fewer than {MinPeople}" : $"down from {before.ToString(Replies.Culture)}";
    }

    private static string CheckIn(DigestWeek week, DigestWeek before)
    {
        if (CheckInAverage(week) is not { } average)
        {
            return $"no check-in with {MinPeople} or more answers";
        }

        var text = $"check-in average {Figure(average)}";
        if (CheckInAverage(before) is not { } previous)
        {
            return text;
        }

        var (a, b) = (Math.Round(average, 1), Math.Round(previous, 1));
        return a == b ? text + ", as the week before" : $"{text}, {(a > b ? "up" : "down")} from {Figure(previous)}";
    }

    private static string Figure(double value) => Math.Round(value, 1).ToString("0.0", CultureInfo.InvariantCulture);

    private static string Some(int count, string noun) => count == 0 ? "no " + noun.Pluralize() : noun.ToQuantity(count);
}
