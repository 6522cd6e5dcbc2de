using System.Text;
using PeerBot.Core.Commands;
using PeerBot.Core.Configuration;
using PeerBot.Core.Groups;
using PeerBot.Core.Platform;
using PeerBot.Core.Safety;
using PeerBot.Core.Sharing;
using PeerBot.Testing.Sharing;
using W = PeerBot.Testing.Sharing.SharingWorld;

namespace PeerBot.Reliability.Tests.Security;

/// <summary>
/// The authorization matrix of <c>/peer</c>: every subcommand (and the review buttons) run by every kind of person
/// against one group, Wednesday Circle, in a fresh program each time, compared with the matrix below. "Done" is
/// checked by its effect (a prompt posted, an alert acknowledged, a post removed, a mute set...), "Refused" by a
/// polite refusal with nothing changed (audited for staff actions), "Nothing" is an answer with nothing to do.
/// </summary>
public class AuthorizationMatrixTests
{
    private const string Wednesday = "g-wed";
    private const string Zed = W.Zed;
    private const string Ash = "dr-ash";
    private const string AshUser = "U0ASH";
    private const string Stranger = "U-STRANGER";

    // Wednesday Circle: member Zed, facilitated by Ash (alumni) and Lee (psychologist). Ana is a resident of
    // Tuesday Circle only, Kim facilitates Night Owls only, Mo coordinates.
    private static readonly (string Role, string UserId, string? PersonId)[] Roles =
    [
        ("member", W.ZedUser, Zed),
        ("other-res", W.AnaUser, W.Ana),
        ("alumni", AshUser, Ash),
        ("psych", W.LeeUser, W.Lee),
        ("other-fac", W.KimUser, W.Kim),
        ("coord", W.MoUser, W.Mo),
        ("unknown", Stranger, null),
    ];

    private const string Expected = """
        row             member     other-res  alumni     psych      other-fac  coord      unknown
        help+staff      Nothing    Nothing    Done       Done       Done       Done       NotOnRoster
        share           Done       Refused    Refused    Refused    Refused    Refused    NotOnRoster
        pause           Done       Done       Nothing    Nothing    Nothing    Nothing    NotOnRoster
        resume          Done       Done       Done       Done       Done       Done       NotOnRoster
        my-data         Done       Done       Done       Done       Done       Done       NotOnRoster
        forget-me       Done       Done       Done       Done       Done       Done       NotOnRoster
        groups          Refused    Refused    Done       Done       Nothing    Done       NotOnRoster
        prompt-now      Refused    Refused    Done       Done       Refused    Done       NotOnRoster
        prompt-skip     Refused    Refused    Done       Done       Refused    Done       NotOnRoster
        prompt-preview  Refused    Refused    Done       Done       Refused    Done       NotOnRoster
        reframe         Refused    Refused    Done       Done       Refused    Done       NotOnRoster
        checkin         Refused    Refused    Done       Done       Refused    Done       NotOnRoster
        flags           Refused    Refused    Done       Done       Refused    Done       NotOnRoster
        ack             Refused    Refused    Done       Done       Refused    Done       NotOnRoster
        resolve         Refused    Refused    Done       Done       Refused    Done       NotOnRoster
        anon-remove     Refused    Refused    Done       Done       Refused    Done       NotOnRoster
        anon-mute       Refused    Refused    Done       Done       Refused    Done       NotOnRoster
        stats           Refused    Refused    Done       Done       Refused    Done       NotOnRoster
        btn-approve     Refused    Refused    Done       Done       Refused    Done       NotOnRoster
        btn-decline     Refused    Refused    Done       Done       Refused    Done       NotOnRoster
        btn-ack         Refused    Refused    Done       Done       Refused    Done       NotOnRoster
        btn-resolve     Refused    Refused    Done       Done       Refused    Done       NotOnRoster
        """;

    /// <summary>One row: what to run, how to see it done, and whether it is a staff action (audited either way).</summary>
    private sealed record Row(string Name, bool Staff, Func<Cell, Task<InteractionResponse>> Run, Func<Cell, InteractionResponse, bool> Done);

    /// <summary>A fresh program for one cell of the matrix.</summary>
    private sealed class Cell : IDisposable
    {
        public Cell(string userId, string? personId)
        {
            UserId = userId;
            PersonId = personId;
            World = new W(roster: people => people.Add(new PersonOptions { Id = Ash, Name = "Dr Ash", Role = PersonRole.Alumni, Slack = AshUser }));
            var channel = World.Platform.EnsurePrivateChannelAsync(new PrivateChannelSpec(Wednesday, "wednesday-circle", "", [W.ZedUser, AshUser, W.LeeUser], null), default).GetAwaiter().GetResult();
            World.Groups.Add(new GroupInfo(Wednesday, "Wednesday Circle", PlatformKind.Slack, channel, [Zed], [Ash, W.Lee], "America/New_York", "0 19 * * WED", null));
            var now = World.Time.GetUtcNow();
            World.Alerts.Add(new AlertSummary("W1", Wednesday, AlertKind.Spiral, AlertStatus.Open, now - TimeSpan.FromHours(1), 3, 2, ["ex"], ["futility"], null));
            PostId = Submit("a post in Wednesday Circle");
        }

        public W World { get; }

        public string UserId { get; }

        public string? PersonId { get; }

        public string PostId { get; }

        public string Submit(string text)
        {
            var result = World.Sharing.Submission.SubmitAsync(new ShareRequest(World.Person(Zed), Wednesday, text), default).GetAwaiter().GetResult();
            Assert.True(result.Succeeded, result.Error);
            return result.Value!.PostId;
        }

        public Task<InteractionResponse> Command(string text) => World.CommandAsync(UserId, text);

        public Task<InteractionResponse> Press(string action) => World.PressAsync(UserId, action);

        public AnonymousPost Post(string id) => World.Posts.Find(id)!;

        public AlertStatus AlertStatus => World.Alerts.FindAsync("W1", default).GetAwaiter().GetResult()!.Status;

        public bool Called(string operation) => World.Operations.Calls.Contains((operation, Wednesday));

        public void Dispose() => World.Dispose();
    }

    private static string Text(InteractionResponse response) => response.Reply?.ToPlainText() ?? "";

    private static readonly Row[] Rows =
    [
        new("help+staff", false, c => c.Command("help"), (_, r) => Text(r).Contains("For facilitators", StringComparison.Ordinal) || Text(r).Contains("For coordinators", StringComparison.Ordinal)),
        new("share", false, c => c.World.Handler.HandleFormAsync(new FormSubmission(PlatformKind.Slack, c.UserId, "share", new Dictionary<string, string> { ["text"] = "mine", ["group"] = Wednesday }), default),
            (c, _) => c.World.Sharing.PersonalData.DataOf(c.PersonId!).Posts.Any(p => p.GroupId == Wednesday)),
        new("pause", false, c => c.Command("pause 2"), (c, _) => c.World.Pauses.PausedUntil(c.PersonId!) is not null),
        new("resume", false, async c =>
        {
            if (c.PersonId is not null)
            {
                await c.World.Pauses.PauseAsync(c.PersonId, c.World.Time.GetUtcNow().AddDays(7), default);
            }

            return await c.Command("resume");
        }, (c, _) => c.World.Pauses.Resumed.Contains(c.PersonId!)),
        new("my-data", false, c => c.Command("my-data"), (_, r) => Text(r).StartsWith("What PeerBot stores about you", StringComparison.Ordinal)),
        new("forget-me", false, c => c.Command("forget-me confirm"), (_, r) => Text(r).StartsWith("Done. Erased", StringComparison.Ordinal)),
        new("groups", true, c => c.Command("groups"), (_, r) => Text(r).Contains("Wednesday Circle", StringComparison.Ordinal)),
        new("prompt-now", true, c => c.Command($"prompt now {Wednesday}"), (c, _) => c.Called("now")),
        new("prompt-skip", true, c => c.Command("prompt skip \"Wednesday Circle\""), (c, _) => c.Called("skip")),
        new("prompt-preview", true, c => c.Command($"prompt preview {Wednesday}"), (c, _) => c.Called("preview")),
        new("reframe", true, c => c.Command($"reframe {Wednesday}"), (c, _) => c.Called("reframe")),
        new("checkin", true, c => c.Command($"checkin {Wednesday}"), (c, _) => c.Called("checkin")),
        new("flags", true, c => c.Command($"flags {Wednesday}"), (_, r) => Text(r).Contains("W1 Wednesday Circle", StringComparison.Ordinal)),
        new("ack", true, c => c.Command("ack W1"), (c, _) => c.AlertStatus == AlertStatus.Acknowledged),
        new("resolve", true, c => c.Command("resolve W1 \"talked it through\""), (c, _) => c.AlertStatus == AlertStatus.Resolved),
        new("anon-remove", true, c => c.Command("anon remove " + c.PostId), (c, _) => c.Post(c.PostId).State == AnonymousPostState.Removed),
        new("anon-mute", true, c => c.Command($"anon mute {c.PostId} 3"), (c, _) => c.World.Mutes.MutedUntil(c.Post(c.PostId).AuthorHandle) is not null),
        new("stats", true, c => c.Command($"stats {Wednesday}"), (_, r) => Text(r).Contains("This week", StringComparison.Ordinal)),
        new("btn-approve", true, c => ReviewThen(c, id => c.Press("anon:approve:" + id)), (c, _) => c.World.Posts.ListByAuthor(c.Post(c.PostId).AuthorHandle).Any(p => p.State == AnonymousPostState.Scheduled && p.Id != c.PostId)),
        new("btn-decline", true, c => ReviewThen(c, id => c.Press("anon:decline:" + id)), (c, _) => c.World.Posts.ListByAuthor(c.Post(c.PostId).AuthorHandle).Any(p => p.State == AnonymousPostState.Declined)),
        new("btn-ack", true, c => c.Press("ack:W1"), (c, _) => c.AlertStatus == AlertStatus.Acknowledged),
        new("btn-resolve", true, c => c.Press("resolve:W1"), (c, _) => c.AlertStatus == AlertStatus.Resolved),
    ];

    private static async Task<InteractionResponse> ReviewThen(Cell cell, Func<string, Task<InteractionResponse>> press)
    {
        cell.World.Options.Anonymity.Review = true;
        var id = cell.Submit("for review");
        return await press(id);
    }

    [Fact]
    public async Task EverySubcommandForEveryRole_MatchesTheMatrix()
    {
        var expected = Expected.Split('\n', StringSplitOptions.RemoveEmptyEntries).Skip(1)
            .Select(l => l.Split(' ', StringSplitOptions.RemoveEmptyEntries))
            .ToDictionary(cells => cells[0], cells => cells[1..]);
        Assert.Equal(Rows.Select(r => r.Name), expected.Keys);

        var mismatches = new List<string>();
        var actual = new StringBuilder();
        foreach (var row in Rows)
        {
            var outcomes = new List<string>();
            for (var i = 0; i < Roles.Length; i++)
            {
                var (role, userId, personId) = Roles[i];
                using var cell = new Cell(userId, personId);
                var outcome = Classify(row, cell, await row.Run(cell));
                outcomes.Add(outcome);
                if (outcome != expected[row.Name][i])
                {
                    mismatches.Add($"{row.Name} by {role}: expected {expected[row.Name][i]}, got {outcome}");
                }
            }

            actual.Append(row.Name.PadRight(16)).AppendJoin(' ', outcomes.Select(o => o.PadRight(10))).Append('\n');
        }

        Assert.True(mismatches.Count == 0, string.Join('\n', mismatches) + "\n\nactual matrix:\n" + actual);
    }

    private static string Classify(Row row, Cell cell, InteractionResponse response)
    {
        var text = Text(response);
        Assert.True(response.Form is not null || text.Length > 0, $"{row.Name} for {cell.UserId}: no answer");
        if (text == PeerEventHandler.NotOnRoster)
        {
            return "NotOnRoster";
        }

        var audit = cell.PersonId is null ? [] : cell.World.Audit.ByActor(cell.PersonId);
        var done = row.Name == "share" ? response.Form is null && row.Done(cell, response) : row.Done(cell, response);
        if (done)
        {
            if (row.Staff && row.Name != "groups")
            {
                Assert.True(audit.Any(e => e.Outcome == AuditOutcome.Done), $"{row.Name} by {cell.PersonId} was done but not audited");
            }

            return "Done";
        }

        var refused = text.StartsWith("Sorry", StringComparison.Ordinal)
            || text.StartsWith("Only members of a group can share in it", StringComparison.Ordinal)
            || text.Contains("nowhere to share anonymously", StringComparison.Ordinal);
        if (refused)
        {
            // Nothing happened to the group: no prompt, the alert still open, the post still pending, no mute.
            Assert.Empty(cell.World.Operations.Calls);
            Assert.Equal(AlertStatus.Open, cell.AlertStatus);
            Assert.True(cell.Post(cell.PostId).IsPending);
            Assert.Null(cell.World.Mutes.MutedUntil(cell.Post(cell.PostId).AuthorHandle));
            if (row.Staff)
            {
                Assert.True(audit.Any(e => e.Outcome == AuditOutcome.Refused), $"{row.Name} by {cell.PersonId} was refused but not audited");
            }

            return "Refused";
        }

        return "Nothing";
    }

}
