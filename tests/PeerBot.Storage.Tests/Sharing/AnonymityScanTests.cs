using System.Text;
using Microsoft.Extensions.Options;
using PeerBot.Core.Configuration;
using PeerBot.Core.Platform;
using PeerBot.Core.Sharing;
using PeerBot.Storage.Commands;
using PeerBot.Storage.Sharing;
using PeerBot.Testing.Sharing;
using W = PeerBot.Testing.Sharing.SharingWorld;

namespace PeerBot.Storage.Tests.Sharing;

/// <summary>
/// After a realistic run of anonymous posts (form, DM, review, crisis, moderation, my-data), neither the database
/// file nor the captured logs contain any author's platform id or person id, in UTF-8 or UTF-16.
/// </summary>
public sealed class AnonymityScanTests : IDisposable
{
    private readonly string _folder = Directory.CreateTempSubdirectory("peerbot-scan-").FullName;

    [Fact]
    public async Task AnonymousRun_StoreFileAndLogs_HoldNoAuthorId()
    {
        var dbPath = Path.Combine(_folder, "peerbot.db");
        var db = PeerBotDatabase.OpenFile(dbPath);
        var posts = new LiteAnonymousPostStore(db);
        var mutes = new LiteAuthorMuteStore(db);
        var record = new LiteAnonymityKeyRecord(db);
        IReadOnlyList<string> logs;
        string anaHandle;
        using (var world = new SharingWorld(
            posts: posts,
            mutes: mutes,
            audit: new LiteAuditLog(db),
            stats: new LiteStatsCounters(db),
            handles: people => new AuthorHandles(
                Options.Create(new PeerBotOptions { Anonymity = { KeyPath = Path.Combine(_folder, "anonymity.key") } }), record, posts, mutes, people)))
        {
            anaHandle = world.Handles.HandleOf(W.Ana);

            // Shares by form and by DM, from a one-group and a two-group member.
            await world.ShareFormAsync(W.AnaUser, "I froze during the code and nobody noticed.");
            await world.ShareFormAsync(W.CyUser, "Night float is breaking me a bit.", W.Owls);
            await world.Handler.HandleMessageAsync(new IncomingMessage(PlatformKind.Slack, "D-ANA", "m1", W.AnaUser, "Does anyone else cry in the car?", world.Time.GetUtcNow(), true), default);
            var draft = world.DirectMessagesTo(W.AnaUser)[^1].Buttons[0].ActionId;
            await world.PressAsync(W.AnaUser, draft);
            await world.Handler.HandleMessageAsync(new IncomingMessage(PlatformKind.Slack, "D-CY", "m2", W.CyUser, "thanks <@U0ANA99182> for the other day", world.Time.GetUtcNow(), true), default);
            await world.PressAsync(W.CyUser, world.DirectMessagesTo(W.CyUser)[^1].Buttons[0].ActionId);

            // A crisis post, withheld, and the author choosing to be contacted.
            var crisis = await world.Sharing.Submission.SubmitAsync(new ShareRequest(world.Person(W.Ana), null, "some days I want to end it all"), default);
            await world.PressAsync(W.AnaUser, crisis.Value!.Reply.Buttons[0].ActionId);

            // A crash mid-delivery and a restart, then delivery.
            world.Platform.FailNext("PostMessage");
            await world.PassMaxDelayAndDeliverAsync();
            world.Restart();
            await world.PassMaxDelayAndDeliverAsync();
            await world.PassMaxDelayAndDeliverAsync();

            // Review mode, moderation, my-data.
            world.Options.Anonymity.Review = true;
            await world.ShareFormAsync(W.AnaUser, "reviewed words");
            await world.PassMaxDelayAndDeliverAsync();
            var review = world.DirectMessagesTo(W.LeeUser).Last(m => m.Buttons.Count > 0);
            await world.PressAsync(W.LeeUser, review.Buttons[0].ActionId);
            await world.PassMaxDelayAndDeliverAsync();
            var anaPosts = world.Sharing.PersonalData.DataOf(W.Ana).Posts;
            await world.CommandAsync(W.LeeUser, "anon mute " + anaPosts[0].Id + " 3");
            await world.CommandAsync(W.LeeUser, "anon remove " + anaPosts[1].Id);
            await world.CommandAsync(W.LeeUser, "stats");
            await world.CommandAsync(W.AnaUser, "my-data");
            var refused = await world.ShareFormAsync(W.AnaUser, "while muted");

            Assert.Contains("paused until", refused.Reply!.ToPlainText(), StringComparison.Ordinal);
            Assert.True(world.Platform.MessagesIn(world.TuesdayChannel.Id).Count >= 2, "posts were delivered");
            logs = world.Logs.Lines;
        }

        db.Dispose();

        var files = Directory.GetFiles(_folder, "peerbot*");
        var bytes = files.SelectMany(File.ReadAllBytes).ToArray();
        Assert.True(Contains(bytes, Encoding.UTF8.GetBytes(anaHandle)), "the scan sees what the store holds (the author's handle is there)");
        Assert.NotEmpty(logs);
        var allLogs = string.Join("\n", logs);
        foreach (var id in new[] { W.AnaUser, W.Ana, W.CyUser, W.Cy })
        {
            Assert.False(Contains(bytes, Encoding.UTF8.GetBytes(id)), $"store holds {id} (UTF-8)");
            Assert.False(Contains(bytes, Encoding.Unicode.GetBytes(id)), $"store holds {id} (UTF-16)");
            Assert.False(Contains(bytes, Encoding.UTF8.GetBytes(id.ToUpperInvariant())), $"store holds {id} upper-cased");
            Assert.DoesNotContain(id, allLogs, StringComparison.OrdinalIgnoreCase);
        }
    }

    private static bool Contains(byte[] haystack, byte[] needle) => haystack.AsSpan().IndexOf(needle) >= 0;

    public void Dispose() => Directory.Delete(_folder, recursive: true);
}
