using System.Text.Json.Nodes;
using Microsoft.Extensions.DependencyInjection;
using PeerBot.Core.Configuration;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using PeerBot.Core.Platform;
using PeerBot.Slack.Tests.Support;
using PeerBot.Testing.Slack;

namespace PeerBot.Slack.Tests;

public sealed class SlackChatPlatformTests
{
    private static readonly CancellationToken None = CancellationToken.None;

    private static void People(SlackEmulator e)
    {
        e.AddUser("U0ANA", "ana", "ana@hospital.org");
        e.AddUser("U0BEN", "ben", "ben@hospital.org");
        e.AddUser("U0CY", "cy");
        e.AddUser("U0LEE", "dr-lee", "lee@hospital.org");
        e.AddUser("U0GONE", "gone", "gone@hospital.org", deleted: true);
    }

    [Fact]
    public async Task EnsurePrivateChannel_New_CreatesPrivateChannelWithTopicAndMembers()
    {
        await using var harness = await SlackHarness.StartAsync(People);

        var channel = await harness.Platform.EnsurePrivateChannelAsync(
            new PrivateChannelSpec("g1", "Tuesday Circle!", "Peer support: <Tuesday> & more", ["U0ANA", "U0BEN", "U0LEE"], null), None);

        var created = harness.Emulator.Channel(channel.Id);
        Assert.Equal(PlatformKind.Slack, channel.Platform);
        Assert.True(created.IsPrivate);
        Assert.Equal("tuesday-circle", created.Name);
        Assert.Equal("Peer support: &lt;Tuesday&gt; &amp; more", created.Topic);
        Assert.Equal(["U0ANA", "U0BEN", "U0LEE", SlackEmulator.BotUserId], created.Members.Order(StringComparer.Ordinal));
    }

    [Fact]
    public async Task EnsurePrivateChannel_New_InvitesEveryoneInOneCallWithoutListingMembers()
    {
        var ids = Enumerable.Range(0, 150).Select(i => $"U0P{i:D4}").ToList();
        await using var harness = await SlackHarness.StartAsync(e => ids.ForEach(id => e.AddUser(id, id.ToLowerInvariant())));

        var channel = await harness.Platform.EnsurePrivateChannelAsync(new PrivateChannelSpec("g1", "big circle", "T", [.. ids, SlackEmulator.BotUserId], null), None);

        var invite = Assert.Single(harness.Emulator.Calls, c => c.Method == "conversations.invite");
        Assert.Equal(150, invite.Arguments["users"]!.GetValue<string>().Split(',').Length);
        Assert.DoesNotContain(harness.Emulator.Calls, c => c.Method == "conversations.members");
        Assert.Equal([.. ids, SlackEmulator.BotUserId], harness.Emulator.Channel(channel.Id).Members.Order(StringComparer.Ordinal));
    }

    [Fact]
    public async Task EnsurePrivateChannel_Existing_InvitesMissingAndKicksExtraAcrossPages()
    {
        await using var harness = await SlackHarness.StartAsync(People);
        var first = await harness.Platform.EnsurePrivateChannelAsync(
            new PrivateChannelSpec("g1", "circle", "Topic", ["U0ANA", "U0BEN", "U0CY"], null), None);
        var creates = harness.Emulator.Calls.Count(c => c.Method == "conversations.create");

        var second = await harness.Platform.EnsurePrivateChannelAsync(
            new PrivateChannelSpec("g1", "circle", "Topic", ["U0ANA", "U0LEE"], first), None);

        Assert.Equal(first, second);
        Assert.Equal(creates, harness.Emulator.Calls.Count(c => c.Method == "conversations.create"));
        Assert.Equal(["U0ANA", "U0LEE", SlackEmulator.BotUserId], harness.Emulator.Channel(first.Id).Members.Order(StringComparer.Ordinal));
        Assert.True(harness.Emulator.Calls.Count(c => c.Method == "conversations.members") >= 2, "members are read page by page");
        Assert.Single(harness.Emulator.Calls, c => c.Method == "conversations.setTopic");
    }

    [Fact]
    public async Task EnsurePrivateChannel_NameTakenBySomeoneElse_UsesDeterministicSuffix()
    {
        await using var harness = await SlackHarness.StartAsync(e =>
        {
            People(e);
            e.AddChannel("circle", isPrivate: true, "U0CY");
        });

        var channel = await harness.Platform.EnsurePrivateChannelAsync(new PrivateChannelSpec("g1", "circle", "T", ["U0ANA"], null), None);
        var again = await harness.Platform.EnsurePrivateChannelAsync(new PrivateChannelSpec("g1", "circle", "T", ["U0ANA"], null), None);

        var name = harness.Emulator.Channel(channel.Id).Name;
        Assert.StartsWith("circle-", name, StringComparison.Ordinal);
        Assert.Equal(channel, again);
    }

    [Fact]
    public async Task EnsurePrivateChannel_ExistingArchived_CreatesAFreshChannel()
    {
        await using var harness = await SlackHarness.StartAsync(People);
        var first = await harness.Platform.EnsurePrivateChannelAsync(new PrivateChannelSpec("g1", "circle", "T", ["U0ANA"], null), None);
        await harness.Platform.ArchiveChannelAsync(first, None);

        var second = await harness.Platform.EnsurePrivateChannelAsync(new PrivateChannelSpec("g1", "circle", "T", ["U0ANA"], first), None);

        Assert.NotEqual(first, second);
        Assert.False(harness.Emulator.Channel(second.Id).IsArchived);
        Assert.Contains("U0ANA", harness.Emulator.Channel(second.Id).Members);
    }

    private static readonly List<PersonOptions> Staff =
    [
        new() { Id = "casey", Name = "Casey", Role = PersonRole.Coordinator, Slack = "U0CASEY" },
        new() { Id = "dr-lee", Name = "Dr. Lee", Role = PersonRole.Alumni, Slack = "U0LEE" },
    ];

    private static void PeopleAndStaff(SlackEmulator e)
    {
        People(e);
        e.AddUser("U0CASEY", "casey", "casey@hospital.org");
        e.AddUser("U0ARCHIVER", "compliance-archiver", isBot: true);
    }

    private static void Groups(IServiceCollection services) =>
        services.AddSingleton<PeerBot.Core.Groups.IGroupDirectory>(new FixedGroupDirectory(FixedGroupDirectory.Group("g1", "Tuesday Circle", null, ["ana"], ["dr-lee"])));

    [Fact]
    public async Task EnsurePrivateChannel_Existing_LeavesOtherAppsBotsAndKeepsSyncingPastARefusedKick()
    {
        await using var harness = await SlackHarness.StartAsync(PeopleAndStaff, people: Staff, services: Groups);
        var channel = await harness.Platform.EnsurePrivateChannelAsync(new PrivateChannelSpec("g1", "circle", "Topic", ["U0ANA", "U0BEN", "U0CY", "U0LEE"], null), None);
        harness.Emulator.AddMember(channel.Id, "U0ARCHIVER");
        harness.Emulator.RefuseKick("U0BEN", "restricted_action");

        // Ben and Cy left the group and Dr. Lee stays; Slack refuses to remove Ben.
        var again = await harness.Platform.EnsurePrivateChannelAsync(new PrivateChannelSpec("g1", "circle", "Topic", ["U0ANA", "U0LEE"], channel), None);

        Assert.Equal(channel, again);
        var members = harness.Emulator.Channel(channel.Id).Members.Order(StringComparer.Ordinal).ToList();
        Assert.Equal(["U0ANA", "U0ARCHIVER", "U0BEN", "U0LEE", SlackEmulator.BotUserId], members);
        Assert.DoesNotContain(harness.Emulator.Calls, c => c.Method == "conversations.kick" && c.Arguments["user"]!.GetValue<string>() == "U0ARCHIVER");

        // The coordinator and the group's facilitator are told, by DM, whom to remove by hand and why.
        foreach (var staff in new[] { "U0CASEY", "U0LEE" })
        {
            var notice = Assert.Single(harness.Emulator.DirectMessagesTo(staff));
            Assert.Contains("Tuesday Circle", notice.Text, StringComparison.Ordinal);
            Assert.Contains("U0BEN", notice.Text, StringComparison.Ordinal);
            Assert.Contains("restricted_action", notice.Text, StringComparison.Ordinal);
            Assert.Contains("Remove from channel", notice.Text, StringComparison.Ordinal);
        }

        Assert.Empty(harness.Emulator.DirectMessagesTo("U0ANA"));
    }

    [Fact]
    public async Task RemoveMember_Refused_ReturnsAndTellsTheCoordinatorOnceADay()
    {
        await using var harness = await SlackHarness.StartAsync(PeopleAndStaff, people: Staff);
        var channel = await harness.Platform.EnsurePrivateChannelAsync(new PrivateChannelSpec("g1", "circle", "Topic", ["U0ANA", "U0BEN"], null), None);
        harness.Emulator.RefuseKick("U0BEN", "not_supported");

        await harness.Platform.RemoveMemberAsync(channel, "U0BEN", None);
        await harness.Platform.RemoveMemberAsync(channel, "U0BEN", None);

        var notice = Assert.Single(harness.Emulator.DirectMessagesTo("U0CASEY"));
        Assert.Contains("#circle", notice.Text, StringComparison.Ordinal);
        Assert.Contains("not_supported", notice.Text, StringComparison.Ordinal);
        Assert.Contains("U0BEN", harness.Emulator.Channel(channel.Id).Members);

        harness.Time.Advance(SlackStaffNotices.RepeatAfter);
        await harness.Platform.RemoveMemberAsync(channel, "U0BEN", None);
        Assert.Equal(2, harness.Emulator.DirectMessagesTo("U0CASEY").Count);
    }

    [Fact]
    public async Task EnsurePrivateChannel_BotRemovedFromExisting_MakesNoSecondChannelAndTellsStaffHowToAddItBack()
    {
        await using var harness = await SlackHarness.StartAsync(PeopleAndStaff, people: Staff, services: Groups);
        var channel = await harness.Platform.EnsurePrivateChannelAsync(new PrivateChannelSpec("g1", "circle", "Topic", ["U0ANA", "U0LEE"], null), None);
        harness.Emulator.RemoveMember(channel.Id, SlackEmulator.BotUserId);

        var error = await Assert.ThrowsAsync<PlatformException>(() =>
            harness.Platform.EnsurePrivateChannelAsync(new PrivateChannelSpec("g1", "circle", "Topic", ["U0ANA", "U0LEE"], channel), None));

        Assert.Equal(PlatformErrorKind.NotFound, error.Kind);
        Assert.Single(harness.Emulator.Channels);
        Assert.Single(harness.Emulator.Calls, c => c.Method == "conversations.create");
        foreach (var staff in new[] { "U0CASEY", "U0LEE" })
        {
            var notice = Assert.Single(harness.Emulator.DirectMessagesTo(staff));
            Assert.Contains("Tuesday Circle", notice.Text, StringComparison.Ordinal);
            Assert.Contains("/invite @PeerBot", notice.Text, StringComparison.Ordinal);
            Assert.Contains("has not made a new channel", notice.Text, StringComparison.Ordinal);
        }
    }

    [Fact]
    public async Task PostMessage_GroupChannelTheBotWasRemovedFrom_NotFoundAndStaffToldOnce()
    {
        string channelId = "";
        await using var harness = await SlackHarness.StartAsync(
            e =>
            {
                PeopleAndStaff(e);
                channelId = e.AddChannel("tuesday-circle", isPrivate: true, SlackEmulator.BotUserId, "U0ANA", "U0LEE");
            },
            people: Staff,
            services: s => s.AddSingleton<PeerBot.Core.Groups.IGroupDirectory>(
                new FixedGroupDirectory(FixedGroupDirectory.Group("g1", "Tuesday Circle", channelId, ["ana"], ["dr-lee"]))));
        var channel = new ChannelRef(PlatformKind.Slack, channelId);
        harness.Emulator.RemoveMember(channelId, SlackEmulator.BotUserId);

        var first = await Assert.ThrowsAsync<PlatformException>(() => harness.Platform.PostMessageAsync(channel, OutgoingMessage.Plain("This week's prompt"), None));
        await Assert.ThrowsAsync<PlatformException>(() => harness.Platform.AddMemberAsync(channel, "U0BEN", None));

        Assert.Equal(PlatformErrorKind.NotFound, first.Kind);
        Assert.Contains("/invite @PeerBot", Assert.Single(harness.Emulator.DirectMessagesTo("U0CASEY")).Text, StringComparison.Ordinal);
        Assert.Single(harness.Emulator.DirectMessagesTo("U0LEE"));

        // Once a member adds PeerBot back, the group's channel works again as it was.
        harness.Emulator.AddMember(channelId, SlackEmulator.BotUserId);
        await harness.Platform.PostMessageAsync(channel, OutgoingMessage.Plain("This week's prompt"), None);
        Assert.Single(harness.Emulator.Channel(channelId).Messages);
    }

    [Fact]
    public async Task MembershipAndArchive_RepeatedOperations_AreNotErrors()
    {
        await using var harness = await SlackHarness.StartAsync(People);
        var channel = await harness.Platform.EnsurePrivateChannelAsync(new PrivateChannelSpec("g1", "circle", "T", ["U0ANA"], null), None);

        await harness.Platform.AddMemberAsync(channel, "U0ANA", None);
        await harness.Platform.AddMemberAsync(channel, "U0BEN", None);
        await harness.Platform.RemoveMemberAsync(channel, "U0CY", None);
        await harness.Platform.RemoveMemberAsync(channel, "U0ANA", None);
        await harness.Platform.ArchiveChannelAsync(channel, None);
        await harness.Platform.ArchiveChannelAsync(channel, None);

        var state = harness.Emulator.Channel(channel.Id);
        Assert.Equal(["U0BEN", SlackEmulator.BotUserId], state.Members.Order(StringComparer.Ordinal));
        Assert.True(state.IsArchived);
    }

    [Fact]
    public async Task PostMessage_UserText_IsEscapedNeverPingsAndHasNoPreviews()
    {
        await using var harness = await SlackHarness.StartAsync(People);
        var channel = await harness.Platform.EnsurePrivateChannelAsync(new PrivateChannelSpec("g1", "circle", "T", ["U0ANA"], null), None);
        var message = new OutgoingMessage(
            [
                new HeadingBlock("Anonymous member"),
                new QuoteBlock("<!channel> hey <@U0ANA> & <!here>\n> not a quote"),
                new ParagraphBlock([new TextSpan("Post "), new TextSpan("P12", SpanStyle.Code), new TextSpan(" is "), new TextSpan("new ", SpanStyle.Bold)]),
            ],
            []);

        var posted = await harness.Platform.PostMessageAsync(channel, message, None);

        var sent = harness.Emulator.Channel(channel.Id).Messages.Single(m => m.Ts == posted.Id);
        var json = sent.Arguments.ToJsonString();
        Assert.DoesNotContain("<!channel>", json, StringComparison.Ordinal);
        Assert.DoesNotContain("<!here>", json, StringComparison.Ordinal);
        Assert.DoesNotContain("<@U0ANA>", json, StringComparison.Ordinal);
        Assert.False(sent.Arguments.ContainsKey("parse"));
        Assert.False(sent.Arguments.ContainsKey("link_names"));
        Assert.False(sent.Arguments["unfurl_links"]!.GetValue<bool>());
        Assert.False(sent.Arguments["unfurl_media"]!.GetValue<bool>());
        var texts = sent.Blocks!.OfType<JsonObject>().Select(b => b["text"]?["text"]?.GetValue<string>()).ToList();
        Assert.Equal("Anonymous member", texts[0]);
        Assert.Equal(">&lt;!channel&gt; hey &lt;@U0ANA&gt; &amp; &lt;!here&gt;\n>&gt; not a quote", texts[1]);
        Assert.Equal("Post `P12` is *new* ", texts[2]);
        Assert.All(sent.Blocks!.OfType<JsonObject>().Where(b => b["type"]!.GetValue<string>() == "section"), b => Assert.True(b["text"]!["verbatim"]!.GetValue<bool>()));
    }

    [Fact]
    public async Task SendDirectMessage_Twice_PostsToTheUserIdThenToTheirDmWithoutOpeningItAndButtonsBecomeActions()
    {
        await using var harness = await SlackHarness.StartAsync(People);
        var message = new OutgoingMessage([new ParagraphBlock("Alert")], [new MessageButton("Acknowledge", "ack:A1", ButtonStyle.Primary), new MessageButton("Resolve", "resolve:A1", ButtonStyle.Danger)]);

        var first = await harness.Platform.SendDirectMessageAsync("U0LEE", message, None);
        var second = await harness.Platform.SendDirectMessageAsync("U0LEE", OutgoingMessage.Plain("again"), None);

        Assert.Equal(first.Channel, second.Channel);
        Assert.Equal(harness.Emulator.DirectChannelOf("U0LEE"), first.Channel.Id);
        Assert.DoesNotContain(harness.Emulator.Calls, c => c.Method == "conversations.open");
        var posts = harness.Emulator.Calls.Where(c => c.Method == "chat.postMessage").Select(c => c.Arguments["channel"]!.GetValue<string>()).ToList();
        Assert.Equal(["U0LEE", first.Channel.Id], posts);
        Assert.Equal(2, harness.Emulator.DirectMessagesTo("U0LEE").Count);
        var actions = harness.Emulator.DirectMessagesTo("U0LEE")[0].Blocks!.OfType<JsonObject>().Single(b => b["type"]!.GetValue<string>() == "actions");
        var buttons = actions["elements"]!.AsArray().OfType<JsonObject>().ToList();
        Assert.Equal(["ack:A1", "resolve:A1"], buttons.Select(b => b["action_id"]!.GetValue<string>()));
        Assert.Equal(["primary", "danger"], buttons.Select(b => b["style"]!.GetValue<string>()));
    }

    [Fact]
    public async Task PostMessage_SameKeyTwice_SlackKeepsNoKeySoTheAdapterPostsTwice_AndMarksEach()
    {
        // Slack has no idempotency key; only PeerBot's send journal (ExactlyOncePlatform) may stop a second post.
        await using var harness = await SlackHarness.StartAsync(People);
        var channel = await harness.Platform.EnsurePrivateChannelAsync(new PrivateChannelSpec("g1", "circle", "T", ["U0ANA"], null), None);

        await harness.Platform.PostMessageAsync(channel, OutgoingMessage.Plain("prompt", "prompt:g1:1"), None);
        await harness.Platform.PostMessageAsync(channel, OutgoingMessage.Plain("prompt", "prompt:g1:1"), None);

        var messages = harness.Emulator.Channel(channel.Id).Messages;
        Assert.Equal(2, messages.Count);
        Assert.All(messages, m =>
        {
            Assert.Equal(SendMarker.MetadataEventType, m.Metadata!["event_type"]!.GetValue<string>());
            Assert.Equal(SendMarker.Of(PlatformKind.Slack, "prompt:g1:1"), m.Metadata["event_payload"]!["marker"]!.GetValue<string>());
        });
    }

    [Fact]
    public async Task PostMessage_KeyedAndTheAnswerLost_FoundInHistoryNotPostedAgain()
    {
        await using var harness = await SlackHarness.StartAsync(People);
        var channel = await harness.Platform.EnsurePrivateChannelAsync(new PrivateChannelSpec("g1", "circle", "T", ["U0ANA"], null), None);
        await harness.Platform.PostMessageAsync(channel, OutgoingMessage.Plain("an earlier post", "prompt:g1:0"), None);
        harness.Emulator.LoseAnswerOfNext("chat.postMessage");
        using var clock = MovedOnRetry(harness);

        var posted = await harness.Platform.PostMessageAsync(channel, OutgoingMessage.Plain("anonymous post", "p-42"), None);

        var only = Assert.Single(harness.Emulator.Channel(channel.Id).Messages, m => m.Text == "anonymous post");
        Assert.Equal(only.Ts, posted.Id);
        Assert.Single(harness.Emulator.Calls, c => c.Method == "chat.postMessage" && c.Arguments["text"]?.ToString() == "anonymous post");
        Assert.Contains(harness.Emulator.Calls, c => c.Method == "conversations.history");
    }

    [Fact]
    public async Task DirectMessage_KeyedAndSlackFailedBeforeActing_LookedForThenSentOnce()
    {
        await using var harness = await SlackHarness.StartAsync(People);
        harness.Emulator.FailNext("chat.postMessage", 503);
        using var clock = MovedOnRetry(harness);

        await harness.Platform.SendDirectMessageAsync("U0LEE", OutgoingMessage.Plain("crisis alert", "alert-a1-lee"), None);

        Assert.Single(harness.Emulator.DirectMessagesTo("U0LEE"));
        Assert.Equal(2, harness.Emulator.Calls.Count(c => c.Method == "chat.postMessage"));
        Assert.Contains(harness.Emulator.Calls, c => c.Method == "conversations.history" && c.Arguments["channel"]?.ToString()?.StartsWith('D') == true);
    }

    [Fact]
    public async Task PostMessage_UnkeyedAnd5xx_RetriedAsBefore()
    {
        await using var harness = await SlackHarness.StartAsync(People);
        var channel = await harness.Platform.EnsurePrivateChannelAsync(new PrivateChannelSpec("g1", "circle", "T", ["U0ANA"], null), None);
        harness.Emulator.FailNext("chat.postMessage", 503);
        using var clock = MovedOnRetry(harness);

        await harness.Platform.PostMessageAsync(channel, OutgoingMessage.Plain("hello"), None);

        Assert.Single(harness.Emulator.Channel(channel.Id).Messages);
        Assert.DoesNotContain(harness.Emulator.Calls, c => c.Method == "conversations.history");
    }

    [Fact]
    public async Task FindSent_DirectMessage_FoundByMarkerInTheDm_NotByText()
    {
        await using var harness = await SlackHarness.StartAsync(People);
        await harness.Platform.SendDirectMessageAsync("U0LEE", OutgoingMessage.Plain("alert", "alert-a1-lee"), None);
        await harness.Platform.SendDirectMessageAsync("U0LEE", OutgoingMessage.Plain("alert"), None);

        var found = await harness.Platform.FindSentAsync(Query(null, "U0LEE", "alert-a1-lee", harness.Emulator.Time), None);
        var other = await harness.Platform.FindSentAsync(Query(null, "U0LEE", "alert-a2-lee", harness.Emulator.Time), None);

        Assert.NotNull(found);
        Assert.Equal(harness.Emulator.Channel(found.Channel.Id).Messages[0].Ts, found.Id);
        Assert.Null(other);
    }

    [Fact]
    public async Task DirectMessageWithImages_StoredButNeverRecorded_FoundByItsMarkedBlockNotSentTwice()
    {
        // A digest with its charts goes through the file upload, which carries no metadata: the first block's block_id
        // carries the mark instead, and the send journal finds it after a process died before recording the send.
        await using var harness = await SlackHarness.StartAsync(People);
        var journal = new InMemorySendJournal();
        var digest = new OutgoingMessage([new QuoteBlock("Weekly digest, week of Mon 23 Nov")], [], "digest:dr-lee:2026-11-23");
        MessageImage[] charts = [new("tuesday-circle.png", new byte[] { 0x89, 0x50, 0x4E, 0x47 }, "Tuesday Circle, eight weeks")];
        await new ExactlyOncePlatform(harness.Platform, new PeerBot.Testing.Platform.CompletionLosingJournal(journal), harness.Time)
            .SendDirectMessageAsync("U0LEE", digest, charts, None);
        harness.Time.Advance(TimeSpan.FromHours(2));

        await new ExactlyOncePlatform(harness.Platform, journal, harness.Time).SendDirectMessageAsync("U0LEE", digest, charts, None);

        var sent = Assert.Single(harness.Emulator.DirectMessagesTo("U0LEE"));
        Assert.Single(sent.Files!);
        Assert.Equal(SlackChatPlatform.MarkBlockId(SendMarker.Of(PlatformKind.Slack, "digest:dr-lee:2026-11-23")), sent.Blocks![0]!["block_id"]!.GetValue<string>());
        Assert.Single(harness.Emulator.Calls, c => c.Method == "files.completeUploadExternal");
        Assert.Contains(harness.Emulator.Calls, c => c.Method == "conversations.history");
    }

    [Fact]
    public async Task FindSent_MessageOlderThanTheIntent_NotTaken()
    {
        await using var harness = await SlackHarness.StartAsync(People);
        var channel = await harness.Platform.EnsurePrivateChannelAsync(new PrivateChannelSpec("g1", "circle", "T", ["U0ANA"], null), None);
        await harness.Platform.PostMessageAsync(channel, OutgoingMessage.Plain("prompt", "prompt:g1:1"), None);

        var found = await harness.Platform.FindSentAsync(Query(channel, null, "prompt:g1:1", harness.Emulator.Time) with { NotBefore = harness.Emulator.Time.GetUtcNow().AddSeconds(1) }, None);

        Assert.Null(found);
    }

    /// <summary>Moves the harness's clock through each retry's backoff as soon as the wait starts (its timer is set by then).</summary>
    private static RetryClock MovedOnRetry(SlackHarness harness) => new(harness);

    private sealed class RetryClock : IDisposable
    {
        private readonly SlackHarness _harness;

        public RetryClock(SlackHarness harness)
        {
            _harness = harness;
            _harness.Timers.DelayStarted += OnDelay;
        }

        public void Dispose() => _harness.Timers.DelayStarted -= OnDelay;

        private void OnDelay(TimeSpan delay, string purpose)
        {
            if (purpose.StartsWith("retry ", StringComparison.Ordinal))
            {
                _harness.Time.Advance(delay);
            }
        }
    }

    private static SentMessageQuery Query(ChannelRef? channel, string? userId, string key, TimeProvider time) =>
        new(channel, userId, OutgoingMessage.Plain("x", key), SendMarker.Of(PlatformKind.Slack, key), time.GetUtcNow().AddHours(-1), false);

    [Fact]
    public async Task DeleteAndUpdate_Message_AreAppliedAndDeletingTwiceIsFine()
    {
        await using var harness = await SlackHarness.StartAsync(People);
        var channel = await harness.Platform.EnsurePrivateChannelAsync(new PrivateChannelSpec("g1", "circle", "T", ["U0ANA"], null), None);
        var keep = await harness.Platform.PostMessageAsync(channel, OutgoingMessage.Plain("keep"), None);
        var drop = await harness.Platform.PostMessageAsync(channel, OutgoingMessage.Plain("drop"), None);

        await harness.Platform.UpdateMessageAsync(keep, OutgoingMessage.Plain("kept & changed"), None);
        await harness.Platform.DeleteMessageAsync(drop, None);
        await harness.Platform.DeleteMessageAsync(drop, None);

        var messages = harness.Emulator.Channel(channel.Id).Messages;
        Assert.Equal(["kept &amp; changed"], messages.Select(m => m.Text));
    }

    [Theory]
    [InlineData("ana@hospital.org", "U0ANA")]
    [InlineData("U0BEN", "U0BEN")]
    [InlineData("nobody@hospital.org", null)]
    [InlineData("U0NOBODY", null)]
    [InlineData("gone@hospital.org", null)]
    [InlineData("not an id", null)]
    public async Task ResolveUser_ByEmailOrId_ReturnsUserIdOrNull(string nameOrId, string? expected)
    {
        await using var harness = await SlackHarness.StartAsync(People);

        Assert.Equal(expected, await harness.Platform.ResolveUserAsync(nameOrId, None));
    }

    [Fact]
    public async Task PostMessage_MissingScope_PlatformErrorNamesTheScope()
    {
        await using var harness = await SlackHarness.StartAsync(People);
        harness.Emulator.FailNextWithError("chat.postMessage", "missing_scope", needed: "chat:write");

        var error = await Assert.ThrowsAsync<PlatformException>(() => harness.Platform.SendDirectMessageAsync("U0ANA", OutgoingMessage.Plain("hi"), None));

        Assert.Equal(PlatformErrorKind.MissingPermission, error.Kind);
        Assert.Contains("'chat:write'", error.Message, StringComparison.Ordinal);
        Assert.Contains("reinstall", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task PostMessage_UnknownChannel_IsNotFound()
    {
        await using var harness = await SlackHarness.StartAsync(People);

        var error = await Assert.ThrowsAsync<PlatformException>(() =>
            harness.Platform.PostMessageAsync(new ChannelRef(PlatformKind.Slack, "C0NOPE"), OutgoingMessage.Plain("hi"), None));

        Assert.Equal(PlatformErrorKind.NotFound, error.Kind);
    }

    [Fact]
    public async Task EnsurePrivateChannel_OneUnknownPerson_OthersInvitedAndErrorNamesThatPerson()
    {
        await using var harness = await SlackHarness.StartAsync(People);

        var error = await Assert.ThrowsAsync<PlatformException>(() => harness.Platform.EnsurePrivateChannelAsync(
            new PrivateChannelSpec("g1", "circle", "T", ["U0ANA", "U0NOBODY", "U0BEN"], null), None));

        Assert.Contains("U0NOBODY (user_not_found)", error.Message, StringComparison.Ordinal);
        var channel = Assert.Single(harness.Emulator.Channels);
        Assert.Equal(["U0ANA", "U0BEN", SlackEmulator.BotUserId], channel.Members.Order(StringComparer.Ordinal));
    }

    [Fact]
    public async Task EnsurePrivateChannel_ExistingWithSomeRefused_OneForcedInviteAndOnlyTheRefusedNamed()
    {
        var ids = Enumerable.Range(0, 300).Select(i => $"U0P{i:D4}").ToList();
        await using var harness = await SlackHarness.StartAsync(e =>
        {
            e.MaxPageSize = 200;
            ids.ForEach(id => e.AddUser(id, id.ToLowerInvariant()));
            e.AddUser("U0GONE", "gone", deleted: true);
        });
        var channel = await harness.Platform.EnsurePrivateChannelAsync(new PrivateChannelSpec("g1", "big circle", "T", ids.Take(100).ToList(), null), None);
        var invitesBefore = harness.Emulator.Calls.Count(c => c.Method == "conversations.invite");

        // Two hundred more join the group, with one deactivated account and one unknown id among them.
        var error = await Assert.ThrowsAsync<PlatformException>(() => harness.Platform.EnsurePrivateChannelAsync(
            new PrivateChannelSpec("g1", "big circle", "T", [.. ids, "U0GONE", "U0NOBODY"], channel), None));

        var invites = harness.Emulator.Calls.Where(c => c.Method == "conversations.invite").Skip(invitesBefore).ToList();
        var invite = Assert.Single(invites);
        Assert.True(invite.Arguments["force"]!.GetValue<bool>());
        Assert.Equal(202, invite.Arguments["users"]!.GetValue<string>().Split(',').Length);
        Assert.Contains("U0GONE (user_is_deactivated)", error.Message, StringComparison.Ordinal);
        Assert.Contains("U0NOBODY (user_not_found)", error.Message, StringComparison.Ordinal);
        Assert.DoesNotContain("U0P", error.Message, StringComparison.Ordinal);
        Assert.Equal(301, harness.Emulator.Channel(channel.Id).Members.Count);
    }

    [Fact]
    public async Task AddMember_SomeoneAlreadyThere_IsNotAnError()
    {
        await using var harness = await SlackHarness.StartAsync(People);
        var channel = await harness.Platform.EnsurePrivateChannelAsync(new PrivateChannelSpec("g1", "circle", "T", ["U0ANA"], null), None);

        await harness.Platform.AddMemberAsync(channel, "U0ANA", None);

        Assert.Contains(harness.Emulator.Calls, c => c.Method == "conversations.invite" && c.Arguments["users"]!.GetValue<string>() == "U0ANA");
        Assert.Equal(["U0ANA", SlackEmulator.BotUserId], harness.Emulator.Channel(channel.Id).Members.Order(StringComparer.Ordinal));
    }
}

public sealed class SlackPeopleResolverTests
{
    private static List<PersonOptions> People(int count) =>
        [.. Enumerable.Range(0, count).Select(i => new PersonOptions { Id = $"p{i}", Name = $"P {i}", Role = PersonRole.Resident, Pgy = 1, Slack = $"U0P{i:D4}" })];

    [Fact]
    public async Task Resolve_ManyIds_ChecksThemInOneUsersListPageAndOnlyTheUnseenOneByOne()
    {
        var people = People(30);
        people.Add(new PersonOptions { Id = "gone", Name = "Gone", Role = PersonRole.Resident, Pgy = 1, Slack = "U0GONE" });
        people.Add(new PersonOptions { Id = "nobody", Name = "Nobody", Role = PersonRole.Resident, Pgy = 1, Slack = "U0NOBODY" });
        people.Add(new PersonOptions { Id = "ana", Name = "Ana", Role = PersonRole.Resident, Pgy = 1, Slack = "ana@hospital.org" });
        await using var harness = await SlackHarness.StartAsync(
            e =>
            {
                e.MaxPageSize = 200;
                people.Take(30).ToList().ForEach(p => e.AddUser(p.Slack!, p.Id));
                e.AddUser("U0GONE", "gone", deleted: true);
                e.AddUser("U0ANA", "ana", "ana@hospital.org");
            });
        var resolver = new SlackPeopleResolver(Options.Create(new PeerBotOptions { People = people }), harness.Platform, NullLogger<SlackPeopleResolver>.Instance);
        var before = harness.Emulator.Calls.Count;

        var problems = await resolver.ResolveAsync(CancellationToken.None);

        var calls = harness.Emulator.Calls.Skip(before).Select(c => c.Method).ToList();
        Assert.Equal(1, calls.Count(m => m == "users.list"));
        Assert.Equal(["users.info"], calls.Where(m => m == "users.info"));
        Assert.Equal(1, calls.Count(m => m == "users.lookupByEmail"));
        Assert.Equal(2, problems.Count);
        Assert.Contains(problems, p => p.Contains("'gone'", StringComparison.Ordinal));
        Assert.Contains(problems, p => p.Contains("'nobody'", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Resolve_WorkspaceLargerThanThePageBudget_StopsListingAndChecksTheRestOneByOne()
    {
        var people = People(30);
        await using var harness = await SlackHarness.StartAsync(e => people.ForEach(p => e.AddUser(p.Slack!, p.Id)), people: people);
        var before = harness.Emulator.Calls.Count;

        var problems = await harness.Host.Services.GetRequiredService<SlackPeopleResolver>().ResolveAsync(CancellationToken.None);

        // The emulator's pages hold two users: six pages (one per five ids) see twelve users, the bot and eleven of
        // the people; the other 19 are asked for one by one.
        var calls = harness.Emulator.Calls.Skip(before).Select(c => c.Method).ToList();
        Assert.Empty(problems);
        Assert.Equal(6, calls.Count(m => m == "users.list"));
        Assert.Equal(19, calls.Count(m => m == "users.info"));
    }
}
