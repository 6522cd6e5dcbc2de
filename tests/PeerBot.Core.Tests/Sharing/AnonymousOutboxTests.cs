using Microsoft.Extensions.Logging;
using PeerBot.Core.Platform;
using PeerBot.Core.Sharing;
using PeerBot.Testing;
using PeerBot.Testing.Sharing;

namespace PeerBot.Core.Tests.Sharing;

public sealed class AnonymousOutboxTests : IDisposable
{
    private readonly SharingWorld _world = new();

    private static string Text(OutgoingMessage message) => message.ToPlainText();

    [Fact]
    public async Task ProcessDueAsync_BeforeMinDelay_PostsNothingAndAfterMaxDelay_PostsOnceLabelled()
    {
        var result = await _world.Sharing.Submission.SubmitAsync(new ShareRequest(_world.Person(SharingWorld.Ana), null, "hello <!channel> from @here"), default);
        var postId = result.Value!.PostId;

        _world.Time.Advance(_world.Options.Anonymity.MinDelay - TimeSpan.FromSeconds(1));
        await _world.DeliverDueAsync();
        Assert.Empty(_world.Platform.MessagesIn(_world.TuesdayChannel.Id));

        await _world.PassMaxDelayAndDeliverAsync();
        await _world.PassMaxDelayAndDeliverAsync();

        var message = Assert.Single(_world.Platform.MessagesIn(_world.TuesdayChannel.Id)).Content;
        Assert.Equal(postId, message.IdempotencyKey);
        Assert.StartsWith(AnonymousSharingService.AnonymousLabel, Text(message), StringComparison.Ordinal);
        Assert.DoesNotContain("<!channel>", Text(message), StringComparison.Ordinal);
        Assert.DoesNotContain("@here", Text(message), StringComparison.Ordinal);
        Assert.EndsWith("post " + postId, Text(message), StringComparison.Ordinal);
        Assert.Empty(message.Buttons);
        var stored = _world.Posts.Find(postId)!;
        Assert.Equal(AnonymousPostState.Delivered, stored.State);
        Assert.Equal("", stored.Text);

        // No note to the author as the post appears: a phone buzzing at that moment would name them.
        var notes = _world.DirectMessagesTo(SharingWorld.AnaUser).Select(Text).ToList();
        Assert.DoesNotContain(notes, n => n.Contains("is up", StringComparison.Ordinal) || n.Contains("now up", StringComparison.Ordinal));
        Assert.DoesNotContain(notes, n => n.Contains("Tuesday Circle", StringComparison.Ordinal) && !n.Contains("Saved", StringComparison.Ordinal));
    }

    [Fact]
    public async Task ProcessDueAsync_TransientFailure_RetriesWithBackoffThenPostsOnce()
    {
        var result = await _world.Sharing.Submission.SubmitAsync(new ShareRequest(_world.Person(SharingWorld.Ana), null, "retry me"), default);
        _world.Platform.FailNext("PostMessage");
        _world.Platform.FailNext("PostMessage");

        await _world.PassMaxDelayAndDeliverAsync();
        var afterFirst = _world.Posts.Find(result.Value!.PostId)!;
        Assert.Equal(AnonymousPostState.Sending, afterFirst.State);
        Assert.Equal(_world.Time.GetUtcNow() + TimeSpan.FromSeconds(5), afterFirst.DueAt);

        _world.Time.Advance(TimeSpan.FromSeconds(5));
        await _world.DeliverDueAsync();
        Assert.Equal(_world.Time.GetUtcNow() + TimeSpan.FromSeconds(10), _world.Posts.Find(result.Value.PostId)!.DueAt);
        _world.Time.Advance(TimeSpan.FromSeconds(10));
        await _world.DeliverDueAsync();

        Assert.Single(_world.Platform.MessagesIn(_world.TuesdayChannel.Id));
        Assert.Equal(AnonymousPostState.Delivered, _world.Posts.Find(result.Value.PostId)!.State);
    }

    [Fact]
    public async Task ProcessDueAsync_AlwaysFailingPermanently_GivesUpAfterMaxAttempts()
    {
        var result = await _world.Sharing.Submission.SubmitAsync(new ShareRequest(_world.Person(SharingWorld.Ana), null, "never"), default);
        for (var i = 0; i < AnonymousOutbox.MaxAttempts; i++)
        {
            _world.Platform.FailNext("PostMessage", new PlatformException(PlatformErrorKind.MissingPermission, "Missing access."));
        }

        for (var i = 0; i < AnonymousOutbox.MaxAttempts + 2; i++)
        {
            _world.Time.Advance(TimeSpan.FromMinutes(11));
            await _world.DeliverDueAsync();
        }

        var post = _world.Posts.Find(result.Value!.PostId)!;
        Assert.Equal(AnonymousPostState.Failed, post.State);
        Assert.Null(post.DueAt);
        Assert.Empty(_world.Platform.MessagesIn(_world.TuesdayChannel.Id));
        Assert.Contains(_world.DirectMessagesTo(SharingWorld.AnaUser), m => Text(m).Contains("could not be posted, despite repeated tries", StringComparison.Ordinal));
    }

    [Fact]
    public async Task DeliveryWorker_Running_DeliversWhenClockPassesDueTime()
    {
        var signal = new SignallingPlatform(_world.Platform) { Clock = _world.Time };
        var sharing = _world.Restart(platform: signal);
        using var worker = new AnonymousDeliveryWorker(sharing, _world.Time, _world.LoggerFactory.CreateLogger<AnonymousDeliveryWorker>());
        await worker.StartAsync(default);
        var timers = _world.Time.TimersCreated;
        var result = await sharing.Submission.SubmitAsync(new ShareRequest(_world.Person(SharingWorld.Ana), null, "worker"), default);
        var due = _world.Posts.Find(result.Value!.PostId)!.DueAt!.Value;

        // Once the worker, woken by the new post, has set its timer, move the clock to the post's due time.
        await Task.WhenAny(signal.Posted.Task, _world.Time.WaitForTimersCreatedAsync(timers, TimeSpan.FromSeconds(10)));
        Assert.False(signal.Posted.Task.IsCompleted, "posted before its due time");
        // The worker's wait is rounded up to a whole millisecond, so it wakes within one after the due time.
        _world.Time.AdvanceTo(due + TimeSpan.FromMilliseconds(1));

        var postedAt = await signal.Posted.Task.WaitAsync(TimeSpan.FromSeconds(10));
        await worker.StopAsync(default);

        Assert.True(postedAt >= due, "not before its due time");
        Assert.Single(_world.Platform.MessagesIn(_world.TuesdayChannel.Id));
    }

    [Fact]
    public async Task DeliveryWorker_DueTimeWithFractionOfAMillisecond_WakesAtOrAfterItAndDelivers()
    {
        // A due time 0.4 ms past a whole millisecond: a timer drops the fraction, so a wait of exactly (due - now) would
        // end just before the due time and the worker would spin on zero-length waits that no fake clock ever moves.
        _world.Jitter = new FixedJitter(TimeSpan.FromTicks(4_000));
        var signal = new SignallingPlatform(_world.Platform) { Clock = _world.Time };
        var sharing = _world.Restart(platform: signal);
        using var worker = new AnonymousDeliveryWorker(sharing, _world.Time, _world.LoggerFactory.CreateLogger<AnonymousDeliveryWorker>());
        using var stop = new CancellationTokenSource();
        await worker.StartAsync(stop.Token);
        var result = await sharing.Submission.SubmitAsync(new ShareRequest(_world.Person(SharingWorld.Ana), null, "fraction"), default);
        var due = _world.Posts.Find(result.Value!.PostId)!.DueAt!.Value;
        Assert.NotEqual(0, (due - _world.Time.GetUtcNow()).Ticks % TimeSpan.TicksPerMillisecond);

        // Move the clock to the worker's timer for the post (not its idle poll, which the new post replaces), as a host's
        // clock driver does, until the post is out.
        using var safetyNet = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        var moves = 0;
        try
        {
            while (!signal.Posted.Task.IsCompleted)
            {
                var created = _world.Time.WhenTimerCreated;
                if (_world.Time.NextDue is { } next && next <= due + TimeSpan.FromMilliseconds(1))
                {
                    Assert.True(++moves <= 10, "the worker kept setting timers without delivering");

                    // On another thread: a timer's continuation may run inline in the move, and a spinning one never returns.
                    await Task.Run(_world.Time.AdvanceToNextDue).WaitAsync(safetyNet.Token);
                    continue;
                }

                await Task.WhenAny(signal.Posted.Task, created).WaitAsync(safetyNet.Token);
            }
        }
        catch (OperationCanceledException) when (safetyNet.IsCancellationRequested)
        {
            Assert.Fail($"the worker set no timer and delivered nothing (spinning before its due time); clock {_world.Time.GetUtcNow():O}, due {due:O}");
        }
        finally
        {
            await stop.CancelAsync();
            await worker.StopAsync(CancellationToken.None);
        }

        var postedAt = await signal.Posted.Task;
        Assert.True(postedAt >= due, "not before its due time");
        Assert.True(postedAt - due < TimeSpan.FromMilliseconds(1), "within a millisecond of its due time");
        Assert.Single(_world.Platform.MessagesIn(_world.TuesdayChannel.Id));
    }

    public void Dispose() => _world.Dispose();

    private sealed class FixedJitter(TimeSpan pastMin) : IDelayJitter
    {
        public TimeSpan Pick(TimeSpan min, TimeSpan max) => min + pastMin;
    }

    private sealed class SignallingPlatform(FakeChatPlatform inner) : IChatPlatform
    {
        public TaskCompletionSource<DateTimeOffset> Posted { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public PlatformKind Kind => inner.Kind;

        public Task<ChannelRef> EnsurePrivateChannelAsync(PrivateChannelSpec spec, CancellationToken cancellationToken) => inner.EnsurePrivateChannelAsync(spec, cancellationToken);

        public Task AddMemberAsync(ChannelRef channel, string userId, CancellationToken cancellationToken) => inner.AddMemberAsync(channel, userId, cancellationToken);

        public Task RemoveMemberAsync(ChannelRef channel, string userId, CancellationToken cancellationToken) => inner.RemoveMemberAsync(channel, userId, cancellationToken);

        public Task ArchiveChannelAsync(ChannelRef channel, CancellationToken cancellationToken) => inner.ArchiveChannelAsync(channel, cancellationToken);

        public async Task<MessageRef> PostMessageAsync(ChannelRef channel, OutgoingMessage message, CancellationToken cancellationToken)
        {
            var posted = await inner.PostMessageAsync(channel, message, cancellationToken);
            Posted.TrySetResult(TimeProviderNow());
            return posted;
        }

        public Task<MessageRef> SendDirectMessageAsync(string userId, OutgoingMessage message, CancellationToken cancellationToken) => inner.SendDirectMessageAsync(userId, message, cancellationToken);

        public Task<MessageRef> SendDirectMessageAsync(string userId, OutgoingMessage message, IReadOnlyList<MessageImage> images, CancellationToken cancellationToken) => inner.SendDirectMessageAsync(userId, message, images, cancellationToken);

        public Task DeleteMessageAsync(MessageRef message, CancellationToken cancellationToken) => inner.DeleteMessageAsync(message, cancellationToken);

        public Task UpdateMessageAsync(MessageRef message, OutgoingMessage content, CancellationToken cancellationToken) => inner.UpdateMessageAsync(message, content, cancellationToken);

        public Task<string?> ResolveUserAsync(string nameOrId, CancellationToken cancellationToken) => inner.ResolveUserAsync(nameOrId, cancellationToken);

        private DateTimeOffset TimeProviderNow() => Clock?.GetUtcNow() ?? DateTimeOffset.MinValue;

        public TimeProvider? Clock { get; set; }
    }
}
