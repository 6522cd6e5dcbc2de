using PeerBot.Core.Platform;
using PeerBot.Core.Sharing;
using PeerBot.Testing.Sharing;
using W = PeerBot.Testing.Sharing.SharingWorld;

namespace PeerBot.Core.Tests.Sharing;

/// <summary>Facilitators' moderation of anonymous posts: remove and mute, and tombstones of forgotten authors.</summary>
public sealed class AnonymousModerationTests : IDisposable
{
    private readonly SharingWorld _world = new();

    private static string Text(OutgoingMessage message) => message.ToPlainText();

    public void Dispose() => _world.Dispose();

    [Fact]
    public async Task RemoveAsync_Delivered_DeletesFromGroup()
    {
        var result = await _world.Sharing.Submission.SubmitAsync(new ShareRequest(_world.Person(SharingWorld.Ana), null, "remove me"), default);
        await _world.PassMaxDelayAndDeliverAsync();

        var removed = await _world.Sharing.Moderation.RemoveAsync(result.Value!.PostId, default);

        Assert.True(removed.Succeeded);
        Assert.Empty(_world.Platform.MessagesIn(_world.TuesdayChannel.Id));
        Assert.Contains(_world.Platform.Calls, c => c.Operation == "DeleteMessage");
        Assert.Equal("Post " + result.Value.PostId + " was already removed.", (await _world.Sharing.Moderation.RemoveAsync(result.Value.PostId, default)).Error);
    }

    [Fact]
    public async Task RemoveAsync_Pending_NeverDelivered()
    {
        var result = await _world.Sharing.Submission.SubmitAsync(new ShareRequest(_world.Person(SharingWorld.Ana), null, "stop me"), default);

        await _world.Sharing.Moderation.RemoveAsync(result.Value!.PostId, default);
        await _world.PassMaxDelayAndDeliverAsync();

        Assert.Empty(_world.Platform.MessagesIn(_world.TuesdayChannel.Id));
        Assert.Equal(AnonymousPostState.Removed, _world.Posts.Find(result.Value.PostId)!.State);
    }

    [Fact]
    public async Task MuteAuthorAsync_AuthorToldPrivatelyAndFurtherPostsRefusedUntilExpiry()
    {
        var ana = _world.Person(SharingWorld.Ana);
        var result = await _world.Sharing.Submission.SubmitAsync(new ShareRequest(ana, null, "something"), default);

        var muted = await _world.Sharing.Moderation.MuteAuthorAsync(result.Value!.PostId, 3, default);

        Assert.Equal(_world.Time.GetUtcNow() + TimeSpan.FromDays(3), muted.Value);
        var note = Assert.Single(_world.DirectMessagesTo(SharingWorld.AnaUser));
        Assert.Contains("paused your anonymous sharing for 3 days, until Thu 07:00, in 3 days", Text(note), StringComparison.Ordinal);
        var refused = await _world.Sharing.Submission.SubmitAsync(new ShareRequest(ana, null, "again"), default);
        Assert.Contains("paused until", refused.Error, StringComparison.Ordinal);
        Assert.True((await _world.Sharing.Submission.SubmitAsync(new ShareRequest(_world.Person(SharingWorld.Ben), null, "ben"), default)).Succeeded);
        _world.Time.Advance(TimeSpan.FromDays(3) + TimeSpan.FromSeconds(1));
        Assert.True((await _world.Sharing.Submission.SubmitAsync(new ShareRequest(ana, null, "after"), default)).Succeeded);
    }

    [Fact]
    public async Task ForgetMe_AuthorsPostsAfterwards_RemoveAndMuteAnswerAsForAnyOtherPost()
    {
        var ana = await _world.Sharing.Submission.SubmitAsync(new ShareRequest(_world.Person(W.Ana), null, "ana's words"), default);
        var ben = await _world.Sharing.Submission.SubmitAsync(new ShareRequest(_world.Person(W.Ben), null, "ben's words"), default);
        await _world.PassMaxDelayAndDeliverAsync();
        await _world.PassMaxDelayAndDeliverAsync();
        var anaId = ana.Value!.PostId;
        var benId = ben.Value!.PostId;
        Assert.Equal(2, _world.Platform.MessagesIn(_world.TuesdayChannel.Id).Count);

        await _world.CommandAsync(W.AnaUser, "forget-me confirm");

        // Each post's answers, with its id blanked, must not tell the leaver's from another's.
        string Reply(InteractionResponse response, string id) => Text(response.Reply!).Replace(id, "POST", StringComparison.Ordinal);
        var muteAna = Reply(await _world.CommandAsync(W.LeeUser, "anon mute " + anaId + " 3"), anaId);
        var muteBen = Reply(await _world.CommandAsync(W.LeeUser, "anon mute " + benId + " 3"), benId);
        Assert.Equal(muteBen, muteAna);
        Assert.Contains("can't share anonymously until", muteAna, StringComparison.Ordinal);

        var removeAna = Reply(await _world.CommandAsync(W.LeeUser, "anon remove " + anaId), anaId);
        var removeBen = Reply(await _world.CommandAsync(W.LeeUser, "anon remove " + benId), benId);
        Assert.Equal(removeBen, removeAna);
        Assert.StartsWith("Removed anonymous post", removeAna, StringComparison.Ordinal);
        Assert.Empty(_world.Platform.MessagesIn(_world.TuesdayChannel.Id));

        // The tombstone names nobody and holds no words; nothing about the leaver was muted.
        var tomb = _world.Posts.Find(anaId)!;
        Assert.Equal("", tomb.AuthorHandle);
        Assert.Equal("", tomb.Text);
        Assert.Empty(_world.Posts.ListByAuthor(_world.Handles.HandleOf(W.Ana)));
        Assert.Null(_world.Mutes.MutedUntil(_world.Handles.HandleOf(W.Ana)));
    }

    [Fact]
    public async Task ForgetMe_PendingPost_NeverAppears()
    {
        var ana = await _world.Sharing.Submission.SubmitAsync(new ShareRequest(_world.Person(W.Ana), null, "not yet up"), default);

        await _world.CommandAsync(W.AnaUser, "forget-me confirm");
        await _world.PassMaxDelayAndDeliverAsync();

        Assert.Empty(_world.Platform.MessagesIn(_world.TuesdayChannel.Id));
        Assert.Equal("", _world.Posts.Find(ana.Value!.PostId)!.Text);
    }

    [Fact]
    public async Task ForgetMe_AnsweredCheckIn_ErasesTheMarkAndSaysSo()
    {
        await _world.CheckIns.RecordAnswerAsync("c1", W.Ana, 2, default);

        var done = await _world.CommandAsync(W.AnaUser, "forget-me confirm");

        Assert.Equal([W.Ana], _world.CheckIns.Forgotten);
        Assert.Contains("1 mark that you answered a check-in", Text(done.Reply!), StringComparison.Ordinal);
    }
}
