using System.Text.Json.Nodes;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;
using PeerBot.Core.Platform;
using PeerBot.Slack.Api;
using PeerBot.Slack.Tests.Support;
using PeerBot.Testing.Slack;

namespace PeerBot.Slack.Tests;

public sealed class SlackApiClientTests
{
    private static readonly CancellationToken None = CancellationToken.None;

    private static Task<TimeSpan> NextDelayAsync(SlackTimers timers, string purposePrefix)
    {
        var started = new TaskCompletionSource<TimeSpan>(TaskCreationOptions.RunContinuationsAsynchronously);
        void OnDelay(TimeSpan delay, string purpose)
        {
            if (purpose.StartsWith(purposePrefix, StringComparison.Ordinal))
            {
                started.TrySetResult(delay);
                timers.DelayStarted -= OnDelay;
            }
        }

        timers.DelayStarted += OnDelay;
        return started.Task.WaitAsync(TimeSpan.FromSeconds(20));
    }

    [Fact]
    public async Task Post_429WithRetryAfter_WaitsExactlyThatLongThenRetries()
    {
        await using var harness = await SlackHarness.StartAsync(e => e.AddUser("U0ANA", "ana"));
        var dm = await harness.Platform.OpenDirectChannelAsync("U0ANA", None);
        harness.Emulator.FailNext("chat.postMessage", 429, retryAfterSeconds: 30);
        var waiting = NextDelayAsync(harness.Timers, "retry-after");

        var post = harness.Platform.PostMessageAsync(new ChannelRef(PlatformKind.Slack, dm), OutgoingMessage.Plain("hello"), None);
        Assert.Equal(TimeSpan.FromSeconds(30), await waiting);
        harness.Time.Advance(TimeSpan.FromSeconds(29));

        Assert.False(post.IsCompleted);
        Assert.Single(harness.Emulator.Calls, c => c.Method == "chat.postMessage");
        harness.Time.Advance(TimeSpan.FromSeconds(1));
        await post.WaitAsync(TimeSpan.FromSeconds(20));
        Assert.Equal(2, harness.Emulator.Calls.Count(c => c.Method == "chat.postMessage"));
        Assert.Single(harness.Emulator.DirectMessagesTo("U0ANA"));
        Assert.Contains(harness.Logs.Lines, l => l.Message.Contains("rate-limited chat.postMessage", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Post_429_HoldsBackOtherCallsOfTheSameMethodButNotOthers()
    {
        await using var harness = await SlackHarness.StartAsync(e => e.AddUser("U0ANA", "ana"));
        var channel = await harness.Platform.EnsurePrivateChannelAsync(new PrivateChannelSpec("g", "g", "t", ["U0ANA"], null), None);
        harness.Emulator.FailNext("chat.postMessage", 429, retryAfterSeconds: 10);
        var waiting = NextDelayAsync(harness.Timers, "retry-after");

        var first = harness.Platform.PostMessageAsync(channel, OutgoingMessage.Plain("one"), None);
        await waiting;
        var second = harness.Platform.PostMessageAsync(channel, OutgoingMessage.Plain("two"), None);
        await harness.Platform.AddMemberAsync(channel, "U0ANA", None);

        Assert.False(first.IsCompleted);
        Assert.False(second.IsCompleted);
        harness.Time.Advance(TimeSpan.FromSeconds(10));
        await Task.WhenAll(first, second).WaitAsync(TimeSpan.FromSeconds(20));
        Assert.Equal(2, harness.Emulator.Channel(channel.Id).Messages.Count);
    }

    /// <summary>
    /// Starts <paramref name="start"/> and moves the fake clock by each wait the adapter starts until it is done; never
    /// sleeps. Before each move it waits (on the emulator) until <paramref name="settled"/> holds, so calls already let
    /// through reach Slack at the time they were let through.
    /// </summary>
    private static async Task DriveClockAsync(SlackHarness harness, Func<Task> start, Func<SlackEmulator, bool>? settled = null)
    {
        var delays = System.Threading.Channels.Channel.CreateUnbounded<TimeSpan>();
        void OnDelay(TimeSpan delay, string purpose)
        {
            // Only the waits of Web API calls: the socket's own timers (keep-alive, idle watchdog) are left alone.
            if (purpose.StartsWith("rate-limit", StringComparison.Ordinal) || purpose.StartsWith("retry-after", StringComparison.Ordinal))
            {
                delays.Writer.TryWrite(delay);
            }
        }

        harness.Timers.DelayStarted += OnDelay;
        try
        {
            var work = start();
            while (!work.IsCompleted)
            {
                var next = delays.Reader.ReadAsync().AsTask();
                if (await Task.WhenAny(work, next).WaitAsync(TimeSpan.FromSeconds(20)) == next)
                {
                    if (settled is not null)
                    {
                        await harness.Emulator.WaitUntilAsync(settled, what: "the calls let through so far");
                    }

                    harness.Time.Advance(await next);
                }
            }

            await work;
        }
        finally
        {
            harness.Timers.DelayStarted -= OnDelay;
        }
    }

    [Fact]
    public async Task SendDirectMessage_BurstToManyPeopleBeyondTheWorkspaceLimit_SpacedOutWithoutA429()
    {
        var people = Enumerable.Range(0, 30).Select(i => $"U0P{i:D4}").ToList();
        await using var harness = await SlackHarness.StartAsync(
            e =>
            {
                people.ForEach(p => e.AddUser(p, p.ToLowerInvariant()));
                e.PostMessagesPerMinutePerChannel = 60;
                e.PostMessagesPerMinutePerWorkspace = 20;
            },
            configure: o =>
            {
                o.PostMessagesPerMinutePerWorkspace = 20;

                // The clock jumps a minute while posts are in flight; their request timeouts are not what is tested.
                o.RequestTimeout = TimeSpan.FromDays(1);
            });
        var start = harness.Time.GetUtcNow();

        // The workspace's budget lets 20 through at once; the other ten wait for the minute to pass.
        await DriveClockAsync(
            harness,
            () => Task.WhenAll(people.Select(p => harness.Platform.SendDirectMessageAsync(p, OutgoingMessage.Plain("Welcome to Tuesday Circle"), None))),
            e => e.Calls.Count(c => c.Method == "chat.postMessage") >= 20);

        var posts = harness.Emulator.Calls.Where(c => c.Method == "chat.postMessage").ToList();
        Assert.All(posts, c => Assert.Equal(200, c.Status));
        Assert.Equal(30, posts.Count);
        Assert.Equal(20, posts.Count(c => c.At == start));
        Assert.All(posts.Skip(20), c => Assert.True(c.At >= start + TimeSpan.FromMinutes(1), $"posted at {c.At}"));
        Assert.All(people, p => Assert.Single(harness.Emulator.DirectMessagesTo(p)));
    }

    [Fact]
    public async Task SendDirectMessage_ToUserIdThenToTheDm_CountsAsOneChannelWithoutA429()
    {
        await using var harness = await SlackHarness.StartAsync(
            e =>
            {
                e.AddUser("U0ANA", "ana");
                e.PostMessagesPerMinutePerChannel = 1;
            },
            configure: o =>
            {
                o.PostMessagesPerMinutePerChannel = 1;
                o.RequestTimeout = TimeSpan.FromDays(1);
            });

        await harness.Platform.SendDirectMessageAsync("U0ANA", OutgoingMessage.Plain("Welcome"), None);
        await DriveClockAsync(harness, () => harness.Platform.SendDirectMessageAsync("U0ANA", OutgoingMessage.Plain("Your check-in"), None));

        var posts = harness.Emulator.Calls.Where(c => c.Method == "chat.postMessage").ToList();
        Assert.Equal(2, posts.Count);
        Assert.All(posts, c => Assert.Equal(200, c.Status));
        Assert.Equal(TimeSpan.FromMinutes(1) + SlackRateLimiter.LatencyAllowance, posts[1].At - posts[0].At);
    }

    [Fact]
    public async Task Post_429InOneChannel_HoldsBackPostsToOtherChannelsUntilRetryAfter()
    {
        await using var harness = await SlackHarness.StartAsync(e => { e.AddUser("U0ANA", "ana"); e.AddUser("U0BEN", "ben"); });
        harness.Emulator.FailNext("chat.postMessage", 429, retryAfterSeconds: 5);
        var waiting = NextDelayAsync(harness.Timers, "retry-after");

        var first = harness.Platform.SendDirectMessageAsync("U0ANA", OutgoingMessage.Plain("one"), None);
        Assert.Equal(TimeSpan.FromSeconds(5), await waiting);
        var other = harness.Platform.SendDirectMessageAsync("U0BEN", OutgoingMessage.Plain("two"), None);

        Assert.False(other.IsCompleted);
        Assert.Single(harness.Emulator.Calls, c => c.Method == "chat.postMessage");
        harness.Time.Advance(TimeSpan.FromSeconds(5));
        await Task.WhenAll(first, other).WaitAsync(TimeSpan.FromSeconds(20));
        Assert.Equal(3, harness.Emulator.Calls.Count(c => c.Method == "chat.postMessage"));
    }

    [Fact]
    public async Task Post_ServerErrors_RetriedWithBackoffThenSucceeds()
    {
        await using var harness = await SlackHarness.StartAsync(e => e.AddUser("U0ANA", "ana"));
        harness.Emulator.FailNext("conversations.open", 503, times: 2);

        var waiting = NextDelayAsync(harness.Timers, "retry conversations.open");
        var open = harness.Platform.OpenDirectChannelAsync("U0ANA", None);
        var firstDelay = await waiting;
        waiting = NextDelayAsync(harness.Timers, "retry conversations.open");
        harness.Time.Advance(firstDelay);
        var secondDelay = await waiting;
        harness.Time.Advance(secondDelay);
        await open.WaitAsync(TimeSpan.FromSeconds(20));

        Assert.InRange(firstDelay, TimeSpan.FromSeconds(0.5), TimeSpan.FromSeconds(1));
        Assert.InRange(secondDelay, TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(2));
        Assert.Equal(3, harness.Emulator.Calls.Count(c => c.Method == "conversations.open"));
    }

    [Fact]
    public async Task Post_ServerErrorsBeyondRetries_IsUnavailable()
    {
        await using var harness = await SlackHarness.StartAsync(e => e.AddUser("U0ANA", "ana"), configure: o => o.MaxServerErrorRetries = 0);
        harness.Emulator.FailNext("chat.postMessage", 500);

        var error = await Assert.ThrowsAsync<PlatformException>(() => harness.Platform.SendDirectMessageAsync("U0ANA", OutgoingMessage.Plain("x"), None));

        Assert.Equal(PlatformErrorKind.Unavailable, error.Kind);
        Assert.True(error.IsTransient);
    }

    [Fact]
    public async Task Post_InvalidAuth_IsUnauthorizedAndMessageHasNoToken()
    {
        await using var harness = await SlackHarness.StartAsync(e => e.AddUser("U0ANA", "ana"));
        harness.Emulator.RejectAllTokens = true;

        var error = await Assert.ThrowsAsync<PlatformException>(() => harness.Platform.SendDirectMessageAsync("U0ANA", OutgoingMessage.Plain("x"), None));

        Assert.Equal(PlatformErrorKind.Unauthorized, error.Kind);
        Assert.DoesNotContain(SlackEmulator.BotToken, error.Message, StringComparison.Ordinal);
        Assert.DoesNotContain(SlackEmulator.BotToken, harness.Logs.AllText, StringComparison.Ordinal);
        Assert.DoesNotContain(SlackEmulator.AppToken, harness.Logs.AllText, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Call_ParameterNotInPublishedDescription_IsCaughtByTheEmulator()
    {
        await using var harness = await SlackHarness.StartAsync();
        harness.IgnoreViolations = true;
        var api = harness.Host.Services.GetRequiredService<SlackApiClient>();

        var error = await Assert.ThrowsAsync<SlackApiException>(() =>
            api.PostAsync("chat.postMessage", new JsonObject { ["channel"] = "C1", ["text"] = "x", ["shout"] = true }, None));
        await Assert.ThrowsAsync<SlackApiException>(() => api.PostAsync("users.info", new JsonObject { ["user"] = "U1" }, None));
        await Assert.ThrowsAsync<SlackApiException>(() => api.PostAsync("chat.postMessage", new JsonObject { ["text"] = "x" }, None));

        Assert.Equal("invalid_arguments", error.Error);
        Assert.Contains(harness.Emulator.Violations, v => v.Contains("no parameter 'shout'", StringComparison.Ordinal));
        Assert.Contains(harness.Emulator.Violations, v => v.Contains("users.info is described for GET, not POST", StringComparison.Ordinal));
        Assert.Contains(harness.Emulator.Violations, v => v.Contains("requires 'channel'", StringComparison.Ordinal));
    }

    [Fact]
    public async Task RateLimiter_BudgetSpent_WaitsForTheWindowToSlide()
    {
        var time = new FakeTimeProvider();
        var timers = new SlackTimers(time);
        var limiter = new SlackRateLimiter(timers);
        for (var i = 0; i < 3; i++)
        {
            await limiter.WaitAsync("conversations.create", 3, None);
        }

        var waiting = NextDelayAsync(timers, "rate-limit");
        var fourth = limiter.WaitAsync("conversations.create", 3, None);
        var other = limiter.WaitAsync("conversations.invite", 3, None);

        Assert.Equal(TimeSpan.FromMinutes(1) + SlackRateLimiter.LatencyAllowance, await waiting);
        Assert.True(other.IsCompletedSuccessfully);
        Assert.False(fourth.IsCompleted);
        time.Advance(TimeSpan.FromMinutes(1));
        Assert.False(fourth.IsCompleted);
        time.Advance(SlackRateLimiter.LatencyAllowance);
        await fourth.WaitAsync(TimeSpan.FromSeconds(20));
    }
}
