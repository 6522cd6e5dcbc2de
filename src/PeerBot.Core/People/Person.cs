using PeerBot.Core.Configuration;
using PeerBot.Core.Platform;

namespace PeerBot.Core.People;

/// <summary>A person PeerBot knows, as configured.</summary>
/// <param name="Id">The config id (e.g. <c>ana</c>).</param>
/// <param name="Name">Display name.</param>
/// <param name="Role">Role.</param>
/// <param name="Pgy">Post-graduate year for residents.</param>
public sealed record Person(string Id, string Name, PersonRole Role, int? Pgy)
{
    /// <summary>True for alumni and psychologists.</summary>
    public bool IsFacilitatorRole => Role is PersonRole.Alumni or PersonRole.Psychologist;
}

/// <summary>
/// Who is who: config people and their platform user ids, resolved at start.
/// </summary>
public interface IPeopleDirectory
{
    /// <summary>Everyone configured.</summary>
    IReadOnlyList<Person> All { get; }

    /// <summary>The person with this config id, or null.</summary>
    Person? Find(string personId);

    /// <summary>The person behind a platform user id, or null for someone not configured.</summary>
    Person? FindByPlatformUser(PlatformKind platform, string userId);

    /// <summary>The platform user id of a person, or null when they are not on that platform (or not resolved yet).</summary>
    string? PlatformUserId(string personId, PlatformKind platform);
}
