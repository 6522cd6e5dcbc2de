using System.Security.Cryptography;
using Humanizer;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using PeerBot.Core.Configuration;
using PeerBot.Core.Groups;
using PeerBot.Core.People;
using PeerBot.Core.Platform;
using PeerBot.Core.Sharing;

namespace PeerBot.Core.Safety;

/// <summary>
/// Delivers a stored alert privately: a DM to each of the group's facilitators, psychologists first for
/// crisis (and, when the group has none, the roster's psychologists), and the crisis resources reply to a
/// named author. A coping note goes to the group's psychologists only (to its facilitators when it has none), and
/// nothing to its author. Progress is written to the store after each send, so a retry reaches only those not yet
/// reached, and idempotency keys stop a retried send from posting twice.
/// </summary>
public sealed partial class AlertDelivery : IDisposable
{
    private readonly IAlertStore _store;
    private readonly IGroupDirectory _groups;
    private readonly IPeopleDirectory _people;
    private readonly IPlatformRegistry _platforms;
    private readonly SafetyOptions _options;
    private readonly ILogger<AlertDelivery> _logger;
    private readonly SemaphoreSlim _writes = new(1, 1);
    private readonly Dictionary<string, DeliveryGate> _gates = new(StringComparer.Ordinal);

    /// <summary>Creates the delivery.</summary>
    public AlertDelivery(
        IAlertStore store,
        IGroupDirectory groups,
        IPeopleDirectory people,
        IPlatformRegistry platforms,
        IOptions<PeerBotOptions> options,
        ILogger<AlertDelivery> logger)
    {
        ArgumentNullException.ThrowIfNull(options);
        _store = store;
        _groups = groups;
        _people = people;
        _platforms = platforms;
        _options = options.Value.Safety;
        _logger = logger;
    }

    /// <inheritdoc />
    public void Dispose() => _writes.Dispose();

    /// <summary>
    /// Delivers what is still due for an alert; returns the updated record (delivered or not). One delivery of an
    /// alert runs at a time, and each starts from what the store says was already sent: the delivery at raise time
    /// and the maintenance retry of the same alert (which sees it undelivered while its copies are on their way)
    /// would otherwise both send a facilitator the alert.
    /// </summary>
    public async Task<AlertRecord> DeliverAsync(AlertRecord alert, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(alert);
        var gate = EnterGate(alert.Id);
        try
        {
            await gate.Semaphore.WaitAsync(cancellationToken).ConfigureAwait(false);
        }
        catch
        {
            LeaveGate(alert.Id, gate, entered: false);
            throw;
        }

        try
        {
            var current = await _store.FindAsync(alert.Id, cancellationToken).ConfigureAwait(false) ?? alert;
            return await DeliverOnceAsync(current, cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            LeaveGate(alert.Id, gate, entered: true);
        }
    }

    private DeliveryGate EnterGate(string alertId)
    {
        lock (_gates)
        {
            if (!_gates.TryGetValue(alertId, out var gate))
            {
                gate = new DeliveryGate();
                _gates[alertId] = gate;
            }

            gate.Users++;
            return gate;
        }
    }

    private void LeaveGate(string alertId, DeliveryGate gate, bool entered)
    {
        if (entered)
        {
            gate.Semaphore.Release();
        }

        lock (_gates)
        {
            if (--gate.Users == 0)
            {
                _gates.Remove(alertId);
                gate.Semaphore.Dispose();
            }
        }
    }

    private async Task<AlertRecord> DeliverOnceAsync(AlertRecord alert, CancellationToken cancellationToken)
    {
        var group = _groups.Find(alert.GroupId);
        var platform = group is null ? null : _platforms.Find(group.Platform);
        if (group is null || platform is null)
        {
            LogNoRoute(alert.Id, alert.GroupId);
            return await ChangeAsync(alert, a => a with { DeliveryAttempts = a.DeliveryAttempts + 1 }, cancellationToken).ConfigureAwait(false);
        }

        var complete = true;
        var recipients = Recipients(alert, group);
        var psychologistsFirst = alert.Kind == AlertKind.Crisis
            ? recipients.TakeWhile(p => _people.Find(p)?.Role == PersonRole.Psychologist).Count()
            : 0;
        for (var i = 0; i < recipients.Count; i++)
        {
            if (i == psychologistsFirst && alert.Kind == AlertKind.Crisis)
            {
                // The professional hears first; then the person in crisis gets resources at once, before the rest.
                (alert, var replied) = await ReplyToAuthorAsync(alert, group, platform, cancellationToken).ConfigureAwait(false);
                complete &= replied;
            }

            (alert, var sent) = await SendToAsync(alert, group, platform, recipients[i], cancellationToken).ConfigureAwait(false);
            complete &= sent;
        }

        if (alert.Kind == AlertKind.Crisis && psychologistsFirst == recipients.Count)
        {
            (alert, var replied) = await ReplyToAuthorAsync(alert, group, platform, cancellationToken).ConfigureAwait(false);
            complete &= replied;
        }

        if (alert.DeliveredTo.Count == 0)
        {
            LogNobodyReached(alert.Id, alert.GroupId);
            complete = false;
        }

        return await ChangeAsync(alert, a => a with { Delivered = complete, DeliveryAttempts = a.DeliveryAttempts + 1 }, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>
    /// Applies a change to the stored alert (or to <paramref name="alert"/> when the store no longer has it) and
    /// writes it. Changes go one at a time and each starts from the stored record, so delivery progress and a
    /// facilitator's acknowledgement or resolution, which can happen while the alert is still being sent, never
    /// overwrite each other.
    /// </summary>
    public async Task<AlertRecord> ChangeAsync(AlertRecord alert, Func<AlertRecord, AlertRecord> change, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(alert);
        ArgumentNullException.ThrowIfNull(change);
        await _writes.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            var current = await _store.FindAsync(alert.Id, cancellationToken).ConfigureAwait(false) ?? alert;
            var changed = change(current);
            await _store.UpdateAsync(changed, cancellationToken).ConfigureAwait(false);
            return changed;
        }
        finally
        {
            _writes.Release();
        }
    }

    /// <summary>
    /// Updates the alert messages already delivered (after an acknowledgement, a resolution or a purge of excerpts).
    /// </summary>
    /// <returns>
    /// True when every message now shows the alert as stored, or is gone for good (deleted, or its platform no longer
    /// configured); false when one could not be updated for now (the platform unavailable, rate limited).
    /// </returns>
    public async Task<bool> RefreshAsync(AlertRecord alert, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(alert);
        var group = _groups.Find(alert.GroupId);
        var all = true;
        foreach (var delivered in alert.DeliveredTo)
        {
            all &= await RefreshOneAsync(alert, group, delivered, cancellationToken).ConfigureAwait(false);
        }

        return all;
    }

    /// <summary>
    /// Carries a purge of the alert's excerpts to the messages already delivered, and records it once they all show it
    /// (<see cref="AlertRecord.PurgeShown"/>); a message that could not be edited for now is tried again on a later pass.
    /// </summary>
    /// <returns>True when the purge is now shown everywhere.</returns>
    public async Task<bool> ShowPurgeAsync(AlertRecord alert, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(alert);
        if (!await RefreshAsync(alert, cancellationToken).ConfigureAwait(false))
        {
            return false;
        }

        // From the stored record: a delivery since the list was read reached someone with the purged text already.
        await ChangeAsync(alert, a => a.ExcerptsPurgedAt is null ? a : a with { PurgeShown = true }, cancellationToken).ConfigureAwait(false);
        return true;
    }

    /// <summary>
    /// For <c>/peer forget-me</c>: purges the excerpts of the alerts that may hold the person's words (crisis and coping
    /// alerts about them; every spiral alert of their groups, since a spiral's excerpts name no author) and edits the
    /// messages already delivered. Counts, categories and handling stay.
    /// </summary>
    /// <param name="authorKeys">The person id and anonymity handle.</param>
    /// <param name="groupIds">The groups the person belongs to.</param>
    /// <param name="now">The time of the purge.</param>
    /// <param name="cancellationToken">Cancels the work.</param>
    /// <returns>How many alerts lost their excerpts.</returns>
    public async Task<int> ForgetExcerptsAsync(IReadOnlyCollection<string> authorKeys, IReadOnlyCollection<string> groupIds, DateTimeOffset now, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(authorKeys);
        ArgumentNullException.ThrowIfNull(groupIds);
        if (groupIds.Count == 0)
        {
            return 0;
        }

        var alerts = await _store.ListAsync(groupIds, includeResolved: true, cancellationToken).ConfigureAwait(false);
        var count = 0;
        foreach (var alert in alerts)
        {
            var purge = alert.ExcerptsPurgedAt is null && MayHoldWordsOf(alert, authorKeys);

            // Their answer to "may someone reach out?" is theirs too, and goes with their flags.
            var answer = IsAbout(alert, authorKeys) && (alert.AuthorAnswerToken is not null || alert.AuthorAnswer is not null);
            if (!purge && !answer)
            {
                continue;
            }

            var changed = await ChangeAsync(alert, a =>
            {
                var b = purge && a.ExcerptsPurgedAt is null ? a.Purged(now) : a;
                return answer ? b.WithoutAuthorAnswer() : b;
            }, cancellationToken).ConfigureAwait(false);
            if (purge)
            {
                count++;
                await ShowPurgeAsync(changed, cancellationToken).ConfigureAwait(false);
            }
            else
            {
                await RefreshAsync(changed, cancellationToken).ConfigureAwait(false);
            }
        }

        return count;
    }

    /// <summary>The alerts of <paramref name="groupIds"/> raised about the named member <paramref name="personId"/>, newest first.</summary>
    public async Task<IReadOnlyList<AlertSummary>> AlertsAboutAsync(string personId, IReadOnlyCollection<string> groupIds, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(personId);
        ArgumentNullException.ThrowIfNull(groupIds);
        if (groupIds.Count == 0)
        {
            return [];
        }

        var alerts = await _store.ListAsync(groupIds, includeResolved: true, cancellationToken).ConfigureAwait(false);
        return alerts.Where(a => string.Equals(a.AuthorPersonId, personId, StringComparison.OrdinalIgnoreCase)).Select(a => a.ToSummary()).ToList();
    }

    private static bool MayHoldWordsOf(AlertRecord alert, IReadOnlyCollection<string> authorKeys) =>
        alert.Kind == AlertKind.Spiral || IsAbout(alert, authorKeys);

    private static bool IsAbout(AlertRecord alert, IReadOnlyCollection<string> authorKeys) =>
        authorKeys.Contains(alert.AuthorPersonId ?? "", StringComparer.OrdinalIgnoreCase)
        || authorKeys.Contains(alert.AuthorKey ?? "", StringComparer.Ordinal);

    private async Task<bool> RefreshOneAsync(AlertRecord alert, GroupInfo? group, DeliveredAlertMessage delivered, CancellationToken cancellationToken)
    {
        var platform = _platforms.Find(delivered.Message.Channel.Platform);
        if (platform is null)
        {
            return true;
        }

        try
        {
            var content = AlertMessageBuilder.Build(alert, group, AuthorName(alert), personName: PersonName, crisisResources: _options.CrisisMessage);
            await platform.UpdateMessageAsync(delivered.Message, content, cancellationToken).ConfigureAwait(false);
            return true;
        }
        catch (PlatformException ex)
        {
            LogRefreshFailed(ex, alert.Id, delivered.PersonId, ex.Kind);

            // A message deleted (by its reader, or with the DM) or no longer reachable shows nothing any more.
            return ex.Kind is PlatformErrorKind.NotFound or PlatformErrorKind.MissingPermission or PlatformErrorKind.CannotMessageUser;
        }
    }

    private List<string> Recipients(AlertRecord alert, GroupInfo group)
    {
        var facilitators = group.FacilitatorIds.Distinct(StringComparer.OrdinalIgnoreCase).ToList();
        if (alert.Kind == AlertKind.Coping)
        {
            // A quiet note for the group's psychologist; a group without one has only its facilitators to notice.
            var groupPsychologists = facilitators.Where(IsPsychologist).ToList();
            return groupPsychologists.Count > 0 ? groupPsychologists : facilitators;
        }

        if (alert.Kind != AlertKind.Crisis)
        {
            return facilitators;
        }

        var psychologists = facilitators.Where(IsPsychologist).ToList();
        if (psychologists.Count == 0)
        {
            // A crisis must reach a professional: when the group has no psychologist, the roster's do.
            psychologists = _people.All.Where(p => p.Role == PersonRole.Psychologist && _people.PlatformUserId(p.Id, group.Platform) is not null)
                .Select(p => p.Id)
                .ToList();
        }

        return psychologists.Concat(facilitators.Where(f => !psychologists.Contains(f, StringComparer.OrdinalIgnoreCase))).ToList();
    }

    private bool IsPsychologist(string personId) => _people.Find(personId)?.Role == PersonRole.Psychologist;

    /// <summary>The display name of a person id for a facilitator to read (the id itself when nobody has it).</summary>
    /// <param name="personId">The person's id.</param>
    public string DisplayName(string personId) => PersonName(personId) ?? personId;

    private string? PersonName(string personId) => _people.Find(personId)?.Name;

    private string? AuthorName(AlertRecord alert) =>
        alert.AuthorPersonId is null ? null : _people.Find(alert.AuthorPersonId)?.Name ?? alert.AuthorPersonId;

    private async Task<(AlertRecord Alert, bool Sent)> SendToAsync(
        AlertRecord alert, GroupInfo group, IChatPlatform platform, string personId, CancellationToken cancellationToken)
    {
        if (alert.DeliveredTo.Any(d => string.Equals(d.PersonId, personId, StringComparison.OrdinalIgnoreCase)))
        {
            return (alert, true);
        }

        var userId = _people.PlatformUserId(personId, group.Platform);
        if (userId is null)
        {
            LogNoUserId(alert.Id, personId, group.Platform);
            return (alert, false);
        }

        try
        {
            var message = AlertMessageBuilder.Build(alert, group, AuthorName(alert), $"alert-{alert.Id}-{personId}", PersonName, _options.CrisisMessage);
            var sentWith = alert.Status;
            var sent = await platform.SendDirectMessageAsync(userId, message, cancellationToken).ConfigureAwait(false);
            var delivered = new DeliveredAlertMessage(personId, sent);
            alert = await ChangeAsync(alert, a => a with { DeliveredTo = [.. a.DeliveredTo, delivered] }, cancellationToken).ConfigureAwait(false);
            LogDelivered(alert.Id, alert.Kind, personId);
            if (alert.Status != sentWith)
            {
                // Someone acknowledged or resolved it while this copy was on its way: it must not offer stale buttons.
                await RefreshOneAsync(alert, group, delivered, cancellationToken).ConfigureAwait(false);
            }

            return (alert, true);
        }
        catch (PlatformException ex)
        {
            LogSendFailed(ex, alert.Id, personId, ex.Kind);
            return (alert, false);
        }
    }

    private async Task<(AlertRecord Alert, bool Sent)> ReplyToAuthorAsync(AlertRecord alert, GroupInfo group, IChatPlatform platform, CancellationToken cancellationToken)
    {
        if (alert.AuthorReplied || alert.AuthorPersonId is null)
        {
            // Anonymous authors are answered by the sharing feature, the only part that can reach them.
            return (alert with { AuthorReplied = true }, true);
        }

        var userId = _people.PlatformUserId(alert.AuthorPersonId, platform.Kind);
        if (userId is null)
        {
            LogNoUserId(alert.Id, alert.AuthorPersonId, platform.Kind);
            return (alert, false);
        }

        try
        {
            // The token is stored before the reply is sent, so a retried send carries the same buttons.
            alert = await ChangeAsync(alert, a => a.AuthorAnswerToken is null ? a with { AuthorAnswerToken = NewToken() } : a, cancellationToken).ConfigureAwait(false);
            await platform.SendDirectMessageAsync(userId, AuthorReply(alert, group), cancellationToken).ConfigureAwait(false);
            alert = await ChangeAsync(alert, a => a with { AuthorReplied = true }, cancellationToken).ConfigureAwait(false);

            // The psychologist heard first, before the author was asked: their copy now says the author knows and was asked.
            if (alert.DeliveredTo.Count > 0)
            {
                await RefreshAsync(alert, cancellationToken).ConfigureAwait(false);
            }

            return (alert, true);
        }
        catch (PlatformException ex)
        {
            LogReplyFailed(ex, alert.Id, ex.Kind);
            return (alert, false);
        }
    }

    /// <summary>The action id of the author's "I'm OK for now" button.</summary>
    public static string OkForNowAction(string token) => "crisis:ok:" + token;

    /// <summary>The action id of the author's "Please reach out" button.</summary>
    public static string ReachOutAction(string token) => "crisis:reach:" + token;

    // The resources, then honestly who was told, and a choice: the person in crisis is not left wondering whether anyone knows.
    private OutgoingMessage AuthorReply(AlertRecord alert, GroupInfo group)
    {
        var told = Recipients(alert, group);
        var psychologists = told.Where(IsPsychologist).ToList();
        var reached = alert.DeliveredTo.Any(d => psychologists.Contains(d.PersonId, StringComparer.OrdinalIgnoreCase))
            || (psychologists.Count == 0 && alert.DeliveredTo.Count > 0);
        var verb = reached ? "I've also let" : "I'm also letting";
        string who;
        if (psychologists.Count > 0)
        {
            var names = psychologists.Select(DisplayName).Humanize();
            var others = told.Count > psychologists.Count ? " Your group's facilitators know too." : "";
            who = $"{verb} {(psychologists.Count == 1 ? "your group's psychologist" : "the program's psychologists")}, {names}, know privately, so they can check on you.{others}";
        }
        else
        {
            who = $"{verb} your group's facilitators, {told.Select(DisplayName).Humanize()}, know privately, so they can check on you.";
        }

        return new OutgoingMessage(
            [
                new ParagraphBlock(_options.CrisisMessage),
                new ParagraphBlock(who + " Nobody else in the group was told."),
                new ParagraphBlock("Would you like someone to reach out to you? There's no wrong answer, and you can change it later."),
            ],
            [
                new MessageButton("I'm OK for now", OkForNowAction(alert.AuthorAnswerToken!)),
                new MessageButton("Please reach out", ReachOutAction(alert.AuthorAnswerToken!), ButtonStyle.Primary),
            ],
            $"crisis-reply-{alert.Id}");
    }

    /// <summary>
    /// Who the author of a crisis alert was told knows: the psychologists it went to, or the group's facilitators when
    /// there are none; for the answers to their buttons.
    /// </summary>
    public string ContactNames(AlertRecord alert)
    {
        ArgumentNullException.ThrowIfNull(alert);
        var group = _groups.Find(alert.GroupId);
        if (group is null)
        {
            return "your group's psychologist";
        }

        var told = Recipients(alert, group);
        var psychologists = told.Where(IsPsychologist).ToList();
        return (psychologists.Count > 0 ? psychologists : told).Select(DisplayName).Humanize();
    }

    private static string NewToken() => AuthorHandles.Base64Url(RandomNumberGenerator.GetBytes(18));

    [LoggerMessage(Level = LogLevel.Error, Message = "Alert {AlertId}: group {GroupId} or its platform is not available; delivery will be retried.")]
    private partial void LogNoRoute(string alertId, string groupId);

    [LoggerMessage(Level = LogLevel.Error, Message = "Alert {AlertId} in group {GroupId} reached no facilitator yet; delivery will be retried.")]
    private partial void LogNobodyReached(string alertId, string groupId);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Alert {AlertId}: {PersonId} has no user id on {Platform}.")]
    private partial void LogNoUserId(string alertId, string personId, PlatformKind platform);

    [LoggerMessage(Level = LogLevel.Information, Message = "Alert {AlertId} ({Kind}) delivered to {PersonId}.")]
    private partial void LogDelivered(string alertId, AlertKind kind, string personId);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Alert {AlertId} could not be sent to {PersonId} ({Kind}); it will be retried.")]
    private partial void LogSendFailed(Exception exception, string alertId, string personId, PlatformErrorKind kind);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Crisis resources for alert {AlertId} could not be sent to the author ({Kind}); it will be retried.")]
    private partial void LogReplyFailed(Exception exception, string alertId, PlatformErrorKind kind);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Alert {AlertId}: the message to {PersonId} could not be updated ({Kind}).")]
    private partial void LogRefreshFailed(Exception exception, string alertId, string personId, PlatformErrorKind kind);

    /// <summary>Serialises the deliveries of one alert; removed when nobody waits on it.</summary>
    private sealed class DeliveryGate
    {
        public SemaphoreSlim Semaphore { get; } = new(1, 1);

        public int Users { get; set; }
    }
}
