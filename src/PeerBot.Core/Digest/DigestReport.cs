using PeerBot.Core.People;

namespace PeerBot.Core.Digest;

/// <summary>One group in a digest: eight weeks of counts, three lines about the last week, and what needs attention.</summary>
/// <param name="GroupId">The group's id.</param>
/// <param name="Name">The group's name.</param>
/// <param name="Members">How many members the group has now.</param>
/// <param name="Weeks">The last <see cref="DigestBuilder.WeeksShown"/> complete weeks, oldest first; weeks with nothing counted are empty.</param>
/// <param name="Lines">Three plain lines about the last complete week: participation, prompts and mood, flags and check-ins.</param>
/// <param name="Attention">What needs a facilitator's attention, each a sentence naming the group; empty when nothing does.</param>
public sealed record GroupDigest(
    string GroupId,
    string Name,
    int Members,
    IReadOnlyList<DigestWeek> Weeks,
    IReadOnlyList<string> Lines,
    IReadOnlyList<string> Attention)
{
    /// <summary>The last complete week.</summary>
    public DigestWeek LastWeek => Weeks[^1];
}

/// <summary>A digest for one person: a facilitator's groups, or every group for a coordinator. Counts only; no excerpts.</summary>
/// <param name="Recipient">Who it is for.</param>
/// <param name="ProgramWide">True for a coordinator's digest of every group.</param>
/// <param name="WeekStart">Monday (UTC) of the week it reports on, the last complete week.</param>
/// <param name="Groups">The groups, in name order.</param>
public sealed record DigestReport(Person Recipient, bool ProgramWide, DateOnly WeekStart, IReadOnlyList<GroupDigest> Groups)
{
    /// <summary>Every group's attention items, in group order.</summary>
    public IReadOnlyList<string> Attention => Groups.SelectMany(g => g.Attention).ToList();
}
