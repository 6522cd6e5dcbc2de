using Microsoft.Extensions.Time.Testing;
using PeerBot.Core.Platform;
using PeerBot.Testing.Platform;
using PeerBot.Testing.Discord;

namespace PeerBot.Discord.Tests;

/// <summary>
/// Discord checks a nonce only over the past few minutes and returns none in history: after a crash and a restart past
/// that window, PeerBot finds its own message in the channel's history instead of posting it twice.
/// </summary>
public sealed class ExactlyOnceTests
{
    private readonly FakeTimeProvider _clock = new(DateTimeOffset.UtcNow);
    private readonly InMemorySendJournal _journal = new();

    [Fact]
    public async Task Post_StoredButNeverRecorded_RestartAfterTheNonceWindow_FoundNotPostedTwice()
    {
        await using var h = await StartAsync();
        var channel = await h.Platform.EnsurePrivateChannelAsync(new PrivateChannelSpec("g1", "Circle", "t", [], null), default);
        await Dying(h).PostMessageAsync(channel, Post("post-17"), default);
        await h.Platform.PostMessageAsync(channel, OutgoingMessage.Plain("a prompt after it"), default);

        _clock.Advance(h.Emulator.NonceWindow + TimeSpan.FromMinutes(30));
        var again = await Restarted(h).PostMessageAsync(channel, Post("post-17"), default);

        var posts = h.Emulator.MessagesIn(channel.Id).Where(m => m.Content.Contains("the words of post-17", StringComparison.Ordinal)).ToList();
        Assert.Equal(posts[0].Id, Assert.Single(posts).Id);
        Assert.Equal(posts[0].Id, again.Id);
        Assert.Contains(h.Emulator.Requests, r => r.Method == "GET" && r.Path == $"/channels/{channel.Id}/messages");
        h.Emulator.AssertNoViolations();
    }

    [Fact]
    public async Task DirectMessage_StoredButNeverRecorded_FoundInTheDm()
    {
        await using var h = await StartAsync();
        var lee = h.Emulator.AddMember("dr-lee");
        await Dying(h).SendDirectMessageAsync(lee, Post("crisis-reply-A7"), default);

        _clock.Advance(TimeSpan.FromHours(2));
        await Restarted(h).SendDirectMessageAsync(lee, Post("crisis-reply-A7"), default);

        Assert.Single(h.Emulator.MessagesIn(h.Emulator.DirectChannel(lee)!.Id));
    }

    [Fact]
    public async Task LongPost_CutShortByACrash_TheHalfIsRemovedAndTheWholeSentOnce()
    {
        await using var h = await StartAsync();
        var channel = await h.Platform.EnsurePrivateChannelAsync(new PrivateChannelSpec("g1", "Circle", "t", [], null), default);
        var text = string.Join("\n", Enumerable.Range(0, 300).Select(i => "line number " + i));
        var whole = new OutgoingMessage([new QuoteBlock(text)], [], "post-long");
        var first = await Dying(h).PostMessageAsync(channel, whole, default);
        var parts = first.Id.Split(',');
        Assert.True(parts.Length >= 2);
        await h.Platform.DeleteMessageAsync(new MessageRef(channel, parts[^1]), default);

        _clock.Advance(TimeSpan.FromHours(1));
        var again = await Restarted(h).PostMessageAsync(channel, whole, default);

        var live = h.Emulator.MessagesIn(channel.Id);
        Assert.Equal(parts.Length, live.Count);
        Assert.Equal(string.Join(',', live.Select(m => m.Id)), again.Id);
        Assert.DoesNotContain(live, m => parts.Contains(m.Id));
    }

    [Fact]
    public async Task SameTextPostedBeforeTheIntent_NotTakenForIt()
    {
        await using var h = await StartAsync();
        var channel = await h.Platform.EnsurePrivateChannelAsync(new PrivateChannelSpec("g1", "Circle", "t", [], null), default);
        await h.Platform.PostMessageAsync(channel, OutgoingMessage.Plain("This week's prompt: what helped?"), default);
        _clock.Advance(TimeSpan.FromHours(3));

        // The intent was recorded (its send never left), and the same words already stand in the channel from before.
        _journal.Save(new SendRecord { Id = SendMarker.Of(PlatformKind.Discord, "prompt:g1:2"), Since = _clock.GetUtcNow() });
        await Restarted(h).PostMessageAsync(channel, OutgoingMessage.Plain("This week's prompt: what helped?", "prompt:g1:2"), default);

        Assert.Equal(2, h.Emulator.MessagesIn(channel.Id).Count);
    }

    private static OutgoingMessage Post(string key) => OutgoingMessage.Plain("the words of " + key, key);

    private async Task<AdapterHarness> StartAsync()
    {
        var h = await AdapterHarness.StartAsync();
        h.Emulator.HostClock = _clock;
        return h;
    }

    /// <summary>The first run: its completions never reach the journal, as when it dies between the answer and the record.</summary>
    private ExactlyOncePlatform Dying(AdapterHarness h) => new(h.Platform, new CompletionLosingJournal(_journal), _clock);

    private ExactlyOncePlatform Restarted(AdapterHarness h) => new(h.Platform, _journal, _clock);
}
