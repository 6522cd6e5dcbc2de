using System.Collections.Concurrent;
using PeerBot.Core.Platform;

namespace PeerBot.Testing.Hosting;

/// <summary>
/// Records every inbound event on its way from an adapter to Core (the real <see cref="IPlatformEventHandler"/> still
/// handles it), so a test can tell how many times a message reached Core, not only what the bot sent back.
/// </summary>
public sealed class InboundRecorder
{
    private readonly ConcurrentQueue<IncomingMessage> _messages = new();
    private readonly ConcurrentQueue<CommandInvocation> _commands = new();
    private readonly ConcurrentQueue<FormSubmission> _forms = new();
    private readonly ConcurrentQueue<ButtonPress> _buttons = new();
    private readonly ConcurrentQueue<MessageEdited> _edits = new();

    /// <summary>Messages handed to Core, in order.</summary>
    public IReadOnlyList<IncomingMessage> Messages => [.. _messages];

    /// <summary>Commands handed to Core, in order.</summary>
    public IReadOnlyList<CommandInvocation> Commands => [.. _commands];

    /// <summary>Form submissions handed to Core, in order.</summary>
    public IReadOnlyList<FormSubmission> Forms => [.. _forms];

    /// <summary>Button presses handed to Core, in order.</summary>
    public IReadOnlyList<ButtonPress> Buttons => [.. _buttons];

    /// <summary>Edits handed to Core, in order.</summary>
    public IReadOnlyList<MessageEdited> Edits => [.. _edits];

    /// <summary>How many times a message with exactly this text reached Core.</summary>
    public int CountMessages(string text) => _messages.Count(m => m.Text == text);

    /// <summary>Message ids that reached Core more than once (per platform and channel).</summary>
    public IReadOnlyList<string> RepeatedMessageIds() =>
        _messages.GroupBy(m => (m.Platform, m.ChannelId, m.MessageId)).Where(g => g.Count() > 1).Select(g => $"{g.Key.Platform}/{g.Key.ChannelId}/{g.Key.MessageId} x{g.Count()}").ToList();

    /// <summary>Wraps Core's handler so every call is recorded before it is handled.</summary>
    public IPlatformEventHandler Wrap(IPlatformEventHandler inner) => new Recording(this, inner);

    private sealed class Recording(InboundRecorder owner, IPlatformEventHandler inner) : IPlatformEventHandler
    {
        public Task HandleMessageAsync(IncomingMessage message, CancellationToken cancellationToken)
        {
            owner._messages.Enqueue(message);
            return inner.HandleMessageAsync(message, cancellationToken);
        }

        public Task HandleMessageEditedAsync(MessageEdited edit, CancellationToken cancellationToken)
        {
            owner._edits.Enqueue(edit);
            return inner.HandleMessageEditedAsync(edit, cancellationToken);
        }

        public Task<InteractionResponse> HandleCommandAsync(CommandInvocation command, CancellationToken cancellationToken)
        {
            owner._commands.Enqueue(command);
            return inner.HandleCommandAsync(command, cancellationToken);
        }

        public Task<InteractionResponse> HandleFormAsync(FormSubmission submission, CancellationToken cancellationToken)
        {
            owner._forms.Enqueue(submission);
            return inner.HandleFormAsync(submission, cancellationToken);
        }

        public Task<InteractionResponse> HandleButtonAsync(ButtonPress press, CancellationToken cancellationToken)
        {
            owner._buttons.Enqueue(press);
            return inner.HandleButtonAsync(press, cancellationToken);
        }
    }
}
