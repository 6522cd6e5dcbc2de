using PeerBot.Core.Digest;

namespace PeerBot.Core.Tests.Digest;

public sealed class DigestTextTests
{
    private static DigestWeek Week(int participants, params (DigestCounter Counter, int Count)[] counts) =>
        new(new DateOnly(2026, 11, 9), counts.ToDictionary(c => c.Counter, c => c.Count), participants);

    [Fact]
    public void Lines_TypicalWeek_ThreePlainLinesWithTrends()
    {
        var week = Week(4, (DigestCounter.Messages, 23), (DigestCounter.PromptsPosted, 2), (DigestCounter.PromptsReplied, 1),
            (DigestCounter.FatalisticMessages, 2), (DigestCounter.CheckInAnswers, 5), (DigestCounter.CheckInScoreSum, 17));
        var before = Week(5, (DigestCounter.CheckInAnswers, 7), (DigestCounter.CheckInScoreSum, 20));

        var lines = DigestText.Lines("Tuesday Circle", 5, week, before);

        Assert.Equal(
        [
            "Tuesday Circle: 4 of 5 members took part, down from 5; 23 messages.",
            "2 prompts posted, 1 answered; 2 fatalistic messages, no spiral.",
            "No crisis flag or coping note; check-in average 3.4, up from 2.9.",
        ], lines);
    }

    [Fact]
    public void Lines_QuietWeekWithFlags_WordsForZeroAndSingulars()
    {
        var week = Week(3, (DigestCounter.Messages, 1), (DigestCounter.SpiralRaised, 1), (DigestCounter.CrisisRaised, 1),
            (DigestCounter.CopingRaised, 2), (DigestCounter.SpiralResolved, 1), (DigestCounter.CopingResolved, 1));

        var lines = DigestText.Lines("Night Owls", 4, week, Week(3));

        Assert.Equal(
        [
            "Night Owls: 3 of 4 members took part, as the week before; 1 message.",
            "No prompt posted; no fatalistic messages, 1 spiral flag.",
            "1 crisis flag and 2 coping notes raised, 2 flags resolved; no check-in with 3 or more answers.",
        ], lines);
    }

    [Theory]
    [InlineData(2, 5, "fewer than 3 of 5 members took part, down from 5;")]
    [InlineData(0, 5, "fewer than 3 of 5 members took part, down from 5;")]
    [InlineData(4, 2, "4 of 5 members took part, up from fewer than 3;")]
    [InlineData(1, 2, "fewer than 3 of 5 members took part, as the week before;")]
    public void Lines_FewerThanThreePeople_NeverShownAsANumber(int now, int before, string expected)
    {
        var line = DigestText.Lines("Tuesday Circle", 5, Week(now), Week(before))[0];

        Assert.Contains(expected, line, StringComparison.Ordinal);
    }

    [Fact]
    public void Lines_CheckInWithFewerThanThreeAnswers_NoAverage()
    {
        var week = Week(4, (DigestCounter.CheckInAnswers, 2), (DigestCounter.CheckInScoreSum, 2));
        var before = Week(4, (DigestCounter.CheckInAnswers, 3), (DigestCounter.CheckInScoreSum, 15));

        var line = DigestText.Lines("Tuesday Circle", 5, week, before)[2];

        Assert.EndsWith("no check-in with 3 or more answers.", line, StringComparison.Ordinal);
        Assert.Null(DigestText.CheckInAverage(week));
        Assert.Equal(5.0, DigestText.CheckInAverage(before));
    }
}
