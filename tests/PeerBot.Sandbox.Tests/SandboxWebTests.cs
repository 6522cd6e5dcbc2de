using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using PeerBot.Core.Platform;
using PeerBot.Sandbox.Tests.Support;
using PeerBot.Sandbox.Web;

namespace PeerBot.Sandbox.Tests;

/// <summary>The page's HTTP surface, over a real host on a loopback port.</summary>
public sealed class SandboxWebTests : IAsyncLifetime
{
    private SandboxTestHost _host = null!;
    private HttpClient _client = null!;

    public async Task InitializeAsync()
    {
        _host = await SandboxTestHost.StartAsync();
        _client = _host.CreateClient();
    }

    public async Task DisposeAsync()
    {
        _client.Dispose();
        await _host.DisposeAsync();
    }

    [Fact]
    public void Start_DefaultOptions_ListensOnLoopbackOnAFreePort()
    {
        Assert.Equal("127.0.0.1", _host.Address.Host);
        Assert.NotEqual(0, _host.Address.Port);
        Assert.True(File.Exists(_host.StoragePath), "the sandbox database is the file at Sandbox:StoragePath");
    }

    [Fact]
    public async Task Page_Root_ServesTheAppWithAStrictContentPolicy()
    {
        using var response = await _client.GetAsync("/");

        response.EnsureSuccessStatusCode();
        Assert.Contains("PeerBot sandbox", await response.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        Assert.Contains("default-src 'self'", response.Headers.GetValues("Content-Security-Policy").Single(), StringComparison.Ordinal);
        Assert.Equal("text/javascript", (await _client.GetAsync("/app.js")).Content.Headers.ContentType?.MediaType);
    }

    [Fact]
    public async Task Roster_NoPeopleConfigured_IsTheDemoRoster()
    {
        var roster = await _client.GetFromJsonAsync<JsonElement>("/api/roster");

        Assert.True(roster.GetProperty("demoRoster").GetBoolean());
        Assert.Equal(16, roster.GetProperty("people").GetArrayLength());
        Assert.Equal("Ana R.", roster.GetProperty("people")[0].GetProperty("name").GetString());
    }

    [Fact]
    public async Task Channels_SomeoneOutsideTheGroup_NeitherSeesItNorReadsIt()
    {
        var anas = await ChannelIdsAsync("ana");
        var chloes = await ChannelIdsAsync("chloe");

        Assert.Contains(_host.GroupChannel.Id, anas);
        Assert.Contains("general", chloes);
        Assert.Contains("D-chloe", chloes);
        Assert.DoesNotContain(_host.GroupChannel.Id, chloes);
        Assert.DoesNotContain("D-ana", chloes);
        using var read = await _client.GetAsync($"/api/channels/{_host.GroupChannel.Id}/messages?as=chloe");
        Assert.Equal(HttpStatusCode.NotFound, read.StatusCode);
        using var write = await PostJsonAsync($"/api/channels/{_host.GroupChannel.Id}/messages", new { @as = "chloe", text = "let me in" });
        Assert.Equal(HttpStatusCode.NotFound, write.StatusCode);
        Assert.Empty(_host.Handler.Messages);
    }

    [Fact]
    public async Task Channels_SomeoneNotInTheRoster_IsAskedToChoose()
    {
        using var response = await _client.GetAsync("/api/channels?as=mallory");

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Contains("Choose who you are", await response.Content.ReadAsStringAsync(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task PostMessage_InTheGroup_IsStoredThenHandedToCoreOnce()
    {
        using var response = await PostJsonAsync($"/api/channels/{_host.GroupChannel.Id}/messages", new { @as = "ana", text = "  Rough night on nights.  " });

        response.EnsureSuccessStatusCode();
        var incoming = Assert.Single(_host.Handler.Messages);
        Assert.Equal(new[] { "ana", _host.GroupChannel.Id, "Rough night on nights." }, new[] { incoming.AuthorUserId, incoming.ChannelId, incoming.Text });
        Assert.Equal(PlatformKind.Sandbox, incoming.Platform);
        Assert.False(incoming.IsDirect);
        var messages = await _client.GetFromJsonAsync<JsonElement>($"/api/channels/{_host.GroupChannel.Id}/messages?as=ben");
        var stored = messages.EnumerateArray().Last();
        Assert.Equal(incoming.MessageId, stored.GetProperty("id").GetString());
        Assert.Equal("Ana R.", stored.GetProperty("authorName").GetString());
    }

    [Fact]
    public async Task PostMessage_InTheDm_IsDirect()
    {
        using var response = await PostJsonAsync("/api/channels/D-ana/messages", new { @as = "ana", text = "hello bot" });

        response.EnsureSuccessStatusCode();
        Assert.True(Assert.Single(_host.Handler.Messages).IsDirect);
    }

    [Fact]
    public async Task PostMessage_TooLongOrEmpty_IsRefusedWithAReason()
    {
        using var empty = await PostJsonAsync("/api/channels/general/messages", new { @as = "ana", text = "   " });
        using var tooLong = await PostJsonAsync("/api/channels/general/messages", new { @as = "ana", text = new string('x', SandboxApi.MaxMessageLength + 1) });
        using var notJson = await _client.PostAsync("/api/channels/general/messages", new StringContent("{", Encoding.UTF8, "application/json"));

        Assert.Equal(HttpStatusCode.BadRequest, empty.StatusCode);
        Assert.Contains("at most 4000 characters", await tooLong.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.BadRequest, notJson.StatusCode);
        Assert.Empty(_host.Handler.Messages);
    }

    [Fact]
    public async Task PeerCommand_GoesToCoreAsACommandAndTheReplyIsPrivate()
    {
        var reply = await InteractAsync($"/api/channels/{_host.GroupChannel.Id}/messages", new { @as = "ben", text = "/peer   help" });

        var command = Assert.Single(_host.Handler.Commands);
        Assert.Equal(("ben", "help", _host.GroupChannel.Id, false), (command.UserId, command.Text, command.ChannelId, command.IsDirect));
        Assert.StartsWith("PeerBot commands", Text(reply.GetProperty("reply")), StringComparison.Ordinal);
        Assert.Empty(_host.Handler.Messages);
        var stored = await _client.GetFromJsonAsync<JsonElement>($"/api/channels/{_host.GroupChannel.Id}/messages?as=ben");
        Assert.DoesNotContain(stored.EnumerateArray(), m => Text(m.GetProperty("content")).Contains("PeerBot commands", StringComparison.Ordinal));
    }

    [Fact]
    public async Task OtherSlashCommand_IsAnsweredWithoutCore()
    {
        var reply = await InteractAsync("/api/channels/general/messages", new { @as = "ben", text = "/shrug" });

        Assert.Contains("/peer help", Text(reply.GetProperty("reply")), StringComparison.Ordinal);
        Assert.Empty(_host.Handler.Commands);
    }

    [Fact]
    public async Task ShareForm_OpenedThenSubmitted_ReachesCoreWithItsValues()
    {
        var opened = await InteractAsync("/api/channels/D-ana/messages", new { @as = "ana", text = "/peer share" });
        var form = opened.GetProperty("form");
        Assert.Equal("Share anonymously", form.GetProperty("title").GetString());
        Assert.Equal("long", form.GetProperty("fields")[0].GetProperty("kind").GetString());

        var submitted = await InteractAsync("/api/forms", new { @as = "ana", formId = ScriptedEventHandler.ShareFormId, values = new Dictionary<string, string> { ["text"] = "I froze at a code today.", ["extra"] = "ignored" } });

        var submission = Assert.Single(_host.Handler.Forms);
        Assert.Equal(ScriptedEventHandler.ShareFormId, submission.FormId);
        Assert.Equal(new Dictionary<string, string> { ["text"] = "I froze at a code today." }, submission.Values);
        Assert.Contains("Anonymous member", Text(submitted.GetProperty("reply")), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Form_NeverOpenedOrMissingARequiredValue_IsRefusedAndKeptOpen()
    {
        using var unopened = await PostJsonAsync("/api/forms", new { @as = "ana", formId = ScriptedEventHandler.ShareFormId, values = new { text = "x" } });
        Assert.Equal(HttpStatusCode.Conflict, unopened.StatusCode);

        await InteractAsync("/api/channels/D-ana/messages", new { @as = "ana", text = "/peer share" });
        using var missing = await PostJsonAsync("/api/forms", new { @as = "ana", formId = ScriptedEventHandler.ShareFormId, values = new { text = " " } });
        Assert.Equal(HttpStatusCode.BadRequest, missing.StatusCode);
        Assert.Contains("is required", await missing.Content.ReadAsStringAsync(), StringComparison.Ordinal);

        using var byAnother = await PostJsonAsync("/api/forms", new { @as = "ben", formId = ScriptedEventHandler.ShareFormId, values = new { text = "x" } });
        Assert.Equal(HttpStatusCode.Conflict, byAnother.StatusCode);

        await InteractAsync("/api/forms", new { @as = "ana", formId = ScriptedEventHandler.ShareFormId, values = new { text = "now it is there" } });
        Assert.Single(_host.Handler.Forms);
    }

    [Fact]
    public async Task Button_Pressed_ReachesCoreAndUpdatesTheMessageInPlace()
    {
        var alert = await _host.Platform.SendDirectMessageAsync("dr-lee", new OutgoingMessage(
            [new ParagraphBlock("Status: open")],
            [new MessageButton("Acknowledge", ScriptedEventHandler.AlertAction, ButtonStyle.Primary)]), default);

        var reply = await InteractAsync("/api/buttons", new { @as = "dr-lee", channelId = alert.Channel.Id, messageId = alert.Id, actionId = ScriptedEventHandler.AlertAction });

        var press = Assert.Single(_host.Handler.Buttons);
        Assert.Equal(("dr-lee", ScriptedEventHandler.AlertAction, alert), (press.UserId, press.ActionId, press.Message));
        Assert.Equal("You acknowledged alert A1.", Text(reply.GetProperty("reply")));
        var updated = (await _client.GetFromJsonAsync<JsonElement>($"/api/channels/{alert.Channel.Id}/messages?as=dr-lee")).EnumerateArray().Single();
        Assert.Contains("acknowledged by Dr. Sam Lee", Text(updated.GetProperty("content")), StringComparison.Ordinal);
        Assert.True(updated.GetProperty("edited").GetBoolean());
    }

    [Fact]
    public async Task Button_NotOnTheMessageOrInSomeoneElsesDm_IsRefused()
    {
        var alert = await _host.Platform.SendDirectMessageAsync("dr-lee", new OutgoingMessage(
            [new ParagraphBlock("Status: open")],
            [new MessageButton("Acknowledge", ScriptedEventHandler.AlertAction)]), default);

        using var forged = await PostJsonAsync("/api/buttons", new { @as = "dr-lee", channelId = alert.Channel.Id, messageId = alert.Id, actionId = "resolve:A1" });
        using var foreign = await PostJsonAsync("/api/buttons", new { @as = "ana", channelId = alert.Channel.Id, messageId = alert.Id, actionId = ScriptedEventHandler.AlertAction });

        Assert.Equal(HttpStatusCode.Conflict, forged.StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, foreign.StatusCode);
        Assert.Empty(_host.Handler.Buttons);
    }

    [Fact]
    public async Task CoreFailing_IsReportedWithoutLosingTheMessage()
    {
        _host.Handler.Fail(new InvalidOperationException("boom"));

        using var response = await PostJsonAsync($"/api/channels/{_host.GroupChannel.Id}/messages", new { @as = "ana", text = "still here?" });

        Assert.Equal(HttpStatusCode.InternalServerError, response.StatusCode);
        Assert.Contains("Nothing you wrote was lost", await response.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        var stored = await _client.GetFromJsonAsync<JsonElement>($"/api/channels/{_host.GroupChannel.Id}/messages?as=ana");
        Assert.Contains(stored.EnumerateArray(), m => Text(m.GetProperty("content")) == "still here?");
    }

    [Fact]
    public async Task NextPrompt_GroupsScheduled_MovesTheClockToTheEarliestOne()
    {
        var now = _host.Clock.GetUtcNow();
        _host.Groups.Add("g1", "Tuesday Circle", now.AddDays(2));
        _host.Groups.Add("g2", "Night Owls", now.AddHours(30));
        _host.Groups.Add("g3", "Paused", null);

        var clock = await InteractAsync("/api/clock/next-prompt", new { });

        Assert.InRange(_host.Clock.Offset, TimeSpan.FromHours(30) - TimeSpan.FromMinutes(1), TimeSpan.FromHours(30));
        Assert.Equal(now.AddDays(2), clock.GetProperty("nextPromptAt").GetDateTimeOffset());
        Assert.Equal("Tuesday Circle", clock.GetProperty("nextPromptGroup").GetString());
    }

    [Fact]
    public async Task Clock_GroupsScheduled_NamesTheGroupWhosePromptIsNext()
    {
        var now = _host.Clock.GetUtcNow();
        _host.Groups.Add("g1", "Tuesday Circle", now.AddDays(2));
        _host.Groups.Add("g2", "Night Owls", now.AddHours(30));

        var clock = await _client.GetFromJsonAsync<JsonElement>("/api/clock");

        Assert.Equal(now.AddHours(30), clock.GetProperty("nextPromptAt").GetDateTimeOffset());
        Assert.Equal("Night Owls", clock.GetProperty("nextPromptGroup").GetString());
    }

    [Fact]
    public async Task NextPrompt_NothingScheduled_SaysSoAndLeavesTheClock()
    {
        using var response = await PostJsonAsync("/api/clock/next-prompt", new { });

        Assert.Equal(HttpStatusCode.Conflict, response.StatusCode);
        Assert.Contains("No group has a prompt scheduled", await response.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        Assert.Equal(TimeSpan.Zero, _host.Clock.Offset);
    }

    [Fact]
    public async Task Post_FromAnotherOriginOrNotJson_IsRefused()
    {
        using var foreign = new HttpRequestMessage(HttpMethod.Post, "/api/clock/advance") { Content = JsonContent.Create(new { minutes = 5 }) };
        foreign.Headers.Add("Origin", "https://evil.example");
        using var form = new HttpRequestMessage(HttpMethod.Post, "/api/clock/advance") { Content = new StringContent("minutes=5", Encoding.UTF8, "application/x-www-form-urlencoded") };

        Assert.Equal(HttpStatusCode.Forbidden, (await _client.SendAsync(foreign)).StatusCode);
        Assert.Equal(HttpStatusCode.UnsupportedMediaType, (await _client.SendAsync(form)).StatusCode);
        Assert.Equal(TimeSpan.Zero, _host.Clock.Offset);
    }

    [Fact]
    public async Task Request_ForAnotherHostName_IsRefused()
    {
        using var rebound = new HttpRequestMessage(HttpMethod.Get, "/api/roster");
        rebound.Headers.Host = "attacker.example";

        using var response = await _client.SendAsync(rebound);

        Assert.Equal(HttpStatusCode.Forbidden, response.StatusCode);
    }

    [Fact]
    public async Task SharedEvents_TwoPeople_EachEventIsMarkedWithWhoseItIsAndGoesOnlyToThoseWhoSeeIt()
    {
        using var shared = await EventStream.OpenUrlAsync(_client, "/api/events/shared?as=elena&as=chloe");
        var ready = new[] { await shared.NextAsync("ready"), await shared.NextAsync("ready") };
        Assert.Equal(["chloe", "elena"], ready.Select(r => r.GetProperty("person").GetString()).Order());
        Assert.True(ready[0].GetProperty("payload").TryGetProperty("now", out _));

        await _host.Platform.PostMessageAsync(_host.GroupChannel, OutgoingMessage.Plain("group only"), default);
        await _host.Platform.PostMessageAsync(new ChannelRef(PlatformKind.Sandbox, "general"), OutgoingMessage.Plain("for everyone"), default);

        // Chloe is not in the group: the group's message is Elena's alone, the lobby's comes to both.
        var events = new List<(string? Person, string Text)>();
        for (var i = 0; i < 3; i++)
        {
            var next = await shared.NextAsync("message");
            events.Add((next.GetProperty("person").GetString(), Text(next.GetProperty("payload").GetProperty("content"))));
        }

        Assert.Equal([("chloe", "for everyone"), ("elena", "for everyone"), ("elena", "group only")], events.OrderBy(e => e.Text, StringComparer.Ordinal).ThenBy(e => e.Person, StringComparer.Ordinal));
    }

    [Fact]
    public async Task SharedEvents_SomeoneNotInTheRoster_IsRefused()
    {
        using var response = await _client.GetAsync("/api/events/shared?as=elena&as=nobody", HttpCompletionOption.ResponseHeadersRead);

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
    }

    [Fact]
    public async Task Events_MessageInAGroup_StreamsOnlyToThoseWhoSeeIt()
    {
        using var member = await EventStream.OpenAsync(_client, "elena");
        using var outsider = await EventStream.OpenAsync(_client, "chloe");

        await _host.Platform.PostMessageAsync(_host.GroupChannel, OutgoingMessage.Plain("group only"), default);
        await _host.Platform.PostMessageAsync(new ChannelRef(PlatformKind.Sandbox, "general"), OutgoingMessage.Plain("for everyone"), default);

        var memberFirst = await member.NextAsync("message");
        var outsiderFirst = await outsider.NextAsync("message");
        Assert.Equal("group only", Text(memberFirst.GetProperty("content")));
        Assert.Equal("for everyone", Text(outsiderFirst.GetProperty("content")));
    }

    [Fact]
    public async Task Events_ClockAdvanced_StreamsTheNewTimeToEveryone()
    {
        using var stream = await EventStream.OpenAsync(_client, "pd-cruz");

        await InteractAsync("/api/clock/advance", new { minutes = 60 });

        var clock = await stream.NextAsync("clock");
        Assert.Equal(TimeSpan.FromHours(1), clock.GetProperty("offset").Deserialize<TimeSpan>());
    }

    [Theory]
    [InlineData("127.0.0.1", false, true)]
    [InlineData("::1", false, true)]
    [InlineData("::ffff:127.0.0.1", false, true)]
    [InlineData("192.168.1.20", false, false)]
    [InlineData("10.0.0.5", true, true)]
    public void IsAllowedClient_ByAddress_OnlyLoopbackUnlessOpened(string address, bool allowRemote, bool expected)
    {
        Assert.Equal(expected, SandboxAccess.IsAllowedClient(IPAddress.Parse(address), allowRemote));
    }

    [Theory]
    [InlineData("127.0.0.1", true)]
    [InlineData("localhost", true)]
    [InlineData("[::1]", true)]
    [InlineData("peerbot.example", false)]
    public void IsLoopbackHost_ByName_OnlyThisComputer(string host, bool expected)
    {
        Assert.Equal(expected, SandboxAccess.IsLoopbackHost(host, allowRemote: false));
    }

    private static string Text(JsonElement content) =>
        content.Deserialize<Workspace.SandboxContent>(SandboxApi.Json)!.ToPlainText();

    private async Task<List<string>> ChannelIdsAsync(string person)
    {
        var channels = await _client.GetFromJsonAsync<JsonElement>($"/api/channels?as={person}");
        return channels.EnumerateArray().Select(c => c.GetProperty("id").GetString()!).ToList();
    }

    private Task<HttpResponseMessage> PostJsonAsync(string url, object body) => _client.PostAsJsonAsync(url, body);

    private async Task<JsonElement> InteractAsync(string url, object body)
    {
        using var response = await PostJsonAsync(url, body);
        var text = await response.Content.ReadAsStringAsync();
        Assert.True(response.IsSuccessStatusCode, $"{url} answered {(int)response.StatusCode}: {text}");
        return JsonDocument.Parse(text).RootElement.Clone();
    }

    /// <summary>Reads a server-sent event stream.</summary>
    private sealed class EventStream : IDisposable
    {
        private readonly HttpResponseMessage _response;
        private readonly StreamReader _reader;

        private EventStream(HttpResponseMessage response, StreamReader reader)
        {
            _response = response;
            _reader = reader;
        }

        public static async Task<EventStream> OpenAsync(HttpClient client, string person)
        {
            var stream = await OpenUrlAsync(client, $"/api/events?as={person}");
            await stream.NextAsync("ready");
            return stream;
        }

        public static async Task<EventStream> OpenUrlAsync(HttpClient client, string url)
        {
            var response = await client.GetAsync(url, HttpCompletionOption.ResponseHeadersRead);
            response.EnsureSuccessStatusCode();
            Assert.Equal("text/event-stream", response.Content.Headers.ContentType?.MediaType);
            return new EventStream(response, new StreamReader(await response.Content.ReadAsStreamAsync()));
        }

        public async Task<JsonElement> NextAsync(string type)
        {
            using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
            string? eventType = null;
            while (true)
            {
                var line = await _reader.ReadLineAsync(timeout.Token) ?? throw new InvalidOperationException("The event stream ended.");
                if (line.StartsWith("event: ", StringComparison.Ordinal))
                {
                    eventType = line["event: ".Length..];
                }
                else if (line.StartsWith("data: ", StringComparison.Ordinal) && eventType == type)
                {
                    return JsonDocument.Parse(line["data: ".Length..]).RootElement.Clone();
                }
            }
        }

        public void Dispose()
        {
            _reader.Dispose();
            _response.Dispose();
        }
    }
}
