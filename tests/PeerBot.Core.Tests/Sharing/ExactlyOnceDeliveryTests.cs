using PeerBot.Core.Platform;
using PeerBot.Core.Sharing;
using PeerBot.Testing;
using PeerBot.Testing.Sharing;

namespace PeerBot.Core.Tests.Sharing;

/// <summary>The process dies between any two steps of a delivery; after a restart the post appears exactly once.</summary>
public sealed class ExactlyOnceDeliveryTests : IDisposable
{
    private readonly InMemoryAnonymousPostStore _store = new();
    private readonly SharingWorld _world;

    public ExactlyOnceDeliveryTests() => _world = new SharingWorld(posts: _store);

    public enum CrashPoint
    {
        AfterAcceptedBeforeReply,
        MarkingSending,
        AfterPlatformPostBeforeRecord,
        MarkingDelivered,
    }

    [Theory]
    [InlineData(CrashPoint.AfterAcceptedBeforeReply)]
    [InlineData(CrashPoint.MarkingSending)]
    [InlineData(CrashPoint.AfterPlatformPostBeforeRecord)]
    [InlineData(CrashPoint.MarkingDelivered)]
    public async Task Delivery_CrashAtStepThenRestart_PostedExactlyOnce(CrashPoint point)
    {
        // The store and the platform of the first run share its fate: once it crashes, neither does anything more, so
        // the outbox cannot carry on past the crash as it does past an exception.
        var process = new Process();
        var crashingStore = new CrashingStore(_store, process)
        {
            CrashWhen = point switch
            {
                CrashPoint.MarkingSending => p => p.State == AnonymousPostState.Sending && p.Delivered is null,
                CrashPoint.MarkingDelivered => p => p.State == AnonymousPostState.Delivered,
                _ => null,
            },
        };
        var crashingPlatform = new CrashingPlatform(_world.Platform, process)
        {
            CrashAfterPost = point == CrashPoint.AfterPlatformPostBeforeRecord,
        };
        var first = _world.NewSharing(crashingStore, crashingPlatform);
        var accepted = await first.Submission.SubmitAsync(new ShareRequest(_world.Person(SharingWorld.Ana), null, "exactly once please"), default);
        var postId = accepted.Value!.PostId;
        _world.Time.Advance(_world.Options.Anonymity.MaxDelay + TimeSpan.FromSeconds(1));

        if (point != CrashPoint.AfterAcceptedBeforeReply)
        {
            await Assert.ThrowsAsync<SimulatedCrashException>(() => first.Outbox.ProcessDueAsync(default));
        }

        // Restart: a new service over what the store holds, with a healthy platform.
        _world.Restart();
        _world.Time.Advance(TimeSpan.FromMinutes(1));
        await _world.DeliverDueAsync();
        _world.Time.Advance(TimeSpan.FromMinutes(10));
        await _world.DeliverDueAsync();

        var message = Assert.Single(_world.Platform.MessagesIn(_world.TuesdayChannel.Id));
        Assert.Equal(postId, message.Content.IdempotencyKey);
        Assert.Equal(AnonymousPostState.Delivered, _store.Find(postId)!.State);
        Assert.All(
            _world.Platform.Calls.Where(c => c.Operation == "PostMessage" && c.Target == _world.TuesdayChannel.Id),
            c => Assert.Equal(postId, c.Message!.IdempotencyKey));
    }

    [Fact]
    public async Task Submit_CrashBeforeStored_NothingConfirmedNothingPosted()
    {
        var crashingStore = new CrashingStore(_store, new Process()) { CrashOnInsert = true };
        var sharing = _world.NewSharing(crashingStore);

        await Assert.ThrowsAsync<SimulatedCrashException>(() =>
            sharing.Submission.SubmitAsync(new ShareRequest(_world.Person(SharingWorld.Ana), null, "lost before stored"), default));
        _world.Restart();
        await _world.PassMaxDelayAndDeliverAsync();

        Assert.False(_store.Any());
        Assert.Empty(_world.Platform.MessagesIn(_world.TuesdayChannel.Id));
    }

    public void Dispose() => _world.Dispose();

    private sealed class SimulatedCrashException : Exception
    {
        public SimulatedCrashException() : base("Simulated crash.") { }
    }

    /// <summary>The first run's process: once it has crashed, every call it makes fails.</summary>
    private sealed class Process
    {
        private bool _dead;

        public void Crash()
        {
            _dead = true;
            throw new SimulatedCrashException();
        }

        public void Alive()
        {
            if (_dead)
            {
                throw new SimulatedCrashException();
            }
        }

        public T Alive<T>(Func<T> call)
        {
            Alive();
            return call();
        }
    }

    private sealed class CrashingStore(IAnonymousPostStore inner, Process process) : IAnonymousPostStore
    {
        public Func<AnonymousPost, bool>? CrashWhen { get; init; }

        public bool CrashOnInsert { get; init; }

        public void Insert(AnonymousPost post)
        {
            process.Alive();
            if (CrashOnInsert)
            {
                process.Crash();
            }

            inner.Insert(post);
        }

        public void Update(AnonymousPost post)
        {
            process.Alive();
            if (CrashWhen?.Invoke(post) == true)
            {
                process.Crash();
            }

            inner.Update(post);
        }

        public AnonymousPost? Find(string postId) => process.Alive(() => inner.Find(postId));

        public AnonymousPost? FindByCrisisToken(string token) => process.Alive(() => inner.FindByCrisisToken(token));

        public IReadOnlyList<AnonymousPost> ListDue(DateTimeOffset now) => process.Alive(() => inner.ListDue(now));

        public DateTimeOffset? NextDueAt() => process.Alive(() => inner.NextDueAt());

        public IReadOnlyList<AnonymousPost> ListByAuthor(string authorHandle) => process.Alive(() => inner.ListByAuthor(authorHandle));

        public IReadOnlyList<AnonymousPost> ListWithHandleCreatedBefore(DateTimeOffset createdBefore) => process.Alive(() => inner.ListWithHandleCreatedBefore(createdBefore));

        public bool Any() => process.Alive(inner.Any);
    }

    private sealed class CrashingPlatform(FakeChatPlatform inner, Process process) : IChatPlatform
    {
        public bool CrashAfterPost { get; init; }

        public PlatformKind Kind => inner.Kind;

        public Task<ChannelRef> EnsurePrivateChannelAsync(PrivateChannelSpec spec, CancellationToken cancellationToken) => inner.EnsurePrivateChannelAsync(spec, cancellationToken);

        public Task AddMemberAsync(ChannelRef channel, string userId, CancellationToken cancellationToken) => inner.AddMemberAsync(channel, userId, cancellationToken);

        public Task RemoveMemberAsync(ChannelRef channel, string userId, CancellationToken cancellationToken) => inner.RemoveMemberAsync(channel, userId, cancellationToken);

        public Task ArchiveChannelAsync(ChannelRef channel, CancellationToken cancellationToken) => inner.ArchiveChannelAsync(channel, cancellationToken);

        public async Task<MessageRef> PostMessageAsync(ChannelRef channel, OutgoingMessage message, CancellationToken cancellationToken)
        {
            process.Alive();
            var posted = await inner.PostMessageAsync(channel, message, cancellationToken);
            if (CrashAfterPost)
            {
                process.Crash();
            }

            return posted;
        }

        public Task<MessageRef> SendDirectMessageAsync(string userId, OutgoingMessage message, CancellationToken cancellationToken)
        {
            process.Alive();
            return inner.SendDirectMessageAsync(userId, message, cancellationToken);
        }

        public Task<MessageRef> SendDirectMessageAsync(string userId, OutgoingMessage message, IReadOnlyList<MessageImage> images, CancellationToken cancellationToken)
        {
            process.Alive();
            return inner.SendDirectMessageAsync(userId, message, images, cancellationToken);
        }

        public Task DeleteMessageAsync(MessageRef message, CancellationToken cancellationToken) => inner.DeleteMessageAsync(message, cancellationToken);

        public Task UpdateMessageAsync(MessageRef message, OutgoingMessage content, CancellationToken cancellationToken) => inner.UpdateMessageAsync(message, content, cancellationToken);

        public Task<string?> ResolveUserAsync(string nameOrId, CancellationToken cancellationToken) => inner.ResolveUserAsync(nameOrId, cancellationToken);
    }
}
