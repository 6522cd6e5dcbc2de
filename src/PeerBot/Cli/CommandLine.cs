namespace PeerBot.Cli;

/// <summary>The parsed command line: a verb and its options.</summary>
internal sealed record CommandLine(string Verb, string? ConfigFile, string? InputFile, bool Json, bool Help, string? OutFolder = null)
{
    public const string DefaultVerb = "run";

    public static readonly IReadOnlyList<(string Verb, string Usage, string Description)> Verbs =
    [
        ("run", "run", "Start PeerBot with every configured platform; with none configured, start the sandbox (the default verb)."),
        ("check-config", "check-config", "Validate the configuration and print a summary. Exit 0 valid, 2 invalid."),
        ("sandbox", "sandbox", "Start the local sandbox workspace in the browser, even when platforms are configured."),
        ("plan-groups", "plan-groups [--json]", "Show the groups formation would build and what would change, touching no platform."),
        ("analyze", "analyze [--input FILE]", "Run the safety engine over a JSON Lines transcript (stdin by default). Exit 2 on bad input."),
        ("digest", "digest --out DIR", "Write this week's digest (text and one chart per group) for every facilitator and coordinator to DIR, offline."),
    ];

    /// <summary>Parses arguments; returns an error message for a person instead of throwing.</summary>
    public static (CommandLine? Line, string? Error) Parse(IReadOnlyList<string> args)
    {
        string? verb = null, config = null, input = null, outFolder = null;
        bool json = false, help = false;
        for (var i = 0; i < args.Count; i++)
        {
            var arg = args[i];
            switch (arg)
            {
                case "--help" or "-h" or "-?" or "help":
                    help = true;
                    break;
                case "--json":
                    json = true;
                    break;
                case "--config" or "--input" or "--out":
                    if (i + 1 >= args.Count || args[i + 1].StartsWith("--", StringComparison.Ordinal))
                    {
                        return (null, $"{arg} needs a {(arg == "--out" ? "folder" : "file")} path");
                    }

                    if (arg == "--config")
                    {
                        config = args[++i];
                    }
                    else if (arg == "--input")
                    {
                        input = args[++i];
                    }
                    else
                    {
                        outFolder = args[++i];
                    }

                    break;
                default:
                    if (arg.StartsWith('-'))
                    {
                        return (null, $"unknown option '{arg}'");
                    }

                    if (verb is not null)
                    {
                        return (null, $"unexpected argument '{arg}' after '{verb}'");
                    }

                    if (!Verbs.Any(v => v.Verb == arg))
                    {
                        return (null, $"unknown verb '{arg}'");
                    }

                    verb = arg;
                    break;
            }
        }

        verb ??= DefaultVerb;
        if (json && verb is not "plan-groups")
        {
            return (null, $"--json applies to plan-groups, not {verb}");
        }

        if (input is not null && verb is not "analyze")
        {
            return (null, $"--input applies to analyze, not {verb}");
        }

        if (outFolder is not null && verb is not "digest")
        {
            return (null, $"--out applies to digest, not {verb}");
        }

        if (verb is "digest" && outFolder is null && !help)
        {
            return (null, "digest needs --out DIR, the folder to write the digests to");
        }

        return (new CommandLine(verb, config, input, json, help, outFolder), null);
    }

    public static string Usage()
    {
        var width = Verbs.Max(v => v.Usage.Length);
        var lines = Verbs.Select(v => $"  {v.Usage.PadRight(width)}  {v.Description}");
        return $"""
            PeerBot: small, private peer-support groups for medical residents, on Discord or Slack.

            Usage: peerbot [VERB] [--config FILE]
              (from the source tree: dotnet run --project src/PeerBot -- [VERB] [--config FILE])

            Verbs:
            {string.Join(Environment.NewLine, lines)}

            Options:
              --config FILE   add a JSON configuration file (over appsettings.json, under environment variables)
              --json          plan-groups: print JSON instead of text
              --input FILE    analyze: read the transcript from FILE instead of standard input
              --out DIR       digest: the folder to write the digests to (created if missing)
              --help          show this help

            Configuration keys live under "PeerBot" (see README.md); environment variables override them,
            e.g. PeerBot__Discord__Token, PeerBot__Slack__BotToken, PeerBot__Slack__AppToken.
            """;
    }
}
