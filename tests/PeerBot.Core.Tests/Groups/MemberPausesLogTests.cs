using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Time.Testing;
using PeerBot.Core.Groups;
using PeerBot.Testing.Groups;
using PeerBot.Testing.Sharing;

namespace PeerBot.Core.Tests.Groups;

public sealed class MemberPausesLogTests
{
    [Fact]
    public async Task PauseAsync_LeavingForGood_LogNamesNobody()
    {
        var logs = new ListLoggerProvider();
        using var factory = LoggerFactory.Create(b => b.AddProvider(logs).SetMinimumLevel(LogLevel.Trace));
        var time = new FakeTimeProvider(new DateTimeOffset(2026, 11, 2, 12, 0, 0, TimeSpan.Zero));
        var pauses = new MemberPauses(new InMemoryGroupStore(), time, () => Task.FromResult(new ReconcileResult(true, 0, [])), factory.CreateLogger<MemberPauses>());

        await pauses.PauseAsync("res-ana-7731", time.GetUtcNow().AddYears(100), default);

        Assert.DoesNotContain(logs.Lines, l => l.Contains("res-ana-7731", StringComparison.Ordinal));
        Assert.DoesNotContain(logs.Lines, l => l.Contains("2126", StringComparison.Ordinal));
    }
}
