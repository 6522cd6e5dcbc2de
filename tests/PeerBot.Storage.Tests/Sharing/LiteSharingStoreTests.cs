using PeerBot.Core.Platform;
using PeerBot.Core.Sharing;
using PeerBot.Storage.Sharing;

namespace PeerBot.Storage.Tests.Sharing;

public sealed class LiteSharingStoreTests : IDisposable
{
    private static readonly DateTimeOffset T0 = new(2026, 11, 2, 12, 0, 0, TimeSpan.Zero);
    private readonly PeerBotDatabase _db = PeerBotDatabase.OpenInMemory();

    private static AnonymousPost Post(string id, string handle = "h_a", DateTimeOffset? due = null, AnonymousPostState state = AnonymousPostState.Scheduled) =>
        new(id, "g-tue", handle, "text " + id, state, T0, due);

    [Fact]
    public void InsertFindUpdate_RoundTripsEveryField()
    {
        var store = new LiteAnonymousPostStore(_db);
        var post = new AnonymousPost("PABC234", "g-tue", "h_x", "hello", AnonymousPostState.Delivered, T0, T0.AddMinutes(1), 3,
            new MessageRef(new ChannelRef(PlatformKind.Discord, "C1"), "M1"), "tok", "A7");

        store.Insert(post);

        Assert.Equal(post, store.Find("pabc234"));
        var updated = post with { State = AnonymousPostState.Removed, Text = "", DueAt = null, Delivered = null, CrisisToken = null, AlertId = null };
        store.Update(updated);
        Assert.Equal(updated, store.Find("PABC234"));
    }

    [Fact]
    public void Update_RetryAndNoticeFields_RoundTrip()
    {
        var store = new LiteAnonymousPostStore(_db);
        var post = Post("PRETRY2", due: T0.AddMinutes(1));
        store.Insert(post);

        var retrying = post with { State = AnonymousPostState.Sending, Attempts = 40, FailingSince = T0.AddSeconds(7), PermanentFailures = 2 };
        store.Update(retrying);
        Assert.Equal(retrying, store.Find("PRETRY2"));

        var failed = retrying with
        {
            State = AnonymousPostState.Failed,
            Text = "",
            Notices = PendingNotices.Author | PendingNotices.Facilitators,
            GaveUpAt = T0.AddHours(48),
        };
        store.Update(failed);
        Assert.Equal(failed, store.Find("PRETRY2"));
    }

    [Fact]
    public void Find_DocumentWrittenBeforeRetryFields_ReadsAsNoFailureNothingOwed()
    {
        var store = new LiteAnonymousPostStore(_db);
        _db.Database.GetCollection("anon_posts").Insert(new LiteDB.BsonDocument
        {
            ["_id"] = "POLD234",
            ["GroupId"] = "g-tue",
            ["Author"] = "h_a",
            ["Text"] = "older build",
            ["State"] = "Sending",
            ["CreatedAt"] = T0.UtcTicks,
            ["DueAt"] = T0.AddMinutes(3).UtcTicks,
            ["Attempts"] = 2,
            ["DeliveredPlatform"] = LiteDB.BsonValue.Null,
            ["DeliveredChannel"] = LiteDB.BsonValue.Null,
            ["DeliveredMessage"] = LiteDB.BsonValue.Null,
            ["CrisisToken"] = LiteDB.BsonValue.Null,
            ["AlertId"] = LiteDB.BsonValue.Null,
        });

        var post = store.Find("POLD234")!;

        Assert.Equal(2, post.Attempts);
        Assert.Null(post.FailingSince);
        Assert.Equal(0, post.PermanentFailures);
        Assert.Equal(PendingNotices.None, post.Notices);
        Assert.Null(post.GaveUpAt);
    }

    [Fact]
    public void Insert_DuplicateId_Throws()
    {
        var store = new LiteAnonymousPostStore(_db);
        store.Insert(Post("P1"));

        Assert.ThrowsAny<Exception>(() => store.Insert(Post("P1")));
    }

    [Fact]
    public void Update_Missing_Throws()
    {
        var store = new LiteAnonymousPostStore(_db);

        Assert.Throws<InvalidOperationException>(() => store.Update(Post("P404")));
    }

    [Fact]
    public void ListDueAndNextDueAt_IgnorePostsWithNothingDue()
    {
        var store = new LiteAnonymousPostStore(_db);
        store.Insert(Post("P1", due: T0.AddMinutes(2)));
        store.Insert(Post("P2", due: T0.AddMinutes(1)));
        store.Insert(Post("P3", due: null, state: AnonymousPostState.Delivered));
        store.Insert(Post("P4", due: T0.AddMinutes(5)));

        Assert.Equal(["P2", "P1"], store.ListDue(T0.AddMinutes(2)).Select(p => p.Id));
        Assert.Empty(store.ListDue(T0));
        Assert.Equal(T0.AddMinutes(1), store.NextDueAt());
    }

    [Fact]
    public void NextDueAt_NothingDue_Null()
    {
        var store = new LiteAnonymousPostStore(_db);
        store.Insert(Post("P3", due: null, state: AnonymousPostState.Delivered));

        Assert.Null(store.NextDueAt());
        Assert.True(store.Any());
    }

    [Fact]
    public void ByAuthor_ListsOnlyThatHandle()
    {
        var store = new LiteAnonymousPostStore(_db);
        store.Insert(Post("P1", "h_a"));
        store.Insert(Post("P2", "h_b"));
        store.Insert(Post("P3", "h_a"));

        Assert.Equal(["P1", "P3"], store.ListByAuthor("h_a").Select(p => p.Id).Order());
        Assert.Equal(["P2"], store.ListByAuthor("h_b").Select(p => p.Id));
    }

    [Fact]
    public void FindByCrisisToken_FindsWithheldPost()
    {
        var store = new LiteAnonymousPostStore(_db);
        store.Insert(Post("P1", state: AnonymousPostState.Withheld) with { CrisisToken = "tok-1" });

        Assert.Equal("P1", store.FindByCrisisToken("tok-1")!.Id);
        Assert.Null(store.FindByCrisisToken("tok-2"));
    }

    [Fact]
    public void Mutes_MuteUnmute()
    {
        var mutes = new LiteAuthorMuteStore(_db);
        Assert.False(mutes.Any());

        mutes.Mute("h_a", T0.AddDays(3));
        mutes.Mute("h_a", T0.AddDays(5));

        Assert.Equal(T0.AddDays(5), mutes.MutedUntil("h_a"));
        Assert.Null(mutes.MutedUntil("h_b"));
        Assert.True(mutes.Unmute("h_a"));
        Assert.False(mutes.Unmute("h_a"));
        Assert.False(mutes.Any());
    }

    [Fact]
    public void KeyRecord_RecordsFingerprint()
    {
        var record = new LiteAnonymityKeyRecord(_db);
        Assert.Null(record.Fingerprint);

        record.RecordFingerprint("fp1");

        Assert.Equal("fp1", new LiteAnonymityKeyRecord(_db).Fingerprint);
    }

    public void Dispose() => _db.Dispose();
}
