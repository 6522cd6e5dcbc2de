using System.Diagnostics;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using PeerBot.Core.Platform;
using PeerBot.Discord.Gateway;
using PeerBot.Testing.Discord;
using Xunit.Abstractions;

namespace PeerBot.Discord.Tests;

public sealed class ResilienceTests(ITestOutputHelper output)
{
    private const string MessagesRoute = "POST /channels/{channel_id}/messages";

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(3)]
    public async Task Gateway_DropsAtRandomMoments_ResumesWithNoMessageLostOrDuplicated(int seed)
    {
        await using var h = await AdapterHarness.StartAsync();
        var ana = h.Emulator.AddMember("ana");
        var group = await h.Platform.EnsurePrivateChannelAsync(new PrivateChannelSpec("g1", "Circle", "t", [ana], null), default);
        var random = new Random(seed);
        var expected = new List<string>();

        for (var i = 0; i < 300; i++)
        {
            expected.Add("m" + i);
            await h.Emulator.InjectMessageAsync(group.Id, ana, "m" + i);
            switch (random.Next(12))
            {
                case 0:
                    await h.Emulator.DropConnectionAsync(null);
                    break;
                case 1:
                    await h.Emulator.DropConnectionAsync(4000);
                    break;
                case 2:
                    await h.Emulator.SendReconnectAsync();
                    break;
                case 3:
                    await h.Emulator.SendInvalidSessionAsync(resumable: true);
                    break;
            }
        }

        await h.Emulator.InjectMessageAsync(group.Id, ana, "end");
        expected.Add("end");
        await h.Handler.WaitUntilAsync(() => h.Handler.Messages.Any(m => m.Text == "end"), "the last message", TimeSpan.FromSeconds(60));

        Assert.Equal(expected, h.Handler.Messages.Select(m => m.Text));
        Assert.True(h.Emulator.Resumes > 0);
        Assert.Equal(1, h.Emulator.Identifies);
        h.Emulator.AssertNoViolations();
    }

    [Fact]
    public async Task Gateway_InvalidSessionNotResumable_IdentifiesAfresh()
    {
        await using var h = await AdapterHarness.StartAsync();

        var ana = h.Emulator.AddMember("ana");
        var dm = h.Emulator.OpenDirectChannel(ana);

        await h.Emulator.SendInvalidSessionAsync(resumable: false);
        await h.Emulator.WaitUntilAsync(() => h.Emulator.Identifies == 2 && h.Emulator.IsConnected, what: "a second identify");
        await h.Emulator.InjectMessageAsync(dm.Id, ana, "new session");

        await h.Handler.WaitUntilAsync(() => h.Handler.Messages.Any(m => m.Text == "new session"), "a message in the new session");
        Assert.Equal(0, h.Emulator.Resumes);
        h.Emulator.AssertNoViolations();
    }

    [Fact]
    public async Task Gateway_SessionTimedOut4009_IdentifiesNewSessionWithoutResuming()
    {
        await using var h = await AdapterHarness.StartAsync();
        var ana = h.Emulator.AddMember("ana");
        var dm = h.Emulator.OpenDirectChannel(ana);

        await h.Emulator.DropConnectionAsync(4009);
        await h.Emulator.WaitUntilAsync(() => h.Emulator.Identifies == 2 && h.Emulator.IsConnected, what: "a second identify");
        await h.Emulator.InjectMessageAsync(dm.Id, ana, "new session");

        await h.Handler.WaitUntilAsync(() => h.Handler.Messages.Any(m => m.Text == "new session"), "a message in the new session");
        // Discord ends a timed-out session: a Resume would only be answered with op 9.
        Assert.Equal(0, h.Emulator.Resumes);
        h.Emulator.AssertNoViolations();
    }

    [Fact]
    public async Task Gateway_HeartbeatsNotAcked_ReplacesZombieAndResumes()
    {
        await using var h = await AdapterHarness.StartAsync(emulatorOptions: new DiscordEmulatorOptions { HeartbeatIntervalMs = 100 });
        var ana = h.Emulator.AddMember("ana");
        var dm = h.Emulator.OpenDirectChannel(ana);
        var gateway = h.Host.Services.GetRequiredService<GatewayClient>();

        h.Emulator.AckHeartbeats(false);
        await h.Emulator.WaitUntilAsync(() => gateway.ZombieCount >= 1, what: "zombie detection");
        h.Emulator.AckHeartbeats(true);
        await h.Emulator.InjectMessageAsync(dm.Id, ana, "after");

        await h.Handler.WaitUntilAsync(() => h.Handler.Messages.Any(m => m.Text == "after"), "the message after the zombie");
        await h.Emulator.WaitUntilAsync(() => h.Emulator.Resumes >= 1, what: "a resume");
        Assert.Equal(1, h.Emulator.Identifies);
        h.Emulator.AssertNoViolations();
    }

    [Theory]
    [InlineData(4014, "Message Content Intent")]
    [InlineData(4004, "PeerBot:Discord:Token")]
    [InlineData(4013, "intents")]
    public async Task Gateway_FatalCloseCode_StopsHostWithWhatToFix(int code, string hint)
    {
        await using var h = await AdapterHarness.StartAsync(prepare: e => e.CloseIdentifyWith(code), waitUntilConnected: false);
        var lifetime = h.Host.Services.GetRequiredService<IHostApplicationLifetime>();
        var stopping = new TaskCompletionSource();
        lifetime.ApplicationStopping.Register(() => stopping.TrySetResult());

        await stopping.Task.WaitAsync(TimeSpan.FromSeconds(20));

        Assert.Contains(hint, h.Fatal.Message, StringComparison.Ordinal);
        Assert.Contains(h.Logs.Lines, l => l.Level == LogLevel.Critical && l.Text.Contains(hint, StringComparison.Ordinal));
        Assert.Equal(1, h.Emulator.Identifies);
    }

    [Fact]
    public async Task Gateway_LoopFailsOnSomethingUnplanned_RestartedNotStopped()
    {
        // The first socket fails in a way the gateway loop does not handle (as an aborted socket closed twice did).
        var sockets = new FailingFirstTransportFactory();
        await using var h = await AdapterHarness.StartAsync(services: s => s.AddSingleton<IGatewayTransportFactory>(sockets));

        Assert.Equal(2, sockets.Created);
        Assert.Null(h.Fatal.Message);
        Assert.Contains(h.Logs.Lines, l => l.Level == LogLevel.Error && l.Text.Contains("Discord connection loop failed", StringComparison.Ordinal));
        Assert.False(h.Host.Services.GetRequiredService<IHostApplicationLifetime>().ApplicationStopping.IsCancellationRequested);
    }

    private sealed class FailingFirstTransportFactory : IGatewayTransportFactory
    {
        private int _created;

        public int Created => Volatile.Read(ref _created);

        public IGatewayTransport Create() =>
            Interlocked.Increment(ref _created) == 1
                ? throw new InvalidOperationException("The socket was in a state nobody planned for.")
                : new ClientWebSocketTransport();
    }

    [Fact]
    public async Task Start_TokenRejected_StopsHostWithWhatToFix()
    {
        await using var h = await AdapterHarness.StartAsync(emulatorOptions: new DiscordEmulatorOptions(), prepare: null, waitUntilConnected: false, token: "wrong.token");
        var lifetime = h.Host.Services.GetRequiredService<IHostApplicationLifetime>();
        var stopping = new TaskCompletionSource();
        lifetime.ApplicationStopping.Register(() => stopping.TrySetResult());

        await stopping.Task.WaitAsync(TimeSpan.FromSeconds(20));

        Assert.Contains("PeerBot:Discord:Token", h.Fatal.Message, StringComparison.Ordinal);
        Assert.DoesNotContain("wrong.token", h.Logs.All, StringComparison.Ordinal);
        Assert.Single(h.Emulator.Requests, r => r.Status == 401);
    }

    [Fact]
    public async Task PostMessage_BurstOf500AgainstRateLimits_NeverSendsOnExhaustedBucket()
    {
        await using var h = await AdapterHarness.StartAsync(
            o => o.GlobalRequestsPerSecond = 100_000,
            new DiscordEmulatorOptions { GlobalRequestsPerSecond = 0 });
        var group = await h.Platform.EnsurePrivateChannelAsync(new PrivateChannelSpec("g1", "Circle", "t", [], null), default);
        h.Emulator.SetRouteLimit(MessagesRoute, 25, 0.05, "messages");
        var clock = Stopwatch.StartNew();

        var posts = await Task.WhenAll(Enumerable.Range(0, 500).Select(i => h.Platform.PostMessageAsync(group, OutgoingMessage.Plain("post " + i), default)));

        clock.Stop();
        output.WriteLine($"500 posts in {clock.ElapsedMilliseconds} ms");
        Assert.Equal(500, posts.Select(p => p.Id).Distinct().Count());
        Assert.Equal(500, h.Emulator.MessagesIn(group.Id).Count);
        var windows = h.Emulator.Windows.Where(w => w.Bucket == "messages:" + group.Id).ToList();
        output.WriteLine(string.Join(", ", windows.Select(w => w.Requests)));
        // The emulator fails any request on an exhausted bucket (a violation), so no window holds more than 25;
        // that the client fills each window as fast as allowed is shown exactly on a fake clock in RateLimiterTests.
        Assert.Equal(500, windows.Sum(w => w.Requests));
        Assert.True(windows.Count >= 20);
        Assert.DoesNotContain(h.Emulator.Requests, r => r.Status == 429);
        h.Emulator.AssertNoViolations();
    }

    [Fact]
    public async Task PostMessage_429WithRetryAfter_WaitsAndRetriesOnce()
    {
        await using var h = await AdapterHarness.StartAsync();
        var group = await h.Platform.EnsurePrivateChannelAsync(new PrivateChannelSpec("g1", "Circle", "t", [], null), default);
        h.Emulator.FailNext(MessagesRoute, 429, retryAfterSeconds: 0.05);

        await h.Platform.PostMessageAsync(group, OutgoingMessage.Plain("hello"), default);

        Assert.Equal([429, 200], h.Emulator.Requests.Where(r => r.Route == MessagesRoute).Select(r => r.Status));
        Assert.Single(h.Emulator.MessagesIn(group.Id));
        h.Emulator.AssertNoViolations();
    }

    [Fact]
    public async Task PostMessage_Global429_PausesEveryRouteThenSucceeds()
    {
        await using var h = await AdapterHarness.StartAsync();
        var group = await h.Platform.EnsurePrivateChannelAsync(new PrivateChannelSpec("g1", "Circle", "t", [], null), default);
        h.Emulator.FailNext(MessagesRoute, 429, retryAfterSeconds: 0.05, global: true);

        await h.Platform.PostMessageAsync(group, OutgoingMessage.Plain("hello"), default);

        Assert.Single(h.Emulator.MessagesIn(group.Id));
        Assert.Contains(h.Logs.Lines, l => l.Text.Contains("global", StringComparison.Ordinal));
        h.Emulator.AssertNoViolations();
    }

    [Fact]
    public async Task PostMessage_5xxTwice_RetriesWithBackoffAndSucceeds()
    {
        await using var h = await AdapterHarness.StartAsync();
        var group = await h.Platform.EnsurePrivateChannelAsync(new PrivateChannelSpec("g1", "Circle", "t", [], null), default);
        h.Emulator.FailNext(MessagesRoute, 502, count: 2);

        await h.Platform.PostMessageAsync(group, OutgoingMessage.Plain("hello", "k1"), default);

        Assert.Equal([502, 502, 200], h.Emulator.Requests.Where(r => r.Route == MessagesRoute).Select(r => r.Status));
        Assert.Single(h.Emulator.MessagesIn(group.Id));
    }

    [Theory]
    [InlineData(500)]
    [InlineData(502)]
    [InlineData(null)]
    public async Task EnsurePrivateChannel_CreateAppliedButAnswerLost_AdoptsWhatWasMadeInsteadOfMakingTwo(int? lostWith)
    {
        await using var h = await AdapterHarness.StartAsync();
        var ana = h.Emulator.AddMember("ana");
        // Both creates, the category's and the channel's, are made by Discord but their answers never arrive.
        h.Emulator.FailNextAfterApplying("POST /guilds/{guild_id}/channels", lostWith, count: 2);

        var group = await h.Platform.EnsurePrivateChannelAsync(new PrivateChannelSpec("g1", "Circle", "t", [ana], null), default);

        var category = Assert.Single(h.Emulator.Channels, c => c.Type == 4);
        var channel = Assert.Single(h.Emulator.Channels, c => c.Type == 0);
        Assert.Equal(channel.Id, group.Id);
        Assert.Equal(category.Id, channel.ParentId);
        Assert.Equal(2, h.Emulator.Requests.Count(r => r.Route == "POST /guilds/{guild_id}/channels"));
        await h.Platform.PostMessageAsync(group, OutgoingMessage.Plain("hello"), default);
        Assert.Single(h.Emulator.MessagesIn(channel.Id));
    }

    [Fact]
    public async Task PostMessage_5xxBeyondRetries_IsUnavailable()
    {
        await using var h = await AdapterHarness.StartAsync();
        var group = await h.Platform.EnsurePrivateChannelAsync(new PrivateChannelSpec("g1", "Circle", "t", [], null), default);
        h.Emulator.FailNext(MessagesRoute, 500, count: 10);

        var ex = await Assert.ThrowsAsync<PlatformException>(() => h.Platform.PostMessageAsync(group, OutgoingMessage.Plain("hello"), default));

        Assert.Equal(PlatformErrorKind.Unavailable, ex.Kind);
        Assert.True(ex.IsTransient);
        Assert.Equal(4, h.Emulator.Requests.Count(r => r.Route == MessagesRoute));
    }

    [Fact]
    public async Task Start_BotNotInServer_LogsInviteUrlWithPermissionsAndScopes()
    {
        await using var h = await AdapterHarness.StartAsync(prepare: e => e.RemoveBotFromGuild());

        var line = Assert.Single(h.Logs.Lines, l => l.Level == LogLevel.Error && l.Text.Contains("not in the server", StringComparison.Ordinal));
        Assert.Contains("permissions=378225626128", line.Text, StringComparison.Ordinal);
        Assert.Contains("scope=bot%20applications.commands", line.Text, StringComparison.Ordinal);
        Assert.Contains("client_id=" + DiscordEmulator.ApplicationId, line.Text, StringComparison.Ordinal);
        Assert.Null(h.Fatal.Message);
    }

    [Fact]
    public async Task Start_ServerDeniesThreadsAndBotRoleLacksThem_LogsThemMissing()
    {
        await using var h = await AdapterHarness.StartAsync(prepare: e =>
        {
            e.EveryonePermissions = 1024 | 2048 | 65536;
            e.BotPermissions = DiscordEmulator.RequiredPermissions & ~DiscordEmulator.ThreadPermissions;
        });

        var line = Assert.Single(h.Logs.Lines, l => l.Level == LogLevel.Error && l.Text.Contains("lacks permissions", StringComparison.Ordinal));
        Assert.Contains("Create Public Threads, Create Private Threads, Send Messages in Threads", line.Text, StringComparison.Ordinal);
        Assert.DoesNotContain("Manage Roles", line.Text, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Start_BotLacksManageRoles_LogsWhatIsMissing()
    {
        await using var h = await AdapterHarness.StartAsync(prepare: e => e.BotPermissions = DiscordEmulator.RequiredPermissions & ~(1L << 28));

        var line = Assert.Single(h.Logs.Lines, l => l.Level == LogLevel.Error && l.Text.Contains("lacks permissions", StringComparison.Ordinal));
        Assert.Contains("Manage Roles", line.Text, StringComparison.Ordinal);
        Assert.DoesNotContain("Manage Channels", line.Text, StringComparison.Ordinal);
    }
}
