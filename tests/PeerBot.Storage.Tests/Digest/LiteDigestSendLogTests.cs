using PeerBot.Storage.Digest;

namespace PeerBot.Storage.Tests.Digest;

public sealed class LiteDigestSendLogTests
{
    [Fact]
    public void SendLog_SurvivesReopening()
    {
        using var folder = new TempFolder();
        var path = folder.File("peerbot.db");
        var week = new DateOnly(2026, 11, 9);
        var due = new DateTimeOffset(2026, 11, 16, 13, 0, 0, TimeSpan.Zero);
        using (var db = PeerBotDatabase.OpenFile(path))
        {
            var log = new LiteDigestSendLog(db);
            Assert.Null(log.LastOccurrence);
            log.MarkSent(week, "dr-lee", due);
            log.SetLastOccurrence(due);
        }

        using (var db = PeerBotDatabase.OpenFile(path))
        {
            var log = new LiteDigestSendLog(db);
            Assert.Equal(due, log.LastOccurrence);
            Assert.True(log.IsSent(week, "DR-LEE"));
            Assert.False(log.IsSent(week.AddDays(7), "dr-lee"));
            Assert.False(log.IsSent(week, "dr-kim"));
        }
    }
}
