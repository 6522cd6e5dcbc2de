using System.Globalization;
using LiteDB;
using PeerBot.Core.Commands;

namespace PeerBot.Storage.Commands;

/// <summary>Weekly counters per group in LiteDB (collection <c>stats_weekly</c>): numbers only.</summary>
public sealed class LiteStatsCounters : IStatsCounters
{
    private readonly ILiteCollection<BsonDocument> _counters;
    private readonly Lock _gate = new();

    /// <summary>Creates the counters over the shared database.</summary>
    public LiteStatsCounters(PeerBotDatabase database)
    {
        ArgumentNullException.ThrowIfNull(database);
        _counters = database.SetUp(db =>
        {
            PeerBotDatabase.EnsureCollection(db, "stats_weekly");
            var collection = db.GetCollection("stats_weekly");
            collection.EnsureIndex("GroupId");
            return collection;
        });
    }

    /// <inheritdoc />
    public void Increment(string groupId, StatKind kind, DateTimeOffset at, int by = 1)
    {
        var week = StatsWeek.StartOf(at).ToString("yyyy-MM-dd", CultureInfo.InvariantCulture);
        var id = $"{groupId}|{week}|{kind}";
        lock (_gate)
        {
            var doc = _counters.FindById(id);
            var count = (doc?["Count"].AsInt32 ?? 0) + by;
            _counters.Upsert(new BsonDocument
            {
                ["_id"] = id,
                ["GroupId"] = groupId,
                ["Week"] = week,
                ["Kind"] = kind.ToString(),
                ["Count"] = count,
            });
        }
    }

    /// <inheritdoc />
    public IReadOnlyList<WeeklyStats> Weekly(string groupId, DateOnly fromWeek) =>
        _counters.Find(Query.EQ("GroupId", groupId))
            .Select(d => (Week: DateOnly.ParseExact(d["Week"].AsString, "yyyy-MM-dd", CultureInfo.InvariantCulture), Kind: Enum.Parse<StatKind>(d["Kind"].AsString), Count: d["Count"].AsInt32))
            .Where(c => c.Week >= fromWeek)
            .GroupBy(c => c.Week)
            .OrderBy(g => g.Key)
            .Select(g => new WeeklyStats(g.Key, g.ToDictionary(c => c.Kind, c => c.Count)))
            .ToList();
}
