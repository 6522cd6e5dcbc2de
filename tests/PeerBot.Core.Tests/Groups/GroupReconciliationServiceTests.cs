using System.Collections.Concurrent;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Time.Testing;
using PeerBot.Core.Configuration;
using PeerBot.Core.Groups;
using PeerBot.Core.People;
using PeerBot.Core.Platform;
using PeerBot.Testing;
using PeerBot.Testing.Groups;

namespace PeerBot.Core.Tests.Groups;

public sealed class GroupReconciliationServiceTests : IAsyncDisposable
{
    private readonly SignallingTimeProvider _time = new(new DateTimeOffset(2026, 11, 2, 12, 0, 0, TimeSpan.Zero));
    private readonly InMemoryGroupStore _store = new();
    private readonly FakeChatPlatform _platform = new(PlatformKind.Sandbox);
    private readonly TestOptionsMonitor<PeerBotOptions> _options;
    private readonly GroupReconciler _reconciler;
    private readonly GroupReconciliationService _service;
    private readonly GroupDirectory _directory;
    private readonly BlockingCollection<ReconcileResult> _runs = [];

    public GroupReconciliationServiceTests()
    {
        var options = GroupPlannerTests.ExampleOptions();
        options.Discord = new DiscordOptions();
        options.Slack = new SlackOptions();
        options.Formation!.Platform = PlatformKind.Sandbox;
        options.Groups.ForEach(g => g.Platform = PlatformKind.Sandbox);
        _options = new TestOptionsMonitor<PeerBotOptions>(options);
        var people = new PeopleDirectory(options.People);
        options.People.ForEach(p => people.SetPlatformUserId(p.Id, PlatformKind.Sandbox, "U-" + p.Id));
        _directory = new GroupDirectory(_store, _time);
        _reconciler = new GroupReconciler(_options, _store, people, new PlatformRegistry([_platform]), _directory, _time, NullLogger<GroupReconciler>.Instance);
        _service = new GroupReconciliationService(_reconciler, _store, _options, _time, NullLogger<GroupReconciliationService>.Instance);
        _service.Idle += (_, result) => _runs.Add(result);
    }

    public async ValueTask DisposeAsync()
    {
        await _service.StopAsync(default);
        _service.Dispose();
        _reconciler.Dispose();
        _runs.Dispose();
    }

    private ReconcileResult NextRun()
    {
        Assert.True(_runs.TryTake(out var result, TimeSpan.FromSeconds(10)), "no reconciliation run finished");
        return result;
    }

    [Fact]
    public async Task ExecuteAsync_Start_ReconcilesAtOnce()
    {
        await _service.StartAsync(default);

        var result = NextRun();

        Assert.True(result.Complete);
        Assert.Equal(4, _directory.All().Count(g => g.Channel is not null));
    }

    [Fact]
    public async Task ExecuteAsync_ConfigChanges_ReconcilesAgain()
    {
        await _service.StartAsync(default);
        NextRun();

        var changed = GroupPlannerTests.ExampleOptions();
        changed.Discord = new DiscordOptions();
        changed.Slack = new SlackOptions();
        changed.Formation!.Platform = PlatformKind.Sandbox;
        changed.Groups.ForEach(g => g.Platform = PlatformKind.Sandbox);
        changed.Groups.RemoveAt(1);
        _options.Set(changed);
        NextRun();

        Assert.Null(_directory.Find("night-float"));
        Assert.Single(_platform.Calls, c => c.Operation == "ArchiveChannel");
    }

    [Fact]
    public async Task ExecuteAsync_MemberPauseRunsOut_PutsThemBackWithoutBeingAsked()
    {
        var pauses = new MemberPauses(_store, _time, _service, NullLogger<MemberPauses>.Instance);
        await _service.StartAsync(default);
        NextRun();

        await pauses.PauseAsync("ana", _time.GetUtcNow().AddDays(7), default);
        NextRun();
        Assert.DoesNotContain("ana", _directory.Find("tuesday-circle")!.MemberIds);

        _time.Advance(TimeSpan.FromDays(7));
        NextRun();

        Assert.Contains("ana", _directory.Find("tuesday-circle")!.MemberIds);
        var channel = _directory.Find("tuesday-circle")!.Channel!;
        Assert.Contains("U-ana", _platform.Channels[channel.Id].Members);
    }

    [Fact]
    public async Task ExecuteAsync_PauseEndsAtAFractionOfAMillisecond_WaitsUntilAfterItAndPutsThemBackInOneRun()
    {
        // A timer drops the fraction of a millisecond: a wait of exactly (pause end - now) would wake just before the end,
        // find the pause still running and spin on zero-length waits, reconciling each time, for ever on a fake clock.
        var pauses = new MemberPauses(_store, _time, _service, NullLogger<MemberPauses>.Instance);
        await _service.StartAsync(default);
        NextRun();
        var until = _time.GetUtcNow().AddDays(7) + TimeSpan.FromTicks(4_000);

        await pauses.PauseAsync("ana", until, default);
        NextRun();

        Assert.True(_time.NextDue >= until, $"the service wakes at {_time.NextDue:O}, before the pause ends at {until:O}");
        Assert.True(_time.NextDue < until + TimeSpan.FromMilliseconds(1), "within a millisecond after it");
        _time.AdvanceToNextDue();
        NextRun();
        Assert.Contains("ana", _directory.Find("tuesday-circle")!.MemberIds);
        Assert.Null(_time.NextDue);
        Assert.Empty(_runs);
    }

    [Fact]
    public async Task ExecuteAsync_PlatformFails_RetriesAfterABackoff()
    {
        _platform.FailNext("EnsurePrivateChannel");
        await _service.StartAsync(default);
        Assert.False(NextRun().Complete);

        _time.Advance(TimeSpan.FromSeconds(30));

        Assert.True(NextRun().Complete);
        Assert.Equal(4, _directory.All().Count(g => g.Channel is not null));
    }
}
