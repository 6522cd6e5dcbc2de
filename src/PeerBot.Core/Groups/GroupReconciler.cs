using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using PeerBot.Core.Configuration;
using PeerBot.Core.People;
using PeerBot.Core.Platform;

namespace PeerBot.Core.Groups;

/// <summary>What one reconciliation run did.</summary>
/// <param name="Complete">True when every platform matches the plan as far as it can; false when something must be retried.</param>
/// <param name="PlatformCalls">How many changes were made on platforms.</param>
/// <param name="Problems">What was left undone and why (including people who cannot be added), for the log.</param>
public sealed record ReconcileResult(bool Complete, int PlatformCalls, IReadOnlyList<string> Problems);

/// <summary>
/// Makes each platform match the plan: creates missing private channels, adds and removes people, welcomes newcomers,
/// opens new channels with an introduction, and archives groups that left the configuration.
/// Every step is written to the store as soon as the platform confirms it, so a run stopped midway resumes
/// where it stopped, and a second run with nothing new makes no platform call.
/// </summary>
public sealed class GroupReconciler : IDisposable
{
    private readonly IOptionsMonitor<PeerBotOptions> _options;
    private readonly IGroupStore _store;
    private readonly IPeopleDirectory _people;
    private readonly IPlatformRegistry _platforms;
    private readonly GroupDirectory _directory;
    private readonly TimeProvider _time;
    private readonly ILogger<GroupReconciler> _logger;
    private readonly SemaphoreSlim _gate = new(1, 1);
    private readonly PeopleDirectory? _resolution;

    /// <summary>Creates the reconciler.</summary>
    public GroupReconciler(
        IOptionsMonitor<PeerBotOptions> options,
        IGroupStore store,
        IPeopleDirectory people,
        IPlatformRegistry platforms,
        GroupDirectory directory,
        TimeProvider time,
        ILogger<GroupReconciler> logger,
        PeopleDirectory? resolution = null)
    {
        _resolution = resolution;
        _options = options;
        _store = store;
        _people = people;
        _platforms = platforms;
        _directory = directory;
        _time = time;
        _logger = logger;
    }

    /// <inheritdoc />
    public void Dispose() => _gate.Dispose();

    /// <summary>Runs once; concurrent calls wait their turn.</summary>
    public async Task<ReconcileResult> ReconcileAsync(CancellationToken cancellationToken)
    {
        await _gate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            return await RunAsync(cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            _gate.Release();
        }
    }

    private async Task<ReconcileResult> RunAsync(CancellationToken cancellationToken)
    {
        var options = _options.CurrentValue;
        var now = _time.GetUtcNow();
        var plan = GroupPlanner.Plan(options, PlanningState.FromStore(_store, now));
        if (plan.Errors.Count > 0)
        {
            _logger.LogError("Groups were not reconciled: the configuration has {Count} problem(s): {Problems}", plan.Errors.Count, string.Join(" ", plan.Errors));
            return new ReconcileResult(false, 0, plan.Errors);
        }

        var run = new Run();
        _store.SaveFormationAssignments(plan.FormationAssignments);
        var records = PrepareRecords(plan, now);
        _directory.Refresh();

        foreach (var planned in plan.Groups)
        {
            var record = records[planned.Id];
            var platform = _platforms.Find(record.Platform);
            if (platform is null)
            {
                run.Problem($"Group '{record.Name}' lives on {record.Platform}, which is not enabled.");
                continue;
            }

            if (IsStarting(record.Platform))
            {
                continue;
            }

            try
            {
                await ApplyAsync(record, platform, options, run, cancellationToken).ConfigureAwait(false);
            }
            catch (PlatformException ex)
            {
                run.Problem($"Group '{record.Name}' on {record.Platform}: {ex.Kind}: {ex.Message}");
                _logger.LogWarning(ex, "Reconciling group {GroupId} on {Platform} stopped; it is retried later", record.Id, record.Platform);
            }
        }

        var plannedIds = new HashSet<string>(plan.Groups.Select(g => g.Id), StringComparer.Ordinal);
        foreach (var record in _store.AllGroups().Where(g => !g.Archived && !plannedIds.Contains(g.Id) && !IsStarting(g.Platform)))
        {
            await ArchiveAsync(record, run, cancellationToken).ConfigureAwait(false);
        }

        _directory.Refresh();
        foreach (var problem in run.Problems)
        {
            _logger.LogWarning("Reconciliation: {Problem}", problem);
        }

        return new ReconcileResult(!run.Failed, run.Calls, run.Problems);
    }

    /// <summary>
    /// True while the platform's adapter is still checking the server and resolving people in the background: acting
    /// now would create channels before the bot's access is checked and without the members (the run that
    /// <see cref="PeopleDirectory.PlatformResolved"/> triggers does the work).
    /// </summary>
    private bool IsStarting(PlatformKind platform)
    {
        if (_resolution?.IsResolutionPending(platform) != true)
        {
            return false;
        }

        _logger.LogDebug("Groups on {Platform} wait until its adapter has resolved the configured people", platform);
        return true;
    }

    private Dictionary<string, GroupRecord> PrepareRecords(GroupPlan plan, DateTimeOffset now)
    {
        var records = new Dictionary<string, GroupRecord>(StringComparer.Ordinal);
        foreach (var planned in plan.Groups)
        {
            var record = _store.FindGroup(planned.Id);
            if (record is null || record.Archived || record.Platform != planned.Platform)
            {
                if (record is not null && !record.Archived && record.ChannelId is not null)
                {
                    // The group moved platform: the old channel is archived by ArchiveAsync under its own id.
                    var moved = CopyForArchive(record);
                    _store.SaveGroup(moved);
                }

                var taken = _store.AllGroups().Where(g => g.Platform == planned.Platform && g.Id != planned.Id).Select(g => g.ChannelName).ToList();
                record = new GroupRecord
                {
                    Id = planned.Id,
                    Platform = planned.Platform,
                    ChannelName = GroupNaming.ChannelName(planned.Name, planned.Platform, taken),
                    CreatedAt = now,
                    PausedUntil = record?.PausedUntil,
                };
                Log(record.Id, "group-planned", null, planned.Name);
            }
            else if (!string.Equals(record.Name, planned.Name, StringComparison.Ordinal))
            {
                Log(record.Id, "renamed", null, $"{record.Name} -> {planned.Name}");
            }

            record.Name = planned.Name;
            record.IsFormed = planned.IsFormed;
            record.PlannedMemberIds = planned.MemberIds.ToList();
            record.PlannedFacilitatorIds = planned.FacilitatorIds.ToList();
            record.TimeZone = planned.TimeZone;
            record.Schedule = planned.Schedule;
            record.GroundRules = planned.GroundRules;
            _store.SaveGroup(record);
            records[planned.Id] = record;
        }

        return records;
    }

    private static GroupRecord CopyForArchive(GroupRecord record) => new()
    {
        Id = record.Id + "~" + record.Platform.ToString().ToUpperInvariant(),
        Name = record.Name,
        Platform = record.Platform,
        IsFormed = record.IsFormed,
        ChannelName = record.ChannelName,
        ChannelId = record.ChannelId,
        AppliedPersonIds = record.AppliedPersonIds,
        WelcomedPersonIds = record.WelcomedPersonIds,
        IntroPosted = record.IntroPosted,
        CreatedAt = record.CreatedAt,
        TimeZone = record.TimeZone,
        Schedule = record.Schedule,
    };

    private async Task ApplyAsync(GroupRecord record, IChatPlatform platform, PeerBotOptions options, Run run, CancellationToken cancellationToken)
    {
        var wanted = record.PlannedFacilitatorIds.Concat(record.PlannedMemberIds).Distinct(StringComparer.OrdinalIgnoreCase).ToList();
        var userIds = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
        foreach (var personId in wanted.Concat(record.AppliedPersonIds).Distinct(StringComparer.OrdinalIgnoreCase))
        {
            var userId = _people.PlatformUserId(personId, record.Platform);
            if (userId is not null)
            {
                userIds[personId] = userId;
            }
            else if (wanted.Contains(personId, StringComparer.OrdinalIgnoreCase))
            {
                // Retried: adapters may still be resolving names to user ids when the first run starts.
                run.Problem($"'{personId}' has no {record.Platform} user (yet); they are not added to '{record.Name}'.");
            }
        }

        var reachable = wanted.Where(userIds.ContainsKey).ToList();
        if (record.ChannelId is null)
        {
            var spec = new PrivateChannelSpec(
                record.Id,
                record.ChannelName,
                $"Private peer-support group: {record.Name}. What is said here stays here.",
                reachable.Select(p => userIds[p]).ToList(),
                null);
            var channel = await platform.EnsurePrivateChannelAsync(spec, cancellationToken).ConfigureAwait(false);
            run.Calls++;
            record.ChannelId = channel.Id;
            record.AppliedPersonIds = reachable;
            _store.SaveGroup(record);
            Log(record.Id, "channel-created", null, record.ChannelName);
            foreach (var personId in reachable)
            {
                Log(record.Id, "person-added", personId, null);
            }
        }

        var channelRef = record.Channel!;
        foreach (var personId in reachable.Where(p => !record.AppliedPersonIds.Contains(p, StringComparer.OrdinalIgnoreCase)).ToList())
        {
            await platform.AddMemberAsync(channelRef, userIds[personId], cancellationToken).ConfigureAwait(false);
            run.Calls++;
            record.AppliedPersonIds.Add(personId);
            _store.SaveGroup(record);
            Log(record.Id, "person-added", personId, null);
        }

        foreach (var personId in record.AppliedPersonIds.Where(p => !wanted.Contains(p, StringComparer.OrdinalIgnoreCase)).ToList())
        {
            if (userIds.TryGetValue(personId, out var userId))
            {
                await platform.RemoveMemberAsync(channelRef, userId, cancellationToken).ConfigureAwait(false);
                run.Calls++;
            }
            else
            {
                run.Warn($"'{personId}' has no {record.Platform} user any more; remove them from '{record.Name}' by hand.");
            }

            record.AppliedPersonIds.RemoveAll(p => string.Equals(p, personId, StringComparison.OrdinalIgnoreCase));
            _store.SaveGroup(record);
            Log(record.Id, "person-removed", personId, null);
        }

        if (!record.IntroPosted)
        {
            var members = record.PlannedMemberIds.Select(_people.Find).OfType<Person>().ToList();
            var facilitators = record.PlannedFacilitatorIds.Select(_people.Find).OfType<Person>().ToList();
            var intro = GroupTexts.Introduction(record.Name, members, facilitators, record.GroundRules, $"intro:{record.Id}");
            await platform.PostMessageAsync(channelRef, intro, cancellationToken).ConfigureAwait(false);
            run.Calls++;
            record.IntroPosted = true;
            _store.SaveGroup(record);
            Log(record.Id, "intro-posted", null, null);
        }

        var facilitatorNames = record.PlannedFacilitatorIds.Select(_people.Find).OfType<Person>().Select(p => p.Name).ToList();
        foreach (var personId in record.AppliedPersonIds.Where(p => !record.WelcomedPersonIds.Contains(p, StringComparer.OrdinalIgnoreCase)).ToList())
        {
            var isFacilitator = record.PlannedFacilitatorIds.Contains(personId, StringComparer.OrdinalIgnoreCase);
            var welcome = GroupTexts.Welcome(record.Name, isFacilitator, facilitatorNames, options.Safety.SupportMessage, $"welcome:{record.Id}:{personId}");
            string? detail = null;
            try
            {
                await platform.SendDirectMessageAsync(userIds[personId], welcome, cancellationToken).ConfigureAwait(false);
                run.Calls++;
            }
            catch (PlatformException ex) when (ex.Kind == PlatformErrorKind.CannotMessageUser)
            {
                // Retrying cannot help while their DMs are closed; the intro in the channel still reaches them.
                detail = "direct messages closed";
                _logger.LogWarning("The welcome to {PersonId} for group {GroupId} could not be delivered: their direct messages are closed", personId, record.Id);
            }

            record.WelcomedPersonIds.Add(personId);
            _store.SaveGroup(record);
            Log(record.Id, "welcomed", personId, detail);
        }
    }

    private async Task ArchiveAsync(GroupRecord record, Run run, CancellationToken cancellationToken)
    {
        if (record.ChannelId is not null)
        {
            var platform = _platforms.Find(record.Platform);
            if (platform is null)
            {
                run.Problem($"Group '{record.Name}' left the configuration but {record.Platform} is not enabled to archive its channel.");
                return;
            }

            try
            {
                await platform.ArchiveChannelAsync(record.Channel!, cancellationToken).ConfigureAwait(false);
                run.Calls++;
            }
            catch (PlatformException ex) when (ex.Kind == PlatformErrorKind.NotFound)
            {
                // Someone removed the channel already; there is nothing left to archive.
                _logger.LogWarning("The channel of group {GroupId} was already gone when it was archived", record.Id);
            }
            catch (PlatformException ex)
            {
                run.Problem($"Archiving '{record.Name}' on {record.Platform}: {ex.Kind}: {ex.Message}");
                _logger.LogWarning(ex, "Archiving group {GroupId} failed; it is retried later", record.Id);
                return;
            }
        }

        record.Archived = true;
        _store.SaveGroup(record);
        Log(record.Id, "archived", null, record.ChannelName);
        _logger.LogInformation("Group {GroupId} left the configuration; its channel was archived", record.Id);
    }

    private void Log(string groupId, string kind, string? personId, string? detail) =>
        _store.AppendChange(new GroupChange { At = _time.GetUtcNow(), GroupId = groupId, Kind = kind, PersonId = personId, Detail = detail });

    private sealed class Run
    {
        public int Calls { get; set; }

        public List<string> Problems { get; } = [];

        public bool Failed { get; private set; }

        public void Problem(string text)
        {
            Problems.Add(text);
            Failed = true;
        }

        public void Warn(string text) => Problems.Add(text);
    }
}
