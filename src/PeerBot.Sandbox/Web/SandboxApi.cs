using System.Collections.Concurrent;
using System.Text;
using System.Text.Json;
using System.Text.Json.Serialization;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using PeerBot.Core.Groups;
using PeerBot.Core.People;
using PeerBot.Core.Platform;
using PeerBot.Sandbox.Workspace;

namespace PeerBot.Sandbox.Web;

/// <summary>
/// The page's HTTP surface: the roster, channels and messages a person can see, posting, <c>/peer</c>
/// commands, forms, buttons, the clock, and a server-sent event stream per person.
/// </summary>
internal sealed partial class SandboxApi
{
    /// <summary>Longest message a person may type.</summary>
    public const int MaxMessageLength = 4000;

    /// <summary>How long a jump to the next prompt waits for the groups' channels right after start.</summary>
    public static readonly TimeSpan GroupSetUpWait = TimeSpan.FromSeconds(10);

    private static readonly TimeSpan GroupSetUpPoll = TimeSpan.FromMilliseconds(250);

    internal static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web)
    {
        DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
        Converters = { new JsonStringEnumConverter() },
    };

    private readonly SandboxWorkspace _workspace;
    private readonly SandboxEventHub _hub;
    private readonly SandboxClock _clock;
    private readonly IPeopleDirectory _people;
    private readonly IPlatformEventHandler _handler;
    private readonly IServiceProvider _services;
    private readonly ILogger _logger;
    private readonly bool _demoRoster;
    private readonly string _timeZone;
    private readonly CancellationToken _stopping;

    // Forms the page was asked to open, per user: a submission must answer one, as on the real platforms.
    private readonly ConcurrentDictionary<(string UserId, string FormId), FormSpec> _openForms = new();

    // Private replies with buttons, so those buttons can be pressed (as on Discord's and Slack's ephemeral messages).
    private readonly SandboxPrivateReplies _privateReplies = new();

    public SandboxApi(
        SandboxWorkspace workspace,
        SandboxEventHub hub,
        SandboxClock clock,
        IPeopleDirectory people,
        IPlatformEventHandler handler,
        IServiceProvider services,
        ILogger logger,
        bool demoRoster,
        string timeZone,
        CancellationToken stopping)
    {
        _workspace = workspace;
        _hub = hub;
        _clock = clock;
        _people = people;
        _handler = handler;
        _services = services;
        _logger = logger;
        _demoRoster = demoRoster;
        _timeZone = timeZone;
        _stopping = stopping;
    }

    public void Map(IEndpointRouteBuilder app)
    {
        app.MapGet("/api/roster", Roster);
        app.MapGet("/api/channels", ChannelsAsync);
        app.MapGet("/api/channels/{channelId}/messages", MessagesAsync);
        app.MapPost("/api/channels/{channelId}/messages", PostAsync);
        app.MapPost("/api/channels/{channelId}/read", MarkReadAsync);
        app.MapPost("/api/forms", (Func<HttpContext, Task<IResult>>)SubmitFormAsync);
        app.MapPost("/api/buttons", (Func<HttpContext, Task<IResult>>)PressButtonAsync);
        app.MapGet("/api/clock", () => Results.Json(Clock(), Json));
        app.MapPost("/api/clock/advance", (Func<HttpContext, Task<IResult>>)AdvanceAsync);
        app.MapPost("/api/clock/next-prompt", (Func<Task<IResult>>)NextPromptAsync);
        app.MapGet("/api/events", EventsAsync);
        app.MapGet("/api/events/shared", (Func<HttpContext, Task>)SharedEventsAsync);
    }

    /// <summary>When the next scheduled prompt of any group is due, or null.</summary>
    public DateTimeOffset? NextPromptAt() => EarliestPrompt(_clock.GetUtcNow())?.At;

    public ClockView Clock()
    {
        var now = _clock.GetUtcNow();
        var next = EarliestPrompt(now);
        return new ClockView(now, next?.At, next?.GroupName, _clock.Offset, _timeZone);
    }

    // The clock is shared by everyone in the sandbox, so "next" is the earliest prompt of any group; the
    // page names that group so a visitor watching another group knows why nothing appeared there.
    private (DateTimeOffset At, string GroupName)? EarliestPrompt(DateTimeOffset now)
    {
        var directory = _services.GetService<IGroupDirectory>();
        var operations = _services.GetService<IGroupOperations>();
        if (directory is null || operations is null)
        {
            return null;
        }

        (DateTimeOffset At, string GroupName)? earliest = null;
        foreach (var group in directory.All())
        {
            if (operations.NextPromptAt(group.Id) is { } at && at > now && (earliest is null || at < earliest.Value.At))
            {
                earliest = (at, group.Name);
            }
        }

        return earliest;
    }

    private IResult Roster() => Results.Json(
        new RosterView(
            _people.All.Select(p => new PersonView(p.Id, p.Name, p.Role.ToString(), p.Pgy)).ToList(),
            _demoRoster,
            Clock(),
            MaxMessageLength),
        Json);

    private IResult ChannelsAsync(string? @as)
    {
        if (!TryUser(@as, out var userId, out var problem))
        {
            return problem;
        }

        // Everyone has a conversation with the bot, even before it has said anything.
        _workspace.EnsureDirect(userId);
        return Results.Json(_workspace.VisibleTo(userId).Select(c => _workspace.ChannelView(c, userId)).ToList(), Json);
    }

    private IResult MessagesAsync(string channelId, string? @as)
    {
        if (!TryUser(@as, out var userId, out var problem))
        {
            return problem;
        }

        return FindChannel(userId, channelId) is null
            ? NoSuchChannel()
            : Results.Json(_workspace.Messages(channelId), Json);
    }

    // Unread state is the server's, per person and channel, so a badge is there after switching person or reloading.
    private async Task<IResult> MarkReadAsync(string channelId, HttpContext context)
    {
        var request = await ReadAsync<ReadRequest>(context).ConfigureAwait(false);
        if (request is null)
        {
            return BadRequest("The request body is not the JSON the page sends.");
        }

        if (!TryUser(request.As, out var userId, out var problem))
        {
            return problem;
        }

        if (FindChannel(userId, channelId) is null)
        {
            return NoSuchChannel();
        }

        _workspace.MarkRead(userId, channelId, request.UpTo);
        return Results.Json(new { }, Json);
    }

    private async Task<IResult> PostAsync(string channelId, HttpContext context)
    {
        var request = await ReadAsync<PostRequest>(context).ConfigureAwait(false);
        if (request is null)
        {
            return BadRequest("The request body is not the JSON the page sends.");
        }

        if (!TryUser(request.As, out var userId, out var problem))
        {
            return problem;
        }

        var channel = FindChannel(userId, channelId);
        if (channel is null)
        {
            return NoSuchChannel();
        }

        var text = (request.Text ?? "").Trim();
        if (text.Length == 0)
        {
            return BadRequest("Write something first.");
        }

        if (text.Length > MaxMessageLength)
        {
            return BadRequest($"Messages are at most {MaxMessageLength} characters; this one has {text.Length}.");
        }

        var isDirect = channel.Kind == SandboxChannelKind.Direct;
        if (text.StartsWith('/'))
        {
            return await CommandAsync(userId, channel.Id, text, isDirect).ConfigureAwait(false);
        }

        if (channel.Archived)
        {
            return Results.Json(InteractionView.Problem("This channel is archived: you can read it, not write in it."), Json, statusCode: StatusCodes.Status409Conflict);
        }

        var posted = _workspace.Post(channel.Id, userId, SandboxContent.PlainText(text));
        var incoming = new IncomingMessage(PlatformKind.Sandbox, channel.Id, posted.Id, userId, text, posted.PostedAt, isDirect);
        return await GuardAsync(
            "a message",
            async () =>
            {
                await _handler.HandleMessageAsync(incoming, _stopping).ConfigureAwait(false);
                return Results.Json(new InteractionView(null, null), Json);
            }).ConfigureAwait(false);
    }

    private async Task<IResult> CommandAsync(string userId, string channelId, string text, bool isDirect)
    {
        var match = CommandPattern().Match(text);
        if (!match.Success)
        {
            return Results.Json(new InteractionView(SandboxContent.PlainText("The sandbox knows one command, /peer. Try /peer help."), null), Json);
        }

        var invocation = new CommandInvocation(PlatformKind.Sandbox, userId, channelId, match.Groups["rest"].Value.Trim(), isDirect);
        return await GuardAsync(
            "a /peer command",
            async () => Interaction(userId, channelId, await _handler.HandleCommandAsync(invocation, _stopping).ConfigureAwait(false))).ConfigureAwait(false);
    }

    private async Task<IResult> SubmitFormAsync(HttpContext context)
    {
        var request = await ReadAsync<FormRequest>(context).ConfigureAwait(false);
        if (request?.FormId is null)
        {
            return BadRequest("The request body is not the JSON the page sends.");
        }

        if (!TryUser(request.As, out var userId, out var problem))
        {
            return problem;
        }

        if (!_openForms.TryRemove((userId, request.FormId), out var form))
        {
            return Results.Json(InteractionView.Problem("That form is no longer open. Run the command again to get a fresh one."), Json, statusCode: StatusCodes.Status409Conflict);
        }

        var values = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var field in form.Fields)
        {
            var value = request.Values?.GetValueOrDefault(field.Id)?.Trim() ?? "";
            string? error = null;
            if (field.Required && value.Length == 0)
            {
                error = $"\"{field.Label}\" is required.";
            }
            else if (field.MaxLength is { } max && value.Length > max)
            {
                error = $"\"{field.Label}\" is at most {max} characters; it has {value.Length}.";
            }
            else if (field.Kind == FormFieldKind.Choice && value.Length > 0 && field.Choices?.Any(c => c.Value == value) != true)
            {
                error = $"\"{field.Label}\" must be one of its choices.";
            }

            if (error is not null)
            {
                // Keep the form open so nothing typed is lost.
                _openForms[(userId, form.FormId)] = form;
                return BadRequest(error);
            }

            if (value.Length > 0)
            {
                values[field.Id] = value;
            }
        }

        var submission = new FormSubmission(PlatformKind.Sandbox, userId, form.FormId, values);
        return await GuardAsync(
            "a form",
            async () => Interaction(userId, SandboxWorkspace.DirectChannelId(userId), await _handler.HandleFormAsync(submission, _stopping).ConfigureAwait(false))).ConfigureAwait(false);
    }

    private async Task<IResult> PressButtonAsync(HttpContext context)
    {
        var request = await ReadAsync<ButtonRequest>(context).ConfigureAwait(false);
        if (request?.ChannelId is null || (request.MessageId is null && request.ReplyId is null) || request.ActionId is null)
        {
            return BadRequest("The request body is not the JSON the page sends.");
        }

        if (!TryUser(request.As, out var userId, out var problem))
        {
            return problem;
        }

        if (request.ReplyId is not null)
        {
            // A private reply belongs to its one recipient, wherever it was given.
            return await PressOnPrivateReplyAsync(userId, request.ReplyId, request.ActionId).ConfigureAwait(false);
        }

        if (request.MessageId is null || _workspace.FindVisible(userId, request.ChannelId) is null)
        {
            return NoSuchChannel();
        }

        // Only a button that is really on the message can be pressed, as on the real platforms.
        var message = _workspace.FindMessage(request.ChannelId, request.MessageId);
        if (message is null || !message.Content.Buttons.Any(b => b.ActionId == request.ActionId))
        {
            return Results.Json(InteractionView.Problem("That button is no longer there."), Json, statusCode: StatusCodes.Status409Conflict);
        }

        var press = new ButtonPress(PlatformKind.Sandbox, userId, request.ActionId, new MessageRef(new ChannelRef(PlatformKind.Sandbox, message.ChannelId), message.Id));
        return await GuardAsync(
            "a button",
            async () =>
            {
                var response = await _handler.HandleButtonAsync(press, _stopping).ConfigureAwait(false);
                if (response.UpdateOriginal is not null)
                {
                    _workspace.Update(message.ChannelId, message.Id, SandboxContent.From(response.UpdateOriginal));
                }

                return Interaction(userId, message.ChannelId, response);
            }).ConfigureAwait(false);
    }

    // A button on a private reply: it must be on a reply this person was given, as on the real platforms, where
    // an ephemeral message is seen (and pressed) by its one recipient only.
    private async Task<IResult> PressOnPrivateReplyAsync(string userId, string replyId, string actionId)
    {
        var reply = _privateReplies.Find(userId, replyId);
        if (reply is null || !reply.Content.Buttons.Any(b => b.ActionId == actionId))
        {
            return Results.Json(InteractionView.Problem("That button has expired. Run the command again."), Json, statusCode: StatusCodes.Status409Conflict);
        }

        var press = new ButtonPress(PlatformKind.Sandbox, userId, actionId, new MessageRef(new ChannelRef(PlatformKind.Sandbox, reply.ChannelId), reply.Id));
        return await GuardAsync(
            "a button",
            async () =>
            {
                var response = await _handler.HandleButtonAsync(press, _stopping).ConfigureAwait(false);
                SandboxContent? updated = null;
                if (response.UpdateOriginal is not null)
                {
                    updated = SandboxContent.From(response.UpdateOriginal);
                    _privateReplies.Update(userId, reply.Id, updated);
                }

                return Interaction(userId, reply.ChannelId, response, updated);
            }).ConfigureAwait(false);
    }

    private async Task<IResult> AdvanceAsync(HttpContext context)
    {
        var request = await ReadAsync<AdvanceRequest>(context).ConfigureAwait(false);
        if (request is null || request.Minutes is < 1 or > 7 * 24 * 60)
        {
            return BadRequest("Move the clock by 1 minute to 7 days.");
        }

        _clock.Advance(TimeSpan.FromMinutes(request.Minutes));
        return Results.Json(Clock(), Json);
    }

    private async Task<IResult> NextPromptAsync()
    {
        await GroupsSetUpAsync().ConfigureAwait(false);
        var next = NextPromptAt();
        if (next is null)
        {
            return Results.Json(InteractionView.Problem("No group has a prompt scheduled."), Json, statusCode: StatusCodes.Status409Conflict);
        }

        _clock.AdvanceTo(next.Value);
        return Results.Json(Clock(), Json);
    }

    // A jump made while the groups are still being set up (right after start) would move the clock past a prompt
    // of a group that has no channel yet, and a group only counts its schedule from when it got one: so the jump
    // first waits for the groups' channels (a bounded wait; reconciling again makes no platform call).
    private static bool SetUp(IReadOnlyList<GroupInfo> groups) => groups.Count > 0 && groups.All(g => g.Channel is not null);

    private async Task GroupsSetUpAsync()
    {
        var directory = _services.GetService<IGroupDirectory>();
        var reconciliation = _services.GetService<GroupReconciliationService>();
        if (directory is null || reconciliation is null || SetUp(directory.All()))
        {
            return;
        }

        // Right after start the directory may hold no group yet (the first run fills it), and a run made while the
        // people of the sandbox are still being resolved skips its groups and ends at once; the run after the
        // resolution sets them up. So ask again until every group has its channel, within the bounded wait.
        var deadline = _clock.GetUtcNow() + GroupSetUpWait;
        try
        {
            while (true)
            {
                var left = deadline - _clock.GetUtcNow();
                if (left <= TimeSpan.Zero)
                {
                    throw new TimeoutException();
                }

                await reconciliation.RequestReconcile().WaitAsync(left, _clock, _stopping).ConfigureAwait(false);
                var groups = directory.All();
                if (groups.Count == 0 || SetUp(groups))
                {
                    // Set up, or (after a run) no group configured at all.
                    return;
                }

                // Not set up by that run: give the resolution a moment before asking again.
                await Task.Delay(GroupSetUpPoll, _clock, _stopping).ConfigureAwait(false);
            }
        }
        catch (TimeoutException)
        {
            LogGroupsNotSetUp(_logger, GroupSetUpWait);
        }
        catch (OperationCanceledException) when (_stopping.IsCancellationRequested)
        {
            // Stopping: jump anyway, nothing is lost.
        }
    }

    private async Task EventsAsync(HttpContext context, string? @as)
    {
        if (!TryUser(@as, out var userId, out var problem))
        {
            await problem.ExecuteAsync(context).ConfigureAwait(false);
            return;
        }

        context.Response.ContentType = "text/event-stream";
        context.Response.Headers.CacheControl = "no-cache";
        context.Features.Get<IHttpResponseBodyFeature>()?.DisableBuffering();
        using var subscription = _hub.Subscribe(userId);
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(context.RequestAborted, _stopping);
        try
        {
            await WriteEventAsync(context.Response, new SandboxEvent("ready", Clock()), stop.Token).ConfigureAwait(false);
            await foreach (var sandboxEvent in subscription.Reader.ReadAllAsync(stop.Token).ConfigureAwait(false))
            {
                await WriteEventAsync(context.Response, sandboxEvent, stop.Token).ConfigureAwait(false);
            }
        }
        catch (OperationCanceledException)
        {
            // The page went away or the sandbox is stopping: the stream simply ends.
        }
    }

    /// <summary>Most people one shared stream may follow (one per open tab at most).</summary>
    private const int MaxSharedPeople = 64;

    // One stream for every tab of a browser (they share it through a worker), so a handful of tabs does not use up
    // the browser's six connections: the events of each person named, each marked with whose it is.
    private async Task SharedEventsAsync(HttpContext context)
    {
        var people = context.Request.Query["as"].OfType<string>().Where(p => p.Length > 0).Distinct(StringComparer.Ordinal).ToList();
        if (people.Count is 0 or > MaxSharedPeople)
        {
            await BadRequest($"Name 1 to {MaxSharedPeople} people.").ExecuteAsync(context).ConfigureAwait(false);
            return;
        }

        var users = new List<(string PersonId, string UserId)>();
        foreach (var personId in people)
        {
            if (!TryUser(personId, out var userId, out var problem))
            {
                await problem.ExecuteAsync(context).ConfigureAwait(false);
                return;
            }

            users.Add((personId, userId));
        }

        context.Response.ContentType = "text/event-stream";
        context.Response.Headers.CacheControl = "no-cache";
        context.Features.Get<IHttpResponseBodyFeature>()?.DisableBuffering();
        var subscriptions = users.Select(u => (u.PersonId, Subscription: _hub.Subscribe(u.UserId))).ToList();
        var merged = System.Threading.Channels.Channel.CreateUnbounded<SandboxEvent>(new System.Threading.Channels.UnboundedChannelOptions { SingleReader = true });
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(context.RequestAborted, _stopping);
        var pumps = subscriptions.Select(s => PumpAsync(s.PersonId, s.Subscription, merged.Writer, stop.Token)).ToList();
        try
        {
            foreach (var (personId, _) in users)
            {
                await WriteEventAsync(context.Response, new SandboxEvent("ready", new SharedEventView(personId, Clock())), stop.Token).ConfigureAwait(false);
            }

            await foreach (var sandboxEvent in merged.Reader.ReadAllAsync(stop.Token).ConfigureAwait(false))
            {
                await WriteEventAsync(context.Response, sandboxEvent, stop.Token).ConfigureAwait(false);
            }
        }
        catch (OperationCanceledException)
        {
            // The tabs went away or the sandbox is stopping: the stream simply ends.
        }
        finally
        {
            await stop.CancelAsync().ConfigureAwait(false);
            foreach (var (_, subscription) in subscriptions)
            {
                subscription.Dispose();
            }

            await Task.WhenAll(pumps).ConfigureAwait(false);
        }
    }

    private static async Task PumpAsync(string personId, SandboxEventHub.Subscription subscription, System.Threading.Channels.ChannelWriter<SandboxEvent> merged, CancellationToken cancellationToken)
    {
        try
        {
            await foreach (var sandboxEvent in subscription.Reader.ReadAllAsync(cancellationToken).ConfigureAwait(false))
            {
                await merged.WriteAsync(new SandboxEvent(sandboxEvent.Type, new SharedEventView(personId, sandboxEvent.Payload)), cancellationToken).ConfigureAwait(false);
            }
        }
        catch (OperationCanceledException)
        {
            // The stream ended.
        }
    }

    private static async Task WriteEventAsync(HttpResponse response, SandboxEvent sandboxEvent, CancellationToken cancellationToken)
    {
        var data = JsonSerializer.Serialize(sandboxEvent.Payload, sandboxEvent.Payload.GetType(), Json);
        var frame = $"event: {sandboxEvent.Type}\ndata: {data}\n\n";
        await response.Body.WriteAsync(Encoding.UTF8.GetBytes(frame), cancellationToken).ConfigureAwait(false);
        await response.Body.FlushAsync(cancellationToken).ConfigureAwait(false);
    }

    private IResult Interaction(string userId, string channelId, InteractionResponse response, SandboxContent? updated = null)
    {
        if (response.Form is not null)
        {
            _openForms[(userId, response.Form.FormId)] = response.Form;
        }

        var view = InteractionView.From(response) with { Updated = updated };
        if (view.Reply is { Buttons.Count: > 0 } reply)
        {
            view = view with { ReplyId = _privateReplies.Add(userId, channelId, reply) };
        }

        return Results.Json(view, Json);
    }

    private async Task<IResult> GuardAsync(string what, Func<Task<IResult>> action)
    {
        try
        {
            return await action().ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (_stopping.IsCancellationRequested)
        {
            return Results.Json(InteractionView.Problem("The sandbox is stopping."), Json, statusCode: StatusCodes.Status503ServiceUnavailable);
        }
        catch (Exception ex) when (ex is not OutOfMemoryException)
        {
            // The log line names the kind of interaction, never who acted: a form may be an anonymous share.
            LogHandlerFailed(_logger, what, ex);
            return Results.Json(
                InteractionView.Problem("PeerBot could not handle that; the program's log says what failed. Nothing you wrote was lost."),
                Json,
                statusCode: StatusCodes.Status500InternalServerError);
        }
    }

    private SandboxChannelDocument? FindChannel(string userId, string channelId) =>
        channelId == SandboxWorkspace.DirectChannelId(userId)
            ? _workspace.EnsureDirect(userId)
            : _workspace.FindVisible(userId, channelId);

    private bool TryUser(string? personId, out string userId, out IResult problem)
    {
        var person = string.IsNullOrWhiteSpace(personId) ? null : _people.Find(personId);
        if (person is null)
        {
            userId = "";
            problem = BadRequest("Choose who you are first (that person is not in the roster).");
            return false;
        }

        userId = _people.PlatformUserId(person.Id, PlatformKind.Sandbox) ?? person.Id;
        problem = Results.Empty;
        return true;
    }

    private static async Task<T?> ReadAsync<T>(HttpContext context)
        where T : class
    {
        try
        {
            return await context.Request.ReadFromJsonAsync<T>(Json, context.RequestAborted).ConfigureAwait(false);
        }
        catch (JsonException)
        {
            return null;
        }
    }

    private static IResult BadRequest(string error) =>
        Results.Json(InteractionView.Problem(error), Json, statusCode: StatusCodes.Status400BadRequest);

    private static IResult NoSuchChannel() =>
        Results.Json(InteractionView.Problem("There is no such channel, or you cannot see it."), Json, statusCode: StatusCodes.Status404NotFound);

    [System.Text.RegularExpressions.GeneratedRegex(@"^/peer(?:\s+(?<rest>[\s\S]*))?$", System.Text.RegularExpressions.RegexOptions.IgnoreCase)]
    private static partial System.Text.RegularExpressions.Regex CommandPattern();

    [LoggerMessage(Level = LogLevel.Error, Message = "Core failed to handle {What} from the sandbox")]
    private static partial void LogHandlerFailed(ILogger logger, string what, Exception exception);

    [LoggerMessage(Level = LogLevel.Warning, Message = "The groups were not set up within {Wait}; the clock jumps anyway, and a group still without its channel counts its schedule from when it gets one")]
    private static partial void LogGroupsNotSetUp(ILogger logger, TimeSpan wait);
}
