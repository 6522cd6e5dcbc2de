using System.Diagnostics;

namespace PeerBot.Testing.Hosting;

/// <summary>The built program (copied beside the tests), to run as its own process.</summary>
public static class BuiltProgram
{
    /// <summary>
    /// How to start peerbot.dll with the dotnet that runs the tests, in <paramref name="workingDirectory"/> with that
    /// folder as its home, so no user secrets or leftover settings reach it: every PeerBot and environment-name variable
    /// of the test process is removed, then <paramref name="environment"/> is set.
    /// </summary>
    public static ProcessStartInfo StartInfo(string workingDirectory, IReadOnlyDictionary<string, string> environment)
    {
        ArgumentNullException.ThrowIfNull(environment);
        var program = Path.Combine(AppContext.BaseDirectory, "peerbot.dll");
        if (!File.Exists(program))
        {
            throw new FileNotFoundException($"The program is not built at {program}.", program);
        }

        var dotnet = Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") is { Length: > 0 } host ? host : "dotnet";
        var start = new ProcessStartInfo(dotnet)
        {
            WorkingDirectory = workingDirectory,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        start.ArgumentList.Add(program);
        foreach (var key in start.Environment.Keys.Where(k => k.StartsWith("PeerBot", StringComparison.OrdinalIgnoreCase)
            || k is "DOTNET_ENVIRONMENT" or "ASPNETCORE_ENVIRONMENT").ToList())
        {
            start.Environment.Remove(key);
        }

        start.Environment["HOME"] = workingDirectory;
        foreach (var (key, value) in environment)
        {
            start.Environment[key] = value;
        }

        return start;
    }
}
