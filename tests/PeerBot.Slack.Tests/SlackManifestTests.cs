using System.Text.Json;

namespace PeerBot.Slack.Tests;

public sealed class SlackManifestTests
{
    private static JsonElement LoadManifest()
    {
        var directory = new DirectoryInfo(AppContext.BaseDirectory);
        while (directory is not null && !File.Exists(Path.Combine(directory.FullName, "PeerBot.sln")))
        {
            directory = directory.Parent;
        }

        Assert.NotNull(directory);
        using var document = JsonDocument.Parse(File.ReadAllText(Path.Combine(directory.FullName, "deploy", "slack-app-manifest.json")));
        return document.RootElement.Clone();
    }

    [Fact]
    public void Manifest_HasEveryScopeTheAdapterNeeds()
    {
        var scopes = LoadManifest().GetProperty("oauth_config").GetProperty("scopes").GetProperty("bot").EnumerateArray().Select(s => s.GetString()).ToHashSet();

        // conversations.* on private channels, chat.*, conversations.open, users.info / users.lookupByEmail, /peer, events,
        // files.getUploadURLExternal and files.completeUploadExternal (the digest's charts).
        string[] needed = ["groups:write", "groups:read", "chat:write", "im:write", "users:read", "users:read.email", "commands", "groups:history", "im:history", "files:write"];
        Assert.All(needed, scope => Assert.Contains(scope, scopes));
    }

    [Fact]
    public void Manifest_SocketModeSlashCommandEventsAndInteractivity()
    {
        var manifest = LoadManifest();
        var settings = manifest.GetProperty("settings");

        Assert.True(settings.GetProperty("socket_mode_enabled").GetBoolean());
        Assert.True(settings.GetProperty("interactivity").GetProperty("is_enabled").GetBoolean());
        var events = settings.GetProperty("event_subscriptions").GetProperty("bot_events").EnumerateArray().Select(e => e.GetString()).ToList();
        Assert.Contains("message.groups", events);
        Assert.Contains("message.im", events);
        var command = Assert.Single(manifest.GetProperty("features").GetProperty("slash_commands").EnumerateArray());
        Assert.Equal("/peer", command.GetProperty("command").GetString());
    }
}
