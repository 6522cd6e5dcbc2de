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
}
