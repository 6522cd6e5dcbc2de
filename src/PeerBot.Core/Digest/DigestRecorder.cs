using Microsoft.Extensions.Logging;
using PeerBot.Core.Commands;
using PeerBot.Core.Groups;
using PeerBot.Core.Safety;
using PeerBot.Core.Sharing;

namespace PeerBot.Core.Digest;

/// <summary>
/// Turns what Core already observes (group messages, prompts, safety flags, closed check-ins) into the digest's weekly
/// counters. Weeks are those of <see cref="StatsWeek"/> (Monday to Sunday, UTC). Counting never stops the chat: a failed
/// store write is logged and the event goes on.
/// </summary>
public sealed partial class DigestRecorder
{
    private readonly IDigestCounters _counters;
    private readonly IAuthorHandles _marks;
    private readonly ILogger<DigestRecorder> _logger;

    /// <summary>Creates the recorder.</summary>
    public DigestRecorder(IDigestCounters counters, IAuthorHandles marks, ILogger<DigestRecorder> logger)
    {
        _counters = counters;
        _marks = marks;
        _logger = logger;
    }

    /// <summary>The scope of a participant's mark: one group, one week, so marks link to nothing else.</summary>
    public static string ParticipantScope(string groupId, DateOnly week) =>
        $"digest-participant:{groupId}:{week:yyyy-MM-dd}";

    /// <summary>
    /// A message written in a group's channel. <paramref name="personId"/> counts as a participant only when the person
    /// is one of the group's members (facilitators and people not in the roster are not members).
    /// </summary>
    public void MessageWritten(GroupInfo group, string? personId, DateTimeOffset at, bool fatalistic)
    {
        ArgumentNullException.ThrowIfNull(group);
        Safely(group.Id, () =>
        {
            var week = StatsWeek.StartOf(at);
            _counters.CloseWeeksBefore(week);
            _counters.Add(group.Id, DigestCounter.Messages, week);
            if (fatalistic)
            {
                _counters.Add(group.Id, DigestCounter.FatalisticMessages, week);
            }

            if (personId is not null && group.MemberIds.Contains(personId, StringComparer.OrdinalIgnoreCase))
            {
                _counters.AddParticipant(group.Id, week, _marks.ScopedMarkOf(ParticipantScope(group.Id, week), personId));
            }

            Replied(group.Id, at);
        });
    }

    /// <summary>An anonymous post shown in a group: a message and a reply, never a participant (nothing about its author).</summary>
    public void AnonymousPostShown(string groupId, DateTimeOffset at, bool fatalistic) =>
        Safely(groupId, () =>
        {
            var week = StatsWeek.StartOf(at);
            _counters.Add(groupId, DigestCounter.Messages, week);
            if (fatalistic)
            {
                _counters.Add(groupId, DigestCounter.FatalisticMessages, week);
            }

            Replied(groupId, at);
        });

    /// <summary>A prompt posted in a group.</summary>
    public void PromptPosted(string groupId, DateTimeOffset at) =>
        Safely(groupId, () =>
        {
            _counters.Add(groupId, DigestCounter.PromptsPosted, StatsWeek.StartOf(at));
            _counters.PromptPosted(groupId, at);
        });

    /// <summary>A safety flag raised in a group.</summary>
    public void FlagRaised(string groupId, AlertKind kind, DateTimeOffset at) =>
        Safely(groupId, () => _counters.Add(groupId, kind switch
        {
            AlertKind.Spiral => DigestCounter.SpiralRaised,
            AlertKind.Crisis => DigestCounter.CrisisRaised,
            _ => DigestCounter.CopingRaised,
        }, StatsWeek.StartOf(at)));

    /// <summary>A safety flag resolved.</summary>
    public void FlagResolved(string groupId, AlertKind kind, DateTimeOffset at) =>
        Safely(groupId, () => _counters.Add(groupId, kind switch
        {
            AlertKind.Spiral => DigestCounter.SpiralResolved,
            AlertKind.Crisis => DigestCounter.CrisisResolved,
            _ => DigestCounter.CopingResolved,
        }, StatsWeek.StartOf(at)));

    /// <summary>
    /// A check-in closed with <paramref name="counts"/> answers per score (1 to 5). Counted only when at least
    /// <see cref="Prompts.CheckInService.MinAnswersToShare"/> answered, as the group's total is shared only then.
    /// </summary>
    public void CheckInClosed(string groupId, IReadOnlyList<int> counts, DateTimeOffset at)
    {
        ArgumentNullException.ThrowIfNull(counts);
        var answered = counts.Sum();
        if (answered < Prompts.CheckInService.MinAnswersToShare)
        {
            return;
        }

        var sum = counts.Select((n, i) => n * (i + 1)).Sum();
        Safely(groupId, () =>
        {
            var week = StatsWeek.StartOf(at);
            _counters.Add(groupId, DigestCounter.CheckInsShared, week);
            _counters.Add(groupId, DigestCounter.CheckInAnswers, week, answered);
            _counters.Add(groupId, DigestCounter.CheckInScoreSum, week, sum);
        });
    }

    private void Replied(string groupId, DateTimeOffset at)
    {
        if (_counters.TryMarkReplied(groupId, at, out var postedAt))
        {
            _counters.Add(groupId, DigestCounter.PromptsReplied, StatsWeek.StartOf(postedAt));
        }
    }

    private void Safely(string groupId, Action count)
    {
        try
        {
            count();
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            LogCountFailed(groupId, ex.GetType().Name);
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "A digest counter of group {GroupId} could not be written ({Error}); the event went on")]
    private partial void LogCountFailed(string groupId, string error);
}
