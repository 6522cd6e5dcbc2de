namespace PeerBot.Core.Platform;

/// <summary>
/// A platform-neutral rich message. Adapters render it: Discord markdown and components,
/// Slack mrkdwn and Block Kit, HTML in the sandbox. Text in <see cref="TextSpan"/>s is literal
/// (adapters escape it); nothing in a message may ping anyone.
/// </summary>
/// <param name="Blocks">The content, in order.</param>
/// <param name="Buttons">Buttons under the content, where the platform has them.</param>
/// <param name="IdempotencyKey">
/// A key that identifies this message across retries and restarts, so a retried send cannot post it twice: the send is
/// recorded before it goes and looked for on the platform when its outcome is unknown (<see cref="ExactlyOncePlatform"/>);
/// null when duplicates do not matter.
/// </param>
public sealed record OutgoingMessage(
    IReadOnlyList<MessageBlock> Blocks,
    IReadOnlyList<MessageButton> Buttons,
    string? IdempotencyKey = null)
{
    /// <summary>
    /// How urgent the message is, so a crisis alert cannot be mistaken for anything else: adapters mark it their own
    /// way (a leading line on Discord, a header on Slack, a coloured card in the sandbox). Normal adds nothing.
    /// </summary>
    public MessageTone Tone { get; init; } = MessageTone.Normal;

    /// <summary>
    /// True for a message whose recipient must leave no trace in PeerBot's records (a private note to an anonymous
    /// post's author): the send journal keeps that it went, never where (<see cref="ExactlyOncePlatform"/>).
    /// </summary>
    public bool Discreet { get; init; }

    /// <summary>A message of one plain paragraph.</summary>
    public static OutgoingMessage Plain(string text, string? idempotencyKey = null) =>
        new([new ParagraphBlock([new TextSpan(text)])], [], idempotencyKey);

    /// <summary>The message as plain text, for platforms' notification fallbacks and for logs of Core's own text.</summary>
    public string ToPlainText() => string.Join("\n\n", Blocks.Select(b => b.ToPlainText()));
}

/// <summary>An image sent with a message, such as a digest's chart.</summary>
/// <param name="FileName">Its file name, such as <c>tuesday-circle.png</c>.</param>
/// <param name="Png">The PNG bytes.</param>
/// <param name="AltText">What it shows, in words, for people who cannot see it (the platform's alt text or description).</param>
public sealed record MessageImage(string FileName, ReadOnlyMemory<byte> Png, string AltText);

/// <summary>How urgent a message is; see <see cref="OutgoingMessage.Tone"/>.</summary>
public enum MessageTone
{
    /// <summary>An ordinary message.</summary>
    Normal,

    /// <summary>Needs a facilitator's attention (a fatalistic spiral).</summary>
    Warning,

    /// <summary>Someone may be in crisis: act now.</summary>
    Crisis,
}

/// <summary>A block of a rich message.</summary>
public abstract record MessageBlock
{
    /// <summary>The block as plain text.</summary>
    public abstract string ToPlainText();
}

/// <summary>A short heading.</summary>
/// <param name="Text">The heading text.</param>
public sealed record HeadingBlock(string Text) : MessageBlock
{
    /// <inheritdoc />
    public override string ToPlainText() => Text;
}

/// <summary>A paragraph of spans.</summary>
/// <param name="Spans">The runs of text.</param>
public sealed record ParagraphBlock(IReadOnlyList<TextSpan> Spans) : MessageBlock
{
    /// <summary>A paragraph of one plain span.</summary>
    public ParagraphBlock(string text) : this([new TextSpan(text)]) { }

    /// <inheritdoc />
    public override string ToPlainText() => string.Concat(Spans.Select(s => s.Text));
}

/// <summary>A bulleted list; each item is a list of spans.</summary>
/// <param name="Items">The items.</param>
public sealed record ListBlock(IReadOnlyList<IReadOnlyList<TextSpan>> Items) : MessageBlock
{
    /// <inheritdoc />
    public override string ToPlainText() => string.Join("\n", Items.Select(i => "• " + string.Concat(i.Select(s => s.Text))));
}

/// <summary>A quoted passage of someone else's words, such as an anonymous post or a flag excerpt.</summary>
/// <param name="Text">The quoted text, literal.</param>
public sealed record QuoteBlock(string Text) : MessageBlock
{
    /// <inheritdoc />
    public override string ToPlainText() => "> " + Text.Replace("\n", "\n> ", StringComparison.Ordinal);
}

/// <summary>A run of literal text with emphasis.</summary>
/// <param name="Text">The text, literal: adapters escape it for their markup.</param>
/// <param name="Style">Emphasis.</param>
public sealed record TextSpan(string Text, SpanStyle Style = SpanStyle.None);

/// <summary>Emphasis of a span.</summary>
[Flags]
public enum SpanStyle
{
    /// <summary>Plain.</summary>
    None = 0,

    /// <summary>Bold.</summary>
    Bold = 1,

    /// <summary>Italic.</summary>
    Italic = 2,

    /// <summary>Monospace, for ids a person types back (alert and post ids).</summary>
    Code = 4,
}

/// <summary>A button; pressing it comes back to Core as a <see cref="ButtonPress"/> with the same <see cref="ActionId"/>.</summary>
/// <param name="Label">What the button says.</param>
/// <param name="ActionId">An opaque action id, at most 100 characters, never a person's identity (e.g. <c>ack:A12</c>).</param>
/// <param name="Style">How prominent it is.</param>
public sealed record MessageButton(string Label, string ActionId, ButtonStyle Style = ButtonStyle.Secondary);

/// <summary>Prominence of a button.</summary>
public enum ButtonStyle
{
    /// <summary>The main action.</summary>
    Primary,

    /// <summary>An ordinary action.</summary>
    Secondary,

    /// <summary>A destructive action.</summary>
    Danger,
}
