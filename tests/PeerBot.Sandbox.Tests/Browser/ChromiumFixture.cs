using Microsoft.Playwright;

namespace PeerBot.Sandbox.Tests.Browser;

/// <summary>
/// One headless Chromium for the browser tests: Debian's <c>chromium</c> package (never a downloaded browser),
/// at <c>/usr/bin/chromium</c> or <c>PEERBOT_CHROMIUM</c>. Each launch gets a fresh temporary profile.
/// </summary>
public sealed class ChromiumFixture : IAsyncLifetime
{
    public const string PathVariable = "PEERBOT_CHROMIUM";
    public const string DefaultPath = "/usr/bin/chromium";

    private static readonly string[] Arguments =
    [
        "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
        "--disable-background-networking", "--disable-component-update", "--disable-sync",
    ];

    private IPlaywright? _playwright;
    private IBrowser? _browser;

    public IBrowser Browser => _browser ?? throw new InvalidOperationException(Problem ?? "The browser did not start.");

    /// <summary>Why the browser is not available, when it is not.</summary>
    public string? Problem { get; private set; }

    public async Task InitializeAsync()
    {
        if (Environment.GetEnvironmentVariable(BrowserFactAttribute.SkipVariable) == "1")
        {
            return;
        }

        var path = Environment.GetEnvironmentVariable(PathVariable) is { Length: > 0 } configured ? configured : DefaultPath;
        if (!File.Exists(path))
        {
            Problem = $"The browser tests need Chromium at {path}, and it is not there. Install Debian's package "
                + $"(apt-get install -y chromium), or point {PathVariable} at a Chromium binary; on a machine that cannot have one, "
                + $"set {BrowserFactAttribute.SkipVariable}=1 to leave these tests out.";
            return;
        }

        _playwright = await Playwright.CreateAsync();
        _browser = await _playwright.Chromium.LaunchAsync(new BrowserTypeLaunchOptions
        {
            ExecutablePath = path,
            Headless = true,
            Args = Arguments,
            Timeout = 60_000,
        });
    }

    public async Task DisposeAsync()
    {
        if (_browser is not null)
        {
            await _browser.DisposeAsync();
        }

        _playwright?.Dispose();
    }
}
