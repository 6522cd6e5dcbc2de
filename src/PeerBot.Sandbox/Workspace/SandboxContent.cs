using System.Text.Json;
using System.Text.Json.Serialization;
using PeerBot.Core.Platform;

namespace PeerBot.Sandbox.Workspace;

/// <summary>
/// A message's content as the page renders it: typed blocks of literal text (the page writes text, never
/// markup, so nothing in a message can inject HTML) and buttons. <see cref="Tone"/> is <c>warning</c> or <c>crisis</c> for
/// an urgent message (the page shows it as a coloured card with a leading label), null for an ordinary one.
/// </summary>
public sealed record SandboxContent(IReadOnlyList<SandboxBlock> Blocks, IReadOnlyList<SandboxButton> Buttons, string? Tone = null)
{
    /// <summary>Images shown under the text (a digest's charts); null or empty for none.</summary>
    public IReadOnlyList<SandboxImage>? Images { get; init; }

    internal static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web)
    {
        DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
    };

    /// <summary>Content of one plain paragraph (what a person writes).</summary>
    public static SandboxContent PlainText(string text) =>
        new([new SandboxBlock("paragraph", Spans: [new SandboxSpan(text)])], []);

    /// <summary>Maps Core's neutral message.</summary>
    public static SandboxContent From(OutgoingMessage message)
    {
        ArgumentNullException.ThrowIfNull(message);
        var blocks = message.Blocks.Select(Block).ToList();
        var buttons = message.Buttons.Select(b => new SandboxButton(b.Label, b.ActionId, b.Style switch
        {
            ButtonStyle.Primary => "primary",
            ButtonStyle.Danger => "danger",
            _ => "secondary",
        })).ToList();
        var tone = message.Tone switch
        {
            MessageTone.Crisis => "crisis",
            MessageTone.Warning => "warning",
            _ => null,
        };
        return new SandboxContent(blocks, buttons, tone);
    }

    /// <summary>Maps Core's neutral message and its images (PNG, carried as data URLs the page shows as they are).</summary>
    public static SandboxContent From(OutgoingMessage message, IReadOnlyList<MessageImage> images)
    {
        ArgumentNullException.ThrowIfNull(images);
        return From(message) with
        {
            Images = images.Select(i => new SandboxImage(i.FileName, i.AltText, "data:image/png;base64," + Convert.ToBase64String(i.Png.Span))).ToList(),
        };
    }

    /// <summary>The content as plain text.</summary>
    public string ToPlainText() => string.Join("\n\n", Blocks.Select(b => b.Kind switch
    {
        "list" => string.Join("\n", (b.Items ?? []).Select(i => "• " + string.Concat(i.Select(s => s.Text)))),
        "quote" or "heading" => b.Text ?? "",
        _ => string.Concat((b.Spans ?? []).Select(s => s.Text)),
    }));

    internal string Serialize() => JsonSerializer.Serialize(this, Json);

    internal static SandboxContent Deserialize(string json) =>
        JsonSerializer.Deserialize<SandboxContent>(json, Json) ?? new SandboxContent([], []);

    private static SandboxBlock Block(MessageBlock block) => block switch
    {
        HeadingBlock h => new SandboxBlock("heading", Text: h.Text),
        ParagraphBlock p => new SandboxBlock("paragraph", Spans: p.Spans.Select(Span).ToList()),
        ListBlock l => new SandboxBlock("list", Items: l.Items.Select(i => (IReadOnlyList<SandboxSpan>)i.Select(Span).ToList()).ToList()),
        QuoteBlock q => new SandboxBlock("quote", Text: q.Text),
        _ => new SandboxBlock("paragraph", Spans: [new SandboxSpan(block.ToPlainText())]),
    };

    private static SandboxSpan Span(TextSpan span) => new(
        span.Text,
        span.Style.HasFlag(SpanStyle.Bold),
        span.Style.HasFlag(SpanStyle.Italic),
        span.Style.HasFlag(SpanStyle.Code));
}

/// <summary>One block: <c>heading</c> and <c>quote</c> carry <see cref="Text"/>, <c>paragraph</c> spans, <c>list</c> items.</summary>
public sealed record SandboxBlock(
    string Kind,
    string? Text = null,
    IReadOnlyList<SandboxSpan>? Spans = null,
    IReadOnlyList<IReadOnlyList<SandboxSpan>>? Items = null);

/// <summary>A run of literal text.</summary>
public sealed record SandboxSpan(string Text, bool Bold = false, bool Italic = false, bool Code = false);

/// <summary>An image in a message.</summary>
/// <param name="FileName">Its file name.</param>
/// <param name="AltText">What it shows, in words: the image's alt text on the page.</param>
/// <param name="Src">A <c>data:image/png;base64,</c> URL of the image.</param>
public sealed record SandboxImage(string FileName, string AltText, string Src);

/// <summary>A button under a message.</summary>
public sealed record SandboxButton(string Label, string ActionId, string Style);
