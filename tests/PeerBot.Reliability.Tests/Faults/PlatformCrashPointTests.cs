using System.Collections.Concurrent;
using System.Diagnostics;
using System.Text.Json.Nodes;
using PeerBot.Testing.Discord;
using PeerBot.Testing.Hosting;
using PeerBot.Testing.Slack;
using Xunit.Abstractions;

namespace PeerBot.Reliability.Tests.Faults;

/// <summary>
/// The built program, against the Discord and Slack emulators, killed hard at each crash point of a message that must
/// go once (a new group's introduction): before the platform stored it, and after the platform stored it but before
/// its answer came back. Restarted on the same database after Discord's nonce window (Slack has none): the message is
/// in the channel exactly once, found by PeerBot's send journal rather than kept once by a forgiving double.
/// (The third point, after the answer but before the journal's record, leaves the same record as the second and is
/// tested in-process by <c>ExactlyOncePlatformTests</c>, since no process can be stopped inside it from outside.)
/// </summary>
[Collection(HardKillCollection.Name)]
public sealed class PlatformCrashPointTests(ITestOutputHelper output)
{
    private const string IntroductionWords = "This is your group's private space";
    private static readonly TimeSpan Deadline = TimeSpan.FromSeconds(60);

    [Theory(Timeout = 150_000)]
    [InlineData(false)]
    [InlineData(true)]
    public async Task Discord_KilledWhileTheIntroductionWasInFlight_RestartedPastTheNonceWindow_PostedOnce(bool platformStoredIt)
    {
        await using var discord = await DiscordEmulator.StartAsync(new DiscordEmulatorOptions());
        discord.NonceWindow = TimeSpan.Zero;
        var ana = discord.AddMember("ana.r");
        var ben = discord.AddMember("ben.t");
        var cy = discord.AddMember("cy.m");
        var lee = discord.AddMember("drlee");
        using var folder = NewFolder();
        var environment = Environment(folder, discord.HostConfiguration(), "Discord", [ana, ben, cy, lee], slack: false);
        var held = discord.HoldNext((method, path, body) => method == "POST" && path.EndsWith("/messages", StringComparison.Ordinal)
            && body?["content"]?.GetValue<string>().Contains(IntroductionWords, StringComparison.Ordinal) == true, afterActing: platformStoredIt);

        await using (var bot = Bot.Start(folder, environment, output))
        {
            await bot.WaitAsync(held, "the introduction to reach Discord");
            await bot.KillAsync();
        }

        await using (var bot = Bot.Start(folder, environment, output))
        {
            await bot.WaitUntilAsync(() => Introductions(discord) >= 1 && new[] { ana, ben, cy, lee }.All(p => discord.DirectChannel(p) is { } dm && discord.MessagesIn(dm.Id).Count > 0), "the introduction and every welcome");
            await bot.QuietAsync(TimeSpan.FromSeconds(3));
            await bot.KillAsync();
        }

        Assert.Equal(1, Introductions(discord));
    }

    [Theory(Timeout = 150_000)]
    [InlineData(false)]
    [InlineData(true)]
    public async Task Slack_KilledWhileTheIntroductionWasInFlight_Restarted_PostedOnce(bool platformStoredIt)
    {
        await using var slack = new SlackEmulator();
        await slack.StartAsync();
        slack.AddUser("U0ANA", "ana");
        slack.AddUser("U0BEN", "ben");
        slack.AddUser("U0CY", "cy");
        slack.AddUser("U0LEE", "lee");
        using var folder = NewFolder();
        var environment = Environment(folder, slack.ConfigurationValues, "Slack", ["U0ANA", "U0BEN", "U0CY", "U0LEE"], slack: true);
        var held = slack.HoldNext((method, args) => method == "chat.postMessage" && args.ToJsonString().Contains(IntroductionWords.Replace("'", "\\u0027", StringComparison.Ordinal), StringComparison.Ordinal), afterActing: platformStoredIt);

        await using (var bot = Bot.Start(folder, environment, output))
        {
            await bot.WaitAsync(held, "the introduction to reach Slack");
            await bot.KillAsync();
        }

        await using (var bot = Bot.Start(folder, environment, output))
        {
            await bot.WaitUntilAsync(() => Introductions(slack) >= 1, "the introduction");
            await bot.QuietAsync(TimeSpan.FromSeconds(3));
            await bot.KillAsync();
        }

        Assert.Equal(1, Introductions(slack));
    }

    private static HardKillTests.KillFolder NewFolder()
    {
        var folder = new HardKillTests.KillFolder();
        Directory.CreateDirectory(folder.File("keys"));
        return folder;
    }

    private static int Introductions(DiscordEmulator discord) =>
        discord.Channels.Where(c => c.Type == 0).Sum(c => discord.MessagesIn(c.Id).Count(m => m.Content.Contains(IntroductionWords, StringComparison.Ordinal)));

    private static int Introductions(SlackEmulator slack) =>
        slack.Channels.Where(c => !c.IsIm).Sum(c => c.Messages.Count(m => (m.Blocks?.ToJsonString() ?? m.Text).Contains(IntroductionWords.Replace("'", "\\u0027", StringComparison.Ordinal), StringComparison.Ordinal) || m.Text.Contains(IntroductionWords, StringComparison.Ordinal)));

    private static Dictionary<string, string> Environment(HardKillTests.KillFolder folder, IReadOnlyDictionary<string, string?> platform, string platformName, string[] ids, bool slack)
    {
        var environment = platform.Where(p => p.Value is not null).ToDictionary(p => p.Key.Replace(":", "__", StringComparison.Ordinal), p => p.Value!);
        environment["PeerBot__Storage__Path"] = folder.File("peerbot.db");
        environment["PeerBot__Anonymity__KeyPath"] = Path.Combine(folder.File("keys"), "anonymity.key");
        environment["PeerBot__Safety__Engine"] = "Lexicon";
        environment["PeerBot__TimeZone"] = "UTC";
        var people = new[] { ("ana", "Ana R.", "Resident", ids[0]), ("ben", "Ben T.", "Resident", ids[1]), ("cy", "Cy M.", "Resident", ids[2]), ("dr-lee", "Dr. Sam Lee", "Psychologist", ids[3]) };
        for (var i = 0; i < people.Length; i++)
        {
            var (id, name, role, platformId) = people[i];
            environment[$"PeerBot__People__{i}__Id"] = id;
            environment[$"PeerBot__People__{i}__Name"] = name;
            environment[$"PeerBot__People__{i}__Role"] = role;
            environment[$"PeerBot__People__{i}__{(slack ? "Slack" : "Discord")}"] = platformId;
            if (role == "Resident")
            {
                environment[$"PeerBot__People__{i}__Pgy"] = "1";
            }
        }

        environment["PeerBot__Groups__0__Name"] = "Tuesday Circle";
        environment["PeerBot__Groups__0__Platform"] = platformName;
        environment["PeerBot__Groups__0__Schedule"] = "0 19 * * TUE";
        environment["PeerBot__Groups__0__Members__0"] = "ana";
        environment["PeerBot__Groups__0__Members__1"] = "ben";
        environment["PeerBot__Groups__0__Members__2"] = "cy";
        environment["PeerBot__Groups__0__Facilitators__0"] = "dr-lee";
        return environment;
    }

    private sealed class Bot : IAsyncDisposable
    {
        private readonly Process _process;
        private readonly ConcurrentQueue<string> _lines;

        private Bot(Process process, ConcurrentQueue<string> lines)
        {
            _process = process;
            _lines = lines;
        }

        public static Bot Start(HardKillTests.KillFolder folder, Dictionary<string, string> environment, ITestOutputHelper output)
        {
            var process = new Process { StartInfo = BuiltProgram.StartInfo(folder.Path, environment) };
            var lines = new ConcurrentQueue<string>();
            process.OutputDataReceived += (_, e) => Keep(e.Data);
            process.ErrorDataReceived += (_, e) => Keep(e.Data);
            process.Start();
            process.BeginOutputReadLine();
            process.BeginErrorReadLine();
            return new Bot(process, lines);

            void Keep(string? line)
            {
                if (line is not null)
                {
                    lines.Enqueue(line);
                }
            }
        }

        private string Output => string.Join('\n', _lines.TakeLast(60));

        public async Task WaitAsync(Task arrived, string what)
        {
            var first = await Task.WhenAny(arrived, _process.WaitForExitAsync(), Task.Delay(Deadline));
            Assert.True(first == arrived, $"Waiting for {what}: {(_process.HasExited ? "the program stopped" : "timed out")}. It wrote:\n{Output}");
        }

        public async Task WaitUntilAsync(Func<bool> condition, string what)
        {
            var started = Stopwatch.GetTimestamp();
            while (!condition())
            {
                Assert.False(_process.HasExited, $"The program stopped while waiting for {what}. It wrote:\n{Output}");
                Assert.True(Stopwatch.GetElapsedTime(started) < Deadline, $"Timed out waiting for {what}. The program wrote:\n{Output}");
                using var pause = new PeriodicTimer(TimeSpan.FromMilliseconds(50));
                await pause.WaitForNextTickAsync();
            }
        }

        /// <summary>Lets the running program carry on for a while, so a second send (the defect) would have happened.</summary>
        public async Task QuietAsync(TimeSpan span)
        {
            using var pause = new PeriodicTimer(span);
            await pause.WaitForNextTickAsync();
            Assert.False(_process.HasExited, $"The program stopped. It wrote:\n{Output}");
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
            await KillAsync();
            _process.Dispose();
        }
    }
}
