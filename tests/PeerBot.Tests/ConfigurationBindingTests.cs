using System.Text;
using System.Text.Json;
using Microsoft.Extensions.Configuration;
using PeerBot.Core.Configuration;

namespace PeerBot.Tests;

/// <summary>
/// The lenient binder the CLI and the host share reads every valid file exactly as the framework's binder does, so
/// leaving the framework's binder changed nothing for a configuration that was right.
/// </summary>
public class ConfigurationBindingTests
{
    private static IConfigurationSection Section(string json) =>
        new ConfigurationBuilder().AddJsonStream(new MemoryStream(Encoding.UTF8.GetBytes(json))).Build().GetSection(PeerBotOptions.SectionName);

    private static void AssertSameAsFrameworkBinder(IConfigurationSection section)
    {
        var framework = new PeerBotOptions();
        section.Bind(framework);

        var lenient = ConfigurationBinding.Bind<PeerBotOptions>(section);

        Assert.Empty(lenient.Errors);
        Assert.Equal(JsonSerializer.Serialize(framework), JsonSerializer.Serialize(lenient.Value));
    }

    [Fact]
    public void Bind_ExampleConfiguration_SameAsFrameworkBinder() =>
        AssertSameAsFrameworkBinder(new ConfigurationBuilder()
            .AddJsonFile(Path.Combine(AppContext.BaseDirectory, "appsettings.example.json"))
            .Build()
            .GetSection(PeerBotOptions.SectionName));

    [Theory]
    [InlineData("""{ "PeerBot": { "timezone": "Europe/London", "people": [ { "id": "ana", "role": "alumni", "PGY": " 2 " } ] } }""")]
    [InlineData("""{ "PeerBot": { "Formation": null, "Storage": null, "Groups": [] } }""")]
    [InlineData("""{ "PeerBot": { "Formation": {} } }""")]
    [InlineData("""{ "PeerBot": { "Formation": { "Platform": "Slack" } } }""")]
    [InlineData("""{ "PeerBot": { "Formation": { "Platform": "", "GroupSize": "+4" } } }""")]
    [InlineData("""{ "PeerBot": { "People": [ null, {}, "", { "Pgy": null, "Slack": null } ] } }""")]
    [InlineData("""{ "PeerBot": { "Groups": [ { "Members": [ "ana", null, "" ], "Facilitators": null, "Platform": null, "TimeZone": null } ] } }""")]
    [InlineData("""{ "PeerBot": { "TimeZone": null, "Discord": { "Token": "" } } }""")]
    [InlineData("""{ "PeerBot": { "Anonymity": { "MinDelay": "5", "MaxDelay": "1.00:00:00", "Enabled": "False", "Review": "TRUE" } } }""")]
    [InlineData("""{ "PeerBot": { "Safety": { "FatalismThreshold": "1e-1", "SpiralWindow": "00:45", "ExcerptRetention": "-1.00:00:00" } } }""")]
    [InlineData("""{ "PeerBot": { "Sandbox": { "Port": -1, "AllowRemote": true } } }""")]
    [InlineData("""{ "PeerBot": { "Discord": { "Enabled": true } } }""")]
    public void Bind_ValidShapes_SameAsFrameworkBinder(string json) => AssertSameAsFrameworkBinder(Section(json));

    [Fact]
    public void Bind_SparseListFromEnvironmentStyleKeys_SameAsFrameworkBinder() =>
        AssertSameAsFrameworkBinder(new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["PeerBot:Groups:0:Members:0"] = "ana",
            ["PeerBot:Groups:0:Members:2"] = "cy",
            ["PeerBot:People:1:Id"] = "ben",
        }).Build().GetSection(PeerBotOptions.SectionName));

    [Fact]
    public void Bind_ValuesThatCannotBeRead_KeepTheirDefaultsAndTheirPlaces()
    {
        var bound = ConfigurationBinding.Bind<PeerBotOptions>(Section("""
            { "PeerBot": {
              "People": [ { "Id": "ana", "Role": "Wizard", "Pgy": "one" }, "ben", { "Id": "cy", "Pgy": 3 } ],
              "Groups": [ { "Members": [ "ana", { "Id": "ben" }, "cy" ], "Platform": 7 } ],
              "Anonymity": { "MinDelay": "", "MaxPerDay": "lots", "Enabled": "sometimes" },
              "Safety": "strict"
            } }
            """));

        Assert.Equal(
            [
                "PeerBot:Anonymity:Enabled: \"sometimes\" is not true or false",
                "PeerBot:Anonymity:MaxPerDay: \"lots\" is not a whole number",
                "PeerBot:Anonymity:MinDelay: empty; give a duration (hh:mm:ss, or d.hh:mm:ss), or remove the key to use the default",
                "PeerBot:Groups:0:Members:1: expected a single value (a String), found a section",
                "PeerBot:Groups:0:Platform: \"7\" is not one of Discord, Slack, Sandbox",
                "PeerBot:People:0:Pgy: \"one\" is not a whole number",
                "PeerBot:People:0:Role: \"Wizard\" is not one of Resident, Alumni, Psychologist, Coordinator",
                "PeerBot:People:1: expected a section with keys, found a single value",
                "PeerBot:Safety: expected a section with keys, found a single value",
            ],
            bound.Errors.Select(e => e.ToString()).Order(StringComparer.Ordinal));
        var options = bound.Value;
        Assert.Equal(["ana", "", "cy"], options.Groups[0].Members);
        Assert.Equal(["ana", "", "cy"], options.People.Select(p => p.Id));
        Assert.Equal(3, options.People[2].Pgy);
        Assert.Null(options.People[0].Pgy);
        Assert.Equal(PersonRole.Resident, options.People[0].Role);
        Assert.Null(options.Groups[0].Platform);
        Assert.True(options.Anonymity.Enabled);
        Assert.Equal(5, options.Anonymity.MaxPerDay);
        Assert.Equal(TimeSpan.FromSeconds(20), options.Anonymity.MinDelay);
        Assert.Equal(3, options.Safety.SpiralMinMessages);
    }
}
