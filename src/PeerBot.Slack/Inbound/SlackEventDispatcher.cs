using System.Collections.Concurrent;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Threading.Channels;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using PeerBot.Core.Platform;
using PeerBot.Core.Safety;
using PeerBot.Slack.SocketMode;

namespace PeerBot.Slack.Inbound;

/// <summary>
/// Routes Socket Mode envelopes: drops redelivered envelopes and events (acknowledging them again), acknowledges
/// Events API envelopes at once and queues their messages for Core in order, and hands slash commands and
/// interactions to <see cref="SlackInteractions"/>, which acknowledge within the time Slack allows.
/// The socket's read loop is never held up by Core.
/// </summary>
public sealed class SlackEventDispatcher : ISocketModeEnvelopeHandler
{
    private const int RememberedIds = 20_000;
    private readonly IServiceScopeFactory _scopes;
    private readonly SlackInteractions _interactions;
    private readonly SlackBotIdentity _identity;
    private readonly ILogger<SlackEventDispatcher> _logger;
    private readonly RecentIds _envelopes = new(RememberedIds);
    private readonly RecentIds _events = new(RememberedIds);
    private readonly RecentIds _screenedTexts = new(RememberedIds);
    private readonly Channel<JsonElement> _queue = Channel.CreateUnbounded<JsonElement>(new UnboundedChannelOptions { SingleReader = true });
    private readonly ConcurrentDictionary<Task, byte> _inFlight = new();
    private readonly ClassificationBatch? _batch;

    /// <summary>Creates the dispatcher.</summary>
    /// <param name="scopes">A scope per message.</param>
    /// <param name="interactions">Handles slash commands and interactive payloads.</param>
    /// <param name="identity">The bot's own ids, whose messages are ignored.</param>
    /// <param name="logger">The log.</param>
    /// <param name="batch">
    /// When set, the group messages already queued are classified together before they are handled one by one (see
    /// <see cref="ClassificationBatch"/>).
    /// </param>
    public SlackEventDispatcher(IServiceScopeFactory scopes, SlackInteractions interactions, SlackBotIdentity identity, ILogger<SlackEventDispatcher> logger, ClassificationBatch? batch = null)
    {
        _scopes = scopes;
        _interactions = interactions;
        _identity = identity;
        _logger = logger;
        _batch = batch;
    }

    /// <summary>How many queued events are classified together at most.</summary>
    public const int ClassifyTogether = 32;

    /// <inheritdoc />
    public async Task HandleEnvelopeAsync(SocketModeEnvelope envelope, ISocketModeAcknowledger acknowledger, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(envelope);
        ArgumentNullException.ThrowIfNull(acknowledger);
        if (!_envelopes.Add(envelope.EnvelopeId))
        {
            _logger.LogDebug("Slack redelivered envelope {EnvelopeId} (attempt {Attempt}); acknowledged again, not handled twice.", envelope.EnvelopeId, envelope.RetryAttempt);
            await AckAsync(acknowledger, envelope.EnvelopeId, null, cancellationToken, _logger).ConfigureAwait(false);
            return;
        }

        switch (envelope.Type)
        {
            case "events_api":
                await AckAsync(acknowledger, envelope.EnvelopeId, null, cancellationToken, _logger).ConfigureAwait(false);
                var eventId = SlackMessageEvents.Str(envelope.Payload, "event_id");
                if (eventId is not null && !_events.Add(eventId))
                {
                    _logger.LogDebug("Slack delivered event {EventId} again; not handled twice.", eventId);
                    return;
                }

                _queue.Writer.TryWrite(envelope.Payload);
                break;
            case "slash_commands":
                Track(GuardAsync(envelope, acknowledger, _interactions.HandleSlashCommandAsync, cancellationToken));
                break;
            case "interactive":
                Track(GuardAsync(envelope, acknowledger, _interactions.HandleInteractiveAsync, cancellationToken));
                break;
            default:
                _logger.LogDebug("Acknowledged a Socket Mode envelope of type {Type} PeerBot does not use.", envelope.Type);
                await AckAsync(acknowledger, envelope.EnvelopeId, null, cancellationToken, _logger).ConfigureAwait(false);
                break;
        }
    }

    /// <summary>
    /// Hands queued messages to Core, one at a time and in the order they arrived, until cancelled. What is already queued
    /// when the loop comes round (up to <see cref="ClassifyTogether"/> events) is taken at once, and the texts of its
    /// group messages are classified together first; alone, a message goes straight through.
    /// </summary>
    public async Task RunAsync(CancellationToken cancellationToken)
    {
        var batch = new List<(IncomingMessage? Message, MessageEdited? Edit, string? Ignored)>(ClassifyTogether);
        while (await _queue.Reader.WaitToReadAsync(cancellationToken).ConfigureAwait(false))
        {
            batch.Clear();
            while (batch.Count < ClassifyTogether && _queue.Reader.TryRead(out var payload))
            {
                batch.Add(Map(payload));
            }

            using var prepared = _batch?.PrepareMessages(batch.Select(b => b.Message).OfType<IncomingMessage>());
            foreach (var (message, edit, ignored) in batch)
            {
                if (message is not null)
                {
                    _screenedTexts.Add(TextKey(message.ChannelId, message.MessageId, message.Text));
                    await HandleAsync(h => h.HandleMessageAsync(message, cancellationToken), message.IsDirect, message.MessageId, message.ChannelId, cancellationToken).ConfigureAwait(false);
                }
                else if (edit is null)
                {
                    _logger.LogTrace("Ignored a Slack event: {Reason}.", ignored);
                }
                else if (!_screenedTexts.Add(TextKey(edit.ChannelId, edit.MessageId, edit.Text)))
                {
                    _logger.LogTrace("Ignored an edit back to a text already screened.");
                }
                else
                {
                    await HandleAsync(h => h.HandleMessageEditedAsync(edit, cancellationToken), edit.IsDirect, edit.MessageId, edit.ChannelId, cancellationToken).ConfigureAwait(false);
                }
            }
        }
    }

    // A queued event as a new message, an edit, or the reason it is ignored.
    private (IncomingMessage? Message, MessageEdited? Edit, string? Ignored) Map(JsonElement payload)
    {
        var message = SlackMessageEvents.Map(payload, _identity.UserId, _identity.BotId, out var ignoredBecause);
        if (message is not null)
        {
            return (message, null, null);
        }

        var edit = SlackMessageEvents.MapEdit(payload, _identity.UserId, _identity.BotId, out var editIgnoredBecause);
        return (null, edit, edit is null ? (editIgnoredBecause == "not an edit" ? ignoredBecause : editIgnoredBecause) : null);
    }

    // Each text of a message is screened once: the key holds a hash of the text, never the text.
    private static string TextKey(string channelId, string messageId, string text) =>
        $"{channelId}:{messageId}:{Convert.ToHexString(SHA256.HashData(Encoding.UTF8.GetBytes(text)), 0, 16)}";

    private async Task HandleAsync(Func<IPlatformEventHandler, Task> call, bool isDirect, string messageId, string channelId, CancellationToken cancellationToken)
    {
        try
        {
            var scope = _scopes.CreateAsyncScope();
            await using (scope.ConfigureAwait(false))
            {
                var handler = scope.ServiceProvider.GetRequiredService<IPlatformEventHandler>();
                await call(handler).ConfigureAwait(false);
            }
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            throw;
        }
        catch (Exception ex)
        {
            // Neither the text nor, for a DM (a possible anonymous share), where it came from is logged.
            if (isDirect)
            {
                _logger.LogError(ex, "Handling a direct message from Slack failed.");
            }
            else
            {
                _logger.LogError(ex, "Handling Slack message {Ts} in {Channel} failed.", messageId, channelId);
            }
        }
    }

    /// <summary>Waits for slash commands and interactions being handled (for an orderly stop).</summary>
    public Task WhenInteractionsDoneAsync() => Task.WhenAll(_inFlight.Keys);

    /// <summary>Acknowledges an envelope; false when the connection it came on could not take the acknowledgement.</summary>
    internal static async Task<bool> AckAsync(ISocketModeAcknowledger acknowledger, string envelopeId, JsonObject? payload, CancellationToken cancellationToken, ILogger? logger = null)
    {
        try
        {
            await acknowledger.AckAsync(envelopeId, payload, cancellationToken).ConfigureAwait(false);
            return true;
        }
        catch (Exception ex) when (ex is System.Net.WebSockets.WebSocketException or IOException or ObjectDisposedException or InvalidOperationException
            || (ex is OperationCanceledException && !cancellationToken.IsCancellationRequested))
        {
            // Slack redelivers an envelope that was not acknowledged; the duplicate is then acknowledged and dropped.
            logger?.LogWarning("Could not acknowledge Slack envelope {EnvelopeId}: {Error}", envelopeId, ex.Message);
            return false;
        }
    }

    private async Task GuardAsync(
        SocketModeEnvelope envelope,
        ISocketModeAcknowledger acknowledger,
        Func<SocketModeEnvelope, ISocketModeAcknowledger, CancellationToken, Task> handle,
        CancellationToken cancellationToken)
    {
        try
        {
            await handle(envelope, acknowledger, cancellationToken).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            // Shutting down.
        }
        catch (Exception ex)
        {
            // A malformed payload: say so, and acknowledge so Slack does not redeliver it (a second ack is harmless).
            _logger.LogError(ex, "A Slack {Type} envelope could not be handled.", envelope.Type);
            await AckAsync(acknowledger, envelope.EnvelopeId, null, cancellationToken, _logger).ConfigureAwait(false);
        }
    }

    private void Track(Task task)
    {
        _inFlight.TryAdd(task, 0);
        _ = task.ContinueWith(t => _inFlight.TryRemove(t, out _), CancellationToken.None, TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default);
    }
}
