namespace PeerBot.Sandbox.Tests.Browser;

/// <summary>
/// A test that drives a real headless Chromium. It runs everywhere (and fails with a clear message when the
/// browser is missing) unless <c>PEERBOT_SKIP_BROWSER_TESTS=1</c> leaves it out, for a machine without Chromium.
/// CI installs Chromium and never sets it.
/// </summary>
[AttributeUsage(AttributeTargets.Method)]
public sealed class BrowserFactAttribute : FactAttribute
{
    public const string SkipVariable = "PEERBOT_SKIP_BROWSER_TESTS";

    public BrowserFactAttribute()
    {
        Timeout = 120_000;
        if (Environment.GetEnvironmentVariable(SkipVariable) == "1")
        {
            Skip = $"{SkipVariable}=1: browser tests left out on this machine.";
        }
    }
}
