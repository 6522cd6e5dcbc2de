using System.Net;
using System.Text;
using System.Text.Json.Nodes;
using PeerBot.Core.Platform;
using PeerBot.Slack.Tests.Support;
using PeerBot.Testing.Slack;

namespace PeerBot.Slack.Tests;

/// <summary>
/// Images in a direct message through Slack's external upload: files.getUploadURLExternal, the bytes to the upload URL,
/// files.completeUploadExternal into the DM opened with conversations.open.
/// </summary>
public sealed class SlackFileUploadTests
{
    private static readonly HttpClient Http = new();

    private static void People(SlackEmulator e) => e.AddUser("U0LEE", "dr-lee", "lee@hospital.org");

    private static MessageImage Image(string name, int size, string alt) =>
        new(name, Enumerable.Range(0, size).Select(i => (byte)(i * 13)).ToArray(), alt);

    [Fact]
    public async Task SendDirectMessage_WithImages_UploadsEachAndSharesThemWithTheTextInTheDm()
    {
        await using var harness = await SlackHarness.StartAsync(People);
        var circle = Image("tuesday-circle.png", 4000, "Tuesday Circle, 8 weeks: messages 1, 2, 3.");
        var owls = Image("night-owls.png", 700, "Night Owls, 8 weeks: messages 0, 4, 2.");

        var sent = await harness.Platform.SendDirectMessageAsync("U0LEE", OutgoingMessage.Plain("Weekly digest <week>", "digest:2026-11-09:lee"), [circle, owls], default);

        var calls = harness.Emulator.Calls.Select(c => c.Method).ToList();
        Assert.Equal(
            ["conversations.open", "files.getUploadURLExternal", "upload_url", "files.getUploadURLExternal", "upload_url", "files.completeUploadExternal"],
            calls.Where(m => m is not "auth.test" and not "apps.connections.open").ToList());
        var dm = harness.Emulator.Channel(sent.Channel.Id);
        Assert.True(dm.IsIm);
        var message = Assert.Single(dm.Messages);
        Assert.Equal("Weekly digest &lt;week&gt;", message.Blocks![0]!["text"]!["text"]!.GetValue<string>());
        Assert.Equal(["tuesday-circle.png", "night-owls.png"], message.Files.Select(f => f.Name));
        Assert.Equal([circle.AltText, owls.AltText], message.Files.Select(f => f.AltText));
        Assert.Equal(circle.Png.ToArray(), message.Files[0].Bytes);
        Assert.Equal(owls.Png.ToArray(), message.Files[1].Bytes);
        var upload = harness.Emulator.Calls.First(c => c.Method == "upload_url");
        Assert.Null(upload.Token);
    }

    [Fact]
    public async Task SendDirectMessage_SameKeyAgainThroughTheJournal_NothingUploadedTwice()
    {
        await using var harness = await SlackHarness.StartAsync(People);
        var message = OutgoingMessage.Plain("digest", "digest:2026-11-09:lee");
        var platform = new ExactlyOncePlatform(harness.Platform, new InMemorySendJournal(), TimeProvider.System);

        var first = await platform.SendDirectMessageAsync("U0LEE", message, [Image("a.png", 10, "a")], default);
        var again = await platform.SendDirectMessageAsync("U0LEE", message, [Image("a.png", 10, "a")], default);

        Assert.Equal(first, again);
        Assert.Single(harness.Emulator.Calls, c => c.Method == "files.completeUploadExternal");
    }

    [Fact]
    public async Task SendDirectMessage_AltTextOverSlacksLimit_ShortenedTo1000()
    {
        await using var harness = await SlackHarness.StartAsync(People);

        var sent = await harness.Platform.SendDirectMessageAsync("U0LEE", OutgoingMessage.Plain("digest"), [Image("a.png", 10, new string('x', 2500))], default);

        var file = Assert.Single(Assert.Single(harness.Emulator.Channel(sent.Channel.Id).Messages).Files);
        Assert.Equal(1000, file.AltText!.Length);
    }

    [Fact]
    public async Task SendDirectMessage_UploadUrlRefused_PlatformExceptionAndNothingShared()
    {
        await using var harness = await SlackHarness.StartAsync(People);
        harness.Emulator.FailNextWithError("files.getUploadURLExternal", "file_uploads_disabled");

        var ex = await Assert.ThrowsAsync<PlatformException>(() =>
            harness.Platform.SendDirectMessageAsync("U0LEE", OutgoingMessage.Plain("digest"), [Image("a.png", 10, "a")], default));

        Assert.Contains("file_uploads_disabled", ex.Message, StringComparison.Ordinal);
        Assert.DoesNotContain(harness.Emulator.Calls, c => c.Method == "files.completeUploadExternal");
    }

    [Fact]
    public async Task Emulator_GetUploadUrlWithJsonBody_InvalidArguments()
    {
        await using var slack = await StartedAsync();

        var answer = await CallAsync(slack, "files.getUploadURLExternal", new StringContent("{\"filename\":\"a.png\",\"length\":3}", Encoding.UTF8, "application/json"));

        Assert.Equal("invalid_arguments", answer["error"]!.GetValue<string>());
    }

    [Fact]
    public async Task Emulator_WrongLength_UnknownFile_CompletingTwice_AllRefused()
    {
        await using var slack = await StartedAsync();
        var dm = (await CallAsync(slack, "conversations.open", Form(("users", "U0LEE"))))["channel"]!["id"]!.GetValue<string>();
        var ticket = await CallAsync(slack, "files.getUploadURLExternal", Form(("filename", "a.png"), ("length", "3"), ("alt_txt", "a chart")));
        var url = ticket["upload_url"]!.GetValue<string>();
        var id = ticket["file_id"]!.GetValue<string>();

        using var tooLong = await Http.PostAsync(url, new ByteArrayContent([1, 2, 3, 4]));
        var beforeUpload = await CallAsync(slack, "files.completeUploadExternal", Json(id, dm));
        using var right = await Http.PostAsync(url, new ByteArrayContent([1, 2, 3]));
        var unknown = await CallAsync(slack, "files.completeUploadExternal", Json("F0NOPE", dm));
        var completed = await CallAsync(slack, "files.completeUploadExternal", Json(id, dm));
        var twice = await CallAsync(slack, "files.completeUploadExternal", Json(id, dm));

        Assert.Equal(HttpStatusCode.BadRequest, tooLong.StatusCode);
        Assert.Equal("file_not_found", beforeUpload["error"]!.GetValue<string>());
        Assert.Equal(HttpStatusCode.OK, right.StatusCode);
        Assert.Equal("file_not_found", unknown["error"]!.GetValue<string>());
        Assert.True(completed["ok"]!.GetValue<bool>());
        Assert.Equal(id, completed["files"]![0]!["id"]!.GetValue<string>());
        Assert.Equal("file_not_found", twice["error"]!.GetValue<string>());
        var file = Assert.Single(Assert.Single(slack.Channel(dm).Messages).Files);
        Assert.Equal(new byte[] { 1, 2, 3 }, file.Bytes);
        Assert.Equal("a chart", file.AltText);
    }

    [Fact]
    public async Task Emulator_AltTextOver1000_AltTxtTooLarge_ZeroLength_MissingArgument()
    {
        await using var slack = await StartedAsync();

        var tooLong = await CallAsync(slack, "files.getUploadURLExternal", Form(("filename", "a.png"), ("length", "3"), ("alt_txt", new string('x', 1001))));
        var empty = await CallAsync(slack, "files.getUploadURLExternal", Form(("filename", "a.png"), ("length", "0")));

        Assert.Equal("alt_txt_too_large", tooLong["error"]!.GetValue<string>());
        Assert.Equal("missing_argument", empty["error"]!.GetValue<string>());
    }

    private static async Task<SlackEmulator> StartedAsync()
    {
        var slack = new SlackEmulator();
        People(slack);
        await slack.StartAsync();
        return slack;
    }

    private static FormUrlEncodedContent Form(params (string Key, string Value)[] fields) =>
        new(fields.Select(f => new KeyValuePair<string, string>(f.Key, f.Value)));

    private static StringContent Json(string fileId, string channelId) =>
        new(new JsonObject { ["files"] = new JsonArray(new JsonObject { ["id"] = fileId, ["title"] = "chart" }), ["channel_id"] = channelId }.ToJsonString(), Encoding.UTF8, "application/json");

    private static async Task<JsonObject> CallAsync(SlackEmulator slack, string method, HttpContent content)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, slack.ApiBaseUrl + method) { Content = content };
        request.Headers.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", SlackEmulator.BotToken);
        using var response = await Http.SendAsync(request);
        return (JsonObject)JsonNode.Parse(await response.Content.ReadAsStringAsync())!;
    }
}
