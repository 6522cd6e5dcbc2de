using System.Collections.Concurrent;
using PeerBot.Core.Commands;
using PeerBot.Core.Sharing;

namespace PeerBot.Testing.Sharing;

/// <summary>Anonymous posts in memory.</summary>
public sealed class InMemoryAnonymousPostStore : IAnonymousPostStore
{
    private readonly ConcurrentDictionary<string, AnonymousPost> _posts = new(StringComparer.OrdinalIgnoreCase);

    public IReadOnlyList<AnonymousPost> All => _posts.Values.ToList();

    public void Insert(AnonymousPost post)
    {
        if (!_posts.TryAdd(post.Id, post))
        {
            throw new InvalidOperationException($"Duplicate post {post.Id}.");
        }
    }

    public void Update(AnonymousPost post)
    {
        if (!_posts.ContainsKey(post.Id))
        {
            throw new InvalidOperationException($"No post {post.Id}.");
        }

        _posts[post.Id] = post;
    }

    public AnonymousPost? Find(string postId) => _posts.GetValueOrDefault(postId.Trim());

    public AnonymousPost? FindByCrisisToken(string token) => _posts.Values.FirstOrDefault(p => p.CrisisToken == token);

    public IReadOnlyList<AnonymousPost> ListDue(DateTimeOffset now) =>
        _posts.Values.Where(p => p.DueAt is { } due && due <= now).OrderBy(p => p.DueAt).ToList();

    public DateTimeOffset? NextDueAt() => _posts.Values.Where(p => p.DueAt is not null).Min(p => p.DueAt);

    public IReadOnlyList<AnonymousPost> ListByAuthor(string authorHandle) =>
        _posts.Values.Where(p => p.AuthorHandle == authorHandle).OrderBy(p => p.CreatedAt).ToList();

    public IReadOnlyList<AnonymousPost> ListWithHandleCreatedBefore(DateTimeOffset createdBefore) =>
        _posts.Values.Where(p => p.AuthorHandle.Length > 0 && p.CreatedAt < createdBefore).ToList();

    public bool Any() => !_posts.IsEmpty;
}

/// <summary>Author mutes in memory.</summary>
public sealed class InMemoryAuthorMuteStore : IAuthorMuteStore
{
    private readonly ConcurrentDictionary<string, DateTimeOffset> _mutes = new(StringComparer.Ordinal);

    public DateTimeOffset? MutedUntil(string authorHandle) => _mutes.TryGetValue(authorHandle, out var until) ? until : null;

    public void Mute(string authorHandle, DateTimeOffset until) => _mutes[authorHandle] = until;

    public bool Unmute(string authorHandle) => _mutes.TryRemove(authorHandle, out _);

    public bool Any() => !_mutes.IsEmpty;
}

/// <summary>The key fingerprint in memory.</summary>
public sealed class InMemoryAnonymityKeyRecord : IAnonymityKeyRecord
{
    public string? Fingerprint { get; private set; }

    public void RecordFingerprint(string fingerprint) => Fingerprint = fingerprint;
}

/// <summary>The audit log in memory.</summary>
public sealed class InMemoryAuditLog : IAuditLog
{
    private readonly List<AuditEntry> _entries = [];
    private readonly Lock _gate = new();

    public IReadOnlyList<AuditEntry> All
    {
        get
        {
            lock (_gate)
            {
                return _entries.ToList();
            }
        }
    }

    public void Write(AuditEntry entry)
    {
        lock (_gate)
        {
            _entries.Add(entry);
        }
    }

    public IReadOnlyList<AuditEntry> ByActor(string personId)
    {
        lock (_gate)
        {
            return _entries.Where(e => string.Equals(e.ActorPersonId, personId, StringComparison.OrdinalIgnoreCase)).OrderByDescending(e => e.At).ToList();
        }
    }

    public IReadOnlyList<AuditEntry> Recent(int count)
    {
        lock (_gate)
        {
            return _entries.OrderByDescending(e => e.At).Take(count).ToList();
        }
    }

    public int DeleteByActor(string personId)
    {
        lock (_gate)
        {
            return _entries.RemoveAll(e => string.Equals(e.ActorPersonId, personId, StringComparison.OrdinalIgnoreCase));
        }
    }
}

/// <summary>Stats counters in memory.</summary>
public sealed class InMemoryStatsCounters : IStatsCounters
{
    private readonly ConcurrentDictionary<(string Group, DateOnly Week, StatKind Kind), int> _counts = new();

    public void Increment(string groupId, StatKind kind, DateTimeOffset at, int by = 1) =>
        _counts.AddOrUpdate((groupId, StatsWeek.StartOf(at), kind), by, (_, c) => c + by);

    public IReadOnlyList<WeeklyStats> Weekly(string groupId, DateOnly fromWeek) =>
        _counts.Where(c => c.Key.Group == groupId && c.Key.Week >= fromWeek)
            .GroupBy(c => c.Key.Week)
            .OrderBy(g => g.Key)
            .Select(g => new WeeklyStats(g.Key, g.ToDictionary(c => c.Key.Kind, c => c.Value)))
            .ToList();
}
