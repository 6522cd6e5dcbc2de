using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using PeerBot.Core.Groups;
using PeerBot.Slack;
using PeerBot.Slack.SocketMode;
using PeerBot.Testing.Slack;

namespace PeerBot.LoadTest;

/// <summary>The scenario on Slack: Socket Mode events and slash commands from the emulator; a command's latency is from its delivery to its acknowledgement.</summary>
internal static class SlackLoad
{
    private static readonly TimeSpan Generous = TimeSpan.FromMinutes(30);

    public static async Task<int> RunAsync(LoadOptions o)
    {
        var folder = Path.Combine(Path.GetTempPath(), "peerbot-load", Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(folder);
        var logs = new CountingLoggerProvider();
        await using var sampler = new ResourceSampler();
        using var self = Process.GetCurrentProcess();

        // Pages as large as Slack's usual ones (the emulator's default of 2 is for exercising paging in tests).
        var slack = new SlackEmulator { MaxPageSize = 200 };
        await slack.StartAsync().ConfigureAwait(false);
        IHost? host = null;
        try
        {
            // People: per group one facilitator and the rest residents (about five a group in all).
            var perGroup = Math.Max(2, o.People / o.Groups);
            var settings = new Dictionary<string, string?>(slack.ConfigurationValues)
            {
                ["PeerBot:Storage:Path"] = Path.Combine(folder, "peerbot.db"),
                ["PeerBot:Anonymity:KeyPath"] = Path.Combine(folder, "anonymity.key"),
                ["PeerBot:TimeZone"] = "UTC",
            };
            var residents = new List<string[]>();
            var facilitators = new List<string>();
            var person = 0;
            for (var g = 0; g < o.Groups; g++)
            {
                var gp = $"PeerBot:Groups:{g}:";
                settings[gp + "Name"] = $"Group {g:D4}";
                settings[gp + "Platform"] = "Slack";
                settings[gp + "Schedule"] = "0 19 * * TUE";
                var members = new List<string>();
                for (var m = 0; m < perGroup; m++)
                {
                    var id = $"p{person:D5}";
                    var slackId = string.Create(CultureInfo.InvariantCulture, $"U{person:D7}");
                    slack.AddUser(slackId, $"user{person:D5}", $"user{person:D5}@hospital.org");
                    var pp = $"PeerBot:People:{person}:";
                    settings[pp + "Id"] = id;
                    settings[pp + "Name"] = $"Person {person:D5}";
                    settings[pp + "Slack"] = slackId;
                    if (m == 0)
                    {
                        settings[pp + "Role"] = "Psychologist";
                        settings[gp + "Facilitators:0"] = id;
                        facilitators.Add(slackId);
                    }
                    else
                    {
                        settings[pp + "Role"] = "Resident";
                        settings[pp + "Pgy"] = "2";
                        settings[$"{gp}Members:{m - 1}"] = id;
                        members.Add(slackId);
                    }

                    person++;
                }

                residents.Add([.. members]);
            }

            var baselineWs = ProcessWorkingSet(self);
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"platform=slack groups={o.Groups} people={person} rate={o.Rate}/s seconds={o.Seconds} commands={o.CommandsPerSecond}/s spirals={o.Spirals} slack-tiers={(o.RealSlackTiers ? "real" : "lifted")}"));
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"working set with the emulator alone: {baselineWs / 1048576.0:F0} MB"));

            // Start-up: build, start, connect, resolve people, reconcile every group, welcome everyone.
            var startClock = Stopwatch.StartNew();
            var builder = PeerBotHost.CreateBuilder(
                configFile: null,
                configuration => configuration.AddInMemoryCollection(settings),
                b =>
                {
                    b.Logging.ClearProviders();
                    b.Logging.AddProvider(logs);
                    b.Logging.SetMinimumLevel(LogLevel.Warning);

                    // Slack's tiers (20 to 100 calls a minute per method) make opening 200 channels and 1,000 DMs take
                    // tens of minutes, which is Slack's pace, not PeerBot's; --slack-tiers real keeps them.
                    if (!o.RealSlackTiers)
                    {
                        b.Services.Configure<SlackAdapterOptions>(a =>
                        {
                            foreach (var tier in a.CallsPerMinuteByTier.Keys.ToList())
                            {
                                a.CallsPerMinuteByTier[tier] = 100_000;
                            }
                        });
                    }
                });
            host = builder.Build();
            await host.StartAsync().ConfigureAwait(false);
            await host.Services.GetRequiredService<SocketModeClient>().Ready.WaitAsync(Generous).ConfigureAwait(false);
            var connected = startClock.Elapsed;
            var result = await host.Services.GetRequiredService<GroupReconciliationService>().RequestReconcile().WaitAsync(Generous).ConfigureAwait(false);
            var reconciled = startClock.Elapsed;
            if (!result.Complete)
            {
                Console.Error.WriteLine("reconciliation incomplete: " + string.Join("; ", result.Problems.Take(5)));
                return 1;
            }

            var channels = slack.Channels;
            var groupChannels = new string[o.Groups];
            for (var g = 0; g < o.Groups; g++)
            {
                groupChannels[g] = channels.FirstOrDefault(c => c.Name.EndsWith($"group-{g:D4}", StringComparison.Ordinal))?.Id
                    ?? throw new InvalidOperationException($"no channel for group {g}");
            }

            // Welcomes go out as DMs after the channels; ready is when every person has theirs.
            var everyone = residents.SelectMany(r => r).Concat(facilitators).ToList();
            await slack.WaitUntilAsync(
                e => everyone.All(p => e.DirectMessagesTo(p).Count >= 1),
                Generous,
                "every welcome").ConfigureAwait(false);
            var ready = startClock.Elapsed;
            var facilitatorDms = facilitators.ToArray();
            var requestsAtReady = slack.Calls.Count;
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"start-up: connected and people resolved {connected.TotalSeconds:F2} s, reconciled {reconciled.TotalSeconds:F2} s, all welcomes delivered (ready) {ready.TotalSeconds:F2} s; {requestsAtReady} Web API calls"));

            var wsAtReady = ProcessWorkingSet(self);
            sampler.Reset();
            GC.Collect();
            var gcBefore = GC.CollectionCount(0) + GC.CollectionCount(1) + GC.CollectionCount(2);
            var cpuBefore = self.TotalProcessorTime;
            var wall = Stopwatch.StartNew();

            // Spirals: the chosen groups' residents write the three fatalistic messages, spread over the burst.
            var total = o.Rate * o.Seconds;
            var spiralGroups = Enumerable.Range(0, o.Spirals).Select(i => i * o.Groups / o.Spirals).ToArray();
            var spiralAt = new Dictionary<int, (int Group, int Step)>();
            for (var s = 0; s < spiralGroups.Length; s++)
            {
                // Start somewhere in the first 80% of the burst; the three messages are 20 messages apart.
                var start = (int)((long)s * total * 8 / 10 / spiralGroups.Length);
                for (var step = 0; step < 3; step++)
                {
                    spiralAt[start + (step * 20)] = (spiralGroups[s], step);
                }
            }

            var pending = new ConcurrentDictionary<int, (string DmId, int Before, long InjectedAt)>();
            var alertLatencies = new ConcurrentBag<double>();
            using var stopWatching = new CancellationTokenSource();
            var watcher = Task.Run(async () =>
            {
                // Polls the facilitators' DMs about every millisecond: the alert latency includes up to that much.
                while (!stopWatching.IsCancellationRequested || !pending.IsEmpty)
                {
                    foreach (var (g, p) in pending)
                    {
                        var messages = slack.DirectMessagesTo(p.DmId);
                        if (messages.Count > p.Before && messages.Skip(p.Before).Any(m => IsAlert(m)))
                        {
                            alertLatencies.Add(Stopwatch.GetElapsedTime(p.InjectedAt).TotalMilliseconds);
                            pending.TryRemove(g, out _);
                        }
                    }

                    await Task.Delay(1).ConfigureAwait(false);
                    if (wall.Elapsed > TimeSpan.FromSeconds(o.Seconds + 60))
                    {
                        return;
                    }
                }
            });

            // Commands: facilitators ask for help and stats in their group's channel, at their own pace, concurrently.
            var commandLatencies = new ConcurrentBag<double>();
            var commandOrder = new ConcurrentBag<(int Index, double Ms)>();
            var commandFailures = 0;
            var commandTasks = new List<Task>();
            var commandLoop = Task.Run(async () =>
            {
                var sent = 0;
                var commandsTotal = o.CommandsPerSecond * o.Seconds;
                var clock = Stopwatch.StartNew();
                while (sent < commandsTotal)
                {
                    var due = (int)Math.Min(commandsTotal, clock.Elapsed.TotalSeconds * o.CommandsPerSecond);
                    for (; sent < due; sent++)
                    {
                        var g = (sent * 7) % o.Groups;
                        var index = sent;
                        var command = sent % 2 == 0 ? "stats" : "help";
                        var askedAt = Stopwatch.GetTimestamp();
                        commandTasks.Add(slack.InjectSlashCommandAsync(facilitators[g], groupChannels[g], command).ContinueWith(
                            t =>
                            {
                                if (t.IsCompletedSuccessfully)
                                {
                                    var ms = Stopwatch.GetElapsedTime(askedAt).TotalMilliseconds;
                                    commandLatencies.Add(ms);
                                    commandOrder.Add((index, ms));
                                }
                                else
                                {
                                    Interlocked.Increment(ref commandFailures);
                                }
                            },
                            TaskScheduler.Default));
                    }

                    await Task.Delay(5).ConfigureAwait(false);
                }
            });

            // Messages: round robin across groups and residents, paced to the target rate.
            var rng = new Random(42);
            var messagesSent = 0;
            var burst = Stopwatch.StartNew();
            while (messagesSent < total)
            {
                var due = (int)Math.Min(total, burst.Elapsed.TotalSeconds * o.Rate);
                for (; messagesSent < due; messagesSent++)
                {
                    if (spiralAt.TryGetValue(messagesSent, out var spiral))
                    {
                        var g = spiral.Group;
                        var author = residents[g][spiral.Step % residents[g].Length];
                        if (spiral.Step == 2)
                        {
                            var dm = facilitatorDms[g];
                            pending[g] = (dm, slack.DirectMessagesTo(dm).Count, Stopwatch.GetTimestamp());
                        }

                        await slack.InjectMessageAsync(groupChannels[g], author, Messages.Fatalistic[spiral.Step]).ConfigureAwait(false);
                    }
                    else
                    {
                        var g = messagesSent % o.Groups;
                        var author = residents[g][(messagesSent / o.Groups) % residents[g].Length];
                        await slack.InjectMessageAsync(groupChannels[g], author, Messages.Calm[rng.Next(Messages.Calm.Length)]).ConfigureAwait(false);
                    }
                }

                await Task.Delay(1).ConfigureAwait(false);
            }

            var burstElapsed = burst.Elapsed;
            await commandLoop.ConfigureAwait(false);
            await Task.WhenAll(commandTasks).ConfigureAwait(false);
            await stopWatching.CancelAsync().ConfigureAwait(false);
            await watcher.ConfigureAwait(false);
            var wallElapsed = wall.Elapsed;
            self.Refresh();
            var cpu = self.TotalProcessorTime - cpuBefore;
            var gcAfter = GC.CollectionCount(0) + GC.CollectionCount(1) + GC.CollectionCount(2);
            var gcInfo = GC.GetGCMemoryInfo();

            Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"burst: {messagesSent} messages in {burstElapsed.TotalSeconds:F2} s = {messagesSent / burstElapsed.TotalSeconds:F0} msg/s achieved (target {o.Rate})"));
            Console.WriteLine("command ack latency: " + Stats.Describe(commandLatencies) + $" (failed or unanswered: {commandFailures})");
            var slowest = commandOrder.OrderByDescending(c => c.Ms).Take(3).Select(c => string.Create(CultureInfo.InvariantCulture, $"#{c.Index} {c.Ms:F0} ms"));
            Console.WriteLine("  slowest commands (by order sent): " + string.Join(", ", slowest));
            Console.WriteLine("message->alert latency: " + Stats.Describe(alertLatencies) + $" (spirals {o.Spirals}, alerts not seen: {o.Spirals - alertLatencies.Count})");
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"cpu: {cpu.TotalSeconds:F2} s over {wallElapsed.TotalSeconds:F2} s wall = {cpu.TotalSeconds / wallElapsed.TotalSeconds * 100:F0}% of one core (emulator and load generator included); GCs {gcAfter - gcBefore}"));
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"memory: working set emulator-only {baselineWs / 1048576.0:F0} MB, at ready {wsAtReady / 1048576.0:F0} MB, peak during burst {sampler.PeakWorkingSet / 1048576.0:F0} MB, process peak {PeakWorkingSet(self) / 1048576.0:F0} MB; GC heap {gcInfo.HeapSizeBytes / 1048576.0:F0} MB, managed peak committed {gcInfo.TotalCommittedBytes / 1048576.0:F0} MB"));
            Console.WriteLine($"host warnings {logs.Warnings}, errors {logs.Errors}; emulator violations {slack.Violations.Count}; unacknowledged envelopes {slack.UnacknowledgedEnvelopes}");
            foreach (var v in slack.Violations.Take(5))
            {
                Console.WriteLine("  violation: " + v);
            }

            // A lost answer or alert is a failed run, whatever the latencies.
            return commandFailures > 0 || alertLatencies.Count < o.Spirals || logs.Errors > 0 ? 1 : 0;
        }
        finally
        {
            if (host is not null)
            {
                await host.StopAsync().ConfigureAwait(false);
                host.Dispose();
            }

            await slack.DisposeAsync().ConfigureAwait(false);
            logs.Dispose();
            try
            {
                Directory.Delete(folder, recursive: true);
            }
            catch (IOException e)
            {
                Console.Error.WriteLine("could not remove " + folder + ": " + e.Message);
            }
        }
    }

    private static bool IsAlert(SlackEmulatedMessage m) =>
        m.Text.Contains("Fatalistic spiral", StringComparison.Ordinal) || (m.Blocks?.ToJsonString().Contains("Fatalistic spiral", StringComparison.Ordinal) ?? false);

    private static long ProcessWorkingSet(Process p)
    {
        p.Refresh();
        return p.WorkingSet64;
    }

    private static long PeakWorkingSet(Process p)
    {
        p.Refresh();
        return p.PeakWorkingSet64;
    }
}
