using LiteDB;
using PeerBot.Core.Digest;
using PeerBot.Storage.Digest;

namespace PeerBot.Storage.Tests.Digest;

public sealed class LiteDigestCountersTests : IDisposable
{
    private static readonly DateOnly Week1 = new(2026, 11, 2);
    private static readonly DateOnly Week2 = new(2026, 11, 9);
    private readonly PeerBotDatabase _db = PeerBotDatabase.OpenInMemory();

    [Fact]
    public void Add_CountsPerGroupAndWeek()
    {
        var counters = new LiteDigestCounters(_db);
        counters.Add("g-tue", DigestCounter.Messages, Week1);
        counters.Add("g-tue", DigestCounter.Messages, Week1, 2);
        counters.Add("g-tue", DigestCounter.FatalisticMessages, Week1);
        counters.Add("g-tue", DigestCounter.Messages, Week2);
        counters.Add("g-owl", DigestCounter.Messages, Week1, 7);

        var weeks = counters.Weeks("g-tue", Week1);

        Assert.Equal([Week1, Week2], weeks.Select(w => w.WeekStart));
        Assert.Equal(3, weeks[0][DigestCounter.Messages]);
        Assert.Equal(1, weeks[0][DigestCounter.FatalisticMessages]);
        Assert.Equal(0, weeks[0][DigestCounter.SpiralRaised]);
        Assert.Equal(1, weeks[1][DigestCounter.Messages]);
        Assert.Equal([Week2], counters.Weeks("g-tue", Week2).Select(w => w.WeekStart));
        Assert.Equal(7, counters.Weeks("g-owl", Week1).Single()[DigestCounter.Messages]);
    }

    [Fact]
    public void AddParticipant_SameMarkTwice_CountsOnce()
    {
        var counters = new LiteDigestCounters(_db);
        counters.AddParticipant("g-tue", Week1, "mark-a");
        counters.AddParticipant("g-tue", Week1, "mark-a");
        counters.AddParticipant("g-tue", Week1, "mark-b");

        Assert.Equal(2, counters.Weeks("g-tue", Week1).Single().Participants);
    }

    [Fact]
    public void CloseWeeksBefore_PastWeek_KeepsOnlyTheCount()
    {
        var counters = new LiteDigestCounters(_db);
        counters.AddParticipant("g-tue", Week1, "mark-a");
        counters.AddParticipant("g-tue", Week1, "mark-b");
        counters.AddParticipant("g-tue", Week2, "mark-c");

        counters.CloseWeeksBefore(Week2);

        var docs = _db.Database.GetCollection("digest_weekly").FindAll().ToDictionary(d => d["Week"].AsString);
        Assert.False(docs["2026-11-02"].ContainsKey("Marks"));
        Assert.Equal(2, docs["2026-11-02"]["Participants"].AsInt32);
        Assert.Single(docs["2026-11-09"]["Marks"].AsArray);
        Assert.Equal([2, 1], counters.Weeks("g-tue", Week1).Select(w => w.Participants));

        // A closed week is not counted again by a second close.
        counters.CloseWeeksBefore(Week2.AddDays(7));
        Assert.Equal([2, 1], counters.Weeks("g-tue", Week1).Select(w => w.Participants));
    }

    [Fact]
    public void Weeks_OlderOrOddDocuments_AreReadTolerantly()
    {
        var counters = new LiteDigestCounters(_db);
        var collection = _db.Database.GetCollection("digest_weekly");
        collection.Insert(new BsonDocument
        {
            ["_id"] = "g-tue|2026-11-02",
            ["GroupId"] = "g-tue",
            ["Week"] = "2026-11-02",
            ["Counts"] = new BsonDocument { ["Messages"] = 4, ["SomethingNewer"] = 9, ["FatalisticMessages"] = "two", ["PromptsPosted"] = 2L },
        });
        collection.Insert(new BsonDocument { ["_id"] = "g-tue|bad", ["GroupId"] = "g-tue", ["Week"] = "not a date" });
        collection.Insert(new BsonDocument { ["_id"] = "g-tue|none", ["GroupId"] = "g-tue" });
        collection.Insert(new BsonDocument { ["_id"] = "g-tue|2026-11-09", ["GroupId"] = "g-tue", ["Week"] = "2026-11-09", ["Counts"] = "garbage" });

        var weeks = counters.Weeks("g-tue", Week1);

        Assert.Equal([Week1, Week2], weeks.Select(w => w.WeekStart));
        Assert.Equal(4, weeks[0][DigestCounter.Messages]);
        Assert.Equal(0, weeks[0][DigestCounter.FatalisticMessages]);
        Assert.Equal(2, weeks[0][DigestCounter.PromptsPosted]);
        Assert.Empty(weeks[1].Counts);

        // Writing over an odd document repairs it rather than failing.
        counters.Add("g-tue", DigestCounter.Messages, Week2);
        Assert.Equal(1, counters.Weeks("g-tue", Week2).Single()[DigestCounter.Messages]);
    }

    [Fact]
    public void TryMarkReplied_FirstMessageAfterPrompt_OnlyOnce()
    {
        var counters = new LiteDigestCounters(_db);
        var posted = new DateTimeOffset(2026, 11, 3, 19, 0, 0, TimeSpan.Zero);

        Assert.False(counters.TryMarkReplied("g-tue", posted, out _));
        counters.PromptPosted("g-tue", posted);
        Assert.False(counters.TryMarkReplied("g-tue", posted.AddMinutes(-5), out _));
        Assert.True(counters.TryMarkReplied("g-tue", posted.AddMinutes(5), out var promptAt));
        Assert.Equal(posted, promptAt);
        Assert.False(counters.TryMarkReplied("g-tue", posted.AddMinutes(6), out _));

        counters.PromptPosted("g-tue", posted.AddDays(7));
        Assert.Equal([false, true], counters.RecentPrompts("g-tue").Select(p => p.Replied));
    }

    [Fact]
    public void PromptPosted_KeepsOnlyTheLastFew()
    {
        var counters = new LiteDigestCounters(_db);
        var start = new DateTimeOffset(2026, 11, 3, 19, 0, 0, TimeSpan.Zero);
        for (var i = 0; i < 10; i++)
        {
            counters.PromptPosted("g-tue", start.AddDays(7 * i));
        }

        var recent = counters.RecentPrompts("g-tue");
        Assert.Equal(LiteDigestCounters.RecentPromptsKept, recent.Count);
        Assert.Equal(start.AddDays(63), recent[0].PostedAt);
    }

    [Fact]
    public void Counters_SurviveReopeningTheFile()
    {
        using var folder = new TempFolder();
        var path = folder.File("peerbot.db");
        using (var db = PeerBotDatabase.OpenFile(path))
        {
            var counters = new LiteDigestCounters(db);
            counters.Add("g-tue", DigestCounter.PromptsPosted, Week1);
            counters.AddParticipant("g-tue", Week1, "mark-a");
            counters.PromptPosted("g-tue", new DateTimeOffset(2026, 11, 3, 19, 0, 0, TimeSpan.Zero));
        }

        using (var db = PeerBotDatabase.OpenFile(path))
        {
            var counters = new LiteDigestCounters(db);
            var week = counters.Weeks("g-tue", Week1).Single();
            Assert.Equal(1, week[DigestCounter.PromptsPosted]);
            Assert.Equal(1, week.Participants);
            Assert.Single(counters.RecentPrompts("g-tue"));
        }
    }

    public void Dispose() => _db.Dispose();
}
