using LiteDB;
using PeerBot.Core.Groups;

namespace PeerBot.Storage.Groups;

/// <summary>The <see cref="IGroupStore"/> in the shared LiteDB database.</summary>
public sealed class LiteDbGroupStore : IGroupStore
{
    private readonly PeerBotDatabase _database;
    private readonly ILiteCollection<GroupRecord> _groups;
    private readonly ILiteCollection<GroupChange> _changes;
    private readonly ILiteCollection<AssignmentDocument> _assignments;
    private readonly ILiteCollection<PauseDocument> _pauses;
    private readonly object _assignmentGate = new();

    /// <summary>Opens the collections.</summary>
    public LiteDbGroupStore(PeerBotDatabase database)
    {
        ArgumentNullException.ThrowIfNull(database);
        _database = database;
        (_groups, _changes, _assignments, _pauses) = database.SetUp(db =>
        {
            db.Mapper.Entity<GroupRecord>().Id(g => g.Id, autoId: false);
            db.Mapper.Entity<GroupChange>().Id(c => c.Id, autoId: true);
            foreach (var name in (string[])["groups", "group_changes", "group_assignments", "member_pauses"])
            {
                PeerBotDatabase.EnsureCollection(db, name);
            }

            var changes = db.GetCollection<GroupChange>("group_changes");
            changes.EnsureIndex(c => c.GroupId);
            return (db.GetCollection<GroupRecord>("groups"), changes, db.GetCollection<AssignmentDocument>("group_assignments"), db.GetCollection<PauseDocument>("member_pauses"));
        });
    }

    /// <inheritdoc />
    public IReadOnlyList<GroupRecord> AllGroups() => _groups.FindAll().ToList();

    /// <inheritdoc />
    public GroupRecord? FindGroup(string groupId) => _groups.FindById(groupId);

    /// <inheritdoc />
    public void SaveGroup(GroupRecord group)
    {
        ArgumentNullException.ThrowIfNull(group);
        _groups.Upsert(group);
    }

    /// <inheritdoc />
    public IReadOnlyDictionary<string, string> FormationAssignments() =>
        _assignments.FindAll().ToDictionary(a => a.Id, a => a.GroupId, StringComparer.OrdinalIgnoreCase);

    /// <inheritdoc />
    public void SaveFormationAssignments(IReadOnlyDictionary<string, string> assignments)
    {
        ArgumentNullException.ThrowIfNull(assignments);
        lock (_assignmentGate)
        {
            // One transaction: a crash never leaves half the residents without their group.
            _database.Database.BeginTrans();
            try
            {
                _assignments.DeleteAll();
                _assignments.InsertBulk(assignments.Select(a => new AssignmentDocument { Id = a.Key, GroupId = a.Value }));
                _database.Database.Commit();
            }
            catch
            {
                _database.Database.Rollback();
                throw;
            }
        }
    }

    /// <inheritdoc />
    public IReadOnlyDictionary<string, DateTimeOffset> MemberPauses() =>
        _pauses.FindAll().ToDictionary(p => p.Id, p => new DateTimeOffset(DateTime.SpecifyKind(p.Until.ToUniversalTime(), DateTimeKind.Utc)), StringComparer.OrdinalIgnoreCase);

    /// <inheritdoc />
    public void SetMemberPause(string personId, DateTimeOffset? until)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(personId);
        if (until is { } value)
        {
            _pauses.Upsert(new PauseDocument { Id = personId, Until = value.UtcDateTime });
        }
        else
        {
            _pauses.Delete(personId);
        }
    }

    /// <inheritdoc />
    public void AppendChange(GroupChange change)
    {
        ArgumentNullException.ThrowIfNull(change);
        change.Id = 0;
        _changes.Insert(change);
    }

    /// <inheritdoc />
    public IReadOnlyList<GroupChange> Changes(string? groupId = null) =>
        (groupId is null ? _changes.FindAll() : _changes.Find(c => c.GroupId == groupId)).OrderBy(c => c.Id).ToList();

    internal sealed class AssignmentDocument
    {
        public string Id { get; set; } = "";

        public string GroupId { get; set; } = "";
    }

    internal sealed class PauseDocument
    {
        public string Id { get; set; } = "";

        public DateTime Until { get; set; }
    }
}
