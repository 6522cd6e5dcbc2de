using PeerBot.Core.Sharing;
using PeerBot.Testing.Sharing;

namespace PeerBot.Core.Tests.Sharing;

public sealed class AnonymityKeyTests : IDisposable
{
    private readonly string _folder = Directory.CreateTempSubdirectory("peerbot-key-").FullName;

    private string KeyPath => Path.Combine(_folder, "data", "anonymity.key");

    [Fact]
    public void LoadOrCreate_FirstRun_CreatesOwnerOnlyKeyAndRecordsFingerprint()
    {
        var record = new InMemoryAnonymityKeyRecord();

        var key = AnonymityKey.LoadOrCreate(KeyPath, record, () => false);

        Assert.Equal(AnonymityKey.KeyLength, key.Length);
        Assert.Equal(key, File.ReadAllBytes(KeyPath));
        Assert.Equal(AnonymityKey.Fingerprint(key), record.Fingerprint);
        if (!OperatingSystem.IsWindows())
        {
            Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(KeyPath));
        }
    }

    [Theory]
    [InlineData(UnixFileMode.GroupRead)]
    [InlineData(UnixFileMode.OtherRead)]
    [InlineData(UnixFileMode.GroupWrite)]
    public void LoadOrCreate_KeyReadableByOthers_RefusedNamingTheFileAndTheFix(UnixFileMode extra)
    {
        if (!OperatingSystem.IsLinux() && !OperatingSystem.IsMacOS())
        {
            return;
        }

        var record = new InMemoryAnonymityKeyRecord();
        AnonymityKey.LoadOrCreate(KeyPath, record, () => false);
        File.SetUnixFileMode(KeyPath, UnixFileMode.UserRead | UnixFileMode.UserWrite | extra);

        var ex = Assert.Throws<AnonymityKeyException>(() => AnonymityKey.LoadOrCreate(KeyPath, record, () => true));

        Assert.Contains(KeyPath, ex.Message, StringComparison.Ordinal);
        Assert.Contains("chmod 600", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void KeyPathDefault_IsApartFromTheDatabaseFolder()
    {
        var options = new PeerBot.Core.Configuration.PeerBotOptions();

        Assert.NotEqual(
            Path.GetDirectoryName(Path.GetFullPath(options.Storage.Path)),
            Path.GetDirectoryName(Path.GetFullPath(options.Anonymity.KeyPath)));
        Assert.True(AnonymityKey.SharesFolderWithDatabase("data/anonymity.key", "data/peerbot.db"));
        Assert.False(AnonymityKey.SharesFolderWithDatabase(options.Anonymity.KeyPath, options.Storage.Path));
    }

    [Fact]
    public void LoadOrCreate_SecondRun_LoadsSameKey()
    {
        var record = new InMemoryAnonymityKeyRecord();
        var first = AnonymityKey.LoadOrCreate(KeyPath, record, () => false);

        var second = AnonymityKey.LoadOrCreate(KeyPath, record, () => true);

        Assert.Equal(first, second);
    }

    [Fact]
    public void LoadOrCreate_FileMissingButFingerprintRecorded_ThrowsWithoutCreatingKey()
    {
        var record = new InMemoryAnonymityKeyRecord();
        AnonymityKey.LoadOrCreate(KeyPath, record, () => false);
        File.Delete(KeyPath);

        var ex = Assert.Throws<AnonymityKeyException>(() => AnonymityKey.LoadOrCreate(KeyPath, record, () => false));

        Assert.Contains("missing", ex.Message, StringComparison.Ordinal);
        Assert.False(File.Exists(KeyPath));
    }

    [Fact]
    public void LoadOrCreate_FileMissingButStoreHasHandles_Throws()
    {
        var ex = Assert.Throws<AnonymityKeyException>(() => AnonymityKey.LoadOrCreate(KeyPath, new InMemoryAnonymityKeyRecord(), () => true));

        Assert.Contains("Restore the key file", ex.Message, StringComparison.Ordinal);
        Assert.False(File.Exists(KeyPath));
    }

    [Fact]
    public void LoadOrCreate_WrongLength_ThrowsAndKeepsFile()
    {
        Directory.CreateDirectory(Path.GetDirectoryName(KeyPath)!);
        File.WriteAllBytes(KeyPath, [1, 2, 3]);
        if (!OperatingSystem.IsWindows())
        {
            File.SetUnixFileMode(KeyPath, UnixFileMode.UserRead | UnixFileMode.UserWrite);
        }

        var ex = Assert.Throws<AnonymityKeyException>(() => AnonymityKey.LoadOrCreate(KeyPath, new InMemoryAnonymityKeyRecord(), () => false));

        Assert.Contains("holds 3 bytes", ex.Message, StringComparison.Ordinal);
        Assert.Equal(3, new FileInfo(KeyPath).Length);
    }

    [Fact]
    public void LoadOrCreate_Unreadable_Throws()
    {
        // A folder where the key file should be cannot be read as a file, even by root.
        Directory.CreateDirectory(KeyPath);

        var ex = Assert.Throws<AnonymityKeyException>(() => AnonymityKey.LoadOrCreate(KeyPath, new InMemoryAnonymityKeyRecord(), () => false));

        Assert.Contains("cannot be read", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void LoadOrCreate_DifferentKeyThanRecorded_Throws()
    {
        var record = new InMemoryAnonymityKeyRecord();
        AnonymityKey.LoadOrCreate(KeyPath, record, () => false);
        File.WriteAllBytes(KeyPath, new byte[AnonymityKey.KeyLength]);

        var ex = Assert.Throws<AnonymityKeyException>(() => AnonymityKey.LoadOrCreate(KeyPath, record, () => true));

        Assert.Contains("not the key this database was used with", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void LoadOrCreate_Errors_NeverContainTheKey()
    {
        var record = new InMemoryAnonymityKeyRecord();
        var key = AnonymityKey.LoadOrCreate(KeyPath, record, () => false);
        File.WriteAllBytes(KeyPath, new byte[AnonymityKey.KeyLength]);

        var ex = Assert.Throws<AnonymityKeyException>(() => AnonymityKey.LoadOrCreate(KeyPath, record, () => true));

        Assert.DoesNotContain(Convert.ToBase64String(key), ex.Message, StringComparison.Ordinal);
        Assert.DoesNotContain(Convert.ToHexString(key), ex.Message, StringComparison.OrdinalIgnoreCase);
    }

    [Fact]
    public void HandleOf_SamePersonSameKey_StableAndOpaque()
    {
        using var world = new SharingWorld();
        var handles = new AuthorHandles(new byte[32], world.People);
        var other = new AuthorHandles(Enumerable.Repeat((byte)7, 32).ToArray(), world.People);

        var handle = handles.HandleOf(SharingWorld.Ana);

        Assert.Equal(handle, handles.HandleOf(SharingWorld.Ana));
        Assert.NotEqual(handle, handles.HandleOf(SharingWorld.Ben));
        Assert.NotEqual(handle, other.HandleOf(SharingWorld.Ana));
        Assert.DoesNotContain("ana", handle, StringComparison.OrdinalIgnoreCase);
        Assert.Equal(SharingWorld.Ana, handles.FindAuthor(handle)!.Id);
    }

    public void Dispose() => Directory.Delete(_folder, recursive: true);
}
