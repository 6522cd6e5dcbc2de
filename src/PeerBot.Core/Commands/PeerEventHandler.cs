using System.Collections.Concurrent;
using System.Globalization;
using System.Security.Cryptography;
using Microsoft.Extensions.Logging;
using PeerBot.Core.Commands.Subcommands;
using PeerBot.Core.Digest;
using PeerBot.Core.Groups;
using PeerBot.Core.People;
using PeerBot.Core.Platform;
using PeerBot.Core.Safety;
using PeerBot.Core.Sharing;

namespace PeerBot.Core.Commands;

/// <summary>
/// The single entry point adapters call: parses <c>/peer</c> and dispatches to its subcommands, handles the
/// share form and buttons, feeds group messages to the safety engine and the stats, and turns a DM to the bot
/// into an anonymous share (confirmed with buttons). Every reply is private.
/// </summary>
public sealed partial class PeerEventHandler : IPlatformEventHandler
{
    /// <summary>The reply to someone not on the roster.</summary>
    public const string NotOnRoster = "You're not on PeerBot's roster, so there's nothing I can do for you here yet. If you think you should be, ask your program's coordinator.";

    private static readonly TimeSpan DraftLifetime = TimeSpan.FromMinutes(30);
    private readonly Dictionary<string, IPeerSubcommand> _subcommands;
    private readonly IPeopleDirectory _people;
    private readonly IGroupDirectory _groups;
    private readonly IPlatformRegistry _platforms;
    private readonly ISafetyMonitor _safety;
    private readonly IStatsCounters _stats;
    private readonly AnonymousSharingService _sharing;
    private readonly ICheckInAnswers _checkIns;
    private readonly CommandAuthorizer _auth;
    private readonly TimeProvider _time;
    private readonly ILogger<PeerEventHandler> _logger;
    private readonly DigestRecorder? _digest;
    private readonly IAlertService? _alerts;

    // DM drafts wait for the author's group choice in memory only: a restart drops them (the author is asked to send again).
    private readonly ConcurrentDictionary<string, ShareDraft> _drafts = new(StringComparer.Ordinal);

    /// <summary>Creates the handler over the registered subcommands.</summary>
    public PeerEventHandler(
        IEnumerable<IPeerSubcommand> subcommands,
        IPeopleDirectory people,
        IGroupDirectory groups,
        IPlatformRegistry platforms,
        ISafetyMonitor safety,
        IStatsCounters stats,
        AnonymousSharingService sharing,
        ICheckInAnswers checkIns,
        CommandAuthorizer auth,
        TimeProvider time,
        ILogger<PeerEventHandler> logger,
        DigestRecorder? digest = null,
        IAlertService? alerts = null)
    {
        ArgumentNullException.ThrowIfNull(subcommands);
        _subcommands = subcommands.ToDictionary(s => s.Name, StringComparer.OrdinalIgnoreCase);
        _people = people;
        _groups = groups;
        _platforms = platforms;
        _safety = safety;
        _stats = stats;
        _sharing = sharing;
        _checkIns = checkIns;
        _auth = auth;
        _time = time;
        _logger = logger;
        _digest = digest;
        _alerts = alerts;
    }

    /// <inheritdoc />
    public async Task<InteractionResponse> HandleCommandAsync(CommandInvocation command, CancellationToken cancellationToken) =>
        PingsNobody(await DispatchCommandAsync(Clean(command), cancellationToken).ConfigureAwait(false));

    private async Task<InteractionResponse> DispatchCommandAsync(CommandInvocation command, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(command);
        var person = _people.FindByPlatformUser(command.Platform, command.UserId);
        if (person is null)
        {
            return Replies.Text(NotOnRoster);
        }

        var words = CommandLine.Tokenize(command.Text);
        if (!words.Succeeded)
        {
            return Replies.Text(words.Error!);
        }

        var args = words.Value!;
        var context = new CommandContext(person, command.Platform, command.UserId, command.ChannelId, command.IsDirect);
        if (args.Count == 0 || args[0].Equals("help", StringComparison.OrdinalIgnoreCase))
        {
            return Help(person);
        }

        if (!_subcommands.TryGetValue(args[0], out var subcommand))
        {
            return Replies.Text($"I don't know /peer {args[0]}. /peer help shows what you can run.");
        }

        return await RunAsync(subcommand, context, args.Skip(1).ToList(), cancellationToken).ConfigureAwait(false);
    }

    /// <inheritdoc />
    public async Task<InteractionResponse> HandleFormAsync(FormSubmission submission, CancellationToken cancellationToken) =>
        PingsNobody(await DispatchFormAsync(Clean(submission), cancellationToken).ConfigureAwait(false));

    private async Task<InteractionResponse> DispatchFormAsync(FormSubmission submission, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(submission);
        var person = _people.FindByPlatformUser(submission.Platform, submission.UserId);
        if (person is null)
        {
            return Replies.Text(NotOnRoster);
        }

        if (!string.Equals(submission.FormId, ShareCommand.FormId, StringComparison.Ordinal))
        {
            LogUnknownForm(InboundText.ForLog(submission.FormId));
            return Replies.Text("That form has expired. Please start again.");
        }

        var text = submission.Values.GetValueOrDefault(ShareCommand.TextField) ?? "";
        var group = submission.Values.GetValueOrDefault(ShareCommand.GroupField);
        var result = await _sharing.Submission.SubmitAsync(new ShareRequest(person, group, text), cancellationToken).ConfigureAwait(false);
        if (result.Succeeded)
        {
            return InteractionResponse.Message(result.Value!.Reply);
        }

        // Where the form closes once submitted, give the words back so nothing typed is lost; where it can stay open,
        // the reason shows under the text field with the words still in it.
        var errors = new Dictionary<string, string>(StringComparer.Ordinal) { [ShareCommand.TextField] = result.Error! };
        return string.IsNullOrWhiteSpace(text)
            ? Replies.Text(result.Error!) with { FieldErrors = errors }
            : new InteractionResponse(
                new OutgoingMessage([new ParagraphBlock(result.Error!), new ParagraphBlock("Here is what you wrote, so you can copy it:"), new QuoteBlock(text)], []),
                FieldErrors: errors);
    }

    /// <inheritdoc />
    public async Task<InteractionResponse> HandleButtonAsync(ButtonPress press, CancellationToken cancellationToken) =>
        PingsNobody(await DispatchButtonAsync(Clean(press), cancellationToken).ConfigureAwait(false));

    private async Task<InteractionResponse> DispatchButtonAsync(ButtonPress press, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(press);
        var person = _people.FindByPlatformUser(press.Platform, press.UserId);
        if (person is null)
        {
            return Replies.Text(NotOnRoster);
        }

        var context = new CommandContext(person, press.Platform, press.UserId, press.Message?.Channel.Id, false);
        var parts = press.ActionId.Split(':');
        switch (parts)
        {
            case ["ack", var id]:
                return await RunAsync(_subcommands["ack"], context, [id], cancellationToken).ConfigureAwait(false);
            case ["resolve", var id]:
                return await RunAsync(_subcommands["resolve"], context, [id], cancellationToken).ConfigureAwait(false);
            case ["anon", "approve" or "decline", var postId] when _subcommands.GetValueOrDefault("anon") is AnonCommand anon:
                if (!_auth.IsStaff(person))
                {
                    return Replies.Text(_auth.Refuse(context, "anon " + parts[1], null, postId, "not staff"));
                }

                return await anon.DecideAsync(context, postId, parts[1] == "approve", cancellationToken).ConfigureAwait(false);
            case ["checkin", var checkInId, var scoreText] when int.TryParse(scoreText, NumberStyles.Integer, CultureInfo.InvariantCulture, out var score):
                return await CheckInAsync(press, person, checkInId, score, cancellationToken).ConfigureAwait(false);
            case ["crisis", "contact", var token]:
                var contact = await _sharing.CrisisContact.RequestAsync(token, person, cancellationToken).ConfigureAwait(false);
                return Replies.Text(contact.Succeeded ? contact.Value! : contact.Error!);
            case ["crisis", "ok" or "reach", var token] when _alerts is not null:
                var answer = await _alerts.RecordAuthorAnswerAsync(token, person.Id, parts[1] == "reach" ? CrisisAnswer.ReachOut : CrisisAnswer.OkForNow, cancellationToken)
                    .ConfigureAwait(false);
                return Replies.Text(answer.Succeeded ? answer.Value! : answer.Error!);
            case ["forget", "confirm"]:
                return await RunAsync(_subcommands["forget-me"], context, ["confirm"], cancellationToken).ConfigureAwait(false);
            case ["share", var token, var choice]:
                return await ShareDraftAsync(person, token, choice, cancellationToken).ConfigureAwait(false);
            default:
                LogUnknownButton(InboundText.ForLog(press.ActionId.Split(':')[0]));
                return Replies.Text("That button has expired. /peer help shows what you can do.");
        }
    }

    /// <inheritdoc />
    public async Task HandleMessageAsync(IncomingMessage message, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(message);
        message = message with { Text = InboundText.Clean(message.Text) };
        if (message.IsDirect)
        {
            await HandleDirectMessageAsync(message, cancellationToken).ConfigureAwait(false);
            return;
        }

        var group = _groups.FindByChannel(new ChannelRef(message.Platform, message.ChannelId));
        if (group is null)
        {
            return;
        }

        _stats.Increment(group.Id, StatKind.Messages, message.Timestamp);
        var fatalistic = await ScreenAsync(group, message.Platform, message.AuthorUserId, message.Timestamp, message.Text, cancellationToken).ConfigureAwait(false);
        _digest?.MessageWritten(group, _people.FindByPlatformUser(message.Platform, message.AuthorUserId)?.Id, message.Timestamp, fatalistic);
    }

    /// <inheritdoc />
    public async Task HandleMessageEditedAsync(MessageEdited edit, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(edit);

        // A DM to the bot is a share draft, which keeps the words it was sent with: an edit changes nothing shared.
        if (edit.IsDirect)
        {
            return;
        }

        var group = _groups.FindByChannel(new ChannelRef(edit.Platform, edit.ChannelId));
        if (group is null)
        {
            return;
        }

        // Screened as a message written at the time of the edit; not counted again in the stats or the digest.
        _ = await ScreenAsync(group, edit.Platform, edit.AuthorUserId, edit.EditedAt, InboundText.Clean(edit.Text), cancellationToken).ConfigureAwait(false);
    }

    // Whether the safety engine judged the message fatalistic (false when it failed).
    private async Task<bool> ScreenAsync(GroupInfo group, PlatformKind platform, string authorUserId, DateTimeOffset at, string text, CancellationToken cancellationToken)
    {
        var person = _people.FindByPlatformUser(platform, authorUserId);
        var authorKey = person?.Id ?? $"unlisted:{platform}:{authorUserId}";
        try
        {
            var outcome = await _safety.ObserveAsync(new ObservedMessage(group.Id, authorKey, person?.Id, at, text), cancellationToken).ConfigureAwait(false);
            return outcome?.Assessment.Fatalistic == true;
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            LogSafetyFailed(group.Id, ex.GetType().Name);
            return false;
        }
    }

    // Everything typed reaches stores (audit targets, posts, notes), which refuse broken UTF-16.
    private static CommandInvocation Clean(CommandInvocation command)
    {
        ArgumentNullException.ThrowIfNull(command);
        return command with { Text = InboundText.Clean(command.Text) };
    }

    private static FormSubmission Clean(FormSubmission submission)
    {
        ArgumentNullException.ThrowIfNull(submission);
        var values = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var (key, value) in submission.Values)
        {
            // Two broken keys may clean to the same key: the last one wins rather than failing.
            values[InboundText.Clean(key)] = InboundText.Clean(value);
        }

        return submission with { FormId = InboundText.Clean(submission.FormId), Values = values };
    }

    private static ButtonPress Clean(ButtonPress press)
    {
        ArgumentNullException.ThrowIfNull(press);
        return press with { ActionId = InboundText.Clean(press.ActionId) };
    }

    // Replies echo what people typed (an unknown subcommand, a group name, a post id, the words of a refused share):
    // whatever they typed, nothing in a reply may ping anyone, on any platform, whatever the adapter escapes.
    private static InteractionResponse PingsNobody(InteractionResponse response) => response with
    {
        Reply = response.Reply is null ? null : MentionNeutralizer.Neutralize(response.Reply),
        UpdateOriginal = response.UpdateOriginal is null ? null : MentionNeutralizer.Neutralize(response.UpdateOriginal),
    };

    private async Task<InteractionResponse> RunAsync(IPeerSubcommand subcommand, CommandContext context, IReadOnlyList<string> args, CancellationToken cancellationToken)
    {
        if (subcommand.Audience == CommandAudience.Staff && !_auth.IsStaff(context.Actor))
        {
            return Replies.Text(_auth.Refuse(context, subcommand.Name, null, null, "not a facilitator or coordinator"));
        }

        return await subcommand.ExecuteAsync(context, args, cancellationToken).ConfigureAwait(false);
    }

    private InteractionResponse Help(Person person)
    {
        var staff = _auth.IsStaff(person);
        var blocks = new List<MessageBlock> { new HeadingBlock("What you can run with /peer") };

        // Facilitators and coordinators come to help for their own commands, so those lead.
        if (staff)
        {
            blocks.Add(new HeadingBlock(person.Role == Configuration.PersonRole.Coordinator ? "For coordinators (every group)" : "For facilitators (your groups)"));
            blocks.Add(new ListBlock(_subcommands.Values.Where(s => s.Audience == CommandAudience.Staff).Select(Line).ToList()));
            blocks.Add(new ParagraphBlock("Name a group in quotes when it has spaces, like /peer flags \"Tuesday Circle\". Inside a group's channel the group is implied."));
            blocks.Add(new HeadingBlock("For everyone"));
        }

        blocks.Add(new ListBlock(
        [
            [new TextSpan("/peer help", SpanStyle.Code), new TextSpan(": this list")],
            .. _subcommands.Values.Where(s => s.Audience == CommandAudience.Everyone).Select(Line),
        ]));
        return InteractionResponse.Message(new OutgoingMessage(blocks, []));

        static IReadOnlyList<TextSpan> Line(IPeerSubcommand s) => [new TextSpan("/peer " + s.Usage, SpanStyle.Code), new TextSpan(": " + s.Summary)];
    }

    private async Task<InteractionResponse> CheckInAsync(ButtonPress press, Person person, string checkInId, int score, CancellationToken cancellationToken)
    {
        var result = await _checkIns.RecordAnswerAsync(checkInId, person.Id, score, cancellationToken).ConfigureAwait(false);
        if (!result.Succeeded)
        {
            return Replies.Text(result.Error!);
        }

        var group = press.Message is null ? null : _groups.FindByChannel(press.Message.Channel);
        if (group is not null)
        {
            _stats.Increment(group.Id, StatKind.PromptsAnswered, _time.GetUtcNow());
        }

        return Replies.Text(result.Value!);
    }

    private async Task HandleDirectMessageAsync(IncomingMessage message, CancellationToken cancellationToken)
    {
        var platform = _platforms.Find(message.Platform);
        if (platform is null)
        {
            return;
        }

        var person = _people.FindByPlatformUser(message.Platform, message.AuthorUserId);
        OutgoingMessage reply;
        if (person is null)
        {
            reply = OutgoingMessage.Plain(NotOnRoster);
        }
        else if (message.HasAttachments)
        {
            reply = OutgoingMessage.Plain("Anonymous posts can't carry files or images, because they can reveal who shared them. Please send your words as text only; nothing was posted.");
        }
        else
        {
            reply = StartDraft(person, message.Text);
        }

        try
        {
            await platform.SendDirectMessageAsync(message.AuthorUserId, MentionNeutralizer.Neutralize(reply), cancellationToken).ConfigureAwait(false);
        }
        catch (PlatformException ex)
        {
            LogDirectReplyFailed(ex.Kind);
        }
    }

    private OutgoingMessage StartDraft(Person person, string text)
    {
        var now = _time.GetUtcNow();
        foreach (var stale in _drafts.Where(d => now - d.Value.CreatedAt > DraftLifetime).ToList())
        {
            _drafts.TryRemove(stale.Key, out _);
        }

        if (!_sharing.Enabled)
        {
            return OutgoingMessage.Plain("Anonymous sharing is turned off in this program. /peer help shows what you can do.");
        }

        var mine = _groups.GroupsOfMember(person.Id);
        if (mine.Count == 0)
        {
            return OutgoingMessage.Plain(ShareCommand.NoGroupToShareIn(person, _auth.IsStaff(person), "/peer help shows what you can do."));
        }

        if (string.IsNullOrWhiteSpace(text))
        {
            return OutgoingMessage.Plain("Send me what you'd like to share and I'll post it to your group as \"Anonymous member\".");
        }

        var token = Convert.ToHexString(RandomNumberGenerator.GetBytes(8));
        _drafts[token] = new ShareDraft(person.Id, text, mine.Select(g => g.Id).ToList(), now);
        var buttons = mine.Take(5).Select((g, i) => new MessageButton($"Share in {g.Name}", $"share:{token}:{i}", ButtonStyle.Primary))
            .Append(new MessageButton("Cancel", $"share:{token}:cancel"))
            .ToList();
        return new OutgoingMessage(
            [
                new ParagraphBlock(mine.Count == 1
                    ? $"Share this anonymously in {mine[0].Name}? It will appear as \"Anonymous member\" after a short random delay."
                    : "Share this anonymously? Choose the group; it will appear as \"Anonymous member\" after a short random delay."),
                new QuoteBlock(text),
            ],
            buttons);
    }

    private async Task<InteractionResponse> ShareDraftAsync(Person person, string token, string choice, CancellationToken cancellationToken)
    {
        if (!_drafts.TryGetValue(token, out var draft) || !string.Equals(draft.PersonId, person.Id, StringComparison.OrdinalIgnoreCase)
            || _time.GetUtcNow() - draft.CreatedAt > DraftLifetime)
        {
            return Replies.Text("That draft has expired. Please send your message to me again.");
        }

        if (choice == "cancel")
        {
            _drafts.TryRemove(token, out _);
            return new InteractionResponse(OutgoingMessage.Plain("Cancelled; nothing was shared."), UpdateOriginal: OutgoingMessage.Plain("(cancelled)"));
        }

        if (!int.TryParse(choice, NumberStyles.Integer, CultureInfo.InvariantCulture, out var index) || index < 0 || index >= draft.GroupIds.Count)
        {
            return Replies.Text("That choice has expired. Please send your message to me again.");
        }

        var result = await _sharing.Submission.SubmitAsync(new ShareRequest(person, draft.GroupIds[index], draft.Text), cancellationToken).ConfigureAwait(false);
        if (result.Succeeded || !result.Error!.StartsWith("Something went wrong", StringComparison.Ordinal))
        {
            _drafts.TryRemove(token, out _);
        }

        return result.Succeeded
            ? new InteractionResponse(result.Value!.Reply, UpdateOriginal: OutgoingMessage.Plain("(shared)"))
            : Replies.Text(result.Error!);
    }

    private sealed record ShareDraft(string PersonId, string Text, IReadOnlyList<string> GroupIds, DateTimeOffset CreatedAt);

    [LoggerMessage(Level = LogLevel.Warning, Message = "A form with an unknown id '{FormId}' was submitted.")]
    private partial void LogUnknownForm(string formId);

    [LoggerMessage(Level = LogLevel.Warning, Message = "A button with an unknown action '{Action}' was pressed.")]
    private partial void LogUnknownButton(string action);

    [LoggerMessage(Level = LogLevel.Error, Message = "The safety check of a message in group {GroupId} failed ({ExceptionType}).")]
    private partial void LogSafetyFailed(string groupId, string exceptionType);

    [LoggerMessage(Level = LogLevel.Warning, Message = "A private reply to a direct message could not be sent ({Kind}).")]
    private partial void LogDirectReplyFailed(PlatformErrorKind kind);
}
