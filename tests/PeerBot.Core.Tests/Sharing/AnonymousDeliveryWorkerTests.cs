using System.Collections.Concurrent;
using Microsoft.Extensions.Logging;
using PeerBot.Core.Sharing;
using PeerBot.Testing.Sharing;

namespace PeerBot.Core.Tests.Sharing;

/// <summary>
/// The anonymous outbox worker over extreme stored data: posts due centuries ahead and long ago, ten thousand of them,
/// a store that fails and one that disagrees with itself. It must never stop (which would stop the host), never hand a
/// timer more than its minute's poll, never spin, and deliver each post due exactly once.
/// </summary>
public sealed class AnonymousDeliveryWorkerTests : IAsyncDisposable
{
    private static readonly TimeSpan Poll = TimeSpan.FromMinutes(1);

    private readonly FlakyPostStore _store = new();
    private readonly SharingWorld _world;
    private readonly ConcurrentQueue<TimeSpan> _timers = new();
    private AnonymousDeliveryWorker? _worker;

    public AnonymousDeliveryWorkerTests()
    {
        _world = new SharingWorld(posts: _store);
        _world.Time.TimerCreated += wait => _timers.Enqueue(wait);
    }

    public async ValueTask DisposeAsync()
    {
        if (_worker is not null)
        {
            await _worker.StopAsync(default);
            _worker.Dispose();
        }

        _world.Dispose();
    }

    [Theory]
    [InlineData(2126)]
    [InlineData(9999)]
    public async Task ExecuteAsync_PostDueCenturiesAhead_PollsInCappedWaitsAndStillDeliversWhatIsDue(int year)
    {
        var far = year == 9999 ? DateTimeOffset.MaxValue : new DateTimeOffset(year, 11, 2, 12, 0, 0, TimeSpan.Zero);
        _store.Insert(Post("FAR001", far));
        await StartAsync();

        for (var i = 0; i < 3; i++)
        {
            await StepToNextTimerAsync();
        }

        Assert.All(_timers, wait => Assert.InRange(wait, TimeSpan.Zero, Poll));
        Assert.Empty(_world.Platform.MessagesIn(_world.TuesdayChannel.Id));

        // The worker still answers: a post shared now appears after its delay, once.
        var shared = await _world.Sharing.Submission.SubmitAsync(new ShareRequest(_world.Person(SharingWorld.Ana), null, "still here"), default);
        var due = _store.Find(shared.Value!.PostId)!.DueAt!.Value;
        await FollowTimersUntilAsync(() => _store.Find(shared.Value.PostId)!.State == AnonymousPostState.Delivered, due + Poll);
        Assert.Single(_world.Platform.MessagesIn(_world.TuesdayChannel.Id));
        Assert.Equal(AnonymousPostState.Scheduled, _store.Find("FAR001")!.State);
        AssertRunning();
    }

    [Theory]
    [InlineData(1)]
    [InlineData(2020)]
    public async Task ExecuteAsync_PostsDueLongAgo_DeliveredOnceEachAtStart(int year)
    {
        _store.Insert(Post("OLD001", year == 1 ? DateTimeOffset.MinValue : new DateTimeOffset(year, 1, 1, 0, 0, 0, TimeSpan.Zero)));
        _store.Insert(Post("OLD002", _world.Time.GetUtcNow() - TimeSpan.FromDays(400)));
        await StartAsync();

        await WaitForTimerAsync();

        Assert.Equal(2, _world.Platform.MessagesIn(_world.TuesdayChannel.Id).Count);
        Assert.All(_store.All, p => Assert.Equal(AnonymousPostState.Delivered, p.State));
        Assert.Equal(Poll, _world.Time.NextDue - _world.Time.GetUtcNow());
        AssertRunning();
    }

    [Fact]
    public async Task ExecuteAsync_TenThousandPostsDueAtOnce_DeliversEachOnceThenIdles()
    {
        var now = _world.Time.GetUtcNow();
        for (var i = 0; i < 10_000; i++)
        {
            // Due over the past century, in no order.
            _store.Insert(Post($"M{i:D5}", now - TimeSpan.FromHours((i * 7919) % 876_000)));
        }

        await StartAsync();
        await WaitForTimerAsync(TimeSpan.FromSeconds(60));

        var messages = _world.Platform.MessagesIn(_world.TuesdayChannel.Id);
        Assert.Equal(10_000, messages.Count);
        Assert.Equal(10_000, messages.Select(m => m.Content.IdempotencyKey).Distinct().Count());
        Assert.All(_store.All, p => Assert.Equal(AnonymousPostState.Delivered, p.State));
        Assert.Equal(Poll, _world.Time.NextDue - _world.Time.GetUtcNow());
        AssertRunning();
    }

    [Fact]
    public async Task ExecuteAsync_StoreThrows_LogsBacksOffAndDeliversOnceItReads()
    {
        _store.Insert(Post("HOLD01", _world.Time.GetUtcNow()));
        _store.FailListDue = new InvalidOperationException("the database file is locked");
        await StartAsync();

        // Each failed pass waits longer (30 s, 60 s, 120 s), logs, and the worker lives on.
        var waits = new List<TimeSpan>();
        for (var i = 0; i < 3; i++)
        {
            await WaitForTimerAsync();
            waits.Add(_world.Time.NextDue!.Value - _world.Time.GetUtcNow());
            await StepToNextTimerAsync();
        }

        Assert.Equal([TimeSpan.FromSeconds(30), TimeSpan.FromSeconds(60), TimeSpan.FromSeconds(120)], waits);
        Assert.Contains(_world.Logs.Lines, line => line.StartsWith("Error ", StringComparison.Ordinal) && line.Contains("InvalidOperationException", StringComparison.Ordinal));
        Assert.Empty(_world.Platform.MessagesIn(_world.TuesdayChannel.Id));
        AssertRunning();

        _store.FailListDue = null;
        await FollowTimersUntilAsync(() => _store.Find("HOLD01")!.State == AnonymousPostState.Delivered, _world.Time.GetUtcNow() + TimeSpan.FromMinutes(10));

        Assert.Single(_world.Platform.MessagesIn(_world.TuesdayChannel.Id));
        AssertRunning();
    }

    [Fact]
    public async Task ExecuteAsync_StoreReportsAPostDueThatItNeverLists_BacksOffInsteadOfSpinning()
    {
        // A store that disagrees with itself (a damaged index): something is due, yet nothing is listed.
        _store.PhantomDueAt = _world.Time.GetUtcNow() - TimeSpan.FromDays(3650);
        await StartAsync();

        await WaitForTimerAsync();
        Assert.Equal(TimeSpan.FromSeconds(30), _world.Time.NextDue - _world.Time.GetUtcNow());
        await StepToNextTimerAsync();
        Assert.Equal(TimeSpan.FromSeconds(60), _world.Time.NextDue - _world.Time.GetUtcNow());
        Assert.InRange(_store.ListDueCalls, 1, 3);
        AssertRunning();

        // Once the store agrees again the worker polls as usual.
        _store.PhantomDueAt = null;
        await StepToNextTimerAsync();
        Assert.Equal(Poll, _world.Time.NextDue - _world.Time.GetUtcNow());
    }

    private AnonymousPost Post(string id, DateTimeOffset dueAt) =>
        new(id, SharingWorld.Tuesday, _world.Handles.HandleOf(SharingWorld.Ben), "a post " + id, AnonymousPostState.Scheduled, _world.Time.GetUtcNow(), dueAt);

    private async Task StartAsync()
    {
        _worker = new AnonymousDeliveryWorker(_world.Sharing, _world.Time, _world.LoggerFactory.CreateLogger<AnonymousDeliveryWorker>());
        await _worker.StartAsync(default);
    }

    private void AssertRunning()
    {
        if (_worker?.ExecuteTask is { IsCompleted: true } stopped)
        {
            Assert.Fail($"the delivery worker stopped (which stops the host): {stopped.Exception?.GetBaseException()}");
        }
    }

    /// <summary>Waits until the worker has a timer pending (it waits for its next pass).</summary>
    private async Task WaitForTimerAsync(TimeSpan? timeout = null)
    {
        var safetyNet = System.Diagnostics.Stopwatch.StartNew();
        var limit = timeout ?? TimeSpan.FromSeconds(10);
        while (true)
        {
            var created = _world.Time.WhenTimerCreated;
            if (_world.Time.NextDue is not null)
            {
                return;
            }

            AssertRunning();
            var left = limit - safetyNet.Elapsed;
            if (left <= TimeSpan.Zero || await Task.WhenAny(created, Task.Delay(left)) != created)
            {
                Assert.Fail($"the worker set no timer within {limit} (it spins or hangs); {_store.ListDueCalls} passes");
            }
        }
    }

    /// <summary>Moves the clock to the worker's timer and waits until it has set the next.</summary>
    private async Task StepToNextTimerAsync()
    {
        await WaitForTimerAsync();
        var created = _world.Time.TimersCreated;

        // On another thread: a timer's continuation may run inline in the move.
        Assert.True(await Task.Run(_world.Time.AdvanceToNextDue), "the worker set no timer");
        await _world.Time.WaitForTimersCreatedAsync(created, TimeSpan.FromSeconds(10));
    }

    private async Task FollowTimersUntilAsync(Func<bool> done, DateTimeOffset limit)
    {
        while (!done())
        {
            Assert.True(_world.Time.GetUtcNow() <= limit, $"not done by {limit:O}");
            await StepToNextTimerAsync();
        }
    }

    /// <summary>The in-memory outbox, with failures to switch on.</summary>
    private sealed class FlakyPostStore : IAnonymousPostStore
    {
        private readonly InMemoryAnonymousPostStore _inner = new();
        private int _listDueCalls;

        /// <summary>While set, listing due posts throws it.</summary>
        public Exception? FailListDue { get; set; }

        /// <summary>While set, the earliest due time reported, though no post is listed as due.</summary>
        public DateTimeOffset? PhantomDueAt { get; set; }

        public int ListDueCalls => Volatile.Read(ref _listDueCalls);

        public IReadOnlyList<AnonymousPost> All => _inner.All;

        public void Insert(AnonymousPost post) => _inner.Insert(post);

        public void Update(AnonymousPost post) => _inner.Update(post);

        public AnonymousPost? Find(string postId) => _inner.Find(postId);

        public AnonymousPost? FindByCrisisToken(string token) => _inner.FindByCrisisToken(token);

        public IReadOnlyList<AnonymousPost> ListDue(DateTimeOffset now)
        {
            Interlocked.Increment(ref _listDueCalls);
            return FailListDue is { } failure ? throw failure : _inner.ListDue(now);
        }

        public DateTimeOffset? NextDueAt() => PhantomDueAt ?? _inner.NextDueAt();

        public IReadOnlyList<AnonymousPost> ListByAuthor(string authorHandle) => _inner.ListByAuthor(authorHandle);

        public IReadOnlyList<AnonymousPost> ListWithHandleCreatedBefore(DateTimeOffset createdBefore) => _inner.ListWithHandleCreatedBefore(createdBefore);


        public bool Any() => _inner.Any();
    }
}
