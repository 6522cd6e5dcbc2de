using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;

namespace PeerBot.LoadTest;

/// <summary>
/// The scenario, the same on every platform: configure N groups, start the host, wait until it is ready, then inject
/// messages at the target rate and commands at theirs, and report latencies, CPU and memory. The platform is a driver.
/// </summary>
internal static class LoadRunner
{
    public static async Task<int> RunAsync(LoadOptions o, IPlatformDriver driver)
    {
        var generous = o.RealSlackTiers ? TimeSpan.FromMinutes(90) : TimeSpan.FromMinutes(10);
        var folder = Path.Combine(Path.GetTempPath(), "peerbot-load", Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(folder);
        using var self = Process.GetCurrentProcess();
        HostUnderTest? host = null;
        await using (driver)
        {
            try
            {
                await driver.StartAsync();

                // People: per group one facilitator and the rest residents (about five a group in all).
                var perGroup = Math.Max(2, o.People / o.Groups);
                var settings = new Dictionary<string, string?>(driver.HostSettings)
                {
                    ["PeerBot:Storage:Path"] = Path.Combine(folder, "peerbot.db"),
                    ["PeerBot:Anonymity:KeyPath"] = Path.Combine(folder, "keys", "anonymity.key"),
                    ["PeerBot:TimeZone"] = "UTC",
                    ["Logging:LogLevel:Default"] = "Warning",
                    ["Logging:LogLevel:Microsoft"] = "Warning",
                };
                if (o.Engine is { } engine)
                {
                    settings["PeerBot:Safety:Engine"] = engine;
                }

                var residents = new List<string[]>();
                var facilitators = new List<string>();
                var person = 0;
                for (var g = 0; g < o.Groups; g++)
                {
                    var gp = $"PeerBot:Groups:{g}:";
                    settings[gp + "Name"] = $"Group {g:D4}";
                    settings[gp + "Platform"] = driver.ConfigName;
                    settings[gp + "Schedule"] = "0 19 * * TUE";
                    var members = new List<string>();
                    for (var m = 0; m < perGroup; m++)
                    {
                        var id = $"p{person:D5}";
                        var userId = driver.AddPerson(person);
                        var pp = $"PeerBot:People:{person}:";
                        settings[pp + "Id"] = id;
                        settings[pp + "Name"] = $"Person {person:D5}";
                        settings[pp + driver.ConfigName] = userId;
                        if (m == 0)
                        {
                            settings[pp + "Role"] = "Psychologist";
                            settings[gp + "Facilitators:0"] = id;
                            facilitators.Add(userId);
                        }
                        else
                        {
                            settings[pp + "Role"] = "Resident";
                            settings[pp + "Pgy"] = "2";
                            settings[$"{gp}Members:{m - 1}"] = id;
                            members.Add(userId);
                        }

                        person++;
                    }

                    residents.Add([.. members]);
                }

                var configFile = Path.Combine(folder, "peerbot.json");
                ConfigFile.Write(configFile, settings);
                host = HostUnderTest.Create(o, configFile, folder);
                var emulatorWs = WorkingSet(self);
                Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"platform={driver.ConfigName.ToLowerInvariant()} groups={o.Groups} people={person} rate={o.Rate}/s seconds={o.Seconds} commands={o.CommandsPerSecond}/s spirals={o.Spirals} host={o.Host}{(driver is SlackDriver ? $" slack-tiers={(o.RealSlackTiers ? "real" : "lifted")}" : "")} engine={(o.Host == HostKind.DiscordJsPeer ? "the peer's (MiniLM in onnxruntime-node, word test)" : o.Engine ?? "default (Semantic)")}"));
                Console.WriteLine($"measured: {host.Description}");

                // Start-up: start, connect, resolve people, reconcile every group, welcome everyone.
                var everyone = residents.SelectMany(r => r).Concat(facilitators).ToList();
                var connections = 0;
                var startClock = Stopwatch.StartNew();
                await host.StartAsync();
                if (o.Restart is { } kill && kill.StartsWith("kill:", StringComparison.Ordinal))
                {
                    // A hard kill in the middle of whatever the host is doing (channels, welcomes), then a start on the same
                    // store: nothing may be made twice.
                    var killAt = TimeSpan.FromSeconds(double.Parse(kill[5..], CultureInfo.InvariantCulture));
                    while (startClock.Elapsed < killAt && !host.HasExited)
                    {
                        await Task.Delay(20);
                    }

                    connections = driver.Connections;
                    host.Process.Kill(entireProcessTree: true);
                    await host.Process.WaitForExitAsync();
                    Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"killed (SIGKILL) at {startClock.Elapsed.TotalSeconds:F2} s: {driver.Count(o.Groups, everyone)}"));
                    await host.DisposeAsync();
                    host = HostUnderTest.Create(o, configFile, folder);
                    startClock.Restart();
                    await host.StartAsync();
                }

                var (connected, reconciled, ready) = await StartUpAsync(host, driver, o.Groups, everyone, startClock, generous, connections);
                var routes = driver.CallRoutes();
                if (o.Restart == "ready")
                {
                    // A clean stop once ready, and a start on the same store: the figures below are the second start's.
                    Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"first start: ready {ready.TotalSeconds:F2} s; {routes.Count} {driver.CallsName}; stopping cleanly and starting again"));
                    connections = driver.Connections;
                    await host.StopAsync();
                    await host.DisposeAsync();
                    host = HostUnderTest.Create(o, configFile, folder);
                    startClock.Restart();
                    await host.StartAsync();
                    (connected, reconciled, ready) = await StartUpAsync(host, driver, o.Groups, everyone, startClock, generous, connections);
                    routes = [.. driver.CallRoutes().Skip(routes.Count)];
                }

                var groupChannels = Enumerable.Range(0, o.Groups).Select(g => driver.GroupChannel(g)!).ToArray();
                var census = driver.Count(o.Groups, everyone);
                Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"start-up{(o.Restart is null ? "" : " (after the restart)")}: connected {connected.TotalSeconds:F2} s, every channel made {reconciled.TotalSeconds:F2} s, every welcome delivered (ready) {ready.TotalSeconds:F2} s; {routes.Count} {driver.CallsName}"));
                Console.WriteLine("  by route: " + string.Join(", ", routes.GroupBy(r => r).OrderByDescending(r => r.Count()).Take(8).Select(r => $"{r.Key} {r.Count()}")));
                Console.WriteLine("  platform: " + census);

                host.Process.Refresh();
                var hostWsAtReady = host.Process.WorkingSet64;
                var hostPeakAtReady = host.Process.PeakWorkingSet64;
                var atReady = await host.ReportAsync();
                await host.ResetAsync();
                await using var hostSampler = new ResourceSampler(host.Process);
                var cpuBefore = host.Process.TotalProcessorTime;
                var selfCpuBefore = self.TotalProcessorTime;
                var wall = Stopwatch.StartNew();
                var burst = await BurstAsync(o, driver, host, groupChannels, residents, facilitators);
                var wallElapsed = wall.Elapsed;
                host.Process.Refresh();
                self.Refresh();
                var cpu = host.Process.TotalProcessorTime - cpuBefore;
                var selfCpu = self.TotalProcessorTime - selfCpuBefore;
                var after = await host.ReportAsync();
                var peakWs = host.Process.PeakWorkingSet64;

                Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"burst: {burst.MessagesSent} messages in {burst.Elapsed.TotalSeconds:F2} s = {burst.MessagesSent / burst.Elapsed.TotalSeconds:F0} msg/s achieved (target {o.Rate})"));
                Console.WriteLine("command ack latency: " + Stats.Describe(burst.Commands.Select(c => c.Ms)) + $" (failed or unanswered: {burst.CommandFailures})");
                var ordered = burst.Commands.OrderBy(c => c.Index).ToList();
                Console.WriteLine("  first commands (by order sent): " + string.Join(", ", ordered.Take(5).Select(c => string.Create(CultureInfo.InvariantCulture, $"#{c.Index} {c.Ms:F0} ms"))));
                Console.WriteLine("  slowest commands (by order sent): " + string.Join(", ", burst.Commands.OrderByDescending(c => c.Ms).Take(3).Select(c => string.Create(CultureInfo.InvariantCulture, $"#{c.Index} {c.Ms:F0} ms"))));
                Console.WriteLine("  without the first 5: " + Stats.Describe(ordered.Skip(5).Select(c => c.Ms)));
                Console.WriteLine("message->alert latency: " + Stats.Describe(burst.Alerts) + $" (spirals {o.Spirals}, alerts not seen: {o.Spirals - burst.Alerts.Count})");
                var others = o.Host == HostKind.InProcess ? " (emulator and generator included)" : string.Create(CultureInfo.InvariantCulture, $"; emulator and generator: {selfCpu.TotalSeconds / wallElapsed.TotalSeconds * 100:F0}%");
                Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"host cpu: {cpu.TotalSeconds:F2} s over {wallElapsed.TotalSeconds:F2} s wall = {cpu.TotalSeconds / wallElapsed.TotalSeconds * 100:F0}% of one core{others}"));
                Console.WriteLine($"host memory: working set at ready {Stats.Mb(hostWsAtReady)} (peak during start-up {Stats.Mb(hostPeakAtReady)}), peak during burst {Stats.Mb(hostSampler.PeakWorkingSet)}, process peak {Stats.Mb(peakWs)}" + (o.Host == HostKind.InProcess ? $"; emulator alone before the host {Stats.Mb(emulatorWs)}" : ""));
                if (atReady is not null && after is not null)
                {
                    long L(Dictionary<string, string> d, string k) => long.Parse(d[k], CultureInfo.InvariantCulture);
                    Console.WriteLine($"host GC ({after["gc"]}): heap at ready {Stats.Mb(L(atReady, "heap"))}, peak during burst {Stats.Mb(L(after, "heapPeak"))}, after {Stats.Mb(L(after, "heapAfterLastGc"))} after the last collection, committed {Stats.Mb(L(after, "committed"))}; burst allocated {Stats.Mb(L(after, "allocated") - L(atReady, "allocated"))}, collections gen0/1/2 {L(after, "gen0") - L(atReady, "gen0")}/{L(after, "gen1") - L(atReady, "gen1")}/{L(after, "gen2") - L(atReady, "gen2")}, pauses {L(after, "pauseMs") - L(atReady, "pauseMs")} ms");
                }

                Console.WriteLine($"host warnings {host.Warnings}, errors {host.Errors}; emulator violations {driver.Violations.Count}{driver.Extra}");
                foreach (var v in driver.Violations.Take(5))
                {
                    Console.WriteLine("  violation: " + v);
                }

                // A lost answer or alert, or a group's channel made twice, is a failed run, whatever the latencies.
                return burst.CommandFailures > 0 || burst.Alerts.Count < o.Spirals || host.Errors > 0 || census.DuplicateChannels > 0 ? 1 : 0;
            }
            finally
            {
                if (host is not null)
                {
                    await host.DisposeAsync();
                }

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
    }

    private sealed record BurstResult(int MessagesSent, TimeSpan Elapsed, List<(int Index, double Ms)> Commands, int CommandFailures, List<double> Alerts);

    private static async Task<BurstResult> BurstAsync(LoadOptions o, IPlatformDriver driver, HostUnderTest host, string[] groupChannels, List<string[]> residents, List<string> facilitators)
    {
        // Spirals: the chosen groups' residents write the three fatalistic messages, spread over the burst.
        var total = o.Rate * o.Seconds;
        var spiralGroups = Enumerable.Range(0, o.Spirals).Select(i => i * o.Groups / o.Spirals).ToArray();
        var spiralAt = new Dictionary<int, (int Group, int Step)>();
        // Start somewhere in the first 80% of the burst; the three messages are 20 messages apart, or closer when the
        // spirals are close together, so that no spiral's message takes the place of another's.
        var spacing = (int)((long)total * 8 / 10 / spiralGroups.Length);
        var gap = Math.Clamp((spacing - 1) / 3, 1, 20);
        for (var s = 0; s < spiralGroups.Length; s++)
        {
            var start = s * spacing;
            for (var step = 0; step < 3; step++)
            {
                spiralAt[start + (step * gap)] = (spiralGroups[s], step);
            }
        }

        var pending = new ConcurrentDictionary<int, (string Inbox, int Before, long InjectedAt)>();
        var alertLatencies = new ConcurrentBag<double>();
        var wall = Stopwatch.StartNew();
        using var stopWatching = new CancellationTokenSource();
        var watcher = Task.Run(async () =>
        {
            // Polls the facilitators' DMs about every millisecond: the alert latency includes up to that much.
            while (!stopWatching.IsCancellationRequested || !pending.IsEmpty)
            {
                foreach (var (g, p) in pending)
                {
                    if (driver.AlertArrived(p.Inbox, p.Before))
                    {
                        alertLatencies.Add(Stopwatch.GetElapsedTime(p.InjectedAt).TotalMilliseconds);
                        pending.TryRemove(g, out _);
                    }
                }

                await Task.Delay(1);
                if (wall.Elapsed > TimeSpan.FromSeconds(o.Seconds + 60) || host.HasExited)
                {
                    return;
                }
            }
        });

        // Commands: facilitators ask for help and stats in their group's channel, at their own pace, concurrently.
        var commands = new ConcurrentBag<(int Index, double Ms)>();
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
                    commandTasks.Add(Task.Run(async () =>
                    {
                        try
                        {
                            commands.Add((index, await driver.RunCommandAsync(facilitators[g], groupChannels[g], index % 2 == 0 ? "stats" : "help", TimeSpan.FromSeconds(30))));
                        }
                        catch (Exception e) when (e is TimeoutException or InvalidOperationException or IOException)
                        {
                            Console.Error.WriteLine($"  command #{index}: {e.Message}");
                            Interlocked.Increment(ref commandFailures);
                        }
                    }));
                }

                await Task.Delay(5);
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
                        var (inbox, before) = driver.AlertInbox(facilitators[g]);
                        pending[g] = (inbox, before, Stopwatch.GetTimestamp());
                    }

                    await driver.InjectMessageAsync(groupChannels[g], author, Messages.Fatalistic[spiral.Step]);
                }
                else
                {
                    var g = messagesSent % o.Groups;
                    var author = residents[g][(messagesSent / o.Groups) % residents[g].Length];
                    await driver.InjectMessageAsync(groupChannels[g], author, Messages.Calm[rng.Next(Messages.Calm.Length)]);
                }
            }

            await Task.Delay(1);
        }

        var elapsed = burst.Elapsed;
        await commandLoop;
        await Task.WhenAll(commandTasks);
        await stopWatching.CancelAsync();
        await watcher;
        return new BurstResult(messagesSent, elapsed, [.. commands], commandFailures, [.. alertLatencies]);
    }

    /// <summary>Waits for the host to connect, make every group's channel and welcome everyone; the times since the start.</summary>
    private static async Task<(TimeSpan Connected, TimeSpan Reconciled, TimeSpan Ready)> StartUpAsync(
        HostUnderTest host, IPlatformDriver driver, int groups, IReadOnlyList<string> everyone, Stopwatch startClock, TimeSpan timeout, int connectionsBefore)
    {
        await WaitAsync(host, () => driver.Connections > connectionsBefore, timeout, "connected");
        var connected = startClock.Elapsed;
        await WaitAsync(host, () => Enumerable.Range(0, groups).All(g => driver.GroupChannel(g) is not null), timeout, "every group's channel");
        var reconciled = startClock.Elapsed;

        // Welcomes go out as DMs after the channels; ready is when every person has theirs.
        await WaitAsync(host, () => everyone.All(driver.Welcomed), timeout, "every welcome");
        return (connected, reconciled, startClock.Elapsed);
    }

    private static async Task WaitAsync(HostUnderTest host, Func<bool> condition, TimeSpan timeout, string what)
    {
        var clock = Stopwatch.StartNew();
        while (!condition())
        {
            if (host.HasExited)
            {
                throw new InvalidOperationException($"the host exited before {what}");
            }

            if (clock.Elapsed > timeout)
            {
                throw new TimeoutException($"no {what} after {timeout.TotalMinutes:F0} min");
            }

            await Task.Delay(20);
        }
    }

    private static long WorkingSet(Process p)
    {
        p.Refresh();
        return p.WorkingSet64;
    }
}
