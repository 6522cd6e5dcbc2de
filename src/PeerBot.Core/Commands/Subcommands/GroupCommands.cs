using PeerBot.Core.Groups;
using PeerBot.Core.People;
using PeerBot.Core.Platform;
using PeerBot.Core.Safety;

namespace PeerBot.Core.Commands.Subcommands;

/// <summary><c>/peer groups</c>: the groups a facilitator or coordinator may act on.</summary>
public sealed class GroupsCommand(CommandAuthorizer auth, IGroupOperations operations, IPeopleDirectory people, TimeProvider time) : IPeerSubcommand
{
    /// <inheritdoc />
    public string Name => "groups";

    /// <inheritdoc />
    public string Usage => "groups";

    /// <inheritdoc />
    public string Summary => "list your groups, their people and next prompts";

    /// <inheritdoc />
    public CommandAudience Audience => CommandAudience.Staff;

    /// <inheritdoc />
    public Task<InteractionResponse> ExecuteAsync(CommandContext context, IReadOnlyList<string> args, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(context);
        var mine = auth.ActableGroups(context.Actor);
        auth.Audit(context, Name, null, null, AuditOutcome.Done);
        if (mine.Count == 0)
        {
            return Task.FromResult(Replies.Text("There are no groups for you right now."));
        }

        var now = time.GetUtcNow();
        var items = mine.Select(g =>
        {
            var facilitators = string.Join(", ", g.FacilitatorIds.Select(id => people.Find(id)?.Name ?? id));
            var next = g.PausedUntil is { } paused && paused > now
                ? $"paused until {Replies.When(paused, now, g.TimeZone, withZone: true)}"
                : operations.NextPromptAt(g.Id) is { } at ? $"next prompt {Replies.When(at, now, g.TimeZone, withZone: true)}" : "no prompt scheduled";
            return (IReadOnlyList<TextSpan>)
            [
                new TextSpan(g.Name, SpanStyle.Bold),
                new TextSpan($" ({g.Platform}): {Replies.Count(g.MemberIds.Count, "member")}, facilitated by {facilitators}; {next}."),
            ];
        }).ToList();
        return Task.FromResult(InteractionResponse.Message(new OutgoingMessage(
            [new HeadingBlock(mine.Count == 1 ? "Your group" : $"Your {mine.Count} groups"), new ListBlock(items)], [])));
    }
}

/// <summary><c>/peer prompt now|skip|preview [group]</c>.</summary>
public sealed class PromptCommand(CommandAuthorizer auth, IGroupOperations operations, TimeProvider time) : IPeerSubcommand
{
    /// <inheritdoc />
    public string Name => "prompt";

    /// <inheritdoc />
    public string Usage => "prompt now|skip|preview [group]";

    /// <inheritdoc />
    public string Summary => "post the next prompt now, skip it, or preview it";

    /// <inheritdoc />
    public CommandAudience Audience => CommandAudience.Staff;

    /// <inheritdoc />
    public async Task<InteractionResponse> ExecuteAsync(CommandContext context, IReadOnlyList<string> args, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(context);
        ArgumentNullException.ThrowIfNull(args);
        var verb = args.Count > 0 ? args[0].ToLowerInvariant() : "";
        if (verb is not ("now" or "skip" or "preview") || args.Count > 2)
        {
            return Replies.Text(args.Count == 0
                ? "Say what to do with the prompt: /peer prompt now, /peer prompt skip or /peer prompt preview, optionally followed by the group."
                : $"'{args[0]}' isn't something I can do with a prompt. Use now, skip or preview, like /peer prompt preview \"Tuesday Circle\".");
        }

        var action = "prompt " + verb;
        var group = auth.ResolveGroup(context, args.Count > 1 ? args[1] : null, action);
        if (!group.Succeeded)
        {
            return Replies.Text(group.Error!);
        }

        var g = group.Value!;
        var result = verb switch
        {
            "now" => await operations.PostPromptNowAsync(g.Id, cancellationToken).ConfigureAwait(false),
            "skip" => await operations.SkipPromptAsync(g.Id, cancellationToken).ConfigureAwait(false),
            _ => await operations.PreviewPromptAsync(g.Id, cancellationToken).ConfigureAwait(false),
        };
        return GroupReplies.FromPrompt(auth, context, action, g, result, time.GetUtcNow(), verb switch
        {
            "now" => $"Posted in {g.Name}:",
            "skip" => $"Skipped this prompt for {g.Name}:",
            _ => $"Next prompt for {g.Name} (not posted):",
        });
    }
}

/// <summary>
/// A staff subcommand that posts something in one group now, taking at most the group as its argument
/// (the group can be left out when the facilitator has only one, or runs it in the group's channel).
/// </summary>
public abstract class PostInGroupCommand(CommandAuthorizer auth, TimeProvider time) : IPeerSubcommand
{
    /// <inheritdoc />
    public abstract string Name { get; }

    /// <inheritdoc />
    public string Usage => $"{Name} [group]";

    /// <inheritdoc />
    public abstract string Summary { get; }

    /// <inheritdoc />
    public CommandAudience Audience => CommandAudience.Staff;

    /// <inheritdoc />
    public async Task<InteractionResponse> ExecuteAsync(CommandContext context, IReadOnlyList<string> args, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(args);
        if (args.Count > 1)
        {
            return Replies.Text($"/peer {Name} takes at most the group, like /peer {Name} \"Tuesday Circle\".");
        }

        var group = auth.ResolveGroup(context, args.Count > 0 ? args[0] : null, Name);
        if (!group.Succeeded)
        {
            return Replies.Text(group.Error!);
        }

        var result = await PostAsync(group.Value!.Id, cancellationToken).ConfigureAwait(false);
        return GroupReplies.FromPrompt(auth, context, Name, group.Value, result, time.GetUtcNow(), Lead(group.Value));
    }

    /// <summary>Posts in the group.</summary>
    protected abstract Task<OperationResult<PromptOutcome>> PostAsync(string groupId, CancellationToken cancellationToken);

    /// <summary>The reply's first line, above the posted text.</summary>
    protected abstract string Lead(GroupInfo group);
}

/// <summary><c>/peer reframe [group]</c>: posts a reframing prompt now.</summary>
public sealed class ReframeCommand(CommandAuthorizer auth, IGroupOperations operations, TimeProvider time) : PostInGroupCommand(auth, time)
{
    /// <inheritdoc />
    public override string Name => "reframe";

    /// <inheritdoc />
    public override string Summary => "post a reframing (solutions) prompt now";

    /// <inheritdoc />
    protected override Task<OperationResult<PromptOutcome>> PostAsync(string groupId, CancellationToken cancellationToken) =>
        operations.PostReframeAsync(groupId, cancellationToken);

    /// <inheritdoc />
    protected override string Lead(GroupInfo group) => $"Posted a reframing prompt in {group.Name}:";
}

/// <summary><c>/peer checkin [group]</c>: posts a reset check-in now.</summary>
public sealed class CheckInCommand(CommandAuthorizer auth, IGroupOperations operations, TimeProvider time) : PostInGroupCommand(auth, time)
{
    /// <inheritdoc />
    public override string Name => "checkin";

    /// <inheritdoc />
    public override string Summary => "post a reset check-in now";

    /// <inheritdoc />
    protected override Task<OperationResult<PromptOutcome>> PostAsync(string groupId, CancellationToken cancellationToken) =>
        operations.PostCheckInAsync(groupId, cancellationToken);

    /// <inheritdoc />
    protected override string Lead(GroupInfo group) => $"Posted a check-in in {group.Name}:";
}

/// <summary><c>/peer stats [group]</c>: counts only, never content or who.</summary>
public sealed class StatsCommand(CommandAuthorizer auth, IStatsCounters counters, IAlertService alerts, TimeProvider time) : IPeerSubcommand
{
    /// <summary>Weeks shown.</summary>
    public const int Weeks = 4;

    /// <inheritdoc />
    public string Name => "stats";

    /// <inheritdoc />
    public string Usage => "stats [group]";

    /// <inheritdoc />
    public string Summary => "weekly counts: messages, prompts answered, anonymous posts, flags";

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
        if (targets.Count == 0)
        {
            return Replies.Text("You don't facilitate any group right now.");
        }

        var now = time.GetUtcNow();
        var thisWeek = StatsWeek.StartOf(now);
        var from = thisWeek.AddDays(-7 * (Weeks - 1));
        var flags = await alerts.ListAsync(targets.Select(g => g.Id).ToList(), includeResolved: true, cancellationToken).ConfigureAwait(false);
        var blocks = new List<MessageBlock> { new HeadingBlock($"Stats, last {Weeks} weeks (counts only)") };
        foreach (var g in targets)
        {
            var weekly = counters.Weekly(g.Id, from).ToDictionary(w => w.WeekStart);
            var items = new List<IReadOnlyList<TextSpan>>();
            for (var week = from; week <= thisWeek; week = week.AddDays(7))
            {
                var counts = weekly.GetValueOrDefault(week);
                var weekFlags = flags.Count(a => a.GroupId == g.Id && StatsWeek.StartOf(a.RaisedAt) == week);
                var label = week == thisWeek ? "This week" : $"Week of {week.ToString("d MMM", Replies.Culture)}";
                items.Add([
                    new TextSpan(label, SpanStyle.Bold),
                    new TextSpan($": {Replies.Count(counts?[StatKind.Messages] ?? 0, "message")}, "
                        + $"{Replies.Count(counts?[StatKind.PromptsAnswered] ?? 0, "prompt answer")}, "
                        + $"{Replies.Count(counts?[StatKind.AnonymousPosts] ?? 0, "anonymous post")}, "
                        + $"{Replies.Count(weekFlags, "flag")}"),
                ]);
            }

            blocks.Add(new ParagraphBlock([new TextSpan(g.Name, SpanStyle.Bold)]));
            blocks.Add(new ListBlock(items));
        }

        auth.Audit(context, Name, targets.Count == 1 ? targets[0].Id : null, null, AuditOutcome.Done);
        return InteractionResponse.Message(new OutgoingMessage(blocks, []));
    }
}

/// <summary>Replies shared by the prompt subcommands.</summary>
internal static class GroupReplies
{
    public static InteractionResponse FromPrompt(
        CommandAuthorizer auth, CommandContext context, string action, GroupInfo group, OperationResult<PromptOutcome> result, DateTimeOffset now, string lead)
    {
        if (!result.Succeeded)
        {
            auth.Audit(context, action, group.Id, null, AuditOutcome.Failed, result.Error);
            return Replies.Text(result.Error!);
        }

        var outcome = result.Value!;
        auth.Audit(context, action, group.Id, outcome.PromptId, AuditOutcome.Done);
        var next = outcome.NextScheduledAt is { } at ? $"Next scheduled prompt {Replies.When(at, now, group.TimeZone, withZone: true)}." : "No prompt is scheduled next.";
        return InteractionResponse.Message(new OutgoingMessage(
            [new ParagraphBlock(lead), new QuoteBlock(outcome.Text), new ParagraphBlock(next)], []));
    }
}
