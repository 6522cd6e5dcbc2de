using Microsoft.Extensions.Time.Testing;
using PeerBot.Core.Platform;
using PeerBot.Storage.Platform;
using PeerBot.Testing;

namespace PeerBot.Storage.Tests.Platform;

public sealed class LiteDbSendJournalTests : IDisposable
{
    private static readonly DateTimeOffset Hour = new(2026, 12, 1, 9, 0, 0, TimeSpan.Zero);
    private readonly TempFolder _folder = new();

    public void Dispose() => _folder.Dispose();

    [Fact]
    public void SaveThenReopen_KeepsIntentsAndCompletions_AndTheSweepRemovesOldOnes()
    {
        var path = _folder.File("peerbot.db");
        using (var database = PeerBotDatabase.OpenFile(path))
        {
            var journal = new LiteDbSendJournal(database);
            journal.Save(new SendRecord { Id = "a", Since = Hour });
            journal.Save(new SendRecord { Id = "b", Since = Hour, Sent = true, ChannelId = "C1", MessageId = "1.2" });
            journal.Save(new SendRecord { Id = "c", Since = Hour.AddDays(-40), Sent = true });
        }

        using (var database = PeerBotDatabase.OpenFile(path))
        {
            var journal = new LiteDbSendJournal(database);
            Assert.Equal(new SendRecord { Id = "a", Since = Hour }, journal.Find("a"));
            Assert.Equal(new SendRecord { Id = "b", Since = Hour, Sent = true, ChannelId = "C1", MessageId = "1.2" }, journal.Find("b"));
            Assert.Null(journal.Find("z"));

            Assert.Equal(1, journal.RemoveOlderThan(Hour.AddDays(-30)));
            Assert.Null(journal.Find("c"));
            Assert.NotNull(journal.Find("a"));
        }
    }

    [Fact]
    public async Task AfterARestart_AKeyedPostWhoseAnswerWasLost_IsNotPostedTwice()
    {
        var path = _folder.File("peerbot.db");
        var time = new FakeTimeProvider(Hour.AddMinutes(17));
        var platform = new FakeChatPlatform(PlatformKind.Slack);
        var channel = await platform.EnsurePrivateChannelAsync(new PrivateChannelSpec("g1", "tuesday", "", ["U1"], null), default);
        platform.LoseAnswerOfNext("PostMessage");
        using (var database = PeerBotDatabase.OpenFile(path))
        {
            var registry = new PlatformRegistry([platform], new LiteDbSendJournal(database), time);
            await Assert.ThrowsAsync<PlatformException>(() => registry.Find(PlatformKind.Slack)!.PostMessageAsync(channel, OutgoingMessage.Plain("post", "p1"), default));
        }

        time.Advance(TimeSpan.FromHours(6));
        using (var database = PeerBotDatabase.OpenFile(path))
        {
            var registry = new PlatformRegistry([platform], new LiteDbSendJournal(database), time);
            await registry.Find(PlatformKind.Slack)!.PostMessageAsync(channel, OutgoingMessage.Plain("post", "p1"), default);
        }

        Assert.Single(platform.MessagesIn(channel.Id));
    }
}
