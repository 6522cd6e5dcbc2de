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
    public async Task PostMessageAsync_SameIdempotencyKey_PostsTwiceAsThePlatformsDo()
    {
        // Neither platform remembers an idempotency key for long (Discord's nonce: minutes; Slack: not at all), so the
        // double does not either: only PeerBot's own send journal may stop a second post.
        var platform = new FakeChatPlatform();
        var channel = await platform.EnsurePrivateChannelAsync(new PrivateChannelSpec("g1", "tuesday", "", ["U1"], null), default);

        var first = await platform.PostMessageAsync(channel, OutgoingMessage.Plain("hi", "k1"), default);
        var second = await platform.PostMessageAsync(channel, OutgoingMessage.Plain("hi", "k1"), default);

        Assert.NotEqual(first, second);
        Assert.Equal(2, platform.MessagesIn(channel.Id).Count);
    }

    [Fact]
    public async Task FindSentAsync_KeyedMessage_FoundByItsMarkerOnly()
    {
        var platform = new FakeChatPlatform();
        var channel = await platform.EnsurePrivateChannelAsync(new PrivateChannelSpec("g1", "tuesday", "", ["U1"], null), default);
        var posted = await platform.PostMessageAsync(channel, OutgoingMessage.Plain("hi", "k1"), default);
        await platform.PostMessageAsync(channel, OutgoingMessage.Plain("hi"), default);

        var found = await platform.FindSentAsync(Query(channel, "k1"), default);
        var missing = await platform.FindSentAsync(Query(channel, "k2"), default);

        Assert.Equal(posted, found);
        Assert.Null(missing);
    }

    private static SentMessageQuery Query(ChannelRef channel, string key) =>
        new(channel, null, OutgoingMessage.Plain("hi", key), SendMarker.Of(channel.Platform, key), DateTimeOffset.MinValue, false);
}
