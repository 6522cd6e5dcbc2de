using System.Collections.Concurrent;
using PeerBot.Core.People;
using PeerBot.Core.Platform;

namespace PeerBot.Sandbox.Tests.Support;

/// <summary>
/// Stands in for Core's event handler: records every inbound event and answers a small script through the
/// real port, the way Core will: <c>/peer help</c>, a share form whose post appears as "Anonymous member"
/// after a delay on the injected clock, a spiral alert in the facilitators' DMs with an Acknowledge button,
/// and a refusal of facilitator commands to anyone else.
/// </summary>
internal sealed class ScriptedEventHandler(IPlatformRegistry platforms, TimeProvider time, IPeopleDirectory people) : IPlatformEventHandler
{
    public const string ShareFormId = "share:v1";
    public const string AlertAction = "ack:A1";
    public static readonly TimeSpan ShareDelay = TimeSpan.FromMinutes(2);
    public static readonly string[] Fatalistic = ["what's the point", "nothing will ever change", "no point", "hopeless"];

    private readonly object _gate = new();
    private readonly HashSet<string> _fatalisticAuthors = [];
    private int _fatalisticCount;
    private bool _alerted;
    private Exception? _failNextField;

    public ConcurrentQueue<IncomingMessage> Messages { get; } = new();

    public ConcurrentQueue<CommandInvocation> Commands { get; } = new();

    public ConcurrentQueue<FormSubmission> Forms { get; } = new();

    public ConcurrentQueue<ButtonPress> Buttons { get; } = new();

    /// <summary>Completes when an anonymous post was delivered.</summary>
    public TaskCompletionSource<MessageRef> AnonymousPosted { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

    /// <summary>The group channel the script posts to, set when the test creates it.</summary>
    public ChannelRef? GroupChannel { get; set; }

    public IReadOnlyList<string> Facilitators { get; set; } = ["dr-lee", "dr-kim"];

    private IChatPlatform Platform => platforms.Find(PlatformKind.Sandbox) ?? throw new InvalidOperationException("No sandbox platform.");

    public async Task HandleMessageAsync(IncomingMessage message, CancellationToken cancellationToken)
    {
        ThrowIfFailing();
        Messages.Enqueue(message);
        if (message.IsDirect || GroupChannel is null || message.ChannelId != GroupChannel.Id
            || !Fatalistic.Any(f => message.Text.Contains(f, StringComparison.OrdinalIgnoreCase)))
        {
            return;
        }

        lock (_gate)
        {
            _fatalisticAuthors.Add(message.AuthorUserId);
            _fatalisticCount++;
            if (_alerted || _fatalisticCount < 3 || _fatalisticAuthors.Count < 3)
            {
                return;
            }

            _alerted = true;
        }

        foreach (var facilitator in Facilitators)
        {
            await Platform.SendDirectMessageAsync(facilitator, Alert(acknowledgedBy: null), cancellationToken);
        }
    }

    public Task<InteractionResponse> HandleCommandAsync(CommandInvocation command, CancellationToken cancellationToken)
    {
        ThrowIfFailing();
        Commands.Enqueue(command);
        var verb = command.Text.Split(' ', 2)[0].ToLowerInvariant();
        var isFacilitator = Facilitators.Contains(people.FindByPlatformUser(PlatformKind.Sandbox, command.UserId)?.Id);
        var response = verb switch
        {
            "" or "help" => InteractionResponse.Text("PeerBot commands: /peer share, /peer pause, /peer resume, /peer my-data."),
            "share" => InteractionResponse.OpenForm(new FormSpec(
                ShareFormId,
                "Share anonymously",
                [new FormField("text", "What would you like to share?", FormFieldKind.LongText, MaxLength: 1800, Placeholder: "Nobody will see it came from you.")],
                "Share")),
            "flags" or "ack" or "resolve" or "prompt" when !isFacilitator =>
                InteractionResponse.Text($"Sorry, /peer {verb} is for the group's facilitators."),
            "flags" => InteractionResponse.Text("1 open flag, raised just now."),
            _ => InteractionResponse.Text($"I don't know /peer {verb}. Try /peer help."),
        };
        return Task.FromResult(response);
    }

    public Task<InteractionResponse> HandleFormAsync(FormSubmission submission, CancellationToken cancellationToken)
    {
        ThrowIfFailing();
        Forms.Enqueue(submission);
        var text = submission.Values.GetValueOrDefault("text") ?? "";
        _ = PostLaterAsync(text);
        return Task.FromResult(InteractionResponse.Text("Thank you. Your post will appear in your group in a few minutes, as \"Anonymous member\"."));
    }

    public Task<InteractionResponse> HandleButtonAsync(ButtonPress press, CancellationToken cancellationToken)
    {
        ThrowIfFailing();
        Buttons.Enqueue(press);
        var person = people.FindByPlatformUser(PlatformKind.Sandbox, press.UserId);
        if (press.ActionId != AlertAction || person is null || !Facilitators.Contains(person.Id))
        {
            return Task.FromResult(InteractionResponse.Text("Sorry, that is for the group's facilitators."));
        }

        return Task.FromResult(new InteractionResponse(
            OutgoingMessage.Plain("You acknowledged alert A1."),
            UpdateOriginal: Alert(acknowledgedBy: person.Name)));
    }

    private static OutgoingMessage Alert(string? acknowledgedBy) => new(
        [
            new HeadingBlock("Fatalistic spiral in Tuesday Circle"),
            new ParagraphBlock([new TextSpan("3 fatalistic messages from 3 people. Alert "), new TextSpan("A1", SpanStyle.Code)]),
            new ParagraphBlock(acknowledgedBy is null ? "Status: open" : $"Status: acknowledged by {acknowledgedBy}"),
        ],
        acknowledgedBy is null ? [new MessageButton("Acknowledge", AlertAction, ButtonStyle.Primary)] : []);

    private async Task PostLaterAsync(string text)
    {
        try
        {
            await Task.Delay(ShareDelay, time);
            var channel = GroupChannel ?? throw new InvalidOperationException("No group channel.");
            var posted = await Platform.PostMessageAsync(
                channel,
                new OutgoingMessage([new HeadingBlock("Anonymous member"), new QuoteBlock(text)], []),
                CancellationToken.None);
            AnonymousPosted.TrySetResult(posted);
        }
        catch (Exception ex)
        {
            AnonymousPosted.TrySetException(ex);
        }
    }

    private void ThrowIfFailing()
    {
        var failure = Interlocked.Exchange(ref _failNextField, null);
        if (failure is not null)
        {
            throw failure;
        }
    }

    /// <summary>Makes the next call throw (to test how the page reports a failure).</summary>
    public void Fail(Exception exception) => _failNextField = exception;
}
