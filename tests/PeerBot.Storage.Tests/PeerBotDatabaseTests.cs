using LiteDB;

namespace PeerBot.Storage.Tests;

public class PeerBotDatabaseTests
{
    private sealed class Note
    {
        public int Id { get; set; }

        public string Text { get; set; } = "";
    }

    [Fact]
    public void OpenInMemory_New_RecordsCurrentSchemaVersion()
    {
        using var database = PeerBotDatabase.OpenInMemory();

        Assert.Equal(PeerBotDatabase.CurrentSchemaVersion, database.SchemaVersion);
        Assert.Null(database.Path);
    }

    [Fact]
    public void OpenFile_FolderMissing_CreatesFolderAndFile()
    {
        using var temp = new TempFolder();
        var path = Path.Combine(temp.Path, "nested", "data", "peerbot.db");

        using (var database = PeerBotDatabase.OpenFile(path))
        {
            Assert.Equal(PeerBotDatabase.CurrentSchemaVersion, database.SchemaVersion);
        }

        Assert.True(File.Exists(path));
    }

    [Fact]
    public void OpenFile_Reopened_KeepsDataAndSchemaVersion()
    {
        using var temp = new TempFolder();
        var path = temp.File("peerbot.db");
        using (var database = PeerBotDatabase.OpenFile(path))
        {
            database.Database.GetCollection<Note>("notes").Insert(new Note { Text = "round trip" });
        }

        using var reopened = PeerBotDatabase.OpenFile(path);

        Assert.Equal("round trip", Assert.Single(reopened.Database.GetCollection<Note>("notes").FindAll()).Text);
        Assert.Equal(PeerBotDatabase.CurrentSchemaVersion, reopened.SchemaVersion);
    }

    [Fact]
    public void OpenFile_AfterProcessGoneWithoutClosing_RecoversCommittedData()
    {
        using var temp = new TempFolder();
        var path = temp.File("peerbot.db");
        var crashed = PeerBotDatabase.OpenFile(path);
        crashed.Database.GetCollection<Note>("notes").Insert(new Note { Text = "committed before the crash" });

        // Copy the files as they are on disk while the database is still open and never closed:
        // what a restarted process finds after the first was killed.
        var copy = temp.File("after-crash.db");
        File.Copy(path, copy);
        var log = Path.ChangeExtension(path, null) + "-log.db";
        if (File.Exists(log))
        {
            File.Copy(log, Path.ChangeExtension(copy, null) + "-log.db");
        }

        using var restarted = PeerBotDatabase.OpenFile(copy);

        Assert.Equal("committed before the crash", Assert.Single(restarted.Database.GetCollection<Note>("notes").FindAll()).Text);
        crashed.Dispose();
    }

    [Fact]
    public void OpenFile_NotADatabase_RefusesAndLeavesFileUntouched()
    {
        using var temp = new TempFolder();
        var path = temp.File("peerbot.db");
        var garbage = new byte[16384];
        new Random(42).NextBytes(garbage);
        File.WriteAllBytes(path, garbage);

        var error = Assert.Throws<StorageException>(() => PeerBotDatabase.OpenFile(path));

        Assert.Contains(path, error.Message, StringComparison.Ordinal);
        Assert.Contains("left as it is", error.Message, StringComparison.Ordinal);
        Assert.Equal(garbage, File.ReadAllBytes(path));
    }

    [Fact]
    public void OpenFile_NewerSchema_RefusesWithUpgradeAdvice()
    {
        using var temp = new TempFolder();
        var path = temp.File("peerbot.db");
        using (var raw = new LiteDatabase(path))
        {
            raw.UserVersion = PeerBotDatabase.CurrentSchemaVersion + 1;
        }

        var error = Assert.Throws<StorageException>(() => PeerBotDatabase.OpenFile(path));

        Assert.Contains("Upgrade PeerBot", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Database_ConcurrentWriters_KeepEveryWrite()
    {
        using var temp = new TempFolder();
        using var database = PeerBotDatabase.OpenFile(temp.File("peerbot.db"));
        var notes = database.Database.GetCollection<Note>("notes");

        await Task.WhenAll(Enumerable.Range(0, 8).Select(writer => Task.Run(() =>
        {
            for (var i = 0; i < 50; i++)
            {
                notes.Insert(new Note { Text = $"{writer}:{i}" });
            }
        })));

        Assert.Equal(400, notes.Count());
        Assert.Equal(400, notes.FindAll().Select(n => n.Text).Distinct().Count());
    }
}

public class PeerBotDatabaseModeTests
{
    private sealed class Row
    {
        public int Id { get; set; }

        public string Text { get; set; } = "";
    }

    [System.Runtime.Versioning.UnsupportedOSPlatform("windows")]
    private static void AssertOwnerOnly(string file)
    {
        Assert.True(File.Exists(file), file + " exists");
        var mode = File.GetUnixFileMode(file);
        Assert.True((mode & ~(UnixFileMode.UserRead | UnixFileMode.UserWrite)) == 0, $"{Path.GetFileName(file)} is {mode}, not owner-only");
    }

    [Fact]
    public void OpenFile_Unix_DatabaseAndLogAreOwnerOnly()
    {
        if (!OperatingSystem.IsLinux() && !OperatingSystem.IsMacOS())
        {
            return;
        }

        using var temp = new TempFolder();
        var path = Path.Combine(temp.Path, "peerbot.db");
        var log = Path.Combine(temp.Path, "peerbot-log.db");
        for (var round = 0; round < 2; round++)
        {
            using (var database = PeerBotDatabase.OpenFile(path))
            {
                var rows = database.Database.GetCollection<Row>("rows");
                rows.Insert(new Row { Text = "words" });
                AssertOwnerOnly(path);
                AssertOwnerOnly(log);
                database.FlushErasures();
                rows.Insert(new Row { Text = "more words" });
                AssertOwnerOnly(log);
            }

            AssertOwnerOnly(path);
            if (File.Exists(log))
            {
                AssertOwnerOnly(log);
            }
        }
    }

    [Fact]
    public void OpenFile_Unix_ExistingFilesReadableByOthers_AreTightened()
    {
        if (!OperatingSystem.IsLinux() && !OperatingSystem.IsMacOS())
        {
            return;
        }

        using var temp = new TempFolder();
        var path = Path.Combine(temp.Path, "peerbot.db");
        using (PeerBotDatabase.OpenFile(path))
        {
        }

        File.SetUnixFileMode(path, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.GroupRead | UnixFileMode.OtherRead);
        using (PeerBotDatabase.OpenFile(path))
        {
            AssertOwnerOnly(path);
        }
    }
}
