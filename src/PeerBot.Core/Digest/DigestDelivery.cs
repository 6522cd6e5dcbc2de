using Microsoft.Extensions.Logging;
using PeerBot.Core.Groups;
using PeerBot.Core.People;
using PeerBot.Core.Platform;

namespace PeerBot.Core.Digest;

/// <summary>How sending a digest went.</summary>
public enum DigestSendResult
{
    /// <summary>The platform took it.</summary>
    Sent,

    /// <summary>The platform refused it or was unreachable; another try may succeed.</summary>
    Failed,

    /// <summary>No enabled platform knows the recipient; trying again will not help.</summary>
    NoDestination,
}

/// <summary>
/// Sends a digest to its recipient privately, as a direct message from the bot, on the platform of their first group
/// where they have an account (for a coordinator, the first enabled platform where they have one), with each group's
/// chart attached. When the charts cannot go but the text can, the text goes alone.
/// </summary>
public sealed partial class DigestDelivery
{
    private readonly IPlatformRegistry _platforms;
    private readonly IPeopleDirectory _people;
    private readonly ILogger<DigestDelivery> _logger;

    /// <summary>Creates the delivery.</summary>
    public DigestDelivery(IPlatformRegistry platforms, IPeopleDirectory people, ILogger<DigestDelivery> logger)
    {
        _platforms = platforms;
        _people = people;
        _logger = logger;
    }

    /// <summary>Where a person's digest goes: an enabled platform and their user id on it, or null.</summary>
    public (IChatPlatform Platform, string UserId)? Destination(Person person, IReadOnlyList<GroupInfo> groups)
    {
        ArgumentNullException.ThrowIfNull(person);
        ArgumentNullException.ThrowIfNull(groups);
        var kinds = groups.Select(g => g.Platform).Concat(_platforms.Platforms.Select(p => p.Kind)).Distinct();
        foreach (var kind in kinds)
        {
            if (_platforms.Find(kind) is { } platform && _people.PlatformUserId(person.Id, kind) is { Length: > 0 } userId)
            {
                return (platform, userId);
            }
        }

        return null;
    }

    /// <summary>Sends the digest; says whether it went, failed (logged; worth another try) or has nowhere to go.</summary>
    public async Task<DigestSendResult> SendAsync(ComposedDigest digest, IReadOnlyList<GroupInfo> groups, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(digest);
        var person = digest.Report.Recipient;
        if (Destination(person, groups) is not { } to)
        {
            LogNoDestination(person.Id);
            return DigestSendResult.NoDestination;
        }

        var key = $"digest:{digest.Report.WeekStart:yyyy-MM-dd}:{person.Id}";
        var message = digest.Message with { IdempotencyKey = key };
        if (digest.Charts.Count > 0)
        {
            var images = digest.Images();
            try
            {
                await to.Platform.SendDirectMessageAsync(to.UserId, message, images, cancellationToken).ConfigureAwait(false);
                return DigestSendResult.Sent;
            }
            catch (PlatformException ex)
            {
                // The figures are all in the text; a chart that cannot be uploaded must not hold the digest back.
                LogChartsFailed(to.Platform.Kind, ex.Kind, images.Count);
            }
        }

        try
        {
            await to.Platform.SendDirectMessageAsync(to.UserId, message, cancellationToken).ConfigureAwait(false);
            return DigestSendResult.Sent;
        }
        catch (PlatformException ex)
        {
            LogSendFailed(person.Id, to.Platform.Kind, ex.Kind);
            return DigestSendResult.Failed;
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "The digest for {PersonId} has nowhere to go: no enabled platform knows them")]
    private partial void LogNoDestination(string personId);

    [LoggerMessage(Level = LogLevel.Warning, Message = "A digest's {Count} chart(s) could not be sent on {Platform} ({Kind}); sending its text alone")]
    private partial void LogChartsFailed(PlatformKind platform, PlatformErrorKind kind, int count);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Sending the digest to {PersonId} on {Platform} failed ({Kind})")]
    private partial void LogSendFailed(string personId, PlatformKind platform, PlatformErrorKind kind);
}
