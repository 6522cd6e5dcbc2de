using System.Net.Http;
using PeerBot.Core.Platform;
using PeerBot.Core.Sharing;
using PeerBot.Testing;
using PeerBot.Testing.Sharing;

namespace PeerBot.Core.Tests.Sharing;

/// <summary>
/// The outbox's retry policy: an accepted post survives a long outage, a permanent failure gives up and tells the
/// author and the facilitators (no words, no author), and a restart mid-backoff keeps the schedule.
/// </summary>
public sealed class OutboxRetryPolicyTests : IDisposable
{
    private const string Words = "the night shift broke me a little";
    private readonly InMemoryAnonymousPostStore _store = new();
    private readonly SharingWorld _world;
    private readonly OutagePlatform _platform;
    private readonly AnonymousSharingService _sharing;

    public OutboxRetryPolicyTests()
    {
        _world = new SharingWorld(posts: _store);
        _platform = new OutagePlatform(_world.Platform);
        _sharing = _world.NewSharing(platform: _platform);
    }

    [Fact]
    public async Task ProcessDueAsync_SixHourOutage_PendingThenDeliveredExactlyOnce()
    {
        var postId = await SubmitAsync();
        _platform.Failure = _ => new PlatformException(PlatformErrorKind.Unavailable, "Slack did not answer.");

        await RunForAsync(TimeSpan.FromHours(6));

        var pending = _store.Find(postId)!;
        Assert.Equal(AnonymousPostState.Sending, pending.State);
        Assert.Equal(Words, pending.Text);
        Assert.NotNull(pending.DueAt);
        Assert.True(pending.DueAt!.Value - _world.Time.GetUtcNow() <= TimeSpan.FromMinutes(10));
        Assert.True(pending.Attempts > AnonymousOutbox.MaxAttempts);
        Assert.Empty(_world.Platform.MessagesIn(_world.TuesdayChannel.Id));

        _platform.Failure = null;
        await RunForAsync(TimeSpan.FromMinutes(11));
        await RunForAsync(TimeSpan.FromHours(1));

        var message = Assert.Single(_world.Platform.MessagesIn(_world.TuesdayChannel.Id));
        Assert.Equal(postId, message.Content.IdempotencyKey);
        var delivered = _store.Find(postId)!;
        Assert.Equal(AnonymousPostState.Delivered, delivered.State);
        Assert.Equal("", delivered.Text);
        Assert.Null(delivered.DueAt);
        Assert.DoesNotContain(_world.DirectMessagesTo(SharingWorld.AnaUser), m => m.ToPlainText().Contains("now up", StringComparison.Ordinal));
        Assert.Empty(_world.DirectMessagesTo(SharingWorld.LeeUser));
    }

    [Fact]
    public async Task ProcessDueAsync_NetworkCauseUnderOther_TreatedAsTransient()
    {
        var postId = await SubmitAsync();
        _platform.Failure = _ => new PlatformException(PlatformErrorKind.Other, "Request failed.", new HttpRequestException("Connection refused"));

        await RunForAsync(TimeSpan.FromHours(3));

        Assert.Equal(AnonymousPostState.Sending, _store.Find(postId)!.State);
        Assert.Equal(0, _store.Find(postId)!.PermanentFailures);
    }

    [Theory]
    [InlineData(PlatformErrorKind.Unavailable, false, true)]
    [InlineData(PlatformErrorKind.RateLimited, false, true)]
    [InlineData(PlatformErrorKind.Other, true, true)]
    [InlineData(PlatformErrorKind.Other, false, false)]
    [InlineData(PlatformErrorKind.NotFound, false, false)]
    [InlineData(PlatformErrorKind.MissingPermission, false, false)]
    [InlineData(PlatformErrorKind.Unauthorized, false, false)]
    [InlineData(PlatformErrorKind.CannotMessageUser, false, false)]
    public void IsTransient_ByKindAndCause_AsClassified(PlatformErrorKind kind, bool networkCause, bool expected)
    {
        var exception = networkCause
            ? new PlatformException(kind, "failed", new IOException("reset by peer"))
            : new PlatformException(kind, "failed");

        Assert.Equal(expected, AnonymousOutbox.IsTransient(exception));
    }

    [Fact]
    public async Task ProcessDueAsync_PermanentError_GivesUpAndTellsAuthorAndFacilitatorsOnly()
    {
        var postId = await SubmitAsync();
        _platform.Failure = op => op == "PostMessage" ? new PlatformException(PlatformErrorKind.NotFound, "channel_not_found") : null;

        await RunForAsync(TimeSpan.FromHours(2));

        var post = _store.Find(postId)!;
        Assert.Equal(AnonymousPostState.Failed, post.State);
        Assert.Equal("", post.Text);
        Assert.Equal(AnonymousOutbox.MaxAttempts, post.PermanentFailures);
        Assert.Equal(PendingNotices.None, post.Notices);
        Assert.Null(post.DueAt);
        Assert.Empty(_world.Platform.MessagesIn(_world.TuesdayChannel.Id));

        var authorNote = Assert.Single(_world.DirectMessagesTo(SharingWorld.AnaUser)).ToPlainText();
        Assert.Contains("could not be posted", authorNote, StringComparison.Ordinal);
        var facilitatorNote = Assert.Single(_world.DirectMessagesTo(SharingWorld.LeeUser)).ToPlainText();
        Assert.Contains("One anonymous post for Tuesday Circle could not be delivered", facilitatorNote, StringComparison.Ordinal);
        Assert.DoesNotContain(Words, facilitatorNote, StringComparison.Ordinal);
        Assert.DoesNotContain("Ana", facilitatorNote, StringComparison.Ordinal);
        Assert.DoesNotContain(postId, facilitatorNote, StringComparison.Ordinal);
        Assert.DoesNotContain(post.AuthorHandle, facilitatorNote, StringComparison.Ordinal);

        // Nobody else hears of it, and nothing more is sent later.
        Assert.Empty(_world.DirectMessagesTo(SharingWorld.BenUser));
        Assert.Empty(_world.DirectMessagesTo(SharingWorld.KimUser));
        await RunForAsync(TimeSpan.FromHours(1));
        Assert.Single(_world.DirectMessagesTo(SharingWorld.AnaUser));
        Assert.Single(_world.DirectMessagesTo(SharingWorld.LeeUser));
    }

    [Fact]
    public async Task ProcessDueAsync_OutageLongerThanWindow_GivesUpThenNotesRetriedUntilDelivered()
    {
        var postId = await SubmitAsync();
        _platform.Failure = _ => new PlatformException(PlatformErrorKind.Unavailable, "down");

        await RunForAsync(AnonymousOutbox.TransientRetryWindow + TimeSpan.FromMinutes(30));

        var failed = _store.Find(postId)!;
        Assert.Equal(AnonymousPostState.Failed, failed.State);
        Assert.Equal("", failed.Text);
        Assert.Equal(PendingNotices.Author | PendingNotices.Facilitators, failed.Notices);
        Assert.NotNull(failed.DueAt);
        Assert.True(failed.GaveUpAt!.Value - failed.FailingSince!.Value >= AnonymousOutbox.TransientRetryWindow);
        Assert.True(failed.GaveUpAt.Value - failed.FailingSince.Value < AnonymousOutbox.TransientRetryWindow + TimeSpan.FromMinutes(11));

        // The platform comes back: the notes owed go out once each, and the post itself never appears.
        _platform.Failure = null;
        await RunForAsync(TimeSpan.FromHours(1));

        Assert.Single(_world.DirectMessagesTo(SharingWorld.AnaUser));
        Assert.Single(_world.DirectMessagesTo(SharingWorld.LeeUser));
        Assert.Empty(_world.Platform.MessagesIn(_world.TuesdayChannel.Id));
        var told = _store.Find(postId)!;
        Assert.Equal(PendingNotices.None, told.Notices);
        Assert.Null(told.DueAt);
    }

    [Fact]
    public async Task ProcessDueAsync_MixedFailuresPastWindow_GivenUpAtTheWindow()
    {
        var postId = await SubmitAsync();
        var calls = 0;

        // Mostly an outage, with a permanent-looking answer now and then (fewer than MaxAttempts in all).
        _platform.Failure = op => op == "PostMessage"
            ? ++calls % 40 == 0 ? new PlatformException(PlatformErrorKind.NotFound, "flaky") : new PlatformException(PlatformErrorKind.Unavailable, "down")
            : null;

        await RunForAsync(AnonymousOutbox.TransientRetryWindow + TimeSpan.FromMinutes(11));

        var post = _store.Find(postId)!;
        Assert.Equal(AnonymousPostState.Failed, post.State);
        Assert.InRange(post.PermanentFailures, 1, AnonymousOutbox.MaxAttempts - 1);
        Assert.True(post.GaveUpAt!.Value - post.FailingSince!.Value < AnonymousOutbox.TransientRetryWindow + TimeSpan.FromMinutes(11));
    }

    [Fact]
    public async Task ProcessDueAsync_FirstDuePostThrowsUnexpectedException_SecondDeliveredInTheSamePass()
    {
        var first = await SubmitAsync();
        var second = (await _sharing.Submission.SubmitAsync(new ShareRequest(_world.Person(SharingWorld.Ben), null, "second words"), default)).Value!.PostId;
        _world.Time.Advance(_world.Options.Anonymity.MaxDelay + TimeSpan.FromSeconds(1));
        var order = _store.ListDue(_world.Time.GetUtcNow()).Select(p => p.Id).ToList();
        Assert.Equal(2, order.Count);

        // The first post the pass takes meets an exception that is no platform error, quoting its words as some do.
        _world.Platform.FailNext("PostMessage", new InvalidOperationException($"Renderer choked on \"{Words}\" by {SharingWorld.AnaUser}."));
        var done = await _sharing.Outbox.ProcessDueAsync(default);

        Assert.Equal(2, done);
        var failed = _store.Find(order[0])!;
        var delivered = _store.Find(order[1])!;
        Assert.Equal(AnonymousPostState.Delivered, delivered.State);
        Assert.Equal(order[1], Assert.Single(_world.Platform.MessagesIn(_world.TuesdayChannel.Id)).Content.IdempotencyKey);

        // The other is a failed attempt, counted towards giving up, retried after the first backoff with its words kept.
        Assert.Equal(AnonymousPostState.Sending, failed.State);
        Assert.Equal(1, failed.Attempts);
        Assert.Equal(1, failed.PermanentFailures);
        Assert.Equal(_world.Time.GetUtcNow() + TimeSpan.FromSeconds(5), failed.DueAt);
        Assert.NotEqual("", failed.Text);

        // Logged by post id and exception type: no words, no author.
        var logs = string.Join("\n", _world.Logs.Lines);
        Assert.Contains($"Anonymous post {order[0]} met an unexpected System.InvalidOperationException", logs, StringComparison.Ordinal);
        Assert.DoesNotContain(Words, logs, StringComparison.Ordinal);
        Assert.DoesNotContain("second words", logs, StringComparison.Ordinal);
        Assert.DoesNotContain("choked", logs, StringComparison.Ordinal);
        foreach (var author in new[] { SharingWorld.Ana, SharingWorld.AnaUser, SharingWorld.Ben, SharingWorld.BenUser, failed.AuthorHandle, delivered.AuthorHandle })
        {
            Assert.DoesNotContain(author, logs, StringComparison.Ordinal);
        }

        // The next try delivers it, once.
        _world.Time.Advance(TimeSpan.FromSeconds(5));
        await DeliverDueAsync(_sharing);
        Assert.Equal(new[] { first, second }.Order(StringComparer.Ordinal), _world.Platform.MessagesIn(_world.TuesdayChannel.Id).Select(m => m.Content.IdempotencyKey!).Order(StringComparer.Ordinal));
    }

    [Fact]
    public async Task ProcessDueAsync_UnexpectedExceptionEveryTime_GivesUpAfterMaxAttemptsAndTellsBothSides()
    {
        var postId = await SubmitAsync();
        _platform.Failure = op => op == "PostMessage" ? new InvalidOperationException("a bug in the adapter") : null;

        await RunForAsync(TimeSpan.FromHours(2));

        var post = _store.Find(postId)!;
        Assert.Equal(AnonymousPostState.Failed, post.State);
        Assert.Equal("", post.Text);
        Assert.Equal(AnonymousOutbox.MaxAttempts, post.PermanentFailures);
        Assert.Equal(PendingNotices.None, post.Notices);
        Assert.Contains("could not be posted", Assert.Single(_world.DirectMessagesTo(SharingWorld.AnaUser)).ToPlainText(), StringComparison.Ordinal);
        Assert.Single(_world.DirectMessagesTo(SharingWorld.LeeUser));
        Assert.Contains(_world.Logs.Lines, l => l.Contains($"Anonymous post {postId} given up after 12 attempts (unexpected InvalidOperationException)", StringComparison.Ordinal));
    }

    [Fact]
    public async Task ProcessDueAsync_UnexpectedExceptionAfterDelivery_PostStaysDeliveredAndThePassGoesOn()
    {
        var first = await SubmitAsync();
        var second = (await _sharing.Submission.SubmitAsync(new ShareRequest(_world.Person(SharingWorld.Ben), null, "second words"), default)).Value!.PostId;
        _world.Time.Advance(_world.Options.Anonymity.MaxDelay + TimeSpan.FromSeconds(1));

        // The note "your post is up" to the first author fails in a way nobody foresaw.
        _world.Platform.FailNext("SendDirectMessage", new FormatException("bad note"));
        var done = await _sharing.Outbox.ProcessDueAsync(default);
        await RunForAsync(TimeSpan.FromMinutes(30));

        Assert.Equal(2, done);
        Assert.Equal(2, _world.Platform.MessagesIn(_world.TuesdayChannel.Id).Count);
        Assert.Equal(AnonymousPostState.Delivered, _store.Find(first)!.State);
        Assert.Equal(AnonymousPostState.Delivered, _store.Find(second)!.State);
        Assert.Null(_store.Find(first)!.DueAt);
    }

    [Fact]
    public async Task SubmitAsync_AuthorNoteStillOwed_SaidInNextShareReplyAndNotRetried()
    {
        var postId = await SubmitAsync();
        _platform.Failure = op => op == "PostMessage"
            ? new PlatformException(PlatformErrorKind.MissingPermission, "Missing access.")
            : new PlatformException(PlatformErrorKind.Unavailable, "down");
        await RunForAsync(TimeSpan.FromHours(2));
        Assert.Equal(PendingNotices.Author | PendingNotices.Facilitators, _store.Find(postId)!.Notices);

        var next = await _sharing.Submission.SubmitAsync(new ShareRequest(_world.Person(SharingWorld.Ana), null, "trying again"), default);

        Assert.True(next.Succeeded, next.Error);
        Assert.StartsWith("First, sorry: an earlier anonymous post of yours could not be posted", next.Value!.Reply.ToPlainText(), StringComparison.Ordinal);
        Assert.Contains("Saved", next.Value.Reply.ToPlainText(), StringComparison.Ordinal);
        Assert.Equal(PendingNotices.Facilitators, _store.Find(postId)!.Notices);

        _platform.Failure = null;
        await RunForAsync(TimeSpan.FromHours(1));
        Assert.DoesNotContain(_world.DirectMessagesTo(SharingWorld.AnaUser), m => m.ToPlainText().Contains("could not be posted", StringComparison.Ordinal));
        Assert.Single(_world.DirectMessagesTo(SharingWorld.LeeUser));
    }

    [Fact]
    public async Task SubmitAsync_EarlierPostGivenUp_DoesNotCountTowardsDailyLimit()
    {
        _world.Options.Anonymity.MaxPerDay = 1;
        await SubmitAsync();
        _platform.Failure = op => op == "PostMessage" ? new PlatformException(PlatformErrorKind.NotFound, "channel_not_found") : null;
        await RunForAsync(TimeSpan.FromHours(2));

        var again = await _sharing.Submission.SubmitAsync(new ShareRequest(_world.Person(SharingWorld.Ana), null, "second try"), default);

        Assert.True(again.Succeeded, again.Error);
    }

    [Fact]
    public async Task ProcessDueAsync_RestartMidBackoff_ResumesSchedule()
    {
        var postId = await SubmitAsync();
        _platform.Failure = _ => new PlatformException(PlatformErrorKind.Unavailable, "down");
        _world.Time.Advance(_world.Options.Anonymity.MaxDelay + TimeSpan.FromSeconds(1));
        await DeliverDueAsync(_sharing);
        for (var i = 0; i < 3; i++)
        {
            _world.Time.Advance(_store.Find(postId)!.DueAt!.Value - _world.Time.GetUtcNow());
            await DeliverDueAsync(_sharing);
        }

        var beforeCrash = _store.Find(postId)!;
        Assert.Equal(4, beforeCrash.Attempts);
        Assert.Equal(_world.Time.GetUtcNow() + TimeSpan.FromSeconds(40), beforeCrash.DueAt);

        // Restart over the same store with the platform back: the new run waits for the stored due time.
        var restarted = _world.Restart();
        Assert.Equal(beforeCrash.DueAt, restarted.Outbox.NextDueAt());
        _world.Time.Advance(TimeSpan.FromSeconds(39));
        Assert.Equal(0, await restarted.Outbox.ProcessDueAsync(default));
        Assert.Empty(_world.Platform.MessagesIn(_world.TuesdayChannel.Id));

        _world.Time.Advance(TimeSpan.FromSeconds(1));
        await DeliverDueAsync(restarted);

        Assert.Single(_world.Platform.MessagesIn(_world.TuesdayChannel.Id));
        var delivered = _store.Find(postId)!;
        Assert.Equal(AnonymousPostState.Delivered, delivered.State);
        Assert.Equal(5, delivered.Attempts);
    }

    [Fact]
    public async Task ProcessDueAsync_RestartMidBackoffStillDown_KeepsFailingSinceAndBackoff()
    {
        var postId = await SubmitAsync();
        _platform.Failure = _ => new PlatformException(PlatformErrorKind.Unavailable, "down");
        await RunForAsync(TimeSpan.FromHours(1));
        var before = _store.Find(postId)!;

        var restarted = _world.NewSharing(platform: _platform);
        _world.Time.Advance(before.DueAt!.Value - _world.Time.GetUtcNow());
        await DeliverDueAsync(restarted);

        var after = _store.Find(postId)!;
        Assert.Equal(before.FailingSince, after.FailingSince);
        Assert.Equal(before.Attempts + 1, after.Attempts);
        Assert.Equal(_world.Time.GetUtcNow() + TimeSpan.FromMinutes(10), after.DueAt);
    }

    [Fact]
    public async Task MyData_DuringOutage_ShowsPendingPostAndRetrying()
    {
        _world.Restart(platform: _platform);
        await _world.Sharing.Submission.SubmitAsync(new ShareRequest(_world.Person(SharingWorld.Ana), null, Words), default);
        _platform.Failure = op => op == "PostMessage" ? new PlatformException(PlatformErrorKind.Unavailable, "down") : null;
        for (var elapsed = TimeSpan.Zero; elapsed < TimeSpan.FromHours(2); elapsed += TimeSpan.FromMinutes(1))
        {
            _world.Time.Advance(TimeSpan.FromMinutes(1));
            await _world.DeliverDueAsync();
        }

        var reply = (await _world.CommandAsync(SharingWorld.AnaUser, "my-data")).Reply!.ToPlainText();

        Assert.Contains("1 still to appear", reply, StringComparison.Ordinal);
        Assert.Contains(Words, reply, StringComparison.Ordinal);
        Assert.Contains("being retried", reply, StringComparison.Ordinal);
    }

    public void Dispose() => _world.Dispose();

    private static async Task DeliverDueAsync(AnonymousSharingService sharing)
    {
        while (await sharing.Outbox.ProcessDueAsync(default) > 0)
        {
        }
    }

    private async Task<string> SubmitAsync()
    {
        var result = await _sharing.Submission.SubmitAsync(new ShareRequest(_world.Person(SharingWorld.Ana), null, Words), default);
        Assert.True(result.Succeeded, result.Error);
        return result.Value!.PostId;
    }

    /// <summary>Moves the clock a minute at a time (finer than the longest backoff), working the outbox at each step.</summary>
    private async Task RunForAsync(TimeSpan span)
    {
        for (var elapsed = TimeSpan.Zero; elapsed < span; elapsed += TimeSpan.FromMinutes(1))
        {
            _world.Time.Advance(TimeSpan.FromMinutes(1));
            await DeliverDueAsync(_sharing);
        }
    }

    /// <summary>The fake platform behind a switchable outage: while <see cref="Failure"/> returns an error, calls fail with it.</summary>
    private sealed class OutagePlatform(FakeChatPlatform inner) : IChatPlatform
    {
        public Func<string, Exception?>? Failure { get; set; }

        public PlatformKind Kind => inner.Kind;

        public Task<ChannelRef> EnsurePrivateChannelAsync(PrivateChannelSpec spec, CancellationToken cancellationToken) => inner.EnsurePrivateChannelAsync(spec, cancellationToken);

        public Task AddMemberAsync(ChannelRef channel, string userId, CancellationToken cancellationToken) => inner.AddMemberAsync(channel, userId, cancellationToken);

        public Task RemoveMemberAsync(ChannelRef channel, string userId, CancellationToken cancellationToken) => inner.RemoveMemberAsync(channel, userId, cancellationToken);

        public Task ArchiveChannelAsync(ChannelRef channel, CancellationToken cancellationToken) => inner.ArchiveChannelAsync(channel, cancellationToken);

        public Task<MessageRef> PostMessageAsync(ChannelRef channel, OutgoingMessage message, CancellationToken cancellationToken) =>
            Failure?.Invoke("PostMessage") is { } failure ? throw failure : inner.PostMessageAsync(channel, message, cancellationToken);

        public Task<MessageRef> SendDirectMessageAsync(string userId, OutgoingMessage message, CancellationToken cancellationToken) =>
            Failure?.Invoke("SendDirectMessage") is { } failure ? throw failure : inner.SendDirectMessageAsync(userId, message, cancellationToken);

        public Task<MessageRef> SendDirectMessageAsync(string userId, OutgoingMessage message, IReadOnlyList<MessageImage> images, CancellationToken cancellationToken) =>
            Failure?.Invoke("SendDirectImages") is { } failure ? throw failure : inner.SendDirectMessageAsync(userId, message, images, cancellationToken);

        public Task DeleteMessageAsync(MessageRef message, CancellationToken cancellationToken) => inner.DeleteMessageAsync(message, cancellationToken);

        public Task UpdateMessageAsync(MessageRef message, OutgoingMessage content, CancellationToken cancellationToken) => inner.UpdateMessageAsync(message, content, cancellationToken);

        public Task<string?> ResolveUserAsync(string nameOrId, CancellationToken cancellationToken) => inner.ResolveUserAsync(nameOrId, cancellationToken);
    }
}
