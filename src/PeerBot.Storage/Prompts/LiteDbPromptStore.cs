using LiteDB;
using PeerBot.Core.Prompts;

namespace PeerBot.Storage.Prompts;

/// <summary>The <see cref="IPromptStore"/> in the shared LiteDB database.</summary>
public sealed class LiteDbPromptStore : IPromptStore
{
    private readonly ILiteCollection<PromptGroupState> _states;
    private readonly ILiteCollection<PostedPrompt> _posted;
    private readonly ILiteCollection<CheckInRecord> _checkIns;
    private readonly PeerBotDatabase _database;

    /// <summary>Opens the collections.</summary>
    public LiteDbPromptStore(PeerBotDatabase database)
    {
        ArgumentNullException.ThrowIfNull(database);
        _database = database;
        (_states, _posted, _checkIns) = database.SetUp(db =>
        {
            db.Mapper.Entity<PromptGroupState>().Id(s => s.Id, autoId: false);
            db.Mapper.Entity<PostedPrompt>().Id(p => p.Id, autoId: true);
            db.Mapper.Entity<CheckInRecord>().Id(c => c.Id, autoId: false);
            foreach (var name in (string[])["prompt_states", "prompt_posts", "checkins"])
            {
                PeerBotDatabase.EnsureCollection(db, name);
            }

            var posted = db.GetCollection<PostedPrompt>("prompt_posts");
            posted.EnsureIndex(p => p.GroupId);
            var checkIns = db.GetCollection<CheckInRecord>("checkins");
            checkIns.EnsureIndex(c => c.Closed);
            DropLegacyHandleKeys(database);
            return (db.GetCollection<PromptGroupState>("prompt_states"), posted, checkIns);
        });
    }

    /// <summary>
    /// Check-ins written by earlier versions kept a per-check-in key next to the answer hashes, which let anyone with
    /// the file compute who answered. The key goes, and the log with it.
    /// </summary>
    private static void DropLegacyHandleKeys(PeerBotDatabase database)
    {
        var raw = database.Database.GetCollection("checkins");
        var changed = false;
        foreach (var doc in raw.Find(Query.All()).Where(d => d.ContainsKey("HandleKey")).ToList())
        {
            doc.Remove("HandleKey");
            raw.Update(doc);
            changed = true;
        }

        if (changed)
        {
            database.FlushErasures();
        }
    }

    /// <inheritdoc />
    public PromptGroupState GetState(string groupId) => _states.FindById(groupId) ?? new PromptGroupState { Id = groupId };

    /// <inheritdoc />
    public void SaveState(PromptGroupState state)
    {
        ArgumentNullException.ThrowIfNull(state);
        _states.Upsert(state);
    }

    /// <inheritdoc />
    public void AppendPosted(PostedPrompt posted)
    {
        ArgumentNullException.ThrowIfNull(posted);
        posted.Id = 0;
        _posted.Insert(posted);
    }

    /// <inheritdoc />
    public IReadOnlyList<PostedPrompt> Posted(string groupId) => _posted.Find(p => p.GroupId == groupId).OrderBy(p => p.Id).ToList();

    /// <inheritdoc />
    public void SaveCheckIn(CheckInRecord checkIn)
    {
        ArgumentNullException.ThrowIfNull(checkIn);
        _checkIns.Upsert(checkIn);

        // Each answer rewrites the record; the version before it (one mark fewer, one count lower) must not stay in
        // LiteDB's log, where comparing versions would pair a mark with a score.
        _database.FlushErasures();
    }

    /// <inheritdoc />
    public CheckInRecord? FindCheckIn(string checkInId) => _checkIns.FindById(checkInId);

    /// <inheritdoc />
    public IReadOnlyList<CheckInRecord> OpenCheckIns() => _checkIns.Find(c => !c.Closed).ToList();
}
