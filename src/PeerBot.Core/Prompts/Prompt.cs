namespace PeerBot.Core.Prompts;

/// <summary>What a prompt is for; drawn from what residents said helped in peer groups.</summary>
public enum PromptTheme
{
    /// <summary>Naming that a struggle is common, so nobody feels alone in it.</summary>
    Normalization,

    /// <summary>Seniors and alumni telling what their own training was like, so juniors see the arc of residency.</summary>
    Trajectory,

    /// <summary>Feeling part of a group that understands.</summary>
    Belonging,

    /// <summary>Setting down a hard week and starting the next one lighter.</summary>
    Reset,

    /// <summary>Turning toward what is within the group's control.</summary>
    Solutions,

    /// <summary>Noticing what went well and who helped.</summary>
    Gratitude,

    /// <summary>A quick read on how people are arriving.</summary>
    CheckIn,
}

/// <summary>A discussion prompt.</summary>
/// <param name="Id">Stable id, unique in the library (a group's history refers to it).</param>
/// <param name="Text">What is posted.</param>
/// <param name="Themes">Its themes, at least one.</param>
public sealed record Prompt(string Id, string Text, IReadOnlyList<PromptTheme> Themes)
{
    /// <summary>True when the prompt carries the theme.</summary>
    public bool Has(PromptTheme theme) => Themes.Contains(theme);
}
