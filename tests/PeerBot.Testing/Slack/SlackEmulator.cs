using System.Globalization;
using System.Net;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using PeerBot.Testing.Hosting;

namespace PeerBot.Testing.Slack;

/// <summary>
/// A Slack workspace on 127.0.0.1 for adapter tests: the Web API methods PeerBot uses (checked against Slack's published
/// description; a mismatch is recorded in <see cref="Violations"/> and answered with an error), a Socket Mode WebSocket,
/// response URLs, and controls to inject events, send disconnects, drop sockets and answer 429s.
/// </summary>
public sealed partial class SlackEmulator : IAsyncDisposable
{
    /// <summary>The bot token the emulator accepts.</summary>
    public const string BotToken = "xoxb-emulator-bot-token";

    /// <summary>The app-level token the emulator accepts.</summary>
    public const string AppToken = "xapp-emulator-app-token";

    /// <summary>The bot's user id.</summary>
    public const string BotUserId = "U0PEERBOT";

    /// <summary>The bot id.</summary>
    public const string BotId = "B0PEERBOT";

    private static readonly Regex ChannelName = new("^[a-z0-9_-]{1,80}$", RegexOptions.Compiled);
    private readonly object _gate = new();
    private readonly SlackApiSpec _spec;
    private readonly Dictionary<string, SlackUser> _users = new(StringComparer.Ordinal);
    private readonly Dictionary<string, ChannelState> _channels = new(StringComparer.Ordinal);
    private readonly List<SlackEphemeral> _ephemerals = [];
    private readonly List<SlackEphemeral> _lostEphemerals = [];
    private readonly HashSet<string> _inactiveClients = new(StringComparer.Ordinal);
    private readonly List<SlackEmulatedView> _views = [];
    private readonly Dictionary<string, DateTimeOffset> _triggers = new(StringComparer.Ordinal);
    private readonly Dictionary<string, (string User, string? Channel)> _responseUrls = new(StringComparer.Ordinal);
    private readonly Dictionary<string, UploadTicket> _uploads = new(StringComparer.Ordinal);
    private readonly List<SlackApiCall> _calls = [];
    private readonly List<string> _violations = [];
    private readonly Dictionary<string, Queue<InjectedFailure>> _failures = new(StringComparer.Ordinal);
    private readonly HashSet<string> _answersToLose = new(StringComparer.Ordinal);
    private readonly List<RequestHold> _holds = [];
    private readonly Dictionary<string, string> _kickRefusals = new(StringComparer.Ordinal);
    private readonly Dictionary<string, Queue<DateTimeOffset>> _rateWindows = new(StringComparer.Ordinal);
    private WebApplication? _app;
    private int _counter;
    private long _ts;
    private TaskCompletionSource _changed = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public SlackEmulator(SlackApiSpec? spec = null)
    {
        _spec = spec ?? SlackApiSpec.Load();
        _users[BotUserId] = new SlackUser(BotUserId, "peerbot", null, IsBot: true);
    }

    /// <summary>The root URL, e.g. <c>http://127.0.0.1:5123/</c>.</summary>
    public Uri BaseUrl { get; private set; } = new("http://127.0.0.1/");

    /// <summary>The Web API base URL to configure as <c>PeerBot:Slack:ApiBaseUrl</c>.</summary>
    public string ApiBaseUrl => new Uri(BaseUrl, "api/").ToString();

    /// <summary>The configuration that points PeerBot's Slack adapter at this emulator (for a host's in-memory configuration).</summary>
    public IReadOnlyDictionary<string, string?> ConfigurationValues => new Dictionary<string, string?>
    {
        ["PeerBot:Slack:BotToken"] = BotToken,
        ["PeerBot:Slack:AppToken"] = AppToken,
        ["PeerBot:Slack:ApiBaseUrl"] = ApiBaseUrl,
    };

    /// <summary>Largest page <c>conversations.members</c> and <c>conversations.list</c> return, so paging is exercised.</summary>
    public int MaxPageSize { get; set; } = 2;

    /// <summary>The clock of the emulator: message <c>ts</c> values, trigger id expiry and its own timers (the close after a <c>warning</c> disconnect).</summary>
    public TimeProvider Time { get; set; } = TimeProvider.System;

    /// <summary>
    /// The clock of Slack's own deadlines (a trigger id lives three seconds); null for <see cref="Time"/>. A test that
    /// moves a fake <see cref="Time"/> in steps while it waits sets this to <see cref="TimeProvider.System"/>, as Slack
    /// measures the deadline on the wall clock.
    /// </summary>
    public TimeProvider? DeadlineClock { get; set; }

    /// <summary>When true, every token is refused with <c>invalid_auth</c>.</summary>
    public bool RejectAllTokens { get; set; }

    /// <summary>Calls that broke the published description.</summary>
    public IReadOnlyList<string> Violations
    {
        get
        {
            lock (_gate)
            {
                return [.. _violations];
            }
        }
    }

    /// <summary>Every Web API call received, in order.</summary>
    public IReadOnlyList<SlackApiCall> Calls
    {
        get
        {
            lock (_gate)
            {
                return [.. _calls];
            }
        }
    }

    /// <summary>Ephemeral messages, in order.</summary>
    public IReadOnlyList<SlackEphemeral> Ephemerals
    {
        get
        {
            lock (_gate)
            {
                return [.. _ephemerals];
            }
        }
    }

    /// <summary>
    /// Ephemeral messages Slack answered <c>ok</c> to but nobody saw: the person's client was not active when they were
    /// sent, or was reloaded (or the person moved to another device) since. Slack does not tell the app.
    /// </summary>
    public IReadOnlyList<SlackEphemeral> LostEphemerals
    {
        get
        {
            lock (_gate)
            {
                return [.. _lostEphemerals];
            }
        }
    }

    /// <summary>
    /// Whether a person's Slack client is active (open and in the foreground). An ephemeral message reaches only an
    /// active client: chat.postEphemeral and a response URL answer <c>ok</c> either way, and the message is lost for
    /// an inactive one ("Ephemeral message delivery is not guaranteed — the user must be currently active in Slack",
    /// docs.slack.dev/reference/methods/chat.postEphemeral). Everyone is active until a test says otherwise.
    /// </summary>
    public void SetClientActive(string userId, bool active)
    {
        lock (_gate)
        {
            if (active)
            {
                _inactiveClients.Remove(userId);
            }
            else
            {
                _inactiveClients.Add(userId);
            }
        }

        Changed();
    }

    /// <summary>
    /// The person reloads Slack or opens it on another device: the ephemeral messages they were shown are gone, as
    /// ephemerals do not persist across reloads or between devices.
    /// </summary>
    public void ReloadClient(string userId)
    {
        lock (_gate)
        {
            _lostEphemerals.AddRange(_ephemerals.Where(e => e.User == userId));
            _ephemerals.RemoveAll(e => e.User == userId);
        }

        Changed();
    }

    /// <summary>Modals opened, in order.</summary>
    public IReadOnlyList<SlackEmulatedView> Views
    {
        get
        {
            lock (_gate)
            {
                return [.. _views];
            }
        }
    }

    /// <summary>Starts the server on a free loopback port.</summary>
    public Task StartAsync() => ListenAsync(0);

    /// <summary>True while the server is listening (between <see cref="StartAsync"/> or <see cref="StartServerAsync"/> and <see cref="StopServerAsync"/>).</summary>
    public bool IsServerRunning => _app is not null;

    /// <summary>How many times the server was started again after <see cref="StopServerAsync"/>.</summary>
    public int Restarts { get; private set; }

    /// <summary>
    /// Stops the server as a Slack outage would: every Socket Mode connection is dropped and every call is refused,
    /// while the workspace (channels, messages, users, undelivered envelopes) is kept for <see cref="StartServerAsync"/>.
    /// </summary>
    public async Task StopServerAsync()
    {
        var app = _app ?? throw new InvalidOperationException("The Slack emulator is not running.");
        _app = null;
        AbortAllSockets();
        using (var stop = new CancellationTokenSource(TimeSpan.FromSeconds(5)))
        {
            await app.StopAsync(stop.Token);
        }

        await app.DisposeAsync();
        Changed();
    }

    /// <summary>Starts the server again on the same port, with the state it had when it stopped.</summary>
    public async Task StartServerAsync()
    {
        if (_app is not null)
        {
            throw new InvalidOperationException("The Slack emulator is already running.");
        }

        await ListenAsync(BaseUrl.Port);
        Restarts++;
        Changed();
    }

    private async Task ListenAsync(int port)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.Services.AddTestLifetime();
        builder.WebHost.UseKestrel(o => o.Listen(IPAddress.Loopback, port));
        var app = builder.Build();
        app.UseWebSockets();
        app.Run(RouteAsync);
        await app.StartAsync();
        var address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        BaseUrl = new Uri(address.TrimEnd('/') + "/");
        _app = app;
    }

    /// <summary>Adds a person to the workspace; <paramref name="isBot"/> for another app's bot user (an admin's archiving bot).</summary>
    public SlackUser AddUser(string id, string name, string? email = null, bool deleted = false, bool isBot = false)
    {
        var user = new SlackUser(id, name, email, IsBot: isBot, Deleted: deleted);
        lock (_gate)
        {
            _users[id] = user;
        }

        return user;
    }

    /// <summary>Adds a channel made by someone else (e.g. to take a name).</summary>
    public string AddChannel(string name, bool isPrivate, params string[] members)
    {
        lock (_gate)
        {
            var id = "C" + Next();
            _channels[id] = new ChannelState(id, name, isPrivate, IsIm: false) { Members = [.. members] };
            return id;
        }
    }

    /// <summary>
    /// Every <c>conversations.kick</c> of this user is refused with <paramref name="error"/>, as Slack refuses when a
    /// workspace preference stops apps from removing people (<c>restricted_action</c>) or the member cannot be removed
    /// that way (<c>not_supported</c>, e.g. a Slack Connect member; <c>cant_kick_from_general</c>).
    /// </summary>
    public void RefuseKick(string userId, string error)
    {
        lock (_gate)
        {
            _kickRefusals[userId] = error;
        }
    }

    /// <summary>Someone in the workspace adds a member to a channel (a person, or another app's bot user).</summary>
    public void AddMember(string channelId, string userId)
    {
        lock (_gate)
        {
            var members = _channels[channelId].Members;
            if (!members.Contains(userId))
            {
                members.Add(userId);
            }
        }

        Changed();
    }

    /// <summary>
    /// Someone in the workspace removes a member from a channel (<c>/remove</c>, or channel details → Members). Removing
    /// the bot from a private channel hides the channel from it: every call then answers <c>channel_not_found</c>.
    /// </summary>
    public void RemoveMember(string channelId, string userId)
    {
        lock (_gate)
        {
            _channels[channelId].Members.Remove(userId);
        }

        Changed();
    }

    /// <summary>
    /// Calls per minute Slack allows per method (its rate-limit tiers, per workspace and app); a call beyond answers 429
    /// with a <c>Retry-After</c> of the seconds until the minute's window has room. Empty: no method is limited.
    /// <see cref="UseSlackTierLimits"/> fills it with Slack's published tiers.
    /// </summary>
    public Dictionary<string, int> MethodLimitsPerMinute { get; } = new(StringComparer.Ordinal);

    /// <summary><c>chat.postMessage</c> per channel per minute (Slack: about one a second); null for no limit.</summary>
    public int? PostMessagesPerMinutePerChannel { get; set; }

    /// <summary><c>chat.postMessage</c> per minute across the workspace (Slack: several hundred); null for no limit.</summary>
    public int? PostMessagesPerMinutePerWorkspace { get; set; }

    /// <summary>
    /// Slack's published limits for the methods PeerBot calls (tier 1: 1+, tier 2: 20+, tier 3: 50+, tier 4: 100+ per
    /// minute; chat.postMessage one a second per channel and <paramref name="postMessagesPerMinutePerWorkspace"/> across
    /// the workspace), from docs.slack.dev/apis/web-api/rate-limits and the methods' pages.
    /// </summary>
    public void UseSlackTierLimits(int postMessagesPerMinutePerWorkspace = 300)
    {
        foreach (var (method, tier) in new Dictionary<string, int>
        {
            ["apps.connections.open"] = 1, ["auth.test"] = 4, ["conversations.create"] = 2, ["conversations.invite"] = 3,
            ["conversations.kick"] = 3, ["conversations.archive"] = 2, ["conversations.setTopic"] = 2, ["conversations.open"] = 3,
            ["conversations.info"] = 3, ["conversations.members"] = 4, ["conversations.history"] = 3, ["conversations.list"] = 2, ["chat.postEphemeral"] = 4,
            ["chat.delete"] = 3, ["chat.update"] = 3, ["users.info"] = 4, ["users.list"] = 2, ["users.lookupByEmail"] = 3, ["views.open"] = 4,
            ["files.getUploadURLExternal"] = 4, ["files.completeUploadExternal"] = 4,
        })
        {
            MethodLimitsPerMinute[method] = tier switch { 1 => 1, 2 => 20, 3 => 50, _ => 100 };
        }

        PostMessagesPerMinutePerChannel = 60;
        PostMessagesPerMinutePerWorkspace = postMessagesPerMinutePerWorkspace;
    }

    /// <summary>The next call of <paramref name="method"/> gets an HTTP status (429 with <c>Retry-After</c>, 5xx).</summary>
    public void FailNext(string method, int status, int? retryAfterSeconds = null, int times = 1) =>
        Enqueue(method, new InjectedFailure(status, retryAfterSeconds, null, null), times);

    /// <summary>The next call of <paramref name="method"/> gets <c>{"ok":false,"error":…}</c>.</summary>
    public void FailNextWithError(string method, string error, int times = 1, string? needed = null) =>
        Enqueue(method, new InjectedFailure(200, null, error, needed), times);

    /// <summary>A snapshot of a conversation.</summary>
    public SlackEmulatedChannel Channel(string id)
    {
        lock (_gate)
        {
            return _channels[id].Snapshot();
        }
    }

    /// <summary>Snapshots of every conversation that is not a DM.</summary>
    public IReadOnlyList<SlackEmulatedChannel> Channels
    {
        get
        {
            lock (_gate)
            {
                return _channels.Values.Where(c => !c.IsIm).Select(c => c.Snapshot()).ToList();
            }
        }
    }

    /// <summary>Messages the bot sent in its DM with a user.</summary>
    public IReadOnlyList<SlackEmulatedMessage> DirectMessagesTo(string userId)
    {
        lock (_gate)
        {
            return _channels.Values.Where(c => c.IsIm && c.Members.Contains(userId)).SelectMany(c => c.Messages).ToList();
        }
    }

    /// <summary>The DM channel id with a user, or null if none was opened.</summary>
    public string? DirectChannelOf(string userId)
    {
        lock (_gate)
        {
            return _channels.Values.FirstOrDefault(c => c.IsIm && c.Members.Contains(userId))?.Id;
        }
    }

    /// <summary>Waits (on state changes, not on a clock) until <paramref name="condition"/> holds.</summary>
    public async Task WaitUntilAsync(Func<SlackEmulator, bool> condition, TimeSpan? timeout = null, string? what = null)
    {
        using var cts = new CancellationTokenSource(timeout ?? TimeSpan.FromSeconds(20));
        while (true)
        {
            Task changed;
            lock (_gate)
            {
                changed = _changed.Task;
            }

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
                throw new TimeoutException($"The Slack emulator never reached: {what ?? "the expected state"}.");
            }
        }
    }

    /// <inheritdoc />
    public async ValueTask DisposeAsync()
    {
        AbortAllSockets();
        var app = _app;
        _app = null;
        if (app is not null)
        {
            using (var stop = new CancellationTokenSource(TimeSpan.FromSeconds(2)))
            {
                await app.StopAsync(stop.Token);
            }

            await app.DisposeAsync();
        }
    }

    private void Changed()
    {
        TaskCompletionSource previous;
        lock (_gate)
        {
            previous = _changed;
            _changed = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        }

        previous.TrySetResult();
    }

    private void Enqueue(string method, InjectedFailure failure, int times)
    {
        lock (_gate)
        {
            if (!_failures.TryGetValue(method, out var queue))
            {
                _failures[method] = queue = new Queue<InjectedFailure>();
            }

            for (var i = 0; i < times; i++)
            {
                queue.Enqueue(failure);
            }
        }
    }

    // Called under _gate: the seconds to wait when this call is over one of Slack's limits, else null (and the call counts).
    private int? OverLimit(string method, JsonObject args)
    {
        var now = Time.GetUtcNow();
        var buckets = new List<(string Key, int Limit)>();
        if (MethodLimitsPerMinute.TryGetValue(method, out var limit))
        {
            buckets.Add((method, limit));
        }

        if (method == "chat.postMessage")
        {
            // Slack counts a post to a user id against the DM it lands in.
            var target = args["channel"] is JsonValue v && v.TryGetValue<string>(out var c) ? c : "";
            if (_users.TryGetValue(target, out var user) && !user.Deleted && user.Id != BotUserId)
            {
                target = DirectChannelFor(user.Id).Id;
            }

            if (PostMessagesPerMinutePerChannel is { } perChannel)
            {
                buckets.Add(("chat.postMessage:" + target, perChannel));
            }

            if (PostMessagesPerMinutePerWorkspace is { } perWorkspace)
            {
                buckets.Add(("chat.postMessage", perWorkspace));
            }
        }

        var wait = TimeSpan.Zero;
        foreach (var (key, max) in buckets)
        {
            if (!_rateWindows.TryGetValue(key, out var stamps))
            {
                _rateWindows[key] = stamps = new Queue<DateTimeOffset>();
            }

            while (stamps.Count > 0 && stamps.Peek() <= now - TimeSpan.FromMinutes(1))
            {
                stamps.Dequeue();
            }

            if (stamps.Count >= max)
            {
                var free = stamps.Peek() + TimeSpan.FromMinutes(1) - now;
                wait = free > wait ? free : wait;
            }
        }

        if (wait > TimeSpan.Zero)
        {
            return Math.Max(1, (int)Math.Ceiling(wait.TotalSeconds));
        }

        foreach (var (key, _) in buckets)
        {
            _rateWindows[key].Enqueue(now);
        }

        return null;
    }

    private string Next() => Interlocked.Increment(ref _counter).ToString("D7", CultureInfo.InvariantCulture);

    private string NextTs()
    {
        // Like Slack's, a ts is the time of the message on the emulator's clock (so a fake clock moves it too), unique
        // and increasing even when the clock stands still.
        var now = (Time.GetUtcNow() - DateTimeOffset.UnixEpoch).Ticks / 10;
        long micros;
        long previous;
        do
        {
            previous = Volatile.Read(ref _ts);
            micros = Math.Max(previous + 100, now);
        }
        while (Interlocked.CompareExchange(ref _ts, micros, previous) != previous);

        return (micros / 1_000_000).ToString(CultureInfo.InvariantCulture) + "." + (micros % 1_000_000).ToString("D6", CultureInfo.InvariantCulture);
    }

    private Task RouteAsync(HttpContext context)
    {
        var path = context.Request.Path.Value ?? "";
        if (path.StartsWith("/api/", StringComparison.Ordinal))
        {
            return HandleApiAsync(context, path["/api/".Length..]);
        }

        if (path.StartsWith("/link", StringComparison.Ordinal))
        {
            return HandleSocketAsync(context);
        }

        if (path.StartsWith("/response/", StringComparison.Ordinal))
        {
            return HandleResponseUrlAsync(context, path["/response/".Length..]);
        }

        if (path.StartsWith("/upload/v1/", StringComparison.Ordinal))
        {
            return HandleUploadAsync(context, path["/upload/v1/".Length..]);
        }

        context.Response.StatusCode = 404;
        return Task.CompletedTask;
    }

    private async Task HandleApiAsync(HttpContext context, string method)
    {
        var request = context.Request;
        var verb = request.Method.ToUpperInvariant();
        var args = new JsonObject();
        foreach (var (key, value) in request.Query)
        {
            args[key] = value.ToString();
        }

        var bodyNames = new List<string>();
        if (verb == "POST")
        {
            if (request.HasFormContentType)
            {
                var form = await request.ReadFormAsync();
                foreach (var (key, value) in form)
                {
                    args[key] = value.ToString();
                    bodyNames.Add(key);
                }
            }
            else
            {
                using var reader = new StreamReader(request.Body);
                var text = await reader.ReadToEndAsync();
                if (text.Length > 0)
                {
                    if (JsonNode.Parse(text) is not JsonObject body)
                    {
                        await WriteAsync(context, Error("invalid_json"));
                        return;
                    }

                    foreach (var (key, value) in body)
                    {
                        args[key] = value?.DeepClone();
                        bodyNames.Add(key);
                    }
                }
            }
        }

        if (method == "files.getUploadURLExternal" && verb == "POST" && !request.HasFormContentType && bodyNames.Count > 0)
        {
            // Slack takes this method's arguments form-encoded only: a JSON body reads as missing filename and length.
            lock (_gate)
            {
                _violations.Add($"POST {method}: JSON body; Slack answers it with invalid_arguments (send it form-encoded)");
            }

            await WriteAsync(context, Error("invalid_arguments"));
            return;
        }

        var authorization = request.Headers.Authorization.ToString();
        var token = authorization.StartsWith("Bearer ", StringComparison.Ordinal) ? authorization["Bearer ".Length..] : args["token"]?.GetValue<string>();
        var problems = _spec.Check(method, verb, args.Select(a => a.Key).ToList());
        InjectedFailure? failure = null;
        lock (_gate)
        {
            _violations.AddRange(problems.Select(p => $"{verb} {method}: {p}"));
            if (problems.Count == 0 && _failures.TryGetValue(method, out var queue) && queue.Count > 0)
            {
                failure = queue.Dequeue();
            }
            else if (problems.Count == 0 && OverLimit(method, args) is { } retryAfter)
            {
                failure = new InjectedFailure(429, retryAfter, null, null);
            }

            _calls.Add(new SlackApiCall(method, verb, (JsonObject)args.DeepClone(), token is null ? null : "***")
            {
                At = Time.GetUtcNow(),
                Status = failure?.Status ?? 200,
                RetryAfterSeconds = failure?.RetryAfterSeconds,
                Error = failure?.Error,
            });
        }

        Changed();
        if (problems.Count > 0)
        {
            await WriteAsync(context, Error("invalid_arguments"));
            return;
        }

        if (failure is { } f)
        {
            if (f.Status != 200)
            {
                context.Response.StatusCode = f.Status;
                if (f.RetryAfterSeconds is { } retryAfter)
                {
                    context.Response.Headers.RetryAfter = retryAfter.ToString(CultureInfo.InvariantCulture);
                }

                await WriteAsync(context, Error(f.Status == 429 ? "ratelimited" : "internal_error"), f.Status);
                return;
            }

            var error = Error(f.Error!);
            if (f.Needed is not null)
            {
                error["needed"] = f.Needed;
                error["provided"] = "chat:write";
            }

            await WriteAsync(context, error);
            return;
        }

        var expected = method == "apps.connections.open" ? AppToken : BotToken;
        if (token is null)
        {
            await WriteAsync(context, Error("not_authed"));
            return;
        }

        if (RejectAllTokens || token != expected)
        {
            await WriteAsync(context, Error(token.StartsWith("xapp-", StringComparison.Ordinal) != (expected == AppToken) ? "not_allowed_token_type" : "invalid_auth"));
            return;
        }

        RequestHold? hold;
        lock (_gate)
        {
            hold = _holds.FirstOrDefault(h => h.Match(method, args));
            if (hold is not null)
            {
                _holds.Remove(hold);
            }
        }

        if (hold is { AfterActing: false })
        {
            await HoldAsync(context, hold);
            return;
        }

        JsonObject response;
        bool loseAnswer;
        lock (_gate)
        {
            response = Dispatch(method, args);
            loseAnswer = _answersToLose.Remove(method);
        }

        Changed();
        if (hold is not null)
        {
            await HoldAsync(context, hold);
            return;
        }

        if (loseAnswer)
        {
            // Slack acted, but its answer never arrives: the connection drops, as on a timeout.
            context.Abort();
            return;
        }

        await WriteAsync(context, response);
    }

    /// <summary>
    /// The next call that <paramref name="match"/> accepts (method, arguments) gets no answer until its connection
    /// drops, as when the caller dies waiting: with <paramref name="afterActing"/> Slack has acted on it (a message is
    /// posted), without it nothing happened. The returned task completes when such a call arrives.
    /// </summary>
    public Task HoldNext(Func<string, JsonObject, bool> match, bool afterActing)
    {
        var hold = new RequestHold(match, afterActing);
        lock (_gate)
        {
            _holds.Add(hold);
        }

        return hold.Arrived.Task;
    }

    private static async Task HoldAsync(HttpContext context, RequestHold hold)
    {
        hold.Arrived.TrySetResult();
        try
        {
            await Task.Delay(Timeout.Infinite, context.RequestAborted);
        }
        catch (OperationCanceledException)
        {
            // The caller went away: nothing to answer.
        }
    }

    private sealed record RequestHold(Func<string, JsonObject, bool> Match, bool AfterActing)
    {
        public TaskCompletionSource Arrived { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);
    }

    /// <summary>
    /// The next call of <paramref name="method"/> is carried out, and its answer is lost (the connection drops): the
    /// message is in the channel, the caller does not know.
    /// </summary>
    public void LoseAnswerOfNext(string method)
    {
        lock (_gate)
        {
            _answersToLose.Add(method);
        }
    }

    private JsonObject Dispatch(string method, JsonObject args)
    {
        string? Arg(string name) => args[name] switch
        {
            null => null,
            JsonValue v when v.TryGetValue<string>(out var s) => s,
            JsonNode n => n.ToJsonString(),
        };

        switch (method)
        {
            case "auth.test":
                return Ok(new JsonObject { ["url"] = "https://emulated.slack.com/", ["team"] = "Emulated", ["user"] = "peerbot", ["team_id"] = "T0EMU", ["user_id"] = BotUserId, ["bot_id"] = BotId });
            case "apps.connections.open":
                return Ok(new JsonObject { ["url"] = IssueSocketUrl() });
            case "users.info":
            {
                var id = Arg("user") ?? "";
                return _users.TryGetValue(id, out var user) ? Ok(new JsonObject { ["user"] = UserJson(user) }) : Error("user_not_found");
            }

            case "users.list":
                return Page(_users.Values.Select(u => (JsonNode)UserJson(u)).ToList(), "members", Arg("cursor"), Arg("limit"));
            case "users.lookupByEmail":
            {
                var email = Arg("email") ?? "";
                var user = _users.Values.FirstOrDefault(u => string.Equals(u.Email, email, StringComparison.OrdinalIgnoreCase));
                return user is null ? Error("users_not_found") : Ok(new JsonObject { ["user"] = UserJson(user) });
            }

            case "conversations.create":
            {
                var name = Arg("name") ?? "";
                if (name.Length > 80)
                {
                    return Error("invalid_name_maxlength");
                }

                if (!ChannelName.IsMatch(name))
                {
                    return Error("invalid_name_specials");
                }

                if (_channels.Values.Any(c => c.Name == name))
                {
                    return Error("name_taken");
                }

                var isPrivate = args["is_private"] is JsonValue p && (p.TryGetValue<bool>(out var b) ? b : p.ToString() == "true");
                var channel = new ChannelState("C" + Next(), name, isPrivate, IsIm: false) { Members = [BotUserId] };
                _channels[channel.Id] = channel;
                return Ok(new JsonObject { ["channel"] = channel.Json() });
            }

            case "conversations.info":
                return WithChannel(Arg("channel"), c => Ok(new JsonObject { ["channel"] = c.Json() }));
            case "conversations.history":
                // Newest first; "oldest" excludes messages at or before it unless "inclusive"; a message's metadata only
                // with include_all_metadata (docs.slack.dev/reference/methods/conversations.history).
                return WithChannel(Arg("channel"), c =>
                {
                    var oldest = decimal.TryParse(Arg("oldest"), NumberStyles.AllowDecimalPoint, CultureInfo.InvariantCulture, out var o) ? o : 0m;
                    var inclusive = Arg("inclusive") is "true" or "1";
                    var withMetadata = Arg("include_all_metadata") is "true" or "1";
                    var items = c.Messages
                        .Where(m => decimal.Parse(m.Ts, CultureInfo.InvariantCulture) is var ts && (inclusive ? ts >= oldest : ts > oldest))
                        .Reverse()
                        .Select(m =>
                        {
                            var json = new JsonObject { ["type"] = "message", ["user"] = m.User, ["text"] = m.Text, ["ts"] = m.Ts };
                            if (m.User == BotUserId)
                            {
                                json["bot_id"] = BotId;
                            }

                            if (m.Blocks is not null)
                            {
                                json["blocks"] = m.Blocks.DeepClone();
                            }

                            if (withMetadata && m.Metadata is not null)
                            {
                                json["metadata"] = m.Metadata.DeepClone();
                            }

                            return (JsonNode)json;
                        })
                        .ToList();
                    var page = Page(items, "messages", Arg("cursor"), Arg("limit"));
                    page["has_more"] = page["response_metadata"]?["next_cursor"]?.GetValue<string>() is { Length: > 0 };
                    return page;
                });
            case "conversations.members":
                return WithChannel(Arg("channel"), c => Page(c.Members.Select(m => (JsonNode)JsonValue.Create(m)).ToList(), "members", Arg("cursor"), Arg("limit")));
            case "conversations.list":
            {
                var types = (Arg("types") ?? "public_channel").Split(',');
                var excludeArchived = Arg("exclude_archived") == "true";
                var visible = _channels.Values
                    .Where(c => !c.IsIm && ((c.IsPrivate && types.Contains("private_channel") && c.Members.Contains(BotUserId)) || (!c.IsPrivate && types.Contains("public_channel"))))
                    .Where(c => !excludeArchived || !c.IsArchived)
                    .Select(c => (JsonNode)c.Json())
                    .ToList();
                return Page(visible, "channels", Arg("cursor"), Arg("limit"));
            }

            case "conversations.invite":
                return WithChannel(Arg("channel"), c =>
                {
                    var users = (Arg("users") ?? "").Split(',', StringSplitOptions.RemoveEmptyEntries);
                    if (users.Length == 0)
                    {
                        return Error("no_user");
                    }

                    if (users.Length > 1000)
                    {
                        return Error("too_many_users");
                    }

                    // Without force one bad id fails the call and nobody is invited; with force the valid ones are
                    // invited and each refused one is listed in `errors` (docs.slack.dev/reference/methods/conversations.invite).
                    var force = args["force"] is JsonValue f && (f.TryGetValue<bool>(out var fb) ? fb : f.ToString() == "true");
                    var errors = new JsonArray();
                    var valid = new List<string>();
                    foreach (var user in users.Distinct(StringComparer.Ordinal))
                    {
                        var problem = user == BotUserId ? "cant_invite_self"
                            : !_users.TryGetValue(user, out var known) ? "user_not_found"
                            : known.Deleted ? "user_is_deactivated"
                            : c.Members.Contains(user) ? "already_in_channel"
                            : null;
                        if (problem is null)
                        {
                            valid.Add(user);
                            continue;
                        }

                        if (!force)
                        {
                            return Error(problem);
                        }

                        errors.Add(new JsonObject { ["user"] = user, ["ok"] = false, ["error"] = problem });
                    }

                    c.Members.AddRange(valid);
                    if (errors.Count > 0)
                    {
                        var failed = Error(errors[0]!["error"]!.GetValue<string>());
                        failed["errors"] = errors;
                        return failed;
                    }

                    return Ok(new JsonObject { ["channel"] = c.Json() });
                });
            case "conversations.kick":
                return WithChannel(Arg("channel"), c =>
                {
                    var user = Arg("user") ?? "";
                    if (user == BotUserId)
                    {
                        return Error("cant_kick_self");
                    }

                    if (!c.Members.Contains(user))
                    {
                        return Error("not_in_channel");
                    }

                    if (_kickRefusals.TryGetValue(user, out var refusal))
                    {
                        return Error(refusal);
                    }

                    c.Members.Remove(user);
                    return Ok([]);
                });
            case "conversations.archive":
                return WithChannel(Arg("channel"), c =>
                {
                    if (c.IsArchived)
                    {
                        return Error("already_archived");
                    }

                    c.IsArchived = true;
                    return Ok([]);
                });
            case "conversations.setTopic":
                return WithChannel(Arg("channel"), c =>
                {
                    var topic = Arg("topic") ?? "";
                    if (topic.Length > 250)
                    {
                        return Error("too_long");
                    }

                    c.Topic = topic;
                    return Ok(new JsonObject { ["channel"] = c.Json() });
                });
            case "conversations.open":
            {
                var users = (Arg("users") ?? "").Split(',', StringSplitOptions.RemoveEmptyEntries);
                if (users.Length != 1)
                {
                    return Error(users.Length == 0 ? "users_list_not_supplied" : "not_supported");
                }

                if (!_users.TryGetValue(users[0], out var user) || user.Deleted)
                {
                    return Error("user_not_found");
                }

                if (user.Id == BotUserId)
                {
                    return Error("cannot_dm_bot");
                }

                return Ok(new JsonObject { ["channel"] = new JsonObject { ["id"] = DirectChannelFor(user.Id).Id } });
            }

            case "chat.postMessage":
                // A user id as channel posts in the app's DM with that user (chat.postMessage, "channel" argument).
                return WithWritableChannel(Arg("channel") is { } target && _users.TryGetValue(target, out var recipient) && !recipient.Deleted && recipient.Id != BotUserId ? DirectChannelFor(recipient.Id).Id : Arg("channel"), c =>
                {
                    var text = Arg("text");
                    var blocks = args["blocks"] as JsonArray ?? (Arg("blocks") is { } b ? JsonNode.Parse(b) as JsonArray : null);
                    if (string.IsNullOrEmpty(text) && blocks is null)
                    {
                        return Error("no_text");
                    }

                    var metadata = args["metadata"] as JsonObject ?? (Arg("metadata") is { } m ? JsonNode.Parse(m) as JsonObject : null);
                    if (metadata is not null && (metadata["event_type"] is null || metadata["event_payload"] is not JsonObject))
                    {
                        return Error("invalid_metadata_format");
                    }

                    // Slack keeps no idempotency key: the same message sent twice is there twice.
                    var message = new SlackEmulatedMessage(NextTs(), BotUserId, text ?? "", (JsonArray?)blocks?.DeepClone(), (JsonObject)args.DeepClone())
                    {
                        Metadata = (JsonObject?)metadata?.DeepClone(),
                    };
                    c.Messages.Add(message);
                    return Ok(new JsonObject { ["channel"] = c.Id, ["ts"] = message.Ts, ["message"] = new JsonObject { ["ts"] = message.Ts, ["text"] = message.Text } });
                });
            case "files.getUploadURLExternal":
            {
                var name = Arg("filename");
                if (string.IsNullOrEmpty(name) || !long.TryParse(Arg("length"), NumberStyles.None, CultureInfo.InvariantCulture, out var length))
                {
                    return Error("invalid_arguments");
                }

                if (length == 0)
                {
                    return Error("missing_argument");
                }

                var alt = Arg("alt_txt");
                if (alt is { Length: > 1000 })
                {
                    return Error("alt_txt_too_large");
                }

                var ticket = new UploadTicket("F" + Next(), Guid.NewGuid().ToString("N"), name, length, alt);
                _uploads[ticket.FileId] = ticket;
                return Ok(new JsonObject { ["upload_url"] = new Uri(BaseUrl, "upload/v1/" + ticket.Secret).ToString(), ["file_id"] = ticket.FileId });
            }

            case "files.completeUploadExternal":
            {
                var entries = args["files"] as JsonArray ?? (Arg("files") is { } listed ? JsonNode.Parse(listed) as JsonArray : null);
                if (entries is null || entries.Count == 0)
                {
                    return Error("invalid_arguments");
                }

                var tickets = new List<(UploadTicket Ticket, string? Title)>();
                foreach (var entry in entries)
                {
                    // "Could not find the file from the upload ticket": an id never given out, one whose bytes never
                    // arrived, or one already completed (its ticket is used up).
                    if (entry?["id"]?.GetValue<string>() is not { } id || !_uploads.TryGetValue(id, out var ticket) || ticket.Bytes is null || ticket.Completed)
                    {
                        return Error("file_not_found");
                    }

                    tickets.Add((ticket, entry["title"]?.GetValue<string>()));
                }

                JsonObject Complete()
                {
                    foreach (var (ticket, _) in tickets)
                    {
                        ticket.Completed = true;
                    }

                    return Ok(new JsonObject { ["files"] = new JsonArray(tickets.Select(t => (JsonNode)new JsonObject { ["id"] = t.Ticket.FileId, ["title"] = t.Title ?? t.Ticket.Name }).ToArray()) });
                }

                if (Arg("channel_id") is not { } shareIn)
                {
                    // Not shared anywhere: the files stay private to the app.
                    return Complete();
                }

                return WithWritableChannel(shareIn, c =>
                {
                    var blocks = args["blocks"] as JsonArray ?? (Arg("blocks") is { } b ? JsonNode.Parse(b) as JsonArray : null);
                    var comment = Arg("initial_comment");
                    var files = tickets.Select(t => new SlackEmulatedFile(t.Ticket.FileId, t.Ticket.Name, t.Title, t.Ticket.AltText, t.Ticket.Bytes!)).ToList();

                    // With initial_comment, Slack ignores blocks.
                    c.Messages.Add(new SlackEmulatedMessage(NextTs(), BotUserId, comment ?? "", comment is null ? (JsonArray?)blocks?.DeepClone() : null, (JsonObject)args.DeepClone()) { Files = files });
                    return Complete();
                });
            }

            case "chat.postEphemeral":
                return WithWritableChannel(Arg("channel"), c =>
                {
                    var user = Arg("user") ?? "";
                    if (!c.Members.Contains(user))
                    {
                        return Error("user_not_in_channel");
                    }

                    var blocks = args["blocks"] as JsonArray;
                    var ts = NextTs();
                    KeepEphemeral(new SlackEphemeral(user, c.Id, Arg("text") ?? "", (JsonArray?)blocks?.DeepClone(), "chat.postEphemeral", ts));
                    return Ok(new JsonObject { ["message_ts"] = ts });
                });
            case "chat.delete":
                return WithChannel(Arg("channel"), c =>
                {
                    var removed = c.Messages.RemoveAll(m => m.Ts == Arg("ts"));
                    return removed > 0 ? Ok(new JsonObject { ["channel"] = c.Id, ["ts"] = Arg("ts") }) : Error("message_not_found");
                });
            case "chat.update":
                return WithWritableChannel(Arg("channel"), c =>
                {
                    var index = c.Messages.FindIndex(m => m.Ts == Arg("ts"));
                    if (index < 0)
                    {
                        return Error("message_not_found");
                    }

                    var old = c.Messages[index];
                    c.Messages[index] = old with { Text = Arg("text") ?? old.Text, Blocks = (JsonArray?)(args["blocks"] as JsonArray)?.DeepClone() ?? old.Blocks, Arguments = (JsonObject)args.DeepClone() };
                    return Ok(new JsonObject { ["channel"] = c.Id, ["ts"] = old.Ts });
                });
            case "views.open":
            {
                var trigger = Arg("trigger_id") ?? "";
                if (!_triggers.Remove(trigger, out var issued))
                {
                    return Error(trigger.StartsWith("trig.", StringComparison.Ordinal) ? "exchanged_trigger_id" : "invalid_trigger_id");
                }

                // A trigger id lives three seconds.
                if ((DeadlineClock ?? Time).GetUtcNow() - issued > TimeSpan.FromSeconds(3))
                {
                    return Error("expired_trigger_id");
                }

                if (args["view"] is not JsonObject view)
                {
                    return Error("invalid_arguments");
                }

                var blocks = view["blocks"] as JsonArray;
                if (view["type"]?.GetValue<string>() != "modal" || blocks is null || blocks.Count > 100
                    || (view["title"]?["text"]?.GetValue<string>()?.Length ?? 0) > 24)
                {
                    return Error("invalid_arguments");
                }

                var opened = new SlackEmulatedView("V" + Next(), trigger, (JsonObject)view.DeepClone());
                _views.Add(opened);
                return Ok(new JsonObject { ["view"] = new JsonObject { ["id"] = opened.Id, ["hash"] = "h" + opened.Id } });
            }

            default:
                return Error("unknown_method");
        }
    }

    // Called under _gate: an ephemeral shows only on an active client; Slack answers ok either way.
    private void KeepEphemeral(SlackEphemeral ephemeral)
    {
        if (_inactiveClients.Contains(ephemeral.User))
        {
            _lostEphemerals.Add(ephemeral);
        }
        else
        {
            _ephemerals.Add(ephemeral);
        }
    }

    private JsonObject WithChannel(string? id, Func<ChannelState, JsonObject> action)
    {
        if (id is null || !_channels.TryGetValue(id, out var channel) || (channel.IsPrivate && !channel.Members.Contains(BotUserId)))
        {
            return Error("channel_not_found");
        }

        return action(channel);
    }

    private ChannelState DirectChannelFor(string userId)
    {
        var im = _channels.Values.FirstOrDefault(c => c.IsIm && c.Members.Contains(userId));
        if (im is null)
        {
            im = new ChannelState("D" + Next(), userId, IsPrivate: true, IsIm: true) { Members = [BotUserId, userId] };
            _channels[im.Id] = im;
        }

        return im;
    }

    private JsonObject WithWritableChannel(string? id, Func<ChannelState, JsonObject> action) =>
        WithChannel(id, c => c.IsArchived ? Error("is_archived") : !c.Members.Contains(BotUserId) ? Error("not_in_channel") : action(c));

    private JsonObject Page(List<JsonNode> items, string property, string? cursor, string? limitText)
    {
        var offset = int.TryParse(cursor, NumberStyles.None, CultureInfo.InvariantCulture, out var o) ? o : 0;
        var limit = Math.Min(MaxPageSize, int.TryParse(limitText, NumberStyles.None, CultureInfo.InvariantCulture, out var l) && l > 0 ? l : 100);
        var page = new JsonArray(items.Skip(offset).Take(limit).Select(i => i.DeepClone()).ToArray());
        var next = offset + limit < items.Count ? (offset + limit).ToString(CultureInfo.InvariantCulture) : "";
        return Ok(new JsonObject { [property] = page, ["response_metadata"] = new JsonObject { ["next_cursor"] = next } });
    }

    private static JsonObject UserJson(SlackUser user) => new()
    {
        ["id"] = user.Id,
        ["name"] = user.Name,
        ["real_name"] = user.Name,
        ["deleted"] = user.Deleted,
        ["is_bot"] = user.IsBot,
        ["profile"] = new JsonObject { ["display_name"] = user.Name, ["email"] = user.Email },
    };

    private static JsonObject Ok(JsonObject fields)
    {
        var result = new JsonObject { ["ok"] = true };
        foreach (var (key, value) in fields.ToList())
        {
            fields.Remove(key);
            result[key] = value;
        }

        return result;
    }

    private static JsonObject Error(string error) => new() { ["ok"] = false, ["error"] = error };

    private static async Task WriteAsync(HttpContext context, JsonObject body, int status = 200)
    {
        context.Response.StatusCode = status;
        context.Response.ContentType = "application/json; charset=utf-8";
        await context.Response.WriteAsync(body.ToJsonString());
    }

    private async Task HandleResponseUrlAsync(HttpContext context, string id)
    {
        (string User, string? Channel) target;
        lock (_gate)
        {
            if (!_responseUrls.TryGetValue(id, out target))
            {
                context.Response.StatusCode = 404;
                return;
            }
        }

        using var reader = new StreamReader(context.Request.Body);
        var body = JsonNode.Parse(await reader.ReadToEndAsync()) as JsonObject ?? [];
        lock (_gate)
        {
            KeepEphemeral(new SlackEphemeral(target.User, target.Channel, body["text"]?.GetValue<string>() ?? "", (JsonArray?)(body["blocks"] as JsonArray)?.DeepClone(), "response_url"));
        }

        Changed();
        context.Response.StatusCode = 200;
        await context.Response.WriteAsync("ok");
    }

    /// <summary>
    /// Step two of the external upload: the bytes of a file posted (raw, or as the one file of a multipart form) to the
    /// upload URL files.getUploadURLExternal gave. No token is needed: the URL is the credential. A byte count other than
    /// the <c>length</c> declared is refused (HTTP 400) and nothing is kept; an unknown URL is 404.
    /// </summary>
    private async Task HandleUploadAsync(HttpContext context, string secret)
    {
        UploadTicket? ticket;
        lock (_gate)
        {
            ticket = _uploads.Values.FirstOrDefault(t => t.Secret == secret && !t.Completed);
        }

        if (ticket is null || context.Request.Method != "POST")
        {
            context.Response.StatusCode = ticket is null ? 404 : 405;
            return;
        }

        byte[] bytes;
        if (context.Request.HasFormContentType)
        {
            var form = await context.Request.ReadFormAsync();
            using var buffer = new MemoryStream();
            if (form.Files.Count == 1)
            {
                await form.Files[0].CopyToAsync(buffer);
            }

            bytes = buffer.ToArray();
        }
        else
        {
            using var buffer = new MemoryStream();
            await context.Request.Body.CopyToAsync(buffer);
            bytes = buffer.ToArray();
        }

        lock (_gate)
        {
            _calls.Add(new SlackApiCall("upload_url", "POST", new JsonObject { ["file_id"] = ticket.FileId, ["bytes"] = bytes.Length }, context.Request.Headers.Authorization.Count > 0 ? "***" : null)
            {
                At = Time.GetUtcNow(),
                Status = bytes.Length == ticket.Length ? 200 : 400,
            });
            if (bytes.Length == ticket.Length)
            {
                ticket.Bytes = bytes;
            }
        }

        Changed();
        context.Response.StatusCode = bytes.Length == ticket.Length ? 200 : 400;
        await context.Response.WriteAsync(bytes.Length == ticket.Length
            ? "OK - " + bytes.Length.ToString(CultureInfo.InvariantCulture)
            : $"length mismatch: {bytes.Length.ToString(CultureInfo.InvariantCulture)} bytes sent, {ticket.Length.ToString(CultureInfo.InvariantCulture)} declared");
    }

    private sealed record UploadTicket(string FileId, string Secret, string Name, long Length, string? AltText)
    {
        public byte[]? Bytes { get; set; }

        public bool Completed { get; set; }
    }

    private sealed record InjectedFailure(int Status, int? RetryAfterSeconds, string? Error, string? Needed);

    private sealed record ChannelState(string Id, string Name, bool IsPrivate, bool IsIm)
    {
        public List<string> Members { get; init; } = [];

        public List<SlackEmulatedMessage> Messages { get; } = [];

        public bool IsArchived { get; set; }

        public string Topic { get; set; } = "";

        public JsonObject Json() => new()
        {
            ["id"] = Id,
            ["name"] = Name,
            ["is_private"] = IsPrivate,
            ["is_im"] = IsIm,
            ["is_archived"] = IsArchived,
            ["topic"] = new JsonObject { ["value"] = Topic },
        };

        public SlackEmulatedChannel Snapshot() => new(Id, Name, IsPrivate, IsIm, IsArchived, Topic, [.. Members], [.. Messages]);
    }
}
