using Microsoft.Extensions.Configuration;

namespace PeerBot.Core.Tests.Configuration;

/// <summary>Builds configuration from key/value pairs under the PeerBot section, starting from a valid baseline.</summary>
internal static class ConfigBuilder
{
    public static Dictionary<string, string?> ValidBaseline() => new()
    {
        ["PeerBot:TimeZone"] = "America/New_York",
        ["PeerBot:People:0:Id"] = "ana",
        ["PeerBot:People:0:Discord"] = "111111111111111100",
        ["PeerBot:People:0:Slack"] = "U0PERSON0",
        ["PeerBot:People:0:Name"] = "Ana R.",
        ["PeerBot:People:0:Role"] = "Resident",
        ["PeerBot:People:0:Pgy"] = "1",
        ["PeerBot:People:1:Id"] = "ben",
        ["PeerBot:People:1:Discord"] = "111111111111111101",
        ["PeerBot:People:1:Slack"] = "U0PERSON1",
        ["PeerBot:People:1:Name"] = "Ben T.",
        ["PeerBot:People:1:Role"] = "Resident",
        ["PeerBot:People:1:Pgy"] = "2",
        ["PeerBot:People:2:Id"] = "cy",
        ["PeerBot:People:2:Discord"] = "111111111111111102",
        ["PeerBot:People:2:Slack"] = "U0PERSON2",
        ["PeerBot:People:2:Name"] = "Cy M.",
        ["PeerBot:People:2:Role"] = "Resident",
        ["PeerBot:People:2:Pgy"] = "3",
        ["PeerBot:People:3:Id"] = "dr-lee",
        ["PeerBot:People:3:Discord"] = "111111111111111103",
        ["PeerBot:People:3:Slack"] = "U0PERSON3",
        ["PeerBot:People:3:Name"] = "Dr. Lee",
        ["PeerBot:People:3:Role"] = "Alumni",
        ["PeerBot:People:4:Id"] = "dr-kim",
        ["PeerBot:People:4:Discord"] = "111111111111111104",
        ["PeerBot:People:4:Slack"] = "U0PERSON4",
        ["PeerBot:People:4:Name"] = "Dr. Kim",
        ["PeerBot:People:4:Role"] = "Psychologist",
        ["PeerBot:Groups:0:Name"] = "Tuesday Circle",
        ["PeerBot:Groups:0:Members:0"] = "ana",
        ["PeerBot:Groups:0:Members:1"] = "ben",
        ["PeerBot:Groups:0:Members:2"] = "cy",
        ["PeerBot:Groups:0:Facilitators:0"] = "dr-lee",
        ["PeerBot:Groups:0:Facilitators:1"] = "dr-kim",
    };

    public static IConfiguration Build(IDictionary<string, string?> values) =>
        new ConfigurationBuilder().AddInMemoryCollection(values).Build();

    public static IConfiguration With(params (string Key, string? Value)[] changes)
    {
        var values = ValidBaseline();
        foreach (var (key, value) in changes)
        {
            if (value is null)
            {
                values.Remove("PeerBot:" + key);
            }
            else
            {
                values["PeerBot:" + key] = value;
            }
        }

        return Build(values);
    }
}
