using PeerBot.Core.Prompts;
using PeerBot.Storage.Prompts;

namespace PeerBot.Storage.Tests.Prompts;

public sealed class LiteDbPromptStoreTests : IDisposable
{
    private readonly PeerBotDatabase _database = PeerBotDatabase.OpenInMemory();

    public void Dispose() => _database.Dispose();

    [Fact]
    public void GetState_Unknown_IsFresh()
    {
        var state = new LiteDbPromptStore(_database).GetState("g1");

        Assert.Equal("g1", state.Id);
        Assert.Empty(state.SeenPromptIds);
        Assert.Null(state.LastPromptOccurrence);
    }

    [Fact]
    public void SaveState_RoundTrip_KeepsOccurrencesAndPending()
    {
        var store = new LiteDbPromptStore(_database);
        var occurrence = new DateTimeOffset(2026, 11, 4, 0, 0, 0, TimeSpan.Zero);
        store.SaveState(new PromptGroupState
        {
            Id = "g1",
            SeenPromptIds = ["a", "b"],
            LastPromptId = "b",
            LastPromptOccurrence = occurrence,
            LastCheckInOccurrence = occurrence.AddDays(-1),
            Pending = new PendingPost { Kind = "prompt", PromptId = "c", Occurrence = occurrence.AddDays(7), IdempotencyKey = "prompt:g1:1" },
        });

        var loaded = new LiteDbPromptStore(_database).GetState("g1");

        Assert.Equal(["a", "b"], loaded.SeenPromptIds);
        Assert.Equal("b", loaded.LastPromptId);
        Assert.Equal(occurrence, loaded.LastPromptOccurrence);
        Assert.Equal(occurrence.AddDays(-1), loaded.LastCheckInOccurrence);
        Assert.Equal(occurrence.AddDays(7), loaded.Pending!.Occurrence);
        Assert.Equal("prompt:g1:1", loaded.Pending.IdempotencyKey);
    }

    [Fact]
    public void AppendPosted_Several_ComeBackPerGroupInOrder()
    {
        var store = new LiteDbPromptStore(_database);
        store.AppendPosted(new PostedPrompt { GroupId = "g1", PromptId = "a", How = "scheduled" });
        store.AppendPosted(new PostedPrompt { GroupId = "g2", PromptId = "a", How = "scheduled" });
        store.AppendPosted(new PostedPrompt { GroupId = "g1", PromptId = "b", How = "now" });

        Assert.Equal(["a", "b"], store.Posted("g1").Select(p => p.PromptId));
    }

    [Fact]
    public void SaveCheckIn_OpenAndClosed_OnlyOpenOnesListed()
    {
        var store = new LiteDbPromptStore(_database);
        store.SaveCheckIn(new CheckInRecord { Id = "c1", GroupId = "g1", Counts = [1, 0, 2, 0, 0], AnsweredHandles = ["X", "Y", "Z"], ClosesAt = new DateTimeOffset(2026, 11, 6, 0, 0, 0, TimeSpan.Zero) });
        store.SaveCheckIn(new CheckInRecord { Id = "c2", GroupId = "g1", Closed = true });

        var open = Assert.Single(store.OpenCheckIns());

        Assert.Equal("c1", open.Id);
        Assert.Equal([1, 0, 2, 0, 0], open.Counts);
        Assert.Equal(3, open.Answered);
        Assert.Equal(new DateTimeOffset(2026, 11, 6, 0, 0, 0, TimeSpan.Zero), open.ClosesAt);
        Assert.True(store.FindCheckIn("c2")!.Closed);
        Assert.Null(store.FindCheckIn("c3"));
    }
}
