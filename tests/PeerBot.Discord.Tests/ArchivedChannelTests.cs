using PeerBot.Testing.Discord;

namespace PeerBot.Discord.Tests;

/// <summary>Archived group channels from before archives denied threads are set right when the adapter starts.</summary>
public sealed class ArchivedChannelTests
{
    private const long ArchivedDeny = 2048 | DiscordEmulator.ThreadPermissions;

    [Fact]
    public async Task Start_ArchivedChannelThatAllowsThreads_DeniesThemNow_AndLeavesARightOneAlone()
    {
        EmulatedChannel old = null!, right = null!;
        string ana = "", ben = "";
        await using var h = await AdapterHarness.StartAsync(prepare: e =>
        {
            ana = e.AddMember("ana");
            ben = e.AddMember("ben");
            var archive = e.AddChannel("Peer Support Archive", type: 4);
            old = e.AddChannel("old-circle", parentId: archive.Id);
            old.Overwrites.Add(new EmulatedOverwrite(DiscordEmulator.GuildId, 0, 0, 1024));
            old.Overwrites.Add(new EmulatedOverwrite(DiscordEmulator.BotUserId, 1, 1024 | 2048 | 65536, 0));
            old.Overwrites.Add(new EmulatedOverwrite(ana, 1, 1024 | 65536, 2048));
            right = e.AddChannel("newer-circle", parentId: archive.Id);
            right.Overwrites.Add(new EmulatedOverwrite(DiscordEmulator.GuildId, 0, 0, 1024));
            right.Overwrites.Add(new EmulatedOverwrite(DiscordEmulator.BotUserId, 1, 1024 | 2048 | 65536, 0));
            right.Overwrites.Add(new EmulatedOverwrite(ben, 1, 1024 | 65536, ArchivedDeny));
        });

        await h.Emulator.WaitUntilAsync(
            () => h.Emulator.FindChannel(old.Id)!.Overwrites.Any(o => o.Id == ana && (o.Deny & ArchivedDeny) == ArchivedDeny),
            TimeSpan.FromSeconds(20),
            "the old archive's member overwrite to deny threads");

        var fixedOne = h.Emulator.FindChannel(old.Id)!;
        Assert.Contains(new EmulatedOverwrite(ana, 1, 1024 | 65536, ArchivedDeny), fixedOne.Overwrites);
        Assert.Contains(fixedOne.Overwrites, o => o.Id == DiscordEmulator.GuildId && (o.Deny & 1024) != 0);
        Assert.DoesNotContain(h.Emulator.Requests, r => r.Method == "PATCH" && r.Path == $"/channels/{right.Id}");
        h.Emulator.AssertNoViolations();
    }
}
