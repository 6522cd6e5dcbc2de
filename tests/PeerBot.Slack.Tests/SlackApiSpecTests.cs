using PeerBot.Testing.Slack;

namespace PeerBot.Slack.Tests;

public sealed class SlackApiSpecTests
{
    private static readonly SlackApiSpec Spec = SlackApiSpec.Load();

    [Theory]
    [InlineData("chat.postMessage", "POST", new[] { "channel", "text", "blocks", "unfurl_links", "unfurl_media" })]
    [InlineData("conversations.create", "POST", new[] { "name", "is_private" })]
    [InlineData("users.lookupByEmail", "GET", new[] { "email" })]
    [InlineData("conversations.members", "GET", new[] { "channel", "limit", "cursor" })]
    [InlineData("apps.connections.open", "POST", new string[0])]
    [InlineData("views.open", "POST", new[] { "trigger_id", "view" })]
    public void Check_CallsPeerBotMakes_Conform(string method, string verb, string[] parameters)
    {
        Assert.Empty(Spec.Check(method, verb, parameters));
    }

    [Theory]
    [InlineData("chat.postMessage", "POST", new[] { "channel", "txt" }, "no parameter 'txt'")]
    [InlineData("chat.postEphemeral", "POST", new[] { "channel", "text" }, "requires 'user'")]
    [InlineData("users.info", "POST", new[] { "user" }, "described for GET")]
    [InlineData("chat.sendMessage", "POST", new[] { "channel" }, "not a method")]
    [InlineData("apps.connections.open", "GET", new string[0], "not a method")]
    public void Check_Mismatch_IsReported(string method, string verb, string[] parameters, string expected)
    {
        var problem = Assert.Single(Spec.Check(method, verb, parameters));

        Assert.Contains(expected, problem, StringComparison.Ordinal);
    }
}
