using System.Net;
using System.Net.Http.Headers;
using System.Text;
using PeerBot.Core.Platform;
using PeerBot.Testing.Discord;

namespace PeerBot.Discord.Tests;

/// <summary>Direct messages with images: one multipart message, each file an attachment with its alt text.</summary>
public sealed class ImageAttachmentTests
{
    private static readonly HttpClient Http = new();

    private static MessageImage Image(string name, int size, string alt) =>
        new(name, Enumerable.Range(0, size).Select(i => (byte)(i * 7)).ToArray(), alt);

    [Fact]
    public async Task SendDirectMessage_WithImages_OneMessageWithEachFileAndItsAltText()
    {
        await using var h = await AdapterHarness.StartAsync();
        var lee = h.Emulator.AddMember("dr-lee");
        var circle = Image("tuesday-circle.png", 5000, "Tuesday Circle, 8 weeks: messages 1, 2, 3.");
        var friday = Image("friday-group.png", 300, "Friday Group, 8 weeks: messages 0, 0, 4.");

        await h.Platform.SendDirectMessageAsync(lee, OutgoingMessage.Plain("Weekly digest", "digest:2026-11-09:lee"), [circle, friday], default);

        var message = Assert.Single(h.Emulator.MessagesIn(h.Emulator.DirectChannel(lee)!.Id));
        Assert.Equal("Weekly digest", message.Content);
        Assert.Equal(["tuesday-circle.png", "friday-group.png"], message.Attachments.Select(a => a.FileName));
        Assert.Equal([circle.AltText, friday.AltText], message.Attachments.Select(a => a.Description));
        Assert.Equal(circle.Png.ToArray(), message.Attachments[0].Bytes);
        Assert.Equal(friday.Png.ToArray(), message.Attachments[1].Bytes);
        Assert.All(message.Attachments, a => Assert.Equal("image/png", a.ContentType));
    }

    [Fact]
    public async Task SendDirectMessage_AltTextLongerThanDiscordKeeps_ShortenedTo1024()
    {
        await using var h = await AdapterHarness.StartAsync();
        var lee = h.Emulator.AddMember("dr-lee");

        await h.Platform.SendDirectMessageAsync(lee, OutgoingMessage.Plain("digest"), [Image("a.png", 10, new string('x', 3000))], default);

        var attachment = Assert.Single(Assert.Single(h.Emulator.MessagesIn(h.Emulator.DirectChannel(lee)!.Id)).Attachments);
        Assert.Equal(1024, attachment.Description!.Length);
    }

    [Fact]
    public async Task SendDirectMessage_ImageOverTheUploadLimit_RefusedAndNothingPosted()
    {
        await using var h = await AdapterHarness.StartAsync(emulatorOptions: new DiscordEmulatorOptions { MaxUploadBytes = 1000 });
        var lee = h.Emulator.AddMember("dr-lee");

        var ex = await Assert.ThrowsAsync<PlatformException>(() =>
            h.Platform.SendDirectMessageAsync(lee, OutgoingMessage.Plain("digest"), [Image("big.png", 1001, "big")], default));

        Assert.Contains("40005", ex.Message, StringComparison.Ordinal);
        Assert.Empty(h.Emulator.MessagesIn(h.Emulator.DirectChannel(lee)!.Id));

        // The text alone still goes.
        await h.Platform.SendDirectMessageAsync(lee, OutgoingMessage.Plain("digest"), default);
        Assert.Equal("digest", Assert.Single(h.Emulator.MessagesIn(h.Emulator.DirectChannel(lee)!.Id)).Content);
    }

    [Fact]
    public async Task SendDirectMessage_TwelveImages_TenWithTheTextAndTwoInAMessageAfterIt()
    {
        await using var h = await AdapterHarness.StartAsync();
        var lee = h.Emulator.AddMember("dr-lee");
        var images = Enumerable.Range(0, 12).Select(i => Image($"g{i}.png", 20, "group " + i)).ToList();

        await h.Platform.SendDirectMessageAsync(lee, OutgoingMessage.Plain("digest"), images, default);

        var messages = h.Emulator.MessagesIn(h.Emulator.DirectChannel(lee)!.Id);
        Assert.Equal(2, messages.Count);
        Assert.Equal("digest", messages[0].Content);
        Assert.Equal(10, messages[0].Attachments.Count);
        Assert.Equal(["g10.png", "g11.png"], messages[1].Attachments.Select(a => a.FileName));
    }

    [Fact]
    public async Task Emulator_UploadLimit_ExactlyTenMiBTaken_OneByteMoreIs413Code40005()
    {
        await using var discord = await DiscordEmulator.StartAsync();
        var channel = discord.AddChannel("c");
        const int TenMiB = 10 * 1024 * 1024;

        var (atLimit, _) = await PostFileAsync(discord, channel.Id, TenMiB, "n1");
        var (over, body) = await PostFileAsync(discord, channel.Id, TenMiB + 1, "n2");

        Assert.Equal(HttpStatusCode.OK, atLimit);
        Assert.Equal(HttpStatusCode.RequestEntityTooLarge, over);
        Assert.Contains("\"code\":40005", body, StringComparison.Ordinal);
        Assert.Equal(TenMiB, Assert.Single(Assert.Single(channel.Messages).Attachments).Bytes.Length);
        discord.AssertNoViolations();
    }

    [Fact]
    public async Task Emulator_FileWithoutAnAttachmentsEntry_IsAViolation()
    {
        await using var discord = await DiscordEmulator.StartAsync();
        var channel = discord.AddChannel("c");

        var (status, _) = await PostFileAsync(discord, channel.Id, 10, "n1", withEntry: false);

        Assert.Equal(HttpStatusCode.OK, status);
        Assert.Contains(discord.Violations, v => v.Contains("no entry with id 0", StringComparison.Ordinal));
    }

    private static async Task<(HttpStatusCode Status, string Body)> PostFileAsync(DiscordEmulator discord, string channelId, int size, string nonce, bool withEntry = true)
    {
        var attachments = withEntry ? ",\"attachments\":[{\"id\":\"0\",\"filename\":\"c.png\",\"description\":\"a chart\"}]" : "";
        var payload = $"{{\"content\":\"hi\",\"allowed_mentions\":{{\"parse\":[]}},\"nonce\":\"{nonce}\",\"enforce_nonce\":true{attachments}}}";
        using var form = new MultipartFormDataContent
        {
            { new StringContent(payload, Encoding.UTF8, "application/json"), "payload_json" },
        };
        var file = new ByteArrayContent(new byte[size]);
        file.Headers.ContentType = new MediaTypeHeaderValue("image/png");
        form.Add(file, "files[0]", "c.png");
        using var request = new HttpRequestMessage(HttpMethod.Post, $"{discord.ApiBaseUrl}/channels/{channelId}/messages") { Content = form };
        request.Headers.TryAddWithoutValidation("User-Agent", "DiscordBot (https://example.test, 1.0)");
        request.Headers.TryAddWithoutValidation("Authorization", "Bot " + discord.Token);
        using var response = await Http.SendAsync(request);
        return (response.StatusCode, await response.Content.ReadAsStringAsync());
    }
}
