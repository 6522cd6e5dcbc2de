using Microsoft.Extensions.Logging.Abstractions;
using PeerBot.Core.Configuration;
using PeerBot.Core.Platform;
using PeerBot.Discord.Rest;
using PeerBot.Testing;
using PeerBot.Testing.Discord;

namespace PeerBot.Discord.Tests;

/// <summary>Direct messages against the emulator, on a fake clock: how DM channels are opened, paced and remembered.</summary>
public sealed class DirectMessageTests : IAsyncDisposable
{
    private const string OpenRoute = "POST /users/@me/channels";
    private static readonly TimeSpan Interval = TimeSpan.FromMilliseconds(100);
    private readonly SignallingTimeProvider _time = new();
    private readonly RecordingStore _store = new();
    private readonly List<IDisposable> _owned = [];
    private DiscordEmulator? _emulator;

    public async ValueTask DisposeAsync()
    {
        foreach (var owned in _owned)
        {
            owned.Dispose();
        }

        if (_emulator is not null)
        {
            await _emulator.DisposeAsync();
        }
    }

    [Fact]
    public async Task SendDirectMessage_DiscordSaysOpeningTooFast_WaitsRetriesAndDeliversEveryMessage()
    {
        var discord = await EmulatorAsync(new DiscordEmulatorOptions { DirectChannelOpenLimit = 3, DirectChannelOpenWindow = TimeSpan.FromSeconds(10) });
        var people = Enumerable.Range(0, 8).Select(i => discord.AddMember("resident" + i)).ToList();
        var (platform, rest) = Platform();

        var sends = Task.WhenAll(people.Select(p => platform.SendDirectMessageAsync(p, OutgoingMessage.Plain("welcome"), default)));
        await DriveAsync(rest, sends);

        Assert.All(people, p => Assert.Equal("welcome", Assert.Single(discord.MessagesIn(discord.DirectChannel(p)!.Id)).Content));
        Assert.True(discord.DirectOpensRefused > 0);
        var opened = discord.Requests.Where(r => r.Route == OpenRoute && r.Status == 200).Select(r => r.HostAt!.Value).ToList();
        Assert.Equal(8, opened.Count);
        Assert.All(opened.Zip(opened.Skip(1)), pair => Assert.True(pair.Second - pair.First >= Interval, $"opened {pair.Second - pair.First} apart"));
        discord.AssertNoViolations();
    }

    [Fact]
    public async Task SendDirectMessage_BurstThenMore_FirstOpenAtOnceThenOnePerInterval()
    {
        var discord = await EmulatorAsync();
        var people = Enumerable.Range(0, 6).Select(i => discord.AddMember("resident" + i)).ToList();
        var (platform, rest) = Platform(burst: 4);
        var start = _time.GetUtcNow();

        var sends = Task.WhenAll(people.Select(p => platform.SendDirectMessageAsync(p, OutgoingMessage.Plain("welcome"), default)));
        await DriveAsync(rest, sends);

        var opened = discord.Requests.Where(r => r.Route == OpenRoute).Select(r => r.HostAt!.Value - start).ToList();
        Assert.Equal([TimeSpan.Zero, TimeSpan.Zero, TimeSpan.Zero, TimeSpan.Zero, Interval, Interval * 2], opened);
        discord.AssertNoViolations();
    }

    [Fact]
    public async Task SendDirectMessage_RefusedAsTooFastBeyondRetries_IsRateLimitedNotMissingPermission()
    {
        var discord = await EmulatorAsync(new DiscordEmulatorOptions { DirectChannelOpenLimit = 1, DirectChannelOpenWindow = TimeSpan.FromDays(1) });
        var ana = discord.AddMember("ana");
        var ben = discord.AddMember("ben");
        var (platform, rest) = Platform();
        await DriveAsync(rest, platform.SendDirectMessageAsync(ana, OutgoingMessage.Plain("hi"), default));

        var send = platform.SendDirectMessageAsync(ben, OutgoingMessage.Plain("hi"), default);
        var ex = await Assert.ThrowsAsync<PlatformException>(() => DriveAsync(rest, send));

        Assert.Equal(PlatformErrorKind.RateLimited, ex.Kind);
        Assert.True(ex.IsTransient);
        Assert.DoesNotContain("permission", ex.Message, StringComparison.OrdinalIgnoreCase);
        Assert.Equal(3, discord.DirectOpensRefused);
    }

    [Fact]
    public async Task SendDirectMessage_AfterRestart_UsesTheRememberedChannelWithoutOpeningAnother()
    {
        var discord = await EmulatorAsync();
        var ana = discord.AddMember("ana");
        var (first, rest) = Platform();
        await DriveAsync(rest, first.SendDirectMessageAsync(ana, OutgoingMessage.Plain("welcome"), default));

        // A new process: nothing in memory, the same store.
        var (second, rest2) = Platform();
        await DriveAsync(rest2, second.SendDirectMessageAsync(ana, OutgoingMessage.Plain("prompt"), default));

        Assert.Single(discord.Requests, r => r.Route == OpenRoute);
        Assert.Equal(["welcome", "prompt"], discord.MessagesIn(discord.DirectChannel(ana)!.Id).Select(m => m.Content));

        // Kept under a one-way key: the person's user id never reaches the store.
        var key = Assert.Single(_store.Keys);
        Assert.DoesNotContain(ana, key, StringComparison.Ordinal);
        discord.AssertNoViolations();
    }

    [Fact]
    public async Task SendDirectMessage_RememberedChannelUnknownToDiscord_OpensItAfresh()
    {
        var discord = await EmulatorAsync();
        var ana = discord.AddMember("ana");
        _store.Save(PlatformKind.Discord, DiscordChatPlatform.DirectChannelKey(ana), "999999999999999999");
        var (platform, rest) = Platform();

        await DriveAsync(rest, platform.SendDirectMessageAsync(ana, OutgoingMessage.Plain("hello"), default));

        var dm = discord.DirectChannel(ana)!;
        Assert.Equal("hello", Assert.Single(discord.MessagesIn(dm.Id)).Content);
        Assert.Equal(dm.Id, _store.Find(PlatformKind.Discord, DiscordChatPlatform.DirectChannelKey(ana)));
    }

    [Fact]
    public async Task ForgetPerson_DropsTheRememberedChannel_InMemoryAndInTheStore()
    {
        var discord = await EmulatorAsync();
        var ana = discord.AddMember("ana");
        var ben = discord.AddMember("ben");
        var (platform, rest) = Platform(burst: 2);
        await DriveAsync(rest, platform.SendDirectMessageAsync(ana, OutgoingMessage.Plain("welcome"), default));
        await DriveAsync(rest, platform.SendDirectMessageAsync(ben, OutgoingMessage.Plain("welcome"), default));

        await platform.ForgetPersonAsync(ana, default);

        Assert.Null(_store.Find(PlatformKind.Discord, DiscordChatPlatform.DirectChannelKey(ana)));
        Assert.NotNull(_store.Find(PlatformKind.Discord, DiscordChatPlatform.DirectChannelKey(ben)));

        // Not kept in memory either: a later message opens the channel again.
        await DriveAsync(rest, platform.SendDirectMessageAsync(ana, OutgoingMessage.Plain("later"), default));
        Assert.Equal(3, discord.Requests.Count(r => r.Route == OpenRoute));
    }

    private async Task<DiscordEmulator> EmulatorAsync(DiscordEmulatorOptions? options = null)
    {
        _emulator = await DiscordEmulator.StartAsync(options);
        _emulator.HostClock = _time;
        return _emulator;
    }

    private (DiscordChatPlatform Platform, DiscordRestClient Client) Platform(int burst = 1)
    {
        var options = new DiscordAdapterOptions
        {
            DirectChannelOpenInterval = Interval,
            DirectChannelOpenBurst = burst,
            DirectChannelOpenBackoff = TimeSpan.FromSeconds(5),
            DirectChannelOpenMaxBackoff = TimeSpan.FromSeconds(20),
            DirectChannelOpenRetries = 2,
            RateLimitMargin = TimeSpan.Zero,

            // Far beyond any wait here, so the clock is never moved onto a request's own timeout (see DriveAsync).
            RequestTimeout = TimeSpan.FromHours(1),
        };
        var http = new HttpClient();
        var rest = new DiscordRestClient(http, _emulator!.ApiBaseUrl, _emulator.Token, options, _time, NullLogger<DiscordRestClient>.Instance);
        var session = new DiscordSession(new DiscordOptions { GuildId = DiscordEmulator.GuildId, CategoryName = "Peer Support" });
        var platform = new DiscordChatPlatform(rest, session, options, NullLogger<DiscordChatPlatform>.Instance, _time, _store);
        _owned.Add(http);
        _owned.Add(session);
        _owned.Add(platform);
        return (platform, rest);
    }

    /// <summary>
    /// Moves the fake clock to the next pacing or backoff timer whenever everything the adapter does waits on it, until
    /// the work ends. Between one request and the next the adapter is briefly in none (idle for a moment while a request
    /// is about to start), so timers as far off as a request's timeout are never the next step: only waits of minutes.
    /// </summary>
    private async Task DriveAsync(DiscordRestClient rest, Task work)
    {
        using var safetyNet = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        while (!work.IsCompleted)
        {
            var created = _time.WhenTimerCreated;
            await Task.WhenAny(work, rest.Activity.WhenIdleAsync(safetyNet.Token)).WaitAsync(safetyNet.Token);
            if (work.IsCompleted)
            {
                break;
            }

            if (_time.NextDue is { } due && due - _time.GetUtcNow() < TimeSpan.FromMinutes(10))
            {
                _time.AdvanceTo(due);
            }
            else
            {
                await Task.WhenAny(work, created).WaitAsync(safetyNet.Token);
            }
        }

        await work;
    }

    /// <summary>The in-memory store, recording the keys it was given.</summary>
    private sealed class RecordingStore : IDirectChannelStore
    {
        private readonly InMemoryDirectChannelStore _inner = new();

        public System.Collections.Concurrent.ConcurrentBag<string> Keys { get; } = [];

        public string? Find(PlatformKind platform, string personKey) => _inner.Find(platform, personKey);

        public void Save(PlatformKind platform, string personKey, string channelId)
        {
            Keys.Add(personKey);
            _inner.Save(platform, personKey, channelId);
        }

        public void Forget(PlatformKind platform, string personKey) => _inner.Forget(platform, personKey);
    }
}
