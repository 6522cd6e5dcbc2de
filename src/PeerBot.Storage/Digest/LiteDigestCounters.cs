using System.Globalization;
using LiteDB;
using PeerBot.Core.Digest;

namespace PeerBot.Storage.Digest;

/// <summary>
/// The digest's weekly counters in LiteDB: collection <c>digest_weekly</c>, one document per group and week
/// (<c>Counts</c>: counter name → number; <c>Marks</c>: the current week's participant marks, replaced by
/// <c>Participants</c>, their number, once the week is over), and <c>digest_prompts</c>, one document per group with its
/// last few prompts' times and whether each was answered. Numbers and one-way marks only: no person, no text.
/// Reading is tolerant: an unknown counter name, a value that is not a number or a document from an older version
/// is skipped or read as zero, never an error.
/// </summary>
public sealed class LiteDigestCounters : IDigestCounters
{
    /// <summary>How many recent prompts are kept per group.</summary>
    public const int RecentPromptsKept = 4;

    private const string WeekFormat = "yyyy-MM-dd";
    private readonly ILiteCollection<BsonDocument> _weeks;
    private readonly ILiteCollection<BsonDocument> _prompts;
    private readonly Lock _gate = new();

    // The week before which every week is known closed, so the per-message call does not scan the open weeks again.
    private DateOnly? _closedBefore;

    /// <summary>Creates the counters over the shared database.</summary>
    public LiteDigestCounters(PeerBotDatabase database)
    {
        ArgumentNullException.ThrowIfNull(database);
        (_weeks, _prompts) = database.SetUp(db =>
        {
            PeerBotDatabase.EnsureCollection(db, "digest_weekly");
            PeerBotDatabase.EnsureCollection(db, "digest_prompts");
            var weeks = db.GetCollection("digest_weekly");
            weeks.EnsureIndex("GroupId");
            weeks.EnsureIndex("Open");
            return (weeks, db.GetCollection("digest_prompts"));
        });
    }

    /// <inheritdoc />
    public void Add(string groupId, DigestCounter counter, DateOnly week, int by = 1)
    {
        ArgumentNullException.ThrowIfNull(groupId);
        lock (_gate)
        {
            var doc = WeekDoc(groupId, week);
            var counts = doc["Counts"].IsDocument ? doc["Counts"].AsDocument : new BsonDocument();
            var name = counter.ToString();
            counts[name] = ReadInt(counts[name]) + by;
            doc["Counts"] = counts;
            _weeks.Upsert(doc);
        }
    }

    /// <inheritdoc />
    public void AddParticipant(string groupId, DateOnly week, string mark)
    {
        ArgumentNullException.ThrowIfNull(groupId);
        ArgumentException.ThrowIfNullOrEmpty(mark);
        lock (_gate)
        {
            var doc = WeekDoc(groupId, week);
            var marks = doc["Marks"].IsArray ? doc["Marks"].AsArray : new BsonArray();
            if (marks.Any(m => m.IsString && m.AsString == mark))
            {
                return;
            }

            marks.Add(mark);
            doc["Marks"] = marks;
            doc["Open"] = true;
            _weeks.Upsert(doc);
            if (week < _closedBefore)
            {
                // An earlier week was opened again: the next close looks at the open weeks once more.
                _closedBefore = null;
            }
        }
    }

    /// <inheritdoc />
    public void CloseWeeksBefore(DateOnly currentWeek)
    {
        lock (_gate)
        {
            if (_closedBefore >= currentWeek)
            {
                return;
            }

            var current = currentWeek.ToString(WeekFormat, CultureInfo.InvariantCulture);
            foreach (var doc in _weeks.Find(Query.EQ("Open", true)).ToList())
            {
                if (string.CompareOrdinal(doc["Week"].IsString ? doc["Week"].AsString : "", current) >= 0)
                {
                    continue;
                }

                doc["Participants"] = ReadInt(doc["Participants"]) + (doc["Marks"].IsArray ? doc["Marks"].AsArray.Count : 0);
                doc.Remove("Marks");
                doc.Remove("Open");
                _weeks.Update(doc);
            }

            _closedBefore = currentWeek;
        }
    }

    /// <inheritdoc />
    public IReadOnlyList<DigestWeek> Weeks(string groupId, DateOnly fromWeek)
    {
        ArgumentNullException.ThrowIfNull(groupId);
        lock (_gate)
        {
            var weeks = new List<DigestWeek>();
            foreach (var doc in _weeks.Find(Query.EQ("GroupId", groupId)))
            {
                if (!doc["Week"].IsString
                    || !DateOnly.TryParseExact(doc["Week"].AsString, WeekFormat, CultureInfo.InvariantCulture, DateTimeStyles.None, out var week)
                    || week < fromWeek)
                {
                    continue;
                }

                var counts = new Dictionary<DigestCounter, int>();
                if (doc["Counts"].IsDocument)
                {
                    foreach (var (name, value) in doc["Counts"].AsDocument)
                    {
                        if (Enum.TryParse<DigestCounter>(name, ignoreCase: false, out var counter) && Enum.IsDefined(counter))
                        {
                            counts[counter] = ReadInt(value);
                        }
                    }
                }

                var participants = ReadInt(doc["Participants"]) + (doc["Marks"].IsArray ? doc["Marks"].AsArray.Count : 0);
                weeks.Add(new DigestWeek(week, counts, participants));
            }

            return weeks.OrderBy(w => w.WeekStart).ToList();
        }
    }

    /// <inheritdoc />
    public void PromptPosted(string groupId, DateTimeOffset at)
    {
        ArgumentNullException.ThrowIfNull(groupId);
        lock (_gate)
        {
            var recent = ReadPrompts(groupId).Prepend(new RecentPrompt(at, false)).Take(RecentPromptsKept).ToList();
            SavePrompts(groupId, recent);
        }
    }

    /// <inheritdoc />
    public bool TryMarkReplied(string groupId, DateTimeOffset at, out DateTimeOffset promptPostedAt)
    {
        ArgumentNullException.ThrowIfNull(groupId);
        lock (_gate)
        {
            promptPostedAt = default;
            var recent = ReadPrompts(groupId);
            if (recent.Count == 0 || recent[0].Replied || at < recent[0].PostedAt)
            {
                return false;
            }

            promptPostedAt = recent[0].PostedAt;
            recent[0] = recent[0] with { Replied = true };
            SavePrompts(groupId, recent);
            return true;
        }
    }

    /// <inheritdoc />
    public IReadOnlyList<RecentPrompt> RecentPrompts(string groupId)
    {
        ArgumentNullException.ThrowIfNull(groupId);
        lock (_gate)
        {
            return ReadPrompts(groupId);
        }
    }

    private static int ReadInt(BsonValue value) => value.IsNumber ? (int)Math.Clamp(value.AsInt64, 0, int.MaxValue) : 0;

    private BsonDocument WeekDoc(string groupId, DateOnly week)
    {
        var text = week.ToString(WeekFormat, CultureInfo.InvariantCulture);
        var id = $"{groupId}|{text}";
        return _weeks.FindById(id) ?? new BsonDocument
        {
            ["_id"] = id,
            ["GroupId"] = groupId,
            ["Week"] = text,
        };
    }

    private List<RecentPrompt> ReadPrompts(string groupId)
    {
        var doc = _prompts.FindById(groupId);
        if (doc is null || !doc["Recent"].IsArray)
        {
            return [];
        }

        return doc["Recent"].AsArray
            .Where(p => p.IsDocument && p["At"].IsDateTime)
            .Select(p => new RecentPrompt(new DateTimeOffset(p["At"].AsDateTime.ToUniversalTime(), TimeSpan.Zero), p["Replied"].IsBoolean && p["Replied"].AsBoolean))
            .OrderByDescending(p => p.PostedAt)
            .ToList();
    }

    private void SavePrompts(string groupId, IReadOnlyList<RecentPrompt> recent) =>
        _prompts.Upsert(new BsonDocument
        {
            ["_id"] = groupId,
            ["Recent"] = new BsonArray(recent.Select(p => new BsonDocument
            {
                ["At"] = p.PostedAt.UtcDateTime,
                ["Replied"] = p.Replied,
            })),
        });
}
