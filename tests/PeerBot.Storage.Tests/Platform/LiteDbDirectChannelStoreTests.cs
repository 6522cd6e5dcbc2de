using PeerBot.Core.Platform;
using PeerBot.Storage.Platform;

namespace PeerBot.Storage.Tests.Platform;

public sealed class LiteDbDirectChannelStoreTests : IDisposable
{
    private readonly TempFolder _folder = new();

    public void Dispose() => _folder.Dispose();

    [Fact]
    public void SaveThenReopen_FindsTheChannelPerPlatformAndForgets()
    {
        var path = _folder.File("peerbot.db");
        using (var database = PeerBotDatabase.OpenFile(path))
        {
            var store = new LiteDbDirectChannelStore(database);
            store.Save(PlatformKind.Discord, "k-ana", "300000000000000001");
            store.Save(PlatformKind.Discord, "k-ana", "300000000000000002");
            store.Save(PlatformKind.Slack, "k-ana", "D0ANA");
        }

        using (var database = PeerBotDatabase.OpenFile(path))
        {
            var store = new LiteDbDirectChannelStore(database);
            Assert.Equal("300000000000000002", store.Find(PlatformKind.Discord, "k-ana"));
            Assert.Equal("D0ANA", store.Find(PlatformKind.Slack, "k-ana"));
            Assert.Null(store.Find(PlatformKind.Discord, "k-ben"));

            store.Forget(PlatformKind.Discord, "k-ana");
            Assert.Null(store.Find(PlatformKind.Discord, "k-ana"));
            Assert.Equal("D0ANA", store.Find(PlatformKind.Slack, "k-ana"));
        }
    }
}
