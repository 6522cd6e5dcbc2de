using System.Globalization;
using System.Net;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using PeerBot.Testing.Hosting;

namespace PeerBot.Testing.Discord;

/// <summary>
/// A Discord API v10 emulator on 127.0.0.1: the REST routes PeerBot uses and a gateway WebSocket.
/// Every request is checked against the published API description; mismatches, requests on exhausted
/// buckets, late interaction answers and protocol slips are collected in <see cref="Violations"/>.
/// Tests inject messages and interactions, drop the connection, stop acking heartbeats, force 429s,
/// and inspect channels, overwrites and messages.
/// </summary>
public sealed partial class DiscordEmulator : IAsyncDisposable
{
    public const string GuildId = "100000000000000001";
    public const string BotUserId = "100000000000000002";
    public const string ApplicationId = "100000000000000003";
    public const string BotRoleId = "100000000000000004";

    /// <summary>
    /// Manage Channels | View Channel | Send Messages | Read Message History | Manage Roles | Create Public Threads |
    /// Create Private Threads | Send Messages in Threads.
    /// </summary>
    public const long RequiredPermissions = 378225626128;

    /// <summary>Create Public Threads | Create Private Threads | Send Messages in Threads.</summary>
    public const long ThreadPermissions = (1L << 35) | (1L << 36) | (1L << 38);

    /// <summary>What a new server's <c>@everyone</c> role may do, as far as PeerBot is concerned: see, write, read history, and threads.</summary>
    public const long DefaultEveryonePermissions = 1024 | 2048 | 65536 | ThreadPermissions;

    private readonly object _gate = new();
    private WebApplication? _app;
    private readonly OpenApiRequestValidator _validator = OpenApiRequestValidator.Discord;
    private readonly Dictionary<string, EmulatedChannel> _channels = new(StringComparer.Ordinal);
    private readonly Dictionary<string, (string Username, bool Bot)> _users = new(StringComparer.Ordinal);
    private readonly HashSet<string> _members = new(StringComparer.Ordinal);
    private readonly List<string> _violations = [];
    private readonly List<RecordedRequest> _requests = [];
    private readonly Dictionary<string, EmulatedInteraction> _interactions = new(StringComparer.Ordinal);
    private static readonly DateTimeOffset DiscordEpoch = new(2015, 1, 1, 0, 0, 0, TimeSpan.Zero);
    private long _nextId = 200000000000000000;
    private long _lastMessageId;
    private readonly List<RequestHold> _holds = [];
    private TaskCompletionSource _changed = new(TaskCreationOptions.RunContinuationsAsynchronously);

    private DiscordEmulator(WebApplication? app, DiscordEmulatorOptions options)
    {
        _app = app;
        Options = options;
        _users[BotUserId] = ("peerbot", true);
        _members.Add(BotUserId);
    }

    public DiscordEmulatorOptions Options { get; }

    /// <summary>http://127.0.0.1:port</summary>
    public string BaseUrl { get; private set; } = "";

    /// <summary>The value for PeerBot:Discord:ApiBaseUrl.</summary>
    public string ApiBaseUrl => BaseUrl + "/api/v10";

    public string Token => Options.Token;

    /// <summary>Permissions of the bot's role.</summary>
    public long BotPermissions { get; set; } = RequiredPermissions;

    /// <summary>Permissions of the server's <c>@everyone</c> role (every member has them, the bot included).</summary>
    public long EveryonePermissions { get; set; } = DefaultEveryonePermissions;

    /// <summary>
    /// What a member may do in a channel, computed as Discord does: the <c>@everyone</c> role, then the channel's
    /// <c>@everyone</c> overwrite, then the member's own overwrite (deny before allow at each step). Members hold no
    /// other roles here.
    /// </summary>
    public long PermissionsIn(string channelId, string userId)
    {
        lock (_gate)
        {
            var bits = EveryonePermissions | (userId == BotUserId ? BotPermissions : 0);
            if ((bits & 8) != 0 || !_channels.TryGetValue(channelId, out var channel))
            {
                return bits;
            }

            foreach (var id in new[] { GuildId, userId })
            {
                if (channel.Overwrites.FirstOrDefault(o => o.Id == id) is { } o)
                {
                    bits = (bits & ~o.Deny) | o.Allow;
                }
            }

            return bits;
        }
    }

    /// <summary>The commands last registered with the bulk overwrite.</summary>
    public JsonArray? Commands { get; private set; }

    /// <summary>Problems found in what the bot sent.</summary>
    public IReadOnlyList<string> Violations
    {
        get
        {
            lock (_gate)
            {
                return _violations.ToList();
            }
        }
    }

    public IReadOnlyList<RecordedRequest> Requests
    {
        get
        {
            lock (_gate)
            {
                return _requests.ToList();
            }
        }
    }

    public static async Task<DiscordEmulator> StartAsync(DiscordEmulatorOptions? options = null)
    {
        var emulator = new DiscordEmulator(null, options ?? new DiscordEmulatorOptions());
        await emulator.ListenAsync(0);
        return emulator;
    }

    /// <summary>
    /// The host's clock, when the host runs on a fake one: message timestamps and <see cref="RecordedRequest.HostAt"/>
    /// are read from it, so a test can check waits (Retry-After, backoff) in the host's time. Deadlines the emulator
    /// enforces (the 3-second interaction answer, rate-limit windows) stay on real time. Null: real time everywhere.
    /// </summary>
    public TimeProvider? HostClock { get; set; }

    /// <summary>
    /// How long a nonce sent with <c>enforce_nonce</c> is remembered. Discord checks a nonce's uniqueness only "in the
    /// past few minutes": a message sent again with the same nonce after this window is a second message. Measured on
    /// <see cref="HostClock"/> (real time when none is set), so a test can move past it.
    /// </summary>
    public TimeSpan NonceWindow { get; set; } = TimeSpan.FromMinutes(5);

    /// <summary>True while the server is listening.</summary>
    public bool IsServerRunning => _app is not null;

    /// <summary>How many times the server was started again after <see cref="StopServerAsync"/>.</summary>
    public int Restarts { get; private set; }

    /// <summary>
    /// Stops the server as a Discord outage would: every gateway connection is dropped without a close frame and
    /// every request is refused, while the model (channels, messages, members, gateway sessions and their events for
    /// replay) is kept for <see cref="StartServerAsync"/>.
    /// </summary>
    public async Task StopServerAsync()
    {
        var app = _app ?? throw new InvalidOperationException("The Discord emulator is not running.");
        _app = null;
        AbortConnections();
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
            throw new InvalidOperationException("The Discord emulator is already running.");
        }

        await ListenAsync(new Uri(BaseUrl).Port);
        Restarts++;
        Changed();
    }

    public async ValueTask DisposeAsync()
    {
        AbortConnections();
        var app = _app;
        _app = null;
        if (app is not null)
        {
            await app.StopAsync();
            await app.DisposeAsync();
        }
    }

    private async Task ListenAsync(int port)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.Services.AddTestLifetime();
        builder.WebHost.UseUrls("http://127.0.0.1:" + port.ToString(CultureInfo.InvariantCulture));
        var app = builder.Build();
        app.UseWebSockets();
        app.Run(HandleAsync);
        await app.StartAsync();
        var address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        BaseUrl = address.TrimEnd('/');
        _app = app;
    }

    private void AbortConnections()
    {
        List<GatewayConnection> open;
        lock (_gate)
        {
            open = _connections.ToList();
        }

        foreach (var c in open)
        {
            try
            {
                c.Socket.Abort();
            }
            catch (Exception ex) when (ex is ObjectDisposedException or NullReferenceException)
            {
                // The connection finished on its own meanwhile; ASP.NET may already have recycled its request, whose
                // abort then fails inside the server (seen as a NullReferenceException from DefaultHttpContext.Abort).
            }
        }
    }

    /// <summary>
    /// Configuration that points a PeerBot host at this emulator (for <c>AddInMemoryCollection</c>):
    /// the token, the server id and the API base URL.
    /// </summary>
    public IReadOnlyDictionary<string, string?> HostConfiguration() => new Dictionary<string, string?>
    {
        ["PeerBot:Discord:Token"] = Token,
        ["PeerBot:Discord:GuildId"] = GuildId,
        ["PeerBot:Discord:ApiBaseUrl"] = ApiBaseUrl,
    };

    /// <summary>Fails the test when anything the bot sent broke the API description or the protocol.</summary>
    public void AssertNoViolations()
    {
        var violations = Violations;
        if (violations.Count > 0)
        {
            throw new InvalidOperationException("Discord emulator found problems:\n" + string.Join("\n", violations));
        }
    }

    /// <summary>Adds a person to the server; returns their user id.</summary>
    public string AddMember(string username, bool bot = false)
    {
        var id = NextId();
        lock (_gate)
        {
            _users[id] = (username, bot);
            _members.Add(id);
        }

        return id;
    }

    /// <summary>Takes the bot out of the server (as if never invited).</summary>
    public void RemoveBotFromGuild()
    {
        lock (_gate)
        {
            _members.Remove(BotUserId);
        }
    }

    /// <summary>Adds a channel as if a person made it.</summary>
    public EmulatedChannel AddChannel(string name, int type = 0, string? parentId = null)
    {
        var channel = new EmulatedChannel { Id = NextId(), Type = type, Name = name, ParentId = parentId };
        lock (_gate)
        {
            _channels[channel.Id] = channel;
        }

        Changed();
        return channel;
    }

    public IReadOnlyList<EmulatedChannel> Channels
    {
        get
        {
            lock (_gate)
            {
                return _channels.Values.ToList();
            }
        }
    }

    public EmulatedChannel? FindChannel(string id)
    {
        lock (_gate)
        {
            return _channels.GetValueOrDefault(id);
        }
    }

    public EmulatedChannel? FindChannelByName(string name)
    {
        lock (_gate)
        {
            return _channels.Values.FirstOrDefault(c => c.Name == name);
        }
    }

    /// <summary>The DM channel between the bot and a person, if one was opened.</summary>
    public EmulatedChannel? DirectChannel(string userId)
    {
        lock (_gate)
        {
            return _channels.Values.FirstOrDefault(c => c.Type == 1 && c.RecipientId == userId);
        }
    }

    /// <summary>Live messages in a channel, oldest first.</summary>
    public IReadOnlyList<EmulatedMessage> MessagesIn(string channelId)
    {
        lock (_gate)
        {
            return _channels.TryGetValue(channelId, out var c) ? c.Messages.Where(m => !m.Deleted).ToList() : [];
        }
    }

    /// <summary>Waits for a condition on the emulator's state; state changes wake it, the timeout is a safety net.</summary>
    public async Task WaitUntilAsync(Func<bool> condition, TimeSpan? timeout = null, string? what = null)
    {
        ArgumentNullException.ThrowIfNull(condition);
        using var cts = new CancellationTokenSource(timeout ?? TimeSpan.FromSeconds(20));
        while (true)
        {
            Task changed;
            lock (_gate)
            {
                changed = _changed.Task;
            }

            if (condition())
            {
                return;
            }

            try
            {
                await changed.WaitAsync(cts.Token);
            }
            catch (OperationCanceledException)
            {
                throw new TimeoutException("Timed out waiting for " + (what ?? "a condition") + ". Violations: " + string.Join("; ", Violations));
            }
        }
    }

    internal void Changed()
    {
        TaskCompletionSource old;
        lock (_gate)
        {
            old = _changed;
            _changed = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        }

        old.TrySetResult();
    }

    internal void Violation(string text)
    {
        lock (_gate)
        {
            _violations.Add(text);
        }

        Changed();
    }

    /// <summary>
    /// The next request that <paramref name="match"/> accepts (method, path, body) gets no answer until its connection
    /// drops, as when the caller dies waiting: with <paramref name="afterActing"/> Discord has acted on it (a message is
    /// stored), without it nothing happened. The returned task completes when such a request arrives.
    /// </summary>
    public Task HoldNext(Func<string, string, JsonNode?, bool> match, bool afterActing)
    {
        var hold = new RequestHold(match, afterActing);
        lock (_gate)
        {
            _holds.Add(hold);
        }

        return hold.Arrived.Task;
    }

    private RequestHold? TakeHold(string method, string path, JsonNode? body)
    {
        lock (_gate)
        {
            var hold = _holds.FirstOrDefault(h => h.Match(method, path, body));
            if (hold is not null)
            {
                _holds.Remove(hold);
            }

            return hold;
        }
    }

    private static async Task HoldAsync(Microsoft.AspNetCore.Http.HttpContext context, RequestHold hold)
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

    private sealed record RequestHold(Func<string, string, JsonNode?, bool> Match, bool AfterActing)
    {
        public TaskCompletionSource Arrived { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);
    }

    internal string NextId() => Interlocked.Increment(ref _nextId).ToString(CultureInfo.InvariantCulture);

    /// <summary>
    /// A message's id: like Discord's, a snowflake whose top bits are the milliseconds since 2015 on the host's clock (so
    /// <c>after</c> and <c>before</c> in a channel's history follow time), increasing even when the clock stands still.
    /// </summary>
    internal string NextMessageId()
    {
        var ms = Math.Max(0, ((HostClock ?? Clock).GetUtcNow() - DiscordEpoch).Ticks / TimeSpan.TicksPerMillisecond);
        long previous, next;
        do
        {
            previous = Interlocked.Read(ref _lastMessageId);
            next = Math.Max(ms << 22, previous + 1);
        }
        while (Interlocked.CompareExchange(ref _lastMessageId, next, previous) != previous);
        return next.ToString(CultureInfo.InvariantCulture);
    }

    internal static readonly TimeProvider Clock = TimeProvider.System;

    internal static string Now() => Clock.GetUtcNow().ToString("O", CultureInfo.InvariantCulture);

    /// <summary>Now on the host's clock when one is set (message timestamps), else real time.</summary>
    internal string HostNow() => (HostClock ?? Clock).GetUtcNow().ToString("O", CultureInfo.InvariantCulture);

    private static JsonObject Error(int code, string message) => new() { ["code"] = code, ["message"] = message };

    private static (int, JsonNode?) NotFound(int code, string what) => ((int)HttpStatusCode.NotFound, Error(code, "Unknown " + what));
}
