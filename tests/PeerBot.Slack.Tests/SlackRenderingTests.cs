using System.Text.Json;
using System.Text.Json.Nodes;
using PeerBot.Core.Platform;
using PeerBot.Slack.Inbound;
using PeerBot.Slack.Rendering;

namespace PeerBot.Slack.Tests;

public sealed class SlackRenderingTests
{
    [Theory]
    [InlineData("Tuesday Circle", "tuesday-circle")]
    [InlineData("  Résidents — PGY 1/2!  ", "residents-pgy-1-2")]
    [InlineData("peer_support--group", "peer_support-group")]
    [InlineData("UPPER lower 123", "upper-lower-123")]
    public void Sanitize_Name_MeetsSlackRules(string name, string expected)
    {
        Assert.Equal(expected, SlackChannelNames.Sanitize(name, "g1"));
    }

    [Fact]
    public void Render_CrisisTone_UrgentHeaderFirstAndInTheNotificationText()
    {
        var message = new OutgoingMessage([new HeadingBlock("Crisis alert: Tuesday Circle"), new ParagraphBlock("Reach out today.")], []) { Tone = MessageTone.Crisis };

        var rendered = SlackMessageRenderer.Render(message);

        Assert.Equal("header", rendered.Blocks[0]!["type"]!.GetValue<string>());
        Assert.Equal("\U0001F534 URGENT \u2014 CRISIS", rendered.Blocks[0]!["text"]!["text"]!.GetValue<string>());
        Assert.Equal("Crisis alert: Tuesday Circle", rendered.Blocks[1]!["text"]!["text"]!.GetValue<string>());
        Assert.StartsWith("\U0001F534 URGENT \u2014 CRISIS", rendered.Text, StringComparison.Ordinal);
    }

    [Fact]
    public void Render_WarningAndNormalTone_WarningHeaderOrNone()
    {
        var warning = SlackMessageRenderer.Render(new OutgoingMessage([new HeadingBlock("Fatalistic spiral")], []) { Tone = MessageTone.Warning });
        var normal = SlackMessageRenderer.Render(new OutgoingMessage([new HeadingBlock("Prompt")], []));

        Assert.Equal("\U0001F7E0 Needs attention", warning.Blocks[0]!["text"]!["text"]!.GetValue<string>());
        Assert.Single(normal.Blocks);
        Assert.Equal("Prompt", normal.Text);
    }

    [Fact]
    public void Sanitize_NothingUsable_FallsBackToStableName()
    {
        var name = SlackChannelNames.Sanitize("日本語 !!!", "g1");

        Assert.Matches("^peer-[0-9a-f]{6}$", name);
        Assert.Equal(name, SlackChannelNames.Sanitize("???", "g1"));
    }

    [Fact]
    public void Sanitize_TooLong_CutTo80AndSuffixKeepsTheLimit()
    {
        var name = SlackChannelNames.Sanitize(new string('a', 120), "g1");
        var suffixed = SlackChannelNames.WithSuffix(name, "g1", 1);
        var second = SlackChannelNames.WithSuffix(name, "g1", 2);

        Assert.Equal(80, name.Length);
        Assert.True(suffixed.Length <= 80);
        Assert.Matches("^[a-z0-9_-]{1,80}$", suffixed);
        Assert.Equal(suffixed, SlackChannelNames.WithSuffix(name, "g1", 1));
        Assert.NotEqual(suffixed, second);
    }

    [Theory]
    [InlineData("<!everyone> & <@U1|x>", "&lt;!everyone&gt; &amp; &lt;@U1|x&gt;")]
    [InlineData("plain", "plain")]
    [InlineData("&amp;", "&amp;amp;")]
    public void Escape_Text_OnlyTheThreeCharacters(string text, string expected)
    {
        Assert.Equal(expected, SlackText.Escape(text));
        Assert.Equal(text, SlackText.Unescape(SlackText.Escape(text)));
    }

    [Fact]
    public void RenderSpans_Styles_MarkersHugTheText()
    {
        var mrkdwn = SlackMessageRenderer.RenderSpans([
            new TextSpan(" bold ", SpanStyle.Bold),
            new TextSpan("it", SpanStyle.Italic),
            new TextSpan(" "),
            new TextSpan("A`12", SpanStyle.Code | SpanStyle.Bold),
            new TextSpan("   ", SpanStyle.Bold),
        ]);

        Assert.Equal(" *bold* _it_ *`A'12`*   ", mrkdwn);
    }

    [Fact]
    public void Render_LongParagraph_SplitIntoSectionsWithoutBreakingEntities()
    {
        var text = new string('x', 2998) + "&&&&" + new string('y', 10);

        var rendered = SlackMessageRenderer.Render(OutgoingMessage.Plain(text));

        var sections = rendered.Blocks.OfType<JsonObject>().Select(b => b["text"]!["text"]!.GetValue<string>()).ToList();
        Assert.True(sections.Count >= 2);
        Assert.All(sections, s => Assert.True(s.Length <= 3000));
        Assert.Equal(SlackText.Escape(text), string.Concat(sections));
        Assert.All(sections.Skip(1), s => Assert.StartsWith("&amp;", s.TrimStart('x'), StringComparison.Ordinal));
    }

    private static List<string> SectionTexts(SlackRenderedMessage rendered) =>
        rendered.Blocks.OfType<JsonObject>().Where(b => b["type"]!.GetValue<string>() == "section").Select(b => b["text"]!["text"]!.GetValue<string>()).ToList();

    [Fact]
    public void Render_LongParagraphWithStyledSpans_NoSectionCutsAMarkerInHalf()
    {
        var words = string.Join(" ", Enumerable.Range(0, 560).Select(i => $"word{i}"));
        var message = new OutgoingMessage(
            [new ParagraphBlock([new TextSpan(words[..2990]), new TextSpan(" keep this together", SpanStyle.Bold), new TextSpan(" and "), new TextSpan("P12", SpanStyle.Code), new TextSpan(" " + words)])],
            []);

        var sections = SectionTexts(SlackMessageRenderer.Render(message));

        Assert.True(sections.Count >= 2);
        Assert.All(sections, s => Assert.True(s.Length <= 3000, $"{s.Length} characters"));
        Assert.All(sections, s => Assert.True(s.Count(c => c == '*') % 2 == 0 && s.Count(c => c == '`') % 2 == 0, s[^40..]));
        Assert.Contains(sections, s => s.Contains("*keep this together*", StringComparison.Ordinal));
    }

    [Fact]
    public void Render_StyledSpanLongerThanASection_EachPieceHasItsMarkers()
    {
        var text = string.Join(" ", Enumerable.Range(0, 900).Select(i => $"w{i}"));

        var sections = SectionTexts(SlackMessageRenderer.Render(new OutgoingMessage([new ParagraphBlock([new TextSpan(text, SpanStyle.Italic)])], [])));

        Assert.True(sections.Count >= 2);
        Assert.All(sections, s => Assert.Matches("^ ?_[^_]+_$", s));
        Assert.Equal(text.Split(' '), sections.SelectMany(s => s.Trim().Trim('_').Split(' ')));
    }

    [Fact]
    public void Render_LongQuote_EveryLineOfEverySectionStaysQuoted()
    {
        var lines = Enumerable.Range(0, 200).Select(i => $"line {i}: I froze in a code & felt alone").ToList();
        lines.Add(string.Join(" ", Enumerable.Range(0, 700).Select(i => $"long{i}")));

        var sections = SectionTexts(SlackMessageRenderer.Render(new OutgoingMessage([new QuoteBlock(string.Join("\n", lines))], [])));

        Assert.True(sections.Count >= 3);
        Assert.All(sections, s => Assert.True(s.Length <= 3000));
        Assert.All(sections.SelectMany(s => s.Split('\n')), line => Assert.StartsWith(">", line, StringComparison.Ordinal));
        Assert.Equal(string.Join(" ", lines.Select(SlackText.Escape)).Split([' ', '\n']), sections.SelectMany(s => s.Split('\n')).Select(l => l[1..]).SelectMany(l => l.Split(' ')).Where(w => w.Length > 0));
    }

    [Fact]
    public void Render_LongWordWithEmojiAndEntities_CutNeitherInsideAPairNorAnEntity()
    {
        var text = string.Concat(Enumerable.Repeat("😀&", 1500));

        var sections = SectionTexts(SlackMessageRenderer.Render(OutgoingMessage.Plain(text)));

        Assert.True(sections.Count >= 2);
        Assert.Equal(SlackText.Escape(text), string.Concat(sections));
        Assert.All(sections, s => Assert.False(char.IsLowSurrogate(s[0]) || char.IsHighSurrogate(s[^1]), "a surrogate pair was cut"));
        Assert.All(sections.Skip(1), s => Assert.False(s.StartsWith("amp;", StringComparison.Ordinal) || s.StartsWith("mp;", StringComparison.Ordinal) || s.StartsWith("p;", StringComparison.Ordinal) || s.StartsWith(';')));
    }

    [Fact]
    public void Render_List_Bulleted()
    {
        var rendered = SlackMessageRenderer.Render(new OutgoingMessage([new ListBlock([[new TextSpan("one")], [new TextSpan("two", SpanStyle.Italic)]])], []));

        Assert.Equal("• one\n• _two_", rendered.Blocks[0]!["text"]!["text"]!.GetValue<string>());
        Assert.Equal("• one\n• two", rendered.Text);
    }

    [Fact]
    public void RenderModal_Form_InputsAndSelect()
    {
        var form = new FormSpec("share:abc", "A title that is far too long for Slack", [
            new FormField("text", "Your words", FormFieldKind.LongText, MaxLength: 1800, Placeholder: "Write here"),
            new FormField("mood", "Mood", FormFieldKind.Choice, Required: false, Choices: [new FormChoice("ok", "OK")]),
            new FormField("name", "Name", FormFieldKind.ShortText),
        ]);

        var view = SlackViewRenderer.RenderModal(form, """{"channel":"D1"}""");

        Assert.Equal("modal", view["type"]!.GetValue<string>());
        Assert.Equal("share:abc", view["callback_id"]!.GetValue<string>());
        Assert.True(view["title"]!["text"]!.GetValue<string>().Length <= 24);
        var blocks = view["blocks"]!.AsArray().OfType<JsonObject>().ToList();
        Assert.Equal(["text", "mood", "name"], blocks.Select(b => b["block_id"]!.GetValue<string>()));
        Assert.True(blocks[0]["element"]!["multiline"]!.GetValue<bool>());
        Assert.Equal(1800, blocks[0]["element"]!["max_length"]!.GetValue<int>());
        Assert.Equal("static_select", blocks[1]["element"]!["type"]!.GetValue<string>());
        Assert.True(blocks[1]["optional"]!.GetValue<bool>());
        Assert.False(blocks[2]["element"]!["multiline"]!.GetValue<bool>());
    }

    [Fact]
    public void ReadValues_Submission_TextAndSelectedOption()
    {
        using var view = JsonDocument.Parse("""
            {"state":{"values":{
              "text":{"text":{"type":"plain_text_input","value":"hello"}},
              "mood":{"mood":{"type":"static_select","selected_option":{"value":"ok"}}},
              "empty":{"empty":{"type":"plain_text_input","value":null}}}}}
            """);

        var values = SlackViewRenderer.ReadValues(view.RootElement);

        Assert.Equal(new Dictionary<string, string> { ["text"] = "hello", ["mood"] = "ok" }, values);
    }

    [Fact]
    public void ParseTs_SecondsAndMicros_AsTime()
    {
        Assert.Equal(DateTimeOffset.FromUnixTimeSeconds(1355517523).AddTicks(50), SlackMessageEvents.ParseTs("1355517523.000005"));
    }
}
