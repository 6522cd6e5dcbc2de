using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using PeerBot.Core.Configuration;
using PeerBot.Core.Platform;

namespace PeerBot.Core.People;

/// <summary>
/// Resolves, at start, how each person is named on each running platform (a Discord username, a Slack email)
/// to the platform's user id. Anyone who cannot be found stops the start with an error naming them:
/// a group that silently misses a member is worse than no group.
/// </summary>
public sealed partial class PeopleResolutionService(
    IOptions<PeerBotOptions> options,
    IPlatformRegistry platforms,
    PeopleDirectory directory,
    ILogger<PeopleResolutionService> logger) : IHostedService
{
    /// <inheritdoc />
    public async Task StartAsync(CancellationToken cancellationToken)
    {
        var problems = await ResolveAsync(options.Value, platforms, directory, cancellationToken).ConfigureAwait(false);
        if (problems.Count > 0)
        {
            throw new PeopleResolutionException(problems);
        }

        LogResolved(logger, directory.All.Count, platforms.Platforms.Count);
    }

    /// <inheritdoc />
    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    /// <summary>Resolves every person on every running platform; returns one line per person not found.</summary>
    public static async Task<IReadOnlyList<string>> ResolveAsync(
        PeerBotOptions options,
        IPlatformRegistry platforms,
        PeopleDirectory directory,
        CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(platforms);
        var problems = new List<string>();
        foreach (var platform in platforms.Platforms)
        {
            problems.AddRange(await ResolveOnAsync(options, platform, directory, cancellationToken).ConfigureAwait(false));
        }

        return problems;
    }

    /// <summary>
    /// Resolves every person named on one platform, records their user ids and, when everyone was found,
    /// tells the directory (<see cref="PeopleDirectory.MarkResolved"/>). Returns one line per person not found.
    /// </summary>
    public static async Task<IReadOnlyList<string>> ResolveOnAsync(
        PeerBotOptions options,
        IChatPlatform platform,
        PeopleDirectory directory,
        CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(platform);
        ArgumentNullException.ThrowIfNull(directory);
        var problems = new List<string>();
        for (var i = 0; i < options.People.Count; i++)
        {
            var person = options.People[i];
            var handle = platform.Kind switch
            {
                PlatformKind.Discord => person.Discord,
                PlatformKind.Slack => person.Slack,
                _ => person.Id,
            };
            if (string.IsNullOrWhiteSpace(handle))
            {
                continue;
            }

            var userId = await platform.ResolveUserAsync(handle, cancellationToken).ConfigureAwait(false);
            if (userId is null)
            {
                problems.Add($"{PeerBotOptions.SectionName}:People:{i}:{platform.Kind}: {person.Name} ({person.Id}) was not found on {platform.Kind} as \"{handle}\"; check the id, username or email");
                continue;
            }

            directory.SetPlatformUserId(person.Id, platform.Kind, userId);
        }

        if (problems.Count == 0)
        {
            directory.MarkResolved(platform.Kind);
        }

        return problems;
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Resolved {People} people on {Platforms} platform(s)")]
    private static partial void LogResolved(ILogger logger, int people, int platforms);
}

/// <summary>People named in config could not be found on their platform.</summary>
public sealed class PeopleResolutionException : Exception
{
    /// <summary>Creates the exception from the problems found.</summary>
    public PeopleResolutionException(IReadOnlyList<string> problems)
        : base("Some people in the configuration were not found on their platform:" + Environment.NewLine + string.Join(Environment.NewLine, problems.Select(p => "  " + p))) =>
        Problems = problems;

    /// <summary>Creates the exception.</summary>
    public PeopleResolutionException() : this([]) { }

    /// <summary>Creates the exception.</summary>
    public PeopleResolutionException(string message) : base(message) => Problems = [message];

    /// <summary>Creates the exception.</summary>
    public PeopleResolutionException(string message, Exception innerException) : base(message, innerException) => Problems = [message];

    /// <summary>One line per person not found.</summary>
    public IReadOnlyList<string> Problems { get; }
}
