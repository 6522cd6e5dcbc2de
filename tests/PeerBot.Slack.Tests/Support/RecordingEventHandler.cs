using System.Collections.Concurrent;
using PeerBot.Core.Platform;

namespace PeerBot.Slack.Tests.Support;

/// <summary>An <see cref="IPlatformEventHandler"/> that records what reaches Core and answers as scripted.</summary>
public sealed class RecordingEventHandler : IPlatformEventHandler
{
    private readonly ConcurrentQueue<object> _received = new();
    private TaskCompletionSource _changed = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public Func<CommandInvocation, CancellationToken, Task<InteractionResponse>> OnCommand { get; set; } =
        (c, _) => Task.FromResult(InteractionResponse.Text("ok: " + c.Text));

    public Func<FormSubmission, CancellationToken, Task<InteractionResponse>> OnForm { get; set; } =
        (_, _) => Task.FromResult(InteractionResponse.Text("form received"));

    public Func<ButtonPress, CancellationToken, Task<InteractionResponse>> OnButton { get; set; } =
        (_, _) => Task.FromResult(new InteractionResponse(null));

    public Func<IncomingMessage, CancellationToken, Task> OnMessage { get; set; } = (_, _) => Task.CompletedTask;

    public IReadOnlyList<IncomingMessage> Messages => _received.OfType<IncomingMessage>().ToList();

    public IReadOnlyList<MessageEdited> Edits => _received.OfType<MessageEdited>().ToList();

    public IReadOnlyList<CommandInvocation> Commands => _received.OfType<CommandInvocation>().ToList();

    public IReadOnlyList<FormSubmission> Forms => _received.OfType<FormSubmission>().ToList();

    public IReadOnlyList<ButtonPress> Buttons => _received.OfType<ButtonPress>().ToList();

    public async Task HandleMessageAsync(IncomingMessage message, CancellationToken cancellationToken)
    {
        Record(message);
        await OnMessage(message, cancellationToken);
    }

    public Task HandleMessageEditedAsync(MessageEdited edit, CancellationToken cancellationToken)
    {
        Record(edit);
        return Task.CompletedTask;
    }

    public Task<InteractionResponse> HandleCommandAsync(CommandInvocation command, CancellationToken cancellationToken)
    {
        Record(command);
        return OnCommand(command, cancellationToken);
    }

    public Task<InteractionResponse> HandleFormAsync(FormSubmission submission, CancellationToken cancellationToken)
    {
        Record(submission);
        return OnForm(submission, cancellationToken);
    }

    public Task<InteractionResponse> HandleButtonAsync(ButtonPress press, CancellationToken cancellationToken)
    {
        Record(press);
        return OnButton(press, cancellationToken);
    }

    /// <summary>Waits on what the handler receives (not on a clock) until the condition holds.</summary>
    public async Task WaitUntilAsync(Func<RecordingEventHandler, bool> condition, string what, TimeSpan? timeout = null)
    {
        using var cts = new CancellationTokenSource(timeout ?? TimeSpan.FromSeconds(20));
        while (true)
        {
            var changed = Volatile.Read(ref _changed).Task;
            if (condition(this))
            {
                return;
            }

            try
            {
                await changed.WaitAsync(cts.Token);
            }
            catch (OperationCanceledException)
            {
                throw new TimeoutException("The handler never saw: " + what);
            }
        }
    }

    private void Record(object item)
    {
        _received.Enqueue(item);
        Interlocked.Exchange(ref _changed, new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously)).TrySetResult();
    }
}
