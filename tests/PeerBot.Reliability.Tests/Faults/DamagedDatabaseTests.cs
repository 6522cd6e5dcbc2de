using System.Text.Json.Nodes;
using PeerBot.Cli;
using PeerBot.Reliability.Tests.Fuzzing;
using PeerBot.Reliability.Tests.Security;
using PeerBot.Storage;

namespace PeerBot.Reliability.Tests.Faults;

/// <summary>
/// A damaged or unusable database file, met by the real <c>run</c> verb: the start is refused with a message that names
/// the file and says what to do, nothing else starts, and the file (and its folder) is left exactly as it was.
/// </summary>
[Collection(SerialCollection.Name)]
public sealed class DamagedDatabaseTests : IDisposable
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(60);

    private readonly string _folder = Directory.CreateTempSubdirectory("peerbot-damaged-").FullName;

    public DamagedDatabaseTests() => DatabasePath = Path.Combine(_folder, "peerbot.db");

    private string DatabasePath { get; }

    public void Dispose() => Directory.Delete(_folder, recursive: true);

    private string WriteConfig()
    {
        var config = new JsonObject
        {
            ["PeerBot"] = new JsonObject
            {
                ["Storage"] = new JsonObject { ["Path"] = DatabasePath },
                ["Discord"] = new JsonObject { ["Token"] = ConfigFuzzTests.DiscordSecret, ["GuildId"] = "123456789012345678", ["ApiBaseUrl"] = "http://127.0.0.1:9/api/v10" },
                ["Anonymity"] = new JsonObject { ["KeyPath"] = Path.Combine(_folder, "anonymity.key") },
            },
        };
        var path = Path.Combine(_folder, "config.json");
        File.WriteAllText(path, config.ToJsonString());
        return path;
    }

    /// <summary>Runs <c>peerbot run</c>, capturing its writers and the console (where the host logs).</summary>
    private async Task<(int Exit, string Output)> RunAsync()
    {
        var config = WriteConfig();
        using var output = new StringWriter();
        using var error = new StringWriter();
        using var console = new StringWriter();
        var (stdout, stderr) = (Console.Out, Console.Error);
        Console.SetOut(console);
        Console.SetError(console);
        try
        {
            // If the start were not refused the host would run on: the token stops it, and the exit code tells.
            using var stop = new CancellationTokenSource(Patience);
            var exit = await new PeerBotCli(TextReader.Null, output, error, TimeProvider.System).RunAsync(["run", "--config", config], stop.Token);
            return (exit, output + "\n" + error + "\n" + console);
        }
        finally
        {
            Console.SetOut(stdout);
            Console.SetError(stderr);
        }
    }

    private Dictionary<string, byte[]> Snapshot() =>
        Directory.EnumerateFileSystemEntries(_folder, "peerbot*")
            .ToDictionary(p => p, p => File.Exists(p) ? File.ReadAllBytes(p) : []);

    private async Task AssertRefusedAndUntouchedAsync()
    {
        var before = Snapshot();

        var (exit, output) = await RunAsync();

        Assert.Equal(PeerBotCli.Failed, exit);
        Assert.Contains($"The database file '{DatabasePath}' could not be opened", output, StringComparison.Ordinal);
        Assert.Contains("It was left as it is; restore it from a backup or move it aside to start afresh.", output, StringComparison.Ordinal);
        Assert.DoesNotContain(ConfigFuzzTests.DiscordSecret, output, StringComparison.Ordinal);
        Assert.DoesNotContain("Application started", output, StringComparison.Ordinal);
        var after = Snapshot();
        Assert.Equal(before.Keys.Order(), after.Keys.Order());
        foreach (var (path, bytes) in before)
        {
            Assert.True(bytes.AsSpan().SequenceEqual(after[path]), $"{path} was changed");
        }

        Assert.False(File.Exists(Path.Combine(_folder, "anonymity.key")), "the start went on to create the anonymity key");
    }

    private void WriteValidDatabase()
    {
        using var database = PeerBotDatabase.OpenFile(DatabasePath);
        var notes = database.Database.GetCollection("notes");
        for (var i = 0; i < 200; i++)
        {
            notes.Insert(new LiteDB.BsonDocument { ["Text"] = new string('n', 200) + i });
        }
    }

    [Fact]
    public async Task Run_GarbageFile_RefusedWithClearMessageFileUntouched()
    {
        var garbage = new byte[3 * 8192];
        new Random(9909).NextBytes(garbage);
        await File.WriteAllBytesAsync(DatabasePath, garbage);

        await AssertRefusedAndUntouchedAsync();
    }

    [Fact]
    public async Task Run_HeaderPageOverwritten_RefusedWithClearMessageFileUntouched()
    {
        WriteValidDatabase();
        var bytes = await File.ReadAllBytesAsync(DatabasePath);
        new Random(9910).NextBytes(bytes.AsSpan(0, 8192));
        await File.WriteAllBytesAsync(DatabasePath, bytes);

        await AssertRefusedAndUntouchedAsync();
    }

    [Theory]
    [InlineData(100)]
    [InlineData(8192 + 100)]
    [InlineData(2 * 8192)]
    public async Task Run_TruncatedFile_RefusedWithClearMessageFileUntouched(int length)
    {
        WriteValidDatabase();
        await using (var file = new FileStream(DatabasePath, FileMode.Open))
        {
            file.SetLength(length);
        }

        await AssertRefusedAndUntouchedAsync();
    }

    [Fact]
    public async Task Run_FolderWhereTheFileShouldBe_RefusedWithClearMessageFolderUntouched()
    {
        Directory.CreateDirectory(DatabasePath);
        await File.WriteAllTextAsync(Path.Combine(DatabasePath, "keep.txt"), "not a database");

        await AssertRefusedAndUntouchedAsync();

        Assert.Equal("not a database", await File.ReadAllTextAsync(Path.Combine(DatabasePath, "keep.txt")));
    }
}
