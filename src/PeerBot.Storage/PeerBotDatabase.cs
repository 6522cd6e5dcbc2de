using LiteDB;

namespace PeerBot.Storage;

/// <summary>
/// The one LiteDB database of a PeerBot instance. Every store in this assembly shares it.
/// LiteDB serialises writes itself; a single <see cref="LiteDatabase"/> per file is shared by the host.
/// </summary>
public sealed class PeerBotDatabase : IDisposable
{
    /// <summary>The schema version this build writes. Bump it with a migration in <see cref="Migrate"/>.</summary>
    public const int CurrentSchemaVersion = 1;

    private PeerBotDatabase(LiteDatabase database, string? path)
    {
        Database = database;
        Path = path;
    }

    private readonly Lock _setUpGate = new();

    /// <summary>The LiteDB database.</summary>
    public LiteDatabase Database { get; }

    /// <summary>The file path, or null for an in-memory database.</summary>
    public string? Path { get; }

    /// <summary>The schema version recorded in the file.</summary>
    public int SchemaVersion => Database.UserVersion;

    /// <summary>
    /// Opens (or creates, with its folder) the database file. A file that is not a LiteDB database,
    /// or one written by a newer PeerBot, is refused with <see cref="StorageException"/>, never replaced.
    /// </summary>
    public static PeerBotDatabase OpenFile(string path)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(path);
        var full = System.IO.Path.GetFullPath(path);
        var folder = System.IO.Path.GetDirectoryName(full);
        if (!string.IsNullOrEmpty(folder))
        {
            Directory.CreateDirectory(folder);
        }

        LiteDatabase database;
        try
        {
            if (CutShort(full) is { } problem)
            {
                throw new StorageException(Refusal(full, problem));
            }

            OwnerOnly(full);
            OwnerOnly(LogPath(full));

            // A mapper of its own: LiteDB's global mapper is shared by every database in the process and is not safe to
            // configure from two threads (two hosts starting at once met "Member 'Id' not found" from it).
            database = new LiteDatabase(
                new ConnectionString
                {
                    Filename = full,
                    Connection = ConnectionType.Direct,
                },
                new BsonMapper());

            // Touch the file so a damaged header is found now, not on first use.
            _ = database.GetCollectionNames().ToList();
        }
        catch (Exception ex) when (ex is LiteException or IOException or InvalidCastException or ArgumentException or InvalidOperationException or UnauthorizedAccessException or IndexOutOfRangeException)
        {
            throw new StorageException(Refusal(full, ex.Message), ex);
        }

        return Initialise(database, full);
    }

    /// <summary>
    /// Runs a store's one-time set-up (its mapper entries, collections and indexes) while no other store of this database
    /// runs its own. The host opens its stores from several background services at once, and neither LiteDB's mapper
    /// (configured from two threads it threw "Member 'Id' not found") nor its engine (two collections created at once
    /// throw "Collection was modified" in LiteDB 5.0) is safe for that. Stores create their collections here, so no
    /// later first write creates one.
    /// </summary>
    /// <typeparam name="T">What the set-up returns, usually the store's collections.</typeparam>
    /// <param name="setUp">The set-up, given the LiteDB database.</param>
    /// <returns>What <paramref name="setUp"/> returned.</returns>
    public T SetUp<T>(Func<LiteDatabase, T> setUp)
    {
        ArgumentNullException.ThrowIfNull(setUp);
        lock (_setUpGate)
        {
            return setUp(Database);
        }
    }

    /// <summary>
    /// Creates the named collection now if it does not exist (LiteDB otherwise creates it on its first write). Call it
    /// from <see cref="SetUp{T}"/>.
    /// </summary>
    /// <param name="database">The LiteDB database.</param>
    /// <param name="name">The collection's name.</param>
    public static void EnsureCollection(LiteDatabase database, string name)
    {
        ArgumentNullException.ThrowIfNull(database);
        if (database.CollectionExists(name))
        {
            return;
        }

        // LiteDB has no call that only creates a collection: a document written and deleted at once leaves it empty.
        var collection = database.GetCollection(name);
        var placeholder = new BsonValue("~peerbot-set-up");
        collection.Insert(new BsonDocument { ["_id"] = placeholder });
        collection.Delete(placeholder);
    }

    /// <summary>LiteDB's log file beside a data file: <c>name-log.ext</c>.</summary>
    public static string LogPath(string dataFile)
    {
        ArgumentNullException.ThrowIfNull(dataFile);
        var folder = System.IO.Path.GetDirectoryName(dataFile) ?? "";
        return System.IO.Path.Combine(folder, System.IO.Path.GetFileNameWithoutExtension(dataFile) + "-log" + System.IO.Path.GetExtension(dataFile));
    }

    /// <summary>
    /// Off Windows, makes a database file owner-only (0600): created so from the start when missing (LiteDB opens an
    /// empty file as a new database or an empty log), tightened when it exists with more.
    /// </summary>
    private static void OwnerOnly(string file)
    {
        if (OperatingSystem.IsWindows())
        {
            return;
        }

        const UnixFileMode ownerOnly = UnixFileMode.UserRead | UnixFileMode.UserWrite;
        if (!File.Exists(file))
        {
            try
            {
                using var created = new FileStream(file, new FileStreamOptions { Mode = FileMode.CreateNew, Access = FileAccess.Write, Share = FileShare.ReadWrite, UnixCreateMode = ownerOnly });
            }
            catch (IOException) when (File.Exists(file))
            {
                // Created meanwhile; tightened below.
            }
        }

        if ((File.GetUnixFileMode(file) & ~ownerOnly) != 0)
        {
            File.SetUnixFileMode(file, ownerOnly);
        }
    }

    private static string Refusal(string path, string problem) =>
        $"The database file '{path}' could not be opened: {problem.TrimEnd('.')}. It was left as it is; restore it from a backup or move it aside to start afresh.";

    /// <summary>
    /// LiteDB opens a file cut short without complaint (it even starts afresh in one shorter than a page), and the
    /// pages that are gone are found missing only later, or never. A LiteDB file is a whole number of pages, and its
    /// header names its last page, so a short file is known before LiteDB touches it.
    /// </summary>
    private static string? CutShort(string path)
    {
        if (!File.Exists(path))
        {
            return null;
        }

        var header = new byte[LastPageIdOffset + sizeof(uint)];
        long length;
        int read;
        using (var file = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite))
        {
            length = file.Length;
            read = file.ReadAtLeast(header, header.Length, throwOnEndOfStream: false);
        }

        if (length == 0)
        {
            // An empty file holds nothing to lose: LiteDB makes it a new database, as on a first run.
            return null;
        }

        if (length % PageSize != 0)
        {
            return $"its size ({length} bytes) is not a whole number of {PageSize}-byte pages, so it was cut short or is not a PeerBot database";
        }

        if (read == header.Length && System.Text.Encoding.ASCII.GetString(header, HeaderInfoOffset, HeaderInfo.Length) == HeaderInfo)
        {
            var expected = ((long)System.Buffers.Binary.BinaryPrimitives.ReadUInt32LittleEndian(header.AsSpan(LastPageIdOffset)) + 1) * PageSize;
            if (expected > length)
            {
                return $"it holds {length / PageSize} pages but its header names {expected / PageSize}, so it was cut short";
            }
        }

        return null;
    }

    // LiteDB 5's data file layout: 8 KB pages; page 0 is the header, with its signature at byte 32 and the id of the
    // last page at byte 64.
    private const int PageSize = 8192, HeaderInfoOffset = 32, LastPageIdOffset = 64;
    private const string HeaderInfo = "** This is a LiteDB file **";

    /// <summary>Opens a fresh in-memory database (tests, offline verbs).</summary>
    public static PeerBotDatabase OpenInMemory() => Initialise(new LiteDatabase(new MemoryStream(), new BsonMapper()), null);

    private static PeerBotDatabase Initialise(LiteDatabase database, string? path)
    {
        try
        {
            Migrate(database, path);
        }
        catch
        {
            database.Dispose();
            throw;
        }

        return new PeerBotDatabase(database, path);
    }

    private static void Migrate(LiteDatabase database, string? path)
    {
        var version = database.UserVersion;
        if (version > CurrentSchemaVersion)
        {
            throw new StorageException(
                $"The database '{path ?? "(memory)"}' has schema version {version}, newer than this PeerBot understands ({CurrentSchemaVersion}). Upgrade PeerBot.");
        }

        if (version == 0)
        {
            // A new database: nothing to migrate, just record the version.
            database.UserVersion = CurrentSchemaVersion;
        }
    }

    /// <summary>
    /// Call after erasing personal words or ids (a post's text emptied, a person forgotten, excerpts purged).
    /// LiteDB writes every change to its log file (<c>*-log.db</c>) first and copies pages into the data file only at
    /// a checkpoint, so until then the page as it was before the erasure, words included, is still on disk. The
    /// checkpoint copies the new pages over the old and empties the log.
    /// </summary>
    public void FlushErasures()
    {
        if (Path is not null)
        {
            Database.Checkpoint();
        }
    }

    /// <inheritdoc />
    public void Dispose() => Database.Dispose();
}

/// <summary>The database cannot be used; the message says what to do.</summary>
public sealed class StorageException : Exception
{
    /// <summary>Creates the exception.</summary>
    public StorageException() { }

    /// <summary>Creates the exception.</summary>
    public StorageException(string message) : base(message) { }

    /// <summary>Creates the exception.</summary>
    public StorageException(string message, Exception innerException) : base(message, innerException) { }
}
