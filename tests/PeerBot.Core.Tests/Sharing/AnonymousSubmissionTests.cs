using Microsoft.Extensions.Logging;
using PeerBot.Core.Platform;
using PeerBot.Core.Sharing;
using PeerBot.Testing;
using PeerBot.Testing.Sharing;

namespace PeerBot.Core.Tests.Sharing;

public sealed class AnonymousSubmissionTests : IDisposable
{
    private readonly SharingWorld _world = new();

    private static string Text(OutgoingMessage message) => message.ToPlainText();

    [Fact]
    public async Task SubmitAsync_Member_StoresScheduledPostWithHandleOnly()
    {
        var result = await _world.Sharing.Submission.SubmitAsync(new ShareRequest(_world.Person(SharingWorld.Ana), null, "I froze during the code today."), default);

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
            var result = await _world.Sharing.Submission.SubmitAsync(new ShareRequest(_world.Person(authors[i % 3]), SharingWorld.Tuesday, $"post {i}"), default);
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
    public async Task SubmitAsync_NotMemberOfNamedGroup_Refused()
    {
        var result = await _world.Sharing.Submission.SubmitAsync(new ShareRequest(_world.Person(SharingWorld.Ana), SharingWorld.Owls, "hi"), default);

        Assert.False(result.Succeeded);
        Assert.Contains("Only members of a group", result.Error, StringComparison.Ordinal);
        Assert.False(_world.Posts.Any());
    }

    [Fact]
    public async Task SubmitAsync_SeveralGroupsAndNoneChosen_AsksToChoose()
    {
        var result = await _world.Sharing.Submission.SubmitAsync(new ShareRequest(_world.Person(SharingWorld.Cy), null, "hi"), default);

        Assert.Equal("You're in several groups; choose one: Tuesday Circle, Night Owls.", result.Error);
    }

    [Fact]
    public async Task SubmitAsync_InNoGroup_Refused()
    {
        var result = await _world.Sharing.Submission.SubmitAsync(new ShareRequest(_world.Person(SharingWorld.Zed), null, "hi"), default);

        Assert.Contains("not a member of any group", result.Error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task SubmitAsync_Attachments_RefusedWithClearReply()
    {
        var result = await _world.Sharing.Submission.SubmitAsync(new ShareRequest(_world.Person(SharingWorld.Ana), null, "see this", HasAttachments: true), default);

        Assert.Contains("can't carry files or images", result.Error, StringComparison.Ordinal);
        Assert.False(_world.Posts.Any());
    }

    [Fact]
    public async Task SubmitAsync_TooLong_RefusedWithLengths()
    {
        var text = new string('a', _world.Options.Anonymity.MaxLength + 1);

        var result = await _world.Sharing.Submission.SubmitAsync(new ShareRequest(_world.Person(SharingWorld.Ana), null, text), default);

        Assert.Contains("1,801 characters", result.Error, StringComparison.Ordinal);
        Assert.Contains("at most 1,800", result.Error, StringComparison.Ordinal);
        Assert.False(_world.Posts.Any());
    }

    [Fact]
    public async Task SubmitAsync_Empty_Refused()
    {
        var result = await _world.Sharing.Submission.SubmitAsync(new ShareRequest(_world.Person(SharingWorld.Ana), null, "   "), default);

        Assert.Contains("nothing to share", result.Error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task SubmitAsync_Disabled_Refused()
    {
        _world.Options.Anonymity.Enabled = false;

        var result = await _world.Sharing.Submission.SubmitAsync(new ShareRequest(_world.Person(SharingWorld.Ana), null, "hi"), default);

        Assert.Contains("turned off", result.Error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task SubmitAsync_OverMaxPerDay_RefusedUntilADayPasses()
    {
        _world.Options.Anonymity.MaxPerDay = 2;
        var ana = _world.Person(SharingWorld.Ana);
        Assert.True((await _world.Sharing.Submission.SubmitAsync(new ShareRequest(ana, null, "one"), default)).Succeeded);
        Assert.True((await _world.Sharing.Submission.SubmitAsync(new ShareRequest(ana, null, "two"), default)).Succeeded);

        var third = await _world.Sharing.Submission.SubmitAsync(new ShareRequest(ana, null, "three"), default);
        var ben = await _world.Sharing.Submission.SubmitAsync(new ShareRequest(_world.Person(SharingWorld.Ben), null, "ben's"), default);
        _world.Time.Advance(TimeSpan.FromDays(1) + TimeSpan.FromMinutes(1));
        var tomorrow = await _world.Sharing.Submission.SubmitAsync(new ShareRequest(ana, null, "next day"), default);

        Assert.Contains("2 anonymous posts in the last day", third.Error, StringComparison.Ordinal);
        Assert.True(ben.Succeeded);
        Assert.True(tomorrow.Succeeded);
    }

    [Fact]
    public async Task SubmitAsync_SafetyEngineSeesEveryPostUnderHandle_WhenItAppearsDatedThen()
    {
        var submittedAt = _world.Time.GetUtcNow();
        await _world.Sharing.Submission.SubmitAsync(new ShareRequest(_world.Person(SharingWorld.Ana), null, "nothing ever changes"), default);

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
        var result = await _world.Sharing.Submission.SubmitAsync(new ShareRequest(_world.Person(SharingWorld.Ana), null, "i want to end it all"), default);

        Assert.True(result.Value!.Withheld);
        var observed = Assert.Single(_world.Safety.Observed);
        Assert.Equal(_world.Time.GetUtcNow(), observed.Timestamp);
    }

    [Fact]
    public async Task SubmitAsync_SafetyFails_RefusedAndNothingStored()
    {
        _world.Safety.Throw = true;

        var result = await _world.Sharing.Submission.SubmitAsync(new ShareRequest(_world.Person(SharingWorld.Ana), null, "hi"), default);

        Assert.Contains("Something went wrong", result.Error, StringComparison.Ordinal);
        Assert.False(_world.Posts.Any());
        Assert.Contains(_world.Logs.Lines, l => l.Contains("safety check", StringComparison.Ordinal));
    }

    public void Dispose() => _world.Dispose();
}
