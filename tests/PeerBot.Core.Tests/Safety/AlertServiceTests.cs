using PeerBot.Core.Safety;

namespace PeerBot.Core.Tests.Safety;

public sealed class AlertServiceTests
{
    private static async Task<(SafetyHarness Harness, string Id)> RaisedAsync()
    {
        var h = new SafetyHarness();
        var outcome = await h.SayAsync("ana", 0, "i want to die");
        return (h, outcome.Alert!.Id);
    }

    [Fact]
    public async Task AcknowledgeAsync_OpenAlert_RecordsWhoAndWhenAndUpdatesMessages()
    {
        var (h, id) = await RaisedAsync();
        h.Time.Advance(TimeSpan.FromMinutes(3));
        var before = h.Platform.Calls.Count;

        var result = await h.Alerts.AcknowledgeAsync(id.ToLowerInvariant(), "kim", CancellationToken.None);

        Assert.True(result.Succeeded);
        Assert.Equal(AlertStatus.Acknowledged, result.Value!.Status);
        var stored = await h.Store.FindAsync(id, CancellationToken.None);
        Assert.Equal("kim", stored!.AcknowledgedBy);
        Assert.Equal(SafetyHarness.Start.AddMinutes(3), stored.AcknowledgedAt);
        var updates = h.Platform.Calls.Skip(before).Where(c => c.Operation == "UpdateMessage").ToList();
        Assert.Equal(2, updates.Count);
        Assert.All(updates, u => Assert.Contains("acknowledged by Dr Kim", u.Detail, StringComparison.Ordinal));
        Assert.All(updates, u => Assert.Equal(["resolve:" + id], u.Message!.Buttons.Select(b => b.ActionId)));
    }

    [Fact]
    public async Task AcknowledgeAsync_Twice_FirstStands()
    {
        var (h, id) = await RaisedAsync();

        await h.Alerts.AcknowledgeAsync(id, "kim", CancellationToken.None);
        var second = await h.Alerts.AcknowledgeAsync(id, "lee", CancellationToken.None);

        Assert.True(second.Succeeded);
        Assert.Equal("kim", (await h.Store.FindAsync(id, CancellationToken.None))!.AcknowledgedBy);
    }

    [Fact]
    public async Task ResolveAsync_WithNote_ResolvedAndHiddenFromDefaultList()
    {
        var (h, id) = await RaisedAsync();

        var result = await h.Alerts.ResolveAsync(id, "kim", "  spoke with her, safety plan in place ", CancellationToken.None);

        Assert.True(result.Succeeded);
        var stored = await h.Store.FindAsync(id, CancellationToken.None);
        Assert.Equal(AlertStatus.Resolved, stored!.Status);
        Assert.Equal("spoke with her, safety plan in place", stored.ResolutionNote);
        Assert.Equal("kim", stored.AcknowledgedBy);
        Assert.Empty(await h.Alerts.ListAsync(["g1"], includeResolved: false, CancellationToken.None));
        Assert.Single(await h.Alerts.ListAsync(["g1"], includeResolved: true, CancellationToken.None));
        Assert.Contains(h.Platform.Calls, c => c.Operation == "UpdateMessage" && c.Message!.Buttons.Count == 0
            && c.Detail!.Contains("resolved by Dr Kim: spoke with her, safety plan in place", StringComparison.Ordinal));
    }

    [Fact]
    public async Task ResolveAsync_AlreadyResolved_FailsWithMessage()
    {
        var (h, id) = await RaisedAsync();
        await h.Alerts.ResolveAsync(id, "kim", null, CancellationToken.None);

        var again = await h.Alerts.ResolveAsync(id, "lee", null, CancellationToken.None);
        var ack = await h.Alerts.AcknowledgeAsync(id, "lee", CancellationToken.None);

        Assert.False(again.Succeeded);
        Assert.Contains("already resolved by Dr Kim", again.Error, StringComparison.Ordinal);
        Assert.False(ack.Succeeded);
    }

    [Fact]
    public async Task AcknowledgeAsync_UnknownId_Fails()
    {
        var (h, _) = await RaisedAsync();

        var result = await h.Alerts.AcknowledgeAsync("ZZZZ", "kim", CancellationToken.None);

        Assert.False(result.Succeeded);
        Assert.Contains("no alert ZZZZ", result.Error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ListAsync_OtherGroups_NotShown()
    {
        var (h, id) = await RaisedAsync();

        Assert.Empty(await h.Alerts.ListAsync(["g2"], includeResolved: true, CancellationToken.None));
        Assert.Equal(id, (await h.Alerts.FindAsync(" " + id.ToLowerInvariant(), CancellationToken.None))!.Id);
    }

    [Fact]
    public void AlertIdGenerator_Ids_ShortTypeableAndUnambiguous()
    {
        var generator = new AlertIdGenerator(new Random(1));

        var ids = Enumerable.Range(0, 2000).Select(_ => generator.Next()).ToList();

        Assert.All(ids, id => Assert.Matches("^[A-Z][A-Z0-9]{3}$", id));
        Assert.All(ids, id => Assert.DoesNotMatch("[01258OILSZB]", id));
        Assert.True(ids.Distinct().Count() > 1900);
    }
}
