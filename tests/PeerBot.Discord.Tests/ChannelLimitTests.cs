using PeerBot.Core.Platform;
using PeerBot.Testing.Discord;

namespace PeerBot.Discord.Tests;

/// <summary>Discord's caps: 50 channels in a category, 500 channels and categories in a server.</summary>
public sealed class ChannelLimitTests
{
    /// <summary>
    /// The global limit's margin in tests that send more than 50 requests. The harness's 5 ms keeps other tests fast, but
    /// the emulator counts requests as they arrive, on the real clock: on a loaded machine the first request of a burst
    /// can arrive more than the limiter's latency allowance (150 ms) late, putting the 51st in the same second of the
    /// emulator's. A second of margin absorbs any such delay; the test takes a second longer.
    /// </summary>
    private static readonly TimeSpan GlobalWindowCrossingMargin = TimeSpan.FromSeconds(1);

    [Fact]
    public async Task EnsurePrivateChannel_MoreGroupsThanACategoryHolds_SpillsIntoFurtherCategories()
    {
        // More than 50 requests, so the global limit's window is crossed: see GlobalWindowCrossingMargin.
        await using var h = await AdapterHarness.StartAsync(configure: o => o.RateLimitMargin = GlobalWindowCrossingMargin);
        var ana = h.Emulator.AddMember("ana");

        var made = new List<ChannelRef>();
        for (var i = 1; i <= 52; i++)
        {
            made.Add(await h.Platform.EnsurePrivateChannelAsync(new PrivateChannelSpec("g" + i, "Circle " + i, "t", [ana], null), default));
        }

        var categories = h.Emulator.Channels.Where(c => c.Type == 4).ToDictionary(c => c.Name, c => c.Id);
        Assert.Equal(["Peer Support", "Peer Support 2"], categories.Keys.Order());
        Assert.Equal(50, h.Emulator.Channels.Count(c => c.ParentId == categories["Peer Support"]));
        Assert.Equal(2, h.Emulator.Channels.Count(c => c.ParentId == categories["Peer Support 2"]));
        Assert.Equal(52, made.Distinct().Count());

        // Messages in a spilled-over channel reach Core like any group's.
        var last = made[^1];
        await h.Emulator.InjectMessageAsync(last.Id, ana, "in the second category");
        await h.Handler.WaitUntilAsync(() => h.Handler.Messages.Count == 1, "the message");
        Assert.Equal(last.Id, h.Handler.Messages[0].ChannelId);
        Assert.DoesNotContain(h.Emulator.Requests, r => r.Status == 400);
    }

    [Fact]
    public async Task Start_GroupsAlreadySpilledOver_FindsTheirCategoriesAgain()
    {
        EmulatedChannel? spilled = null;
        string? second = null;
        await using var h = await AdapterHarness.StartAsync(
            configure: o => o.CategoryChannelLimit = 2,
            emulatorOptions: new DiscordEmulatorOptions { CategoryChannelLimit = 2 },
            prepare: e =>
            {
                var first = e.AddChannel("Peer Support", type: 4);
                e.AddChannel("circle-1", parentId: first.Id);
                e.AddChannel("circle-2", parentId: first.Id);
                second = e.AddChannel("Peer Support 2", type: 4).Id;
                spilled = e.AddChannel("circle-3", parentId: second);
            });
        var ana = h.Emulator.AddMember("ana");

        // The group channel in "Peer Support 2" is a group channel after the restart...
        await h.Emulator.InjectMessageAsync(spilled!.Id, ana, "still here");
        await h.Handler.WaitUntilAsync(() => h.Handler.Messages.Count == 1, "the message");

        // ...a group whose create answer was lost finds its channel there...
        var adopted = await h.Platform.EnsurePrivateChannelAsync(new PrivateChannelSpec("g3", "Circle 3", "t", [ana], null), default);
        Assert.Equal(spilled.Id, adopted.Id);

        // ...and a new group fills "Peer Support 2" before a third category is made.
        var fourth = await h.Platform.EnsurePrivateChannelAsync(new PrivateChannelSpec("g4", "Circle 4", "t", [ana], null), default);
        Assert.Equal(second, h.Emulator.FindChannel(fourth.Id)!.ParentId);
        var fifth = await h.Platform.EnsurePrivateChannelAsync(new PrivateChannelSpec("g5", "Circle 5", "t", [ana], null), default);
        Assert.Equal("Peer Support 3", h.Emulator.FindChannel(h.Emulator.FindChannel(fifth.Id)!.ParentId!)!.Name);
        Assert.Equal(3, h.Emulator.Channels.Count(c => c.Type == 4));
    }

    [Fact]
    public async Task EnsurePrivateChannel_CategoryFilledBehindItsBack_SpillsOnDiscordsRefusal()
    {
        // The adapter counts room for 100, Discord holds 50: the 51st create is refused and placed again.
        await using var h = await AdapterHarness.StartAsync(configure: o =>
        {
            o.CategoryChannelLimit = 100;
            o.RateLimitMargin = GlobalWindowCrossingMargin;
        });
        var ana = h.Emulator.AddMember("ana");

        for (var i = 1; i <= 51; i++)
        {
            await h.Platform.EnsurePrivateChannelAsync(new PrivateChannelSpec("g" + i, "Circle " + i, "t", [ana], null), default);
        }

        Assert.Equal(51, h.Emulator.Channels.Count(c => c.Type == 0));
        Assert.Equal(2, h.Emulator.Channels.Count(c => c.Type == 4));
        Assert.Single(h.Emulator.Requests, r => r.Status == 400);
    }

    [Fact]
    public async Task ArchiveChannel_ArchiveCategoryFull_SpillsIntoAFurtherArchiveCategory()
    {
        await using var h = await AdapterHarness.StartAsync(
            configure: o => o.CategoryChannelLimit = 2,
            emulatorOptions: new DiscordEmulatorOptions { CategoryChannelLimit = 2 });
        var ana = h.Emulator.AddMember("ana");
        var made = new List<ChannelRef>();
        for (var i = 1; i <= 3; i++)
        {
            made.Add(await h.Platform.EnsurePrivateChannelAsync(new PrivateChannelSpec("g" + i, "Circle " + i, "t", [ana], null), default));
        }

        foreach (var channel in made)
        {
            await h.Platform.ArchiveChannelAsync(channel, default);
        }

        var parents = made.Select(c => h.Emulator.FindChannel(h.Emulator.FindChannel(c.Id)!.ParentId!)!.Name).ToList();
        Assert.Equal(["Peer Support Archive", "Peer Support Archive", "Peer Support Archive 2"], parents);
        Assert.DoesNotContain(h.Emulator.Requests, r => r.Status == 400);
    }

    [Fact]
    public async Task EnsurePrivateChannel_ServerAtItsChannelCap_RefusedWithAClearErrorBeforeDiscordRefuses()
    {
        await using var h = await AdapterHarness.StartAsync(
            configure: o => o.GuildChannelLimit = 10,
            emulatorOptions: new DiscordEmulatorOptions { GuildChannelLimit = 10 },
            prepare: e =>
            {
                for (var i = 0; i < 8; i++)
                {
                    e.AddChannel("general-" + i);
                }
            });
        var ana = h.Emulator.AddMember("ana");

        await h.Platform.EnsurePrivateChannelAsync(new PrivateChannelSpec("g1", "Circle 1", "t", [ana], null), default);
        var refused = await Assert.ThrowsAsync<PlatformException>(() =>
            h.Platform.EnsurePrivateChannelAsync(new PrivateChannelSpec("g2", "Circle 2", "t", [ana], null), default));

        Assert.Contains("holds 10 channels and categories, and Discord allows 10", refused.Message, StringComparison.Ordinal);
        Assert.DoesNotContain(h.Emulator.Requests, r => r.Status == 400);
        Assert.Contains(h.Logs.Lines, l => l.Level == Microsoft.Extensions.Logging.LogLevel.Error && l.Text.Contains("Discord allows 10", StringComparison.Ordinal));
        Assert.Contains(h.Logs.Lines, l => l.Level == Microsoft.Extensions.Logging.LogLevel.Warning && l.Text.Contains("of the 10 channels", StringComparison.Ordinal));
    }

    [Fact]
    public async Task EnsurePrivateChannel_DiscordRefusesWith30013_ClearErrorNamingTheCap()
    {
        // The adapter believes there is room; Discord (the emulator) holds 4.
        await using var h = await AdapterHarness.StartAsync(emulatorOptions: new DiscordEmulatorOptions { GuildChannelLimit = 3 });
        var ana = h.Emulator.AddMember("ana");
        await h.Platform.EnsurePrivateChannelAsync(new PrivateChannelSpec("g1", "Circle 1", "t", [ana], null), default);
        await h.Platform.EnsurePrivateChannelAsync(new PrivateChannelSpec("g2", "Circle 2", "t", [ana], null), default);

        var refused = await Assert.ThrowsAsync<PlatformException>(() =>
            h.Platform.EnsurePrivateChannelAsync(new PrivateChannelSpec("g3", "Circle 3", "t", [ana], null), default));

        Assert.Contains("code 30013", refused.Message, StringComparison.Ordinal);
    }
}
