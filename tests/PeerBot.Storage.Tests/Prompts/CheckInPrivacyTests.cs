using System.Text;
using PeerBot.Core.Configuration;
using PeerBot.Core.People;
using PeerBot.Core.Prompts;
using PeerBot.Core.Sharing;
using PeerBot.Storage.Prompts;

namespace PeerBot.Storage.Tests.Prompts;

/// <summary>
/// A check-in's record in the database file and LiteDB's log after three answers: no key that links its marks to
/// people, and no earlier version that pairs a newly added mark with the count it raised.
/// </summary>
public sealed class CheckInPrivacyTests : IDisposable
{
    private readonly TempFolder _folder = new();

    public void Dispose() => _folder.Dispose();

    [Fact]
    public void ThreeAnswers_DatabaseAndLogBytes_HoldNoKeyAndNoEarlierVersion()
    {
        var key = Enumerable.Range(1, AnonymityKey.KeyLength).Select(i => (byte)(i * 7)).ToArray();
        var people = new PeopleDirectory([
            new PersonOptions { Id = "ana", Name = "Ana", Role = PersonRole.Resident, Pgy = 1 },
            new PersonOptions { Id = "ben", Name = "Ben", Role = PersonRole.Resident, Pgy = 2 },
            new PersonOptions { Id = "cy", Name = "Cy", Role = PersonRole.Resident, Pgy = 3 },
        ]);
        var marks = new AuthorHandles(key, people);
        var path = _folder.File("peerbot.db");
        var answers = new (string Person, int Score)[] { ("ana", 1), ("ben", 3), ("cy", 5) };
        var written = new List<string>();
        using (var db = PeerBotDatabase.OpenFile(path))
        {
            var store = new LiteDbPromptStore(db);
            store.SaveCheckIn(new CheckInRecord { Id = "c1", GroupId = "g1", Platform = "Slack", ChannelId = "C1", MessageId = "m1", MemberCount = 5 });

            // As CheckInService records an answer: read, raise one count, add the mark, sort, save.
            foreach (var (person, score) in answers)
            {
                var record = store.FindCheckIn("c1")!;
                record.Counts[score - 1]++;
                var mark = marks.ScopedMarkOf("checkin:c1", person);
                written.Add(mark);
                record.AnsweredHandles.Add(mark);
                record.AnsweredHandles.Sort(StringComparer.Ordinal);
                store.SaveCheckIn(record);
            }

            // Read while the bot still runs, as a copy of the folder would be taken.
            var bytes = ReadAll();
            Assert.False(Contains(bytes, key), "the database holds the anonymity key");
            Assert.False(Contains(bytes, Encoding.UTF8.GetBytes("HandleKey")), "a check-in keeps a key next to its marks");
            foreach (var mark in written)
            {
                // Exactly one version of the record: each mark once. An earlier version (one mark fewer, one count
                // lower) would tell which mark gave which score.
                Assert.Equal(1, Occurrences(bytes, Encoding.UTF8.GetBytes(mark)));
            }

            Assert.Equal([1, 0, 1, 0, 1], store.FindCheckIn("c1")!.Counts);
        }

        var closed = ReadAll();
        Assert.All(written, mark => Assert.Equal(1, Occurrences(closed, Encoding.UTF8.GetBytes(mark))));
    }

    [Fact]
    public void LegacyRecordWithKey_Opened_KeyIsGoneFromTheFiles()
    {
        var path = _folder.File("peerbot.db");
        const string legacyKey = "A1B2C3D4E5F60718293A4B5C6D7E8F90A1B2C3D4E5F60718293A4B5C6D7E8F90";
        using (var db = PeerBotDatabase.OpenFile(path))
        {
            db.Database.GetCollection("checkins").Insert(new LiteDB.BsonDocument
            {
                ["_id"] = "c0",
                ["GroupId"] = "g1",
                ["HandleKey"] = legacyKey,
                ["Counts"] = new LiteDB.BsonArray(new LiteDB.BsonValue[] { 1, 0, 0, 0, 0 }),
                ["AnsweredHandles"] = new LiteDB.BsonArray(new LiteDB.BsonValue[] { "AB" }),
                ["Closed"] = false,
            });
            db.FlushErasures();
        }

        using (var db = PeerBotDatabase.OpenFile(path))
        {
            var store = new LiteDbPromptStore(db);
            Assert.Equal([1, 0, 0, 0, 0], store.FindCheckIn("c0")!.Counts);
            Assert.False(Contains(ReadAll(), Encoding.UTF8.GetBytes(legacyKey)), "the legacy key stayed on disk");
        }
    }

    private byte[] ReadAll() =>
        Directory.GetFiles(_folder.Path, "peerbot*").SelectMany(f =>
        {
            using var stream = new FileStream(f, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete);
            using var copy = new MemoryStream();
            stream.CopyTo(copy);
            return copy.ToArray();
        }).ToArray();

    private static bool Contains(byte[] haystack, byte[] needle) => haystack.AsSpan().IndexOf(needle) >= 0;

    private static int Occurrences(byte[] haystack, byte[] needle)
    {
        var count = 0;
        var span = haystack.AsSpan();
        int at;
        while ((at = span.IndexOf(needle)) >= 0)
        {
            count++;
            span = span[(at + needle.Length)..];
        }

        return count;
    }
}
