using System.Security.Cryptography;
using System.Text;
using Microsoft.Extensions.Options;
using PeerBot.Core.Configuration;
using PeerBot.Core.People;

namespace PeerBot.Core.Sharing;

/// <summary>
/// Opaque author handles: HMAC-SHA256 of a person id under the anonymity key. The store and facilitators
/// only ever see handles. Only the running bot, holding the key, can find the person behind a handle
/// (to tell an author privately that their post is up or that they are muted); nothing else can.
/// </summary>
public interface IAuthorHandles
{
    /// <summary>The handle of a person.</summary>
    string HandleOf(string personId);

    /// <summary>The configured person behind a handle, or null (for private notes to the author only).</summary>
    Person? FindAuthor(string handle);

    /// <summary>
    /// A one-way mark of a person within one scope (a check-in id, say): HMAC of the scope and the person under the
    /// anonymity key. Different in every scope, so marks cannot be linked across scopes or to <see cref="HandleOf"/>,
    /// and without the key file (never in the database) nobody can test a name against it.
    /// </summary>
    string ScopedMarkOf(string scope, string personId);
}

/// <summary>The handles of <see cref="IAuthorHandles"/>, under the key of <see cref="AnonymityKey"/>.</summary>
public sealed class AuthorHandles : IAuthorHandles
{
    private readonly byte[] _key;
    private readonly IPeopleDirectory _people;

    /// <summary>Loads (or, on the first run, creates) the key; throws <see cref="AnonymityKeyException"/> when it cannot be used.</summary>
    public AuthorHandles(IOptions<PeerBotOptions> options, IAnonymityKeyRecord record, IAnonymousPostStore posts, IAuthorMuteStore mutes, IPeopleDirectory people)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(posts);
        ArgumentNullException.ThrowIfNull(mutes);
        _key = AnonymityKey.LoadOrCreate(options.Value.Anonymity.KeyPath, record, () => posts.Any() || mutes.Any());
        _people = people;
    }

    /// <summary>Creates handles under a given key (tests).</summary>
    public AuthorHandles(byte[] key, IPeopleDirectory people)
    {
        ArgumentNullException.ThrowIfNull(key);
        _key = key.ToArray();
        _people = people;
    }

    /// <inheritdoc />
    public string HandleOf(string personId)
    {
        ArgumentNullException.ThrowIfNull(personId);
        var mac = HMACSHA256.HashData(_key, Encoding.UTF8.GetBytes("peerbot-author:" + personId.ToUpperInvariant()));
        return "h_" + Base64Url(mac.AsSpan(0, 18));
    }

    /// <inheritdoc />
    public string ScopedMarkOf(string scope, string personId)
    {
        ArgumentNullException.ThrowIfNull(scope);
        ArgumentNullException.ThrowIfNull(personId);
        var mac = HMACSHA256.HashData(_key, Encoding.UTF8.GetBytes("peerbot-scoped:" + scope.Length.ToString(System.Globalization.CultureInfo.InvariantCulture) + ":" + scope + ":" + personId.ToUpperInvariant()));
        return Base64Url(mac.AsSpan(0, 18));
    }

    /// <inheritdoc />
    public Person? FindAuthor(string handle) =>
        _people.All.FirstOrDefault(p => string.Equals(HandleOf(p.Id), handle, StringComparison.Ordinal));

    internal static string Base64Url(ReadOnlySpan<byte> bytes) =>
        Convert.ToBase64String(bytes).TrimEnd('=').Replace('+', '-').Replace('/', '_');
}

/// <summary>
/// The anonymity key file. On the first run (no key file, and a store with no fingerprint, posts or mutes)
/// it is created with 32 random bytes, readable and writable by the owner only. Afterwards a missing,
/// unreadable, wrong-length or different key is a start-up error: a silent new key would orphan every
/// existing handle (mutes and rate limits would stop applying, authors could no longer be told about their posts).
/// </summary>
public static class AnonymityKey
{
    /// <summary>Length of the key in bytes.</summary>
    public const int KeyLength = 32;

    /// <summary>Loads the key, or creates it on the first run.</summary>
    /// <param name="path">The key file path.</param>
    /// <param name="record">Where the store keeps the key's fingerprint.</param>
    /// <param name="storeHasHandles">Whether the store already holds handles (posts or mutes).</param>
    public static byte[] LoadOrCreate(string path, IAnonymityKeyRecord record, Func<bool> storeHasHandles)
    {
        ArgumentNullException.ThrowIfNull(record);
        ArgumentNullException.ThrowIfNull(storeHasHandles);
        if (string.IsNullOrWhiteSpace(path))
        {
            throw new AnonymityKeyException("PeerBot:Anonymity:KeyPath is empty; set it to a file path for the anonymity key.");
        }

        var full = Path.GetFullPath(path);
        byte[] key;
        if (File.Exists(full) || Directory.Exists(full))
        {
            key = Read(full);
        }
        else
        {
            if (record.Fingerprint is not null || storeHasHandles())
            {
                throw new AnonymityKeyException(
                    $"The anonymity key file '{full}' is missing, but the database already holds anonymous handles made with a key. "
                    + "Restore the key file from a backup (PeerBot:Anonymity:KeyPath). A new key is not created, because it would orphan every existing handle.");
            }

            key = Create(full);
        }

        var fingerprint = Fingerprint(key);
        if (record.Fingerprint is null)
        {
            record.RecordFingerprint(fingerprint);
        }
        else if (!string.Equals(record.Fingerprint, fingerprint, StringComparison.Ordinal))
        {
            throw new AnonymityKeyException(
                $"The anonymity key file '{full}' is not the key this database was used with. "
                + "Restore the original key file (PeerBot:Anonymity:KeyPath) or point the setting at it.");
        }

        return key;
    }

    /// <summary>
    /// True when the key file and the database file are in the same folder: then one copy of the folder (a backup, a
    /// stolen disk) holds both, and with both anyone can tell who wrote each stored post. PeerBot warns at start.
    /// </summary>
    public static bool SharesFolderWithDatabase(string keyPath, string databasePath)
    {
        if (string.IsNullOrWhiteSpace(keyPath) || string.IsNullOrWhiteSpace(databasePath))
        {
            return false;
        }

        var comparison = OperatingSystem.IsWindows() || OperatingSystem.IsMacOS() ? StringComparison.OrdinalIgnoreCase : StringComparison.Ordinal;
        return string.Equals(Path.GetDirectoryName(Path.GetFullPath(keyPath)), Path.GetDirectoryName(Path.GetFullPath(databasePath)), comparison);
    }

    /// <summary>A fingerprint that identifies a key without revealing it.</summary>
    public static string Fingerprint(byte[] key)
    {
        var mac = HMACSHA256.HashData(key, Encoding.UTF8.GetBytes("peerbot-key-fingerprint"));
        return AuthorHandles.Base64Url(mac.AsSpan(0, 12));
    }

    private static byte[] Read(string full)
    {
        const UnixFileMode othersMay = UnixFileMode.GroupRead | UnixFileMode.GroupWrite | UnixFileMode.GroupExecute
            | UnixFileMode.OtherRead | UnixFileMode.OtherWrite | UnixFileMode.OtherExecute;
        if (!OperatingSystem.IsWindows() && File.Exists(full) && (File.GetUnixFileMode(full) & othersMay) != 0)
        {
            throw new AnonymityKeyException(
                $"The anonymity key file '{full}' can be read or changed by users other than its owner. "
                + $"Make it owner-only (chmod 600 '{full}') and start PeerBot again; check who may have copied it meanwhile.");
        }

        byte[] key;
        try
        {
            key = File.ReadAllBytes(full);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            throw new AnonymityKeyException($"The anonymity key file '{full}' exists but cannot be read ({ex.GetType().Name}). Fix its permissions so PeerBot's user can read it.", ex);
        }

        if (key.Length != KeyLength)
        {
            throw new AnonymityKeyException(
                $"The anonymity key file '{full}' holds {key.Length} bytes, not {KeyLength}: it is damaged or not a PeerBot key. Restore it from a backup.");
        }

        return key;
    }

    private static byte[] Create(string full)
    {
        var key = RandomNumberGenerator.GetBytes(KeyLength);
        try
        {
            var folder = Path.GetDirectoryName(full);
            if (!string.IsNullOrEmpty(folder))
            {
                Directory.CreateDirectory(folder);
            }

            var fileOptions = new FileStreamOptions { Mode = FileMode.CreateNew, Access = FileAccess.Write, Share = FileShare.None };
            if (!OperatingSystem.IsWindows())
            {
                // Created owner-only from the start, so the key is never readable by others, not even briefly.
                fileOptions.UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite;
            }

            using var stream = new FileStream(full, fileOptions);
            stream.Write(key);
            stream.Flush(flushToDisk: true);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            throw new AnonymityKeyException($"The anonymity key file '{full}' could not be created ({ex.GetType().Name}). Check that its folder is writable.", ex);
        }

        return key;
    }
}

/// <summary>The anonymity key cannot be used; the message says what to do (it never contains the key).</summary>
public sealed class AnonymityKeyException : Exception
{
    /// <summary>Creates the exception.</summary>
    public AnonymityKeyException() { }

    /// <summary>Creates the exception.</summary>
    public AnonymityKeyException(string message) : base(message) { }

    /// <summary>Creates the exception.</summary>
    public AnonymityKeyException(string message, Exception innerException) : base(message, innerException) { }
}
