using System.Text.Json;
using PeerBot.Core.Platform;
using PeerBot.Core.Prompts;

namespace PeerBot.Core.Tests.Prompts;

public class CheckInServiceTests
{
    private static readonly DateTimeOffset Start = new(2026, 11, 2, 14, 0, 0, TimeSpan.Zero);

    private static async Task<(PromptFixture Fixture, string CheckInId)> OpenAsync(int members = 6)
    {
        var fixture = new PromptFixture(Start, members: members);
        var posted = await fixture.Operations.PostCheckInAsync("g1", default);
        Assert.True(posted.Succeeded, posted.Error);
        var action = fixture.Platform.MessagesIn(fixture.Channel.Id)[0].Content.Buttons[0].ActionId;
        Assert.True(CheckInService.TryParseAction(action, out var id, out _));
        return (fixture, id);
    }

    [Fact]
    public async Task PostCheckInAsync_Group_PostsQuestionWithFiveButtons()
    {
        var (fixture, id) = await OpenAsync();
        using var _ = fixture;

        var message = Assert.Single(fixture.Platform.MessagesIn(fixture.Channel.Id)).Content;

        Assert.Contains("How are you arriving this week?", message.ToPlainText(), StringComparison.Ordinal);
        Assert.Equal(Enumerable.Range(1, 5).Select(i => $"checkin:{id}:{i}"), message.Buttons.Select(b => b.ActionId));
        Assert.All(message.Buttons, b => Assert.True(b.ActionId.Length <= 100));
    }

    [Fact]
    public async Task RecordAnswerAsync_ThreeAnswersThenWindowCloses_PostsOnlyTheAggregate()
    {
        var (fixture, id) = await OpenAsync();
        using var _ = fixture;

        var reply = await fixture.CheckIns.RecordAnswerAsync(id, "m1", 1, default);
        await fixture.CheckIns.RecordAnswerAsync(id, "m2", 2, default);
        await fixture.CheckIns.RecordAnswerAsync(id, "m3", 4, default);
        Assert.Single(fixture.Platform.MessagesIn(fixture.Channel.Id));

        fixture.Time.Advance(TimeSpan.FromDays(2));
        await fixture.CheckIns.CloseDueAsync(default);

        Assert.True(reply.Succeeded);
        Assert.Contains("nobody sees yours", reply.Value, StringComparison.Ordinal);
        var messages = fixture.Platform.MessagesIn(fixture.Channel.Id);
        Assert.Equal("2 of 3 of you had a rough week: you are not alone.", messages[^1].Content.ToPlainText());
        Assert.Empty(messages[0].Content.Buttons);
    }

    [Fact]
    public async Task RecordAnswerAsync_Stored_HoldsNoKeyAndOnlyMarksMadeUnderTheAnonymityKey()
    {
        var (fixture, id) = await OpenAsync();
        using var _ = fixture;
        await fixture.CheckIns.RecordAnswerAsync(id, "m1", 1, default);
        await fixture.CheckIns.RecordAnswerAsync(id, "m2", 5, default);

        var record = fixture.PromptStore.FindCheckIn(id)!;
        var json = JsonSerializer.Serialize(record);

        Assert.DoesNotContain("Key", json, StringComparison.OrdinalIgnoreCase);
        Assert.Equal(new[] { "m1", "m2" }.Select(p => fixture.Marks.ScopedMarkOf("checkin:" + id, p)).Order(StringComparer.Ordinal), record.AnsweredHandles);
        Assert.DoesNotContain(fixture.Marks.HandleOf("m1"), json, StringComparison.Ordinal);
        Assert.NotEqual(fixture.Marks.ScopedMarkOf("checkin:" + id, "m1"), fixture.Marks.ScopedMarkOf("checkin:other", "m1"));
    }

    [Fact]
    public async Task ForgetAnswererAsync_OpenCheckIn_ErasesOnlyThatPersonsMarkAndKeepsTheCounts()
    {
        var (fixture, id) = await OpenAsync();
        using var _ = fixture;
        await fixture.CheckIns.RecordAnswerAsync(id, "m1", 1, default);
        await fixture.CheckIns.RecordAnswerAsync(id, "m2", 5, default);

        var erased = await fixture.CheckIns.ForgetAnswererAsync("m1", default);
        var again = await fixture.CheckIns.ForgetAnswererAsync("m1", default);

        Assert.Equal(1, erased);
        Assert.Equal(0, again);
        var record = fixture.PromptStore.FindCheckIn(id)!;
        Assert.Equal([fixture.Marks.ScopedMarkOf("checkin:" + id, "m2")], record.AnsweredHandles);
        Assert.Equal([1, 0, 0, 0, 1], record.Counts);
    }

    [Fact]
    public async Task CloseDueAsync_Closed_KeepsOnlyTheCountsNotWhoAnswered()
    {
        var (fixture, id) = await OpenAsync();
        using var _ = fixture;
        foreach (var (person, score) in new[] { ("m1", 1), ("m2", 2), ("m3", 4) })
        {
            await fixture.CheckIns.RecordAnswerAsync(id, person, score, default);
        }

        fixture.Time.Advance(TimeSpan.FromDays(2));
        await fixture.CheckIns.CloseDueAsync(default);

        var record = fixture.PromptStore.FindCheckIn(id)!;
        Assert.True(record.Closed);
        Assert.Empty(record.AnsweredHandles);
        Assert.Equal([1, 1, 0, 1, 0], record.Counts);
    }

    [Fact]
    public async Task RecordAnswerAsync_FewerThanThree_SharesNoTotal()
    {
        var (fixture, id) = await OpenAsync();
        using var _ = fixture;
        await fixture.CheckIns.RecordAnswerAsync(id, "m1", 1, default);
        await fixture.CheckIns.RecordAnswerAsync(id, "m2", 5, default);

        fixture.Time.Advance(TimeSpan.FromDays(3));
        await fixture.CheckIns.CloseDueAsync(default);

        var last = fixture.Platform.MessagesIn(fixture.Channel.Id)[^1].Content.ToPlainText();
        Assert.StartsWith("Fewer than 3 people answered", last, StringComparison.Ordinal);
        Assert.DoesNotContain("rough", last, StringComparison.Ordinal);
    }

    [Fact]
    public async Task RecordAnswerAsync_EveryMemberAnswered_ClosesAtOnce()
    {
        var (fixture, id) = await OpenAsync(members: 3);
        using var _ = fixture;

        await fixture.CheckIns.RecordAnswerAsync(id, "m1", 3, default);
        await fixture.CheckIns.RecordAnswerAsync(id, "m2", 4, default);
        await fixture.CheckIns.RecordAnswerAsync(id, "m3", 5, default);

        Assert.Equal("3 of you checked in, and nobody marked a rough week. Good to hear.", fixture.Platform.MessagesIn(fixture.Channel.Id)[^1].Content.ToPlainText());
        var late = await fixture.CheckIns.RecordAnswerAsync(id, "m1", 1, default);
        Assert.False(late.Succeeded);
    }

    [Fact]
    public async Task RecordAnswerAsync_SecondAnswer_IsRefusedAndNotCounted()
    {
        var (fixture, id) = await OpenAsync();
        using var _ = fixture;

        await fixture.CheckIns.RecordAnswerAsync(id, "m1", 2, default);
        var again = await fixture.CheckIns.RecordAnswerAsync(id, "M1", 5, default);

        Assert.False(again.Succeeded);
        Assert.Contains("already answered", again.Error, StringComparison.Ordinal);
        Assert.Equal([0, 1, 0, 0, 0], fixture.PromptStore.FindCheckIn(id)!.Counts);
    }

    [Theory]
    [InlineData("dr-lee", 3, "for the group's members")]
    [InlineData("stranger", 3, "for the group's members")]
    [InlineData("m1", 0, "from 1 to 5")]
    [InlineData("m1", 6, "from 1 to 5")]
    public async Task RecordAnswerAsync_BadAnswer_IsRefused(string person, int score, string expected)
    {
        var (fixture, id) = await OpenAsync();
        using var _ = fixture;

        var result = await fixture.CheckIns.RecordAnswerAsync(id, person, score, default);

        Assert.False(result.Succeeded);
        Assert.Contains(expected, result.Error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task RecordAnswerAsync_UnknownCheckIn_IsRefused()
    {
        var (fixture, _) = await OpenAsync();
        using var __ = fixture;

        var result = await fixture.CheckIns.RecordAnswerAsync("nope", "m1", 3, default);

        Assert.False(result.Succeeded);
    }

    [Fact]
    public async Task RecordAnswerAsync_Stored_HoldsNoPersonIdAndNoLinkToScores()
    {
        var (fixture, id) = await OpenAsync();
        using var _ = fixture;

        await fixture.CheckIns.RecordAnswerAsync(id, "m1", 1, default);
        await fixture.CheckIns.RecordAnswerAsync(id, "m2", 5, default);

        var stored = JsonSerializer.Serialize(fixture.PromptStore.FindCheckIn(id));
        Assert.DoesNotContain("\"m1\"", stored, StringComparison.Ordinal);
        Assert.DoesNotContain("\"m2\"", stored, StringComparison.Ordinal);
        var record = fixture.PromptStore.FindCheckIn(id)!;
        Assert.Equal(record.AnsweredHandles.Order(StringComparer.Ordinal), record.AnsweredHandles);
    }

    [Theory]
    [InlineData("checkin:abc123:4", true, "abc123", 4)]
    [InlineData("checkin:abc123:6", false, "", 0)]
    [InlineData("checkin::3", false, "", 0)]
    [InlineData("ack:A12", false, "", 0)]
    public void TryParseAction_ActionIds_ParsesOnlyCheckIns(string action, bool ok, string id, int score)
    {
        Assert.Equal(ok, CheckInService.TryParseAction(action, out var parsedId, out var parsedScore));
        Assert.Equal(id, parsedId);
        Assert.Equal(score, parsedScore);
    }

    [Theory]
    [InlineData(new[] { 0, 0, 1, 1, 1 }, "3 of you checked in, and nobody marked a rough week. Good to hear.")]
    [InlineData(new[] { 2, 2, 0, 1, 1 }, "4 of 6 of you had a rough week: you are not alone.")]
    [InlineData(new[] { 3, 0, 0, 0, 0 }, "All 3 of you who answered had a rough week: you are not alone, and this group is a place to say so.")]
    public void Tally_Counts_SaysHowManyHadARoughWeek(int[] counts, string expected)
    {
        Assert.Equal(expected, CheckInService.Tally(counts));
    }
}

public class CheckInButtonTests
{
    [Fact]
    public async Task TryHandleButtonAsync_CheckInButton_RecordsTheAnswerForThePresser()
    {
        using var fixture = new PromptFixture(new DateTimeOffset(2026, 11, 2, 14, 0, 0, TimeSpan.Zero));
        await fixture.Operations.PostCheckInAsync("g1", default);
        var message = fixture.Platform.MessagesIn(fixture.Channel.Id)[0];
        var button = message.Content.Buttons[1];

        var reply = await fixture.CheckIns.TryHandleButtonAsync(new ButtonPress(PlatformKind.Sandbox, "U-m2", button.ActionId, new MessageRef(fixture.Channel, message.Id)), default);
        var other = await fixture.CheckIns.TryHandleButtonAsync(new ButtonPress(PlatformKind.Sandbox, "U-m2", "ack:A1", null), default);
        var unknown = await fixture.CheckIns.TryHandleButtonAsync(new ButtonPress(PlatformKind.Sandbox, "U-nobody", button.ActionId, null), default);

        Assert.StartsWith("Thanks, your answer is in.", reply!.Reply!.ToPlainText(), StringComparison.Ordinal);
        Assert.Null(other);
        Assert.Equal("This check-in is for the group's members.", unknown!.Reply!.ToPlainText());
        Assert.True(CheckInService.TryParseAction(button.ActionId, out var id, out _));
        Assert.Equal([0, 1, 0, 0, 0], fixture.PromptStore.FindCheckIn(id)!.Counts);
    }
}
