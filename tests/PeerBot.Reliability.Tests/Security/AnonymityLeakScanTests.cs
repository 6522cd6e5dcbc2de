using System.Collections.Concurrent;
using System.Runtime.ExceptionServices;
using System.Text;
using Microsoft.Extensions.Options;
using PeerBot.Core.Configuration;
using PeerBot.Core.Platform;
using PeerBot.Core.Sharing;
using PeerBot.Storage;
using PeerBot.Storage.Commands;
using PeerBot.Storage.Sharing;
using PeerBot.Testing.Sharing;
using W = PeerBot.Testing.Sharing.SharingWorld;

namespace PeerBot.Reliability.Tests.Security;

/// <summary>
/// A full run of anonymous sharing and moderation, over a real database file, with failures injected, scanned for
/// the identity of the anonymous authors everywhere it must never be: the database file, every log line at every level
/// (with its structured values and exceptions), the message of every exception thrown anywhere in the process, every
/// message and reply a facilitator or coordinator receives, and what the safety engine (which raises alerts) is told.
/// Complements the store-and-log scan of PeerBot.Storage.Tests (AnonymityScanTests).
/// </summary>
[Collection(SerialCollection.Name)]
public sealed class AnonymityLeakScanTests : IDisposable
{
    private readonly string _folder = Directory.CreateTempSubdirectory("peerbot-leak-scan-").FullName;
    private readonly ConcurrentQueue<string> _exceptions = new();
    private readonly List<(string To, OutgoingMessage Message)> _staffSaw = [];

    public void Dispose() => Directory.Delete(_folder, recursive: true);

    private void Record(object? sender, FirstChanceExceptionEventArgs e) =>
        _exceptions.Enqueue($"{e.Exception.GetType().FullName}: {e.Exception.Message} {e.Exception.InnerException?.Message}");

    private async Task<InteractionResponse> Staff(W world, string user, Task<InteractionResponse> call)
    {
        var response = await call;
        foreach (var message in new[] { response.Reply, response.UpdateOriginal }.OfType<OutgoingMessage>())
        {
            _staffSaw.Add((user, message));
        }

        return response;
    }

    [Fact]
    public async Task FullRun_WithFailures_AuthorIdentityInNoStoreLogExceptionOrStaffMessage()
    {
        var dbPath = Path.Combine(_folder, "peerbot.db");
        var keyPath = Path.Combine(_folder, "anonymity.key");
        var database = PeerBotDatabase.OpenFile(dbPath);
        var posts = new LiteAnonymousPostStore(database);
        var mutes = new LiteAuthorMuteStore(database);
        var record = new LiteAnonymityKeyRecord(database);
        IReadOnlyList<string> logs;
        string anaHandle;
        IReadOnlyList<(string UserId, OutgoingMessage Message)> directMessages;
        List<OutgoingMessage> channelPosts;
        List<Core.Safety.ObservedMessage> observed;
        string[] staffUsers = [W.LeeUser, W.KimUser, W.MoUser];
        AppDomain.CurrentDomain.FirstChanceException += Record;
        try
        {
            using var world = new W(
                posts: posts,
                mutes: mutes,
                audit: new LiteAuditLog(database),
                stats: new LiteStatsCounters(database),
                handles: people => new AuthorHandles(Options.Create(new PeerBotOptions { Anonymity = { KeyPath = keyPath } }), record, posts, mutes, people));

            anaHandle = world.Handles.HandleOf(W.Ana);

            // Shares by form and by DM, from one-group and two-group members, one naming another resident.
            await world.ShareFormAsync(W.AnaUser, "I froze during the code and nobody noticed.");
            await world.ShareFormAsync(W.CyUser, "Night float is breaking me a bit.", W.Owls);
            await world.Handler.HandleMessageAsync(new IncomingMessage(PlatformKind.Slack, "D-BEN", "m1", W.BenUser, "Does anyone else cry in the car?", world.Time.GetUtcNow(), true), default);
            await world.PressAsync(W.BenUser, world.DirectMessagesTo(W.BenUser)[^1].Buttons[0].ActionId);
            await world.Handler.HandleMessageAsync(new IncomingMessage(PlatformKind.Slack, "D-CY", "m2", W.CyUser, "thanks <@U0ANA99182> and <@U0BEN55120|ben> for the other day", world.Time.GetUtcNow(), true), default);
            await world.PressAsync(W.CyUser, world.DirectMessagesTo(W.CyUser)[^1].Buttons[0].ActionId);

            // Crisis talk, withheld; the author does not (yet) ask to be contacted.
            var crisis = await world.ShareFormAsync(W.BenUser, "some days I want to " + FakeSafetyMonitor.CrisisMarker);
            Assert.Contains(world.Safety.Observed, o => o.Text.Contains(FakeSafetyMonitor.CrisisMarker, StringComparison.Ordinal));

            // Failures: the safety engine throws once, posting fails, then a restart.
            world.Safety.Throw = true;
            var refusedBySafety = await world.ShareFormAsync(W.AnaUser, "checked while the safety engine is down");
            world.Safety.Throw = false;
            Assert.Contains("Something went wrong", refusedBySafety.Reply!.ToPlainText(), StringComparison.Ordinal);
            world.Platform.FailNext("PostMessage");
            world.Platform.FailNext("PostMessage", new PlatformException(PlatformErrorKind.RateLimited, "Rate limited on chat.postMessage."));
            await world.PassMaxDelayAndDeliverAsync();
            world.Restart();
            for (var i = 0; i < 4; i++)
            {
                await world.PassMaxDelayAndDeliverAsync();
            }

            // Review mode: one approved, one declined.
            world.Options.Anonymity.Review = true;
            await world.ShareFormAsync(W.AnaUser, "reviewed words, approve me");
            await world.ShareFormAsync(W.BenUser, "reviewed words, decline me");
            await world.PassMaxDelayAndDeliverAsync();
            var reviews = world.DirectMessagesTo(W.LeeUser).Where(m => m.Buttons.Count > 0).ToList();
            Assert.Equal(2, reviews.Count);
            await Staff(world, W.LeeUser, world.PressAsync(W.LeeUser, reviews[0].Buttons[0].ActionId));
            await Staff(world, W.LeeUser, world.PressAsync(W.LeeUser, reviews[1].Buttons[1].ActionId));
            world.Options.Anonymity.Review = false;
            await world.PassMaxDelayAndDeliverAsync();

            // Moderation and the staff commands that show anything about posts, alerts or people.
            var anaPosts = world.Sharing.PersonalData.DataOf(W.Ana).Posts;
            var cyPosts = world.Sharing.PersonalData.DataOf(W.Cy).Posts;
            await Staff(world, W.LeeUser, world.CommandAsync(W.LeeUser, $"anon mute {anaPosts[0].Id} 3"));
            await Staff(world, W.LeeUser, world.CommandAsync(W.LeeUser, "anon remove " + cyPosts.First(p => p.GroupId == W.Tuesday).Id));
            await Staff(world, W.KimUser, world.CommandAsync(W.KimUser, "anon mute " + cyPosts.First(p => p.GroupId == W.Owls).Id));
            await Staff(world, W.KimUser, world.CommandAsync(W.KimUser, "anon remove " + anaPosts[0].Id));
            foreach (var user in staffUsers)
            {
                foreach (var command in new[] { "help", "groups", "flags", "stats", "my-data", "stats g-tue", "flags g-owl" })
                {
                    await Staff(world, user, world.CommandAsync(user, command));
                }
            }

            // The authors' own commands, then Ben asks to be forgotten (coordinators are told someone left).
            await world.CommandAsync(W.AnaUser, "my-data");
            await world.ShareFormAsync(W.AnaUser, "while muted");
            await world.CommandAsync(W.BenUser, "forget-me confirm");

            logs = world.Logs.Lines;
            directMessages = world.Platform.DirectMessages;
            channelPosts = [.. world.Platform.MessagesIn(world.TuesdayChannel.Id).Select(m => m.Content), .. world.Platform.MessagesIn(world.OwlsChannel.Id).Select(m => m.Content)];
            observed = [.. world.Safety.Observed];
            Assert.NotNull(crisis.Reply);
        }
        finally
        {
            AppDomain.CurrentDomain.FirstChanceException -= Record;
            database.Dispose();
        }

        // The run did what it claims: posts delivered, reviews decided, failures thrown and logged, notes to staff.
        Assert.True(channelPosts.Count >= 4, $"{channelPosts.Count} posts delivered");
        Assert.Contains(logs, l => l.StartsWith("Error", StringComparison.Ordinal));
        Assert.Contains(logs, l => l.StartsWith("Warning", StringComparison.Ordinal) && l.Contains("retrying", StringComparison.Ordinal));
        Assert.NotEmpty(_exceptions);
        Assert.Contains(directMessages, d => d.UserId == W.MoUser && d.Message.ToPlainText().StartsWith("Someone has left", StringComparison.Ordinal));

        string[] forbidden = [W.Ana, "Ana R.", W.AnaUser, W.Ben, "Ben T.", W.BenUser, W.Cy, "Cy M.", W.CyUser];

        // 1. The database file (and its log file), as UTF-8, upper-cased UTF-8 and UTF-16.
        var bytes = Directory.GetFiles(_folder, "peerbot*").SelectMany(File.ReadAllBytes).ToArray();
        Assert.True(bytes.AsSpan().IndexOf(Encoding.UTF8.GetBytes(anaHandle)) >= 0, "the scan sees what the store holds (Ana's handle)");
        foreach (var text in forbidden)
        {
            foreach (var encoded in new[] { Encoding.UTF8.GetBytes(text), Encoding.UTF8.GetBytes(text.ToUpperInvariant()), Encoding.Unicode.GetBytes(text) })
            {
                Assert.False(bytes.AsSpan().IndexOf(encoded) >= 0, $"the database file holds '{text}'");
            }
        }

        // The key never reaches the database or the logs, in any usual encoding.
        var key = await File.ReadAllBytesAsync(keyPath);
        Assert.False(bytes.AsSpan().IndexOf(key) >= 0, "the database file holds the anonymity key");
        var allLogs = string.Join("\n", logs);
        Assert.DoesNotContain(Convert.ToBase64String(key).TrimEnd('='), allLogs, StringComparison.Ordinal);
        Assert.DoesNotContain(Convert.ToHexString(key), allLogs, StringComparison.OrdinalIgnoreCase);

        // 2. Every log line, every level, with structured values and exception details.
        // 3. The message of every exception thrown anywhere while the run went on.
        // 4. Everything a facilitator or coordinator received: DMs, review requests, replies, updated messages,
        //    and the anonymous posts in the group channels.
        var staffMessages = directMessages.Where(d => staffUsers.Contains(d.UserId)).Select(d => (d.UserId, d.Message))
            .Concat(_staffSaw)
            .Concat(channelPosts.Select(p => ("channel", p)))
            .ToList();
        Assert.True(staffMessages.Count > 20, $"{staffMessages.Count} staff-facing messages scanned");
        Assert.Contains(staffMessages, m => m.Item2.ToPlainText().Contains("reviewed words, approve me", StringComparison.Ordinal));
        foreach (var text in forbidden)
        {
            Assert.DoesNotContain(text, allLogs, StringComparison.OrdinalIgnoreCase);
            Assert.DoesNotContain(_exceptions, e => e.Contains(text, StringComparison.OrdinalIgnoreCase));
            foreach (var (to, message) in staffMessages)
            {
                var visible = ReliabilityWorld.Visible(message) + string.Join(" ", message.Buttons.Select(b => b.ActionId)) + message.IdempotencyKey;
                Assert.False(visible.Contains(text, StringComparison.OrdinalIgnoreCase), $"{to} was shown '{text}': {visible}");
            }
        }

        // 5. The safety engine, which raises the alerts facilitators see, is told a handle for an anonymous post, never who.
        var anonymous = observed.Where(o => o.AuthorPersonId is null).ToList();
        Assert.True(anonymous.Count >= 6, $"{anonymous.Count} anonymous posts observed");
        Assert.All(anonymous, o => Assert.StartsWith("h_", o.AuthorKey, StringComparison.Ordinal));
        Assert.All(anonymous, o => Assert.DoesNotContain(forbidden, f => o.AuthorKey.Contains(f, StringComparison.OrdinalIgnoreCase)));
    }

    [Fact]
    public async Task CrisisContact_OnlyWhenTheAuthorPresses_OnlyToThePsychologist()
    {
        using var world = new W();
        var crisis = await world.ShareFormAsync(W.BenUser, "I want to " + FakeSafetyMonitor.CrisisMarker);
        await world.PassMaxDelayAndDeliverAsync();
        Assert.DoesNotContain(world.Platform.DirectMessages, d => d.UserId != W.BenUser && d.Message.ToPlainText().Contains("Ben", StringComparison.Ordinal));

        // Someone else pressing the author's button learns nothing and reveals nothing.
        var stolen = await world.PressAsync(W.AnaUser, crisis.Reply!.Buttons[0].ActionId);
        Assert.Contains("expired", stolen.Reply!.ToPlainText(), StringComparison.Ordinal);
        Assert.DoesNotContain(world.Platform.DirectMessages, d => d.UserId != W.BenUser && d.Message.ToPlainText().Contains("Ben", StringComparison.Ordinal));

        await world.PressAsync(W.BenUser, crisis.Reply.Buttons[0].ActionId);

        var told = world.Platform.DirectMessages.Where(d => d.Message.ToPlainText().Contains("Ben T.", StringComparison.Ordinal)).Select(d => d.UserId).ToList();
        Assert.Equal([W.LeeUser], told);
        Assert.Empty(world.Platform.MessagesIn(world.TuesdayChannel.Id));
    }
}
