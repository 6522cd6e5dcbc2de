using PeerBot.Core.Platform;
using PeerBot.Testing.Discord;

namespace PeerBot.Discord.Tests;

public sealed class InboundTests
{
    [Fact]
    public async Task Messages_InGroupChannelAndDm_ReachCoreButBotsAndOtherChannelsDoNot()
    {
        await using var h = await AdapterHarness.StartAsync();
        var ana = h.Emulator.AddMember("ana");
        var otherBot = h.Emulator.AddMember("otherbot", bot: true);
        var group = await h.Platform.EnsurePrivateChannelAsync(new PrivateChannelSpec("g1", "Circle", "t", [ana], null), default);
        var general = h.Emulator.AddChannel("general");
        var dm = h.Emulator.OpenDirectChannel(ana);

        await h.Platform.PostMessageAsync(group, OutgoingMessage.Plain("from the bot"), default);
        await h.Emulator.InjectMessageAsync(group.Id, otherBot, "from another bot");
        await h.Emulator.InjectMessageAsync(general.Id, ana, "in general");
        var inGroup = await h.Emulator.InjectMessageAsync(group.Id, ana, "hard night", attachments: true);
        var direct = await h.Emulator.InjectMessageAsync(dm.Id, ana, "can I share something");

        await h.Handler.WaitUntilAsync(() => h.Handler.Messages.Count >= 2, "two messages");
        var messages = h.Handler.Messages;
        Assert.Equal(2, messages.Count);
        Assert.Equal(new IncomingMessage(PlatformKind.Discord, group.Id, inGroup, ana, "hard night", messages[0].Timestamp, false, true), messages[0]);
        Assert.Equal(direct, messages[1].MessageId);
        Assert.True(messages[1].IsDirect);
        Assert.Equal(dm.Id, messages[1].ChannelId);
        h.Emulator.AssertNoViolations();
    }

    [Fact]
    public async Task Edits_InGroupChannel_ReachCoreOncePerDistinctText_PreviewsAndOtherChannelsDoNot()
    {
        await using var h = await AdapterHarness.StartAsync();
        var ana = h.Emulator.AddMember("ana");
        var group = await h.Platform.EnsurePrivateChannelAsync(new PrivateChannelSpec("g1", "Circle", "t", [ana], null), default);
        var general = h.Emulator.AddChannel("general");
        var inGroup = await h.Emulator.InjectMessageAsync(group.Id, ana, "long night on call");
        var elsewhere = await h.Emulator.InjectMessageAsync(general.Id, ana, "lunch?");
        await h.Handler.WaitUntilAsync(() => h.Handler.Messages.Count == 1, "the group message");

        await h.Emulator.EditMessageAsync(group.Id, inGroup, null);
        await h.Emulator.EditMessageAsync(general.Id, elsewhere, "lunch at 1?");
        await h.Emulator.EditMessageAsync(group.Id, inGroup, "long night on call");
        await h.Emulator.EditMessageAsync(group.Id, inGroup, "long night on call. honestly i want to die");
        await h.Emulator.EditMessageAsync(group.Id, inGroup, "long night on call. honestly i want to die");
        await h.Emulator.InjectMessageAsync(group.Id, ana, "marker");
        await h.Handler.WaitUntilAsync(() => h.Handler.Messages.Count == 2, "the marker after the edits");

        var edit = Assert.Single(h.Handler.Edits);
        Assert.Equal(new MessageEdited(PlatformKind.Discord, group.Id, inGroup, ana, "long night on call. honestly i want to die", edit.EditedAt, false), edit);
        h.Emulator.AssertNoViolations();
    }

    [Fact]
    public async Task Messages_InExistingCategoryChannelAtStart_ReachCore()
    {
        EmulatedChannel? existing = null;
        await using var h = await AdapterHarness.StartAsync(prepare: e =>
        {
            var category = e.AddChannel("Peer Support", type: 4);
            existing = e.AddChannel("old-circle", parentId: category.Id);
        });
        var ana = h.Emulator.AddMember("ana");

        await h.Emulator.InjectMessageAsync(existing!.Id, ana, "still here");

        await h.Handler.WaitUntilAsync(() => h.Handler.Messages.Count == 1, "the message");
        Assert.Equal(existing.Id, h.Handler.Messages[0].ChannelId);
    }
}
