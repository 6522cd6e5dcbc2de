using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net.Http.Json;
using System.Text.Json;
using System.Text.RegularExpressions;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Time.Testing;
using PeerBot.Core.Groups;
using PeerBot.Core.Prompts;
using PeerBot.Sandbox;
using PeerBot.Sandbox.Web;
using PeerBot.Testing.Hosting;
using Xunit.Abstractions;

namespace PeerBot.Reliability.Tests.Faults;

/// <summary>
/// The built program killed hard (the whole process tree, no shutdown) at seeded random points while anonymous
/// posts and a safety alert are in flight, then started again on the same database and key: every accepted
/// anonymous post appears in the group exactly once and the alert reaches each facilitator exactly once.
/// The sandbox clock's offset is not persisted, so the program runs on real time with anonymous delays of
/// 1-2 seconds; every wait polls for a condition with a deadline.
/// </summary>
[Collection(HardKillCollection.Name)]
public sealed partial class HardKillTests(ITestOutputHelper output)
{
    private const string GroupChannelName = "peer-tuesday-circle";
    private const string AlertText = "Fatalistic spiral: Tuesday Circle";
    private static readonly string[] Members = ["ana", "elena", "isla", "ben"];
    private static readonly string[] Facilitators = ["dr-lee", "dr-kim"];
    private static readonly TimeSpan MaxDelay = TimeSpan.FromSeconds(2);

    [Theory(Timeout = 90_000)]
    [InlineData(11)]
    [InlineData(2027)]
    [InlineData(314)]
    public async Task KillDuringAnonymousPostsAndAlert_Restart_EveryPostAndAlertArrivesExactlyOnce(int seed)
    {
        var random = new Random(seed);
        using var folder = new KillFolder();
        var accepted = new List<string>();
        var killOnFirstAlert = random.Next(2) == 1;

        // Round 1: shares accepted, killed at once while all of them wait out their delay.
        await using (var bot = await BotProcess.StartAsync(folder))
        {
            var count = random.Next(2, 5);
            for (var i = 0; i < count; i++)
            {
                accepted.Add(await ShareAsync(bot, Members[random.Next(Members.Length)], $"post-{seed}-a{i}"));
            }

            await bot.KillAsync();
        }

        // Round 2: after the restart, more shares; killed once a seeded number of all posts so far are visible,
        // so some are posted and some still pending; a fatalistic spiral goes in just before it.
        await using (var bot = await BotProcess.StartAsync(folder))
        {
            var count = random.Next(2, 5);
            for (var i = 0; i < count; i++)
            {
                accepted.Add(await ShareAsync(bot, Members[random.Next(Members.Length)], $"post-{seed}-b{i}"));
            }

            var visibleBeforeKill = random.Next(0, accepted.Count);
            output.WriteLine($"Seed {seed}: {accepted.Count} shares, killed with {visibleBeforeKill}+ visible, {(killOnFirstAlert ? "on the first alert" : "after the third message's answer")}.");
            await bot.WaitUntilAsync(
                async () => (await GroupTextsAsync(bot)).Count(t => accepted.Any(a => t.Contains(a, StringComparison.Ordinal))) >= visibleBeforeKill,
                $"{visibleBeforeKill} anonymous posts visible");

            await bot.PostAsync(await GroupChannelAsync(bot), "ana", "Honestly, what's the point. Nothing will ever change here.");
            await bot.PostAsync(await GroupChannelAsync(bot), "elena", "It feels hopeless on this rotation, nothing we do will ever matter.");
            var third = bot.PostAsync(await GroupChannelAsync(bot), "isla", "There's no point trying, it never gets better and it never will.");
            if (!killOnFirstAlert)
            {
                await third;
            }
            else
            {
                // Killed as soon as one facilitator has the alert, while the other's delivery may be in flight.
                await bot.WaitUntilAsync(
                    async () =>
                    {
                        foreach (var facilitator in Facilitators)
                        {
                            if ((await DirectTextsAsync(bot, facilitator)).Any(t => t.Contains(AlertText, StringComparison.Ordinal)))
                            {
                                return true;
                            }
                        }

                        return false;
                    },
                    "the alert in a facilitator's messages");
            }

            await bot.KillAsync();

            // The last message's request may have been cut by the kill; its answer does not matter.
            await Task.WhenAny(third);
            _ = third.Exception;
        }

        // Round 3: the spiral goes on after the restart, within the alert cooldown: it is the same spiral, so no
        // second alert may fire.
        await using (var bot = await BotProcess.StartAsync(folder))
        {
            var channel = await GroupChannelAsync(bot);
            await bot.PostAsync(channel, "ben", "What's the point of any of it. Nothing will ever change.");
            await bot.PostAsync(channel, "elena", "It's hopeless, nothing we do will ever matter here.");
            await bot.PostAsync(channel, "ana", "There's no point trying, it never gets better and it never will.");
            await bot.KillAsync();
        }

        // Round 4: started once more; everything accepted arrives, once, and stays once past the longest delay.
        await using (var bot = await BotProcess.StartAsync(folder))
        {
            var restartedAt = Stopwatch.GetTimestamp();
            await bot.WaitUntilAsync(
                async () =>
                {
                    var texts = await GroupTextsAsync(bot);
                    return accepted.All(a => texts.Any(t => t.Contains(a, StringComparison.Ordinal)));
                },
                "every accepted anonymous post visible after the restart");
            foreach (var facilitator in Facilitators)
            {
                await bot.WaitUntilAsync(
                    async () => (await DirectTextsAsync(bot, facilitator)).Any(t => t.Contains(AlertText, StringComparison.Ordinal)),
                    $"the alert in {facilitator}'s messages");
            }

            // A duplicate would come from a post or alert sent again after the restart, so within the longest
            // anonymous delay of it; watch until then (plus a margin) that nothing appears twice.
            var quietUntil = restartedAt + (long)((MaxDelay + TimeSpan.FromSeconds(2)).TotalSeconds * Stopwatch.Frequency);
            await bot.WaitUntilAsync(
                async () =>
                {
                    await AssertExactlyOnceAsync(bot, accepted);
                    return Stopwatch.GetTimestamp() >= quietUntil;
                },
                "the quiet window after the restart");
            await AssertExactlyOnceAsync(bot, accepted);
        }
    }

    [Theory(Timeout = 90_000)]
    [InlineData(5)]
    [InlineData(42)]
    public async Task KillAroundScheduledPrompts_Restart_NoGroupGetsAPromptTwice(int seed)
    {
        var random = new Random(seed);
        using var folder = new KillFolder();

        // Round 1: the clock jumps to the first scheduled prompt; killed right after the jump (the prompt may
        // or may not be out) or once it is visible.
        await using (var bot = await BotProcess.StartAsync(folder))
        {
            await JumpToNextPromptAsync(bot);
            if (random.Next(2) == 0)
            {
                await bot.WaitUntilAsync(async () => (await PromptCountsAsync(bot)).Values.Sum() >= 1, "the first prompt");
            }

            await bot.KillAsync();
        }

        // Round 2: the sandbox clock's jump is kept with its data, so the restarted program is where it was: a
        // prompt the kill cut off is caught up once, and the next jump brings the next occurrence, once.
        await using (var bot = await BotProcess.StartAsync(folder))
        {
            await bot.WaitUntilAsync(async () => (await PromptCountsAsync(bot)).Values.Sum() >= 1, "the first prompt, posted or caught up after the restart");
            await JumpToNextPromptAsync(bot);
            await bot.WaitUntilAsync(async () => (await PromptCountsAsync(bot)).Values.Sum() >= 2, "the second prompt");

            await JumpToNextPromptAsync(bot);
            if (random.Next(2) == 0)
            {
                await bot.KillAsync();
            }
        }

        // Round 3: once more on the same files; four jumps in all, each to one group's next occurrence, so exactly
        // four prompts arrive, none twice.
        await using (var bot = await BotProcess.StartAsync(folder))
        {
            await JumpToNextPromptAsync(bot);
            await bot.WaitUntilAsync(async () => (await PromptCountsAsync(bot)).Values.Sum() >= 4, "the prompts of the four jumps");

            var watchFrom = Stopwatch.GetTimestamp();
            await bot.WaitUntilAsync(
                async () =>
                {
                    var counts = await PromptCountsAsync(bot);
                    Assert.True(counts.Values.Sum() <= 4, $"Four jumps posted {counts.Values.Sum()} prompts: {string.Join(", ", counts.Select(c => $"{c.Key}: {c.Value}"))}.");
                    return Stopwatch.GetElapsedTime(watchFrom) >= TimeSpan.FromSeconds(2);
                },
                "the quiet window after the jumps");
        }
    }

    [Theory(Timeout = 120_000)]
    [InlineData(8)]
    [InlineData(1234)]
    public async Task KillWithPromptsScheduled_RestartInProcessWeeksLater_AtMostOneCatchUpPerGroupThenTheScheduleResumes(int seed)
    {
        var random = new Random(seed);
        using var folder = new KillFolder();

        // Round 1: the real program jumps to its first scheduled prompt and is killed hard, right after the jump or once
        // the prompt is visible; the other groups' prompts are still ahead.
        await using (var bot = await BotProcess.StartAsync(folder))
        {
            // Once a prompt is out, every group's schedule has begun; then, by the seed, killed at once or right after
            // the next jump (that prompt may or may not be out, or be half-recorded).
            await JumpUntilAPromptIsPostedAsync(bot);
            if (random.Next(2) == 0)
            {
                await JumpToNextPromptAsync(bot);
            }

            await bot.KillAsync();
        }

        // What the killed program recorded: each group's last handled occurrence, a post in flight, prompts posted.
        var recorded = new Dictionary<string, (DateTimeOffset? Last, bool Pending, int Posted)>(StringComparer.Ordinal);
        using (var database = Storage.PeerBotDatabase.OpenFile(folder.File("sandbox.db")))
        {
            var store = new Storage.Prompts.LiteDbPromptStore(database);
            foreach (var state in database.Database.GetCollection<PromptGroupState>("prompt_states").FindAll())
            {
                recorded[state.Id] = (state.LastPromptOccurrence, state.Pending is not null, store.Posted(state.Id).Count(p => p.How == "scheduled"));
            }
        }

        // Round 2: started again in this process on the same database and key, on a fake clock four weeks and more
        // later (the killed program's clock was at most 12 days ahead of real time): two or more occurrences of every
        // group were missed, Tuesday Circle's latest one a seeded 1-5 hours ago, so within the 6-hour grace.
        var tuesdays = Cron("0 19 * * TUE", "America/New_York");
        var latestTuesday = tuesdays.Next(TimeProvider.System.GetUtcNow() + TimeSpan.FromDays(28))!.Value;
        var restartAt = latestTuesday + TimeSpan.FromMinutes(random.Next(60, 300));
        var time = new FakeTimeProvider(restartAt);
        output.WriteLine($"Seed {seed}: restarted at {restartAt:u}, {restartAt - latestTuesday} after Tuesday Circle's latest prompt.");
        await using var host = await InProcessBot.StartAsync(folder, time);

        var groups = host.Groups.All();
        Assert.Equal(3, groups.Count);
        var tuesday = groups.Single(g => g.Name == "Tuesday Circle");
        Assert.True(recorded.TryGetValue(tuesday.Id, out var tuesdayBefore) && tuesdayBefore.Last is not null, "Tuesday Circle's schedule had begun before the kill.");
        var schedules = groups.ToDictionary(g => g.Id, g => Cron(g.Schedule, g.TimeZone));
        var latest = groups.ToDictionary(g => g.Id, g => schedules[g.Id].LatestIn(restartAt - TimeSpan.FromDays(8), restartAt)!.Value);
        bool Begun(string id) => recorded.TryGetValue(id, out var r) && r.Last is not null;

        // A group whose schedule had not begun starts counting now and posts nothing for the past (a new group's rule).
        await host.WaitForScheduleAsync(
            () => groups.All(g => host.Prompts.GetState(g.Id).LastPromptOccurrence == (Begun(g.Id) ? latest[g.Id] : restartAt)),
            "every group's missed prompts dealt with");

        var before = new Dictionary<string, List<string>>(StringComparer.Ordinal);
        foreach (var group in groups)
        {
            var sinceRestart = host.Prompts.Posted(group.Id).Where(p => p.At >= restartAt).ToList();
            var posted = sinceRestart.Where(p => p.How == "scheduled").ToList();
            Assert.True(posted.Count <= 1, $"{group.Name} got {posted.Count} prompts for its missed occurrences: a burst.");
            if (Begun(group.Id) && restartAt - latest[group.Id] < ScheduleDecider.GraceWindow)
            {
                Assert.Equal(latest[group.Id], Assert.Single(posted).Occurrence);
            }
            else
            {
                Assert.Empty(posted);
                if (Begun(group.Id))
                {
                    Assert.Contains(sinceRestart, p => p.How == "missed" && p.Occurrence == latest[group.Id]);
                }
            }

            // In the channel: what the first round recorded (plus one it sent but could not record, if a post was in
            // flight at the kill), and the catch-up; every prompt once.
            var texts = await host.PromptTextsAsync(group);
            var (_, pending, postedBefore) = recorded.GetValueOrDefault(group.Id);
            Assert.True(texts.Count == texts.Distinct(StringComparer.Ordinal).Count(), $"{group.Name} has a prompt twice:\n{string.Join("\n", texts)}");
            Assert.InRange(texts.Count, postedBefore + posted.Count, postedBefore + (pending ? 1 : 0) + posted.Count);
            before[group.Id] = texts;
        }

        Assert.Single(host.Prompts.Posted(tuesday.Id), p => p.At >= restartAt && p.How == "scheduled");

        // Then the schedule resumes: each group's next occurrence is posted once, on time.
        foreach (var (group, next) in groups.Select(g => (g, schedules[g.Id].Next(restartAt)!.Value)).OrderBy(x => x.Item2))
        {
            time.SetUtcNow(next);
            await host.WaitForScheduleAsync(() => host.Prompts.GetState(group.Id).LastPromptOccurrence == next, $"{group.Name}'s prompt at {next:u}");
            var onTime = Assert.Single(host.Prompts.Posted(group.Id), p => p.Occurrence == next);
            Assert.Equal(("scheduled", next), (onTime.How, onTime.At));
            var texts = await host.PromptTextsAsync(group, atLeast: before[group.Id].Count + 1);
            Assert.Equal(before[group.Id].Count + 1, texts.Count);
            Assert.Equal(texts.Count, texts.Distinct(StringComparer.Ordinal).Count());
        }

        host.AssertNoErrorsLogged();
    }

    /// <summary>
    /// Jumps to the next prompt until one is posted, at most three times. A jump made before the scheduler's first look
    /// at a group (just after a first start) moves past that occurrence before the group's schedule has begun, so the
    /// group starts counting after it and posts nothing for it (the rule for a new group); the next jump then posts.
    /// </summary>
    private static async Task JumpUntilAPromptIsPostedAsync(BotProcess bot)
    {
        for (var attempt = 0; attempt < 3; attempt++)
        {
            await JumpToNextPromptAsync(bot);
            if (await bot.TryWaitUntilAsync(async () => (await PromptCountsAsync(bot)).Values.Sum() >= 1, TimeSpan.FromSeconds(5)))
            {
                return;
            }
        }

        Assert.Fail($"No prompt after three jumps. The program wrote:\n{bot.Output}");
    }

    private static CronSchedule Cron(string cron, string timeZone)
    {
        var parsed = CronSchedule.Parse(cron, timeZone);
        Assert.True(parsed.Succeeded, parsed.Error);
        return parsed.Value!;
    }

    private static async Task JumpToNextPromptAsync(BotProcess bot) =>
        await bot.SendAsync("/api/clock/next-prompt", new { });

    /// <summary>How many weekly prompts each group channel holds.</summary>
    private static async Task<Dictionary<string, int>> PromptCountsAsync(BotProcess bot)
    {
        var channels = new HashSet<string>(StringComparer.Ordinal);
        foreach (var person in Facilitators.Append("dr-ortiz"))
        {
            var visible = await bot.Client.GetFromJsonAsync<JsonElement>($"/api/channels?as={person}");
            foreach (var channel in visible.EnumerateArray().Where(c => c.GetProperty("kind").GetString() == "private"))
            {
                channels.Add(channel.GetProperty("id").GetString()!);
            }
        }

        Assert.True(channels.Count >= 3, $"Expected the demo roster's three groups, saw {channels.Count}.");
        var counts = new Dictionary<string, int>(StringComparer.Ordinal);
        foreach (var channel in channels)
        {
            var person = (await bot.Client.GetFromJsonAsync<JsonElement>($"/api/channels?as=dr-ortiz")).EnumerateArray()
                .Any(c => c.GetProperty("id").GetString() == channel) ? "dr-ortiz" : "dr-lee";
            var texts = await MessageTextsAsync(bot, channel, person);
            counts[channel] = texts.Count(t => t.Contains("This week", StringComparison.Ordinal) && t.Contains("prompt", StringComparison.Ordinal));
        }

        return counts;
    }

    private static async Task AssertExactlyOnceAsync(BotProcess bot, IReadOnlyList<string> accepted)
    {
        var texts = await GroupTextsAsync(bot);
        foreach (var share in accepted)
        {
            var copies = texts.Count(t => t.Contains(share, StringComparison.Ordinal));
            Assert.True(copies == 1, $"The anonymous post {share} appears {copies} times in the group.");
        }

        foreach (var facilitator in Facilitators)
        {
            var alerts = (await DirectTextsAsync(bot, facilitator)).Count(t => t.Contains(AlertText, StringComparison.Ordinal));
            Assert.True(alerts == 1, $"{facilitator} received the alert {alerts} times.");
        }
    }

    private static async Task<string> ShareAsync(BotProcess bot, string member, string token)
    {
        var text = $"Anonymous share {token}: the week was long and I kept it to myself.";
        var form = await bot.PostAsync($"D-{member}", member, "/peer share");
        Assert.Equal("share", form.GetProperty("form").GetProperty("formId").GetString());
        var reply = await bot.SendAsync("/api/forms", new { @as = member, formId = "share", values = new Dictionary<string, string> { ["text"] = text } });
        Assert.Contains("will appear", reply.GetRawText(), StringComparison.Ordinal);
        return token;
    }

    private static async Task<string> GroupChannelAsync(BotProcess bot)
    {
        var channels = await bot.Client.GetFromJsonAsync<JsonElement>("/api/channels?as=ana");
        return channels.EnumerateArray().Single(c => c.GetProperty("name").GetString() == GroupChannelName).GetProperty("id").GetString()!;
    }

    private static async Task<List<string>> GroupTextsAsync(BotProcess bot) =>
        await MessageTextsAsync(bot, await GroupChannelAsync(bot), "ana");

    private static async Task<List<string>> DirectTextsAsync(BotProcess bot, string person)
    {
        // Listing the channels makes sure the person's conversation with the bot exists.
        await bot.Client.GetFromJsonAsync<JsonElement>($"/api/channels?as={person}");
        return await MessageTextsAsync(bot, $"D-{person}", person);
    }

    private static async Task<List<string>> MessageTextsAsync(BotProcess bot, string channelId, string person)
    {
        var messages = await bot.Client.GetFromJsonAsync<JsonElement>($"/api/channels/{channelId}/messages?as={person}");
        return messages.EnumerateArray().Select(m => m.GetProperty("content").GetRawText()).ToList();
    }

    [GeneratedRegex(@"PeerBot sandbox: (http://127\.0\.0\.1:\d+/)")]
    private static partial Regex SandboxAddress();

    /// <summary>The built program as a child process on a folder's files, with short anonymous delays.</summary>
    private sealed class BotProcess : IAsyncDisposable
    {
        private static readonly TimeSpan Deadline = TimeSpan.FromSeconds(25);
        private readonly Process _process;
        private readonly ConcurrentQueue<string> _output;

        private BotProcess(Process process, ConcurrentQueue<string> output, Uri address)
        {
            _process = process;
            _output = output;
            Client = new HttpClient { BaseAddress = address, Timeout = TimeSpan.FromSeconds(20) };
            Client.DefaultRequestHeaders.Add("Origin", address.GetLeftPart(UriPartial.Authority));
        }

        public HttpClient Client { get; }

        public string Output => string.Join('\n', _output);

        public static async Task<BotProcess> StartAsync(KillFolder folder)
        {
            var start = BuiltProgram.StartInfo(folder.Path, new Dictionary<string, string>
            {
                ["PeerBot__Sandbox__Port"] = "0",
                ["PeerBot__Sandbox__StoragePath"] = folder.File("sandbox.db"),
                ["PeerBot__Storage__Path"] = folder.File("peerbot.db"),
                ["PeerBot__Anonymity__KeyPath"] = folder.File("anonymity.key"),
                ["PeerBot__Anonymity__MinDelay"] = "00:00:01",
                ["PeerBot__Anonymity__MaxDelay"] = MaxDelay.ToString("c", System.Globalization.CultureInfo.InvariantCulture),
                ["PeerBot__Anonymity__MaxPerDay"] = "50",
                ["PeerBot__Safety__Engine"] = "Lexicon",
            });

            var process = new Process { StartInfo = start };
            var output = new ConcurrentQueue<string>();
            var printed = new TaskCompletionSource<Uri>(TaskCreationOptions.RunContinuationsAsynchronously);
            process.OutputDataReceived += (_, e) => OnLine(e.Data);
            process.ErrorDataReceived += (_, e) => OnLine(e.Data);
            process.Start();
            process.BeginOutputReadLine();
            process.BeginErrorReadLine();
            var first = await Task.WhenAny(printed.Task, process.WaitForExitAsync(), Task.Delay(TimeSpan.FromSeconds(40)));
            if (first != printed.Task)
            {
                if (!process.HasExited)
                {
                    process.Kill(entireProcessTree: true);
                }

                await process.WaitForExitAsync();
                Assert.Fail($"The program did not print its address. It wrote:\n{string.Join('\n', output)}");
            }

            return new BotProcess(process, output, await printed.Task);

            void OnLine(string? line)
            {
                if (line is null)
                {
                    return;
                }

                output.Enqueue(line);
                if (SandboxAddress().Match(line) is { Success: true } match)
                {
                    printed.TrySetResult(new Uri(match.Groups[1].Value));
                }
            }
        }

        public Task<JsonElement> PostAsync(string channelId, string person, string text) =>
            SendAsync($"/api/channels/{channelId}/messages", new { @as = person, text });

        public async Task<JsonElement> SendAsync(string path, object body)
        {
            using var response = await Client.PostAsJsonAsync(path, body);
            var content = await response.Content.ReadAsStringAsync();
            Assert.True(response.IsSuccessStatusCode, $"{path} answered {(int)response.StatusCode}: {content}\n{Output}");
            return JsonDocument.Parse(content).RootElement.Clone();
        }

        public async Task WaitUntilAsync(Func<Task<bool>> condition, string what)
        {
            var started = Stopwatch.GetTimestamp();
            while (!await condition())
            {
                Assert.False(_process.HasExited, $"The program stopped while waiting for {what}. It wrote:\n{Output}");
                Assert.True(Stopwatch.GetElapsedTime(started) < Deadline, $"Timed out waiting for {what}. The program wrote:\n{Output}");
                using var pause = new PeriodicTimer(TimeSpan.FromMilliseconds(50));
                await pause.WaitForNextTickAsync();
            }
        }

        /// <summary>Polls the condition until it holds (true) or the time is up (false).</summary>
        public async Task<bool> TryWaitUntilAsync(Func<Task<bool>> condition, TimeSpan within)
        {
            var started = Stopwatch.GetTimestamp();
            while (!await condition())
            {
                Assert.False(_process.HasExited, $"The program stopped. It wrote:\n{Output}");
                if (Stopwatch.GetElapsedTime(started) >= within)
                {
                    return false;
                }

                using var pause = new PeriodicTimer(TimeSpan.FromMilliseconds(50));
                await pause.WaitForNextTickAsync();
            }

            return true;
        }

        public async Task KillAsync()
        {
            if (!_process.HasExited)
            {
                _process.Kill(entireProcessTree: true);
            }

            await _process.WaitForExitAsync();
        }

        public async ValueTask DisposeAsync()
        {
            Client.Dispose();
            await KillAsync();
            _process.Dispose();
        }
    }

    /// <summary>
    /// The program's own host (<see cref="PeerBotHost.CreateBuilder"/>, sandbox mode, as <c>run</c> starts it with no
    /// platform configured) in this process on a folder's files, with the sandbox clock standing on a fake clock.
    /// </summary>
    private sealed class InProcessBot : IAsyncDisposable
    {
        private readonly IHost _host;

        private InProcessBot(IHost host, HttpClient client, ConcurrentQueue<string> errors)
        {
            _host = host;
            Client = client;
            Errors = errors;
        }

        public HttpClient Client { get; }

        public IGroupDirectory Groups => _host.Services.GetRequiredService<IGroupDirectory>();

        public IPromptStore Prompts => _host.Services.GetRequiredService<IPromptStore>();

        public static async Task<InProcessBot> StartAsync(KillFolder folder, FakeTimeProvider time)
        {
            var settings = new Dictionary<string, string?>
            {
                ["PeerBot:Sandbox:Port"] = "0",
                ["PeerBot:Sandbox:StoragePath"] = folder.File("sandbox.db"),
                ["PeerBot:Storage:Path"] = folder.File("peerbot.db"),
                ["PeerBot:Anonymity:KeyPath"] = folder.File("anonymity.key"),
                ["PeerBot:Anonymity:MinDelay"] = "00:00:01",
                ["PeerBot:Anonymity:MaxDelay"] = MaxDelay.ToString("c", System.Globalization.CultureInfo.InvariantCulture),
                ["Logging:LogLevel:Default"] = "Warning",
            };
            var errors = new ConcurrentQueue<string>();
            var host = PeerBotHost.CreateBuilder(
                configFile: null,
                configureConfiguration: c => c.AddInMemoryCollection(settings),
                configure: b =>
                {
                    b.Services.Replace(ServiceDescriptor.Singleton(new SandboxClock(time)));
                    b.Services.AddTestLifetime();
                    b.Logging.AddProvider(new ErrorCollector(errors));
                }).Build();
            await host.StartAsync();
            var address = await host.Services.GetRequiredService<SandboxWebHost>().Started.WaitAsync(TimeSpan.FromSeconds(30));
            var bot = new InProcessBot(host, new HttpClient { BaseAddress = address, Timeout = TimeSpan.FromSeconds(20) }, errors);

            // The groups keep the channels the killed program made; reconciliation maps them again in the background.
            var reconciliation = host.Services.GetRequiredService<GroupReconciliationService>();
            for (var attempt = 0; attempt < 5 && !bot.Groups.All().All(g => g.Channel is not null); attempt++)
            {
                await reconciliation.RequestReconcile().WaitAsync(TimeSpan.FromSeconds(30));
            }

            Assert.All(bot.Groups.All(), g => Assert.NotNull(g.Channel));
            return bot;
        }

        private ConcurrentQueue<string> Errors { get; }

        /// <summary>Waits, on the scheduler's own passes, until the condition holds.</summary>
        public async Task WaitForScheduleAsync(Func<bool> condition, string what)
        {
            var scheduler = _host.Services.GetRequiredService<PromptSchedulerService>();
            var done = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            void OnPass(object? sender, DateTimeOffset next)
            {
                if (condition())
                {
                    done.TrySetResult();
                }
            }

            scheduler.PassCompleted += OnPass;
            try
            {
                if (condition())
                {
                    return;
                }

                await done.Task.WaitAsync(TimeSpan.FromSeconds(30));
            }
            catch (TimeoutException)
            {
                Assert.Fail($"Timed out waiting for {what}. Errors logged: {string.Join('\n', Errors)}");
            }
            finally
            {
                scheduler.PassCompleted -= OnPass;
            }
        }

        /// <summary>
        /// The weekly prompts in a group's channel, as one of its facilitators sees them; with <paramref name="atLeast"/>,
        /// read again (for at most 30 s of real time) until that many are there, as the sandbox's page may show a message
        /// a moment after the send that recorded it returned on a loaded machine.
        /// </summary>
        public async Task<List<string>> PromptTextsAsync(GroupInfo group, int atLeast = 0)
        {
            var deadline = TimeProvider.System.GetUtcNow() + TimeSpan.FromSeconds(30);
            while (true)
            {
                var messages = await Client.GetFromJsonAsync<JsonElement>($"/api/channels/{group.Channel!.Id}/messages?as={group.FacilitatorIds[0]}");
                var texts = messages.EnumerateArray()
                    .Select(m => m.GetProperty("content").GetRawText())
                    .Where(t => t.Contains("This week", StringComparison.Ordinal) && t.Contains("prompt", StringComparison.Ordinal))
                    .ToList();
                if (texts.Count >= atLeast || TimeProvider.System.GetUtcNow() > deadline)
                {
                    return texts;
                }

                await Task.Yield();
            }
        }

        public void AssertNoErrorsLogged() => Assert.True(Errors.IsEmpty, "Errors were logged:\n" + string.Join('\n', Errors));

        public async ValueTask DisposeAsync()
        {
            Client.Dispose();
            using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
            await _host.StopAsync(timeout.Token);
            _host.Dispose();
        }

        /// <summary>Keeps every log line at Error or above.</summary>
        private sealed class ErrorCollector(ConcurrentQueue<string> errors) : ILoggerProvider
        {
            public ILogger CreateLogger(string categoryName) => new Logger(errors, categoryName);

            public void Dispose()
            {
            }

            private sealed class Logger(ConcurrentQueue<string> errors, string category) : ILogger
            {
                public IDisposable? BeginScope<TState>(TState state)
                    where TState : notnull => null;

                public bool IsEnabled(LogLevel logLevel) => logLevel >= LogLevel.Error;

                public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
                {
                    if (logLevel >= LogLevel.Error)
                    {
                        errors.Enqueue($"{logLevel} {category}: {formatter(state, exception)} {exception}");
                    }
                }
            }
        }
    }

    /// <summary>A temporary folder for one test's database and key, removed after it.</summary>
    internal sealed class KillFolder : IDisposable
    {
        public KillFolder() => Directory.CreateDirectory(Path);

        public string Path { get; } = System.IO.Path.Combine(System.IO.Path.GetTempPath(), "peerbot-kill-tests", Guid.NewGuid().ToString("N"));

        public string File(string name) => System.IO.Path.Combine(Path, name);

        public void Dispose()
        {
            try
            {
                Directory.Delete(Path, recursive: true);
            }
            catch (IOException)
            {
                // The killed program's files may still be held for a moment; the OS temp cleaner takes them.
            }
        }
    }
}

/// <summary>Hard-kill tests start real processes; one at a time keeps them within their time bounds.</summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class HardKillCollection
{
    /// <summary>The collection's name.</summary>
    public const string Name = "Hard kill";
}
