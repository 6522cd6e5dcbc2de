using System.Collections.Concurrent;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using PeerBot.Core.Configuration;
using PeerBot.Core.Groups;
using PeerBot.Core.People;
using PeerBot.Core.Platform;

namespace PeerBot.Slack;

/// <summary>
/// Tells the people who can fix it, by DM, what PeerBot could not do in a group's channel and how to fix it on Slack:
/// every coordinator and the group's facilitators. The same notice goes at most once a day per channel and person
/// concerned, so a reconciliation that retries does not flood anyone; every notice is also logged.
/// </summary>
public sealed class SlackStaffNotices
{
    /// <summary>How long the same notice is not sent again.</summary>
    public static readonly TimeSpan RepeatAfter = TimeSpan.FromDays(1);

    private readonly IServiceProvider _services;
    private readonly TimeProvider _time;
    private readonly ILogger<SlackStaffNotices> _logger;
    private readonly ConcurrentDictionary<string, DateTimeOffset> _sent = new(StringComparer.Ordinal);

    public SlackStaffNotices(IServiceProvider services, TimeProvider time, ILogger<SlackStaffNotices> logger)
    {
        _services = services;
        _time = time;
        _logger = logger;
    }

    /// <summary>
    /// PeerBot can no longer reach a group's private channel (removed from it, or the channel deleted): Slack answers
    /// <c>channel_not_found</c>. No new channel is made, so the group's history stays where it is.
    /// </summary>
    /// <remarks>Without <paramref name="groupId"/>, nothing is sent unless the channel is a known group's.</remarks>
    public Task BotRemovedAsync(string channelId, string? groupId, string? channelName, CancellationToken cancellationToken)
    {
        var group = FindGroup(channelId, groupId);
        if (group is null && groupId is null)
        {
            return Task.CompletedTask;
        }

        var name = GroupName(group, channelName);
        var where = channelName is null ? "the group's private channel" : $"#{channelName}";
        var message = new OutgoingMessage(
            [
                new HeadingBlock($"PeerBot has lost access to {name}"),
                new ParagraphBlock($"Slack no longer shows PeerBot {where}: someone removed PeerBot from the channel, or the channel was deleted. "
                    + "PeerBot has not made a new channel, so the group's conversation stays where it is; until it is back, no prompts are posted "
                    + "there and its messages are not checked for crisis talk."),
                new ParagraphBlock([
                    new TextSpan("To fix it, a member of the channel opens it and types "),
                    new TextSpan("/invite @PeerBot", SpanStyle.Code),
                    new TextSpan(" (or channel details → Integrations → Add apps → PeerBot). PeerBot picks the channel up again by itself."),
                ]),
                new ParagraphBlock("If the channel was deleted, give the group a new name in PeerBot's configuration: PeerBot then makes a new private channel for it."),
            ],
            []);
        _logger.LogWarning("PeerBot was removed from the Slack channel {Channel} of group {GroupId} (or it was deleted); no new channel is made, staff are told.", channelId, group?.Id ?? groupId);
        return SendAsync($"removed:{channelId}", group, message, cancellationToken);
    }

    /// <summary>
    /// Slack refused to remove someone who is no longer in the group's configuration (<c>restricted_action</c>,
    /// <c>not_supported</c>, …): they can still read the channel until a person removes them.
    /// </summary>
    public Task KickRefusedAsync(string channelId, string? groupId, string? channelName, string userId, string? userName, string error, CancellationToken cancellationToken)
    {
        var group = FindGroup(channelId, groupId);
        var name = GroupName(group, channelName);
        var where = channelName is null ? "the group's private channel" : $"#{channelName}";
        var who = userName is null ? userId : $"{userName} ({userId})";
        var why = error switch
        {
            "restricted_action" => "a workspace setting stops apps from removing people from channels",
            "not_supported" => "Slack does not let apps remove this member (for example a member from another organisation)",
            "cant_kick_from_general" => "nobody can be removed from the workspace's general channel",
            _ => "Slack did not allow it",
        };
        var message = new OutgoingMessage(
            [
                new HeadingBlock($"Please remove someone from {name} by hand"),
                new ParagraphBlock([
                    new TextSpan($"{who} is no longer in {name} in PeerBot's configuration, but Slack refused to let PeerBot remove them from {where} ("),
                    new TextSpan(error, SpanStyle.Code),
                    new TextSpan($": {why}). They can still read the channel."),
                ]),
                new ParagraphBlock($"To remove them, open {where} → channel details → Members, choose them and Remove from channel; or ask a workspace admin to let apps remove members. Everything else in the group was kept in sync."),
            ],
            []);
        _logger.LogWarning("Slack refused to remove {User} from channel {Channel} of group {GroupId} ({Error}); staff are told.", userId, channelId, group?.Id ?? groupId, error);
        return SendAsync($"kick:{channelId}:{userId}", group, message, cancellationToken);
    }

    private async Task SendAsync(string key, GroupInfo? group, OutgoingMessage message, CancellationToken cancellationToken)
    {
        var now = _time.GetUtcNow();
        if (_sent.TryGetValue(key, out var last) && now - last < RepeatAfter)
        {
            return;
        }

        _sent[key] = now;
        var people = _services.GetService<IPeopleDirectory>();
        var recipients = new List<string>();
        if (people is not null)
        {
            var personIds = people.All.Where(p => p.Role == PersonRole.Coordinator).Select(p => p.Id)
                .Concat(group?.FacilitatorIds ?? [])
                .Distinct(StringComparer.OrdinalIgnoreCase);
            foreach (var personId in personIds)
            {
                if (people.PlatformUserId(personId, PlatformKind.Slack) is { } userId && !recipients.Contains(userId, StringComparer.Ordinal))
                {
                    recipients.Add(userId);
                }
            }
        }

        if (recipients.Count == 0)
        {
            _logger.LogError("Nobody on Slack could be told (no coordinator or facilitator with a Slack user): {Notice}", message.ToPlainText().ReplaceLineEndings(" "));
            return;
        }

        var platform = _services.GetRequiredService<SlackChatPlatform>();
        var delivered = 0;
        foreach (var recipient in recipients)
        {
            try
            {
                await platform.SendDirectMessageAsync(recipient, message, cancellationToken).ConfigureAwait(false);
                delivered++;
            }
            catch (PlatformException ex)
            {
                _logger.LogWarning("A notice to a coordinator or facilitator could not be sent ({Kind}).", ex.Kind);
            }
        }

        if (delivered == 0)
        {
            // Nobody was told: try again on the next occasion rather than a day later.
            _sent.TryRemove(key, out _);
        }
    }

    private GroupInfo? FindGroup(string channelId, string? groupId)
    {
        var groups = _services.GetService<IGroupDirectory>();
        if (groups is null)
        {
            return null;
        }

        return (groupId is null ? null : groups.Find(groupId)) ?? groups.FindByChannel(new ChannelRef(PlatformKind.Slack, channelId));
    }

    private static string GroupName(GroupInfo? group, string? channelName) =>
        group is not null ? $"the group {group.Name}" : channelName is not null ? $"#{channelName}" : "a group's channel";
}
