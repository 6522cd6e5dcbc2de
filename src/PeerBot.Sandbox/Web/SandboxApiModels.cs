using PeerBot.Core.Platform;
using PeerBot.Sandbox.Workspace;

namespace PeerBot.Sandbox.Web;

/// <summary>A person of the roster, for the picker.</summary>
internal sealed record PersonView(string Id, string Name, string Role, int? Pgy);

/// <summary>
/// The page's first call: who can be chosen, whether they are the demo roster, and the longest message the page
/// may send (so it can refuse a longer one before sending it).
/// </summary>
internal sealed record RosterView(IReadOnlyList<PersonView> People, bool DemoRoster, ClockView Clock, int MaxMessageLength);

/// <summary>
/// The sandbox clock, and the program's time zone (IANA), in which the page shows every time: the bot writes in it,
/// so the page never mixes it with the browser's.
/// </summary>
internal sealed record ClockView(DateTimeOffset Now, DateTimeOffset? NextPromptAt, string? NextPromptGroup, TimeSpan Offset, string TimeZone);

/// <summary>An event of a shared stream, with the roster id of the person it is for.</summary>
internal sealed record SharedEventView(string Person, object Payload);

/// <summary>A message typed in the composer.</summary>
internal sealed record PostRequest(string? As, string? Text);

/// <summary>A channel read up to a message (its last message when <see cref="UpTo"/> is null).</summary>
internal sealed record ReadRequest(string? As, string? UpTo);

/// <summary>A submitted form.</summary>
internal sealed record FormRequest(string? As, string? FormId, Dictionary<string, string>? Values);

/// <summary>
/// A pressed button: on a message of a channel (<see cref="MessageId"/>), or on a private reply the page was given
/// (<see cref="ReplyId"/>).
/// </summary>
internal sealed record ButtonRequest(string? As, string? ChannelId, string? MessageId, string? ActionId, string? ReplyId = null);

/// <summary>Moving the clock by some minutes.</summary>
internal sealed record AdvanceRequest(int Minutes);

/// <summary>
/// What the person sees after acting: a private reply (with <see cref="ReplyId"/> when it has buttons to press), a
/// form to fill, or an error in words; <see cref="Updated"/> replaces the private reply whose button was pressed.
/// </summary>
internal sealed record InteractionView(SandboxContent? Reply, FormView? Form, string? Error = null, string? ReplyId = null, SandboxContent? Updated = null)
{
    public static InteractionView From(InteractionResponse response) => new(
        response.Reply is null ? null : SandboxContent.From(response.Reply),
        response.Form is null ? null : FormView.From(response.Form));

    public static InteractionView Problem(string error) => new(null, null, error);
}

/// <summary>A form as the page's dialog renders it.</summary>
internal sealed record FormView(string FormId, string Title, string SubmitLabel, IReadOnlyList<FieldView> Fields)
{
    public static FormView From(FormSpec form) => new(
        form.FormId,
        form.Title,
        form.SubmitLabel,
        form.Fields.Select(f => new FieldView(
            f.Id,
            f.Label,
            f.Kind switch { FormFieldKind.LongText => "long", FormFieldKind.Choice => "choice", _ => "short" },
            f.Required,
            f.MaxLength,
            f.Choices?.Select(c => new ChoiceView(c.Value, c.Label)).ToList(),
            f.Placeholder)).ToList());
}

/// <summary>A form field.</summary>
internal sealed record FieldView(string Id, string Label, string Kind, bool Required, int? MaxLength, IReadOnlyList<ChoiceView>? Choices, string? Placeholder);

/// <summary>A choice of a choice field.</summary>
internal sealed record ChoiceView(string Value, string Label);
