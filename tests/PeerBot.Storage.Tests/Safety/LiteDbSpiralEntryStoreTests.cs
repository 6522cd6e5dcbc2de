using System.Text;
using Microsoft.Extensions.DependencyInjection;
using PeerBot.Core.Safety;
using PeerBot.Storage.Safety;

namespace PeerBot.Storage.Tests.Safety;

public sealed class LiteDbSpiralEntryStoreTests : IDisposable
{
    private static readonly DateTimeOffset T0 = new(2026, 11, 2, 21, 0, 0, TimeSpan.Zero);
    private readonly string _folder = Path.Combine(Path.GetTempPath(), "peerbot-spiral-" + Guid.NewGuid().ToString("N"));

    public void Dispose()
    {
        if (Directory.Exists(_folder))
        {
            Directory.Delete(_folder, recursive: true);
        }
    }

    private static SpiralEntry Entry(int minute, string author, string excerpt = "nothing will ever change") =>
        new(T0.AddMinutes(minute).AddTicks(minute * 7), author, excerpt, ["permanence: \"nothing will ever change\"", "agreement: \"^ this\""]);

    public static TheoryData<bool> OnFile() => new() { false, true };

    private string DbPath => Path.Combine(_folder, "peerbot.db");

    private PeerBotDatabase Open(bool onFile) => onFile ? PeerBotDatabase.OpenFile(DbPath) : PeerBotDatabase.OpenInMemory();

    [Theory]
    [MemberData(nameof(OnFile))]
    public async Task AddAsync_ThenListSince_RoundTripsEveryFieldOldestFirst(bool onFile)
    {
        using var db = Open(onFile);
        var store = new LiteDbSpiralEntryStore(db);
        await store.AddAsync("g1", Entry(5, "ben"), CancellationToken.None);
        await store.AddAsync("g2", Entry(0, "anon:7f3a"), CancellationToken.None);
        await store.AddAsync("g1", Entry(2, "ana"), CancellationToken.None);

        var all = await store.ListSinceAsync(T0, CancellationToken.None);

        Assert.Equal(["anon:7f3a", "ana", "ben"], all.Select(e => e.Entry.AuthorKey));
        Assert.Equal(["g2", "g1", "g1"], all.Select(e => e.GroupId));
        var ben = all[2].Entry;
        Assert.Equal(Entry(5, "ben").Timestamp, ben.Timestamp);
        Assert.Equal(TimeSpan.Zero, ben.Timestamp.Offset);
        Assert.Equal("nothing will ever change", ben.Excerpt);
        Assert.Equal(Entry(5, "ben").Reasons, ben.Reasons);
    }

    [Fact]
    public async Task ListSinceAsync_OnlyEntriesAtOrAfterTheGivenTime()
    {
        using var db = Open(onFile: false);
        var store = new LiteDbSpiralEntryStore(db);
        await store.AddAsync("g1", Entry(0, "ana"), CancellationToken.None);
        await store.AddAsync("g1", Entry(10, "ben"), CancellationToken.None);
        await store.AddAsync("g1", Entry(20, "cat"), CancellationToken.None);

        var since = await store.ListSinceAsync(Entry(10, "ben").Timestamp, CancellationToken.None);

        Assert.Equal(["ben", "cat"], since.Select(e => e.Entry.AuthorKey));
    }

    [Fact]
    public async Task DeleteUpToAsync_OnlyThatGroupUpToThatTime()
    {
        using var db = Open(onFile: false);
        var store = new LiteDbSpiralEntryStore(db);
        await store.AddAsync("g1", Entry(0, "ana"), CancellationToken.None);
        await store.AddAsync("g1", Entry(4, "ben"), CancellationToken.None);
        await store.AddAsync("g1", Entry(9, "cat"), CancellationToken.None);
        await store.AddAsync("g2", Entry(1, "dev"), CancellationToken.None);

        var deleted = await store.DeleteUpToAsync("g1", Entry(4, "ben").Timestamp, CancellationToken.None);

        Assert.Equal(2, deleted);
        Assert.Equal(["dev", "cat"], (await store.ListSinceAsync(DateTimeOffset.MinValue, CancellationToken.None)).Select(e => e.Entry.AuthorKey));
    }

    [Fact]
    public async Task PurgeBeforeAsync_EveryGroupOlderThanTheCut()
    {
        using var db = Open(onFile: false);
        var store = new LiteDbSpiralEntryStore(db);
        await store.AddAsync("g1", Entry(0, "ana"), CancellationToken.None);
        await store.AddAsync("g2", Entry(1, "dev"), CancellationToken.None);
        await store.AddAsync("g1", Entry(30, "cat"), CancellationToken.None);

        Assert.Equal(2, await store.PurgeBeforeAsync(T0.AddMinutes(30), CancellationToken.None));

        Assert.Equal(["cat"], (await store.ListSinceAsync(DateTimeOffset.MinValue, CancellationToken.None)).Select(e => e.Entry.AuthorKey));
        Assert.Equal(0, await store.PurgeBeforeAsync(T0.AddMinutes(30), CancellationToken.None));
    }

    [Fact]
    public async Task Reopen_EntriesSurviveAndSchemaVersionUnchanged()
    {
        Directory.CreateDirectory(_folder);
        using (var db = PeerBotDatabase.OpenFile(DbPath))
        {
            await new LiteDbSpiralEntryStore(db).AddAsync("g1", Entry(0, "ana"), CancellationToken.None);
        }

        using var reopened = PeerBotDatabase.OpenFile(DbPath);
        var kept = await new LiteDbSpiralEntryStore(reopened).ListSinceAsync(DateTimeOffset.MinValue, CancellationToken.None);

        Assert.Equal("ana", Assert.Single(kept).Entry.AuthorKey);
        Assert.Equal(PeerBotDatabase.CurrentSchemaVersion, reopened.SchemaVersion);
    }

    [Fact]
    public async Task DeleteAndPurge_ExcerptsAndReasonsGoneFromTheFilesAtOnce()
    {
        using var db = PeerBotDatabase.OpenFile(DbPath);
        var store = new LiteDbSpiralEntryStore(db);
        const string Alerted = "words of a message an alert counted 5e1c";
        const string Expired = "words of a message that left the window 8a2f";
        await store.AddAsync("g1", Entry(0, "ana", Alerted) with { Reasons = ["futility: \"quoted 5e1c\""] }, CancellationToken.None);
        await store.AddAsync("g2", Entry(1, "ben", Expired), CancellationToken.None);
        Assert.True(FilesHold(Alerted) && FilesHold("quoted 5e1c") && FilesHold(Expired), "the scan sees the kept words");

        await store.DeleteUpToAsync("g1", T0.AddMinutes(5), CancellationToken.None);
        Assert.False(FilesHold(Alerted), "an alerted message's excerpt is still in the database files");
        Assert.False(FilesHold("quoted 5e1c"), "an alerted message's quoted reason is still in the database files");
        Assert.True(FilesHold(Expired));

        await store.PurgeBeforeAsync(T0.AddMinutes(40), CancellationToken.None);
        Assert.False(FilesHold(Expired), "an expired message's excerpt is still in the database files");
    }

    [Theory]
    [MemberData(nameof(OnFile))]
    public async Task DeleteByAuthorsAsync_PersonIdAndHandle_EveryGroupOthersKept(bool onFile)
    {
        using var db = Open(onFile);
        var store = new LiteDbSpiralEntryStore(db);
        await store.AddAsync("g1", Entry(0, "ana"), CancellationToken.None);
        await store.AddAsync("g2", Entry(1, "h_anaHandle"), CancellationToken.None);
        await store.AddAsync("g1", Entry(2, "ben"), CancellationToken.None);
        await store.AddAsync("g2", Entry(3, "h_benHandle"), CancellationToken.None);
        await store.AddAsync("g1", Entry(4, "ANA"), CancellationToken.None);

        var deleted = await store.DeleteByAuthorsAsync(["ana", "h_anaHandle"], CancellationToken.None);

        Assert.Equal(2, deleted);
        var left = await store.ListSinceAsync(DateTimeOffset.MinValue, CancellationToken.None);
        Assert.Equal(["ben", "h_benHandle", "ANA"], left.Select(e => e.Entry.AuthorKey));
        Assert.Equal(0, await store.DeleteByAuthorsAsync([], CancellationToken.None));
        Assert.Equal(0, await store.DeleteByAuthorsAsync(["ana"], CancellationToken.None));
    }

    [Fact]
    public async Task DeleteByAuthorsAsync_ExcerptsGoneFromTheFilesAtOnce()
    {
        using var db = PeerBotDatabase.OpenFile(DbPath);
        var store = new LiteDbSpiralEntryStore(db);
        const string Forgotten = "words of someone who asked to be forgotten 3d9b";
        const string Kept = "words of someone else 7c41";
        await store.AddAsync("g1", Entry(0, "h_anaHandle", Forgotten), CancellationToken.None);
        await store.AddAsync("g1", Entry(1, "ben", Kept), CancellationToken.None);
        Assert.True(FilesHold(Forgotten) && FilesHold(Kept), "the scan sees the kept words");

        await store.DeleteByAuthorsAsync(["ana", "h_anaHandle"], CancellationToken.None);

        Assert.False(FilesHold(Forgotten), "a forgotten person's excerpt is still in the database files");
        Assert.True(FilesHold(Kept));
    }

    [Fact]
    public void AddLiteDbSafetyStore_ReplacesTheInMemoryWindow()
    {
        var services = new ServiceCollection();
        services.AddSingleton(PeerBotDatabase.OpenInMemory());
        services.AddSingleton<ISpiralEntryStore, InMemorySpiralEntryStore>();

        services.AddLiteDbSafetyStore();
        using var provider = services.BuildServiceProvider(new ServiceProviderOptions { ValidateOnBuild = true, ValidateScopes = true });

        Assert.IsType<LiteDbSpiralEntryStore>(provider.GetRequiredService<ISpiralEntryStore>());
    }

    /// <summary>Reads the data file and LiteDB's log file while the database is open, for the text in UTF-8 or UTF-16.</summary>
    private bool FilesHold(string text)
    {
        var bytes = Directory.GetFiles(_folder, "peerbot*").SelectMany(path =>
        {
            using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete);
            using var copy = new MemoryStream();
            stream.CopyTo(copy);
            return copy.ToArray();
        }).ToArray();
        return bytes.AsSpan().IndexOf(Encoding.UTF8.GetBytes(text)) >= 0
            || bytes.AsSpan().IndexOf(Encoding.Unicode.GetBytes(text)) >= 0
            || bytes.AsSpan().IndexOf(Encoding.BigEndianUnicode.GetBytes(text)) >= 0;
    }
}
