using System.Text.RegularExpressions;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Playwright;
using PeerBot.Core.Digest;
using PeerBot.Core.People;
using PeerBot.Sandbox.Tests.Support;
using static Microsoft.Playwright.Assertions;

namespace PeerBot.Sandbox.Tests.Browser;

/// <summary>
/// The sandbox end to end in a real headless Chromium, against the program's own host: the demo roster and
/// the real Core answer everything (commands, anonymous sharing, safety alerts). Every wait is on a DOM
/// condition; the timeouts are only a safety net.
/// </summary>
public sealed partial class SandboxBrowserTests(ChromiumFixture chromium) : SandboxPageTestBase(chromium, "America/New_York"), IClassFixture<ChromiumFixture>
{
    private const string Circle = "Tuesday Circle";

    [BrowserFact]
    public async Task ResidentPostsThenSharesAnonymously_PostAppearsAsAnonymousMemberOnceTheClockPassesTheDelay()
    {
        await OpenAsAsync("Ana R.", withKeyboard: true);
        await OpenGroupAsync();
        await Expect(Page.GetByText("nobody signs in", new() { Exact = false })).ToBeVisibleAsync();

        // The group's scheduled prompt (Tuesdays), posted by the real scheduler once the clock reaches it; the other
        // demo groups' prompts (Saturday, Wednesday) may come first, depending on today's weekday.
        var prompt = Messages().Filter(new() { HasText = "Answer here, or share anonymously with /peer share." });
        var next = Page.Locator("#clock-next");
        for (var jumps = 0; jumps < 3 && await prompt.CountAsync() == 0; jumps++)
        {
            var before = await next.InnerTextAsync();
            await Page.GetByRole(AriaRole.Button, new() { Name = "Jump to next prompt" }).ClickAsync();
            if (before.Contains("Tue", StringComparison.Ordinal))
            {
                break;
            }

            await Expect(next).Not.ToHaveTextAsync(before);
        }

        await Expect(prompt.First).ToContainTextAsync("PeerBot");

        await SwitchToAsync("elena");
        await OpenGroupAsync();
        await SendAsync("Foggy. Three nights in a row, but the team carried me through the worst of it.");
        await SwitchToAsync("ana");
        await OpenGroupAsync();
        await SendAsync("A storm rolling in: nights start for me next week. Thanks Elena, that helps.");
        await Expect(Messages().Filter(new() { HasText = "Nights start for me next week" })).ToContainTextAsync("Ana R.");

        await SendAsync("/peer share");
        var dialog = Page.GetByRole(AriaRole.Dialog);
        await Expect(dialog).ToBeVisibleAsync();
        await dialog.GetByRole(AriaRole.Textbox).First.FillAsync("I froze during a code last week and I keep replaying it.");
        await dialog.Locator("#form-submit").ClickAsync();

        await Expect(dialog).ToBeHiddenAsync();
        await Expect(Messages().Filter(new() { HasText = "Only you can see this" })).Not.ToHaveCountAsync(0);
        await Expect(Messages().Filter(new() { HasText = "I froze during a code" })).ToHaveCountAsync(0);

        await Page.GetByRole(AriaRole.Button, new() { Name = "+5 minutes" }).ClickAsync();

        var anonymous = Messages().Filter(new() { HasText = "I froze during a code last week" });
        await Expect(anonymous).ToHaveCountAsync(1);
        await Expect(anonymous).ToContainTextAsync("Anonymous member");
        await Expect(anonymous).Not.ToContainTextAsync("Ana");

        // Another member sees the same post, with nothing that points to Ana.
        await SwitchToAsync("ben");
        await OpenGroupAsync();
        await Expect(anonymous).ToContainTextAsync("Anonymous member");
        await Expect(anonymous).Not.ToContainTextAsync("Ana");

        await SwitchToAsync("ana");
        await OpenGroupAsync();
        await Expect(anonymous).ToBeVisibleAsync();
        await ScreenshotAsync();
    }

    [BrowserFact]
    public async Task ThreeResidentsFatalistic_AlertArrivesInTheFacilitatorsDm_AndTheyAcknowledgeIt()
    {
        await OpenAsAsync("Ana R.");
        await OpenGroupAsync();
        await SendAsync("Honestly, what's the point. Nothing will ever change here.");
        await SwitchToAsync("elena");
        await OpenGroupAsync();
        await SendAsync("It feels hopeless on this rotation, nothing we do will ever matter.");
        await SwitchToAsync("isla");
        await OpenGroupAsync();
        await SendAsync("There's no point trying, it never gets better and it never will.");

        await SwitchToAsync("dr-lee");
        await Page.GetByRole(AriaRole.Link, new() { Name = "PeerBot, direct message" }).ClickAsync();
        await Expect(Page.GetByRole(AriaRole.Heading, new() { Name = "PeerBot", Level = 1 })).ToBeVisibleAsync();
        var alert = Messages().Filter(new() { HasText = $"Fatalistic spiral: {Circle}" });
        await Expect(alert).ToHaveCountAsync(1);
        await Expect(alert).ToContainTextAsync("America/New_York");
        await Expect(alert.Locator(".message-body.tone-warning")).ToHaveCountAsync(1);

        await alert.GetByRole(AriaRole.Button, new() { Name = "Acknowledge" }).ClickAsync();

        await Expect(alert).ToContainTextAsync("acknowledged by Dr. Sam Lee");
        await Expect(alert.GetByRole(AriaRole.Button, new() { Name = "Acknowledge" })).ToHaveCountAsync(0);
        await Expect(alert.GetByRole(AriaRole.Button, new() { Name = "Resolve" })).ToBeVisibleAsync();

        // Residents are never told they were flagged.
        await SwitchToAsync("ana");
        await Page.GetByRole(AriaRole.Link, new() { Name = "PeerBot, direct message" }).ClickAsync();
        await Expect(Page.GetByRole(AriaRole.Heading, new() { Name = "PeerBot", Level = 1 })).ToBeVisibleAsync();
        await Expect(Messages().Filter(new() { HasText = "Fatalistic" })).ToHaveCountAsync(0);
    }

    [BrowserFact]
    public async Task CrisisInTheGroup_AuthorToldWhoKnowsWithTwoButtons_PleaseReachOutShowsOnThePsychologistsRedAlert()
    {
        await OpenAsAsync("Ana R.");
        await OpenGroupAsync();
        await SendAsync("Honestly some nights I want to die.");

        await OpenDirectAsync();
        var reply = Messages().Filter(new() { HasText = "Would you like someone to reach out to you?" });
        await Expect(reply).ToHaveCountAsync(1);
        await Expect(reply).ToContainTextAsync("988");
        await Expect(reply).ToContainTextAsync("Dr. Jo Kim, know privately");
        await Expect(reply.GetByRole(AriaRole.Button, new() { Name = "I'm OK for now" })).ToBeVisibleAsync();
        var reachOut = reply.GetByRole(AriaRole.Button, new() { Name = "Please reach out" });
        await Expect(reachOut).ToBeVisibleAsync();

        await reachOut.ClickAsync();

        var thanks = Messages().Filter(new() { HasText = "Thank you for telling us." });
        await Expect(thanks).ToHaveCountAsync(1);
        await Expect(thanks).ToContainTextAsync("Only you can see this");

        // The psychologist's alert is the red crisis card, and now says what Ana asked for.
        await SwitchToAsync("dr-kim");
        await OpenDirectAsync();
        var alert = Messages().Filter(new() { HasText = $"Crisis alert: {Circle}" });
        await Expect(alert).ToHaveCountAsync(1);
        await Expect(alert.Locator(".message-body.tone-crisis")).ToHaveCountAsync(1);
        await Expect(alert.Locator(".tone-label")).ToHaveTextAsync("URGENT \u2014 CRISIS");
        await Expect(alert).ToContainTextAsync("What to do now");
        await Expect(alert).ToContainTextAsync("They asked you to reach out");
        await alert.ScrollIntoViewIfNeededAsync();
        await ScreenshotAsync("crisis-alert");
    }

    [BrowserFact]
    public async Task ResidentRunsAFacilitatorCommand_IsRefusedPrivately()
    {
        await OpenAsAsync("Ben T.");
        await OpenGroupAsync();

        await SendAsync("/peer flags");

        var refusal = Messages().Filter(new() { HasText = "Only you can see this" });
        await Expect(refusal).ToHaveCountAsync(1);
        await Expect(refusal).ToContainTextAsync(FacilitatorsOnly());

        // Private replies are the page's alone: nothing was posted for the group to see.
        await SwitchToAsync("ana");
        await OpenGroupAsync();
        await Expect(Messages().Filter(new() { HasText = "/peer flags" })).ToHaveCountAsync(0);
        await Expect(Messages().Filter(new() { HasText = "Only you can see this" })).ToHaveCountAsync(0);
    }

    [BrowserFact]
    public async Task ForgetMe_PrivateReplyHasTheConfirmButton_AndPressingItErases()
    {
        await OpenAsAsync("Ana R.");
        await OpenDirectAsync();

        await SendAsync("/peer forget-me");

        var ask = Messages().Filter(new() { HasText = "Forget me?" });
        await Expect(ask).ToHaveCountAsync(1);
        await Expect(ask).ToContainTextAsync("Only you can see this");
        var confirm = ask.GetByRole(AriaRole.Button, new() { Name = "Yes, forget me" });
        await Expect(confirm).ToBeVisibleAsync();

        await confirm.ClickAsync();

        var done = Messages().Filter(new() { HasText = "Done. Erased" });
        await Expect(done).ToHaveCountAsync(1);
        await Expect(done).ToContainTextAsync("You've left your group");
        await Expect(done).ToContainTextAsync("Only you can see this");
    }

    [BrowserFact]
    public async Task Pause_TypedInTheGroupChannel_ConfirmationWaitsInTheDirectMessagesAfterLeaving()
    {
        await OpenAsAsync("Ben T.");
        await OpenGroupAsync();

        await SendAsync("/peer pause 2");

        // Ben leaves the group's channel, and the page takes him to his conversation with PeerBot, where the
        // confirmation stays: how long, and how to come back.
        await Expect(Page.GetByRole(AriaRole.Link, new() { NameRegex = CircleChannel() })).ToHaveCountAsync(0);
        await Expect(Page.GetByRole(AriaRole.Heading, new() { Name = "PeerBot", Level = 1 })).ToBeVisibleAsync();
        var confirmation = Messages().Filter(new() { HasText = "You've stepped out of Tuesday Circle until" });
        await Expect(confirmation).ToHaveCountAsync(1);
        await Expect(confirmation).ToContainTextAsync("/peer resume");
        await Expect(confirmation).Not.ToContainTextAsync("Only you can see this");

        // It is a message, so it is still there after a reload.
        await Page.ReloadAsync();
        await WaitUntilLiveAsync();
        await OpenDirectAsync();
        await Expect(Messages().Filter(new() { HasText = "You've stepped out of Tuesday Circle until" })).ToHaveCountAsync(1);
    }

    [GeneratedRegex("tuesday-circle")]
    private static partial Regex CircleChannel();

    [GeneratedRegex(@"Sorry, .*/peer flags .*facilitators")]
    private static partial Regex FacilitatorsOnly();

    [BrowserFact]
    public async Task Digest_SentToAFacilitator_EachGroupsChartShowsInTheDirectMessagesWithItsAltText()
    {
        await OpenAsAsync("Ana R.");
        await SwitchToAsync("dr-lee");

        // The real composer (figures, words, ScottPlot charts) and the real delivery, as the weekly schedule runs them.
        var composer = Host.Services.GetRequiredService<DigestComposer>();
        var lee = Host.Services.GetRequiredService<IPeopleDirectory>().Find("dr-lee")!;
        var digest = (await composer.ForPersonAsync(lee, null, default))!;
        var sent = await Host.Services.GetRequiredService<DigestDelivery>().SendAsync(digest, Host.Groups.All(), default);
        Assert.Equal(DigestSendResult.Sent, sent);

        await OpenDirectAsync();
        var message = Messages().Filter(new() { HasText = "Weekly digest" });
        await Expect(message).ToHaveCountAsync(1);
        var images = message.GetByRole(AriaRole.Img);
        await Expect(images).ToHaveCountAsync(digest.Charts.Count);
        for (var i = 0; i < digest.Charts.Count; i++)
        {
            await Expect(images.Nth(i)).ToHaveAttributeAsync("alt", digest.Charts[i].AltText);
        }

        // Decoded by the browser, at the chart's own size: a broken data URL has no natural width.
        var width = await images.First.EvaluateAsync<int>("img => img.complete ? img.naturalWidth : new Promise(r => img.onload = () => r(img.naturalWidth))");
        Assert.Equal(1080, width);
    }

    [BrowserFact]
    public async Task DigestOnDemand_FacilitatorTypesPeerDigest_ReadsTheWeekAndSeesTheChart()
    {
        // Eight past weeks of example figures for Tuesday Circle, counted as the recorder counts them (a sandbox started
        // today has none): what a facilitator sees two months into a program. The README's screenshot is taken here.
        var circle = Host.Groups.All().Single(g => g.Name == Circle);
        var counters = Host.Services.GetRequiredService<IDigestCounters>();
        var today = DateOnly.FromDateTime(Host.Services.GetRequiredService<TimeProvider>().GetUtcNow().UtcDateTime);
        var thisWeek = today.AddDays(-(((int)today.DayOfWeek + 6) % 7));
        int[] messages = [14, 19, 11, 22, 17, 9, 16, 21], took = [4, 3, 3, 4, 4, 2, 3, 4], fatalistic = [1, 0, 2, 3, 1, 4, 2, 1];
        for (var w = 0; w < 8; w++)
        {
            var week = thisWeek.AddDays(-7 * (8 - w));
            counters.Add(circle.Id, DigestCounter.Messages, week, messages[w]);
            counters.Add(circle.Id, DigestCounter.PromptsPosted, week, 1);
            counters.Add(circle.Id, DigestCounter.PromptsReplied, week, 1);
            counters.Add(circle.Id, DigestCounter.FatalisticMessages, week, fatalistic[w]);
            for (var m = 0; m < took[w]; m++)
            {
                counters.AddParticipant(circle.Id, week, $"example-{w}-{m}");
            }
        }

        counters.Add(circle.Id, DigestCounter.SpiralRaised, thisWeek.AddDays(-7 * 3));
        counters.Add(circle.Id, DigestCounter.SpiralResolved, thisWeek.AddDays(-7 * 3));

        await OpenAsAsync("Dr. Sam Lee");
        await OpenDirectAsync();
        await SendAsync("/peer digest " + circle.Id);

        var reply = Messages().Filter(new() { HasText = "Only you can see this" }).Filter(new() { HasText = $"{Circle}: 4 of 4" });
        await Expect(reply).ToHaveCountAsync(1);
        await Expect(reply).ToContainTextAsync("took part, up from 3");
        var image = Messages().Locator($"img[alt*='{Circle}']");
        await Expect(image).ToHaveCountAsync(1);
        var width = await image.EvaluateAsync<int>("img => img.complete ? img.naturalWidth : new Promise(r => img.onload = () => r(img.naturalWidth))");
        Assert.Equal(1080, width);
        await reply.EvaluateAsync("m => m.scrollIntoView({ block: 'start' })");
        await ScreenshotAsync("digest");
    }

    private async Task OpenAsAsync(string name, bool withKeyboard = false)
    {
        Assert.True(Chromium.Problem is null, Chromium.Problem);
        await Page.GotoAsync(Host.Address.ToString());
        await Expect(Page.GetByRole(AriaRole.Heading, new() { Name = "Who are you?" })).ToBeVisibleAsync();
        var person = Page.GetByRole(AriaRole.Button, new() { Name = name });
        if (withKeyboard)
        {
            // Tab from the top of the page until the person's button has focus, then Enter, as a keyboard user would.
            for (var presses = 0; presses < 40 && !await person.EvaluateAsync<bool>("b => b === document.activeElement"); presses++)
            {
                await Page.Keyboard.PressAsync("Tab");
            }

            await Expect(person).ToBeFocusedAsync();
            await Page.Keyboard.PressAsync("Enter");
            await Expect(Page.GetByRole(AriaRole.Textbox, new() { Name = "Message", Exact = false })).ToBeFocusedAsync();
        }
        else
        {
            await person.ClickAsync();
        }

        await WaitUntilLiveAsync();
    }

    private async Task OpenGroupAsync()
    {
        // Reconciliation names the channel after the group (peer-tuesday-circle).
        await Page.GetByRole(AriaRole.Link, new() { NameRegex = CircleChannel() }).ClickAsync();
        await Expect(Page.GetByRole(AriaRole.Heading, new() { NameRegex = CircleChannel(), Level = 1 })).ToBeVisibleAsync();
        await WaitUntilLiveAsync();
    }

    private async Task OpenDirectAsync()
    {
        await Page.GetByRole(AriaRole.Link, new() { Name = "PeerBot, direct message" }).ClickAsync();
        await Expect(Page.GetByRole(AriaRole.Heading, new() { Name = "PeerBot", Level = 1 })).ToBeVisibleAsync();
        await WaitUntilLiveAsync();
    }

    private async Task SwitchToAsync(string personId)
    {
        await Page.GetByLabel("You are").SelectOptionAsync(personId);
        await Expect(Page).ToHaveURLAsync(new Regex($"as={Regex.Escape(personId)}"));
        await WaitUntilLiveAsync();
    }

    private async Task WaitUntilLiveAsync()
    {
        await Expect(Page.Locator("body[data-live='true']")).ToHaveCountAsync(1);
        await Expect(Page.GetByRole(AriaRole.Log)).ToBeVisibleAsync();
    }

    private async Task SendAsync(string text)
    {
        var composer = Page.GetByRole(AriaRole.Textbox, new() { Name = "Message", Exact = false });
        await composer.FillAsync(text);
        await composer.PressAsync("Enter");
        await Expect(composer).ToHaveValueAsync("");
    }

    private async Task ScreenshotAsync(string name = "sandbox")
    {
        var path = Path.Combine(AppContext.BaseDirectory, name + ".png");
        await Page.ScreenshotAsync(new PageScreenshotOptions { Path = path });
        if (Environment.GetEnvironmentVariable("PEERBOT_UPDATE_SCREENSHOTS") == "1")
        {
            var root = AppContext.BaseDirectory;
            while (root is not null && !File.Exists(Path.Combine(root, "PeerBot.sln")))
            {
                root = Path.GetDirectoryName(root);
            }

            Assert.NotNull(root);
            var target = Path.Combine(root, "docs", "images", name + ".png");
            Directory.CreateDirectory(Path.GetDirectoryName(target)!);
            File.Copy(path, target, overwrite: true);
        }
    }
}
