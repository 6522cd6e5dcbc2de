using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using PeerBot.Core.Platform;
using PeerBot.Discord.Rest;

namespace PeerBot.Discord.Interactions;

/// <summary>
/// Answers INTERACTION_CREATE: maps commands, modal submissions and button presses to Core, and answers
/// within Discord's 3 seconds, always privately. When Core takes longer than
/// <see cref="DiscordAdapterOptions.InteractionDeferAfter"/>, the answer is deferred and the result edited in.
/// </summary>
public sealed class InteractionResponder
{
    private const int ApplicationCommand = 2;
    private const int MessageComponent = 3;
    private const int ModalSubmit = 5;

    private const string FailureText = "Sorry, something went wrong on PeerBot's side. Please try again in a moment.";

    private readonly DiscordRestClient _rest;
    private readonly IServiceScopeFactory _scopes;
    private readonly DiscordAdapterOptions _options;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;

    public InteractionResponder(
        DiscordRestClient rest,
        IServiceScopeFactory scopes,
        DiscordAdapterOptions options,
        TimeProvider time,
        ILogger<InteractionResponder> logger)
    {
        _rest = rest;
        _scopes = scopes;
        _options = options;
        _time = time;
        _logger = logger;
    }

    /// <summary>Handles one interaction to its final answer.</summary>
    public async Task HandleAsync(JsonElement interaction, CancellationToken cancellationToken)
    {
        // Without these there is nothing to answer: drop the interaction with a line in the log rather than throw.
        if (IdOf(interaction, "id") is not { } id || IdOf(interaction, "token") is not { } token || IdOf(interaction, "application_id") is not { } applicationId
            || !interaction.TryGetProperty("type", out var typeElement) || typeElement.ValueKind != JsonValueKind.Number || !typeElement.TryGetInt32(out var type))
        {
            _logger.LogWarning("Ignored a Discord interaction without its id, token, application id or type.");
            return;
        }

        var callback = $"/interactions/{id}/{token}/callback";
        var userId = UserId(interaction);
        var channelId = IdOf(interaction, "channel_id");
        var isDirect = !interaction.TryGetProperty("guild_id", out var g) || g.ValueKind != JsonValueKind.String;
        var data = interaction.TryGetProperty("data", out var d) ? d : default;

        if (type == 1)
        {
            await CallbackAsync(callback, new JsonObject { ["type"] = 1 }, cancellationToken).ConfigureAwait(false);
            return;
        }

        if (userId is null || type is not (ApplicationCommand or MessageComponent or ModalSubmit))
        {
            _logger.LogWarning("Discord interaction of type {Type} ignored", type);
            return;
        }

        if (type is MessageComponent or ModalSubmit && IdOf(data, "custom_id") is null)
        {
            // Every button and form PeerBot sends has a custom id; without one there is nothing for Core to act on, so the
            // press goes no further, and the person is answered rather than left with "This interaction failed".
            _logger.LogWarning("Ignored a Discord {Kind} without its custom id.", type == ModalSubmit ? "form submission" : "button press");
            await CallbackAsync(callback, Reply(OutgoingMessage.Plain(FailureText), 4), cancellationToken).ConfigureAwait(false);
            return;
        }

        if (type == ApplicationCommand && data.ValueKind == JsonValueKind.Object && data.TryGetProperty("name", out _) && IdOf(data, "name") != PeerCommand.Name)
        {
            await CallbackAsync(callback, Reply(OutgoingMessage.Plain("PeerBot only knows /peer."), 4), cancellationToken).ConfigureAwait(false);
            return;
        }

        // A button press, or a form opened from a button: its answer can update the message the button was on (the form's
        // submission carries that message as a press does).
        var isButton = type == MessageComponent
            || (type == ModalSubmit && interaction.TryGetProperty("message", out var from) && IdOf(from, "id") is not null);
        using var scope = _scopes.CreateScope();
        var handler = scope.ServiceProvider.GetRequiredService<IPlatformEventHandler>();
        var work = InvokeAsync(handler, type, data, interaction, userId, channelId, isDirect, cancellationToken);

        using var deferTimer = new CancellationTokenSource();
        var deferDelay = Task.Delay(_options.InteractionDeferAfter, _time, deferTimer.Token);
        var first = await Task.WhenAny(work, deferDelay).ConfigureAwait(false);
        if (first == work)
        {
            await deferTimer.CancelAsync().ConfigureAwait(false);
            var response = await ResultOrFailureAsync(work).ConfigureAwait(false);
            await AnswerAsync(callback, applicationId, token, response, type, isButton, cancellationToken).ConfigureAwait(false);
            return;
        }

        // Core needs longer than Discord waits: acknowledge now, privately, and fill in the answer after.
        await CallbackAsync(callback, isButton
            ? new JsonObject { ["type"] = 6 }
            : new JsonObject { ["type"] = 5, ["data"] = new JsonObject { ["flags"] = MessageRenderer.Ephemeral } }, cancellationToken).ConfigureAwait(false);
        var late = await ResultOrFailureAsync(work).ConfigureAwait(false);
        await AnswerDeferredAsync(applicationId, token, late, isButton, cancellationToken).ConfigureAwait(false);
    }

    private static async Task<InteractionResponse> InvokeAsync(
        IPlatformEventHandler handler,
        int type,
        JsonElement data,
        JsonElement interaction,
        string userId,
        string? channelId,
        bool isDirect,
        CancellationToken cancellationToken)
    {
        // Yield first so a handler that throws before its first await still fails the task, not the caller.
        await Task.Yield();
        switch (type)
        {
            case ApplicationCommand:
                var text = PeerCommand.ToText(data);
                return await handler.HandleCommandAsync(new CommandInvocation(PlatformKind.Discord, userId, channelId, text, isDirect), cancellationToken).ConfigureAwait(false);
            case ModalSubmit:
                var formId = IdOf(data, "custom_id")!;
                return await handler.HandleFormAsync(new FormSubmission(PlatformKind.Discord, userId, formId, FormValues(data)), cancellationToken).ConfigureAwait(false);
            default:
                var actionId = IdOf(data, "custom_id")!;
                MessageRef? message = null;
                if (interaction.TryGetProperty("message", out var m) && m.TryGetProperty("id", out var mid))
                {
                    var messageChannel = m.TryGetProperty("channel_id", out var mc) ? mc.GetString() : channelId;
                    message = new MessageRef(new ChannelRef(PlatformKind.Discord, messageChannel ?? ""), mid.GetString()!);
                }

                return await handler.HandleButtonAsync(new ButtonPress(PlatformKind.Discord, userId, actionId, message), cancellationToken).ConfigureAwait(false);
        }
    }

    private async Task<InteractionResponse> ResultOrFailureAsync(Task<InteractionResponse> work)
    {
        try
        {
            return await work.ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            _logger.LogError(ex, "Handling a Discord interaction failed");
            return InteractionResponse.Text(FailureText);
        }
    }

    private async Task AnswerAsync(string callback, string applicationId, string token, InteractionResponse response, int type, bool isButton, CancellationToken cancellationToken)
    {
        if (response.Form is { } form)
        {
            if (type == ModalSubmit)
            {
                _logger.LogWarning("Core answered a form with another form; Discord cannot open one there");
                await CallbackAsync(callback, Reply(OutgoingMessage.Plain("Please run the command again."), 4), cancellationToken).ConfigureAwait(false);
                return;
            }

            await CallbackAsync(callback, new JsonObject { ["type"] = 9, ["data"] = RenderModal(form) }, cancellationToken).ConfigureAwait(false);
            return;
        }

        if (isButton && response.UpdateOriginal is { } update)
        {
            await CallbackAsync(callback, new JsonObject { ["type"] = 7, ["data"] = MessageBody(update, ephemeral: false) }, cancellationToken).ConfigureAwait(false);
            if (response.Reply is { } followup)
            {
                await FollowupAsync(applicationId, token, followup, cancellationToken).ConfigureAwait(false);
            }

            return;
        }

        if (response.Reply is null)
        {
            await CallbackAsync(callback, type == MessageComponent
                ? new JsonObject { ["type"] = 6 }
                : Reply(OutgoingMessage.Plain("Done."), 4), cancellationToken).ConfigureAwait(false);
            return;
        }

        var parts = MessageRenderer.Split(MessageRenderer.RenderContent(response.Reply));
        await CallbackAsync(callback, Reply(response.Reply, 4, parts[0], parts.Count == 1), cancellationToken).ConfigureAwait(false);
        foreach (var extra in parts.Skip(1))
        {
            await FollowupAsync(applicationId, token, new OutgoingMessage([new ParagraphBlock(extra)], []), cancellationToken, rawContent: extra).ConfigureAwait(false);
        }
    }

    private async Task AnswerDeferredAsync(string applicationId, string token, InteractionResponse response, bool isButton, CancellationToken cancellationToken)
    {
        var original = $"/webhooks/{applicationId}/{token}/messages/@original";
        if (response.Form is not null)
        {
            _logger.LogWarning("A form came back after the interaction was deferred; Discord cannot open it now");
            await _rest.SendAsync(HttpMethod.Patch, original, MessageBody(OutgoingMessage.Plain("That took too long to open. Please run the command again."), false), null, cancellationToken).ConfigureAwait(false);
            return;
        }

        if (isButton)
        {
            if (response.UpdateOriginal is { } update)
            {
                Check(await _rest.SendAsync(HttpMethod.Patch, original, MessageBody(update, false), null, cancellationToken).ConfigureAwait(false));
            }

            if (response.Reply is { } reply)
            {
                await FollowupAsync(applicationId, token, reply, cancellationToken).ConfigureAwait(false);
            }

            return;
        }

        var content = response.Reply ?? OutgoingMessage.Plain("Done.");
        var parts = MessageRenderer.Split(MessageRenderer.RenderContent(content));
        var body = MessageBody(content, false, withButtons: parts.Count == 1);
        Check(await _rest.SendAsync(HttpMethod.Patch, original, body, null, cancellationToken).ConfigureAwait(false));
        foreach (var extra in parts.Skip(1))
        {
            await FollowupAsync(applicationId, token, new OutgoingMessage([], []), cancellationToken, rawContent: extra).ConfigureAwait(false);
        }
    }

    private async Task FollowupAsync(string applicationId, string token, OutgoingMessage message, CancellationToken cancellationToken, string? rawContent = null)
    {
        var body = MessageBody(message, ephemeral: true);
        if (rawContent is not null)
        {
            body["content"] = rawContent;
        }

        Check(await _rest.SendAsync(HttpMethod.Post, $"/webhooks/{applicationId}/{token}", body, null, cancellationToken).ConfigureAwait(false));
    }

    private async Task CallbackAsync(string path, JsonObject body, CancellationToken cancellationToken) =>
        Check(await _rest.SendAsync(HttpMethod.Post, path, body, null, cancellationToken).ConfigureAwait(false));

    private void Check(DiscordResponse response)
    {
        if (!response.IsSuccess)
        {
            _logger.LogError("Answering a Discord interaction failed: {Error}", response.ToException().Message);
        }
    }

    private static JsonObject Reply(OutgoingMessage message, int type, string? content = null, bool withButtons = true)
    {
        var data = MessageBody(message, ephemeral: true, withButtons);
        if (content is not null)
        {
            data["content"] = content;
        }

        return new JsonObject { ["type"] = type, ["data"] = data };
    }

    /// <summary>A message body for interaction answers and webhook edits (content, components, no pings, no previews).</summary>
    internal static JsonObject MessageBody(OutgoingMessage message, bool ephemeral, bool withButtons = true)
    {
        var content = MessageRenderer.Split(MessageRenderer.RenderContent(message))[0];
        return new JsonObject
        {
            ["content"] = content,
            ["flags"] = MessageRenderer.SuppressEmbeds | (ephemeral ? MessageRenderer.Ephemeral : 0),
            ["allowed_mentions"] = MessageRenderer.NoMentions(),
            ["components"] = withButtons ? MessageRenderer.RenderComponents(message.Buttons) : new JsonArray(),
        };
    }

    /// <summary>A form as a Discord modal: each field a Label holding a Text Input or a String Select.</summary>
    internal static JsonObject RenderModal(FormSpec form)
    {
        var components = new JsonArray();
        foreach (var field in form.Fields.Take(5))
        {
            JsonObject input;
            if (field.Kind == FormFieldKind.Choice)
            {
                var choices = new JsonArray();
                foreach (var choice in (field.Choices ?? []).Take(25))
                {
                    choices.Add(new JsonObject { ["label"] = MessageRenderer.Truncate(choice.Label, 100), ["value"] = MessageRenderer.Truncate(choice.Value, 100) });
                }

                input = new JsonObject
                {
                    ["type"] = 3,
                    ["custom_id"] = field.Id,
                    ["options"] = choices,
                    ["min_values"] = field.Required ? 1 : 0,
                    ["max_values"] = 1,
                    ["required"] = field.Required,
                };
            }
            else
            {
                input = new JsonObject
                {
                    ["type"] = 4,
                    ["custom_id"] = field.Id,
                    ["style"] = field.Kind == FormFieldKind.LongText ? 2 : 1,
                    ["required"] = field.Required,
                    ["max_length"] = Math.Clamp(field.MaxLength ?? 4000, 1, 4000),
                };
            }

            if (field.Placeholder is { } placeholder)
            {
                input["placeholder"] = MessageRenderer.Truncate(placeholder, 100);
            }

            components.Add(new JsonObject { ["type"] = 18, ["label"] = MessageRenderer.Truncate(field.Label, 45), ["component"] = input });
        }

        return new JsonObject
        {
            ["custom_id"] = MessageRenderer.Truncate(form.FormId, 100),
            ["title"] = MessageRenderer.Truncate(form.Title, 45),
            ["components"] = components,
        };
    }

    /// <summary>Field values of a MODAL_SUBMIT (Labels carry one component; legacy Action Rows carry several).</summary>
    internal static Dictionary<string, string> FormValues(JsonElement data)
    {
        var values = new Dictionary<string, string>(StringComparer.Ordinal);
        void Take(JsonElement component)
        {
            if (!component.TryGetProperty("custom_id", out var cid))
            {
                return;
            }

            if (component.TryGetProperty("value", out var v))
            {
                values[cid.GetString()!] = v.GetString() ?? "";
            }
            else if (component.TryGetProperty("values", out var vs) && vs.ValueKind == JsonValueKind.Array)
            {
                values[cid.GetString()!] = vs.EnumerateArray().Select(x => x.GetString()).FirstOrDefault() ?? "";
            }
        }

        if (data.TryGetProperty("components", out var top))
        {
            foreach (var item in top.EnumerateArray())
            {
                if (item.TryGetProperty("component", out var inner))
                {
                    Take(inner);
                }
                else if (item.TryGetProperty("components", out var row))
                {
                    foreach (var child in row.EnumerateArray())
                    {
                        Take(child);
                    }
                }
                else
                {
                    Take(item);
                }
            }
        }

        return values;
    }

    private static string? UserId(JsonElement interaction)
    {
        if (interaction.TryGetProperty("member", out var member) && member.ValueKind == JsonValueKind.Object && member.TryGetProperty("user", out var mu))
        {
            return IdOf(mu, "id");
        }

        return interaction.TryGetProperty("user", out var user) ? IdOf(user, "id") : null;
    }

    /// <summary>A non-blank string field, or null when missing, blank, of another type or not valid text.</summary>
    private static string? IdOf(JsonElement element, string name)
    {
        if (element.ValueKind != JsonValueKind.Object || !element.TryGetProperty(name, out var value) || value.ValueKind != JsonValueKind.String)
        {
            return null;
        }

        try
        {
            return value.GetString() is { } s && !string.IsNullOrWhiteSpace(s) ? s : null;
        }
        catch (InvalidOperationException)
        {
            return null; // an escaped lone surrogate
        }
    }
}
