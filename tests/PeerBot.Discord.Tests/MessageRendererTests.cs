using PeerBot.Core.Platform;

namespace PeerBot.Discord.Tests;

public sealed class MessageRendererTests
{
    [Theory]
    [InlineData("plain words, no marks.", "plain words, no marks.")]
    [InlineData("*bold* _it_ ~~s~~ `c` ||sp||", "\\*bold\\* \\_it\\_ \\~\\~s\\~\\~ \\`c\\` \\|\\|sp\\|\\|")]
    [InlineData("# title", "\\# title")]
    [InlineData("> quote", "\\> quote")]
    [InlineData("- item", "\\- item")]
    [InlineData("1. first", "1\\. first")]
    [InlineData("well - ok", "well - ok")]
    [InlineData("[link](https://x.example)", "\\[link\\](https://x.example)")]
    public void Escape_Markdown_ShowsTextLiterally(string text, string expected)
    {
        Assert.Equal(expected, MessageRenderer.Escape(text));
    }

    [Theory]
    [InlineData("@everyone")]
    [InlineData("@here")]
    [InlineData("<@123456789012345678>")]
    [InlineData("<@&123456789012345678>")]
    public void Escape_Mentions_CannotPing(string text)
    {
        var escaped = MessageRenderer.Escape(text);

        Assert.DoesNotContain(text, escaped, StringComparison.Ordinal);
    }

    [Fact]
    public void RenderContent_CrisisTone_LeadingUrgentLineBeforeEverything()
    {
        var message = new OutgoingMessage([new HeadingBlock("Crisis alert: Tuesday Circle"), new ParagraphBlock("Reach out today.")], []) { Tone = MessageTone.Crisis };

        var content = MessageRenderer.RenderContent(message);

        Assert.StartsWith("\U0001F534 **URGENT \u2014 CRISIS**\n\n**Crisis alert: Tuesday Circle**", content, StringComparison.Ordinal);
    }

    [Fact]
    public void RenderContent_WarningAndNormalTone_WarningLineOrNothing()
    {
        var warning = new OutgoingMessage([new HeadingBlock("Fatalistic spiral")], []) { Tone = MessageTone.Warning };
        var normal = new OutgoingMessage([new HeadingBlock("Prompt")], []);

        Assert.Equal("\U0001F7E0 **Needs attention**\n\n**Fatalistic spiral**", MessageRenderer.RenderContent(warning));
        Assert.Equal("**Prompt**", MessageRenderer.RenderContent(normal));
        Assert.DoesNotContain("CRISIS", MessageRenderer.RenderContent(warning), StringComparison.Ordinal);
    }

    [Fact]
    public void RenderContent_Blocks_UsesDiscordMarkdown()
    {
        var message = new OutgoingMessage(
        [
            new HeadingBlock("Flag A1"),
            new ParagraphBlock([new TextSpan("id "), new TextSpan("A1", SpanStyle.Code), new TextSpan(" now", SpanStyle.Bold | SpanStyle.Italic)]),
            new ListBlock([[new TextSpan("one")], [new TextSpan("two")]]),
            new QuoteBlock("what's the point\nnothing changes"),
        ], []);

        var content = MessageRenderer.RenderContent(message);

        Assert.Equal("**Flag A1**\n\nid `A1`***now***\n\n- one\n- two\n\n> what's the point\n> nothing changes".Replace("***now***", "*** now***", StringComparison.Ordinal), content);
    }

    [Fact]
    public void RenderComponents_MoreThanFiveButtons_UsesSeveralRows()
    {
        var buttons = Enumerable.Range(0, 7).Select(i => new MessageButton("b" + i, "a" + i, i == 0 ? ButtonStyle.Danger : ButtonStyle.Secondary)).ToList();

        var rows = MessageRenderer.RenderComponents(buttons);

        Assert.Equal(2, rows.Count);
        Assert.Equal(5, rows[0]!["components"]!.AsArray().Count);
        Assert.Equal(4, rows[0]!["components"]![0]!["style"]!.GetValue<int>());
    }

    [Fact]
    public void Split_LongContent_KeepsEachPartWithinLimit()
    {
        var parts = MessageRenderer.Split(new string('x', 4500));

        Assert.Equal([2000, 2000, 500], parts.Select(p => p.Length));
    }

    [Theory]
    [InlineData(1999)]
    [InlineData(1998)]
    [InlineData(3999)]
    public void Split_EmojiAcrossTheLimit_NeverCutsASurrogatePair(int before)
    {
        var content = new string('a', before) + "\U0001F600" + new string('b', 2500);

        var parts = MessageRenderer.Split(content);

        Assert.All(parts, p => Assert.True(p.Length <= MessageRenderer.MaxContentLength));
        Assert.All(parts, p => Assert.False(char.IsHighSurrogate(p[^1]) || char.IsLowSurrogate(p[0]), "a part holds half a character"));
        Assert.Equal(content, string.Concat(parts));
    }

    [Fact]
    public void Truncate_EmojiAtTheCut_DropsItWhole()
    {
        var truncated = MessageRenderer.Truncate(new string('a', 98) + "\U0001F600\U0001F600", 100);

        Assert.Equal(new string('a', 98) + "\u2026", truncated);
    }
}
