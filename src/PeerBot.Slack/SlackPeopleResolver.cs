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
        var resolved = 0;
        for (var i = 0; i < people.Count; i++)
        {
            var person = people[i];
            if (string.IsNullOrWhiteSpace(person.Slack))
            {
                continue;
            }

            var userId = await platform.ResolveUserAsync(person.Slack, cancellationToken).ConfigureAwait(false);
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
}
