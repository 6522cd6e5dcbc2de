using PeerBot.Core.Sharing;
using PeerBot.Testing.Sharing;
using W = PeerBot.Testing.Sharing.SharingWorld;

namespace PeerBot.Core.Tests.Sharing;

public sealed class AnonymousPersonalDataTests : IDisposable
{
    private readonly SharingWorld _world = new();

    public void Dispose() => _world.Dispose();

    [Fact]
    public async Task DataOf_ListsOnlyThePersonsOwnPostsAndMute()
    {
        var first = await _world.Sharing.Submission.SubmitAsync(new ShareRequest(_world.Person(W.Ana), null, "first words"), default);
        var second = await _world.Sharing.Submission.SubmitAsync(new ShareRequest(_world.Person(W.Ana), null, "second words"), default);
        await _world.Sharing.Submission.SubmitAsync(new ShareRequest(_world.Person(W.Ben), null, "someone else's"), default);
        var until = _world.Time.GetUtcNow() + TimeSpan.FromDays(2);
        _world.Mutes.Mute(_world.Handles.HandleOf(W.Ana), until);

        var ana = _world.Sharing.PersonalData.DataOf(W.Ana);
        var ben = _world.Sharing.PersonalData.DataOf(W.Ben);

        Assert.Equal(new[] { first.Value!.PostId, second.Value!.PostId }.Order(), ana.Posts.Select(p => p.Id).Order());
        Assert.Equal(until, ana.MutedUntil);
        Assert.Single(ben.Posts);
        Assert.Null(ben.MutedUntil);
    }

    [Fact]
    public async Task ForgetAsync_PendingPost_NeverAppearsAndNothingOfThePersonStays()
    {
        var mine = await _world.Sharing.Submission.SubmitAsync(new ShareRequest(_world.Person(W.Ana), null, "words to forget"), default);
        var bens = await _world.Sharing.Submission.SubmitAsync(new ShareRequest(_world.Person(W.Ben), null, "words that stay"), default);
        var handle = _world.Handles.HandleOf(W.Ana);
        _world.Mutes.Mute(handle, _world.Time.GetUtcNow() + TimeSpan.FromDays(2));

        var erased = await _world.Sharing.PersonalData.ForgetAsync(W.Ana, default);
        await _world.PassMaxDelayAndDeliverAsync();

        Assert.Equal(1, erased);
        var forgotten = _world.Posts.Find(mine.Value!.PostId)!;
        Assert.Equal(AnonymousPostState.Removed, forgotten.State);
        Assert.Equal(AnonymousPost.ForgottenAuthor, forgotten.AuthorHandle);
        Assert.Equal("", forgotten.Text);
        Assert.Null(forgotten.DueAt);
        Assert.Null(_world.Mutes.MutedUntil(handle));
        Assert.Empty(_world.Posts.ListByAuthor(handle));
        var posted = Assert.Single(_world.Platform.MessagesIn(_world.TuesdayChannel.Id));
        Assert.Contains("words that stay", posted.Content.ToPlainText(), StringComparison.Ordinal);
        Assert.Equal(AnonymousPostState.Delivered, _world.Posts.Find(bens.Value!.PostId)!.State);
    }

    [Fact]
    public async Task ForgetAsync_PostAlreadyUp_StaysUpAsATombstoneFacilitatorsCanStillRemove()
    {
        var mine = await _world.Sharing.Submission.SubmitAsync(new ShareRequest(_world.Person(W.Ana), null, "already up"), default);
        await _world.PassMaxDelayAndDeliverAsync();

        await _world.Sharing.PersonalData.ForgetAsync(W.Ana, default);

        var tombstone = _world.Posts.Find(mine.Value!.PostId)!;
        Assert.Equal(AnonymousPostState.Delivered, tombstone.State);
        Assert.Equal(AnonymousPost.ForgottenAuthor, tombstone.AuthorHandle);
        Assert.NotNull(tombstone.Delivered);
        var removed = await _world.Sharing.Moderation.RemoveAsync(tombstone.Id, default);
        Assert.True(removed.Succeeded, removed.Error);
        Assert.Empty(_world.Platform.MessagesIn(_world.TuesdayChannel.Id));
    }

    [Fact]
    public async Task DropExpiredHandlesAsync_LooksAtMostOnceAnHour()
    {
        var shared = await _world.Sharing.Submission.SubmitAsync(new ShareRequest(_world.Person(W.Ana), null, "one"), default);
        await _world.PassMaxDelayAndDeliverAsync();
        var createdAt = _world.Posts.Find(shared.Value!.PostId)!.CreatedAt;

        // Half an hour before the post passes its retention: nothing to erase, and this counts as the hour's look.
        _world.Time.AdvanceTo(createdAt + AnonymousPersonalData.HandleRetention - TimeSpan.FromMinutes(30));
        Assert.Equal(0, await _world.Sharing.PersonalData.DropExpiredHandlesAsync(default));

        // Past its retention, but within the hour of the last look.
        _world.Time.Advance(TimeSpan.FromMinutes(45));
        Assert.Equal(0, await _world.Sharing.PersonalData.DropExpiredHandlesAsync(default));
        Assert.Equal(_world.Handles.HandleOf(W.Ana), _world.Posts.Find(shared.Value.PostId)!.AuthorHandle);

        _world.Time.Advance(TimeSpan.FromMinutes(16));
        Assert.Equal(1, await _world.Sharing.PersonalData.DropExpiredHandlesAsync(default));
        Assert.Equal(AnonymousPost.ForgottenAuthor, _world.Posts.Find(shared.Value.PostId)!.AuthorHandle);
    }

    [Fact]
    public async Task DeliveredPost_PastRetention_HandleErasedAndMuteAnswersByAgeForEveryPost()
    {
        var old = await _world.Sharing.Submission.SubmitAsync(new ShareRequest(_world.Person(W.Ana), null, "old words"), default);
        await _world.PassMaxDelayAndDeliverAsync();
        var handle = _world.Handles.HandleOf(W.Ana);
        Assert.Equal(handle, _world.Posts.Find(old.Value!.PostId)!.AuthorHandle);

        _world.Time.Advance(AnonymousPersonalData.HandleRetention + TimeSpan.FromHours(1));
        await _world.DeliverDueAsync();

        var post = _world.Posts.Find(old.Value.PostId)!;
        Assert.Equal(AnonymousPostState.Delivered, post.State);
        Assert.Equal("", post.AuthorHandle);
        Assert.Empty(_world.Posts.ListByAuthor(handle));

        var mute = (await _world.CommandAsync(W.LeeUser, "anon mute " + post.Id + " 3")).Reply!.ToPlainText();
        Assert.Contains("can no longer be muted", mute, StringComparison.Ordinal);
        var remove = (await _world.CommandAsync(W.LeeUser, "anon remove " + post.Id)).Reply!.ToPlainText();
        Assert.StartsWith("Removed anonymous post", remove, StringComparison.Ordinal);
    }

    [Fact]
    public async Task PendingPost_PastRetention_KeepsHandle()
    {
        _world.Options.Anonymity.Review = true;
        var waiting = await _world.Sharing.Submission.SubmitAsync(new ShareRequest(_world.Person(W.Ana), null, "waiting words"), default);

        _world.Time.Advance(AnonymousPersonalData.HandleRetention + TimeSpan.FromHours(1));
        await _world.Sharing.PersonalData.DropExpiredHandlesAsync(default);

        Assert.Equal(_world.Handles.HandleOf(W.Ana), _world.Posts.Find(waiting.Value!.PostId)!.AuthorHandle);
    }
}
