namespace PeerBot.Core.Safety;

/// <summary>
/// Reframing prompts suggested with a spiral alert, chosen by the spiral's main category. They turn the
/// group towards what the research found missing: solutions, and seniors showing the trajectory.
/// </summary>
public static class ReframingPrompts
{
    private static readonly Dictionary<string, string[]> ByCategory = new(StringComparer.Ordinal)
    {
        ["futility"] =
        [
            "What is one small thing that made a difference for a patient or a colleague this week, even if the system did not change?",
            "Seniors and alumni: what is one piece of feedback you gave that actually changed something? How did you get it heard?",
        ],
        ["helplessness"] =
        [
            "What is one thing within your control this week, however small? What would make it ten percent easier?",
            "If we could change one thing about this together, what would it be, and who is the first person to talk to about it?",
        ],
        ["permanence"] =
        [
            "Seniors and alumni: what felt permanent in your first year that turned out not to be? What changed, and when?",
            "Think back a year. What is different now, even a little? What helped it change?",
        ],
        ["resignation"] =
        [
            "What has helped you reset after a week like this one? What would you tell an intern who feels like giving up?",
            "When did you last feel like this was worth it? What was going on then that we could get more of?",
        ],
    };

    /// <summary>The categories prompts exist for.</summary>
    public static IReadOnlyCollection<string> Categories => ByCategory.Keys;

    /// <summary>A prompt for the most frequent category among the reasons; <paramref name="seed"/> picks among equals.</summary>
    public static string For(IEnumerable<string> reasons, int seed)
    {
        ArgumentNullException.ThrowIfNull(reasons);
        var main = reasons
            .Select(AlertRecord.CategoryOf)
            .Where(ByCategory.ContainsKey)
            .GroupBy(c => c, StringComparer.Ordinal)
            .OrderByDescending(g => g.Count())
            .ThenBy(g => g.Key, StringComparer.Ordinal)
            .Select(g => g.Key)
            .FirstOrDefault() ?? "resignation";
        var prompts = ByCategory[main];
        return prompts[(int)((uint)seed % (uint)prompts.Length)];
    }
}
