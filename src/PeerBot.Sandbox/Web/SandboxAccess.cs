using System.Net;

namespace PeerBot.Sandbox.Web;

/// <summary>
/// Who may reach the page. The page identifies a person by a choice made in the page, so it must only ever
/// answer this computer unless the configuration explicitly opens it to a trusted network.
/// </summary>
public static class SandboxAccess
{
    /// <summary>True when a connection from this address may be served.</summary>
    public static bool IsAllowedClient(IPAddress? remote, bool allowRemote)
    {
        if (allowRemote)
        {
            return true;
        }

        if (remote is null)
        {
            // In-process transports (tests' TestServer) have no remote address; a socket always has one.
            return false;
        }

        if (remote.IsIPv4MappedToIPv6)
        {
            remote = remote.MapToIPv4();
        }

        return IPAddress.IsLoopback(remote);
    }

    /// <summary>
    /// True when the Host header names this computer. Refusing other names keeps a web site from reaching the
    /// page through a name it points at 127.0.0.1 (DNS rebinding).
    /// </summary>
    public static bool IsLoopbackHost(string host, bool allowRemote)
    {
        if (allowRemote)
        {
            return true;
        }

        var name = host.Trim('[', ']');
        return string.Equals(name, "localhost", StringComparison.OrdinalIgnoreCase)
            || (IPAddress.TryParse(name, out var address) && IPAddress.IsLoopback(address));
    }
}
