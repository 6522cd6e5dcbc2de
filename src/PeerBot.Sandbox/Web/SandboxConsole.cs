namespace PeerBot.Sandbox.Web;

/// <summary>
/// Where the sandbox prints the few lines meant for the person who started it (its address, a port that is
/// taken): plain lines, as the README shows them, not log records. The console by default; tests capture it.
/// </summary>
public sealed class SandboxConsole
{
    /// <summary>Prints to the process's console.</summary>
    public SandboxConsole() : this(Console.Out, Console.Error) { }

    /// <summary>Prints to the writers given.</summary>
    public SandboxConsole(TextWriter output, TextWriter error)
    {
        ArgumentNullException.ThrowIfNull(output);
        ArgumentNullException.ThrowIfNull(error);
        Out = output;
        Error = error;
    }

    /// <summary>Where the address goes.</summary>
    public TextWriter Out { get; }

    /// <summary>Where a failure to start goes.</summary>
    public TextWriter Error { get; }

    /// <summary>The line that says where the page is.</summary>
    public static string AddressLine(Uri address) => $"PeerBot sandbox: {address}";

    /// <summary>The line that says the port is taken and how to choose another, in the environment-variable form.</summary>
    public static string PortTakenLine(int port) =>
        $"PeerBot sandbox: port {port} is already in use. Set PeerBot__Sandbox__Port={SuggestedPort(port)} (or 0, any free port) and run it again.";

    /// <summary>The line for any other reason the page could not listen.</summary>
    public static string CannotListenLine(int port, string reason) =>
        $"PeerBot sandbox: could not listen on port {port} ({reason}). Set PeerBot__Sandbox__Port={SuggestedPort(port)} (or 0, any free port) and run it again.";

    private static int SuggestedPort(int port) => port is > 0 and < 65535 ? port + 1 : 5081;
}
