using PeerBot.Core.Configuration;
using PeerBot.Core.Sharing;

namespace PeerBot.Core.Tests.Sharing;

/// <summary>The anonymity rules the live host checks at start.</summary>
public class AnonymityOptionsValidatorTests
{
    private static IEnumerable<string> Failures(TimeSpan min, TimeSpan max)
    {
        var options = new PeerBotOptions { Anonymity = { MinDelay = min, MaxDelay = max } };
        return new AnonymityOptionsValidator().Validate(null, options).Failures ?? [];
    }

    [Fact]
    public void Validate_NoDelayAtAll_FailsOnMaxDelay() =>
        Assert.Contains(Failures(TimeSpan.Zero, TimeSpan.Zero), f => f.StartsWith("PeerBot:Anonymity:MaxDelay must be longer than zero", StringComparison.Ordinal));

    [Fact]
    public void Validate_NoShortestDelayButSomeLongest_Succeeds() =>
        Assert.Empty(Failures(TimeSpan.Zero, TimeSpan.FromSeconds(30)));

    [Fact]
    public void Validate_MaxDelayOverOneDay_Fails() =>
        Assert.Contains(Failures(TimeSpan.FromSeconds(20), TimeSpan.FromDays(1) + TimeSpan.FromSeconds(1)), f => f.Contains("at most one day", StringComparison.Ordinal));
}
