using System.Text;
using PeerBot.Core.Sharing;
using PeerBot.Storage;
using W = PeerBot.Testing.Sharing.SharingWorld;

namespace PeerBot.Reliability.Tests.Security;

/// <summary>
/// What the database files (the data file and LiteDB's log file) still hold, byte for byte, right after a post's words
/// or a person's entries are meant to be gone: nothing, without waiting for a checkpoint or a clean shutdown.
/// </summary>
public sealed class StoredTextTests : IDisposable
{
    private readonly string _folder = Directory.CreateTempSubdirectory("peerbot-stored-text-").FullName;
    private readonly PeerBotDatabase _database;
    private readonly W _world;

    public StoredTextTests()
    {
        _database = PeerBotDatabase.OpenFile(Path.Combine(_folder, "peerbot.db"));
        _world = ReliabilityWorld.Create(_database);
    }

    public void Dispose()
    {
        _world.Dispose();
        _database.Dispose();
        Directory.Delete(_folder, recursive: true);
    }

    private bool FilesHold(string text)
    {
        // Read while the database is open, as someone copying the files of a running (or killed) bot would.
        var bytes = Directory.GetFiles(_folder, "peerbot*").SelectMany(path =>
        {
            using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete);
            using var copy = new MemoryStream();
            stream.CopyTo(copy);
            return copy.ToArray();
        }).ToArray();
        return bytes.AsSpan().IndexOf(Encoding.UTF8.GetBytes(text)) >= 0;
    }

    [Fact]
    public async Task Deliver_PostText_GoneFromTheFilesAtOnce()
    {
        const string words = "the words of a delivered post 7f3a";
        await _world.ShareFormAsync(W.AnaUser, words);
        Assert.True(FilesHold(words), "the pending post is on disk (the scan sees it)");

        await _world.PassMaxDelayAndDeliverAsync();

        Assert.Single(_world.Platform.MessagesIn(_world.TuesdayChannel.Id));
        Assert.False(FilesHold(words), "the words of a delivered post are still in the database files");
    }

    [Fact]
    public async Task RemoveAndDecline_PostText_GoneFromTheFilesAtOnce()
    {
        const string removed = "the words of a removed pending post 9c1d";
        var id = await ReliabilityWorld.ShareAsync(_world, W.Ana, removed);
        await _world.CommandAsync(W.LeeUser, "anon remove " + id);
        _world.Options.Anonymity.Review = true;
        const string declined = "the words of a declined post 4b2e";
        var reviewed = await ReliabilityWorld.ShareAsync(_world, W.Ben, declined);
        await _world.DeliverDueAsync();
        await _world.PressAsync(W.LeeUser, "anon:decline:" + reviewed);

        Assert.Equal(AnonymousPostState.Removed, _world.Posts.Find(id)!.State);
        Assert.Equal(AnonymousPostState.Declined, _world.Posts.Find(reviewed)!.State);
        Assert.False(FilesHold(removed), "a removed post's words are still in the database files");
        Assert.False(FilesHold(declined), "a declined post's words are still in the database files");
    }

    [Fact]
    public async Task ForgetMe_PendingPostsAndAuditEntries_GoneFromTheFilesAtOnce()
    {
        const string pending = "the words of a pending post of someone who leaves 2d8f";
        await _world.ShareFormAsync(W.BenUser, pending);
        await _world.CommandAsync(W.LeeUser, "groups");
        Assert.True(FilesHold(pending) && FilesHold(W.Lee), "the scan sees the post and the audit entry");

        await _world.CommandAsync(W.BenUser, "forget-me confirm");
        await _world.CommandAsync(W.LeeUser, "forget-me confirm");

        Assert.False(FilesHold(pending), "a forgotten person's pending post is still in the database files");
        Assert.False(FilesHold(W.Lee), "a forgotten facilitator's audit entries are still in the database files");
    }
}
