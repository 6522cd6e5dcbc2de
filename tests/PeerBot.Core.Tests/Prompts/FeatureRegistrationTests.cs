using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;
using PeerBot.Core.Configuration;
using PeerBot.Core.Groups;
using PeerBot.Core.People;
using PeerBot.Core.Platform;
using PeerBot.Core.Prompts;
using PeerBot.Core.Sharing;
using PeerBot.Core.Tests.Groups;
using PeerBot.Testing;
using PeerBot.Testing.Groups;
using PeerBot.Testing.Prompts;

namespace PeerBot.Core.Tests.Prompts;

public class FeatureRegistrationTests
{
    private static ServiceProvider Build(PeerBotOptions options, FakeTimeProvider time, FakeChatPlatform platform)
    {
        var people = new PeopleDirectory(options.People);
        foreach (var person in options.People)
        {
            people.SetPlatformUserId(person.Id, platform.Kind, "U-" + person.Id);
        }

        var services = new ServiceCollection();
        services.AddLogging();
        services.AddOptions<PeerBotOptions>().Configure(o =>
        {
            o.People = options.People;
            o.Groups = options.Groups;
            o.Formation = options.Formation;
            o.TimeZone = options.TimeZone;
            o.Prompts = options.Prompts;
        }).ValidateOnStart();
        services.AddSingleton<TimeProvider>(time);
        services.AddSingleton<IPeopleDirectory>(people);
        services.AddSingleton<IAuthorHandles>(new AuthorHandles(new byte[AnonymityKey.KeyLength], people));
        services.AddSingleton<IPlatformRegistry>(new PlatformRegistry([platform]));
        services.AddSingleton<IGroupStore, InMemoryGroupStore>();
        services.AddSingleton<IPromptStore, InMemoryPromptStore>();
        services.AddGroups();
        services.AddPrompts();
        return services.BuildServiceProvider(new ServiceProviderOptions { ValidateOnBuild = true, ValidateScopes = true });
    }

    private static PeerBotOptions SandboxExample()
    {
        var options = GroupPlannerTests.ExampleOptions();
        options.Formation!.Platform = PlatformKind.Sandbox;
        foreach (var group in options.Groups)
        {
            group.Platform = PlatformKind.Sandbox;
        }

        return options;
    }

    [Fact]
    public void AddGroupsAndPrompts_Container_ResolvesEveryServiceWithValidationOn()
    {
        using var provider = Build(SandboxExample(), new FakeTimeProvider(), new FakeChatPlatform());

        Assert.IsType<GroupDirectory>(provider.GetRequiredService<IGroupDirectory>());
        Assert.IsType<GroupOperations>(provider.GetRequiredService<IGroupOperations>());
        Assert.IsType<MemberPauses>(provider.GetRequiredService<IMemberPauses>());
        Assert.IsType<CheckInService>(provider.GetRequiredService<ICheckInService>());
        var hosted = provider.GetServices<IHostedService>().ToList();
        Assert.Contains(hosted, h => h is GroupReconciliationService);
        Assert.Contains(hosted, h => h is PromptSchedulerService);
    }

    [Fact]
    public void AddGroupsAndPrompts_BadConfig_ValidationNamesEachProblem()
    {
        var options = SandboxExample();
        options.Groups[0].Members.Add("ghost");
        options.Groups[1].TimeZone = "Nowhere/Special";
        options.Prompts.Schedule = "every tuesday";
        using var provider = Build(options, new FakeTimeProvider(), new FakeChatPlatform());

        var error = Assert.Throws<OptionsValidationException>(() => provider.GetRequiredService<IOptions<PeerBotOptions>>().Value);

        Assert.Contains("Groups[0].Members: 'ghost' is not one of the configured People.", error.Failures);
        Assert.Contains(error.Failures, f => f.StartsWith("Groups[1].TimeZone: 'Nowhere/Special' is not a known IANA time zone", StringComparison.Ordinal));
        Assert.Contains(error.Failures, f => f.StartsWith("Prompts.Schedule: 'every tuesday' is not a valid five-field cron schedule", StringComparison.Ordinal));
    }

    [Fact]
    public async Task HostedServices_Started_ReconcileThenPostOnSchedule()
    {
        // Monday 2 November 2026, 09:00 in New York.
        var time = new FakeTimeProvider(new DateTimeOffset(2026, 11, 2, 14, 0, 0, TimeSpan.Zero));
        var platform = new FakeChatPlatform();
        await using var provider = Build(SandboxExample(), time, platform);
        var scheduler = provider.GetRequiredService<PromptSchedulerService>();
        var passes = new System.Collections.Concurrent.ConcurrentQueue<DateTimeOffset>();
        var signal = new SemaphoreSlim(0);
        scheduler.PassCompleted += (_, next) =>
        {
            passes.Enqueue(next);
            signal.Release();
        };
        var hosted = provider.GetServices<IHostedService>().ToList();
        foreach (var service in hosted)
        {
            await service.StartAsync(default);
        }

        var reconciled = await provider.GetRequiredService<GroupReconciliationService>().RequestReconcile().WaitAsync(TimeSpan.FromSeconds(10));
        Assert.True(reconciled.Complete, string.Join("; ", reconciled.Problems));
        var groups = provider.GetRequiredService<IGroupDirectory>().All();
        Assert.Equal(4, groups.Count);

        // Follow the scheduler's own wake-ups until Tuesday 19:00 New York has passed.
        var until = new DateTimeOffset(2026, 11, 4, 1, 0, 0, TimeSpan.Zero);
        while (time.GetUtcNow() < until)
        {
            Assert.True(await signal.WaitAsync(TimeSpan.FromSeconds(10)), "the scheduler did not finish a pass");
            passes.TryDequeue(out var next);
            while (passes.TryDequeue(out var later))
            {
                next = later;
            }

            time.SetUtcNow(next < until ? (next > time.GetUtcNow() ? next : time.GetUtcNow()) : until);
        }

        Assert.True(await signal.WaitAsync(TimeSpan.FromSeconds(10)));
        foreach (var service in hosted)
        {
            await service.StopAsync(default);
        }

        Assert.All(groups, g => Assert.Single(platform.MessagesIn(g.Channel!.Id), m => m.Content.IdempotencyKey!.StartsWith("prompt:", StringComparison.Ordinal)));
    }

    [Fact]
    public async Task PromptScheduler_ClockAtAFractionOfAMillisecond_WakesAtOrAfterEachDueTimeWithoutSpinning()
    {
        // A clock 0.4 ms past a whole millisecond: every wait until a whole-minute occurrence ends in a fraction, which a
        // timer drops. Rounded down, the last wait would end just before 19:00 and the scheduler would spin on zero-length
        // waits no fake clock ever moves. The clock is moved to each timer the services set, as time itself would.
        var time = new SignallingTimeProvider(new DateTimeOffset(2026, 11, 2, 14, 0, 0, TimeSpan.Zero) + TimeSpan.FromTicks(4_000));
        var platform = new FakeChatPlatform();
        await using var provider = Build(SandboxExample(), time, platform);
        var scheduler = provider.GetRequiredService<PromptSchedulerService>();
        var passes = 0;
        var signal = new SemaphoreSlim(0);
        scheduler.PassCompleted += (_, _) =>
        {
            Interlocked.Increment(ref passes);
            signal.Release();
        };
        var hosted = provider.GetServices<IHostedService>().ToList();
        foreach (var service in hosted)
        {
            await service.StartAsync(default);
        }

        try
        {
            var reconciled = await provider.GetRequiredService<GroupReconciliationService>().RequestReconcile().WaitAsync(TimeSpan.FromSeconds(10));
            Assert.True(reconciled.Complete, string.Join("; ", reconciled.Problems));
            var until = new DateTimeOffset(2026, 11, 4, 1, 0, 0, TimeSpan.Zero);
            while (time.GetUtcNow() < until)
            {
                Assert.True(await signal.WaitAsync(TimeSpan.FromSeconds(10)), "the scheduler did not finish a pass");
                while (signal.CurrentCount > 0 && Volatile.Read(ref passes) <= 200)
                {
                    await signal.WaitAsync(0);
                }

                // Hourly passes (MaxWait) and one per occurrence: a spin shows as hundreds of passes without a timer.
                Assert.True(Volatile.Read(ref passes) <= 100, $"{passes} passes by {time.GetUtcNow():O}: the scheduler is spinning");
                if (time.NextDue is not { } next)
                {
                    // A pass is under way (the groups changed) and has not set its timer yet: wait for it.
                    continue;
                }

                var due = next < until ? next : until;

                // On another thread: a timer's continuation may run inline in the move.
                await Task.Run(() => time.AdvanceTo(due)).WaitAsync(TimeSpan.FromSeconds(10));
            }

            // The pass at the occurrence finished before the clock moved on, so its prompts are out.
            var groups = provider.GetRequiredService<IGroupDirectory>().All();
            Assert.All(groups, g => Assert.Single(platform.MessagesIn(g.Channel!.Id), m => m.Content.IdempotencyKey!.StartsWith("prompt:", StringComparison.Ordinal)));
        }
        finally
        {
            foreach (var service in hosted)
            {
                await service.StopAsync(default);
            }
        }
    }
}
