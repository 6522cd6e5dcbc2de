using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using PeerBot.Core.Commands;
using PeerBot.Core.Groups;
using PeerBot.Core.Platform;
using PeerBot.Core.Safety;
using PeerBot.Discord;
using PeerBot.Slack.Rendering;

namespace PeerBot;

/// <summary>
/// Runs the code a slash command needs once at start-up, in the background and without side effects, so the first
/// facilitator to run <c>/peer stats</c> or <c>/peer help</c> does not wait while it is compiled and its culture data
/// and Humanizer resources are loaded. Measured on the load scenario, the first command of a run took 100 to 400 ms
/// against a few milliseconds for the rest; most of it was this first use.
/// </summary>
internal sealed class StartupWarmUp(IServiceProvider services, TimeProvider time, ILogger<StartupWarmUp> logger) : BackgroundService
{
    /// <summary>A platform user id no roster holds: the command path answers it with the "not on the roster" reply, which changes nothing.</summary>
    internal const string NobodyUserId = "peerbot-warm-up";

    /// <summary>Completes when the warm-up has run (tests).</summary>
    internal Task Completed => _completed.Task;

    private readonly TaskCompletionSource _completed = new(TaskCreationOptions.RunContinuationsAsynchronously);

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        // Off the start-up path: the host is ready before this runs.
        await Task.Yield();
        var clock = Stopwatch.StartNew();
        try
        {
            await WarmAsync(stoppingToken).ConfigureAwait(false);
            logger.LogDebug("Command path warmed up in {Elapsed} ms.", clock.ElapsedMilliseconds);
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
            logger.LogDebug("Warm-up cancelled by shutdown.");
        }
#pragma warning disable CA1031 // Warming is an optimisation: whatever it meets, it must never stop the host.
        catch (Exception ex)
#pragma warning restore CA1031
        {
            // The commands still work, only the first one is slower.
            logger.LogWarning(ex, "Warming up the command path failed; the first command may be slower.");
        }
        finally
        {
            _completed.TrySetResult();
        }
    }

    private async Task WarmAsync(CancellationToken cancellationToken)
    {
        // Culture data and Humanizer, as the replies use them.
        var now = time.GetUtcNow();
        _ = Replies.When(now.AddDays(2), now, "UTC") + Replies.Ago(now.AddHours(-3), now) + Replies.Count(3, "message")
            + now.ToString("d MMM", Replies.Culture) + string.Compare("Stats", "stats", Replies.Culture, CompareOptions.IgnoreCase);

        // Rendering for both platforms, with every kind of block and a button.
        var sample = new OutgoingMessage(
            [
                new HeadingBlock("Stats"),
                new ParagraphBlock([new TextSpan("Group", SpanStyle.Bold), new TextSpan(": 3 messages")]),
                new ListBlock([[new TextSpan("This week", SpanStyle.Bold), new TextSpan(": 2 flags")]]),
                new QuoteBlock("an excerpt"),
            ],
            [new MessageButton("Acknowledge", "ack:warm-up", ButtonStyle.Primary)]);
        _ = MessageRenderer.Split(MessageRenderer.RenderContent(sample)).Count + MessageRenderer.RenderComponents(sample.Buttons).Count;
        _ = SlackMessageRenderer.Render(sample).Text;
        _ = JsonNode.Parse(new JsonObject { ["type"] = 4, ["data"] = new JsonObject { ["content"] = sample.ToPlainText(), ["flags"] = 64 } }.ToJsonString());

        // The command dispatch, for someone on no roster: answered with a refusal, nothing audited or stored.
        if (services.GetService<IPlatformEventHandler>() is { } handler)
        {
            _ = await handler.HandleCommandAsync(new CommandInvocation(PlatformKind.Discord, NobodyUserId, null, "help", IsDirect: true), cancellationToken).ConfigureAwait(false);
        }

        // The reads behind /peer stats and /peer flags (queries are compiled on first use), for one group.
        if (services.GetService<IGroupDirectory>()?.All() is [var group, ..])
        {
            if (services.GetService<IAlertService>() is { } alerts)
            {
                _ = await alerts.ListAsync([group.Id], includeResolved: true, cancellationToken).ConfigureAwait(false);
            }

            _ = services.GetService<IStatsCounters>()?.Weekly(group.Id, DateOnly.FromDateTime(now.UtcDateTime).AddDays(-21));
        }
    }
}
