using Microsoft.Extensions.Logging;
using PeerBot.Core.Platform;
using PeerBot.Core.Sharing;
using PeerBot.Testing;
using PeerBot.Testing.Sharing;

namespace PeerBot.Core.Tests.Sharing;

public sealed class AnonymousSharingServiceTests : IDisposable
{
    private readonly SharingWorld _world = new();

    private static string Text(OutgoingMessage message) => message.ToPlainText();

    [Fact]
    public async Task SubmitAsync_Member_StoresScheduledPostWithHandleOnly()
    {
        var result = await _world.Sharing.SubmitAsync(new ShareRequest(_world.Person(SharingWorld.Ana), null, "I froze during the code today."), default);

        Assert.True(result.Succeeded, result.Error);
        var post = _world.Posts.Find(result.Value!.PostId)!;
        Assert.Equal(AnonymousPostState.Scheduled, post.State);
        Assert.Equal(SharingWorld.Tuesday, post.GroupId);
        Assert.Equal(_world.Handles.HandleOf(SharingWorld.Ana), post.AuthorHandle);
        Assert.DoesNotContain(SharingWorld.Ana, post.AuthorHandle, StringComparison.Ordinal);
        Assert.Contains("Saved", Text(result.Value.Reply), StringComparison.Ordinal);
        Assert.Empty(_world.Platform.MessagesIn(_world.TuesdayChannel.Id));
    }

    [Fact]
    public async Task SubmitAsync_Delay_AlwaysWithinMinAndMax()
    {
        var now = _world.Time.GetUtcNow();
        var delays = new List<TimeSpan>();
        var authors = new[] { SharingWorld.Ana, SharingWorld.Ben, SharingWorld.Cy };
        for (var i = 0; i < 15; i++)
        {
            var result = await _world.Sharing.SubmitAsync(new ShareRequest(_world.Person(authors[i % 3]), SharingWorld.Tuesday, $"post {i}"), default);
            delays.Add(_world.Posts.Find(result.Value!.PostId)!.DueAt!.Value - now);
        }

        Assert.All(delays, d => Assert.InRange(d, _world.Options.Anonymity.MinDelay, _world.Options.Anonymity.MaxDelay));
        Assert.True(delays.Distinct().Count() > 1, "the delay is random");
    }

    [Fact]
    public void RandomDelayJitter_ManyPicks_InBoundsInclusive()
    {
        var jitter = new PeerBot.Testing.Sharing.SeededDelayJitter(7);
        var min = TimeSpan.FromSeconds(20);
        var max = TimeSpan.FromSeconds(21);

        var picks = Enumerable.Range(0, 500).Select(_ => jitter.Pick(min, max)).ToList();

        Assert.All(picks, p => Assert.InRange(p, min, max));
        Assert.Equal(min, jitter.Pick(min, min));
    }

    [Fact]
    public async Task ProcessDueAsync_BeforeMinDelay_PostsNothingAndAfterMaxDelay_PostsOnceLabelled()
    {
        var result = await _world.Sharing.SubmitAsync(new ShareRequest(_world.Person(SharingWorld.Ana), null, "hello <!channel> from @here"), default);
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
    public async Task SubmitAsync_NotMemberOfNamedGroup_Refused()
    {
        var result = await _world.Sharing.SubmitAsync(new ShareRequest(_world.Person(SharingWorld.Ana), SharingWorld.Owls, "hi"), default);

        Assert.False(result.Succeeded);
        Assert.Contains("Only members of a group", result.Error, StringComparison.Ordinal);
        Assert.False(_world.Posts.Any());
    }

    [Fact]
    public async Task SubmitAsync_SeveralGroupsAndNoneChosen_AsksToChoose()
    {
        var result = await _world.Sharing.SubmitAsync(new ShareRequest(_world.Person(SharingWorld.Cy), null, "hi"), default);

        Assert.Equal("You're in several groups; choose one: Tuesday Circle, Night Owls.", result.Error);
    }

    [Fact]
    public async Task SubmitAsync_InNoGroup_Refused()
    {
        var result = await _world.Sharing.SubmitAsync(new ShareRequest(_world.Person(SharingWorld.Zed), null, "hi"), default);

        Assert.Contains("not a member of any group", result.Error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task SubmitAsync_Attachments_RefusedWithClearReply()
    {
        var result = await _world.Sharing.SubmitAsync(new ShareRequest(_world.Person(SharingWorld.Ana), null, "see this", HasAttachments: true), default);

        Assert.Contains("can't carry files or images", result.Error, StringComparison.Ordinal);
        Assert.False(_world.Posts.Any());
    }

    [Fact]
    public async Task SubmitAsync_TooLong_RefusedWithLengths()
    {
        var text = new string('a', _world.Options.Anonymity.MaxLength + 1);

        var result = await _world.Sharing.SubmitAsync(new ShareRequest(_world.Person(SharingWorld.Ana), null, text), default);

        Assert.Contains("1,801 characters", result.Error, StringComparison.Ordinal);
        Assert.Contains("at most 1,800", result.Error, StringComparison.Ordinal);
        Assert.False(_world.Posts.Any());
    }

    [Fact]
    public async Task SubmitAsync_Empty_Refused()
    {
        var result = await _world.Sharing.SubmitAsync(new ShareRequest(_world.Person(SharingWorld.Ana), null, "   "), default);

        Assert.Contains("nothing to share", result.Error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task SubmitAsync_Disabled_Refused()
    {
        _world.Options.Anonymity.Enabled = false;

        var result = await _world.Sharing.SubmitAsync(new ShareRequest(_world.Person(SharingWorld.Ana), null, "hi"), default);

        Assert.Contains("turned off", result.Error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task SubmitAsync_OverMaxPerDay_RefusedUntilADayPasses()
    {
        _world.Options.Anonymity.MaxPerDay = 2;
        var ana = _world.Person(SharingWorld.Ana);
        Assert.True((await _world.Sharing.SubmitAsync(new ShareRequest(ana, null, "one"), default)).Succeeded);
        Assert.True((await _world.Sharing.SubmitAsync(new ShareRequest(ana, null, "two"), default)).Succeeded);

        var third = await _world.Sharing.SubmitAsync(new ShareRequest(ana, null, "three"), default);
        var ben = await _world.Sharing.SubmitAsync(new ShareRequest(_world.Person(SharingWorld.Ben), null, "ben's"), default);
        _world.Time.Advance(TimeSpan.FromDays(1) + TimeSpan.FromMinutes(1));
        var tomorrow = await _world.Sharing.SubmitAsync(new ShareRequest(ana, null, "next day"), default);

        Assert.Contains("2 anonymous posts in the last day", third.Error, StringComparison.Ordinal);
        Assert.True(ben.Succeeded);
        Assert.True(tomorrow.Succeeded);
    }

    [Fact]
    public async Task SubmitAsync_SafetyEngineSeesEveryPostUnderHandle_WhenItAppearsDatedThen()
    {
        var submittedAt = _world.Time.GetUtcNow();
        await _world.Sharing.SubmitAsync(new ShareRequest(_world.Person(SharingWorld.Ana), null, "nothing ever changes"), default);

        // Checked for crisis talk at once, but not observed (kept, counted, alerted) before the group sees it.
        Assert.Equal(["nothing ever changes"], _world.Safety.Assessed);
        Assert.Empty(_world.Safety.Observed);

        await _world.PassMaxDelayAndDeliverAsync();
        var observed = Assert.Single(_world.Safety.Observed);
        Assert.Equal(_world.Handles.HandleOf(SharingWorld.Ana), observed.AuthorKey);
        Assert.Null(observed.AuthorPersonId);
        Assert.Equal(SharingWorld.Tuesday, observed.GroupId);
        Assert.True(observed.Timestamp >= submittedAt + _world.Options.Anonymity.MinDelay, $"dated {observed.Timestamp}, written {submittedAt}");
        Assert.Single(_world.Platform.MessagesIn(_world.TuesdayChannel.Id));
    }

    [Fact]
    public async Task SubmitAsync_CrisisTalk_ObservedAtOnce()
    {
        var result = await _world.Sharing.SubmitAsync(new ShareRequest(_world.Person(SharingWorld.Ana), null, "i want to end it all"), default);

        Assert.True(result.Value!.Withheld);
        var observed = Assert.Single(_world.Safety.Observed);
        Assert.Equal(_world.Time.GetUtcNow(), observed.Timestamp);
    }

    [Fact]
    public async Task SubmitAsync_SafetyFails_RefusedAndNothingStored()
    {
        _world.Safety.Throw = true;

        var result = await _world.Sharing.SubmitAsync(new ShareRequest(_world.Person(SharingWorld.Ana), null, "hi"), default);

        Assert.Contains("Something went wrong", result.Error, StringComparison.Ordinal);
        Assert.False(_world.Posts.Any());
        Assert.Contains(_world.Logs.Lines, l => l.Contains("safety check", StringComparison.Ordinal));
    }

    [Fact]
    public async Task SubmitAsync_Crisis_WithheldWithCrisisReplyAndContactButton()
    {
        var result = await _world.Sharing.SubmitAsync(new ShareRequest(_world.Person(SharingWorld.Ana), null, "I just want to end it all"), default);
        await _world.PassMaxDelayAndDeliverAsync();

        Assert.True(result.Value!.Withheld);
        Assert.Contains("988", Text(result.Value.Reply), StringComparison.Ordinal);
        var button = Assert.Single(result.Value.Reply.Buttons);
        Assert.StartsWith("crisis:contact:", button.ActionId, StringComparison.Ordinal);
        Assert.DoesNotContain(SharingWorld.Ana, button.ActionId, StringComparison.OrdinalIgnoreCase);
        Assert.Empty(_world.Platform.MessagesIn(_world.TuesdayChannel.Id));
        var stored = _world.Posts.Find(result.Value.PostId)!;
        Assert.Equal(AnonymousPostState.Withheld, stored.State);
        Assert.Equal("", stored.Text);
        Assert.Equal("A1", stored.AlertId);
    }

    [Fact]
    public async Task RequestCrisisContactAsync_AuthorPresses_PsychologistToldWhoItIs()
    {
        var result = await _world.Sharing.SubmitAsync(new ShareRequest(_world.Person(SharingWorld.Ana), null, "I want to end it all"), default);
        var action = result.Value!.Reply.Buttons[0].ActionId;

        var reply = await _world.PressAsync(SharingWorld.AnaUser, action);

        Assert.Contains("Dr Lee will reach out", reply.Reply!.ToPlainText(), StringComparison.Ordinal);
        var toLee = Assert.Single(_world.DirectMessagesTo(SharingWorld.LeeUser));
        Assert.Contains("Ana R.", Text(toLee), StringComparison.Ordinal);
        Assert.Contains("A1", Text(toLee), StringComparison.Ordinal);
        var again = await _world.PressAsync(SharingWorld.AnaUser, action);
        Assert.Contains("expired", again.Reply!.ToPlainText(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task RequestCrisisContactAsync_SomeoneElsePresses_NothingRevealed()
    {
        var result = await _world.Sharing.SubmitAsync(new ShareRequest(_world.Person(SharingWorld.Ana), null, "I want to end it all"), default);

        var reply = await _world.PressAsync(SharingWorld.BenUser, result.Value!.Reply.Buttons[0].ActionId);

        Assert.Contains("expired", reply.Reply!.ToPlainText(), StringComparison.Ordinal);
        Assert.Empty(_world.DirectMessagesTo(SharingWorld.LeeUser));
    }

    [Fact]
    public async Task ProcessDueAsync_TransientFailure_RetriesWithBackoffThenPostsOnce()
    {
        var result = await _world.Sharing.SubmitAsync(new ShareRequest(_world.Person(SharingWorld.Ana), null, "retry me"), default);
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
        var result = await _world.Sharing.SubmitAsync(new ShareRequest(_world.Person(SharingWorld.Ana), null, "never"), default);
        for (var i = 0; i < AnonymousSharingService.MaxAttempts; i++)
        {
            _world.Platform.FailNext("PostMessage", new PlatformException(PlatformErrorKind.MissingPermission, "Missing access."));
        }

        for (var i = 0; i < AnonymousSharingService.MaxAttempts + 2; i++)
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
    public async Task Review_Approve_AsksFacilitatorsThenPostsAndTellsAuthor()
    {
        _world.Options.Anonymity.Review = true;
        var result = await _world.Sharing.SubmitAsync(new ShareRequest(_world.Person(SharingWorld.Ana), null, "please review"), default);
        Assert.Equal(AnonymousPostState.AwaitingReview, _world.Posts.Find(result.Value!.PostId)!.State);
        Assert.Contains("facilitators look at anonymous posts", Text(result.Value.Reply), StringComparison.Ordinal);

        // Asked once the random delay has passed (asked at once, they would learn when it was written).
        await _world.PassMaxDelayAndDeliverAsync();
        var request = Assert.Single(_world.DirectMessagesTo(SharingWorld.LeeUser));
        Assert.InRange(request.IdempotencyKey!.Length, 1, 25);
        Assert.Contains("please review", Text(request), StringComparison.Ordinal);
        Assert.DoesNotContain("Ana", Text(request), StringComparison.Ordinal);
        Assert.Equal(["anon:approve:" + result.Value.PostId, "anon:decline:" + result.Value.PostId], request.Buttons.Select(b => b.ActionId));
        await _world.PassMaxDelayAndDeliverAsync();
        Assert.Empty(_world.Platform.MessagesIn(_world.TuesdayChannel.Id));

        var approved = await _world.PressAsync(SharingWorld.LeeUser, request.Buttons[0].ActionId);
        await _world.PassMaxDelayAndDeliverAsync();

        Assert.Contains("Approved", approved.Reply!.ToPlainText(), StringComparison.Ordinal);
        Assert.Contains("approved by Dr Lee", approved.UpdateOriginal!.ToPlainText(), StringComparison.Ordinal);
        Assert.Single(_world.Platform.MessagesIn(_world.TuesdayChannel.Id));
        Assert.Contains(_world.DirectMessagesTo(SharingWorld.AnaUser), m => Text(m).Contains("was approved", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Review_Approved_StillWaitsItsRandomDelay()
    {
        // Posted the moment a facilitator approves, a post's timing would tell them nothing new, but the author's phone
        // and the channel would line up with the approval: the random delay applies after approval too.
        _world.Options.Anonymity.Review = true;
        var result = await _world.Sharing.SubmitAsync(new ShareRequest(_world.Person(SharingWorld.Ana), null, "approve me"), default);
        await _world.DeliverDueAsync();

        await _world.PressAsync(SharingWorld.LeeUser, "anon:approve:" + result.Value!.PostId);
        var approvedAt = _world.Time.GetUtcNow();
        await _world.DeliverDueAsync();

        Assert.Empty(_world.Platform.MessagesIn(_world.TuesdayChannel.Id));
        Assert.True(_world.Posts.Find(result.Value.PostId)!.DueAt >= approvedAt + _world.Options.Anonymity.MinDelay);
        await _world.PassMaxDelayAndDeliverAsync();
        Assert.Single(_world.Platform.MessagesIn(_world.TuesdayChannel.Id));
    }

    [Fact]
    public async Task Review_RequestWaitsTheRandomDelay_FacilitatorsDoNotLearnWhenItWasWritten()
    {
        _world.Options.Anonymity.Review = true;
        var submittedAt = _world.Time.GetUtcNow();
        var result = await _world.Sharing.SubmitAsync(new ShareRequest(_world.Person(SharingWorld.Ana), null, "ask them later"), default);

        await _world.DeliverDueAsync();
        Assert.Empty(_world.DirectMessagesTo(SharingWorld.LeeUser));
        var due = _world.Posts.Find(result.Value!.PostId)!.DueAt!.Value;
        Assert.InRange(due, submittedAt + _world.Options.Anonymity.MinDelay, submittedAt + _world.Options.Anonymity.MaxDelay);

        await _world.PassMaxDelayAndDeliverAsync();
        Assert.Single(_world.DirectMessagesTo(SharingWorld.LeeUser), m => Text(m).Contains("awaiting review", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Review_NobodyDecidesWithinTheTimeout_NotPostedWordsErasedAuthorTold()
    {
        _world.Options.Anonymity.Review = true;
        var result = await _world.Sharing.SubmitAsync(new ShareRequest(_world.Person(SharingWorld.Ana), null, "will anyone look"), default);
        await _world.PassMaxDelayAndDeliverAsync();
        var postId = result.Value!.PostId;
        Assert.Equal(AnonymousPostState.ReviewRequested, _world.Posts.Find(postId)!.State);

        _world.Time.Advance(_world.Options.Anonymity.ReviewTimeout - TimeSpan.FromMinutes(1));
        await _world.DeliverDueAsync();
        Assert.Equal(AnonymousPostState.ReviewRequested, _world.Posts.Find(postId)!.State);

        _world.Time.Advance(TimeSpan.FromMinutes(2));
        await _world.DeliverDueAsync();
        var expired = _world.Posts.Find(postId)!;
        Assert.Equal(AnonymousPostState.Declined, expired.State);
        Assert.Equal("", expired.Text);
        Assert.Null(expired.DueAt);
        Assert.Empty(_world.Platform.MessagesIn(_world.TuesdayChannel.Id));
        Assert.Contains(_world.DirectMessagesTo(SharingWorld.AnaUser), m => Text(m).Contains("reviewed your anonymous post within 2 days", StringComparison.Ordinal));

        var late = await _world.PressAsync(SharingWorld.LeeUser, "anon:approve:" + postId);
        await _world.PassMaxDelayAndDeliverAsync();
        Assert.Empty(_world.Platform.MessagesIn(_world.TuesdayChannel.Id));
        Assert.Contains("already dealt with", late.Reply!.ToPlainText(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Review_Decline_NeverPostsAndTellsAuthor()
    {
        _world.Options.Anonymity.Review = true;
        var result = await _world.Sharing.SubmitAsync(new ShareRequest(_world.Person(SharingWorld.Ana), null, "maybe not"), default);
        await _world.DeliverDueAsync();

        var declined = await _world.PressAsync(SharingWorld.LeeUser, "anon:decline:" + result.Value!.PostId);
        await _world.PassMaxDelayAndDeliverAsync();
        var twice = await _world.PressAsync(SharingWorld.LeeUser, "anon:approve:" + result.Value.PostId);

        Assert.Contains("Declined", declined.Reply!.ToPlainText(), StringComparison.Ordinal);
        Assert.Empty(_world.Platform.MessagesIn(_world.TuesdayChannel.Id));
        var stored = _world.Posts.Find(result.Value.PostId)!;
        Assert.Equal(AnonymousPostState.Declined, stored.State);
        Assert.Equal("", stored.Text);
        Assert.Contains(_world.DirectMessagesTo(SharingWorld.AnaUser), m => Text(m).Contains("decided not to post", StringComparison.Ordinal));
        Assert.Contains("already dealt with", twice.Reply!.ToPlainText(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Review_OtherGroupsFacilitatorApproves_RefusedAndAudited()
    {
        _world.Options.Anonymity.Review = true;
        var result = await _world.Sharing.SubmitAsync(new ShareRequest(_world.Person(SharingWorld.Ana), null, "review me"), default);

        var reply = await _world.PressAsync(SharingWorld.KimUser, "anon:approve:" + result.Value!.PostId);
        var resident = await _world.PressAsync(SharingWorld.BenUser, "anon:approve:" + result.Value.PostId);

        Assert.Contains("only the facilitators of Tuesday Circle", reply.Reply!.ToPlainText(), StringComparison.Ordinal);
        Assert.Contains("Sorry", resident.Reply!.ToPlainText(), StringComparison.Ordinal);
        Assert.Equal(AnonymousPostState.AwaitingReview, _world.Posts.Find(result.Value.PostId)!.State);
        Assert.Contains(_world.Audit.ByActor(SharingWorld.Kim), e => e.Action == "anon approve" && e.Outcome == PeerBot.Core.Commands.AuditOutcome.Refused);
        Assert.Contains(_world.Audit.ByActor(SharingWorld.Ben), e => e.Outcome == PeerBot.Core.Commands.AuditOutcome.Refused);
    }

    [Fact]
    public async Task DeliveryWorker_Running_DeliversWhenClockPassesDueTime()
    {
        var signal = new SignallingPlatform(_world.Platform) { Clock = _world.Time };
        var sharing = _world.Restart(platform: signal);
        using var worker = new AnonymousDeliveryWorker(sharing, _world.Time, _world.LoggerFactory.CreateLogger<AnonymousDeliveryWorker>());
        await worker.StartAsync(default);
        var timers = _world.Time.TimersCreated;
        var result = await sharing.SubmitAsync(new ShareRequest(_world.Person(SharingWorld.Ana), null, "worker"), default);
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
        var result = await sharing.SubmitAsync(new ShareRequest(_world.Person(SharingWorld.Ana), null, "fraction"), default);
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
