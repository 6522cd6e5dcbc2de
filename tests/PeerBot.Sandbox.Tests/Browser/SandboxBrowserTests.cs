using Microsoft.Playwright;
using PeerBot.Core.Platform;
using PeerBot.Sandbox.Tests.Support;
using static Microsoft.Playwright.Assertions;

namespace PeerBot.Sandbox.Tests.Browser;

/// <summary>
/// The sandbox page end to end in a real headless Chromium: a real host, the real page, and the scripted
/// handler standing in for Core. Every wait is on a DOM condition; the timeouts are only a safety net.
/// </summary>
public sealed class SandboxBrowserTests : IClassFixture<ChromiumFixture>, IAsyncLifetime
{
    private const string Circle = "Tuesday Circle";
    private readonly ChromiumFixture _chromium;
    private SandboxTestHost _host = null!;
    private IBrowserContext? _context;
    private IPage _page = null!;

    public SandboxBrowserTests(ChromiumFixture chromium)
    {
        _chromium = chromium;
        SetDefaultExpectTimeout(20_000);
    }

    public async Task InitializeAsync()
    {
        _host = await SandboxTestHost.StartAsync();
        if (_chromium.Problem is not null || Environment.GetEnvironmentVariable(BrowserFactAttribute.SkipVariable) == "1")
        {
            return;
        }

        _context = await _chromium.Browser.NewContextAsync(new BrowserNewContextOptions
        {
            ViewportSize = new ViewportSize { Width = 1280, Height = 800 },
            Locale = "en-US",
            TimezoneId = "America/New_York",
        });
        _context.SetDefaultTimeout(20_000);
        _page = await _context.NewPageAsync();
    }

    public async Task DisposeAsync()
    {
        if (_context is not null)
        {
            await _context.DisposeAsync();
        }

        await _host.DisposeAsync();
    }

    [BrowserFact]
    public async Task ChooseResident_PostInTheGroup_MessageAppearsAndReachesCore()
    {
        await OpenAsAsync("Ana R.", withKeyboard: true);

        await Expect(_page.GetByRole(AriaRole.Heading, new() { Name = Circle, Level = 1 })).ToBeVisibleAsync();
        await Expect(_page.GetByText("nobody signs in", new() { Exact = false })).ToBeVisibleAsync();
        await SendAsync("Hello from the sandbox");

        await Expect(Messages().Filter(new() { HasText = "Hello from the sandbox" })).ToContainTextAsync("Ana R.");
        var incoming = Assert.Single(_host.Handler.Messages);
        Assert.Equal(("ana", _host.GroupChannel.Id, "Hello from the sandbox"), (incoming.AuthorUserId, incoming.ChannelId, incoming.Text));
    }

    [BrowserFact]
    public async Task ShareAnonymously_PostAppearsAsAnonymousMemberOnceTheClockPassesTheDelay()
    {
        _host.Groups.Add("g-tuesday", Circle, _host.Clock.GetUtcNow().AddDays(2));
        await _host.Platform.PostMessageAsync(_host.GroupChannel, new OutgoingMessage(
            [new HeadingBlock("This week's prompt"), new ParagraphBlock("Seniors: what did your first month of nights teach you?")], []), default);
        await OpenAsAsync("Elena S.");
        await SendAsync("Nights were rough at first. Sleep hygiene saved me, and asking for help early.");
        await SwitchToAsync("ana");

        await SendAsync("/peer share");
        var dialog = _page.GetByRole(AriaRole.Dialog, new() { Name = "Share anonymously" });
        await Expect(dialog).ToBeVisibleAsync();
        await dialog.GetByLabel("What would you like to share?").FillAsync("I froze during a code last week and I keep replaying it.");
        await dialog.GetByRole(AriaRole.Button, new() { Name = "Share", Exact = true }).ClickAsync();

        await Expect(dialog).ToBeHiddenAsync();
        var confirmation = Messages().Filter(new() { HasText = "Only you can see this" });
        await Expect(confirmation).ToContainTextAsync("Anonymous member");
        await Expect(Messages().Filter(new() { HasText = "I froze during a code" })).ToHaveCountAsync(0);

        await _page.GetByRole(AriaRole.Button, new() { Name = "+5 minutes" }).ClickAsync();

        var anonymous = Messages().Filter(new() { HasText = "I froze during a code last week" });
        await Expect(anonymous).ToContainTextAsync("Anonymous member");
        await Expect(anonymous).Not.ToContainTextAsync("Ana");
        var submission = Assert.Single(_host.Handler.Forms);
        Assert.Equal("I froze during a code last week and I keep replaying it.", submission.Values["text"]);

        await ScreenshotAsync();
    }

    [BrowserFact]
    public async Task ThreeResidentsFatalistic_AlertArrivesInTheFacilitatorsDm_AndTheyAcknowledgeIt()
    {
        await OpenAsAsync("Ana R.");
        await SendAsync("Honestly, what's the point. Nothing will ever change here.");
        await SwitchToAsync("elena");
        await SendAsync("It feels hopeless on this rotation.");
        await SwitchToAsync("isla");
        await SendAsync("There's no point trying to fix the schedule.");

        await SwitchToAsync("dr-lee");
        await _page.GetByRole(AriaRole.Link, new() { Name = "PeerBot, direct message" }).ClickAsync();
        await Expect(_page.GetByRole(AriaRole.Heading, new() { Name = "PeerBot", Level = 1 })).ToBeVisibleAsync();
        var alert = Messages().Filter(new() { HasText = "Fatalistic spiral in Tuesday Circle" });
        await Expect(alert).ToContainTextAsync("Status: open");

        await alert.GetByRole(AriaRole.Button, new() { Name = "Acknowledge" }).ClickAsync();

        await Expect(alert).ToContainTextAsync("Status: acknowledged by Dr. Sam Lee");
        await Expect(alert.GetByRole(AriaRole.Button, new() { Name = "Acknowledge" })).ToHaveCountAsync(0);
        await Expect(Messages().Filter(new() { HasText = "Only you can see this" })).ToContainTextAsync("You acknowledged alert A1.");
        var press = Assert.Single(_host.Handler.Buttons);
        Assert.Equal(("dr-lee", ScriptedEventHandler.AlertAction), (press.UserId, press.ActionId));
    }

    [BrowserFact]
    public async Task ResidentRunsAFacilitatorCommand_IsRefusedPrivately()
    {
        await OpenAsAsync("Ben T.");

        await SendAsync("/peer flags");

        var refusal = Messages().Filter(new() { HasText = "Only you can see this" });
        await Expect(refusal).ToContainTextAsync("Sorry, /peer flags is for the group's facilitators.");
        var command = Assert.Single(_host.Handler.Commands);
        Assert.Equal(("ben", "flags"), (command.UserId, command.Text));

        // Private replies are the page's alone: nothing was posted for the group to see.
        await SwitchToAsync("ana");
        await Expect(_page.GetByRole(AriaRole.Heading, new() { Name = Circle, Level = 1 })).ToBeVisibleAsync();
        await Expect(Messages().Filter(new() { HasText = "Sorry, /peer flags" })).ToHaveCountAsync(0);
    }

    private ILocator Messages() => _page.GetByRole(AriaRole.Log).Locator("li.message");

    private async Task OpenAsAsync(string name, bool withKeyboard = false)
    {
        Assert.True(_chromium.Problem is null, _chromium.Problem);
        await _page.GotoAsync(_host.Address.ToString());
        await Expect(_page.GetByRole(AriaRole.Heading, new() { Name = "Who are you?" })).ToBeVisibleAsync();
        var person = _page.GetByRole(AriaRole.Button, new() { Name = name });
        if (withKeyboard)
        {
            // Tab from the top of the page until the person's button has focus, then Enter, as a keyboard user would.
            for (var presses = 0; presses < 40 && !await person.EvaluateAsync<bool>("b => b === document.activeElement"); presses++)
            {
                await _page.Keyboard.PressAsync("Tab");
            }

            await Expect(person).ToBeFocusedAsync();
            await _page.Keyboard.PressAsync("Enter");
            await Expect(_page.GetByRole(AriaRole.Textbox, new() { Name = "Message", Exact = false })).ToBeFocusedAsync();
        }
        else
        {
            await person.ClickAsync();
        }

        await WaitUntilLiveAsync();
    }

    private async Task SwitchToAsync(string personId)
    {
        await _page.GetByLabel("You are").SelectOptionAsync(personId);
        await Expect(_page).ToHaveURLAsync(new System.Text.RegularExpressions.Regex($"as={personId}$"));
        await WaitUntilLiveAsync();
    }

    private async Task WaitUntilLiveAsync()
    {
        await Expect(_page.Locator("body[data-live='true']")).ToHaveCountAsync(1);
        await Expect(_page.GetByRole(AriaRole.Log)).ToBeVisibleAsync();
    }

    private async Task SendAsync(string text)
    {
        var composer = _page.GetByRole(AriaRole.Textbox, new() { Name = "Message", Exact = false });
        await composer.FillAsync(text);
        await composer.PressAsync("Enter");
        await Expect(composer).ToHaveValueAsync("");
    }

    private async Task ScreenshotAsync()
    {
        var path = Path.Combine(AppContext.BaseDirectory, "sandbox.png");
        await _page.ScreenshotAsync(new PageScreenshotOptions { Path = path });
        if (Environment.GetEnvironmentVariable("PEERBOT_UPDATE_SCREENSHOTS") == "1")
        {
            var root = AppContext.BaseDirectory;
            while (root is not null && !File.Exists(Path.Combine(root, "PeerBot.sln")))
            {
                root = Path.GetDirectoryName(root);
            }

            Assert.NotNull(root);
            var target = Path.Combine(root, "docs", "images", "sandbox.png");
            Directory.CreateDirectory(Path.GetDirectoryName(target)!);
            File.Copy(path, target, overwrite: true);
        }
    }
}
