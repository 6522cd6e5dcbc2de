using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using PeerBot.Core.Configuration;
using PeerBot.Core.Prompts;

namespace PeerBot.Core.Digest;

/// <summary>
/// Decides when the weekly digest goes out and sends it, once per week across restarts: each recipient's digest is
/// recorded as sent, and the schedule occurrence as dealt with once everyone has theirs. After downtime, the latest
/// missed occurrence is sent if it is at most <see cref="CatchUp"/> old, never a burst of older ones; an older one is
/// skipped and logged.
/// </summary>
public sealed partial class DigestScheduler
{
    /// <summary>How late a missed digest is still sent.</summary>
    public static readonly TimeSpan CatchUp = TimeSpan.FromHours(6);

    /// <summary>How soon recipients whose digest could not go are tried again.</summary>
    public static readonly TimeSpan RetryAfter = TimeSpan.FromMinutes(10);

    private readonly IOptionsMonitor<PeerBotOptions> _options;
    private readonly DigestComposer _composer;
    private readonly DigestDelivery _delivery;
    private readonly IDigestSendLog _log;
    private readonly TimeProvider _time;
    private readonly ILogger<DigestScheduler> _logger;

    /// <summary>Creates the scheduler.</summary>
    public DigestScheduler(IOptionsMonitor<PeerBotOptions> options, DigestComposer composer, DigestDelivery delivery, IDigestSendLog log, TimeProvider time, ILogger<DigestScheduler> logger)
    {
        _options = options;
        _composer = composer;
        _delivery = delivery;
        _log = log;
        _time = time;
        _logger = logger;
    }

    /// <summary>
    /// Sends what is due now; returns when to run again (the next occurrence, or sooner to retry), or null when the
    /// digest is off.
    /// </summary>
    public async Task<DateTimeOffset?> RunDueAsync(CancellationToken cancellationToken)
    {
        var options = _options.CurrentValue;
        if (!options.Digest.Enabled)
        {
            return null;
        }

        var parsed = CronSchedule.Parse(options.Digest.Schedule, options.TimeZone);
        if (!parsed.Succeeded)
        {
            // Validation at start refuses this; a schedule changed while running is reported and waited out.
            LogBadSchedule(parsed.Error!);
            return null;
        }

        var schedule = parsed.Value!;
        var now = _time.GetUtcNow();

        // On the very first run, only an occurrence within the catch-up window counts as missed.
        var last = _log.LastOccurrence ?? now - CatchUp;
        if (schedule.LatestIn(last, now) is { } due)
        {
            if (now - due > CatchUp)
            {
                LogSkipped(due, now - due);
                _log.SetLastOccurrence(due);
            }
            else if (!await SendAsync(due, cancellationToken).ConfigureAwait(false))
            {
                var retry = now + RetryAfter;
                return retry - due > CatchUp ? AbandonAndNext(schedule, due, now) : retry;
            }
            else
            {
                _log.SetLastOccurrence(due);
            }
        }

        return schedule.Next(now);
    }

    private DateTimeOffset? AbandonAndNext(CronSchedule schedule, DateTimeOffset due, DateTimeOffset now)
    {
        LogAbandoned(due);
        _log.SetLastOccurrence(due);
        return schedule.Next(now);
    }

    // True when every recipient has the digest of this occurrence's week.
    private async Task<bool> SendAsync(DateTimeOffset due, CancellationToken cancellationToken)
    {
        var digests = await _composer.ForEveryoneAsync(due, cancellationToken).ConfigureAwait(false);
        var all = true;
        foreach (var digest in digests)
        {
            var person = digest.Report.Recipient;
            if (_log.IsSent(digest.Report.WeekStart, person.Id))
            {
                continue;
            }

            var groups = _composer.Builder.GroupsFor(person);
            switch (await _delivery.SendAsync(digest, groups, cancellationToken).ConfigureAwait(false))
            {
                case DigestSendResult.Sent:
                    _log.MarkSent(digest.Report.WeekStart, person.Id, _time.GetUtcNow());
                    break;
                case DigestSendResult.Failed:
                    all = false;
                    break;
                default:
                    // Nowhere to send it (logged): waiting will not change that.
                    break;
            }
        }

        LogSent(due, digests.Count);
        return all;
    }

    [LoggerMessage(Level = LogLevel.Error, Message = "The digest schedule cannot be read: {Problem}")]
    private partial void LogBadSchedule(string problem);

    [LoggerMessage(Level = LogLevel.Warning, Message = "The digest due {Due:u} was missed by {Late}, more than the catch-up window; it is skipped")]
    private partial void LogSkipped(DateTimeOffset due, TimeSpan late);

    [LoggerMessage(Level = LogLevel.Warning, Message = "The digest due {Due:u} could not reach every recipient within the catch-up window; the rest are skipped")]
    private partial void LogAbandoned(DateTimeOffset due);

    [LoggerMessage(Level = LogLevel.Information, Message = "Digest due {Due:u}: {Count} recipients")]
    private partial void LogSent(DateTimeOffset due, int count);
}
