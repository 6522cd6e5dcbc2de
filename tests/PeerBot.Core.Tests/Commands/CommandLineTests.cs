using PeerBot.Core.Commands;

namespace PeerBot.Core.Tests.Commands;

public class CommandLineTests
{
    [Theory]
    [InlineData("", new string[0])]
    [InlineData("help", new[] { "help" })]
    [InlineData("  prompt   now  ", new[] { "prompt", "now" })]
    [InlineData("prompt now \"Tuesday Circle\"", new[] { "prompt", "now", "Tuesday Circle" })]
    [InlineData("prompt now 'Night Owls'", new[] { "prompt", "now", "Night Owls" })]
    [InlineData("resolve A12 \"talked it through\"", new[] { "resolve", "A12", "talked it through" })]
    [InlineData("flags \u201CTuesday Circle\u201D", new[] { "flags", "Tuesday Circle" })]
    [InlineData("resolve A1 it's fine", new[] { "resolve", "A1", "it's", "fine" })]
    [InlineData("stats \"\"", new[] { "stats", "" })]
    public void Tokenize_Text_SplitsIntoWords(string text, string[] expected)
    {
        var result = CommandLine.Tokenize(text);

        Assert.True(result.Succeeded);
        Assert.Equal(expected, result.Value);
    }

    [Fact]
    public void Tokenize_UnclosedQuote_ExplainsHowToQuote()
    {
        var result = CommandLine.Tokenize("flags \"Tuesday Circle");

        Assert.False(result.Succeeded);
        Assert.Contains("opened but not closed", result.Error, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("0")]
    [InlineData("13")]
    [InlineData("two")]
    [InlineData("1.5")]
    public void WholeNumber_OutOfRangeOrNotANumber_Explains(string text)
    {
        var result = CommandLine.WholeNumber(text, 1, 12, "weeks", "/peer pause 2");

        Assert.Equal($"'{text}' isn't a number of weeks I can use: give a whole number from 1 to 12, like /peer pause 2.", result.Error);
    }
}
