using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using PeerBot.Core.Platform;
using PeerBot.Slack.Api;
using PeerBot.Slack.Rendering;
using PeerBot.Slack.SocketMode;

namespace PeerBot.Slack.Inbound;

/// <summary>
/// Slash commands and interactions (buttons, modal submissions). Core gets <see cref="SlackAdapterOptions.AckTimeout"/>
/// to answer; a prompt answer travels in the acknowledgement, a late one after it (response URL, ephemeral message
/// or DM), so Slack always has its acknowledgement within 3 seconds.
/// </summary>
public sealed class SlackInteractions
{
    private static readonly OutgoingMessage SomethingWentWrong =
        OutgoingMessage.Plain("Sorry, something went wrong on PeerBot's side. Please try again in a moment.");

    private readonly IServiceScopeFactory _scopes;
    private readonly SlackChatPlatform _platform;
    private readonly SlackApiClient _api;
    private readonly SlackAdapterOptions _options;
    private readonly SlackTimers _timers;
    private readonly ILogger<SlackInteractions> _logger;

    public SlackInteractions(
        IServiceScopeFactory scopes,
        SlackChatPlatform platform,
        SlackApiClient api,
        IOptions<SlackAdapterOptions> options,
        SlackTimers timers,
        ILogger<SlackInteractions> logger)
    {
        ArgumentNullException.ThrowIfNull(options);
        _scopes = scopes;
        _platform = platform;
        _api = api;
        _options = options.Value;
        _timers = timers;
        _logger = logger;
    }

    /// <summary>A <c>/peer</c> invocation.</summary>
    public async Task HandleSlashCommandAsync(SocketModeEnvelope envelope, ISocketModeAcknowledger acknowledger, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(envelope);
        ArgumentNullException.ThrowIfNull(acknowledger);
        var payload = envelope.Payload;
        var userId = SlackMessageEvents.Id(payload, "user_id");
        if (userId is null)
        {
            _logger.LogWarning("Ignored a slash command without a user.");
            await SlackEventDispatcher.AckAsync(acknowledger, envelope.EnvelopeId, null, cancellationToken, _logger).ConfigureAwait(false);
            return;
        }

        var channelId = SlackMessageEvents.Str(payload, "channel_id");
        var responseUrl = SlackMessageEvents.Str(payload, "response_url");
        var triggerId = SlackMessageEvents.Str(payload, "trigger_id");
        var isDirect = channelId?.StartsWith('D') == true || SlackMessageEvents.Str(payload, "channel_name") == "directmessage";
        var invocation = new CommandInvocation(
            PlatformKind.Slack,
            userId,
            channelId,
            SlackText.Unescape(SlackMessageEvents.Str(payload, "text") ?? "").Trim(),
            isDirect);

        var work = InvokeAsync(h => h.HandleCommandAsync(invocation, cancellationToken));
        var inTime = await WithinAckTimeAsync(work, cancellationToken).ConfigureAwait(false);
        if (inTime && work.IsCompletedSuccessfully && work.Result is { Form: null, Reply: { } quickReply } && envelope.AcceptsResponsePayload)
        {
            var rendered = SlackMessageRenderer.Render(quickReply);
            var ack = new JsonObject { ["response_type"] = "ephemeral", ["text"] = rendered.Text, ["blocks"] = rendered.Blocks };
            if (!await SlackEventDispatcher.AckAsync(acknowledger, envelope.EnvelopeId, ack, cancellationToken, _logger).ConfigureAwait(false))
            {
                // The connection went away with the answer in its acknowledgement; a redelivery of the envelope is only
                // acknowledged (never handled twice), so the answer goes the other private way instead.
                await ReplyPrivatelyAsync(userId, channelId, responseUrl, quickReply, cancellationToken).ConfigureAwait(false);
            }

            return;
        }

        await SlackEventDispatcher.AckAsync(acknowledger, envelope.EnvelopeId, null, cancellationToken, _logger).ConfigureAwait(false);
        var response = await CompleteAsync(work, "a /peer command").ConfigureAwait(false);
        await ApplyAsync(response, userId, channelId, responseUrl, triggerId, null, ReplyKind.Ephemeral, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>A button press, modal submission or other interaction.</summary>
    public async Task HandleInteractiveAsync(SocketModeEnvelope envelope, ISocketModeAcknowledger acknowledger, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(envelope);
        ArgumentNullException.ThrowIfNull(acknowledger);
        var payload = envelope.Payload;
        var type = SlackMessageEvents.Str(payload, "type");
        var userId = payload.ValueKind == JsonValueKind.Object && payload.TryGetProperty("user", out var user) ? SlackMessageEvents.Id(user, "id") : null;
        if (userId is null || type is not ("block_actions" or "view_submission"))
        {
            _logger.LogDebug("Acknowledged a Slack interaction of type {Type} PeerBot does not use.", type);
            await SlackEventDispatcher.AckAsync(acknowledger, envelope.EnvelopeId, null, cancellationToken, _logger).ConfigureAwait(false);
            return;
        }

        if (type == "block_actions")
        {
            // Nothing Core says can travel in a block_actions acknowledgement, so acknowledge first.
            await SlackEventDispatcher.AckAsync(acknowledger, envelope.EnvelopeId, null, cancellationToken, _logger).ConfigureAwait(false);
            await HandleBlockActionsAsync(payload, userId, cancellationToken).ConfigureAwait(false);
            return;
        }

        if (!payload.TryGetProperty("view", out var view) || view.ValueKind != JsonValueKind.Object
            || SlackMessageEvents.Id(view, "callback_id") is not { } formId)
        {
            _logger.LogWarning("Ignored a Slack form submission without a view or its callback id.");
            await SlackEventDispatcher.AckAsync(acknowledger, envelope.EnvelopeId, null, cancellationToken, _logger).ConfigureAwait(false);
            return;
        }

        var channelId = ReadMetadataChannel(SlackMessageEvents.Str(view, "private_metadata"));
        var submission = new FormSubmission(PlatformKind.Slack, userId, formId, SlackViewRenderer.ReadValues(view));
        var work = InvokeAsync(h => h.HandleFormAsync(submission, cancellationToken));
        var inTime = await WithinAckTimeAsync(work, cancellationToken).ConfigureAwait(false);
        if (inTime && work.IsCompletedSuccessfully && work.Result.FieldErrors is { Count: > 0 } fieldErrors && envelope.AcceptsResponsePayload)
        {
            // Refused in time: the modal stays open with the person's words in it and the reason under the field.
            var errors = SlackViewRenderer.FieldErrors(view, fieldErrors);
            if (await SlackEventDispatcher.AckAsync(acknowledger, envelope.EnvelopeId, new JsonObject { ["response_action"] = "errors", ["errors"] = errors }, cancellationToken, _logger).ConfigureAwait(false))
            {
                return;
            }

            // The connection went away with the errors in the acknowledgement: the reason (with the words) goes by DM.
            await ApplyAsync(work.Result, userId, channelId, null, null, null, ReplyKind.DirectMessage, cancellationToken).ConfigureAwait(false);
            return;
        }

        // An empty acknowledgement closes the modal; the answer follows in a DM. It may be crisis resources with the
        // button that lets the psychologist reach out, or the confirmation that a post was saved: Slack shows an
        // ephemeral message only to a client active at that moment and never again, so it must not go that way.
        await SlackEventDispatcher.AckAsync(acknowledger, envelope.EnvelopeId, null, cancellationToken, _logger).ConfigureAwait(false);
        var response = await CompleteAsync(work, "a form").ConfigureAwait(false);
        await ApplyAsync(response, userId, channelId, null, null, null, ReplyKind.DirectMessage, cancellationToken).ConfigureAwait(false);
    }

    private async Task HandleBlockActionsAsync(JsonElement payload, string userId, CancellationToken cancellationToken)
    {
        MessageRef? message = null;
        string? channelId = null;
        if (payload.TryGetProperty("container", out var container) && SlackMessageEvents.Str(container, "channel_id") is { } containerChannel)
        {
            channelId = containerChannel;
            if (SlackMessageEvents.Str(container, "message_ts") is { } ts)
            {
                message = new MessageRef(new ChannelRef(PlatformKind.Slack, containerChannel), ts);
            }
        }
        else if (payload.TryGetProperty("channel", out var channel))
        {
            channelId = SlackMessageEvents.Str(channel, "id");
        }

        var responseUrl = SlackMessageEvents.Str(payload, "response_url");
        var triggerId = SlackMessageEvents.Str(payload, "trigger_id");
        if (!payload.TryGetProperty("actions", out var actions) || actions.ValueKind != JsonValueKind.Array)
        {
            return;
        }

        foreach (var action in actions.EnumerateArray())
        {
            // Every button PeerBot renders has an action id; one without names nothing Core could act on.
            var actionId = SlackMessageEvents.Id(action, "action_id");
            if (actionId is null)
            {
                _logger.LogWarning("Ignored a Slack block action without an action id.");
                continue;
            }

            var press = new ButtonPress(PlatformKind.Slack, userId, actionId, message);
            var response = await CompleteAsync(InvokeAsync(h => h.HandleButtonAsync(press, cancellationToken)), "a button").ConfigureAwait(false);

            // A button in the bot's DM (a share draft, crisis resources, an alert) is answered in the DM, where the
            // answer stays; an ephemeral there would be lost to a client that is not active or is reloaded.
            var kind = channelId?.StartsWith('D') == true ? ReplyKind.DirectMessage : ReplyKind.Ephemeral;
            await ApplyAsync(response, userId, channelId, responseUrl, triggerId, message, kind, cancellationToken).ConfigureAwait(false);
        }
    }

    private async Task ApplyAsync(
        InteractionResponse response,
        string userId,
        string? channelId,
        string? responseUrl,
        string? triggerId,
        MessageRef? original,
        ReplyKind kind,
        CancellationToken cancellationToken)
    {
        if (response.UpdateOriginal is { } update && original is not null)
        {
            try
            {
                await _platform.UpdateMessageAsync(original, update, cancellationToken).ConfigureAwait(false);
            }
            catch (PlatformException ex)
            {
                _logger.LogError(ex, "Could not update Slack message {Ts} in {Channel}.", original.Id, original.Channel.Id);
            }
        }

        if (response.Form is { } form)
        {
            if (await OpenFormAsync(form, triggerId, channelId, cancellationToken).ConfigureAwait(false))
            {
                return;
            }

            await ReplyPrivatelyAsync(
                userId,
                channelId,
                responseUrl,
                OutgoingMessage.Plain("The form could not open in time. Please run the command again."),
                cancellationToken).ConfigureAwait(false);
        }

        if (response.Reply is { } reply)
        {
            if (kind == ReplyKind.DirectMessage)
            {
                await ReplyByDirectMessageAsync(userId, channelId, reply, cancellationToken).ConfigureAwait(false);
            }
            else
            {
                await ReplyPrivatelyAsync(userId, channelId, responseUrl, reply, cancellationToken).ConfigureAwait(false);
            }
        }
    }

    /// <summary>
    /// Replies in the bot's DM with the person, a message that stays and reaches every device; only when the DM
    /// cannot be sent does the reply go as an ephemeral message in the channel the interaction came from.
    /// </summary>
    private async Task ReplyByDirectMessageAsync(string userId, string? channelId, OutgoingMessage message, CancellationToken cancellationToken)
    {
        try
        {
            await _platform.SendDirectMessageAsync(userId, message, cancellationToken).ConfigureAwait(false);
            return;
        }
        catch (PlatformException ex)
        {
            _logger.LogWarning("A private reply could not be sent as a DM ({Kind}); trying an ephemeral message.", ex.Kind);
        }

        if (channelId is not null && !channelId.StartsWith('D'))
        {
            try
            {
                await _platform.PostEphemeralAsync(channelId, userId, message, cancellationToken).ConfigureAwait(false);
                return;
            }
            catch (PlatformException ex)
            {
                _logger.LogWarning("An ephemeral reply failed too ({Kind}).", ex.Kind);
            }
        }

        _logger.LogError("A private reply to an interaction could not be delivered on Slack.");
    }

    private async Task<bool> OpenFormAsync(FormSpec form, string? triggerId, string? channelId, CancellationToken cancellationToken)
    {
        if (triggerId is null)
        {
            _logger.LogWarning("Cannot open form {FormId}: the interaction carried no trigger id.", form.FormId);
            return false;
        }

        var metadata = new JsonObject { ["channel"] = channelId }.ToJsonString();
        try
        {
            await _api.PostAsync(
                "views.open",
                new JsonObject { ["trigger_id"] = triggerId, ["view"] = SlackViewRenderer.RenderModal(form, metadata) },
                cancellationToken).ConfigureAwait(false);
            return true;
        }
        catch (SlackApiException ex)
        {
            _logger.LogWarning("Slack did not open form {FormId}: {Error}", form.FormId, ex.Message);
            return false;
        }
    }

    /// <summary>
    /// Replies to one person only: on the interaction's response URL, else as an ephemeral message in the channel,
    /// else in a DM.
    /// </summary>
    internal async Task ReplyPrivatelyAsync(string userId, string? channelId, string? responseUrl, OutgoingMessage message, CancellationToken cancellationToken)
    {
        if (IsTrustedResponseUrl(responseUrl, out var url))
        {
            try
            {
                var rendered = SlackMessageRenderer.Render(message);
                var body = new JsonObject
                {
                    ["response_type"] = "ephemeral",
                    ["replace_original"] = false,
                    ["text"] = rendered.Text,
                    ["blocks"] = rendered.Blocks,
                };
                await _api.PostToResponseUrlAsync(url, body, cancellationToken).ConfigureAwait(false);
                return;
            }
            catch (Exception ex) when (ex is SlackApiException or HttpRequestException || (ex is OperationCanceledException && !cancellationToken.IsCancellationRequested))
            {
                _logger.LogWarning("Replying on the response URL failed ({Error}); trying an ephemeral message.", ex.Message);
            }
        }

        if (channelId is not null)
        {
            try
            {
                await _platform.PostEphemeralAsync(channelId, userId, message, cancellationToken).ConfigureAwait(false);
                return;
            }
            catch (PlatformException ex)
            {
                // The channel is not logged: for a share it is the sharer's DM.
                _logger.LogWarning("An ephemeral reply failed ({Error}); sending a DM.", ex.Message);
            }
        }

        try
        {
            await _platform.SendDirectMessageAsync(userId, message, cancellationToken).ConfigureAwait(false);
        }
        catch (PlatformException ex)
        {
            _logger.LogError(ex, "Could not deliver a private reply on Slack.");
        }
    }

    private bool IsTrustedResponseUrl(string? responseUrl, out Uri url)
    {
        url = null!;
        if (!Uri.TryCreate(responseUrl, UriKind.Absolute, out var parsed))
        {
            return false;
        }

        // Only Slack's own hosts (or the configured API host, an emulator in tests) get a reply.
        var trusted = (parsed.Scheme == Uri.UriSchemeHttps && (parsed.Host == "slack.com" || parsed.Host.EndsWith(".slack.com", StringComparison.OrdinalIgnoreCase)))
            || string.Equals(parsed.GetLeftPart(UriPartial.Authority), _api.BaseUrl.GetLeftPart(UriPartial.Authority), StringComparison.OrdinalIgnoreCase);
        url = parsed;
        return trusted;
    }

    private static string? ReadMetadataChannel(string? metadata)
    {
        if (string.IsNullOrEmpty(metadata))
        {
            return null;
        }

        try
        {
            using var document = JsonDocument.Parse(metadata);
            return SlackMessageEvents.Str(document.RootElement, "channel");
        }
        catch (JsonException)
        {
            return null;
        }
    }

    private async Task<InteractionResponse> InvokeAsync(Func<IPlatformEventHandler, Task<InteractionResponse>> call)
    {
        // Yield first, so Core's work never runs on the socket's read loop.
        await Task.Yield();
        var scope = _scopes.CreateAsyncScope();
        await using (scope.ConfigureAwait(false))
        {
            var handler = scope.ServiceProvider.GetRequiredService<IPlatformEventHandler>();
            return await call(handler).ConfigureAwait(false);
        }
    }

    private async Task<bool> WithinAckTimeAsync(Task work, CancellationToken cancellationToken)
    {
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        var delay = _timers.DelayAsync(_options.AckTimeout, "ack-timeout", timeout.Token);
        var first = await Task.WhenAny(work, delay).ConfigureAwait(false);
        await timeout.CancelAsync().ConfigureAwait(false);
        return first == work;
    }

    private async Task<InteractionResponse> CompleteAsync(Task<InteractionResponse> work, string what)
    {
        try
        {
            return await work.ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            _logger.LogError(ex, "Handling {What} from Slack failed.", what);
            return new InteractionResponse(SomethingWentWrong);
        }
    }

    private enum ReplyKind
    {
        /// <summary>Seen by the person who just acted, on the client they acted from (a command's answer).</summary>
        Ephemeral,

        /// <summary>Must reach the person for certain: a DM, which stays and reaches every device.</summary>
        DirectMessage,
    }
}
