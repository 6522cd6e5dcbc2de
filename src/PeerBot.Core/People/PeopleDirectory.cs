using System.Collections.Concurrent;
using PeerBot.Core.Configuration;
using PeerBot.Core.Platform;

namespace PeerBot.Core.People;

/// <summary>
/// The people of the configuration with their platform user ids. Every platform user id, whether written in
/// config as an id or as a name (Discord username, Slack email), is filled in by <see cref="SetPlatformUserId"/>
/// when the platform's adapter resolves the configured people at start.
/// </summary>
public sealed class PeopleDirectory : IPeopleDirectory
{
    private readonly Dictionary<string, Person> _byId;
    private readonly ConcurrentDictionary<(PlatformKind, string), string> _userIdByPerson = new();
    private readonly ConcurrentDictionary<(PlatformKind, string), string> _personByUserId = new();
    private readonly ConcurrentDictionary<PlatformKind, bool> _pending = new();

    /// <summary>Creates the directory from configured people.</summary>
    public PeopleDirectory(IEnumerable<PersonOptions> people)
    {
        ArgumentNullException.ThrowIfNull(people);
        All = people.Select(p => new Person(p.Id, p.Name, p.Role, p.Pgy)).ToList();
        _byId = All.ToDictionary(p => p.Id, StringComparer.OrdinalIgnoreCase);
    }

    /// <inheritdoc />
    public IReadOnlyList<Person> All { get; }

    /// <inheritdoc />
    public Person? Find(string personId) => _byId.GetValueOrDefault(personId);

    /// <inheritdoc />
    public Person? FindByPlatformUser(PlatformKind platform, string userId) =>
        _personByUserId.TryGetValue((platform, userId), out var personId) ? Find(personId) : null;

    /// <inheritdoc />
    public string? PlatformUserId(string personId, PlatformKind platform) =>
        _userIdByPerson.GetValueOrDefault((platform, personId));

    /// <summary>Raised when an adapter has resolved everyone on its platform, so groups can be reconciled at once.</summary>
    public event EventHandler<PlatformKind>? PlatformResolved;

    /// <summary>
    /// Tells that an adapter will resolve people on <paramref name="platform"/> after the host has started (in the
    /// background), so nothing should act on that platform's groups until <see cref="MarkResolved"/>.
    /// </summary>
    public void ExpectResolution(PlatformKind platform) => _pending[platform] = true;

    /// <summary>True while an adapter that announced <see cref="ExpectResolution"/> has not resolved everyone yet.</summary>
    public bool IsResolutionPending(PlatformKind platform) => _pending.GetValueOrDefault(platform);

    /// <summary>Tells that everyone configured has been resolved on a platform.</summary>
    public void MarkResolved(PlatformKind platform)
    {
        // Cleared before the event, so a reconciliation it triggers sees the platform as ready.
        _pending[platform] = false;
        PlatformResolved?.Invoke(this, platform);
    }

    /// <summary>Records the platform user id of a person.</summary>
    public void SetPlatformUserId(string personId, PlatformKind platform, string userId)
    {
        if (_userIdByPerson.TryGetValue((platform, personId), out var previous))
        {
            _personByUserId.TryRemove((platform, previous), out _);
        }

        _userIdByPerson[(platform, personId)] = userId;
        _personByUserId[(platform, userId)] = personId;
    }
}
