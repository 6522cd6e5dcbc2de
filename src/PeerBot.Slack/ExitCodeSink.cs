namespace PeerBot.Slack;

/// <summary>Records the process exit code when the adapter stops the host on a fatal error.</summary>
public class ExitCodeSink
{
    /// <summary>Sets the code the process exits with.</summary>
    public virtual void Set(int exitCode) => Environment.ExitCode = exitCode;
}
