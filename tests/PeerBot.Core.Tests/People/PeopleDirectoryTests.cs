using PeerBot.Core.Configuration;
using PeerBot.Core.People;
using PeerBot.Core.Platform;

namespace PeerBot.Core.Tests.People;

public class PeopleDirectoryTests
{
    [Fact]
    public void SetPlatformUserId_Replaced_OldIdNoLongerFindsPerson()
    {
        var directory = new PeopleDirectory([new PersonOptions { Id = "ana", Name = "Ana", Role = PersonRole.Resident, Pgy = 1 }]);

        directory.SetPlatformUserId("ana", PlatformKind.Slack, "U1");
        directory.SetPlatformUserId("ana", PlatformKind.Slack, "U2");

        Assert.Null(directory.FindByPlatformUser(PlatformKind.Slack, "U1"));
        Assert.Equal("ana", directory.FindByPlatformUser(PlatformKind.Slack, "U2")?.Id);
        Assert.Equal("U2", directory.PlatformUserId("ana", PlatformKind.Slack));
        Assert.Null(directory.PlatformUserId("ana", PlatformKind.Discord));
    }
}
