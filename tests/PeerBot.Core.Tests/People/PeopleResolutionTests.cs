using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using PeerBot.Core.Configuration;
using PeerBot.Core.People;
using PeerBot.Core.Platform;
using PeerBot.Testing;

namespace PeerBot.Core.Tests.People;

public class PeopleResolutionTests
{
    private static PeerBotOptions Options() => new()
    {
        People =
        [
            new PersonOptions { Id = "ana", Name = "Ana R.", Role = PersonRole.Resident, Pgy = 1, Discord = "ana.r", Slack = "ana@example.edu" },
            new PersonOptions { Id = "dr-lee", Name = "Dr. Lee", Role = PersonRole.Alumni, Discord = "111111111111111111" },
        ],
    };

    [Fact]
    public async Task ResolveAsync_EveryoneFound_FillsDirectoryPerPlatform()
    {
        var discord = new FakeChatPlatform(PlatformKind.Discord);
        discord.AddUser("ana.r", "222222222222222222");
        discord.AddUser("111111111111111111", "111111111111111111");
        var slack = new FakeChatPlatform(PlatformKind.Slack);
        slack.AddUser("ana@example.edu", "U0ANA");
        var options = Options();
        var directory = new PeopleDirectory(options.People);

        var problems = await PeopleResolutionService.ResolveAsync(options, new PlatformRegistry([discord, slack]), directory, default);

        Assert.Empty(problems);
        Assert.Equal("222222222222222222", directory.PlatformUserId("ana", PlatformKind.Discord));
        Assert.Equal("U0ANA", directory.PlatformUserId("ana", PlatformKind.Slack));
        Assert.Equal("dr-lee", directory.FindByPlatformUser(PlatformKind.Discord, "111111111111111111")?.Id);
        Assert.DoesNotContain(slack.Calls, c => c.Target == "111111111111111111");
    }

    [Fact]
    public async Task StartAsync_PersonNotFound_FailsNamingThePerson()
    {
        var discord = new FakeChatPlatform(PlatformKind.Discord);
        discord.AddUser("111111111111111111", "111111111111111111");
        var options = Options();
        var service = new PeopleResolutionService(
            Microsoft.Extensions.Options.Options.Create(options),
            new PlatformRegistry([discord]),
            new PeopleDirectory(options.People),
            NullLogger<PeopleResolutionService>.Instance);

        var error = await Assert.ThrowsAsync<PeopleResolutionException>(() => service.StartAsync(default));

        var problem = Assert.Single(error.Problems);
        Assert.Equal("PeerBot:People:0:Discord: Ana R. (ana) was not found on Discord as \"ana.r\"; check the id, username or email", problem);
    }
}
