using PeerBot.Core.Groups;
using PeerBot.Core.Platform;
using PeerBot.Core.Safety;

namespace PeerBot.Core.Commands.Subcommands;

/// <summary>
/// <c>/peer flags [group]</c>: open and acknowledged alerts (with their latest excerpt while it is kept), with ack and
/// resolve buttons; crisis first, then spirals, then coping notes, each oldest first.
/// </summary>
public sealed class FlagsCommand(CommandAuthorizer auth, IAlertService alerts, IGroupDirectory groups, TimeProvider time) : IPeerSubcommand
{
    /// <summary>Alerts shown in one reply.</summary>
    public const int MaxShown = 5;

    /// <inheritdoc />
    public string Name => "flags";

    /// <inheritdoc />
    public string Usage => "flags [group]";

    /// <inheritdoc />
    public string Summary => "open safety flags, crisis first";

    /// <inheritdoc />
    public CommandAudience Audience => CommandAudience.Staff;

    /// <inheritdoc />
    public async Task<InteractionResponse> ExecuteAsync(CommandContext context, IReadOnlyList<string> args, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(context);
        ArgumentNullException.ThrowIfNull(args);
        var resolved = auth.ResolveTargets(context, args, Name);
        if (!resolved.Succeeded)
        {
            return Replies.Text(resolved.Error!);
        }

        var targets = resolved.Value!;

        auth.Audit(context, Name, targets.Count == 1 ? targets[0].Id : null, null, AuditOutcome.Done);
        var list = targets.Count == 0 ? [] : await alerts.ListAsync(targets.Select(g => g.Id).ToList(), includeResolved: false, cancellationToken).ConfigureAwait(false);
        var now = time.GetUtcNow();
        if (list.Count == 0)
        {
            return Replies.Text("No open flags. All quiet.");
        }

        var open = list.Where(a => a.Status == AlertStatus.Open).ToList();
        var summary = open.Count > 0
            ? $"{Replies.Count(open.Count, "open flag")}, the oldest {Replies.Ago(open.Min(a => a.RaisedAt), now)}"
            : "No open flags";
        var acknowledged = list.Count - open.Count;
        if (acknowledged > 0)
        {
            summary += $"; {acknowledged} acknowledged and not yet resolved";
        }

        // A crisis is named before anything else, so it cannot be read as one more flag in the list.
        var crises = list.Count(a => a.Kind == AlertKind.Crisis);
        var heading = crises > 0 ? $"Crisis: {Replies.Count(crises, "crisis flag")}, reach out today. {summary}." : summary + ".";
        var blocks = new List<MessageBlock> { new HeadingBlock(heading) };
        var buttons = new List<MessageButton>();
        // Crisis first, then spirals, then the quiet coping notes, so a week of coping notes never hides a crisis.
        foreach (var alert in list.OrderBy(a => KindOrder(a.Kind)).ThenBy(a => a.RaisedAt).Take(MaxShown))
        {
            var groupName = groups.Find(alert.GroupId)?.Name ?? alert.GroupId;
            var what = alert.Kind switch
            {
                AlertKind.Crisis => "crisis talk: reach out privately today; if they may be in immediate danger, follow your program's emergency procedure",
                AlertKind.Coping => "Coping: a quiet note, a member described coping that may be harming them",
                _ => $"a spiral: {Replies.Count(alert.MessageCount, "message")} from {Replies.Count(alert.PeopleCount, "person")}",
            };
            blocks.Add(new ParagraphBlock([
                new TextSpan(alert.Kind == AlertKind.Crisis ? "CRISIS " : "", SpanStyle.Bold),
                new TextSpan(alert.Id, SpanStyle.Code),
                new TextSpan($" {groupName}, {what}, {Replies.Ago(alert.RaisedAt, now)}"),
                new TextSpan(alert.Status == AlertStatus.Acknowledged ? " (acknowledged)" : "", SpanStyle.Italic),
            ]));
            if (alert.Kind == AlertKind.Crisis && AlertMessageBuilder.AnswerLine(alert, groups.Find(alert.GroupId)?.TimeZone) is { } answer)
            {
                blocks.Add(answer);
            }

            if (alert.Reasons.Count > 0)
            {
                blocks.Add(new ListBlock(alert.Reasons.Take(3).Select(r => (IReadOnlyList<TextSpan>)[new TextSpan(r)]).ToList()));
            }

            // The latest words only, so the list stays short; the alert message has the rest. Gone once the
            // retention purge has emptied them.
            if (alert.Excerpts.Count > 0)
            {
                blocks.Add(new QuoteBlock(alert.Excerpts[^1]));
            }

            if (alert.Status == AlertStatus.Open)
            {
                buttons.Add(new MessageButton($"Ack {alert.Id}", "ack:" + alert.Id, ButtonStyle.Primary));
            }

            buttons.Add(new MessageButton($"Resolve {alert.Id}", "resolve:" + alert.Id));
        }

        if (list.Count > MaxShown)
        {
            blocks.Add(new ParagraphBlock($"and {list.Count - MaxShown} more; resolve some to see the rest."));
        }

        var tone = crises > 0 ? MessageTone.Crisis : list.Any(a => a.Kind == AlertKind.Spiral) ? MessageTone.Warning : MessageTone.Normal;
        return InteractionResponse.Message(new OutgoingMessage(blocks, buttons) { Tone = tone });
    }

    private static int KindOrder(AlertKind kind) => kind switch
    {
        AlertKind.Crisis => 0,
        AlertKind.Spiral => 1,
        _ => 2,
    };
}

/// <summary><c>/peer ack ID</c>.</summary>
public sealed class AckCommand(CommandAuthorizer auth, IAlertService alerts, IGroupDirectory groups, TimeProvider time) : IPeerSubcommand
{
    /// <inheritdoc />
    public string Name => "ack";

    /// <inheritdoc />
    public string Usage => "ack ID";

    /// <inheritdoc />
    public string Summary => "acknowledge a flag: you're on it";

    /// <inheritdoc />
    public CommandAudience Audience => CommandAudience.Staff;

    /// <inheritdoc />
    public async Task<InteractionResponse> ExecuteAsync(CommandContext context, IReadOnlyList<string> args, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(args);
        if (args.Count != 1)
        {
            return Replies.Text("Say which flag, like /peer ack A12. /peer flags lists them.");
        }

        var found = await SafetyReplies.FindAsync(auth, alerts, groups, context, Name, args[0], cancellationToken).ConfigureAwait(false);
        if (found.Error is not null)
        {
            return Replies.Text(found.Error);
        }

        var result = await alerts.AcknowledgeAsync(found.Alert!.Id, context.Actor.Id, cancellationToken).ConfigureAwait(false);
        return SafetyReplies.Outcome(auth, context, Name, found.Group!, result, "Acknowledged", time.GetUtcNow());
    }
}

/// <summary><c>/peer resolve ID [note]</c>.</summary>
public sealed class ResolveCommand(CommandAuthorizer auth, IAlertService alerts, IGroupDirectory groups, TimeProvider time) : IPeerSubcommand
{
    /// <inheritdoc />
    public string Name => "resolve";

    /// <inheritdoc />
    public string Usage => "resolve ID [note]";

    /// <inheritdoc />
    public string Summary => "close a flag, with an optional note";

    /// <inheritdoc />
    public CommandAudience Audience => CommandAudience.Staff;

    /// <inheritdoc />
    public async Task<InteractionResponse> ExecuteAsync(CommandContext context, IReadOnlyList<string> args, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(args);
        if (args.Count == 0)
        {
            return Replies.Text("Say which flag, like /peer resolve A12 \"talked it through\". /peer flags lists them.");
        }

        var found = await SafetyReplies.FindAsync(auth, alerts, groups, context, Name, args[0], cancellationToken).ConfigureAwait(false);
        if (found.Error is not null)
        {
            return Replies.Text(found.Error);
        }

        var note = args.Count > 1 ? string.Join(' ', args.Skip(1)) : null;
        if (note is { Length: > 500 })
        {
            return Replies.Text($"That note is {note.Length} characters; keep it under 500.");
        }

        var result = await alerts.ResolveAsync(found.Alert!.Id, context.Actor.Id, note, cancellationToken).ConfigureAwait(false);
        return SafetyReplies.Outcome(auth, context, Name, found.Group!, result, "Resolved", time.GetUtcNow());
    }
}

/// <summary>Shared steps of ack and resolve.</summary>
internal static class SafetyReplies
{
    public static async Task<(AlertSummary? Alert, GroupInfo? Group, string? Error)> FindAsync(
        CommandAuthorizer auth, IAlertService alerts, IGroupDirectory groups, CommandContext context, string action, string id, CancellationToken cancellationToken)
    {
        var alert = await alerts.FindAsync(id, cancellationToken).ConfigureAwait(false);
        var group = alert is null ? null : groups.Find(alert.GroupId);
        if (alert is null || group is null)
        {
            return (null, null, $"No flag '{id}'. /peer flags lists the open ones.");
        }

        var refusal = auth.Check(context, group, action, alert.Id);
        return refusal is null ? (alert, group, null) : (null, null, refusal);
    }

    public static InteractionResponse Outcome(
        CommandAuthorizer auth, CommandContext context, string action, GroupInfo group, OperationResult<AlertSummary> result, string verb, DateTimeOffset now)
    {
        if (!result.Succeeded)
        {
            auth.Audit(context, action, group.Id, null, AuditOutcome.Failed, result.Error);
            return Replies.Text(result.Error!);
        }

        var alert = result.Value!;
        auth.Audit(context, action, group.Id, alert.Id, AuditOutcome.Done);
        var what = alert.Kind switch
        {
            AlertKind.Crisis => "crisis talk",
            AlertKind.Coping => "coping note",
            _ => "spiral",
        };
        return Replies.Text($"{verb} {alert.Id}: {what} in {group.Name}, raised {Replies.Ago(alert.RaisedAt, now)}.");
    }
}
