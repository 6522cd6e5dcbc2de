using LiteDB;
using Microsoft.Extensions.DependencyInjection;
using PeerBot.Core.Platform;
using PeerBot.Core.Safety;
using PeerBot.Storage.Safety;

namespace PeerBot.Storage.Tests.Safety;

public sealed class LiteDbAlertStoreTests : IDisposable
{
    private static readonly DateTimeOffset T0 = new(2026, 11, 2, 21, 0, 0, TimeSpan.Zero);
    private readonly string _folder = Path.Combine(Path.GetTempPath(), "peerbot-safety-" + Guid.NewGuid().ToString("N"));

    public void Dispose()
    {
        if (Directory.Exists(_folder))
        {
            Directory.Delete(_folder, recursive: true);
        }
    }

    private static AlertRecord Alert(string id, string group = "g1", AlertKind kind = AlertKind.Spiral, int minute = 0) => new()
    {
        Id = id,
        GroupId = group,
        Kind = kind,
        RaisedAt = T0.AddMinutes(minute),
        MessageCount = 3,
        PeopleCount = 2,
        Excerpts = ["nothing will ever change", "what's the point"],
        Reasons = ["permanence: \"nothing will ever change\"", "futility: \"what's the point\""],
        SuggestedPrompt = "What is one thing within your control?",
    };

    public static TheoryData<bool> OnFile() => new() { false, true };

    private PeerBotDatabase Open(bool onFile) =>
        onFile ? PeerBotDatabase.OpenFile(Path.Combine(_folder, "peerbot.db")) : PeerBotDatabase.OpenInMemory();

    [Theory]
    [MemberData(nameof(OnFile))]
    public async Task TryAddAsync_ThenFind_RoundTripsEveryField(bool onFile)
    {
        using var db = Open(onFile);
        var store = new LiteDbAlertStore(db);
        var alert = Alert("A7K2", kind: AlertKind.Crisis) with
        {
            Status = AlertStatus.Resolved,
            AuthorPersonId = "ana",
            DeliveredTo = [new DeliveredAlertMessage("kim", new MessageRef(new ChannelRef(PlatformKind.Slack, "D1"), "1700000000.000100"))],
            AuthorReplied = true,
            Delivered = true,
            DeliveryAttempts = 2,
            AcknowledgedBy = "kim",
            AcknowledgedAt = T0.AddMinutes(3),
            ResolvedBy = "lee",
            ResolvedAt = T0.AddHours(1),
            ResolutionNote = "talked, safe",
            AuthorAnswerToken = "q8Zr0tY1uI2oP3aS4dF5gH6j",
            AuthorAnswer = CrisisAnswer.ReachOut,
            AuthorAnsweredAt = T0.AddMinutes(2),
        };

        Assert.True(await store.TryAddAsync(alert, CancellationToken.None));
        var found = await store.FindAsync("a7k2", CancellationToken.None);

        Assert.NotNull(found);
        Assert.Equal(alert.Excerpts, found.Excerpts);
        Assert.Equal(alert.Reasons, found.Reasons);
        Assert.Equal(alert.DeliveredTo, found.DeliveredTo);
        Assert.Equal(alert with { Excerpts = found.Excerpts, Reasons = found.Reasons, DeliveredTo = found.DeliveredTo }, found);
    }

    [Theory]
    [MemberData(nameof(OnFile))]
    public async Task TryAddAsync_CopingNote_RoundTripsKindAndAuthorKey(bool onFile)
    {
        using var db = Open(onFile);
        var store = new LiteDbAlertStore(db);
        var note = Alert("C0PE", kind: AlertKind.Coping) with
        {
            MessageCount = 1,
            PeopleCount = 1,
            Excerpts = ["need three glasses of wine to fall asleep"],
            Reasons = ["coping, alcohol: \"wine to fall asleep\""],
            SuggestedPrompt = null,
            AuthorAnonymous = true,
            AuthorKey = "h_Zq81mXw0aB3cD4eF5gH6",
            AuthorReplied = true,
        };

        Assert.True(await store.TryAddAsync(note, CancellationToken.None));
        var found = (await store.FindAsync("c0pe", CancellationToken.None))!;
        var listed = Assert.Single(await store.ListAsync(["g1"], includeResolved: true, CancellationToken.None));

        Assert.Equal(AlertKind.Coping, found.Kind);
        Assert.Equal("h_Zq81mXw0aB3cD4eF5gH6", found.AuthorKey);
        Assert.Null(found.AuthorPersonId);
        Assert.Equal(note with { Excerpts = found.Excerpts, Reasons = found.Reasons, DeliveredTo = found.DeliveredTo }, found);
        Assert.Equal(note.Excerpts, found.Excerpts);
        Assert.Equal(AlertKind.Coping, listed.Kind);
        Assert.Equal(1, await store.PurgeExcerptsAsync(T0.AddDays(1), T0.AddDays(31), CancellationToken.None));
        Assert.Equal("h_Zq81mXw0aB3cD4eF5gH6", (await store.FindAsync("C0PE", CancellationToken.None))!.AuthorKey);
    }

    [Fact]
    public async Task FindAndList_AlertWrittenBeforeCopingNotes_LoadsWithNoAuthorKey()
    {
        var path = Path.Combine(_folder, "peerbot.db");
        using (var db = PeerBotDatabase.OpenFile(path))
        {
            // A spiral alert as the previous version wrote it: every field but authorKey.
            db.Database.GetCollection(LiteDbAlertStore.CollectionName).Insert(new BsonDocument
            {
                ["_id"] = "OLD1",
                ["groupId"] = "g1",
                ["kind"] = "Spiral",
                ["status"] = "Acknowledged",
                ["raisedAt"] = T0.UtcTicks,
                ["messageCount"] = 3,
                ["peopleCount"] = 2,
                ["excerpts"] = new BsonArray(new BsonValue("nothing will ever change")),
                ["reasons"] = new BsonArray(new BsonValue("permanence: \"nothing will ever change\"")),
                ["suggestedPrompt"] = "What is one thing within your control?",
                ["authorPersonId"] = BsonValue.Null,
                ["authorAnonymous"] = false,
                ["deliveredTo"] = new BsonArray(),
                ["authorReplied"] = true,
                ["delivered"] = true,
                ["deliveryAttempts"] = 1,
                ["acknowledgedBy"] = "lee",
                ["acknowledgedAt"] = T0.AddMinutes(5).UtcTicks,
                ["resolvedBy"] = BsonValue.Null,
                ["resolvedAt"] = BsonValue.Null,
                ["resolutionNote"] = BsonValue.Null,
                ["excerptsPurgedAt"] = BsonValue.Null,
            });
        }

        using var reopened = PeerBotDatabase.OpenFile(path);
        var store = new LiteDbAlertStore(reopened);
        var found = (await store.FindAsync("OLD1", CancellationToken.None))!;
        await store.TryAddAsync(Alert("C0PE", kind: AlertKind.Coping) with { AuthorKey = "ana" }, CancellationToken.None);

        Assert.Equal(AlertKind.Spiral, found.Kind);
        Assert.Equal(AlertStatus.Acknowledged, found.Status);
        Assert.Null(found.AuthorKey);
        Assert.Equal(["C0PE", "OLD1"], (await store.ListAsync(["g1"], includeResolved: true, CancellationToken.None)).Select(a => a.Id).Order(StringComparer.Ordinal));
        Assert.Equal(PeerBotDatabase.CurrentSchemaVersion, reopened.SchemaVersion);
    }

    [Theory]
    [MemberData(nameof(OnFile))]
    public async Task FindByAuthorAnswerTokenAsync_ExactTokenOnly_AndNotOnceCleared(bool onFile)
    {
        using var db = Open(onFile);
        var store = new LiteDbAlertStore(db);
        var alert = Alert("A1", kind: AlertKind.Crisis) with { AuthorPersonId = "ana", AuthorAnswerToken = "q8Zr0tY1uI2oP3aS4dF5gH6j" };
        await store.TryAddAsync(alert, CancellationToken.None);
        await store.TryAddAsync(Alert("A2"), CancellationToken.None);

        Assert.Equal("A1", (await store.FindByAuthorAnswerTokenAsync("q8Zr0tY1uI2oP3aS4dF5gH6j", CancellationToken.None))?.Id);
        Assert.Null(await store.FindByAuthorAnswerTokenAsync("Q8ZR0TY1UI2OP3AS4DF5GH6J", CancellationToken.None));
        Assert.Null(await store.FindByAuthorAnswerTokenAsync("", CancellationToken.None));

        await store.UpdateAsync(alert.WithoutAuthorAnswer(), CancellationToken.None);

        Assert.Null(await store.FindByAuthorAnswerTokenAsync("q8Zr0tY1uI2oP3aS4dF5gH6j", CancellationToken.None));
    }

    [Fact]
    public async Task TryAddAsync_DuplicateId_False()
    {
        using var db = PeerBotDatabase.OpenInMemory();
        var store = new LiteDbAlertStore(db);

        Assert.True(await store.TryAddAsync(Alert("A7K2"), CancellationToken.None));
        Assert.False(await store.TryAddAsync(Alert("A7K2", group: "g2"), CancellationToken.None));
        Assert.Equal("g1", (await store.FindAsync("A7K2", CancellationToken.None))!.GroupId);
    }

    [Fact]
    public async Task ListAsync_FiltersGroupsAndResolved_NewestFirst()
    {
        using var db = PeerBotDatabase.OpenInMemory();
        var store = new LiteDbAlertStore(db);
        await store.TryAddAsync(Alert("AAAA", minute: 0), CancellationToken.None);
        await store.TryAddAsync(Alert("CCCC", minute: 10) with { Status = AlertStatus.Acknowledged }, CancellationToken.None);
        await store.TryAddAsync(Alert("DDDD", minute: 20) with { Status = AlertStatus.Resolved }, CancellationToken.None);
        await store.TryAddAsync(Alert("EEEE", group: "g2", minute: 30), CancellationToken.None);

        var open = await store.ListAsync(["g1"], includeResolved: false, CancellationToken.None);
        var all = await store.ListAsync(["g1", "g2"], includeResolved: true, CancellationToken.None);

        Assert.Equal(["CCCC", "AAAA"], open.Select(a => a.Id));
        Assert.Equal(["EEEE", "DDDD", "CCCC", "AAAA"], all.Select(a => a.Id));
        Assert.Empty(await store.ListAsync([], includeResolved: true, CancellationToken.None));
    }

    [Fact]
    public async Task ListUndeliveredAsync_CrisisFirstThenOldest()
    {
        using var db = PeerBotDatabase.OpenInMemory();
        var store = new LiteDbAlertStore(db);
        await store.TryAddAsync(Alert("AAAA", minute: 0), CancellationToken.None);
        await store.TryAddAsync(Alert("CCCC", kind: AlertKind.Crisis, minute: 5), CancellationToken.None);
        await store.TryAddAsync(Alert("DDDD", minute: 1) with { Delivered = true }, CancellationToken.None);

        var pending = await store.ListUndeliveredAsync(CancellationToken.None);

        Assert.Equal(["CCCC", "AAAA"], pending.Select(a => a.Id));
    }

    [Fact]
    public async Task UpdateAsync_UnknownAlert_Throws()
    {
        using var db = PeerBotDatabase.OpenInMemory();
        var store = new LiteDbAlertStore(db);

        await Assert.ThrowsAsync<InvalidOperationException>(() => store.UpdateAsync(Alert("ZZZZ"), CancellationToken.None));
    }

    [Theory]
    [MemberData(nameof(OnFile))]
    public async Task PurgeExcerptsAsync_OlderThanCutoff_RemovesTextKeepsCounts(bool onFile)
    {
        using var db = Open(onFile);
        var store = new LiteDbAlertStore(db);
        await store.TryAddAsync(Alert("AAAA", minute: 0), CancellationToken.None);
        await store.TryAddAsync(Alert("CCCC", minute: 60), CancellationToken.None);
        var now = T0.AddDays(31);

        var purged = await store.PurgeExcerptsAsync(T0.AddMinutes(30), now, CancellationToken.None);
        var again = await store.PurgeExcerptsAsync(T0.AddMinutes(30), now, CancellationToken.None);

        Assert.Equal(1, purged);
        Assert.Equal(0, again);
        var old = (await store.FindAsync("AAAA", CancellationToken.None))!;
        Assert.Empty(old.Excerpts);
        Assert.Equal(["permanence", "futility"], old.Reasons);
        Assert.Equal(now, old.ExcerptsPurgedAt);
        Assert.Equal(3, old.MessageCount);
        Assert.NotEmpty((await store.FindAsync("CCCC", CancellationToken.None))!.Excerpts);
    }

    [Theory]
    [MemberData(nameof(OnFile))]
    public async Task ListPurgeNotShownAsync_PurgedUntilShown(bool onFile)
    {
        using var db = Open(onFile);
        var store = new LiteDbAlertStore(db);
        await store.TryAddAsync(Alert("AAAA", minute: 0), CancellationToken.None);
        await store.TryAddAsync(Alert("BBBB", minute: 10), CancellationToken.None);
        await store.TryAddAsync(Alert("CCCC", minute: 60), CancellationToken.None);
        await store.PurgeExcerptsAsync(T0.AddMinutes(30), T0.AddDays(31), CancellationToken.None);

        Assert.Equal(["AAAA", "BBBB"], (await store.ListPurgeNotShownAsync(CancellationToken.None)).Select(a => a.Id));

        var shown = (await store.FindAsync("AAAA", CancellationToken.None))! with { PurgeShown = true };
        await store.UpdateAsync(shown, CancellationToken.None);

        Assert.True((await store.FindAsync("AAAA", CancellationToken.None))!.PurgeShown);
        Assert.Equal(["BBBB"], (await store.ListPurgeNotShownAsync(CancellationToken.None)).Select(a => a.Id));
    }

    [Fact]
    public async Task ListPurgeNotShownAsync_AlertPurgedByAnOlderVersion_ListedSoItsMessagesAreEditedToo()
    {
        var path = Path.Combine(_folder, "peerbot.db");
        using (var db = PeerBotDatabase.OpenFile(path))
        {
            var store = new LiteDbAlertStore(db);
            await store.TryAddAsync(Alert("AAAA", minute: 0), CancellationToken.None);
            await store.TryAddAsync(Alert("CCCC", minute: 60), CancellationToken.None);
            await store.PurgeExcerptsAsync(T0.AddMinutes(30), T0.AddDays(31), CancellationToken.None);

            // As an older version stored them: no purgeShown field at all.
            var collection = db.Database.GetCollection(LiteDbAlertStore.CollectionName);
            foreach (var document in collection.FindAll().ToList())
            {
                document.Remove("purgeShown");
                collection.Update(document);
            }
        }

        using var reopened = PeerBotDatabase.OpenFile(path);
        var again = new LiteDbAlertStore(reopened);

        Assert.Equal(["AAAA"], (await again.ListPurgeNotShownAsync(CancellationToken.None)).Select(a => a.Id));
        Assert.False((await again.FindAsync("CCCC", CancellationToken.None))!.PurgeShown);
    }

    [Fact]
    public async Task Store_OnFile_SurvivesReopen()
    {
        var path = Path.Combine(_folder, "peerbot.db");
        using (var db = PeerBotDatabase.OpenFile(path))
        {
            await new LiteDbAlertStore(db).TryAddAsync(Alert("A7K2"), CancellationToken.None);
        }

        using var reopened = PeerBotDatabase.OpenFile(path);
        var found = await new LiteDbAlertStore(reopened).FindAsync("A7K2", CancellationToken.None);

        Assert.NotNull(found);
        Assert.Equal(T0, found.RaisedAt);
    }

    [Fact]
    public async Task PurgeExcerptsAsync_ExcerptsAndQuotedWordsGoneFromTheFilesAtOnce()
    {
        const string Excerpt = "an excerpt past its retention 3c9d";
        const string Quoted = "quoted words past retention 6b1e";
        using var db = PeerBotDatabase.OpenFile(Path.Combine(_folder, "peerbot.db"));
        var store = new LiteDbAlertStore(db);
        await store.TryAddAsync(Alert("A7K2") with { Excerpts = [Excerpt], Reasons = [$"futility: \"{Quoted}\""] }, CancellationToken.None);
        Assert.True(FilesHold(Excerpt) && FilesHold(Quoted), "the scan sees the excerpt");

        Assert.Equal(1, await store.PurgeExcerptsAsync(T0.AddMinutes(1), T0.AddDays(31), CancellationToken.None));

        Assert.False(FilesHold(Excerpt), "a purged excerpt is still in the database files");
        Assert.False(FilesHold(Quoted), "a purged quoted phrase is still in the database files");
        Assert.Equal(["futility"], (await store.FindAsync("A7K2", CancellationToken.None))!.Reasons);
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
        return bytes.AsSpan().IndexOf(System.Text.Encoding.UTF8.GetBytes(text)) >= 0
            || bytes.AsSpan().IndexOf(System.Text.Encoding.Unicode.GetBytes(text)) >= 0;
    }

    [Fact]
    public void AddLiteDbSafetyStore_ReplacesInMemoryStore()
    {
        var services = new ServiceCollection();
        services.AddSingleton(PeerBotDatabase.OpenInMemory());
        services.AddSingleton<IAlertStore, InMemoryAlertStore>();

        services.AddLiteDbSafetyStore();
        using var provider = services.BuildServiceProvider(new ServiceProviderOptions { ValidateOnBuild = true, ValidateScopes = true });

        Assert.IsType<LiteDbAlertStore>(provider.GetRequiredService<IAlertStore>());
    }
}
