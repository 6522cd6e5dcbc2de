namespace PeerBot.Core.Platform;

/// <summary>
/// What adapters hand to Core. An adapter maps each platform event to one of these calls
/// and renders the returned <see cref="InteractionResponse"/> privately to the person who acted.
/// </summary>
public interface IPlatformEventHandler
{
    /// <summary>A message in a group channel or a direct message to the bot (never the bot's own, nor other bots').</summary>
    Task HandleMessageAsync(IncomingMessage message, CancellationToken cancellationToken);

    /// <summary>
    /// A message someone edited, with its new text. Adapters send it once per distinct text of a message (an edit that
    /// leaves the text as it was is not sent). Core screens the new text as it screens a new message; an edit is not a
    /// new message (not counted in stats, never a new share). Handlers that screen nothing may leave the default.
    /// </summary>
    Task HandleMessageEditedAsync(MessageEdited edit, CancellationToken cancellationToken) => Task.CompletedTask;

    /// <summary>A <c>/peer</c> invocation; the response is shown only to the invoker.</summary>
    Task<InteractionResponse> HandleCommandAsync(CommandInvocation command, CancellationToken cancellationToken);

    /// <summary>A submitted form (e.g. the share form).</summary>
    Task<InteractionResponse> HandleFormAsync(FormSubmission submission, CancellationToken cancellationToken);

    /// <summary>A pressed button (e.g. acknowledge on an alert).</summary>
    Task<InteractionResponse> HandleButtonAsync(ButtonPress press, CancellationToken cancellationToken);
}

/// <summary>A message someone wrote.</summary>
/// <param name="Platform">Where.</param>
/// <param name="ChannelId">The channel (a group channel, or the DM with the bot).</param>
/// <param name="MessageId">The platform's message id.</param>
/// <param name="AuthorUserId">The author's platform user id.</param>
/// <param name="Text">The text as the platform delivered it.</param>
/// <param name="Timestamp">When the platform says it was sent.</param>
/// <param name="IsDirect">True for a direct message to the bot.</param>
/// <param name="HasAttachments">True when files or images were attached.</param>
public sealed record IncomingMessage(
    PlatformKind Platform,
    string ChannelId,
    string MessageId,
    string AuthorUserId,
    string Text,
    DateTimeOffset Timestamp,
    bool IsDirect,
    bool HasAttachments = false);

/// <summary>A message someone edited.</summary>
/// <param name="Platform">Where.</param>
/// <param name="ChannelId">The channel (a group channel, or the DM with the bot).</param>
/// <param name="MessageId">The platform's id of the message edited.</param>
/// <param name="AuthorUserId">The author's platform user id.</param>
/// <param name="Text">The new text as the platform delivered it.</param>
/// <param name="EditedAt">When the platform says it was edited.</param>
/// <param name="IsDirect">True for a direct message to the bot.</param>
public sealed record MessageEdited(
    PlatformKind Platform,
    string ChannelId,
    string MessageId,
    string AuthorUserId,
    string Text,
    DateTimeOffset EditedAt,
    bool IsDirect);

/// <summary>A <c>/peer</c> command.</summary>
/// <param name="Platform">Where.</param>
/// <param name="UserId">The invoker's platform user id.</param>
/// <param name="ChannelId">The channel it was run in, if any.</param>
/// <param name="Text">Everything after <c>/peer</c>, e.g. <c>prompt now "Tuesday Circle"</c>.
/// Adapters with structured options (Discord) join the subcommand names and option values with spaces,
/// quoting values that contain spaces.</param>
/// <param name="IsDirect">True when run in a DM with the bot.</param>
public sealed record CommandInvocation(
    PlatformKind Platform,
    string UserId,
    string? ChannelId,
    string Text,
    bool IsDirect);

/// <summary>A submitted form.</summary>
/// <param name="Platform">Where.</param>
/// <param name="UserId">Who submitted it.</param>
/// <param name="FormId">The <see cref="FormSpec.FormId"/> it answers.</param>
/// <param name="Values">Field id to submitted value.</param>
public sealed record FormSubmission(
    PlatformKind Platform,
    string UserId,
    string FormId,
    IReadOnlyDictionary<string, string> Values);

/// <summary>A pressed button.</summary>
/// <param name="Platform">Where.</param>
/// <param name="UserId">Who pressed it.</param>
/// <param name="ActionId">The button's <see cref="MessageButton.ActionId"/>.</param>
/// <param name="Message">The message the button was on, if known.</param>
public sealed record ButtonPress(
    PlatformKind Platform,
    string UserId,
    string ActionId,
    MessageRef? Message);

/// <summary>
/// How Core answers an interaction: a private reply, a form to open, or both nothing and an update
/// of the message a button was on.
/// </summary>
/// <param name="Reply">A reply shown only to the person who acted; null for none.</param>
/// <param name="Form">A form to open instead of replying (only as the answer to a command or button).</param>
/// <param name="UpdateOriginal">New content for the message a button was on; null to leave it.</param>
/// <param name="FieldErrors">
/// For a refused form submission, field id to what is wrong with it. A platform that can keep the form open shows
/// these under the fields (Slack <c>response_action: errors</c>) instead of sending <see cref="Reply"/>; any other
/// sends <see cref="Reply"/>, which says the same. Null when the submission was accepted.
/// </param>
public sealed record InteractionResponse(
    OutgoingMessage? Reply,
    FormSpec? Form = null,
    OutgoingMessage? UpdateOriginal = null,
    IReadOnlyDictionary<string, string>? FieldErrors = null)
{
    /// <summary>A private plain-text reply.</summary>
    public static InteractionResponse Text(string text) => new(OutgoingMessage.Plain(text));

    /// <summary>A private rich reply.</summary>
    public static InteractionResponse Message(OutgoingMessage message) => new(message);

    /// <summary>Open a form.</summary>
    public static InteractionResponse OpenForm(FormSpec form) => new(null, form);
}

/// <summary>A form the platform shows as a modal (Discord modal, Slack <c>views.open</c>, sandbox dialog).</summary>
/// <param name="FormId">Opaque id that comes back with the submission (at most 100 characters; no identity in it).</param>
/// <param name="Title">Title, at most 24 characters (Slack's limit).</param>
/// <param name="Fields">The fields, at most 5.</param>
/// <param name="SubmitLabel">The submit button's label.</param>
public sealed record FormSpec(string FormId, string Title, IReadOnlyList<FormField> Fields, string SubmitLabel = "Submit");

/// <summary>One field of a form.</summary>
/// <param name="Id">Field id, the key of the submitted value.</param>
/// <param name="Label">Label, at most 45 characters.</param>
/// <param name="Kind">Kind of input.</param>
/// <param name="Required">Whether a value is needed.</param>
/// <param name="MaxLength">Longest value for text fields.</param>
/// <param name="Choices">Options for <see cref="FormFieldKind.Choice"/>.</param>
/// <param name="Placeholder">Hint text shown in an empty field.</param>
public sealed record FormField(
    string Id,
    string Label,
    FormFieldKind Kind,
    bool Required = true,
    int? MaxLength = null,
    IReadOnlyList<FormChoice>? Choices = null,
    string? Placeholder = null);

/// <summary>Kinds of form input.</summary>
public enum FormFieldKind
{
    /// <summary>One line of text.</summary>
    ShortText,

    /// <summary>Several lines of text.</summary>
    LongText,

    /// <summary>One choice among <see cref="FormField.Choices"/>.</summary>
    Choice,
}

/// <summary>One choice of a choice field.</summary>
/// <param name="Value">Submitted value.</param>
/// <param name="Label">What the person sees.</param>
public sealed record FormChoice(string Value, string Label);
