using PeerBot.Core.Groups;
using PeerBot.Core.Platform;

namespace PeerBot.Core.Tests.Groups;

public sealed class GroupNamingTests
{
    [Theory]
    [InlineData("Tuesday Circle", "peer-tuesday-circle")]
    [InlineData("Peer Circle 1", "peer-circle-1")]
    [InlineData("Peer", "peer")]
    [InlineData("Peers on Nights", "peer-peers-on-nights")]
    [InlineData("Café Résidents!", "peer-cafe-residents")]
    public void ChannelName_GroupName_HasThePeerPrefixOnce(string groupName, string expected)
    {
        Assert.Equal(expected, GroupNaming.ChannelName(groupName, PlatformKind.Discord, []));
    }

    [Fact]
    public void ChannelName_Taken_GetsTheFirstFreeNumber()
    {
        Assert.Equal("peer-circle-1-3", GroupNaming.ChannelName("Peer Circle 1", PlatformKind.Slack, ["peer-circle-1", "PEER-CIRCLE-1-2"]));
    }

    [Fact]
    public void ChannelName_VeryLongName_FitsSlackWithRoomForANumber()
    {
        var name = GroupNaming.ChannelName(new string('a', 200) + " group", PlatformKind.Slack, []);

        Assert.StartsWith("peer-", name, StringComparison.Ordinal);
        Assert.InRange(name.Length, 1, 76);
    }
}
