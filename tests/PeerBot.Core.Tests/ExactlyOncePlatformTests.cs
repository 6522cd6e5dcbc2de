using Microsoft.Extensions.Time.Testing;
using PeerBot.Core.Platform;
using PeerBot.Testing.Platform;
using PeerBot.Testing;

namespace PeerBot.Core.Tests;

/// <summary>
/// Every crash point of a keyed send, against a platform that forgets keys as the real ones do: the message is there
/// exactly once after the restart, from the send journal and a look on the platform.
/// </summary>
public sealed class ExactlyOncePlatformTests
{
    private readonly FakeTimeProvider _time = new(new DateTimeOffset(2026, 12, 1, 9, 41, 0, TimeSpan.Zero));
    private readonly FakeChatPlatform _platform = new(PlatformKind.Slack);
    private readonly InMemorySendJournal _journal = new();
    private readonly ChannelRef _channel;

    public ExactlyOncePlatformTests() =>
        _channel = _platform.EnsurePrivateChannelAsync(new PrivateChannelSpec("g1", "tuesday", "", ["U1"], null), default).GetAwaiter().GetResult();

    [Fact]
    public async Task Post_CrashBeforeTheSendLeft_SentOnceAfterRestart()
    {
        _platform.FailNext("PostMessage");
        await Assert.ThrowsAsync<PlatformException>(() => Run().PostMessageAsync(_channel, Message("k1"), default));
        Assert.False(Assert.Single(_journal.Records).Sent);

        // After the platform's nonce window: the restarted process looks, finds nothing, and sends.
        _time.Advance(TimeSpan.FromHours(3));
        var sent = await Run().PostMessageAsync(_channel, Message("k1"), default);

        Assert.Equal(sent.Id, Assert.Single(_platform.MessagesIn(_channel.Id)).Id);
        Assert.Equal(1, _platform.Lookups);
        Assert.True(Assert.Single(_journal.Records).Sent);
    }

    [Fact]
    public async Task Post_PlatformStoredItButTheAnswerWasLost_NotSentAgain()
    {
        _platform.LoseAnswerOfNext("PostMessage");
        await Assert.ThrowsAsync<PlatformException>(() => Run().PostMessageAsync(_channel, Message("k1"), default));

        _time.Advance(TimeSpan.FromHours(3));
        var again = await Run().PostMessageAsync(_channel, Message("k1"), default);

        var only = Assert.Single(_platform.MessagesIn(_channel.Id));
        Assert.Equal(only.Id, again.Id);
        Assert.Single(_platform.Calls, c => c.Operation == "PostMessage");
        Assert.Equal(only.Id, Assert.Single(_journal.Records).MessageId);
    }

    [Fact]
    public async Task Post_AnsweredButTheProcessDiedBeforeRecordingIt_NotSentAgain()
    {
        // The completion never reaches the journal, as when the process dies between the answer and the record.
        var dying = new CompletionLosingJournal(_journal);
        await new ExactlyOncePlatform(_platform, dying, _time).PostMessageAsync(_channel, Message("k1"), default);
        Assert.False(Assert.Single(_journal.Records).Sent);

        _time.Advance(TimeSpan.FromDays(1));
        await Run().PostMessageAsync(_channel, Message("k1"), default);

        Assert.Single(_platform.MessagesIn(_channel.Id));
        Assert.Equal(1, _platform.Lookups);
    }

    [Fact]
    public async Task Post_RecordedAsSentThenAskedAgain_ReturnsTheMessageWithoutAskingThePlatform()
    {
        var first = await Run().PostMessageAsync(_channel, Message("k1"), default);

        _time.Advance(TimeSpan.FromDays(2));
        var again = await Run().PostMessageAsync(_channel, Message("k1"), default);

        Assert.Equal(first, again);
        Assert.Single(_platform.MessagesIn(_channel.Id));
        Assert.Equal(0, _platform.Lookups);
    }

    [Fact]
    public async Task DirectMessage_AnswerLost_NotSentAgain()
    {
        _platform.LoseAnswerOfNext("SendDirectMessage");
        await Assert.ThrowsAsync<PlatformException>(() => Run().SendDirectMessageAsync("U9", Message("crisis-reply-a1"), default));

        await Run().SendDirectMessageAsync("U9", Message("crisis-reply-a1"), default);

        Assert.Single(_platform.DirectMessages);
    }

    [Fact]
    public async Task DirectMessageWithImages_AnswerLost_NotSentAgain()
    {
        _platform.LoseAnswerOfNext("SendDirectImages");
        MessageImage[] images = [new("chart.png", new byte[] { 1, 2, 3 }, "a chart")];
        await Assert.ThrowsAsync<PlatformException>(() => Run().SendDirectMessageAsync("U9", Message("digest:k"), images, default));

        await Run().SendDirectMessageAsync("U9", Message("digest:k"), images, default);

        Assert.Single(_platform.DirectMessages);
    }

    [Fact]
    public async Task Discreet_RecordNeverSaysWhereItWent_AndItIsNotSentTwice()
    {
        var note = Message("N-post1") with { Discreet = true };
        await Run().SendDirectMessageAsync("U9", note, default);

        var record = Assert.Single(_journal.Records);
        Assert.True(record.Sent);
        Assert.Null(record.ChannelId);
        Assert.Null(record.MessageId);
        Assert.Equal(0, record.Since.Minute);

        var again = await Run().SendDirectMessageAsync("U9", note, default);
        Assert.Single(_platform.DirectMessages);
        Assert.Equal(Assert.Single(_platform.MessagesIn("D-U9")).Id, again.Id);
    }

    [Fact]
    public async Task Lookup_PlatformDown_FailsLikeTheSendWouldAndSendsNothing()
    {
        _platform.FailNext("PostMessage");
        await Assert.ThrowsAsync<PlatformException>(() => Run().PostMessageAsync(_channel, Message("k1"), default));
        _platform.FailNext("FindSent", new PlatformException(PlatformErrorKind.Unavailable, "down"));

        var ex = await Assert.ThrowsAsync<PlatformException>(() => Run().PostMessageAsync(_channel, Message("k1"), default));

        Assert.True(ex.IsTransient);
        Assert.Empty(_platform.MessagesIn(_channel.Id));
        await Run().PostMessageAsync(_channel, Message("k1"), default);
        Assert.Single(_platform.MessagesIn(_channel.Id));
    }

    [Fact]
    public async Task Lookup_Refused_SendsRatherThanNever()
    {
        _platform.FailNext("PostMessage");
        await Assert.ThrowsAsync<PlatformException>(() => Run().PostMessageAsync(_channel, Message("k1"), default));
        _platform.FailNext("FindSent", new PlatformException(PlatformErrorKind.MissingPermission, "missing_scope"));

        await Run().PostMessageAsync(_channel, Message("k1"), default);

        Assert.Single(_platform.MessagesIn(_channel.Id));
    }

    [Fact]
    public async Task Journal_Broken_TheMessageStillGoes()
    {
        var platform = new ExactlyOncePlatform(_platform, new BrokenJournal(), _time);

        await platform.PostMessageAsync(_channel, Message("crisis-alert"), default);

        Assert.Single(_platform.MessagesIn(_channel.Id));
    }

    [Fact]
    public async Task Unkeyed_PassesStraightThroughWithoutARecord()
    {
        await Run().PostMessageAsync(_channel, OutgoingMessage.Plain("hello"), default);
        await Run().PostMessageAsync(_channel, OutgoingMessage.Plain("hello"), default);

        Assert.Equal(2, _platform.MessagesIn(_channel.Id).Count);
        Assert.Empty(_journal.Records);
    }

    [Fact]
    public async Task SameKeyAtOnce_OneMessage()
    {
        var platform = Run();

        await Task.WhenAll(Enumerable.Range(0, 8).Select(_ => Task.Run(() => platform.PostMessageAsync(_channel, Message("k1"), default))));

        Assert.Single(_platform.MessagesIn(_channel.Id));
    }

    [Fact]
    public async Task Sweep_RecordsOlderThanTheRetentionGo()
    {
        var platform = Run();
        await platform.PostMessageAsync(_channel, Message("old"), default);
        _time.Advance(ExactlyOncePlatform.Retention + TimeSpan.FromHours(2));

        await platform.PostMessageAsync(_channel, Message("new"), default);

        Assert.Equal(SendMarker.Of(PlatformKind.Slack, "new"), Assert.Single(_journal.Records).Id);
    }

    [Fact]
    public void Registry_WithAJournal_WrapsEveryPlatform()
    {
        var registry = new PlatformRegistry([_platform], _journal, _time);

        var wrapped = Assert.IsType<ExactlyOncePlatform>(registry.Find(PlatformKind.Slack));
        Assert.Same(_platform, wrapped.Inner);
        Assert.Same(_platform, new PlatformRegistry([_platform]).Find(PlatformKind.Slack));
    }

    private ExactlyOncePlatform Run() => new(_platform, _journal, _time);

    private static OutgoingMessage Message(string key) => OutgoingMessage.Plain("the words", key);

    private sealed class BrokenJournal : ISendJournal
    {
        public SendRecord? Find(string id) => throw new IOException("disk gone");

        public void Save(SendRecord record) => throw new IOException("disk gone");

        public int RemoveOlderThan(DateTimeOffset cutoff) => throw new IOException("disk gone");
    }
}
