using System.Collections.Concurrent;
using PeerBot.Core.People;
using PeerBot.Core.Platform;

namespace PeerBot.Sandbox.Tests.Support;

/// <summary>
/// Stands in for Core's event handler in the sandbox's own API tests: records every inbound event and gives
/// fixed answers (a help text, a share form, a button reply that updates its message), so those tests see
/// exactly what the page hands to Core and what it does with an answer. What Core itself answers is tested
/// against the program's real host (<see cref="RealSandboxHost"/>).
/// </summary>
internal sealed class ScriptedEventHandler(IPeopleDirectory people) : IPlatformEventHandler
{
    public const string ShareFormId = "share:v1";
    public const string AlertAction = "ack:A1";

    private Exception? _failNextField;

    public ConcurrentQueue<IncomingMessage> Messages { get; } = new();

    public ConcurrentQueue<CommandInvocation> Commands { get; } = new();

    public ConcurrentQueue<FormSubmission> Forms { get; } = new();

    public ConcurrentQueue<ButtonPress> Buttons { get; } = new();

    public Task HandleMessageAsync(IncomingMessage message, CancellationToken cancellationToken)
    {
        ThrowIfFailing();
        Messages.Enqueue(message);
        return Task.CompletedTask;
    }

    public Task<InteractionResponse> HandleCommandAsync(CommandInvocation command, CancellationToken cancellationToken)
    {
        ThrowIfFailing();
        Commands.Enqueue(command);
        var verb = command.Text.Split(' ', 2)[0].ToLowerInvariant();
        var response = verb switch
        {
            "" or "help" => InteractionResponse.Text("PeerBot commands: /peer share, /peer pause, /peer resume, /peer my-data."),
            "share" => InteractionResponse.OpenForm(new FormSpec(
                ShareFormId,
                "Share anonymously",
                [new FormField("text", "What would you like to share?", FormFieldKind.LongText, MaxLength: 1800, Placeholder: "Nobody will see it came from you.")],
                "Share")),
            _ => InteractionResponse.Text($"I don't know /peer {verb}. Try /peer help."),
        };
        return Task.FromResult(response);
    }

    public Task<InteractionResponse> HandleFormAsync(FormSubmission submission, CancellationToken cancellationToken)
    {
        ThrowIfFailing();
        Forms.Enqueue(submission);
        return Task.FromResult(InteractionResponse.Text("Thank you. Your post will appear in your group in a few minutes, as \"Anonymous member\"."));
    }

    public Task<InteractionResponse> HandleButtonAsync(ButtonPress press, CancellationToken cancellationToken)
    {
        ThrowIfFailing();
        Buttons.Enqueue(press);
        var person = people.FindByPlatformUser(PlatformKind.Sandbox, press.UserId);
        if (press.ActionId != AlertAction || person is null)
        {
            return Task.FromResult(InteractionResponse.Text("Sorry, that is for the group's facilitators."));
        }

        return Task.FromResult(new InteractionResponse(
            OutgoingMessage.Plain("You acknowledged alert A1."),
            UpdateOriginal: new OutgoingMessage([new ParagraphBlock($"Status: acknowledged by {person.Name}")], [])));
    }

    /// <summary>Makes the next call throw (to test how the page reports a failure).</summary>
    public void Fail(Exception exception) => _failNextField = exception;

    private void ThrowIfFailing()
    {
        var failure = Interlocked.Exchange(ref _failNextField, null);
        if (failure is not null)
        {
            throw failure;
        }
    }
}
