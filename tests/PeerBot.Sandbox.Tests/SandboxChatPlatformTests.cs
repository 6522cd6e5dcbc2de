using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;
using PeerBot.Core.Configuration;
using PeerBot.Core.People;
using PeerBot.Core.Platform;
using PeerBot.Sandbox.Tests.Support;
using PeerBot.Sandbox.Workspace;
using PeerBot.Storage;

namespace PeerBot.Sandbox.Tests;

public sealed class SandboxChatPlatformTests : IDisposable
{
    private static readonly string[] Circle = ["ana", "ben", "dr-lee"];
    private readonly FakeTimeProvider _time = new(new DateTimeOffset(2026, 11, 2, 18, 0, 0, TimeSpan.Zero));
    private readonly PeerBotOptions _options = new()
    {
        People =
        [
            new PersonOptions { Id = "ana", Name = "Ana R.", Role = PersonRole.Resident, Pgy = 1, Discord = "111111111111111101", Slack = "ana.r@example.edu" },
            new PersonOptions { Id = "ben", Name = "Ben T.", Role = PersonRole.Resident, Pgy = 1 },
            new PersonOptions { Id = "chloe", Name = "Chloe M.", Role = PersonRole.Resident, Pgy = 2 },
            new PersonOptions { Id = "dr-lee", Name = "Dr. Sam Lee", Role = PersonRole.Alumni },
        ],
    };

    private static readonly System.Text.Json.JsonSerializerOptions WebJson = new(System.Text.Json.JsonSerializerDefaults.Web);
    private readonly PeerBotDatabase _database = PeerBotDatabase.OpenInMemory();
    private readonly SandboxEventHub _hub = new();
    private readonly PeopleDirectory _people;
    private readonly SandboxWorkspace _workspace;
    private readonly SandboxChatPlatform _platform;

    public SandboxChatPlatformTests()
    {
        _people = new PeopleDirectory(_options.People);
        _workspace = new SandboxWorkspace(new SandboxStore(_database), _time, _hub, _people);
        _platform = new SandboxChatPlatform(_workspace, Options.Create(_options), _people);
    }

    public void Dispose() => _database.Dispose();

    [Fact]
    public void Constructor_EveryConfiguredPerson_IsKnownByTheirIdInTheSandbox()
    {
        Assert.Equal("ana", _people.PlatformUserId("ana", PlatformKind.Sandbox));
        Assert.Equal("Dr. Sam Lee", _people.FindByPlatformUser(PlatformKind.Sandbox, "dr-lee")?.Name);
    }

    [Fact]
    public async Task EnsurePrivateChannel_Again_AdjustsTheSameChannel()
    {
        var first = await _platform.EnsurePrivateChannelAsync(Spec(Circle, null), default);
        var second = await _platform.EnsurePrivateChannelAsync(Spec(["ana", "chloe", "dr-lee"], first) with { Name = "Tuesday Circle (renamed)" }, default);

        Assert.Equal(first, second);
        Assert.Equal(PlatformKind.Sandbox, second.Platform);
        var channel = _workspace.FindChannel(second.Id)!;
        Assert.Equal("Tuesday Circle (renamed)", channel.Name);
        Assert.Equal(["ana", "chloe", "dr-lee"], channel.Members);
    }

    [Fact]
    public async Task EnsurePrivateChannel_SameGroupWithoutTheEarlierRef_ReusesItsChannel()
    {
        var first = await _platform.EnsurePrivateChannelAsync(Spec(Circle, null), default);
        var second = await _platform.EnsurePrivateChannelAsync(Spec(Circle, null), default);

        Assert.Equal(first, second);
        Assert.Single(_workspace.VisibleTo("ana"), c => c.Kind == SandboxChannelKind.Private);
    }

    [Fact]
    public async Task EnsurePrivateChannel_ArchivedGroupBack_IsWritableAgain()
    {
        var channel = await _platform.EnsurePrivateChannelAsync(Spec(Circle, null), default);
        await _platform.ArchiveChannelAsync(channel, default);
        await _platform.ArchiveChannelAsync(channel, default);
        await Assert.ThrowsAsync<PlatformException>(() => _platform.PostMessageAsync(channel, OutgoingMessage.Plain("hello"), default));

        await _platform.EnsurePrivateChannelAsync(Spec(Circle, channel), default);

        var posted = await _platform.PostMessageAsync(channel, OutgoingMessage.Plain("hello again"), default);
        Assert.Equal(channel, posted.Channel);
    }

    [Fact]
    public async Task VisibleTo_SomeoneOutsideTheGroup_SeesTheLobbyButNotTheGroup()
    {
        _workspace.EnsureGeneral("welcome");
        var channel = await _platform.EnsurePrivateChannelAsync(Spec(Circle, null), default);

        Assert.Contains(_workspace.VisibleTo("ana"), c => c.Id == channel.Id);
        Assert.DoesNotContain(_workspace.VisibleTo("chloe"), c => c.Id == channel.Id);
        Assert.Contains(_workspace.VisibleTo("chloe"), c => c.Id == SandboxWorkspace.GeneralChannelId);
        Assert.Null(_workspace.FindVisible("chloe", channel.Id));
    }

    [Fact]
    public async Task AddAndRemoveMember_ChangeWhoSeesTheGroup()
    {
        var channel = await _platform.EnsurePrivateChannelAsync(Spec(Circle, null), default);

        await _platform.AddMemberAsync(channel, "chloe", default);
        await _platform.AddMemberAsync(channel, "chloe", default);
        Assert.NotNull(_workspace.FindVisible("chloe", channel.Id));

        await _platform.RemoveMemberAsync(channel, "ana", default);
        await _platform.RemoveMemberAsync(channel, "ana", default);
        Assert.Null(_workspace.FindVisible("ana", channel.Id));
        Assert.Equal(["ben", "dr-lee", "chloe"], _workspace.FindChannel(channel.Id)!.Members);
    }

    [Fact]
    public async Task SendDirectMessage_MakesADmOnlyThatPersonSees()
    {
        var sent = await _platform.SendDirectMessageAsync("dr-lee", OutgoingMessage.Plain("An alert"), default);

        Assert.Equal(SandboxWorkspace.DirectChannelId("dr-lee"), sent.Channel.Id);
        Assert.NotNull(_workspace.FindVisible("dr-lee", sent.Channel.Id));
        Assert.Null(_workspace.FindVisible("ana", sent.Channel.Id));
        var message = Assert.Single(_workspace.Messages(sent.Channel.Id));
        Assert.True(message.IsBot);
        Assert.Equal("An alert", message.Content.ToPlainText());
    }

    [Theory]
    [InlineData(MessageTone.Crisis, "crisis")]
    [InlineData(MessageTone.Warning, "warning")]
    [InlineData(MessageTone.Normal, null)]
    public async Task SendDirectMessage_Tone_KeptForThePageAndAcrossAnUpdate(MessageTone tone, string? expected)
    {
        var sent = await _platform.SendDirectMessageAsync("dr-lee", OutgoingMessage.Plain("Crisis alert") with { Tone = tone }, default);
        await _platform.UpdateMessageAsync(sent, OutgoingMessage.Plain("Crisis alert, acknowledged") with { Tone = tone }, default);

        var content = Assert.Single(_workspace.Messages(sent.Channel.Id)).Content;
        Assert.Equal(expected, content.Tone);
        var json = System.Text.Json.JsonSerializer.Serialize(content, WebJson);
        Assert.Equal(expected is not null, json.Contains($"\"tone\":\"{expected}\"", StringComparison.Ordinal));
    }

    [Fact]
    public async Task SendDirectMessage_ToSomeoneNotInTheRoster_CannotMessageUser()
    {
        var error = await Assert.ThrowsAsync<PlatformException>(() => _platform.SendDirectMessageAsync("nobody", OutgoingMessage.Plain("hi"), default));

        Assert.Equal(PlatformErrorKind.CannotMessageUser, error.Kind);
    }

    [Fact]
    public async Task PostMessage_SameKeyTwice_PostedTwiceAsOnTheRealPlatforms_AndFoundByItsMarker()
    {
        // Only PeerBot's send journal stops a second post; the sandbox, like Discord past its nonce window and Slack,
        // does not, so no test passes because the double forgives.
        var channel = await _platform.EnsurePrivateChannelAsync(Spec(Circle, null), default);

        var first = await _platform.PostMessageAsync(channel, OutgoingMessage.Plain("Prompt of the week", "prompt:1"), default);
        var second = await _platform.PostMessageAsync(channel, OutgoingMessage.Plain("Prompt of the week", "prompt:1"), default);
        var found = await _platform.FindSentAsync(new SentMessageQuery(channel, null, OutgoingMessage.Plain("x", "prompt:1"), SendMarker.Of(PlatformKind.Sandbox, "prompt:1"), DateTimeOffset.MinValue, false), default);
        var other = await _platform.FindSentAsync(new SentMessageQuery(channel, null, OutgoingMessage.Plain("x", "prompt:2"), SendMarker.Of(PlatformKind.Sandbox, "prompt:2"), DateTimeOffset.MinValue, false), default);

        Assert.NotEqual(first, second);
        Assert.Equal(2, _workspace.Messages(channel.Id).Count);
        Assert.Equal(first, found);
        Assert.Null(other);
    }

    [Fact]
    public async Task PostMessage_ThroughTheSendJournal_RetriedWithTheSameKey_PostsOnce()
    {
        var channel = await _platform.EnsurePrivateChannelAsync(Spec(Circle, null), default);
        var journal = new InMemorySendJournal();
        var platform = new ExactlyOncePlatform(_platform, journal, TimeProvider.System);

        var first = await platform.PostMessageAsync(channel, OutgoingMessage.Plain("Prompt of the week", "prompt:1"), default);

        // A restart that lost the completion: the intent alone is left, and the message is found by its marker.
        journal.Save(Assert.Single(journal.Records) with { Sent = false, ChannelId = null, MessageId = null });
        var retry = await new ExactlyOncePlatform(_platform, journal, TimeProvider.System).PostMessageAsync(channel, OutgoingMessage.Plain("Prompt of the week", "prompt:1"), default);

        Assert.Equal(first, retry);
        Assert.Single(_workspace.Messages(channel.Id));
    }

    [Fact]
    public async Task PostMessage_RichContent_KeepsBlocksSpansAndButtons()
    {
        var channel = await _platform.EnsurePrivateChannelAsync(Spec(Circle, null), default);
        var message = new OutgoingMessage(
            [
                new HeadingBlock("Spiral"),
                new ParagraphBlock([new TextSpan("Alert "), new TextSpan("A1", SpanStyle.Code | SpanStyle.Bold)]),
                new ListBlock([[new TextSpan("one")], [new TextSpan("two", SpanStyle.Italic)]]),
                new QuoteBlock("<b>not markup</b>"),
            ],
            [new MessageButton("Acknowledge", "ack:A1", ButtonStyle.Primary)]);

        await _platform.PostMessageAsync(channel, message, default);

        var content = Assert.Single(_workspace.Messages(channel.Id)).Content;
        Assert.Equal(["heading", "paragraph", "list", "quote"], content.Blocks.Select(b => b.Kind));
        Assert.Equal(new SandboxSpan("A1", Bold: true, Code: true), content.Blocks[1].Spans![1]);
        Assert.True(content.Blocks[2].Items![1][0].Italic);
        Assert.Equal("<b>not markup</b>", content.Blocks[3].Text);
        Assert.Equal(new SandboxButton("Acknowledge", "ack:A1", "primary"), Assert.Single(content.Buttons));
    }

    [Fact]
    public async Task UpdateMessage_ReplacesContentAndMarksItEdited()
    {
        var sent = await _platform.SendDirectMessageAsync("dr-lee", OutgoingMessage.Plain("Alert: open"), default);

        await _platform.UpdateMessageAsync(sent, OutgoingMessage.Plain("Alert: acknowledged"), default);

        var message = Assert.Single(_workspace.Messages(sent.Channel.Id));
        Assert.Equal("Alert: acknowledged", message.Content.ToPlainText());
        Assert.True(message.Edited);
    }

    [Fact]
    public async Task UpdateMessage_Missing_IsNotFound()
    {
        var channel = await _platform.EnsurePrivateChannelAsync(Spec(Circle, null), default);

        var error = await Assert.ThrowsAsync<PlatformException>(() =>
            _platform.UpdateMessageAsync(new MessageRef(channel, "M999"), OutgoingMessage.Plain("x"), default));

        Assert.Equal(PlatformErrorKind.NotFound, error.Kind);
    }

    [Fact]
    public async Task DeleteMessage_TwiceOrMissing_IsNotAnError()
    {
        var channel = await _platform.EnsurePrivateChannelAsync(Spec(Circle, null), default);
        var posted = await _platform.PostMessageAsync(channel, OutgoingMessage.Plain("to remove"), default);

        await _platform.DeleteMessageAsync(posted, default);
        await _platform.DeleteMessageAsync(posted, default);

        Assert.Empty(_workspace.Messages(channel.Id));
    }

    [Fact]
    public async Task PostMessage_ToAnotherPlatformsChannel_IsNotFound()
    {
        var error = await Assert.ThrowsAsync<PlatformException>(() =>
            _platform.PostMessageAsync(new ChannelRef(PlatformKind.Discord, "123"), OutgoingMessage.Plain("x"), default));

        Assert.Equal(PlatformErrorKind.NotFound, error.Kind);
    }

    [Theory]
    [InlineData("ana")]
    [InlineData("ANA")]
    [InlineData("Ana R.")]
    [InlineData("111111111111111101")]
    [InlineData("ana.r@example.edu")]
    public async Task ResolveUser_ByIdNameOrAConfiguredHandle_IsThePersonsId(string nameOrId)
    {
        Assert.Equal("ana", await _platform.ResolveUserAsync(nameOrId, default));
    }

    [Fact]
    public async Task ResolveUser_Unknown_IsNull()
    {
        Assert.Null(await _platform.ResolveUserAsync("zed", default));
    }

    [Fact]
    public async Task PostMessage_InAGroup_ReachesOnlyItsMembersPages()
    {
        var channel = await _platform.EnsurePrivateChannelAsync(Spec(Circle, null), default);
        using var member = _hub.Subscribe("ana");
        using var outsider = _hub.Subscribe("chloe");

        await _platform.PostMessageAsync(channel, OutgoingMessage.Plain("for the group"), default);
        _workspace.EnsureGeneral("welcome to everyone");
        _workspace.Post(SandboxWorkspace.GeneralChannelId, "ben", SandboxContent.PlainText("hello lobby"));

        Assert.True(member.Reader.TryRead(out var first));
        Assert.Equal("for the group", ((SandboxMessageView)first.Payload).Content.ToPlainText());
        Assert.True(outsider.Reader.TryRead(out var onlyLobby));
        Assert.Equal("hello lobby", ((SandboxMessageView)onlyLobby.Payload).Content.ToPlainText());
        Assert.False(outsider.Reader.TryRead(out _));
    }

    [Fact]
    public async Task Workspace_ReopenedFromItsFile_KeepsChannelsAndMessagesAndCountsOn()
    {
        using var folder = new TempFolder();
        var path = folder.File("sandbox.db");
        ChannelRef channel;
        using (var database = PeerBotDatabase.OpenFile(path))
        {
            var platform = new SandboxChatPlatform(new SandboxWorkspace(new SandboxStore(database), _time, _hub, _people), Options.Create(_options), _people);
            channel = await platform.EnsurePrivateChannelAsync(Spec(Circle, null), default);
            await platform.PostMessageAsync(channel, OutgoingMessage.Plain("before the restart"), default);
        }

        using (var database = PeerBotDatabase.OpenFile(path))
        {
            var workspace = new SandboxWorkspace(new SandboxStore(database), _time, _hub, _people);
            var platform = new SandboxChatPlatform(workspace, Options.Create(_options), _people);
            var again = await platform.EnsurePrivateChannelAsync(Spec(Circle, null), default);
            var after = await platform.PostMessageAsync(again, OutgoingMessage.Plain("after the restart"), default);

            Assert.Equal(channel, again);
            Assert.Equal(["before the restart", "after the restart"], workspace.Messages(channel.Id).Select(m => m.Content.ToPlainText()));
            Assert.Equal(2, workspace.Messages(channel.Id).Select(m => m.Id).Distinct().Count());
            Assert.NotEqual("M1", after.Id);
        }
    }

    private static PrivateChannelSpec Spec(IReadOnlyCollection<string> userIds, ChannelRef? existing) =>
        new("g-tuesday", "Tuesday Circle", "A peer-support group", userIds, existing);
}
