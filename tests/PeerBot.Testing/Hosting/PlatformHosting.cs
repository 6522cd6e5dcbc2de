using System.Collections.Concurrent;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using PeerBot.Core.Groups;
using PeerBot.Discord;
using PeerBot.Slack.SocketMode;
using PeerBot.Testing.Discord;
using PeerBot.Testing.Slack;

namespace PeerBot.Testing.Hosting;

/// <summary>Starting a harness's host against an emulator and waiting until it is really up.</summary>
public static class PlatformHosting
{
    private static readonly TimeSpan Generous = TimeSpan.FromSeconds(30);

    /// <summary>
    /// Builds and starts a host against the Discord emulator and waits until it is connected, has registered
    /// <c>/peer</c>, has resolved people and has reconciled (a run requested after start-up, complete and without
    /// problems, as every run before it). From then on every request of the opening is answered, so moving the clock
    /// cannot time one out. <paramref name="beforeStart"/> sees the built host first (to hook service events).
    /// </summary>
    public static async Task<IHost> StartDiscordAsync(this PeerBotTestHost harness, DiscordEmulator discord, Action<IHost>? beforeStart = null)
    {
        ArgumentNullException.ThrowIfNull(harness);
        ArgumentNullException.ThrowIfNull(discord);
        var host = harness.Build();
        var runs = new ConcurrentQueue<ReconcileResult>();
        host.Services.GetRequiredService<GroupReconciliationService>().Idle += (_, result) => runs.Enqueue(result);
        beforeStart?.Invoke(host);
        await host.StartAsync();
        ReconcileResult last;
        try
        {
            await host.Services.GetRequiredService<DiscordHostedService>().Started.WaitAsync(Generous);
            await discord.WaitUntilAsync(() => discord.IsConnected && discord.Commands is not null, Generous, "the bot to connect and register /peer");

            // Started means people are resolved; a run requested now starts after that, and after any run before it.
            last = await host.Services.GetRequiredService<GroupReconciliationService>().RequestReconcile().WaitAsync(Generous);
        }
        catch (TimeoutException ex)
        {
            // Say where the start-up stood, so a failure on a loaded machine can be read from the log alone.
            throw new TimeoutException(
                $"The host did not finish starting against the Discord emulator ({ex.Message}). Requests the emulator saw: "
                + string.Join(", ", discord.Requests.TakeLast(15).Select(r => $"{r.Method} {r.Path} {r.Status}"))
                + Environment.NewLine + "Log:" + Environment.NewLine + harness.Tail(),
                ex);
        }

        if (!last.Complete || runs.Any(r => r.Problems.Count > 0))
        {
            throw new InvalidOperationException("Reconciliation had problems: " + string.Join("; ", runs.Append(last).SelectMany(r => r.Problems)));
        }

        return host;
    }

    /// <summary>Builds and starts a host against the Slack emulator and waits until its Socket Mode link has said hello.</summary>
    public static async Task<IHost> StartSlackAsync(this PeerBotTestHost harness, SlackEmulator slack, Action<IHost>? beforeStart = null)
    {
        ArgumentNullException.ThrowIfNull(harness);
        ArgumentNullException.ThrowIfNull(slack);
        var host = harness.Build();
        beforeStart?.Invoke(host);
        await host.StartAsync();
        await host.Services.GetRequiredService<SocketModeClient>().Ready.WaitAsync(Generous);
        return host;
    }
}
