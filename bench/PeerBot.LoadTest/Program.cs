using System.Globalization;
using PeerBot.LoadTest;

// The load scenario: the real host against the Discord or Slack emulator on loopback, N groups of about five people,
// a burst of messages at a target rate (a few groups spiral), and slash commands at the same time. Bounded: it stops
// by itself. By default the host runs in a process of its own, so its memory and CPU are measured alone.
if (args.Length > 0 && args[0] == HostMode.Verb)
{
    return await HostMode.RunAsync(args[1..]);
}

var options = LoadOptions.Parse(args);
if (options is null)
{
    Console.Error.WriteLine("usage: PeerBot.LoadTest [--groups 200] [--people 1000] [--rate 2000] [--seconds 10] [--commands 20] [--spirals 20] [--platform discord|slack|both] [--slack-tiers lifted|real] [--host separate|inproc|PATH/peerbot.dll] [--engine semantic|lexicon] [--restart ready|kill:SECONDS] [--peer bench/discordjs-peer]");
    return 2;
}

return options.Platform switch
{
    "discord" => await LoadRunner.RunAsync(options, new DiscordDriver()),
    "slack" => await LoadRunner.RunAsync(options, new SlackDriver(options.RealSlackTiers)),
    "both" => Math.Max(await LoadRunner.RunAsync(options, new DiscordDriver()), await LoadRunner.RunAsync(options, new SlackDriver(options.RealSlackTiers))),
    _ => Usage(),
};

static int Usage()
{
    Console.Error.WriteLine("--platform must be discord, slack or both");
    return 2;
}

namespace PeerBot.LoadTest
{
    /// <summary>Where the host under test runs.</summary>
    internal enum HostKind
    {
        /// <summary>This program re-launched in <c>host</c> mode, with the host's own runtime configuration.</summary>
        Separate,

        /// <summary>In this process, with the emulator and the generator (the figures are for all three).</summary>
        InProcess,

        /// <summary>A built or published <c>peerbot.dll</c>, run as <c>dotnet peerbot.dll run --config FILE</c>.</summary>
        Executable,

        /// <summary>
        /// Not PeerBot: the discord.js peer (<c>--peer DIR</c>), run as <c>node DIR/peer.mjs --config FILE --model DIR</c> on
        /// the same configuration file, for a side-by-side comparison on Discord.
        /// </summary>
        DiscordJsPeer,
    }

    /// <param name="Restart">
    /// null: start once. <c>ready</c>: stop the host cleanly once it is ready and start it again on the same store (the
    /// second start is the one measured). <c>kill:SECONDS</c>: kill the host's process (SIGKILL) that long after it started,
    /// whatever it was doing, and start it again on the same store.
    /// </param>
    /// <param name="PeerScript">With <see cref="HostKind.DiscordJsPeer"/>: the full path of the peer's <c>peer.mjs</c>.</param>
    internal sealed record LoadOptions(int Groups, int People, int Rate, int Seconds, int CommandsPerSecond, int Spirals, string Platform, bool RealSlackTiers, HostKind Host, string? HostPath, string? Engine = null, string? Restart = null, string? PeerScript = null)
    {
        public static LoadOptions? Parse(string[] args)
        {
            var values = new Dictionary<string, string>(StringComparer.Ordinal);
            for (var i = 0; i + 1 < args.Length; i += 2)
            {
                if (!args[i].StartsWith("--", StringComparison.Ordinal))
                {
                    return null;
                }

                values[args[i][2..]] = args[i + 1];
            }

            if (args.Length % 2 != 0)
            {
                return null;
            }

            int Int(string key, int fallback) => values.TryGetValue(key, out var v) && int.TryParse(v, CultureInfo.InvariantCulture, out var n) && n > 0 ? n : fallback;
            var groups = Int("groups", 200);
            var host = values.GetValueOrDefault("host", "separate");
            var kind = host switch
            {
                "separate" => HostKind.Separate,
                "inproc" => HostKind.InProcess,
                _ when host.EndsWith(".dll", StringComparison.OrdinalIgnoreCase) && File.Exists(host) => HostKind.Executable,
                _ => (HostKind?)null,
            };
            if (kind is null)
            {
                Console.Error.WriteLine("--host must be separate, inproc or the path of an existing peerbot.dll");
                return null;
            }

            var restart = values.GetValueOrDefault("restart");
            if (restart is not null && restart != "ready" && !(restart.StartsWith("kill:", StringComparison.Ordinal) && double.TryParse(restart[5..], CultureInfo.InvariantCulture, out var at) && at > 0))
            {
                Console.Error.WriteLine("--restart must be ready or kill:SECONDS");
                return null;
            }

            if (restart is not null && kind == HostKind.InProcess)
            {
                Console.Error.WriteLine("--restart needs the host in a process of its own (--host separate or a peerbot.dll)");
                return null;
            }

            // --peer DIR: the discord.js peer instead of PeerBot, on Discord only; PeerBot's own options do not apply to it.
            string? peerScript = null;
            if (values.TryGetValue("peer", out var peerDir))
            {
                peerScript = Path.GetFullPath(Path.Combine(peerDir, "peer.mjs"));
                if (!File.Exists(peerScript))
                {
                    Console.Error.WriteLine($"--peer: no {peerScript}");
                    return null;
                }

                if (values.ContainsKey("host") || restart is not null || values.ContainsKey("engine") || values.ContainsKey("slack-tiers")
                    || (values.TryGetValue("platform", out var peerPlatform) && !peerPlatform.Equals("discord", StringComparison.OrdinalIgnoreCase)))
                {
                    Console.Error.WriteLine("--peer runs the discord.js peer on Discord only: without --host, --restart, --engine or --slack-tiers, and with --platform discord");
                    return null;
                }

                kind = HostKind.DiscordJsPeer;
            }

            return new LoadOptions(
                groups,
                Int("people", groups * 5),
                Int("rate", 2000),
                Int("seconds", 10),
                Int("commands", 20),
                Math.Min(groups, Int("spirals", Math.Max(1, groups / 10))),
                values.TryGetValue("platform", out var p) ? p.ToLowerInvariant() : "discord",
                values.TryGetValue("slack-tiers", out var t) && t == "real",
                kind.Value,
                kind == HostKind.Executable ? Path.GetFullPath(host) : null,
                values.TryGetValue("engine", out var e) ? (e.Equals("lexicon", StringComparison.OrdinalIgnoreCase) ? "Lexicon" : "Semantic") : null,
                restart,
                peerScript);
        }
    }

    internal static class Stats
    {
        public static double Percentile(List<double> sorted, double p) =>
            sorted.Count == 0 ? double.NaN : sorted[Math.Clamp((int)Math.Ceiling(p / 100 * sorted.Count) - 1, 0, sorted.Count - 1)];

        public static string Describe(IEnumerable<double> values)
        {
            var sorted = values.Order().ToList();
            return sorted.Count == 0
                ? "none"
                : string.Create(CultureInfo.InvariantCulture, $"n={sorted.Count} p50={Percentile(sorted, 50):F1} ms p99={Percentile(sorted, 99):F1} ms max={sorted[^1]:F1} ms");
        }

        public static string Mb(long bytes) => string.Create(CultureInfo.InvariantCulture, $"{bytes / 1048576.0:F0} MB");
    }

    internal static class Messages
    {
        public static readonly string[] Calm =
        [
            "anyone want to grab food after sign out?",
            "long night on nights, but the team was great",
            "thanks for covering my pager earlier",
            "the new rotation schedule is up on the board",
            "does anyone have notes from grand rounds today?",
            "coffee in the lounge at 7 if anyone is around",
            "my attending gave really useful feedback on my presentation",
            "happy friday everyone, see you next week",
        ];

        public static readonly string[] Fatalistic =
        [
            "what's the point of any of this",
            "honestly no point, nothing ever changes here",
            "it's pointless, nothing will ever change, we can't do anything about it",
        ];
    }
}
