using PeerBot.Core.Sharing;

namespace PeerBot.Core.Tests.Sharing;

public class MentionNeutralizerTests
{
    [Theory]
    [InlineData("hey @everyone look", "@everyone")]
    [InlineData("hey @here look", "@here")]
    [InlineData("hey @Everyone look", "@Everyone")]
    [InlineData("ping <@123456789012345678> now", "<@")]
    [InlineData("ping <@!123456789012345678> now", "<@")]
    [InlineData("ping <@&987654321098765432> role", "<@&")]
    [InlineData("slack <!channel> all", "<!")]
    [InlineData("slack <!here> all", "<!")]
    [InlineData("slack <!everyone> all", "<!")]
    [InlineData("slack @channel all", "@channel")]
    [InlineData("slack <@U0ANA99182> you", "<@")]
    [InlineData("slack <@U0ANA99182|ana> you", "<@")]
    [InlineData("team <!subteam^S012AB|@residents> hi", "<!")]
    public void Neutralize_Mention_LeavesNoPingingSyntax(string text, string forbidden)
    {
        var result = MentionNeutralizer.Neutralize(text);

        Assert.DoesNotContain(forbidden, result, StringComparison.Ordinal);
        Assert.Contains("@\u200B", result, StringComparison.Ordinal);
    }

    [Fact]
    public void Neutralize_SlackUserMentionWithLabel_KeepsReadableNameButNoId()
    {
        var result = MentionNeutralizer.Neutralize("thanks <@U0ANA99182|ana>!");

        Assert.Equal("thanks @\u200Bana!", result);
        Assert.DoesNotContain("U0ANA99182", result, StringComparison.Ordinal);
    }

    [Fact]
    public void Neutralize_DiscordUserMention_DropsTheId()
    {
        var result = MentionNeutralizer.Neutralize("thanks <@!111111111111111111>");

        Assert.Equal("thanks @\u200Bsomeone", result);
    }

    [Fact]
    public void Neutralize_PlainText_Unchanged()
    {
        const string text = "Rough night on nights. Email me at a@b.org, 3 < 4 > 2.";

        Assert.Equal(text, MentionNeutralizer.Neutralize(text));
    }
}
