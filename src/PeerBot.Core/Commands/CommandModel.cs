using System.Globalization;
using System.Text;
using PeerBot.Core.People;
using PeerBot.Core.Platform;

namespace PeerBot.Core.Commands;

/// <summary>Who runs a command, and where.</summary>
/// <param name="Actor">The person (already found on the roster).</param>
/// <param name="Platform">The platform.</param>
/// <param name="UserId">Their platform user id (for replies only; never stored).</param>
/// <param name="ChannelId">The channel it was run in, if any.</param>
/// <param name="IsDirect">True in a DM with the bot.</param>
public sealed record CommandContext(Person Actor, PlatformKind Platform, string UserId, string? ChannelId, bool IsDirect);

/// <summary>Who may see and run a subcommand.</summary>
public enum CommandAudience
{
    /// <summary>Anyone on the roster.</summary>
    Everyone,

    /// <summary>Facilitators (on their own groups) and coordinators (on all).</summary>
    Staff,
}

/// <summary>One <c>/peer</c> subcommand. Each is a small handler registered explicitly.</summary>
public interface IPeerSubcommand
{
    /// <summary>The word after <c>/peer</c>, e.g. <c>flags</c>.</summary>
    string Name { get; }

    /// <summary>How to call it, e.g. <c>resolve ID [note]</c>.</summary>
    string Usage { get; }

    /// <summary>One line on what it does.</summary>
    string Summary { get; }

    /// <summary>Who may run it.</summary>
    CommandAudience Audience { get; }

    /// <summary>Runs it with the words after its name.</summary>
    Task<InteractionResponse> ExecuteAsync(CommandContext context, IReadOnlyList<string> args, CancellationToken cancellationToken);
}

/// <summary>Splits command text into words; double or single quotes group words (<c>prompt now "Tuesday Circle"</c>).</summary>
public static class CommandLine
{
    /// <summary>The words of <paramref name="text"/>, or an error for an unclosed quote.</summary>
    public static OperationResult<IReadOnlyList<string>> Tokenize(string? text)
    {
        var words = new List<string>();
        var current = new StringBuilder();
        char? quote = null;
        var inWord = false;
        foreach (var raw in text ?? "")
        {
            var c = raw switch { '\u201C' or '\u201D' => '"', '\u2018' or '\u2019' => '\'', _ => raw };
            if (quote is not null)
            {
                if (c == quote)
                {
                    quote = null;
                }
                else
                {
                    current.Append(raw);
                }
            }
            else if (c is '"' or '\'' && !inWord)
            {
                quote = c;
                inWord = true;
            }
            else if (char.IsWhiteSpace(c))
            {
                if (inWord)
                {
                    words.Add(current.ToString());
                    current.Clear();
                    inWord = false;
                }
            }
            else
            {
                current.Append(raw);
                inWord = true;
            }
        }

        if (quote is not null)
        {
            return OperationResult<IReadOnlyList<string>>.Failure($"A quote ({quote}) was opened but not closed. Put names with spaces in quotes, like /peer flags \"Tuesday Circle\".");
        }

        if (inWord)
        {
            words.Add(current.ToString());
        }

        return OperationResult<IReadOnlyList<string>>.Success(words);
    }

    /// <summary>Parses a whole number within bounds, or explains what is expected.</summary>
    public static OperationResult<int> WholeNumber(string text, int min, int max, string what, string example)
    {
        return int.TryParse(text, NumberStyles.Integer, CultureInfo.InvariantCulture, out var value) && value >= min && value <= max
            ? OperationResult<int>.Success(value)
            : OperationResult<int>.Failure($"'{text}' isn't a number of {what} I can use: give a whole number from {min} to {max}, like {example}.");
    }
}
