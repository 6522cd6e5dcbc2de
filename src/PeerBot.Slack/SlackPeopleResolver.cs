using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using PeerBot.Core.Configuration;
using PeerBot.Core.People;
using PeerBot.Core.Platform;

namespace PeerBot.Slack;

/// <summary>
/// Resolves how config names people on Slack (user id or email) to user ids at start, and records them in the
/// <see cref="PeopleDirectory"/>. Anyone not found is listed in one clear error.
/// </summary>
public sealed class SlackPeopleResolver(
    IOptions<PeerBotOptions> options,
    SlackChatPlatform platform,
    ILogger<SlackPeopleResolver> logger,
    IPeopleDirectory? directory = null)
{
    /// <summary>Resolves everyone; returns the problems found (empty when all resolved).</summary>
    public async Task<IReadOnlyList<string>> ResolveAsync(CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(options);
        var problems = new List<string>();
        var people = options.Value.People;
        var listed = await ListAsync(people, cancellationToken).ConfigureAwait(false);
        var resolved = 0;
        for (var i = 0; i < people.Count; i++)
        {
            var person = people[i];
            if (string.IsNullOrWhiteSpace(person.Slack))
            {
                continue;
            }

            var userId = listed.TryGetValue(person.Slack.Trim(), out var active)
                ? (active ? person.Slack.Trim() : null)
                : await platform.ResolveUserAsync(person.Slack, cancellationToken).ConfigureAwait(false);
            if (userId is null)
            {
                var how = person.Slack.Contains('@', StringComparison.Ordinal) ? "no Slack user has that email (users.lookupByEmail)" : "no active Slack user has that id (users.info)";
                problems.Add($"PeerBot:People:{i}:Slack (person '{person.Id}'): '{person.Slack}' not found: {how}.");
                continue;
            }

            if (directory is PeopleDirectory people2)
            {
                people2.SetPlatformUserId(person.Id, PlatformKind.Slack, userId);
            }

            resolved++;
        }

        logger.LogInformation("Resolved {Count} people on Slack.", resolved);
        if (problems.Count == 0 && directory is PeopleDirectory resolvedDirectory)
        {
            resolvedDirectory.MarkResolved(PlatformKind.Slack);
        }

        return problems;
    }

    /// <summary>
    /// Checks many user ids at once through <c>users.list</c> (tier 2, 200 users a page) instead of one
    /// <c>users.info</c> call each (tier 4): 1,000 people took ten minutes at 100 calls a minute. A page costs what
    /// five <c>users.info</c> calls cost in rate limit, so at most one page per five ids is read; ids not seen by then
    /// are checked one by one as before.
    /// </summary>
    private async Task<IReadOnlyDictionary<string, bool>> ListAsync(IReadOnlyList<PersonOptions> people, CancellationToken cancellationToken)
    {
        var ids = people.Select(p => p.Slack?.Trim()).OfType<string>().Where(SlackChatPlatform.IsUserId).Distinct(StringComparer.Ordinal).ToList();
        if (ids.Count < BulkThreshold)
        {
            return new Dictionary<string, bool>();
        }

        return await platform.FindUsersAsync(ids, Math.Max(1, ids.Count / 5), cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Below this many ids, <c>users.info</c> alone is as quick.</summary>
    internal const int BulkThreshold = 10;
}
