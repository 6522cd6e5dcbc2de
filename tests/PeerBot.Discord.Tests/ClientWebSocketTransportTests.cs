using PeerBot.Discord.Gateway;
using PeerBot.Testing.Discord;

namespace PeerBot.Discord.Tests;

/// <summary>The real socket transport against the emulator's gateway.</summary>
public sealed class ClientWebSocketTransportTests
{
    [Fact]
    public async Task ReceiveAsync_AfterCloseFromAnotherTask_ReportsTheEndInsteadOfThrowing()
    {
        // The heartbeat closes a zombie connection (CloseAsync aborts the socket) while the reader is between two
        // receives; the reader's next receive must end the connection, not the adapter.
        await using var discord = await DiscordEmulator.StartAsync();
        await using var transport = new ClientWebSocketTransport();
        await transport.ConnectAsync(new Uri(discord.BaseUrl.Replace("http://", "ws://", StringComparison.Ordinal) + "/gateway/?v=10&encoding=json"), CancellationToken.None);
        var hello = await transport.ReceiveAsync(CancellationToken.None).WaitAsync(TimeSpan.FromSeconds(20));
        Assert.Contains("\"op\":10", hello.Text, StringComparison.Ordinal);

        await transport.CloseAsync(GatewayClient.ZombieCloseCode, "Zombie connection", CancellationToken.None);
        var after = await transport.ReceiveAsync(CancellationToken.None).WaitAsync(TimeSpan.FromSeconds(20));

        Assert.True(after.IsClosed);
    }

    [Fact]
    public async Task CloseAsync_InAnyState_NeverThrows()
    {
        // A zombie closed by the heartbeat, then a reconnect request (op 7) closing the same connection again: the
        // second close meets an aborted socket. Neither that, a socket never connected, nor a disposed one may throw.
        await using var discord = await DiscordEmulator.StartAsync();
        var uri = new Uri(discord.BaseUrl.Replace("http://", "ws://", StringComparison.Ordinal) + "/gateway/?v=10&encoding=json");

        await using var connected = new ClientWebSocketTransport();
        await connected.ConnectAsync(uri, CancellationToken.None);
        await connected.CloseAsync(GatewayClient.ZombieCloseCode, "Zombie connection", CancellationToken.None);
        await connected.CloseAsync(4000, "Reconnect requested", CancellationToken.None);
        var after = await connected.ReceiveAsync(CancellationToken.None).WaitAsync(TimeSpan.FromSeconds(20));
        Assert.True(after.IsClosed);

        await using var neverConnected = new ClientWebSocketTransport();
        await neverConnected.CloseAsync(1000, "never opened", CancellationToken.None);

        var disposed = new ClientWebSocketTransport();
        await disposed.ConnectAsync(uri, CancellationToken.None);
        await disposed.DisposeAsync();
        await disposed.CloseAsync(1000, "after dispose", CancellationToken.None);
        var afterDispose = await disposed.ReceiveAsync(CancellationToken.None).WaitAsync(TimeSpan.FromSeconds(20));
        Assert.True(afterDispose.IsClosed);
    }
}
