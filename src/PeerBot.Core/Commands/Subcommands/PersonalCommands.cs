using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using PeerBot.Core.Configuration;
using PeerBot.Core.Groups;
using PeerBot.Core.People;
using PeerBot.Core.Platform;
using PeerBot.Core.Safety;
using PeerBot.Core.Sharing;

namespace PeerBot.Core.Commands.Subcommands;

/// <summary><c>/peer share</c>: opens the anonymous share form.</summary>
public sealed class ShareCommand(IGroupDirectory groups, CommandAuthorizer auth, IOptions<PeerBotOptions> options) : IPeerSubcommand
{
    /// <summary>The form's id.</summary>
    public const string FormId = "share";

    /// <summary>The id of the text field.</summary>
    public const string TextField = "text";

    /// <summary>The id of the group choice field.</summary>
    public const string GroupField = "group";

    /// <inheritdoc />
    public string Name => "share";

    /// <inheritdoc />
    public string Usage => "share";

    /// <inheritdoc />
    public string Summary => "share something with your group anonymously";

    /// <inheritdoc />
    public CommandAudience Audience => CommandAudience.Everyone;

    /// <inheritdoc />
    public Task<InteractionResponse> ExecuteAsync(CommandContext context, IReadOnlyList<string> args, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(context);
        var anonymity = options.Value.Anonymity;
        if (!anonymity.Enabled)
        {
            return Task.FromResult(Replies.Text("Anonymous sharing is turned off in this program."));
        }

        var mine = groups.GroupsOfMember(context.Actor.Id);
        if (mine.Count == 0)
        {
            return Task.FromResult(Replies.Text(NoGroupToShareIn(context.Actor, auth.IsStaff(context.Actor), "Your coordinator can add you.")));
        }

        var fields = new List<FormField>();
        if (mine.Count > 1)
        {
            fields.Add(new FormField(GroupField, "Which group?", FormFieldKind.Choice, Choices: mine.Select(g => new FormChoice(g.Id, g.Name)).ToList()));
        }

        fields.Add(new FormField(TextField, "What would you like to share?", FormFieldKind.LongText, MaxLength: anonymity.MaxLength,
            Placeholder: "It will appear as \"Anonymous member\". No files or images."));
        return Task.FromResult(InteractionResponse.OpenForm(new FormSpec(FormId, "Share anonymously", fields, "Share")));
    }

    /// <summary>
    /// Why someone who is in no group as a member cannot share: facilitators and coordinators are told sharing is for
    /// members, since "not a member yet" would suggest they are waiting to be added.
    /// </summary>
    /// <param name="person">Who tried to share.</param>
    /// <param name="isStaff">True for a coordinator or anyone who facilitates a group.</param>
    /// <param name="nextStep">What a resident who is in no group yet can do, after the explanation.</param>
    public static string NoGroupToShareIn(Person person, bool isStaff, string nextStep)
    {
        ArgumentNullException.ThrowIfNull(person);
        if (!isStaff)
        {
            return $"You're not a member of any group yet, so there's nowhere to share anonymously. {nextStep}";
        }

        var role = person.Role == PersonRole.Coordinator ? "coordinate the program" : "facilitate";
        return $"Anonymous sharing is for group members: it lets residents post in their group without their name. You {role} rather than join a group as a member, so there's nothing for you to share here; your members can use /peer share. /peer help lists your commands.";
    }
}

/// <summary><c>/peer pause [weeks]</c>: a resident steps out of their groups for a while.</summary>
/// <remarks>
/// Pausing takes the person out of their group's channel, and a private reply typed there goes with the channel:
/// the confirmation (how long, how to come back) is also sent as a direct message.
/// </remarks>
public sealed class PauseCommand(IGroupDirectory groups, IMemberPauses pauses, IPlatformRegistry platforms, TimeProvider time) : IPeerSubcommand
{
    /// <inheritdoc />
    public string Name => "pause";

    /// <inheritdoc />
    public string Usage => "pause [weeks]";

    /// <inheritdoc />
    public string Summary => "step out of your group for a while (1 week unless you say, up to 12)";

    /// <inheritdoc />
    public CommandAudience Audience => CommandAudience.Everyone;

    /// <inheritdoc />
    public async Task<InteractionResponse> ExecuteAsync(CommandContext context, IReadOnlyList<string> args, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(context);
        ArgumentNullException.ThrowIfNull(args);
        if (args.Count > 1)
        {
            return Replies.Text("/peer pause takes at most one thing, the number of weeks, like /peer pause 2.");
        }

        var weeks = 1;
        if (args.Count == 1)
        {
            var parsed = CommandLine.WholeNumber(args[0], 1, 12, "weeks", "/peer pause 2");
            if (!parsed.Succeeded)
            {
                return Replies.Text(parsed.Error!);
            }

            weeks = parsed.Value;
        }

        var mine = groups.GroupsOfMember(context.Actor.Id);
        var now = time.GetUtcNow();
        if (mine.Count == 0 && pauses.PausedUntil(context.Actor.Id) is not { } existing)
        {
            return Replies.Text("You're not a member of any group right now, so there's nothing to pause.");
        }

        var until = now + TimeSpan.FromDays(7 * weeks);
        await pauses.PauseAsync(context.Actor.Id, until, cancellationToken).ConfigureAwait(false);
        var where = mine.Count == 0 ? "your group" : string.Join(" and ", mine.Select(g => g.Name));
        var confirmation = $"You've stepped out of {where} until {Replies.When(until, now, (mine.Count > 0 ? mine[0].TimeZone : null))}. "
            + "Take the time you need; /peer resume brings you back any time.";
        var sent = await PrivateConfirmation.SendAsync(platforms, context, confirmation, cancellationToken).ConfigureAwait(false);
        return Replies.Text(PrivateConfirmation.Reply(context, confirmation, sent));
    }
}

/// <summary><c>/peer resume</c>: back into one's groups after a pause.</summary>
public sealed class ResumeCommand(IMemberPauses pauses, TimeProvider time) : IPeerSubcommand
{
    /// <inheritdoc />
    public string Name => "resume";

    /// <inheritdoc />
    public string Usage => "resume";

    /// <inheritdoc />
    public string Summary => "come back to your group after a pause";

    /// <inheritdoc />
    public CommandAudience Audience => CommandAudience.Everyone;

    /// <inheritdoc />
    public async Task<InteractionResponse> ExecuteAsync(CommandContext context, IReadOnlyList<string> args, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(context);
        ArgumentNullException.ThrowIfNull(args);
        if (args.Count > 0)
        {
            return Replies.Text("/peer resume takes nothing after it.");
        }

        if (pauses.PausedUntil(context.Actor.Id) is not { } until || until <= time.GetUtcNow())
        {
            return Replies.Text("You're not paused, so there's nothing to resume.");
        }

        await pauses.ResumeAsync(context.Actor.Id, cancellationToken).ConfigureAwait(false);
        return Replies.Text("Welcome back. You'll be back in your group in a moment.");
    }
}

/// <summary><c>/peer my-data</c>: everything PeerBot stores about the person asking.</summary>
public sealed class MyDataCommand(
    IGroupDirectory groups,
    IMemberPauses pauses,
    AnonymousSharingService sharing,
    IAuditLog audit,
    Safety.ISafetyDataEraser safety,
    IOptions<PeerBotOptions> options,
    TimeProvider time) : IPeerSubcommand
{
    /// <inheritdoc />
    public string Name => "my-data";

    /// <inheritdoc />
    public string Usage => "my-data";

    /// <inheritdoc />
    public string Summary => "see everything PeerBot stores about you";

    /// <inheritdoc />
    public CommandAudience Audience => CommandAudience.Everyone;

    /// <inheritdoc />
    public async Task<InteractionResponse> ExecuteAsync(CommandContext context, IReadOnlyList<string> args, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(context);
        var me = context.Actor;
        var now = time.GetUtcNow();
        var blocks = new List<MessageBlock>
        {
            new HeadingBlock("What PeerBot stores about you"),
            new ParagraphBlock($"From the program's configuration: {me.Name} (id {me.Id}), {me.Role}{(me.Pgy is { } pgy ? $", PGY-{pgy}" : "")}."),
        };

        var memberOf = groups.GroupsOfMember(me.Id);
        var facilitates = groups.GroupsFacilitatedBy(me.Id);
        var items = new List<IReadOnlyList<TextSpan>>();
        if (memberOf.Count > 0)
        {
            items.Add([new TextSpan("Member of: "), new TextSpan(string.Join(", ", memberOf.Select(g => g.Name)), SpanStyle.Bold)]);
        }

        if (facilitates.Count > 0)
        {
            items.Add([new TextSpan("Facilitator of: "), new TextSpan(string.Join(", ", facilitates.Select(g => g.Name)), SpanStyle.Bold)]);
        }

        if (pauses.PausedUntil(me.Id) is { } paused && paused > now)
        {
            items.Add([new TextSpan($"Paused until {Replies.When(paused, now, (memberOf.Count > 0 ? memberOf[0].TimeZone : null))}.")]);
        }

        var data = sharing.PersonalData.DataOf(me.Id);
        var pending = data.Posts.Where(p => p.IsPending).ToList();
        items.Add([new TextSpan(data.Posts.Count == 0
            ? "Anonymous posts: none stored."
            : $"Anonymous posts stored under your private handle: {data.Posts.Count} ({pending.Count} still to appear). Posted ones keep no text.")]);
        var failed = data.Posts.Count(p => p.State == AnonymousPostState.Failed);
        if (failed > 0)
        {
            items.Add([new TextSpan($"Anonymous posts that could not be posted and were discarded (words erased): {failed}.")]);
        }

        if (data.MutedUntil is { } muted && muted > now)
        {
            items.Add([new TextSpan($"Anonymous sharing paused until {Replies.When(muted, now, null)}.")]);
        }

        var actions = audit.ByActor(me.Id);
        if (actions.Count > 0)
        {
            items.Add([new TextSpan($"Facilitator actions in the audit log: {actions.Count}, the latest {Replies.Ago(actions[0].At, now)} ({actions[0].Action}).")]);
        }

        // Crisis and coping alerts raised about their group messages name them to the group's psychologist.
        var aboutMe = await safety.AlertsAboutAsync(me.Id, memberOf.Select(g => g.Id).ToList(), cancellationToken).ConfigureAwait(false);
        if (aboutMe.Count > 0)
        {
            var withExcerpts = aboutMe.Count(a => a.Excerpts.Count > 0);
            items.Add([new TextSpan($"Safety alerts about your messages, seen by your group's psychologist and facilitators: {aboutMe.Count} "
                + $"({string.Join(", ", aboutMe.GroupBy(a => a.Kind).OrderBy(k => k.Key).Select(k => $"{k.Count()} {k.Key.ToString().ToLowerInvariant()}"))}; "
                + $"{(withExcerpts == 0 ? "no excerpt kept" : $"{withExcerpts} still with an excerpt of your words")}).")]);
            var answered = aboutMe.Where(a => a.AuthorAnswer is not null).ToList();
            if (answered.Count > 0)
            {
                var okForNow = answered.Count(a => a.AuthorAnswer == Safety.CrisisAnswer.OkForNow);
                var reachOut = answered.Count - okForNow;
                items.Add([new TextSpan($"Your answers to the question after a crisis alert, shown with the alert to your group's psychologist: "
                    + string.Join(", ", new[] { okForNow > 0 ? $"\"I'm OK for now\" ({okForNow})" : null, reachOut > 0 ? $"\"Please reach out\" ({reachOut})" : null }.OfType<string>())
                    + ".")]);
            }
        }

        items.Add([new TextSpan("Check-in answers: kept only as counts per answer for the group, with nothing that links an answer to you.")]);
        blocks.Add(new ListBlock(items));
        foreach (var post in pending)
        {
            blocks.Add(new ParagraphBlock([new TextSpan($"Pending post "), new TextSpan(post.Id, SpanStyle.Code), new TextSpan($" ({AnonymousSharingService.Describe(post)}):")]));
            blocks.Add(new QuoteBlock(post.Text));
        }

        blocks.Add(new ParagraphBlock(
            "Not stored: the text of your group messages (safety flags keep short excerpts for "
            + $"{Replies.Count((int)options.Value.Safety.ExcerptRetention.TotalDays, "day")}), and stats, which are counts with no names. "
            + "/peer forget-me erases what is listed here."));
        return InteractionResponse.Message(new OutgoingMessage(blocks, []));
    }
}

/// <summary><c>/peer forget-me</c>: erases what PeerBot stores about the person (after a confirmation).</summary>
public sealed partial class ForgetMeCommand(
    IGroupDirectory groups,
    IMemberPauses pauses,
    AnonymousSharingService sharing,
    IAuthorHandles handles,
    ISafetyDataEraser safety,
    ICheckInAnswers checkIns,
    IAuditLog audit,
    IPeopleDirectory people,
    IPlatformRegistry platforms,
    TimeProvider time,
    ILogger<ForgetMeCommand> logger) : IPeerSubcommand
{
    /// <summary>The action id of the confirmation button.</summary>
    public const string ConfirmAction = "forget:confirm";

    /// <inheritdoc />
    public string Name => "forget-me";

    /// <inheritdoc />
    public string Usage => "forget-me";

    /// <inheritdoc />
    public string Summary => "erase what PeerBot stores about you and leave your group";

    /// <inheritdoc />
    public CommandAudience Audience => CommandAudience.Everyone;

    /// <inheritdoc />
    public async Task<InteractionResponse> ExecuteAsync(CommandContext context, IReadOnlyList<string> args, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(context);
        ArgumentNullException.ThrowIfNull(args);
        var memberOf = groups.GroupsOfMember(context.Actor.Id);
        if (args.Count == 0)
        {
            var leaving = memberOf.Count == 0 ? "" : $" You will also leave {string.Join(" and ", memberOf.Select(g => g.Name))}.";
            return InteractionResponse.Message(new OutgoingMessage(
                [
                    new HeadingBlock("Forget me?"),
                    new ParagraphBlock($"This erases your anonymous posts (including any not yet posted), any sharing pause, excerpts of your recent messages kept for the safety check, the excerpts in your group's safety alerts and any answer you gave to whether someone should reach out (in PeerBot and in the facilitators' messages), the marks that you answered open check-ins (your answers stay only in the group's totals) and your facilitator actions in the audit log.{leaving} It can't be undone."),
                ],
                [new MessageButton("Yes, forget me", ConfirmAction, ButtonStyle.Danger)]));
        }

        if (args.Count != 1 || !string.Equals(args[0], "confirm", StringComparison.OrdinalIgnoreCase))
        {
            return Replies.Text("To go ahead, run /peer forget-me confirm (or press the button /peer forget-me shows).");
        }

        var posts = await sharing.PersonalData.ForgetAsync(context.Actor.Id, cancellationToken).ConfigureAwait(false);

        // Kept spiral messages are keyed by person id for group messages and by the anonymity handle for anonymous posts.
        string[] authorKeys = [context.Actor.Id, handles.HandleOf(context.Actor.Id)];
        var spiralEntries = await safety.ForgetAuthorsAsync(authorKeys, cancellationToken).ConfigureAwait(false);
        var alertExcerpts = await safety.ForgetAlertExcerptsAsync(authorKeys, memberOf.Select(g => g.Id).ToList(), cancellationToken).ConfigureAwait(false);
        var checkInMarks = await checkIns.ForgetAnswererAsync(context.Actor.Id, cancellationToken).ConfigureAwait(false);
        var actions = audit.DeleteByActor(context.Actor.Id);
        var now = time.GetUtcNow();
        var paused = pauses.PausedUntil(context.Actor.Id) is { } pausedUntil && pausedUntil > now;
        if (memberOf.Count > 0 || paused)
        {
            // Leaving is recorded as an open-ended pause, so reconciliation keeps them out of the channel
            // until a coordinator takes them out of the configuration.
            await pauses.PauseAsync(context.Actor.Id, now.AddYears(100), cancellationToken).ConfigureAwait(false);
        }

        // Only a change to a group is worth a coordinator's note (a paused person already left the channel).
        await TellCoordinatorsAsync(memberOf, context.Actor.Id, cancellationToken).ConfigureAwait(false);
        var done = $"Done. Erased {Replies.Count(posts, "anonymous post")}, {Replies.Count(spiralEntries, "message excerpt")} kept for the safety check, "
            + $"the excerpts of {Replies.Count(alertExcerpts, "alert")} that could hold your words (also from the facilitators' messages), "
            + $"{Replies.Count(checkInMarks, "mark")} that you answered a check-in and {Replies.Count(actions, "audit entry")}."
            + (memberOf.Count > 0 || paused ? " You've left your group; the coordinator is told only that someone left." : "")
            + " Take care.";
        if (memberOf.Count == 0)
        {
            await ForgetOnPlatformsAsync(context.Actor.Id, cancellationToken).ConfigureAwait(false);
            return Replies.Text(done);
        }

        // Leaving takes them out of the channel, and a reply given there would go with it. The lasting copy carries no
        // counts: a direct message stays on the platform, where a count of anonymous posts would tell who wrote some.
        var sent = await PrivateConfirmation.SendAsync(
            platforms,
            context,
            "Done: PeerBot has erased what it stored about you, and you've left your group; the coordinator is told only that someone left. Take care.",
            cancellationToken).ConfigureAwait(false);
        await ForgetOnPlatformsAsync(context.Actor.Id, cancellationToken).ConfigureAwait(false);
        return Replies.Text(sent && !context.IsDirect ? done + " I've also sent you a short confirmation as a direct message." : done);
    }

    /// <summary>
    /// Last, after the confirmation went by direct message: what each adapter keeps about the person (the stored id of
    /// the bot's direct-message channel with them on Discord).
    /// </summary>
    private async Task ForgetOnPlatformsAsync(string personId, CancellationToken cancellationToken)
    {
        foreach (var platform in platforms.Platforms)
        {
            if (people.PlatformUserId(personId, platform.Kind) is { Length: > 0 } userId)
            {
                try
                {
                    await platform.ForgetPersonAsync(userId, cancellationToken).ConfigureAwait(false);
                }
                catch (Exception ex) when (ex is not OperationCanceledException)
                {
                    // Everything else is erased already; the person hears so. Only the adapter's note of the DM channel stays.
                    LogPlatformForgetFailed(logger, platform.Kind, ex.GetType().Name);
                }
            }
        }
    }

    private async Task TellCoordinatorsAsync(IReadOnlyList<GroupInfo> left, string leaverId, CancellationToken cancellationToken)
    {
        foreach (var coordinator in people.All.Where(p => p.Role == Configuration.PersonRole.Coordinator && p.Id != leaverId))
        {
            foreach (var group in left)
            {
                var platform = platforms.Find(group.Platform);
                var userId = people.PlatformUserId(coordinator.Id, group.Platform);
                if (platform is null || userId is null)
                {
                    continue;
                }

                var remaining = group.MemberIds.Count(id => !string.Equals(id, leaverId, StringComparison.OrdinalIgnoreCase));
                try
                {
                    await platform.SendDirectMessageAsync(userId, OutgoingMessage.Plain(
                        $"Someone has left {group.Name} and asked PeerBot to forget their data. The group now has {Replies.Count(remaining, "member")}."), cancellationToken).ConfigureAwait(false);
                }
                catch (PlatformException ex)
                {
                    // A coordinator who can't be messaged still sees the change in the group's channel.
                    LogCoordinatorUnreachable(logger, group.Id, ex.Kind);
                }
            }
        }
    }

    [LoggerMessage(Level = LogLevel.Error, Message = "forget-me: {Platform} could not forget its direct-message channel with the person ({ExceptionType}).")]
    private static partial void LogPlatformForgetFailed(ILogger logger, PlatformKind platform, string exceptionType);

    [LoggerMessage(Level = LogLevel.Warning, Message = "A coordinator could not be told that someone left group {GroupId} ({Kind}).")]
    private static partial void LogCoordinatorUnreachable(ILogger logger, string groupId, PlatformErrorKind kind);
}
