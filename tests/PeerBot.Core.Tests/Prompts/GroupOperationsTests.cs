using PeerBot.Core.Prompts;

namespace PeerBot.Core.Tests.Prompts;

public class GroupOperationsTests
{
    private static readonly DateTimeOffset Start = new(2026, 11, 2, 14, 0, 0, TimeSpan.Zero);

    [Fact]
    public async Task PreviewPromptAsync_Twice_ShowsTheSamePromptAndPostsNothing()
    {
        using var fixture = new PromptFixture(Start);

        var first = await fixture.Operations.PreviewPromptAsync("g1", default);
        var second = await fixture.Operations.PreviewPromptAsync("g1", default);

        Assert.Equal(first.Value!.PromptId, second.Value!.PromptId);
        Assert.Empty(fixture.Platform.MessagesIn(fixture.Channel.Id));
        Assert.Equal(new DateTimeOffset(2026, 11, 4, 0, 0, 0, TimeSpan.Zero), first.Value.NextScheduledAt);
    }

    [Fact]
    public async Task SkipPromptAsync_Next_IsSkippedAndTheFollowingOneIsPosted()
    {
        using var fixture = new PromptFixture(Start);
        var preview = await fixture.Operations.PreviewPromptAsync("g1", default);

        var skipped = await fixture.Operations.SkipPromptAsync("g1", default);
        var posted = await fixture.Operations.PostPromptNowAsync("g1", default);

        Assert.Equal(preview.Value!.PromptId, skipped.Value!.PromptId);
        Assert.NotEqual(skipped.Value.PromptId, posted.Value!.PromptId);
        var message = Assert.Single(fixture.PromptMessages);
        Assert.Contains(posted.Value.Text, message.Content.ToPlainText(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task PostPromptNowAsync_CountsAsUsed_ScheduledPromptIsTheNextOne()
    {
        using var fixture = new PromptFixture(Start);
        await fixture.Scheduler.RunDueAsync(default);
        var now = await fixture.Operations.PostPromptNowAsync("g1", default);

        await fixture.RunUntilAsync(Start.AddDays(2));

        var ids = fixture.PromptStore.Posted("g1").Select(p => p.PromptId).ToList();
        Assert.Equal(2, ids.Count);
        Assert.Equal(now.Value!.PromptId, ids[0]);
        Assert.NotEqual(ids[0], ids[1]);
    }

    [Fact]
    public async Task PostReframeAsync_Group_PostsASolutionsPrompt()
    {
        using var fixture = new PromptFixture(Start);

        var first = await fixture.Operations.PostReframeAsync("g1", default);
        var second = await fixture.Operations.PostReframeAsync("g1", default);

        Assert.True(fixture.Library.Find(first.Value!.PromptId)!.Has(PromptTheme.Solutions));
        Assert.True(fixture.Library.Find(second.Value!.PromptId)!.Has(PromptTheme.Solutions));
        Assert.NotEqual(first.Value.PromptId, second.Value.PromptId);
        Assert.Equal(2, fixture.PromptMessages.Count);
    }

    [Fact]
    public async Task PauseGroupAsync_PastTime_IsRefused()
    {
        using var fixture = new PromptFixture(Start);

        var result = await fixture.Operations.PauseGroupAsync("g1", Start.AddHours(-1), default);

        Assert.False(result.Succeeded);
        Assert.Null(fixture.Directory.Find("g1")!.PausedUntil);
    }

    [Fact]
    public async Task PauseGroupAsync_Future_IsRecordedAndResumeClearsIt()
    {
        using var fixture = new PromptFixture(Start);

        var paused = await fixture.Operations.PauseGroupAsync("g1", Start.AddDays(7), default);
        var resumed = await fixture.Operations.ResumeGroupAsync("g1", default);
        var again = await fixture.Operations.ResumeGroupAsync("g1", default);

        Assert.Equal(Start.AddDays(7), paused.Value!.PausedUntil);
        Assert.Null(resumed.Value!.PausedUntil);
        Assert.False(again.Succeeded);
        Assert.Contains(fixture.GroupStore.Changes("g1"), c => c.Kind == "paused");
        Assert.Contains(fixture.GroupStore.Changes("g1"), c => c.Kind == "resumed");
    }

    [Fact]
    public async Task Operations_UnknownGroup_FailWithAMessage()
    {
        using var fixture = new PromptFixture(Start);

        Assert.False((await fixture.Operations.PostPromptNowAsync("nope", default)).Succeeded);
        Assert.False((await fixture.Operations.SkipPromptAsync("nope", default)).Succeeded);
        Assert.False((await fixture.Operations.PreviewPromptAsync("nope", default)).Succeeded);
        Assert.False((await fixture.Operations.PostReframeAsync("nope", default)).Succeeded);
        Assert.False((await fixture.Operations.PostCheckInAsync("nope", default)).Succeeded);
        Assert.False((await fixture.Operations.PauseGroupAsync("nope", Start.AddDays(1), default)).Succeeded);
        Assert.Equal("There is no group 'nope'.", (await fixture.Operations.ResumeGroupAsync("nope", default)).Error);
        Assert.Null(fixture.Operations.NextPromptAt("nope"));
    }

    [Fact]
    public async Task PostPromptNowAsync_PlatformDown_FailsWithoutUsingThePrompt()
    {
        using var fixture = new PromptFixture(Start);
        var preview = await fixture.Operations.PreviewPromptAsync("g1", default);
        fixture.Platform.FailNext("PostMessage");

        var failed = await fixture.Operations.PostPromptNowAsync("g1", default);
        var after = await fixture.Operations.PreviewPromptAsync("g1", default);

        Assert.False(failed.Succeeded);
        Assert.Contains("nothing was posted", failed.Error, StringComparison.Ordinal);
        Assert.Equal(preview.Value!.PromptId, after.Value!.PromptId);
    }
}
