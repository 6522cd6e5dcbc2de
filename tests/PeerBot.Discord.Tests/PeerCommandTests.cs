using System.Text.Json;
using System.Text.Json.Nodes;
using PeerBot.Discord.Interactions;
using PeerBot.Testing.Discord;

namespace PeerBot.Discord.Tests;

public sealed class PeerCommandTests
{
    [Theory]
    [InlineData("""[{"name":"help","type":1}]""", "help")]
    [InlineData("""[{"name":"pause","type":1,"options":[{"name":"weeks","type":4,"value":3}]}]""", "pause 3")]
    [InlineData("""[{"name":"prompt","type":2,"options":[{"name":"now","type":1,"options":[{"name":"group","type":3,"value":"Tuesday Circle"}]}]}]""", "prompt now \"Tuesday Circle\"")]
    [InlineData("""[{"name":"prompt","type":2,"options":[{"name":"skip","type":1}]}]""", "prompt skip")]
    [InlineData("""[{"name":"resolve","type":1,"options":[{"name":"note","type":3,"value":"talked, ok"},{"name":"id","type":3,"value":"A12"}]}]""", "resolve A12 \"talked, ok\"")]
    [InlineData("""[{"name":"anon","type":2,"options":[{"name":"mute","type":1,"options":[{"name":"days","type":4,"value":7},{"name":"post","type":3,"value":"P3"}]}]}]""", "anon mute P3 7")]
    [InlineData("""[{"name":"reframe","type":1,"options":[{"name":"group","type":3,"value":"say \"hi\""}]}]""", "reframe \"say \\\"hi\\\"\"")]
    [InlineData("""[{"name":"digest","type":1,"options":[{"name":"group","type":3,"value":"Night Owls"}]}]""", "digest \"Night Owls\"")]
    public void ToText_Options_JoinsNamesAndValuesInDeclaredOrder(string options, string expected)
    {
        using var doc = JsonDocument.Parse("{\"name\":\"peer\",\"type\":1,\"options\":" + options + "}");

        Assert.Equal(expected, PeerCommand.ToText(doc.RootElement));
    }

    [Fact]
    public void Registration_MatchesPublishedApiDescription()
    {
        var body = PeerCommand.Registration();

        var problems = OpenApiRequestValidator.Discord.Validate("PUT", "/applications/1/commands", new Dictionary<string, string>(), true, body);

        Assert.Empty(problems);
        var command = body[0]!;
        Assert.Equal("[0]", command["integration_types"]!.ToJsonString());
        Assert.All(Names(command), n => Assert.Matches("^[-_a-z0-9]{1,32}$", n));
    }

    private static IEnumerable<string> Names(JsonNode node)
    {
        yield return node["name"]!.GetValue<string>();
        if (node["options"] is JsonArray options)
        {
            foreach (var o in options)
            {
                foreach (var n in Names(o!))
                {
                    yield return n;
                }
            }
        }
    }
}

public sealed class OpenApiRequestValidatorTests
{
    private static readonly Dictionary<string, string> NoQuery = [];

    [Fact]
    public void Validate_MessageWithoutAuthorization_IsReported()
    {
        var problems = OpenApiRequestValidator.Discord.Validate("POST", "/channels/1/messages", NoQuery, false, new JsonObject { ["content"] = "x" });

        Assert.Contains(problems, p => p.Contains("Authorization", StringComparison.Ordinal));
    }

    [Fact]
    public void Validate_UnknownPathOrMethod_IsReported()
    {
        Assert.NotEmpty(OpenApiRequestValidator.Discord.Validate("POST", "/channels/1/nothing", NoQuery, true, null));
        Assert.NotEmpty(OpenApiRequestValidator.Discord.Validate("PUT", "/users/@me/channels", NoQuery, true, new JsonObject()));
    }

    [Fact]
    public void Validate_MissingRequiredFieldOrQuery_IsReported()
    {
        var channel = OpenApiRequestValidator.Discord.Validate("POST", "/guilds/1/channels", NoQuery, true, new JsonObject { ["type"] = 0 });
        var search = OpenApiRequestValidator.Discord.Validate("GET", "/guilds/1/members/search", NoQuery, true, null);
        var overwrite = OpenApiRequestValidator.Discord.Validate("POST", "/guilds/1/channels", NoQuery, true,
            new JsonObject { ["name"] = "x", ["permission_overwrites"] = new JsonArray(new JsonObject { ["type"] = 1 }) });

        Assert.Contains(channel, p => p.Contains("name", StringComparison.Ordinal));
        Assert.Contains(search, p => p.Contains("query", StringComparison.Ordinal));
        Assert.Contains(overwrite, p => p.Contains("id", StringComparison.Ordinal));
    }

    [Fact]
    public void Validate_WrongTypeOrEnum_IsReported()
    {
        var callback = OpenApiRequestValidator.Discord.Validate("POST", "/interactions/1/t/callback", NoQuery, false,
            new JsonObject { ["type"] = 42, ["data"] = new JsonObject { ["content"] = "x" } });
        var message = OpenApiRequestValidator.Discord.Validate("POST", "/channels/1/messages", NoQuery, true,
            new JsonObject { ["content"] = 5 });

        Assert.NotEmpty(callback);
        Assert.NotEmpty(message);
    }

    [Fact]
    public void Validate_PermissionBitsAsStrings_AreAccepted()
    {
        var problems = OpenApiRequestValidator.Discord.Validate("PUT", "/channels/1/permissions/2", NoQuery, true,
            new JsonObject { ["type"] = 1, ["allow"] = "68608", ["deny"] = "0" });

        Assert.Empty(problems);
    }
}
