using PeerBot.Core.Platform;
using PeerBot.Testing;

namespace PeerBot.Core.Tests;

public class FakeChatPlatformTests
{
    [Fact]
    public async Task FailNext_MatchingOperation_ThrowsOnceThenSucceeds()
    {
        var platform = new FakeChatPlatform();
        var channel = await platform.EnsurePrivateChannelAsync(new PrivateChannelSpec("g1", "tuesday", "", ["U1"], null), default);
        platform.FailNext("PostMessage");

        await Assert.ThrowsAsync<PlatformException>(() => platform.PostMessageAsync(channel, OutgoingMessage.Plain("hi"), default));
        await platform.PostMessageAsync(channel, OutgoingMessage.Plain("hi"), default);

        Assert.Single(platform.MessagesIn(channel.Id));
    }

    [Fact]
    public async Task PostMessageAsync_SameIdempotencyKey_PostsOnce()
    {
        var platform = new FakeChatPlatform();
        var channel = await platform.EnsurePrivateChannelAsync(new PrivateChannelSpec("g1", "tuesday", "", ["U1"], null), default);

        var first = await platform.PostMessageAsync(channel, OutgoingMessage.Plain("hi", "k1"), default);
        var second = await platform.PostMessageAsync(channel, OutgoingMessage.Plain("hi", "k1"), default);

        Assert.Equal(first, second);
        Assert.Single(platform.MessagesIn(channel.Id));
    }
}
