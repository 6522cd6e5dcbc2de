using System.Text.Json;
using PeerBot.Core.Groups;

namespace PeerBot.Testing.Groups;

/// <summary>An in-memory <see cref="IGroupStore"/>; records are copied in and out so callers cannot alias stored state.</summary>
public sealed class InMemoryGroupStore : IGroupStore
{
    private readonly object _gate = new();
    private readonly Dictionary<string, string> _groups = new(StringComparer.Ordinal);
    private readonly List<GroupChange> _changes = [];
    private Dictionary<string, string> _assignments = new(StringComparer.OrdinalIgnoreCase);
    private readonly Dictionary<string, DateTimeOffset> _pauses = new(StringComparer.OrdinalIgnoreCase);

    /// <summary>When set, the next <see cref="SaveGroup"/> throws it (simulates a crash midway).</summary>
    public Exception? FailNextSave { get; set; }

    /// <summary>When set, the next <see cref="SaveGroup"/> of a record it matches throws (simulates a crash at that step).</summary>
    public Func<GroupRecord, bool>? CrashOnSave { get; set; }

    public IReadOnlyList<GroupRecord> AllGroups()
    {
        lock (_gate)
        {
            return _groups.Values.Select(j => JsonSerializer.Deserialize<GroupRecord>(j)!).ToList();
        }
    }

    public GroupRecord? FindGroup(string groupId)
    {
        lock (_gate)
        {
            return _groups.TryGetValue(groupId, out var json) ? JsonSerializer.Deserialize<GroupRecord>(json) : null;
        }
    }

    public void SaveGroup(GroupRecord group)
    {
        ArgumentNullException.ThrowIfNull(group);
        lock (_gate)
        {
            if (FailNextSave is { } failure)
            {
                FailNextSave = null;
                throw failure;
            }

            if (CrashOnSave is { } crash && crash(group))
            {
                CrashOnSave = null;
                throw new InvalidOperationException("Simulated crash while saving " + group.Id);
            }

            _groups[group.Id] = JsonSerializer.Serialize(group);
        }
    }

    public IReadOnlyDictionary<string, string> FormationAssignments()
    {
        lock (_gate)
        {
            return new Dictionary<string, string>(_assignments, StringComparer.OrdinalIgnoreCase);
        }
    }

    public void SaveFormationAssignments(IReadOnlyDictionary<string, string> assignments)
    {
        lock (_gate)
        {
            _assignments = new Dictionary<string, string>(assignments, StringComparer.OrdinalIgnoreCase);
        }
    }

    /// <summary>While set, every <see cref="MemberPauses"/> read throws it (simulates a store that cannot be read).</summary>
    public Exception? FailPauseReads { get; set; }

    /// <summary>How many times <see cref="MemberPauses"/> was read.</summary>
    public int PauseReads { get; private set; }

    public IReadOnlyDictionary<string, DateTimeOffset> MemberPauses()
    {
        lock (_gate)
        {
            PauseReads++;
            if (FailPauseReads is { } failure)
            {
                throw failure;
            }

            return new Dictionary<string, DateTimeOffset>(_pauses, StringComparer.OrdinalIgnoreCase);
        }
    }

    public void SetMemberPause(string personId, DateTimeOffset? until)
    {
        lock (_gate)
        {
            if (until is { } value)
            {
                _pauses[personId] = value;
            }
            else
            {
                _pauses.Remove(personId);
            }
        }
    }

    public void AppendChange(GroupChange change)
    {
        ArgumentNullException.ThrowIfNull(change);
        lock (_gate)
        {
            change.Id = _changes.Count + 1;
            _changes.Add(change);
        }
    }

    public IReadOnlyList<GroupChange> Changes(string? groupId = null)
    {
        lock (_gate)
        {
            return _changes.Where(c => groupId is null || c.GroupId == groupId).ToList();
        }
    }
}
