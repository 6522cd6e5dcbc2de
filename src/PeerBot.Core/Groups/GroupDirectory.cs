using PeerBot.Core.Platform;

namespace PeerBot.Core.Groups;

/// <summary>
/// The current groups, read from the store and refreshed after each reconciliation and each pause.
/// Reads are served from an immutable snapshot, so callers on any thread see a consistent view.
/// </summary>
public sealed class GroupDirectory : IGroupDirectory
{
    private readonly IGroupStore _store;
    private readonly TimeProvider _time;
    private volatile IReadOnlyList<GroupInfo>? _snapshot;

    /// <summary>Creates the directory.</summary>
    public GroupDirectory(IGroupStore store, TimeProvider time)
    {
        _store = store;
        _time = time;
    }

    /// <summary>Raised after the snapshot changed (a reconciliation or a pause).</summary>
    public event EventHandler? Changed;

    /// <inheritdoc />
    public IReadOnlyList<GroupInfo> All()
    {
        var snapshot = _snapshot ?? Refresh();
        var now = _time.GetUtcNow();

        // A pause that ran out since the snapshot was taken reads as no pause.
        return snapshot.Any(g => g.PausedUntil <= now)
            ? snapshot.Select(g => g.PausedUntil <= now ? g with { PausedUntil = null } : g).ToList()
            : snapshot;
    }

    /// <inheritdoc />
    public GroupInfo? Find(string groupId) => All().FirstOrDefault(g => string.Equals(g.Id, groupId, StringComparison.Ordinal));

    /// <inheritdoc />
    public GroupInfo? FindByChannel(ChannelRef channel) => All().FirstOrDefault(g => g.Channel == channel);

    /// <inheritdoc />
    public IReadOnlyList<GroupInfo> GroupsOfMember(string personId) =>
        All().Where(g => g.MemberIds.Contains(personId, StringComparer.OrdinalIgnoreCase)).ToList();

    /// <inheritdoc />
    public IReadOnlyList<GroupInfo> GroupsFacilitatedBy(string personId) =>
        All().Where(g => g.FacilitatorIds.Contains(personId, StringComparer.OrdinalIgnoreCase)).ToList();

    /// <summary>Rebuilds the snapshot from the store.</summary>
    public IReadOnlyList<GroupInfo> Refresh()
    {
        var now = _time.GetUtcNow();
        var snapshot = _store.AllGroups()
            .Where(g => !g.Archived)
            .OrderBy(g => g.IsFormed)
            .ThenBy(g => GroupPlanner.FormedNumber(g.Id))
            .ThenBy(g => g.Name, StringComparer.OrdinalIgnoreCase)
            .Select(g => new GroupInfo(
                g.Id,
                g.Name,
                g.Platform,
                g.Channel,
                g.PlannedMemberIds.ToList(),
                g.PlannedFacilitatorIds.ToList(),
                g.TimeZone,
                g.Schedule,
                g.PausedUntil > now ? g.PausedUntil : null))
            .ToList();
        _snapshot = snapshot;
        Changed?.Invoke(this, EventArgs.Empty);
        return snapshot;
    }
}
