using Microsoft.Extensions.Logging;
using PeerBot.Core.Platform;
using PeerBot.Core.Sharing;
using PeerBot.Testing;
using PeerBot.Testing.Sharing;

namespace PeerBot.Core.Tests.Sharing;

public sealed class AnonymousReviewTests : IDisposable
{
    private readonly SharingWorld _world = new();

    private static string Text(OutgoingMessage message) => message.ToPlainText();

    [Fact]
    public async Task Review_Approve_AsksFacilitatorsThenPostsAndTellsAuthor()
    {
        _world.Options.Anonymity.Review = true;
        var result = await _world.Sharing.Submission.SubmitAsync(new ShareRequest(_world.Person(SharingWorld.Ana), null, "please review"), default);
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
        var result = await _world.Sharing.Submission.SubmitAsync(new ShareRequest(_world.Person(SharingWorld.Ana), null, "approve me"), default);
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
        var result = await _world.Sharing.Submission.SubmitAsync(new ShareRequest(_world.Person(SharingWorld.Ana), null, "ask them later"), default);

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
        var result = await _world.Sharing.Submission.SubmitAsync(new ShareRequest(_world.Person(SharingWorld.Ana), null, "will anyone look"), default);
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
        var result = await _world.Sharing.Submission.SubmitAsync(new ShareRequest(_world.Person(SharingWorld.Ana), null, "maybe not"), default);
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
        var result = await _world.Sharing.Submission.SubmitAsync(new ShareRequest(_world.Person(SharingWorld.Ana), null, "review me"), default);

        var reply = await _world.PressAsync(SharingWorld.KimUser, "anon:approve:" + result.Value!.PostId);
        var resident = await _world.PressAsync(SharingWorld.BenUser, "anon:approve:" + result.Value.PostId);

        Assert.Contains("only the facilitators of Tuesday Circle", reply.Reply!.ToPlainText(), StringComparison.Ordinal);
        Assert.Contains("Sorry", resident.Reply!.ToPlainText(), StringComparison.Ordinal);
        Assert.Equal(AnonymousPostState.AwaitingReview, _world.Posts.Find(result.Value.PostId)!.State);
        Assert.Contains(_world.Audit.ByActor(SharingWorld.Kim), e => e.Action == "anon approve" && e.Outcome == PeerBot.Core.Commands.AuditOutcome.Refused);
        Assert.Contains(_world.Audit.ByActor(SharingWorld.Ben), e => e.Outcome == PeerBot.Core.Commands.AuditOutcome.Refused);
    }

    public void Dispose() => _world.Dispose();
}
