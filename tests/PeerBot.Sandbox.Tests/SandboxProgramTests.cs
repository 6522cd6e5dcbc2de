using System.Diagnostics;
using System.Net.Http.Json;
using System.Text.Json;
using System.Text.RegularExpressions;
using Microsoft.Extensions.DependencyInjection;
using PeerBot.Core.Prompts;
using PeerBot.Sandbox.Tests.Support;
using PeerBot.Testing.Hosting;

namespace PeerBot.Sandbox.Tests;

/// <summary>
/// The program itself in sandbox mode: the built <c>peerbot</c> entry point as a person starts it, and the
/// program's host with the demo roster and the real Core.
/// </summary>
public sealed partial class SandboxProgramTests
{
    [Fact(Timeout = 120_000)]
    public async Task Run_NoConfiguration_PrintsTheSandboxAddressAndThePageAnswers()
    {
        using var folder = new TempFolder();
        using var process = StartProgram(folder, new Dictionary<string, string>
        {
            ["PeerBot__Sandbox__Port"] = "0",
            ["PeerBot__Sandbox__StoragePath"] = folder.File("sandbox.db"),
            ["PeerBot__Storage__Path"] = folder.File("peerbot.db"),
            ["PeerBot__Anonymity__KeyPath"] = folder.File("anonymity.key"),
        });
        var printed = new TaskCompletionSource<Uri>(TaskCreationOptions.RunContinuationsAsynchronously);
        var output = new System.Collections.Concurrent.ConcurrentQueue<string>();
        process.OutputDataReceived += (_, e) => OnLine(e.Data);
        process.ErrorDataReceived += (_, e) => OnLine(e.Data);
        try
        {
            process.Start();
            process.BeginOutputReadLine();
            process.BeginErrorReadLine();
            var exited = process.WaitForExitAsync();

            // A child process runs on real time; the bound only catches one that never prints its address.
            var first = await Task.WhenAny(printed.Task, exited).WaitAsync(TimeSpan.FromSeconds(60)).ContinueWith(t => t.IsCompletedSuccessfully ? t.Result : null, TaskScheduler.Default);
            Assert.True(first == printed.Task, $"The program did not print its address. It wrote:\n{string.Join('\n', output)}");
            var address = await printed.Task;

            using var client = new HttpClient { BaseAddress = address, Timeout = TimeSpan.FromSeconds(30) };
            var page = await client.GetStringAsync("/");
            Assert.Contains("PeerBot sandbox", page, StringComparison.Ordinal);
            var roster = await client.GetFromJsonAsync<JsonElement>("/api/roster");
            Assert.True(roster.GetProperty("demoRoster").GetBoolean());
            Assert.Contains(roster.GetProperty("people").EnumerateArray(), p => p.GetProperty("name").GetString() == "Ana R.");

            // The real command handler answers, in the program's own process.
            using var help = await client.PostAsJsonAsync("/api/channels/D-ana/messages", new { @as = "ana", text = "/peer help" });
            var reply = await help.Content.ReadAsStringAsync();
            Assert.True(help.IsSuccessStatusCode, reply);
            Assert.Contains("/peer share", reply, StringComparison.Ordinal);
            Assert.False(process.HasExited, $"The program stopped. It wrote:\n{string.Join('\n', output)}");
        }
        finally
        {
            if (!process.HasExited)
            {
                process.Kill(entireProcessTree: true);
            }

            await process.WaitForExitAsync();
        }

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

    [Fact(Timeout = 60_000)]
    public async Task Start_DemoRoster_GroupsKeepTheirTimeZonesAndChannelsArePrefixedOnce()
    {
        await using var host = await RealSandboxHost.StartAsync();

        Assert.Equal("America/New_York", host.Group("Tuesday Circle").TimeZone);
        Assert.Equal("America/Chicago", host.Group("Night Owls").TimeZone);
        Assert.Equal("America/New_York", host.Group("Peer Circle 1").TimeZone);

        using var client = new HttpClient { BaseAddress = host.Address, Timeout = TimeSpan.FromSeconds(30) };
        var channels = await client.GetFromJsonAsync<JsonElement>("/api/channels?as=dev");
        var names = channels.EnumerateArray().Select(c => c.GetProperty("name").GetString()).ToList();
        Assert.Contains("peer-circle-1", names);
        Assert.DoesNotContain(names, n => n!.Contains("peer-peer", StringComparison.Ordinal));
    }

    [Fact(Timeout = 60_000)]
    public async Task NextPrompt_RightAfterStart_WaitsForTheGroupsAndThePromptArrives()
    {
        await using var host = await RealSandboxHost.StartAsync(waitForChannels: false);
        var store = host.Services.GetRequiredService<IPromptStore>();
        var scheduler = host.Services.GetRequiredService<PromptSchedulerService>();
        var posted = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        DateTimeOffset? jumpedTo = null;
        void Check()
        {
            if (jumpedTo is { } at && host.Groups.All().Any(g => store.Posted(g.Id).Any(p => p.How == "scheduled" && p.Occurrence <= at)))
            {
                posted.TrySetResult();
            }
        }

        scheduler.PassCompleted += (_, _) => Check();
        using var client = new HttpClient { BaseAddress = host.Address, Timeout = TimeSpan.FromSeconds(30) };

        using var response = await client.PostAsJsonAsync("/api/clock/next-prompt", new { });
        var body = await response.Content.ReadAsStringAsync();
        string Groups() => string.Join("; ", host.Groups.All().Select(g => $"{g.Id}: channel {(g.Channel is null ? "none" : "set")}"));
        Assert.True(response.IsSuccessStatusCode, $"next-prompt answered {(int)response.StatusCode}: {body} (groups: {Groups()})");
        jumpedTo = JsonDocument.Parse(body).RootElement.GetProperty("now").GetDateTimeOffset();
        Check();

        await posted.Task.WaitAsync(TimeSpan.FromSeconds(30));
        Assert.True(host.Groups.All().All(g => g.Channel is not null), $"a group without its channel after the jump to {jumpedTo:O} (groups: {Groups()})");
    }

    [Fact(Timeout = 120_000)]
    public async Task Run_PortTaken_PrintsOnePlainLineNamingTheEnvironmentVariableAndExitsNonZero()
    {
        using var taken = new System.Net.Sockets.TcpListener(System.Net.IPAddress.Loopback, 0);
        taken.Start();
        var port = ((System.Net.IPEndPoint)taken.LocalEndpoint).Port;
        using var folder = new TempFolder();
        using var process = StartProgram(folder, new Dictionary<string, string>
        {
            ["PeerBot__Sandbox__Port"] = port.ToString(System.Globalization.CultureInfo.InvariantCulture),
            ["PeerBot__Sandbox__StoragePath"] = folder.File("sandbox.db"),
            ["PeerBot__Storage__Path"] = folder.File("peerbot.db"),
            ["PeerBot__Anonymity__KeyPath"] = folder.File("anonymity.key"),
        });
        var output = new System.Collections.Concurrent.ConcurrentQueue<string>();
        process.OutputDataReceived += (_, e) => Keep(e.Data);
        process.ErrorDataReceived += (_, e) => Keep(e.Data);
        try
        {
            process.Start();
            process.BeginOutputReadLine();
            process.BeginErrorReadLine();

            // A child process runs on real time; the bound only catches one that never stops.
            await process.WaitForExitAsync().WaitAsync(TimeSpan.FromSeconds(90));
            process.WaitForExit();
        }
        finally
        {
            if (!process.HasExited)
            {
                process.Kill(entireProcessTree: true);
            }
        }

        var printed = string.Join('\n', output);
        Assert.NotEqual(0, process.ExitCode);
        Assert.Contains($"PeerBot sandbox: port {port} is already in use. Set PeerBot__Sandbox__Port={port + 1} (or 0, any free port) and run it again.", output);
        Assert.DoesNotContain("PeerBot:Sandbox:Port", printed, StringComparison.Ordinal);
        Assert.DoesNotContain(output, l => l.TrimStart().StartsWith("at ", StringComparison.Ordinal) || l.Contains("   at ", StringComparison.Ordinal) || l.Contains("Exception", StringComparison.Ordinal));

        void Keep(string? line)
        {
            if (line is not null)
            {
                output.Enqueue(line);
            }
        }
    }

    // The whole line, as the README shows it: no log prefix before the address.
    [GeneratedRegex(@"^PeerBot sandbox: (http://127\.0\.0\.1:\d+/)$")]
    private static partial Regex SandboxAddress();

    /// <summary>The built program, in an empty folder with an empty home.</summary>
    private static Process StartProgram(TempFolder folder, IReadOnlyDictionary<string, string> environment) =>
        new() { StartInfo = BuiltProgram.StartInfo(folder.Path, environment) };
}
