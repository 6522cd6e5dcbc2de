using System.Globalization;
using PeerBot.Core.Groups;
using PeerBot.Core.Platform;

namespace PeerBot.Core.Safety;

/// <summary>Renders an alert as the private message a facilitator receives.</summary>
public static class AlertMessageBuilder
{
    /// <summary>The action id of the acknowledge button for an alert.</summary>
    public static string AckAction(string alertId) => "ack:" + alertId;

    /// <summary>The action id of the resolve button for an alert.</summary>
    public static string ResolveAction(string alertId) => "resolve:" + alertId;

    /// <summary>Builds the alert message.</summary>
    /// <param name="alert">The alert.</param>
    /// <param name="group">Its group, for the name and time zone; null when the group is no longer known.</param>
    /// <param name="authorName">For a crisis or coping note about a named member, their display name.</param>
    /// <param name="idempotencyKey">The key that stops a retried send from posting twice.</param>
    /// <param name="personName">
    /// The display name of a person id (who acknowledged or resolved it); null, or a null answer, shows the id.
    /// </param>
    /// <param name="crisisResources">For a crisis alert: the resources its author was sent, shown so facilitators know what they have.</param>
    public static OutgoingMessage Build(
        AlertRecord alert, GroupInfo? group, string? authorName, string? idempotencyKey = null, Func<string, string?>? personName = null, string? crisisResources = null)
    {
        ArgumentNullException.ThrowIfNull(alert);
        var groupName = group?.Name ?? alert.GroupId;
        var when = FormatTime(alert.RaisedAt, group?.TimeZone);
        var blocks = new List<MessageBlock>();
        var tone = MessageTone.Normal;
        if (alert.Kind == AlertKind.Crisis)
        {
            // "Crisis" is the first word a facilitator reads, in the notification too; what to do comes before the details.
            tone = MessageTone.Crisis;
            blocks.Add(new HeadingBlock($"Crisis alert: {groupName}"));
            var who = alert.AuthorAnonymous ? "An anonymous member" : authorName ?? "A member";
            blocks.Add(new ParagraphBlock($"{who} wrote something that may mean they are in crisis ({when})."));
            if (AnswerLine(alert, group?.TimeZone) is { } answer)
            {
                blocks.Add(answer);
            }
            blocks.Add(new ParagraphBlock([new TextSpan("What to do now", SpanStyle.Bold)]));
            var reach = alert.AuthorAnonymous
                ? "You can't reach them directly: they were offered a button to let the psychologist contact them, which tells you who they are only if they press it."
                : $"Reach out to {(authorName ?? "them")} privately today, even briefly.";
            blocks.Add(new ListBlock(
            [
                [new TextSpan(reach)],
                [new TextSpan("If they may be in immediate danger, follow your program's emergency procedure now.")],
                [new TextSpan("Acknowledge this alert so the other facilitators know someone is on it.")],
            ]));
            if (!string.IsNullOrWhiteSpace(crisisResources))
            {
                blocks.Add(new ParagraphBlock([new TextSpan("Resources they were sent privately", SpanStyle.Bold)]));
                blocks.Add(new QuoteBlock(crisisResources));
            }
        }
        else if (alert.Kind == AlertKind.Coping)
        {
            blocks.Add(new HeadingBlock($"Quiet note \u2014 coping ({groupName})"));
            var who = alert.AuthorAnonymous ? "An anonymous member" : authorName ?? "A member";
            var next = alert.AuthorAnonymous ? "Their identity stays hidden." : "A gentle, private check-in may help.";
            blocks.Add(new ParagraphBlock($"{who} described coping that may be harming them ({when}). Nothing was said to the group or to them. {next}"));
        }
        else
        {
            tone = MessageTone.Warning;
            blocks.Add(new HeadingBlock($"Fatalistic spiral: {groupName}"));
            blocks.Add(new ParagraphBlock(string.Create(
                CultureInfo.InvariantCulture,
                $"{alert.MessageCount} fatalistic messages from {alert.PeopleCount} people, the last at {when}. Nobody in the group has been told.")));
        }

        if (alert.Excerpts.Count > 0)
        {
            foreach (var excerpt in alert.Excerpts)
            {
                blocks.Add(new QuoteBlock(excerpt));
            }
        }
        else if (alert.ExcerptsPurgedAt is not null)
        {
            // The same words whatever removed them (the retention period, or a member leaving with forget-me), so the
            // message says nothing about who asked.
            blocks.Add(new ParagraphBlock([new TextSpan("Excerpts are no longer kept.", SpanStyle.Italic)]));
        }

        if (alert.Reasons.Count > 0)
        {
            blocks.Add(new ParagraphBlock([new TextSpan("Why", SpanStyle.Bold)]));
            blocks.Add(new ListBlock(alert.Reasons.Select(r => (IReadOnlyList<TextSpan>)[new TextSpan(r)]).ToList()));
        }

        if (alert.SuggestedPrompt is not null)
        {
            blocks.Add(new ParagraphBlock([new TextSpan("Suggested reframing prompt", SpanStyle.Bold), new TextSpan(" (post it with /peer reframe, or in your own words):")]));
            blocks.Add(new QuoteBlock(alert.SuggestedPrompt));
        }

        blocks.Add(new ParagraphBlock(
        [
            new TextSpan("Alert "),
            new TextSpan(alert.Id, SpanStyle.Code),
            new TextSpan($" is {Describe(alert, personName)}. /peer ack {alert.Id} · /peer resolve {alert.Id} [note]"),
        ]));

        IReadOnlyList<MessageButton> buttons = alert.Status == AlertStatus.Resolved
            ? []
            : alert.Status == AlertStatus.Acknowledged
                ? [new MessageButton("Resolve", ResolveAction(alert.Id))]
                : [new MessageButton("Acknowledge", AckAction(alert.Id), ButtonStyle.Primary), new MessageButton("Resolve", ResolveAction(alert.Id))];
        return new OutgoingMessage(blocks, buttons, idempotencyKey) { Tone = tone };
    }

    /// <summary>
    /// What the named author answered when asked whether they would like someone to reach out, as a line for facilitators;
    /// null when they were not asked.
    /// </summary>
    public static ParagraphBlock? AnswerLine(AlertSummary alert, string? timeZone)
    {
        ArgumentNullException.ThrowIfNull(alert);
        return AnswerLine(alert.AuthorAsked, alert.AuthorAnswer, alert.AuthorAnsweredAt, timeZone);
    }

    private static ParagraphBlock? AnswerLine(AlertRecord alert, string? timeZone) =>
        AnswerLine(alert.AuthorAsked, alert.AuthorAnswer, alert.AuthorAnsweredAt, timeZone);

    private static ParagraphBlock? AnswerLine(bool asked, CrisisAnswer? answer, DateTimeOffset? at, string? timeZone)
    {
        var when = at is { } time ? $" ({FormatTime(time, timeZone)})" : "";
        return answer switch
        {
            CrisisAnswer.ReachOut => new ParagraphBlock([new TextSpan("They asked you to reach out: \u201cPlease reach out\u201d", SpanStyle.Bold), new TextSpan(when + ".")]),
            CrisisAnswer.OkForNow => new ParagraphBlock([new TextSpan("They answered \u201cI'm OK for now\u201d", SpanStyle.Bold), new TextSpan(when + ". A gentle check-in is still worth it.")]),
            _ when asked => new ParagraphBlock([new TextSpan("They were told you know and asked whether they'd like someone to reach out; no answer yet.", SpanStyle.Italic)]),
            _ => null,
        };
    }

    private static string Describe(AlertRecord alert, Func<string, string?>? personName)
    {
        string Name(string? personId) => personId is null ? "" : personName?.Invoke(personId) ?? personId;
        return alert.Status switch
        {
            AlertStatus.Acknowledged => $"acknowledged by {Name(alert.AcknowledgedBy)}",
            AlertStatus.Resolved => alert.ResolutionNote is { Length: > 0 } note ? $"resolved by {Name(alert.ResolvedBy)}: {note}" : $"resolved by {Name(alert.ResolvedBy)}",
            _ => "open",
        };
    }

    /// <summary>Formats a time in the group's time zone when it is known, otherwise in UTC.</summary>
    public static string FormatTime(DateTimeOffset time, string? timeZone)
    {
        if (timeZone is not null && TimeZoneInfo.TryFindSystemTimeZoneById(timeZone, out var zone))
        {
            var local = TimeZoneInfo.ConvertTime(time, zone);
            return local.ToString("ddd d MMM yyyy, HH:mm", CultureInfo.InvariantCulture) + " " + timeZone;
        }

        return time.ToUniversalTime().ToString("ddd d MMM yyyy, HH:mm", CultureInfo.InvariantCulture) + " UTC";
    }
}
