using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using PeerBot.Core.Configuration;
using PeerBot.Core.Digest;
using PeerBot.Core.Groups;
using PeerBot.Core.People;
using PeerBot.Core.Platform;
using PeerBot.Core.Sharing;

namespace PeerBot.Core.Prompts;

/// <summary>Reset check-ins: a one-tap question whose answers are anonymous and only shared as a group total.</summary>
public interface ICheckInService : ICheckInAnswers
{
    /// <summary>Posts a check-in in a group now.</summary>
    Task<OperationResult<PromptOutcome>> PostCheckInAsync(string groupId, CancellationToken cancellationToken);

    /// <summary>Closes check-ins whose window has passed and shares their totals.</summary>
    Task CloseDueAsync(CancellationToken cancellationToken);
}

/// <summary>
/// Reset check-ins. The store keeps only counts per score and a one-way mark of who answered (to refuse a second
/// answer: HMAC of the check-in id and the person under the anonymity key, which is never in the database), never who
/// answered what. The total is posted once, when the check-in closes (everyone answered, or its
/// window passed), and only when at least <see cref="MinAnswersToShare"/> answered, so no single answer can be singled out.
/// </summary>
public sealed class CheckInService : ICheckInService, IDisposable
{
    /// <summary>Fewest answers for a total to be shared.</summary>
    public const int MinAnswersToShare = 3;

    /// <summary>Prefix of the check-in buttons' action ids: <c>checkin:&lt;id&gt;:&lt;1..5&gt;</c>.</summary>
    public const string ActionPrefix = "checkin:";

    /// <summary>The question.</summary>
    public const string Question = "How are you arriving this week?";

    private static readonly string[] Labels = ["1 · Running on empty", "2 · Rough", "3 · Getting by", "4 · Steady", "5 · Good"];

    private readonly IPromptStore _store;
    private readonly IPeopleDirectory _people;
    private readonly IGroupDirectory _groups;
    private readonly IPlatformRegistry _platforms;
    private readonly IAuthorHandles _marks;
    private readonly IOptionsMonitor<PeerBotOptions> _options;
    private readonly TimeProvider _time;
    private readonly ILogger<CheckInService> _logger;
    private readonly SemaphoreSlim _gate = new(1, 1);
    private readonly DigestRecorder? _digest;

    /// <summary>Creates the service.</summary>
    public CheckInService(IPromptStore store, IPeopleDirectory people, IGroupDirectory groups, IPlatformRegistry platforms, IAuthorHandles marks, IOptionsMonitor<PeerBotOptions> options, TimeProvider time, ILogger<CheckInService> logger, DigestRecorder? digest = null)
    {
        _digest = digest;
        _marks = marks;
        _store = store;
        _people = people;
        _groups = groups;
        _platforms = platforms;
        _options = options;
        _time = time;
        _logger = logger;
    }

    /// <summary>Reads a check-in button's action id.</summary>
    public static bool TryParseAction(string actionId, out string checkInId, out int score)
    {
        checkInId = "";
        score = 0;
        if (actionId is null || !actionId.StartsWith(ActionPrefix, StringComparison.Ordinal))
        {
            return false;
        }

        var rest = actionId[ActionPrefix.Length..];
        var colon = rest.LastIndexOf(':');
        if (colon <= 0 || !int.TryParse(rest.AsSpan(colon + 1), NumberStyles.None, CultureInfo.InvariantCulture, out score) || score is < 1 or > 5)
        {
            score = 0;
            return false;
        }

        checkInId = rest[..colon];
        return true;
    }

    /// <inheritdoc />
    public void Dispose() => _gate.Dispose();

    /// <inheritdoc />
    public Task<OperationResult<PromptOutcome>> PostCheckInAsync(string groupId, CancellationToken cancellationToken) =>
        PostAsync(groupId, null, cancellationToken);

    /// <summary>Posts a check-in, with a key so a retried scheduled post is not duplicated.</summary>
    public async Task<OperationResult<PromptOutcome>> PostAsync(string groupId, string? idempotencyKey, CancellationToken cancellationToken)
    {
        var group = _groups.Find(groupId);
        if (group is null)
        {
            return OperationResult<PromptOutcome>.Failure($"There is no group '{groupId}'.");
        }

        if (group.Channel is null || _platforms.Find(group.Platform) is not { } platform)
        {
            return OperationResult<PromptOutcome>.Failure($"{group.Name} has no channel yet; try again in a minute.");
        }

        // A scheduled check-in retried after a crash gets the same id, so its record is replaced, not doubled.
        var id = idempotencyKey is null ? NewId() : Convert.ToHexString(SHA256.HashData(Encoding.UTF8.GetBytes(idempotencyKey)))[..12].ToLowerInvariant();
        var now = _time.GetUtcNow();
        var message = new OutgoingMessage(
            [
                new HeadingBlock("Reset check-in"),
                new ParagraphBlock(Question),
                new ParagraphBlock([new TextSpan($"Tap one. Answers are anonymous: only the group's total is shared, and only once at least {MinAnswersToShare} of you have answered.", SpanStyle.Italic)]),
            ],
            Labels.Select((label, i) => new MessageButton(label, $"{ActionPrefix}{id}:{i + 1}")).ToList(),
            idempotencyKey ?? $"checkin:{groupId}:{id}");
        MessageRef posted;
        try
        {
            posted = await platform.PostMessageAsync(group.Channel, message, cancellationToken).ConfigureAwait(false);
        }
        catch (PlatformException ex)
        {
            _logger.LogWarning(ex, "Posting a check-in in group {GroupId} failed ({Kind})", groupId, ex.Kind);
            return OperationResult<PromptOutcome>.Failure($"{group.Platform} did not take the check-in ({ex.Kind}); nothing was posted. Try again shortly.");
        }

        _store.SaveCheckIn(new CheckInRecord
        {
            Id = id,
            GroupId = groupId,
            Platform = group.Platform.ToString(),
            ChannelId = group.Channel.Id,
            MessageId = posted.Id,
            MemberCount = group.MemberIds.Count,
            OpenedAt = now,
            ClosesAt = now + _options.CurrentValue.Prompts.CheckInWindow,
        });
        _store.AppendPosted(new PostedPrompt { GroupId = groupId, PromptId = id, How = "checkin", At = now });
        return OperationResult<PromptOutcome>.Success(new PromptOutcome(groupId, ActionPrefix + id, Question, null));
    }

    /// <inheritdoc />
    public async Task<OperationResult<string>> RecordAnswerAsync(string checkInId, string personId, int score, CancellationToken cancellationToken)
    {
        if (score is < 1 or > 5)
        {
            return OperationResult<string>.Failure("Answers go from 1 to 5.");
        }

        await _gate.WaitAsync(cancellationToken).ConfigureAwait(false);
        CheckInRecord? toClose = null;
        try
        {
            var checkIn = _store.FindCheckIn(checkInId);
            if (checkIn is null)
            {
                return OperationResult<string>.Failure("That check-in is no longer open.");
            }

            if (checkIn.Closed)
            {
                return OperationResult<string>.Failure("That check-in has closed. Thanks for wanting to answer; there will be another.");
            }

            var group = _groups.Find(checkIn.GroupId);
            if (group is null || !group.MemberIds.Contains(personId, StringComparer.OrdinalIgnoreCase))
            {
                return OperationResult<string>.Failure("This check-in is for the group's members.");
            }

            var handle = _marks.ScopedMarkOf(MarkScope(checkIn.Id), personId);
            if (checkIn.AnsweredHandles.Contains(handle, StringComparer.Ordinal))
            {
                return OperationResult<string>.Failure("You have already answered this one. Answers cannot be changed, so nobody can work out yours.");
            }

            checkIn.Counts[score - 1]++;
            checkIn.AnsweredHandles.Add(handle);
            checkIn.AnsweredHandles.Sort(StringComparer.Ordinal);
            _store.SaveCheckIn(checkIn);
            if (checkIn.Answered >= checkIn.MemberCount)
            {
                toClose = checkIn;
            }
        }
        finally
        {
            _gate.Release();
        }

        if (toClose is not null)
        {
            await CloseAsync(toClose, cancellationToken).ConfigureAwait(false);
        }

        return OperationResult<string>.Success(
            $"Thanks, your answer is in. Only the group's total is shared, once at least {MinAnswersToShare} people have answered; nobody sees yours.");
    }

    /// <inheritdoc />
    public async Task<int> ForgetAnswererAsync(string personId, CancellationToken cancellationToken)
    {
        ArgumentException.ThrowIfNullOrEmpty(personId);
        await _gate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            var erased = 0;
            foreach (var checkIn in _store.OpenCheckIns())
            {
                if (checkIn.AnsweredHandles.Remove(_marks.ScopedMarkOf(MarkScope(checkIn.Id), personId)))
                {
                    _store.SaveCheckIn(checkIn);
                    erased++;
                }
            }

            return erased;
        }
        finally
        {
            _gate.Release();
        }
    }

    /// <summary>
    /// Answers a pressed check-in button for the <c>/peer</c> dispatcher: null when the button is not a check-in's,
    /// otherwise the private reply for the person who pressed it.
    /// </summary>
    public async Task<InteractionResponse?> TryHandleButtonAsync(ButtonPress press, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(press);
        if (!TryParseAction(press.ActionId, out var checkInId, out var score))
        {
            return null;
        }

        var person = _people.FindByPlatformUser(press.Platform, press.UserId);
        if (person is null)
        {
            return InteractionResponse.Text("This check-in is for the group's members.");
        }

        var result = await RecordAnswerAsync(checkInId, person.Id, score, cancellationToken).ConfigureAwait(false);
        return InteractionResponse.Text(result.Succeeded ? result.Value! : result.Error!);
    }

    /// <inheritdoc />
    public async Task CloseDueAsync(CancellationToken cancellationToken)
    {
        var now = _time.GetUtcNow();
        foreach (var checkIn in _store.OpenCheckIns().Where(c => c.ClosesAt <= now).ToList())
        {
            await CloseAsync(checkIn, cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>When the next open check-in closes, or null.</summary>
    public DateTimeOffset? NextClose() =>
        _store.OpenCheckIns().Select(c => (DateTimeOffset?)c.ClosesAt).DefaultIfEmpty(null).Min();

    /// <summary>The total shared for a closed check-in: rough weeks (1 or 2) out of those who answered.</summary>
    public static string Tally(IReadOnlyList<int> counts)
    {
        ArgumentNullException.ThrowIfNull(counts);
        var answered = counts.Sum();
        if (answered < MinAnswersToShare)
        {
            return $"Fewer than {MinAnswersToShare} people answered this check-in, so no total is shared. Thank you to those who did.";
        }

        var rough = counts[0] + counts[1];
        return rough switch
        {
            0 => $"{answered} of you checked in, and nobody marked a rough week. Good to hear.",
            _ when rough == answered => $"All {answered} of you who answered had a rough week: you are not alone, and this group is a place to say so.",
            _ => $"{rough} of {answered} of you had a rough week: you are not alone.",
        };
    }

    private async Task CloseAsync(CheckInRecord checkIn, CancellationToken cancellationToken)
    {
        if (!Enum.TryParse<PlatformKind>(checkIn.Platform, out var kind) || _platforms.Find(kind) is not { } platform)
        {
            _logger.LogWarning("Check-in {CheckInId} cannot be closed: its platform {Platform} is not enabled", checkIn.Id, checkIn.Platform);
            return;
        }

        var channel = new ChannelRef(kind, checkIn.ChannelId);
        var tally = Tally(checkIn.Counts);
        try
        {
            await platform.PostMessageAsync(channel, OutgoingMessage.Plain(tally, $"checkin-tally:{checkIn.Id}"), cancellationToken).ConfigureAwait(false);
            await platform.UpdateMessageAsync(
                new MessageRef(channel, checkIn.MessageId),
                new OutgoingMessage([new HeadingBlock("Reset check-in (closed)"), new ParagraphBlock(Question)], []),
                cancellationToken).ConfigureAwait(false);
        }
        catch (PlatformException ex) when (ex.Kind == PlatformErrorKind.NotFound)
        {
            // The channel or the message is gone; the check-in is closed all the same.
            _logger.LogWarning("Check-in {CheckInId} closed without its total: its message or channel is gone", checkIn.Id);
        }
        catch (PlatformException ex)
        {
            _logger.LogWarning(ex, "Closing check-in {CheckInId} failed ({Kind}); it is retried", checkIn.Id, ex.Kind);
            return;
        }

        await _gate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            var current = _store.FindCheckIn(checkIn.Id) ?? checkIn;
            var wasOpen = !current.Closed;
            current.Closed = true;

            // A closed check-in takes no answers, so the marks of who answered have no use left: only the counts stay.
            current.AnsweredHandles.Clear();
            _store.SaveCheckIn(current);

            // Only the total the group was told about is counted, once, and only where enough answered to share it.
            if (wasOpen)
            {
                _digest?.CheckInClosed(current.GroupId, current.Counts, _time.GetUtcNow());
            }
        }
        finally
        {
            _gate.Release();
        }
    }

    private static string NewId() => Convert.ToHexString(RandomNumberGenerator.GetBytes(6)).ToLowerInvariant();

    private static string MarkScope(string checkInId) => "checkin:" + checkInId;
}
