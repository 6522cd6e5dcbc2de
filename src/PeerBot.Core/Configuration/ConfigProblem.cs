namespace PeerBot.Core.Configuration;

/// <summary>One problem in the configuration, with the path of the key it concerns.</summary>
/// <param name="Path">The configuration path, e.g. <c>PeerBot:Groups:2:Members:3</c>.</param>
/// <param name="Message">What is wrong and, where it helps, how to fix it. Never contains a secret's value.</param>
public sealed record ConfigProblem(string Path, string Message)
{
    /// <summary>
    /// The problem on one line: <c>path: message</c>. Control characters and line breaks that came from the file
    /// (a value quoted in the message) are shown escaped, so one problem never spills onto lines of its own.
    /// </summary>
    public override string ToString() => $"{OneLine(Path)}: {OneLine(Message)}";

    private static string OneLine(string text)
    {
        if (!text.Any(IsBreaking))
        {
            return text;
        }

        var line = new System.Text.StringBuilder(text.Length + 8);
        foreach (var c in text)
        {
            line.Append(c switch
            {
                '\n' => "\\n",
                '\r' => "\\r",
                '\t' => "\\t",
                _ when IsBreaking(c) => $"\\u{(int)c:X4}",
                _ => c.ToString(),
            });
        }

        return line.ToString();
    }

    private static bool IsBreaking(char c) => char.IsControl(c) || c is '\u2028' or '\u2029';
}
