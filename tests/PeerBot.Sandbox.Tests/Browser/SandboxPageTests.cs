using System.Net.Http.Json;
using System.Text.Json;
using System.Text.RegularExpressions;
using Microsoft.Playwright;
using PeerBot.Sandbox.Tests.Support;
using static Microsoft.Playwright.Assertions;

namespace PeerBot.Sandbox.Tests.Browser;

/// <summary>
/// The page's own behaviour in a real headless Chromium against the program's host: length limits, unread
/// badges, times, keyboard focus and many tabs. Every wait is on a DOM condition; the timeouts are a safety net. The
/// browser's time zone (Asia/Tokyo) differs from the program's (America/New_York) on purpose.
/// </summary>
public sealed partial class SandboxPageTests(ChromiumFixture chromium) : SandboxPageTestBase(chromium, "Asia/Tokyo"), IClassFixture<ChromiumFixture>
{
    [BrowserFact]
    public async Task Composer_TextOverTheLimit_CountsItAndRefusesBeforeSendingKeepingTheText()
    {
        await OpenAsAsync("ana");
        var composer = Composer();
        var text = string.Concat(Enumerable.Repeat("A long night, and a longer morning. ", 139)).Trim();
        Assert.True(text.Length > 4000 && text.Length < 5100, $"{text.Length} characters");

        await composer.FillAsync(text);

        var count = Page.Locator("#composer-count");
        await Expect(count).ToBeVisibleAsync();
        await Expect(count).ToContainTextAsync($"{text.Length:N0} / 4,000 characters");
        await Expect(Page.GetByRole(AriaRole.Button, new() { Name = "Send" })).ToBeDisabledAsync();

        await composer.PressAsync("Enter");

        await Expect(composer).ToHaveValueAsync(text);
        await Expect(Messages().Filter(new() { HasText = "A long night, and a longer morning." })).ToHaveCountAsync(0);
        Assert.Equal(string.Empty, await Page.Locator("#composer-error").InnerTextAsync());

        // Cut back under the limit, it goes.
        await composer.FillAsync(text[..3990]);
        await Expect(Page.GetByRole(AriaRole.Button, new() { Name = "Send" })).ToBeEnabledAsync();
    }

    [BrowserFact]
    public async Task ShareForm_PastedTextOverTheLimit_IsKeptWholeCountedAndNotSubmitted()
    {
        await OpenAsAsync("ana");
        await SendAsync("/peer share");
        var dialog = Page.GetByRole(AriaRole.Dialog);
        await Expect(dialog).ToBeVisibleAsync();
        var field = dialog.GetByRole(AriaRole.Textbox).First;
        var text = string.Concat(Enumerable.Repeat("I keep replaying it. ", 100)).Trim();

        await field.FillAsync(text);

        await Expect(field).ToHaveValueAsync(text);
        await Expect(dialog.Locator(".field-count")).ToContainTextAsync("too many to send");
        await Expect(dialog.Locator("#form-submit")).ToBeDisabledAsync();
        await Expect(dialog).ToBeVisibleAsync();
    }

    [BrowserFact]
    public async Task AlertArrivesWhileSomeoneElseIsOnScreen_SwitchingToTheFacilitatorShowsItUnreadUntilOpened()
    {
        await OpenAsAsync("ben");

        // Dr. Lee's own page, open elsewhere on the group's channel, shows when the alert has arrived.
        var elsewhere = await Context!.NewPageAsync();
        await OpenAsAsync("dr-lee", elsewhere);
        var group = await ChannelIdAsync("ana", "private");
        await PostAsAsync("ana", group, "Honestly, what's the point. Nothing will ever change here.");
        await PostAsAsync("elena", group, "It feels hopeless on this rotation, nothing we do will ever matter.");
        await PostAsAsync("isla", group, "There's no point trying, it never gets better and it never will.");
        await Expect(elsewhere.GetByRole(AriaRole.Link, new() { NameRegex = UnreadDirect() })).ToBeVisibleAsync();
        await elsewhere.CloseAsync();

        await SwitchToAsync("dr-lee");

        var unread = Page.GetByRole(AriaRole.Link, new() { NameRegex = UnreadDirect() });
        await Expect(unread).ToBeVisibleAsync();
        await Page.ReloadAsync();
        await WaitUntilLiveAsync(Page);
        await Expect(unread).ToBeVisibleAsync();

        await unread.ClickAsync();
        await Expect(Messages().Filter(new() { HasText = "Fatalistic spiral" })).ToHaveCountAsync(1);
        var read = Page.GetByRole(AriaRole.Link, new() { Name = "PeerBot, direct message", Exact = true });
        await Expect(read).ToBeVisibleAsync();

        // Read is kept too: back as Ben and then Dr. Lee again, the badge does not come back.
        await SwitchToAsync("ben");
        await SwitchToAsync("dr-lee");
        await Expect(read).ToBeVisibleAsync();
        await Expect(unread).ToHaveCountAsync(0);
    }

    [GeneratedRegex(@"^PeerBot, direct message, \d+ unread$")]
    private static partial Regex UnreadDirect();

    [BrowserFact]
    public async Task Times_BrowserInAnotherZone_AreShownInTheProgramsZoneNamedOnceAndOlderOnesWithTheirDate()
    {
        var program = TimeZoneInfo.FindSystemTimeZoneById("America/New_York");
        await OpenAsAsync("ana");
        await Expect(Page.Locator("#time-zone")).ToHaveTextAsync("Times in America/New York");

        await SendAsync("What time is it where the group is?");
        var time = Messages().Filter(new() { HasText = "What time is it where the group is?" }).Locator("time");
        await Expect(time).ToHaveCountAsync(1);
        var postedAt = DateTimeOffset.Parse(await time.GetAttributeAsync("datetime") ?? "", System.Globalization.CultureInfo.InvariantCulture);
        var local = TimeZoneInfo.ConvertTime(postedAt, program);
        Assert.Equal(local.ToString("h:mm tt", System.Globalization.CultureInfo.InvariantCulture), Plain(await time.InnerTextAsync()));

        var clockNow = Page.Locator("#clock-now");
        var shownNow = DateTimeOffset.Parse(await clockNow.GetAttributeAsync("datetime") ?? "", System.Globalization.CultureInfo.InvariantCulture);
        Assert.Equal(TimeZoneInfo.ConvertTime(shownNow, program).ToString("ddd, MMM d, h:mm tt", System.Globalization.CultureInfo.InvariantCulture), Plain(await clockNow.InnerTextAsync()));

        // A day later, yesterday's message shows its date (the program's date, not the browser's).
        using (var client = Client())
        {
            using var moved = await client.PostAsJsonAsync("/api/clock/advance", new { minutes = 24 * 60 });
            Assert.True(moved.IsSuccessStatusCode);
        }

        await Page.ReloadAsync();
        await WaitUntilLiveAsync(Page);
        var dated = local.ToString("ddd, MMM d, h:mm tt", System.Globalization.CultureInfo.InvariantCulture);
        await Expect(time).ToHaveTextAsync(new Regex("^" + Regex.Escape(dated).Replace("\\ ", "\\s", StringComparison.Ordinal) + "$"));
    }

    // Chromium's Intl puts narrow and no-break spaces around AM/PM.
    private static string Plain(string text) => text.Replace('\u202f', ' ').Replace('\u00a0', ' ');

    [BrowserFact]
    public async Task SidebarChannel_EnterPressed_OpensItAndFocusesTheComposer()
    {
        await OpenAsAsync("ana");
        var general = Page.GetByRole(AriaRole.Link, new() { NameRegex = new Regex("^general") });
        await general.FocusAsync();

        await Page.Keyboard.PressAsync("Enter");

        await Expect(Page.GetByRole(AriaRole.Heading, new() { Name = "# general", Level = 1 })).ToBeVisibleAsync();
        await Expect(Composer()).ToBeFocusedAsync();
    }

    [BrowserFact]
    public async Task SevenTabs_OneBrowser_EveryTabStaysLiveAndGetsTheNewMessage()
    {
        string[] people = ["ana", "elena", "isla", "ben", "dr-lee", "dr-kim", "dev"];
        var tabs = new List<IPage> { Page };
        while (tabs.Count < people.Length)
        {
            tabs.Add(await Context!.NewPageAsync());
        }

        // Each tab opens the lobby, where the message will be posted.
        for (var i = 0; i < tabs.Count; i++)
        {
            await OpenAsAsync(people[i], tabs[i]);
            await tabs[i].GetByRole(AriaRole.Link, new() { NameRegex = new Regex("^general") }).ClickAsync();
            await Expect(tabs[i].GetByRole(AriaRole.Heading, new() { Name = "# general", Level = 1 })).ToBeVisibleAsync();
            await Expect(tabs[i].Locator("#connection")).ToBeHiddenAsync();
        }

        await PostAsAsync("ben", "general", "Seven tabs and every one of them hears this.");

        foreach (var tab in tabs)
        {
            await Expect(tab.GetByRole(AriaRole.Log).Locator("li.message").Filter(new() { HasText = "Seven tabs and every one of them hears this." })).ToHaveCountAsync(1);
        }
    }

    [BrowserFact]
    public async Task SandboxStops_ThePageSaysUpdatesHaveStopped()
    {
        await OpenAsAsync("ana");
        var connection = Page.Locator("#connection");
        await Expect(connection).ToBeHiddenAsync();

        await Host.StopAsync();

        await Expect(connection).ToBeVisibleAsync();
        await Expect(connection).ToContainTextAsync("Reconnecting");
        await Expect(Page.Locator("body[data-live='false']")).ToHaveCountAsync(1);
    }

    private ILocator Composer() => Page.GetByRole(AriaRole.Textbox, new() { Name = "Message", Exact = false });

    private async Task OpenAsAsync(string personId, IPage? page = null)
    {
        Assert.True(Chromium.Problem is null, Chromium.Problem);
        page ??= Page;
        await page.GotoAsync(new Uri(Host.Address, $"?as={Uri.EscapeDataString(personId)}").ToString());
        await WaitUntilLiveAsync(page);
    }

    private async Task SwitchToAsync(string personId)
    {
        await Page.GetByLabel("You are").SelectOptionAsync(personId);
        await Expect(Page).ToHaveURLAsync(new Regex($"as={Regex.Escape(personId)}"));
        await WaitUntilLiveAsync(Page);
    }

    private static async Task WaitUntilLiveAsync(IPage page)
    {
        await Expect(page.Locator("body[data-live='true']")).ToHaveCountAsync(1);
        await Expect(page.GetByRole(AriaRole.Log)).ToBeVisibleAsync();
    }

    private async Task SendAsync(string text)
    {
        var composer = Composer();
        await composer.FillAsync(text);
        await composer.PressAsync("Enter");
        await Expect(composer).ToHaveValueAsync("");
    }

    private HttpClient Client() => new() { BaseAddress = Host.Address, Timeout = TimeSpan.FromSeconds(30) };

    /// <summary>Posts as a person through the page's API, as another browser would.</summary>
    private async Task PostAsAsync(string personId, string channelId, string text)
    {
        using var client = Client();
        using var response = await client.PostAsJsonAsync($"/api/channels/{Uri.EscapeDataString(channelId)}/messages", new { @as = personId, text });
        Assert.True(response.IsSuccessStatusCode, await response.Content.ReadAsStringAsync());
    }

    private async Task<string> ChannelIdAsync(string personId, string kind)
    {
        using var client = Client();
        var channels = await client.GetFromJsonAsync<JsonElement>($"/api/channels?as={Uri.EscapeDataString(personId)}");
        return channels.EnumerateArray().First(c => c.GetProperty("kind").GetString() == kind).GetProperty("id").GetString()!;
    }
}
