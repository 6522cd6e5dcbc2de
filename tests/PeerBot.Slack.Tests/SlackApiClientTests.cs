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

        Assert.Equal(TimeSpan.FromMinutes(1), await waiting);
        Assert.True(other.IsCompletedSuccessfully);
        Assert.False(fourth.IsCompleted);
        time.Advance(TimeSpan.FromSeconds(59));
        Assert.False(fourth.IsCompleted);
        time.Advance(TimeSpan.FromSeconds(1));
        await fourth.WaitAsync(TimeSpan.FromSeconds(20));
    }
}
