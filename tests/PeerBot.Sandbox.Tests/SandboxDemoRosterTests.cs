using Microsoft.Extensions.Configuration;
using PeerBot.Core.Configuration;

namespace PeerBot.Sandbox.Tests;

public class SandboxDemoRosterTests
{
    [Fact]
    public void AddIfNoPeople_EmptyConfiguration_AddsTheExamplesPeopleAndGroups()
    {
        var builder = new ConfigurationManager();

        Assert.True(SandboxDemoRoster.AddIfNoPeople(builder));

        var result = ConfigurationLoader.Load(builder);
        Assert.True(result.IsValid, string.Join("\n", result.Errors));
        Assert.Equal(16, result.Options!.People.Count);
        Assert.Contains(result.Options.Groups, g => g.Name == "Tuesday Circle" && g.Members.Contains("ana"));
        Assert.All(result.Options.Groups, g => Assert.Null(g.Platform));
        Assert.True(result.Options.UsesSandbox());
        Assert.Equal("true", builder[SandboxDemoRoster.MarkerKey]);
    }

    [Fact]
    public void AddIfNoPeople_UserSettings_KeepPrecedenceOverTheDemo()
    {
        var builder = new ConfigurationManager();
        builder.AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["PeerBot:TimeZone"] = "Europe/Paris",
            ["PeerBot:Sandbox:Port"] = "6001",
        });

        SandboxDemoRoster.AddIfNoPeople(builder);

        var options = ConfigurationLoader.Load(builder).Options!;
        Assert.Equal("Europe/Paris", options.TimeZone);
        Assert.Equal(6001, options.Sandbox.Port);
        Assert.NotEmpty(options.People);
    }

    [Fact]
    public void AddIfNoPeople_UserHasPeople_LeavesTheirRosterAlone()
    {
        var builder = new ConfigurationManager();
        builder.AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["PeerBot:People:0:Id"] = "zoe",
            ["PeerBot:People:0:Name"] = "Zoe",
            ["PeerBot:People:0:Pgy"] = "2",
        });

        Assert.False(SandboxDemoRoster.AddIfNoPeople(builder));

        var options = ConfigurationLoader.Load(builder).Options!;
        Assert.Equal("zoe", Assert.Single(options.People).Id);
        Assert.Null(builder[SandboxDemoRoster.MarkerKey]);
    }

    [Fact]
    public void Load_TheEmbeddedExample_IsTheRepositoryFile()
    {
        var root = AppContext.BaseDirectory;
        while (root is not null && !File.Exists(Path.Combine(root, "PeerBot.sln")))
        {
            root = Path.GetDirectoryName(root);
        }

        Assert.NotNull(root);
        var repository = new ConfigurationBuilder().AddJsonFile(Path.Combine(root, "appsettings.example.json")).Build();
        var demo = SandboxDemoRoster.Load();

        Assert.Equal(repository["PeerBot:People:15:Name"], demo["PeerBot:People:15:Name"]);
        Assert.Equal(repository["PeerBot:Groups:1:Schedule"], demo["PeerBot:Groups:1:Schedule"]);
        Assert.DoesNotContain(demo.Keys, k => k.StartsWith("PeerBot:Discord", StringComparison.OrdinalIgnoreCase));
    }
}
