using PeerBot.Core.Platform;
using PeerBot.Testing.Discord;

namespace PeerBot.Discord.Tests;

public sealed class DiscordChatPlatformTests
{
    private static readonly string[] Contexts = ["0", "1"];

    [Fact]
    public async Task Start_RegistersPeerGloballyForServerAndDirectMessages()
    {
        await using var h = await AdapterHarness.StartAsync();

        var command = Assert.Single(h.Emulator.Commands!);
        Assert.Equal("peer", command!["name"]!.GetValue<string>());
        Assert.Equal(Contexts, command["contexts"]!.AsArray().Select(c => c!.ToJsonString()));
        var names = command["options"]!.AsArray().Select(o => o!["name"]!.GetValue<string>()).ToList();
        Assert.Equal(["help", "share", "pause", "resume", "my-data", "forget-me", "groups", "prompt", "reframe", "checkin", "flags", "ack", "resolve", "anon", "stats", "digest"], names);
        Assert.Contains(h.Emulator.Requests, r => r.Method == "PUT" && r.Path == $"/applications/{DiscordEmulator.ApplicationId}/commands");
        Assert.Equal(1, h.Emulator.Identifies);
        h.Emulator.AssertNoViolations();
    }

    [Fact]
    public async Task EnsurePrivateChannel_New_CreatesCategoryAndPrivateChannelWithOverwrites()
    {
        await using var h = await AdapterHarness.StartAsync();
        var ana = h.Emulator.AddMember("ana");
        var lee = h.Emulator.AddMember("dr-lee");

        var channel = await h.Platform.EnsurePrivateChannelAsync(new PrivateChannelSpec("g1", "Tuesday Circle", "Peer support", [ana, lee], null), default);

        var created = h.Emulator.FindChannel(channel.Id)!;
        Assert.Equal("tuesday-circle", created.Name);
        var category = h.Emulator.FindChannel(created.ParentId!)!;
        Assert.Equal(4, category.Type);
        Assert.Equal("Peer Support", category.Name);
        Assert.Contains(new EmulatedOverwrite(DiscordEmulator.GuildId, 0, 0, 1024), created.Overwrites);
        Assert.Contains(new EmulatedOverwrite(ana, 1, 68608, DiscordEmulator.ThreadPermissions), created.Overwrites);
        Assert.Contains(new EmulatedOverwrite(lee, 1, 68608, DiscordEmulator.ThreadPermissions), created.Overwrites);
        Assert.Contains(new EmulatedOverwrite(DiscordEmulator.BotUserId, 1, 68608, 0), created.Overwrites);
        var body = h.Emulator.Requests.First(r => r.Method == "POST" && r.Path.EndsWith("/channels", StringComparison.Ordinal) && r.Body!["type"]!.GetValue<int>() == 0).Body!;
        Assert.All(body["permission_overwrites"]!.AsArray(), o => Assert.Equal(System.Text.Json.JsonValueKind.String, o!["allow"]!.GetValueKind()));
        h.Emulator.AssertNoViolations();
    }

    [Fact]
    public async Task EnsurePrivateChannel_Existing_AdjustsMembersWithoutDuplicating()
    {
        await using var h = await AdapterHarness.StartAsync();
        var ana = h.Emulator.AddMember("ana");
        var ben = h.Emulator.AddMember("ben");
        var cy = h.Emulator.AddMember("cy");
        var first = await h.Platform.EnsurePrivateChannelAsync(new PrivateChannelSpec("g1", "Circle", "t", [ana, ben], null), default);

        var second = await h.Platform.EnsurePrivateChannelAsync(new PrivateChannelSpec("g1", "Circle", "t", [ana, cy], first), default);
        var again = await h.Platform.EnsurePrivateChannelAsync(new PrivateChannelSpec("g1", "Circle", "t", [ana, cy], null), default);

        Assert.Equal(first, second);
        Assert.Equal(first, again);
        Assert.Single(h.Emulator.Channels, c => c.Type == 0);
        var people = h.Emulator.FindChannel(first.Id)!.Overwrites.Where(o => o.Type == 1).Select(o => o.Id).ToHashSet();
        Assert.Equal(new HashSet<string> { ana, cy, DiscordEmulator.BotUserId }, people);
        h.Emulator.AssertNoViolations();
    }

    [Fact]
    public async Task EnsurePrivateChannel_New_MembersMayNotStartOrWriteInThreads()
    {
        await using var h = await AdapterHarness.StartAsync();
        var ana = h.Emulator.AddMember("ana");
        var lee = h.Emulator.AddMember("dr-lee");
        var outsider = h.Emulator.AddMember("outsider");

        var channel = await h.Platform.EnsurePrivateChannelAsync(new PrivateChannelSpec("g1", "Circle", "t", [ana, lee], null), default);

        // The server's @everyone role lets everyone start threads; the group channel takes that away from its members.
        Assert.Equal(DiscordEmulator.ThreadPermissions, h.Emulator.EveryonePermissions & DiscordEmulator.ThreadPermissions);
        foreach (var member in new[] { ana, lee })
        {
            var bits = h.Emulator.PermissionsIn(channel.Id, member);
            Assert.Equal(68608, bits & 68608);
            Assert.Equal(0, bits & DiscordEmulator.ThreadPermissions);
        }

        Assert.Equal(0, h.Emulator.PermissionsIn(channel.Id, outsider) & 1024);
        h.Emulator.AssertNoViolations();
    }

    [Fact]
    public async Task EnsurePrivateChannel_ExistingChannelAllowingThreads_DeniesThemOnReconciliation()
    {
        await using var h = await AdapterHarness.StartAsync();
        var ana = h.Emulator.AddMember("ana");
        var category = h.Emulator.AddChannel("Peer Support", type: 4);
        var old = h.Emulator.AddChannel("circle", parentId: category.Id);
        old.Overwrites.Add(new EmulatedOverwrite(DiscordEmulator.GuildId, 0, 0, 1024));
        old.Overwrites.Add(new EmulatedOverwrite(ana, 1, 68608, 0));
        old.Overwrites.Add(new EmulatedOverwrite(DiscordEmulator.BotUserId, 1, 68608, 0));
        Assert.NotEqual(0, h.Emulator.PermissionsIn(old.Id, ana) & DiscordEmulator.ThreadPermissions);

        var channel = await h.Platform.EnsurePrivateChannelAsync(
            new PrivateChannelSpec("g1", "Circle", "t", [ana], new ChannelRef(PlatformKind.Discord, old.Id)), default);

        Assert.Equal(old.Id, channel.Id);
        Assert.Contains(new EmulatedOverwrite(ana, 1, 68608, DiscordEmulator.ThreadPermissions), old.Overwrites);
        Assert.Equal(0, h.Emulator.PermissionsIn(old.Id, ana) & DiscordEmulator.ThreadPermissions);
        h.Emulator.AssertNoViolations();
    }

    [Fact]
    public async Task EnsurePrivateChannel_BotLacksThreadPermissions_RefusedAsDiscordDoes()
    {
        // A bot can deny in an overwrite only what it holds: invited with the old permission set, into a server whose
        // @everyone role cannot start threads, it cannot deny threads to members.
        await using var h = await AdapterHarness.StartAsync(prepare: e =>
        {
            e.EveryonePermissions = 1024 | 2048 | 65536;
            e.BotPermissions = DiscordEmulator.RequiredPermissions & ~DiscordEmulator.ThreadPermissions;
        });
        var ana = h.Emulator.AddMember("ana");

        var ex = await Assert.ThrowsAsync<PlatformException>(() => h.Platform.EnsurePrivateChannelAsync(new PrivateChannelSpec("g1", "Circle", "t", [ana], null), default));

        Assert.Equal(PlatformErrorKind.MissingPermission, ex.Kind);
        Assert.Contains("Create Private Threads", ex.Message, StringComparison.Ordinal);
        Assert.DoesNotContain(h.Emulator.Channels, c => c.Type == 0);
    }

    [Fact]
    public async Task ChannelAndOverwriteChanges_CarryAnUrlEncodedAuditLogReason()
    {
        await using var h = await AdapterHarness.StartAsync();
        var ana = h.Emulator.AddMember("ana");
        var ben = h.Emulator.AddMember("ben");

        var channel = await h.Platform.EnsurePrivateChannelAsync(new PrivateChannelSpec("g1", "Circle", "t", [ana], null), default);
        await h.Platform.AddMemberAsync(channel, ben, default);
        await h.Platform.RemoveMemberAsync(channel, ben, default);
        await h.Platform.ArchiveChannelAsync(channel, default);

        var routes = h.Emulator.AuditReasons.Select(a => a.Route).ToHashSet();
        Assert.Equal(
            new HashSet<string>
            {
                "POST /guilds/{guild_id}/channels",
                "PUT /channels/{channel_id}/permissions/{overwrite_id}",
                "DELETE /channels/{channel_id}/permissions/{overwrite_id}",
                "PATCH /channels/{channel_id}",
            },
            routes);
        Assert.Contains(h.Emulator.AuditReasons, a => a.Reason == "PeerBot: member added to a peer-support group");
        Assert.All(h.Emulator.AuditReasons, a => Assert.DoesNotContain(ana, a.Reason, StringComparison.Ordinal));
        h.Emulator.AssertNoViolations();
    }

    [Fact]
    public async Task AddAndRemoveMember_ChangeOverwritesAndToleratesRepeats()
    {
        await using var h = await AdapterHarness.StartAsync();
        var ana = h.Emulator.AddMember("ana");
        var ben = h.Emulator.AddMember("ben");
        var channel = await h.Platform.EnsurePrivateChannelAsync(new PrivateChannelSpec("g1", "Circle", "t", [ana], null), default);

        await h.Platform.AddMemberAsync(channel, ben, default);
        await h.Platform.AddMemberAsync(channel, ben, default);
        Assert.Contains(new EmulatedOverwrite(ben, 1, 68608, DiscordEmulator.ThreadPermissions), h.Emulator.FindChannel(channel.Id)!.Overwrites);
        await h.Platform.RemoveMemberAsync(channel, ben, default);
        await h.Platform.RemoveMemberAsync(channel, ben, default);

        Assert.DoesNotContain(h.Emulator.FindChannel(channel.Id)!.Overwrites, o => o.Id == ben);
        h.Emulator.AssertNoViolations();
    }

    [Fact]
    public async Task ArchiveChannel_MovesToArchiveCategoryReadOnly()
    {
        await using var h = await AdapterHarness.StartAsync();
        var ana = h.Emulator.AddMember("ana");
        var channel = await h.Platform.EnsurePrivateChannelAsync(new PrivateChannelSpec("g1", "Circle", "t", [ana], null), default);

        await h.Platform.ArchiveChannelAsync(channel, default);
        await h.Platform.ArchiveChannelAsync(channel, default);

        var archived = h.Emulator.FindChannel(channel.Id)!;
        Assert.Equal("Peer Support Archive", h.Emulator.FindChannel(archived.ParentId!)!.Name);
        Assert.Contains(new EmulatedOverwrite(ana, 1, 1024 | 65536, 2048 | DiscordEmulator.ThreadPermissions), archived.Overwrites);
        Assert.Contains(new EmulatedOverwrite(DiscordEmulator.GuildId, 0, 0, 1024), archived.Overwrites);
        Assert.Single(h.Emulator.Channels, c => c.Type == 0);
        h.Emulator.AssertNoViolations();
    }

    [Fact]
    public async Task PostMessage_PingsNobodySuppressesPreviewsAndEscapesText()
    {
        await using var h = await AdapterHarness.StartAsync();
        var channel = await h.Platform.EnsurePrivateChannelAsync(new PrivateChannelSpec("g1", "Circle", "t", [], null), default);
        var message = new OutgoingMessage(
            [new HeadingBlock("Prompt"), new ParagraphBlock([new TextSpan("@everyone look *here* <@123> https://x.example")]), new QuoteBlock("a\nb")],
            [new MessageButton("Acknowledge", "ack:A1", ButtonStyle.Primary)]);

        var sent = await h.Platform.PostMessageAsync(channel, message, default);

        var stored = Assert.Single(h.Emulator.MessagesIn(channel.Id));
        Assert.Equal(sent.Id, stored.Id);
        Assert.Equal("{\"parse\":[]}", stored.AllowedMentions!.ToJsonString());
        Assert.Equal(4, stored.Flags & 4);
        Assert.NotNull(stored.Nonce);
        Assert.DoesNotContain("@everyone", stored.Content, StringComparison.Ordinal);
        Assert.DoesNotContain("<@123>", stored.Content, StringComparison.Ordinal);
        Assert.Contains("\\*here\\*", stored.Content, StringComparison.Ordinal);
        Assert.StartsWith("**Prompt**", stored.Content, StringComparison.Ordinal);
        Assert.Equal("ack:A1", stored.Components![0]!["components"]![0]!["custom_id"]!.GetValue<string>());
        h.Emulator.AssertNoViolations();
    }

    [Fact]
    public async Task PostMessage_SameIdempotencyKeyTwice_PostsOnce()
    {
        await using var h = await AdapterHarness.StartAsync();
        var channel = await h.Platform.EnsurePrivateChannelAsync(new PrivateChannelSpec("g1", "Circle", "t", [], null), default);

        var a = await h.Platform.PostMessageAsync(channel, OutgoingMessage.Plain("hello", "post-17"), default);
        var b = await h.Platform.PostMessageAsync(channel, OutgoingMessage.Plain("hello", "post-17"), default);

        Assert.Equal(a, b);
        Assert.Single(h.Emulator.MessagesIn(channel.Id));
    }

    [Fact]
    public async Task PostMessage_LongerThan2000_SplitsWithButtonsOnLast()
    {
        await using var h = await AdapterHarness.StartAsync();
        var channel = await h.Platform.EnsurePrivateChannelAsync(new PrivateChannelSpec("g1", "Circle", "t", [], null), default);
        var text = string.Join("\n", Enumerable.Range(0, 300).Select(i => "line number " + i));

        var sent = await h.Platform.PostMessageAsync(channel, new OutgoingMessage([new ParagraphBlock(text)], [new MessageButton("Ok", "ok")]), default);

        var messages = h.Emulator.MessagesIn(channel.Id);
        Assert.True(messages.Count >= 2);
        Assert.All(messages, m => Assert.True(m.Content.Length <= 2000));
        Assert.Equal(string.Join(',', messages.Select(m => m.Id)), sent.Id);
        Assert.NotNull(messages[^1].Components);
        h.Emulator.AssertNoViolations();
    }

    [Fact]
    public async Task DeleteMessage_PostedInSeveralParts_RemovesEveryPart()
    {
        // An anonymous post longer than one Discord message: "/peer anon remove" must take all of it down.
        await using var h = await AdapterHarness.StartAsync();
        var channel = await h.Platform.EnsurePrivateChannelAsync(new PrivateChannelSpec("g1", "Circle", "t", [], null), default);
        await h.Platform.PostMessageAsync(channel, OutgoingMessage.Plain("before"), default);
        var text = string.Join("\n", Enumerable.Range(0, 300).Select(i => "line number " + i));
        var post = await h.Platform.PostMessageAsync(channel, new OutgoingMessage([new QuoteBlock(text)], []), default);
        Assert.True(h.Emulator.MessagesIn(channel.Id).Count >= 3);

        await h.Platform.DeleteMessageAsync(post, default);

        Assert.Equal(["before"], h.Emulator.MessagesIn(channel.Id).Select(m => m.Content));
        h.Emulator.AssertNoViolations();
    }

    [Fact]
    public async Task UpdateMessage_PostedInSeveralParts_EditsEachPartAndDropsTheOnesNoLongerNeeded()
    {
        await using var h = await AdapterHarness.StartAsync();
        var channel = await h.Platform.EnsurePrivateChannelAsync(new PrivateChannelSpec("g1", "Circle", "t", [], null), default);
        var text = string.Join("\n", Enumerable.Range(0, 300).Select(i => "line number " + i));
        var sent = await h.Platform.PostMessageAsync(channel, new OutgoingMessage([new ParagraphBlock(text)], [new MessageButton("Ok", "ok")]), default);

        await h.Platform.UpdateMessageAsync(sent, new OutgoingMessage([new ParagraphBlock("now short")], [new MessageButton("Done", "done")]), default);

        var message = Assert.Single(h.Emulator.MessagesIn(channel.Id));
        Assert.Equal("now short", message.Content);
        Assert.Contains("done", message.Components!.ToJsonString(), StringComparison.Ordinal);
        h.Emulator.AssertNoViolations();
    }

    [Fact]
    public async Task SendDirectMessage_OpensDmOnceAndPosts()
    {
        await using var h = await AdapterHarness.StartAsync();
        var ana = h.Emulator.AddMember("ana");

        await h.Platform.SendDirectMessageAsync(ana, OutgoingMessage.Plain("one"), default);
        await h.Platform.SendDirectMessageAsync(ana, OutgoingMessage.Plain("two"), default);

        var dm = h.Emulator.DirectChannel(ana)!;
        Assert.Equal(["one", "two"], h.Emulator.MessagesIn(dm.Id).Select(m => m.Content));
        Assert.Single(h.Emulator.Requests, r => r.Path == "/users/@me/channels");
        h.Emulator.AssertNoViolations();
    }

    [Fact]
    public async Task UpdateAndDeleteMessage_EditAndRemoveAndTolerateGone()
    {
        await using var h = await AdapterHarness.StartAsync();
        var channel = await h.Platform.EnsurePrivateChannelAsync(new PrivateChannelSpec("g1", "Circle", "t", [], null), default);
        var sent = await h.Platform.PostMessageAsync(channel, new OutgoingMessage([new ParagraphBlock("alert")], [new MessageButton("Ack", "ack:1")]), default);

        await h.Platform.UpdateMessageAsync(sent, OutgoingMessage.Plain("acknowledged"), default);
        Assert.Equal("acknowledged", h.Emulator.MessagesIn(channel.Id)[0].Content);
        Assert.Empty(h.Emulator.MessagesIn(channel.Id)[0].Components!.AsArray());
        await h.Platform.DeleteMessageAsync(sent, default);
        await h.Platform.DeleteMessageAsync(sent, default);

        Assert.Empty(h.Emulator.MessagesIn(channel.Id));
        h.Emulator.AssertNoViolations();
    }

    [Fact]
    public async Task ResolveUser_IdOrUsername_ResolvesThroughMemberSearch()
    {
        await using var h = await AdapterHarness.StartAsync();
        var ana = h.Emulator.AddMember("ana.r");
        h.Emulator.AddMember("ana.rb");

        Assert.Equal("111111111111111111", await h.Platform.ResolveUserAsync("111111111111111111", default));
        Assert.Equal(ana, await h.Platform.ResolveUserAsync("ana.r", default));
        Assert.Null(await h.Platform.ResolveUserAsync("nobody", default));
        h.Emulator.AssertNoViolations();
    }

    [Fact]
    public async Task ResolveUser_MoreThanTenMembersShareThePrefix_FindsTheExactUsername()
    {
        await using var h = await AdapterHarness.StartAsync();
        for (var i = 0; i < 15; i++)
        {
            h.Emulator.AddMember("ana." + i.ToString(System.Globalization.CultureInfo.InvariantCulture));
        }

        var ana = h.Emulator.AddMember("ana");

        Assert.Equal(ana, await h.Platform.ResolveUserAsync("ana", default));
        h.Emulator.AssertNoViolations();
    }

    [Fact]
    public async Task PostMessage_EmojiAcrossTheLengthLimit_PostsWholeCharactersInTwoParts()
    {
        await using var h = await AdapterHarness.StartAsync();
        var group = await h.Platform.EnsurePrivateChannelAsync(new PrivateChannelSpec("g1", "Circle", "t", [], null), default);
        var text = new string('a', 1999) + "\U0001F600" + new string('b', 10);

        await h.Platform.PostMessageAsync(group, OutgoingMessage.Plain(text), default);

        var parts = h.Emulator.MessagesIn(group.Id).Select(m => m.Content).ToList();
        Assert.Equal(2, parts.Count);
        Assert.Equal(text, string.Concat(parts));
        h.Emulator.AssertNoViolations();
    }

    [Fact]
    public async Task EnsurePrivateChannel_BotLacksManageChannels_NamesThePermission()
    {
        await using var h = await AdapterHarness.StartAsync();
        h.Emulator.BotPermissions = 1024 | 2048;

        var ex = await Assert.ThrowsAsync<PlatformException>(() => h.Platform.EnsurePrivateChannelAsync(new PrivateChannelSpec("g1", "Circle", "t", [], null), default));

        Assert.Equal(PlatformErrorKind.MissingPermission, ex.Kind);
        Assert.Contains("Manage Channels", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task SendDirectMessage_UnknownUser_IsNotFound()
    {
        await using var h = await AdapterHarness.StartAsync();

        var ex = await Assert.ThrowsAsync<PlatformException>(() => h.Platform.SendDirectMessageAsync("999999999999999999", OutgoingMessage.Plain("x"), default));

        Assert.Equal(PlatformErrorKind.NotFound, ex.Kind);
    }

    [Fact]
    public async Task EnsurePrivateChannel_ManyNewGroups_ListsGuildChannelsOnceAndCreatesEachInOneRequest()
    {
        await using var h = await AdapterHarness.StartAsync();
        var ana = h.Emulator.AddMember("ana");
        var lee = h.Emulator.AddMember("dr-lee");
        var before = h.Emulator.Requests.Count;

        for (var g = 0; g < 20; g++)
        {
            await h.Platform.EnsurePrivateChannelAsync(new PrivateChannelSpec($"g{g}", $"Circle {g}", "t", [ana, lee], null), default);
        }

        var requests = h.Emulator.Requests.Skip(before).ToList();
        Assert.Equal(20, h.Emulator.Channels.Count(c => c.Type == 0));
        Assert.Equal(20, requests.Count(r => r.Route == "POST /guilds/{guild_id}/channels" && r.Body!["type"]!.GetValue<int>() == 0));

        // At most one listing, to find the categories, count their room and look for channels a lost answer may have
        // made; not one per group. (The start's check of archived channels may already have listed them.)
        Assert.InRange(requests.Count(r => r.Route == "GET /guilds/{guild_id}/channels"), 0, 1);
        Assert.InRange(h.Emulator.Requests.Count(r => r.Route == "GET /guilds/{guild_id}/channels"), 1, 2);
        Assert.DoesNotContain(requests, r => r.Method == "PUT");
        h.Emulator.AssertNoViolations();
    }

    [Fact]
    public async Task EnsurePrivateChannel_CreateFailedAfterListing_LooksAgainAndAdoptsChannelOfSameName()
    {
        await using var h = await AdapterHarness.StartAsync();
        var ana = h.Emulator.AddMember("ana");
        var first = await h.Platform.EnsurePrivateChannelAsync(new PrivateChannelSpec("g1", "Circle", "t", [ana], null), default);
        var categoryId = h.Emulator.FindChannel(first.Id)!.ParentId;

        // The create of the second group reached Discord but its answers never came back.
        var made = h.Emulator.AddChannel("circle-b", 0, categoryId);
        h.Emulator.FailNext("POST /guilds/{guild_id}/channels", 500, count: 10);
        var adopted = await h.Platform.EnsurePrivateChannelAsync(new PrivateChannelSpec("g2", "Circle B", "t", [ana], null), default);

        var second = await h.Platform.EnsurePrivateChannelAsync(new PrivateChannelSpec("g2", "Circle B", "t", [ana], null), default);

        Assert.Equal(made.Id, adopted.Id);
        Assert.Equal(made.Id, second.Id);
        Assert.Single(h.Emulator.Channels, c => c.Name == "circle-b");
        Assert.Contains(new EmulatedOverwrite(ana, 1, 68608, DiscordEmulator.ThreadPermissions), h.Emulator.FindChannel(made.Id)!.Overwrites);
    }
}
