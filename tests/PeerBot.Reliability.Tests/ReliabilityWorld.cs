using System.Text.RegularExpressions;
using PeerBot.Core.Platform;
using PeerBot.Core.Safety;
using PeerBot.Core.Sharing;
using PeerBot.Storage;
using PeerBot.Storage.Commands;
using PeerBot.Storage.Sharing;
using PeerBot.Testing.Sharing;
using W = PeerBot.Testing.Sharing.SharingWorld;

namespace PeerBot.Reliability.Tests;

/// <summary>Shared set-up: the real dispatcher and sharing service over the real LiteDB stores.</summary>
internal static partial class ReliabilityWorld
{
    public static readonly string[] RosterUsers = [W.AnaUser, W.BenUser, W.CyUser, W.ZedUser, W.LeeUser, W.KimUser, W.MoUser];

    /// <summary>A world whose stores are LiteDB collections in <paramref name="database"/>.</summary>
    public static W Create(PeerBotDatabase database, Action<Core.Configuration.AnonymityOptions>? configure = null) => new(
        posts: new LiteAnonymousPostStore(database),
        mutes: new LiteAuthorMuteStore(database),
        audit: new LiteAuditLog(database),
        stats: new LiteStatsCounters(database),
        configure: configure);

    /// <summary>Open and acknowledged alerts in both groups, as the flags tests use.</summary>
    public static void AddAlerts(W world)
    {
        var now = world.Time.GetUtcNow();
        world.Alerts.Add(new AlertSummary("A1", W.Tuesday, AlertKind.Spiral, AlertStatus.Open, now - TimeSpan.FromHours(2), 4, 3, ["ex"], ["futility"], "prompt"));
        world.Alerts.Add(new AlertSummary("A2", W.Tuesday, AlertKind.Crisis, AlertStatus.Open, now - TimeSpan.FromMinutes(30), 1, 1, ["ex"], ["crisis"], null));
        world.Alerts.Add(new AlertSummary("B1", W.Owls, AlertKind.Spiral, AlertStatus.Acknowledged, now - TimeSpan.FromDays(1), 3, 2, ["ex"], ["permanence"], null));
    }

    /// <summary>Every piece of text a person would see in a message: blocks, button labels.</summary>
    public static string Visible(OutgoingMessage? message) =>
        message is null ? "" : message.ToPlainText() + "\n" + string.Join("\n", message.Buttons.Select(b => b.Label));

    /// <summary>Every piece of text in a response: the reply, the updated original, and a form's labels.</summary>
    public static string Visible(InteractionResponse response)
    {
        var form = response.Form is null
            ? ""
            : string.Join("\n", new[] { response.Form.Title, response.Form.SubmitLabel }
                .Concat(response.Form.Fields.SelectMany(f => new[] { f.Label, f.Placeholder ?? "" }.Concat(f.Choices?.Select(c => c.Label) ?? []))));
        return Visible(response.Reply) + "\n" + Visible(response.UpdateOriginal) + "\n" + form;
    }

    /// <summary>
    /// Mention syntax that Discord or Slack turns into a notification: @everyone, @here and @channel anywhere in the text
    /// (Discord matches them as substrings), user and role mentions, and every Slack special mention.
    /// </summary>
    [GeneratedRegex(@"@(everyone|here|channel)|<@[!&]?[A-Za-z0-9]+(\|[^>]*)?>|<![^>]*>", RegexOptions.IgnoreCase | RegexOptions.CultureInvariant)]
    public static partial Regex Pings();

    public static void AssertPingsNobody(string text, string context)
    {
        var match = Pings().Match(text);
        Assert.False(match.Success, $"'{match.Value}' would ping someone, in: {Shorten(context)} -> {Shorten(text)}");
    }

    public static string Shorten(string text) => text.Length > 300 ? text[..300] + $"… ({text.Length} chars)" : text;

    /// <summary>Submits an anonymous post as <paramref name="personId"/> and returns its id.</summary>
    public static async Task<string> ShareAsync(W world, string personId, string text, string? groupId = null)
    {
        var result = await world.Sharing.Submission.SubmitAsync(new ShareRequest(world.Person(personId), groupId, text), default);
        Assert.True(result.Succeeded, result.Error);
        return result.Value!.PostId;
    }
}
