using Microsoft.Playwright;
using PeerBot.Sandbox.Tests.Support;
using static Microsoft.Playwright.Assertions;

namespace PeerBot.Sandbox.Tests.Browser;

/// <summary>
/// What the browser tests share: the program's own sandbox host, started afresh for each test, and one page in a
/// headless Chromium context (1280 × 800, en-US, in <paramref name="timeZoneId"/>). With no browser, or with browser
/// tests skipped, only the host starts and <see cref="BrowserFactAttribute"/> tells the tests.
/// </summary>
public abstract class SandboxPageTestBase(ChromiumFixture chromium, string timeZoneId) : IAsyncLifetime
{
    /// <summary>The shared browser.</summary>
    protected ChromiumFixture Chromium { get; } = chromium;

    /// <summary>The sandbox, as the program runs it.</summary>
    private protected RealSandboxHost Host { get; private set; } = null!;

    /// <summary>The browser context, null when browser tests are skipped.</summary>
    protected IBrowserContext? Context { get; private set; }

    /// <summary>The page a test drives.</summary>
    protected IPage Page { get; private set; } = null!;

    /// <inheritdoc />
    public async Task InitializeAsync()
    {
        SetDefaultExpectTimeout(20_000);
        Host = await RealSandboxHost.StartAsync();
        if (Chromium.Problem is not null || Environment.GetEnvironmentVariable(BrowserFactAttribute.SkipVariable) == "1")
        {
            return;
        }

        Context = await Chromium.Browser.NewContextAsync(new BrowserNewContextOptions
        {
            ViewportSize = new ViewportSize { Width = 1280, Height = 800 },
            Locale = "en-US",
            TimezoneId = timeZoneId,
        });
        Context.SetDefaultTimeout(20_000);
        Page = await Context.NewPageAsync();
    }

    /// <inheritdoc />
    public async Task DisposeAsync()
    {
        if (Context is not null)
        {
            await Context.DisposeAsync();
        }

        await Host.DisposeAsync();
    }

    /// <summary>The messages of the open channel.</summary>
    protected ILocator Messages() => Page.GetByRole(AriaRole.Log).Locator("li.message");
}
