namespace PeerBot.Core.Configuration;

/// <summary>One problem in the configuration, with the path of the key it concerns.</summary>
/// <param name="Path">The configuration path, e.g. <c>PeerBot:Groups:2:Members:3</c>.</param>
/// <param name="Message">What is wrong and, where it helps, how to fix it. Never contains a secret's value.</param>
public sealed record ConfigProblem(string Path, string Message)
{
    /// <inheritdoc />
    public override string ToString() => $"{Path}: {Message}";
}
