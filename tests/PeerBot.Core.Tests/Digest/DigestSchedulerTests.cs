using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using PeerBot.Core.Configuration;
using PeerBot.Core.Digest;
using PeerBot.Core.Platform;
using PeerBot.Storage;
using PeerBot.Storage.Digest;
using PeerBot.Testing;
using PeerBot.Testing.Sharing;

namespace PeerBot.Core.Tests.Digest;

/// <summary>
/// The weekly schedule: Monday 08:00 in New York is 13:00 UTC in November (<see cref="DigestWorld.Now"/>). Recipients
/// are Dr Kim, Dr Lee, Mo (coordinator) and Dr Pat, all on a fake Slack.
/// </summary>
public sealed class DigestSchedulerTests : IDisposable
{
    private readonly DigestWorld _world = new(DigestWorld.Now.AddHours(-1));
    private readonly PeerBotDatabase _db = PeerBotDatabase.OpenInMemory();
    private readonly FakeChatPlatform _slack = new(PlatformKind.Slack);
    private readonly InMemorySendJournal _journal = new();
    private readonly PeerBotOptions _options = new() { TimeZone = "America/New_York" };

    public DigestSchedulerTests()
    {
        foreach (var person in _world.People.All)
        {
            _world.People.SetPlatformUserId(person.Id, PlatformKind.Slack, "U-" + person.Id);
        }
    }

    public void Dispose()
    {
        _world.Dispose();
        _db.Dispose();
    }

    private IReadOnlyList<string> Recipients => _slack.DirectMessages.Select(d => d.UserId).ToList();

    // Sends as the platform saw them: like the real platforms, the fake keeps no idempotency key, so only PeerBot's send
    // journal stops a second digest. Each digest goes first with its charts.
    private int SendCalls => _slack.Calls.Count(c => c.Operation == "SendDirectImages");

    /// <summary>A scheduler as a fresh process would build it, over the same database.</summary>
    private DigestScheduler Start(ILogger<DigestDelivery>? deliveryLog = null, IDigestSendLog? sendLog = null) => new(
        new TestOptionsMonitor<PeerBotOptions>(_options),
        new DigestComposer(_world.Builder, new SolidChart()),
        new DigestDelivery(new PlatformRegistry([_slack], _journal, _world.Time), _world.People, deliveryLog ?? NullLogger<DigestDelivery>.Instance),
        sendLog ?? new LiteDigestSendLog(_db),
        _world.Time,
        NullLogger<DigestScheduler>.Instance);

    [Fact]
    public async Task RunDueAsync_BeforeAndAtMonday8_SendsOnceToEachRecipient()
    {
        var scheduler = Start();

        var next = await scheduler.RunDueAsync(default);
        Assert.Empty(_slack.DirectMessages);
        Assert.Equal(DigestWorld.Now, next);

        _world.Time.SetUtcNow(DigestWorld.Now);
        var after = await scheduler.RunDueAsync(default);
        await scheduler.RunDueAsync(default);

        Assert.Equal(["U-kim", "U-lee", "U-mo", "U-pat"], Recipients.Order());
        Assert.Equal(4, SendCalls);
        Assert.Equal(DigestWorld.Now.AddDays(7), after);
        var lee = _slack.DirectMessages.Single(d => d.UserId == "U-lee").Message;
        Assert.StartsWith("Weekly digest, week of Mon 9 Nov 2026", lee.ToPlainText(), StringComparison.Ordinal);
        Assert.Equal("digest:2026-11-09:lee", lee.IdempotencyKey);
    }

    [Fact]
    public async Task RunDueAsync_RestartAfterSending_NoDuplicate()
    {
        _world.Time.SetUtcNow(DigestWorld.Now);
        await Start().RunDueAsync(default);

        _world.Time.Advance(TimeSpan.FromMinutes(30));
        await Start().RunDueAsync(default);

        Assert.Equal(4, SendCalls);
    }

    [Fact]
    public async Task RunDueAsync_DiedAfterSendingBeforeRecordingIt_RestartSendsNoSecondDigest()
    {
        _world.Time.SetUtcNow(DigestWorld.Now);
        var dying = new DyingSendLog(new LiteDigestSendLog(_db));

        await Assert.ThrowsAsync<SimulatedCrashException>(() => Start(sendLog: dying).RunDueAsync(default));
        Assert.Equal(1, SendCalls);
        _world.Time.Advance(TimeSpan.FromMinutes(30));
        await Start().RunDueAsync(default);

        Assert.Equal(4, _slack.DirectMessages.Count);
        Assert.Equal(4, _slack.DirectMessages.Select(d => d.UserId).Distinct().Count());
    }

    [Fact]
    public async Task RunDueAsync_ChartsAnswerLost_TheTextDoesNotFollowAsASecondDigest()
    {
        _world.Time.SetUtcNow(DigestWorld.Now);
        _slack.LoseAnswerOfNext("SendDirectImages");

        await Start().RunDueAsync(default);

        Assert.Equal(4, _slack.DirectMessages.Count);
        Assert.DoesNotContain(_slack.Calls, c => c.Operation == "SendDirectMessage");
    }

    private sealed class SimulatedCrashException : Exception
    {
        public SimulatedCrashException() : base("Simulated crash.") { }
    }

    /// <summary>The process dies as it records its first digest as sent: the digest went, the record did not.</summary>
    private sealed class DyingSendLog(IDigestSendLog inner) : IDigestSendLog
    {
        public DateTimeOffset? LastOccurrence => inner.LastOccurrence;

        public void SetLastOccurrence(DateTimeOffset occurrence) => inner.SetLastOccurrence(occurrence);

        public bool IsSent(DateOnly week, string personId) => inner.IsSent(week, personId);

        public void MarkSent(DateOnly week, string personId, DateTimeOffset at) => throw new SimulatedCrashException();
    }

    [Theory]
    [InlineData(5.9, 4)]
    [InlineData(6.1, 0)]
    public async Task RunDueAsync_DownAtMonday8_CatchesUpWithinSixHoursOnly(double hoursLate, int expected)
    {
        // Last week's went out; then the host was down over this Monday 08:00.
        await Start().RunDueAsync(default);
        _world.Time.SetUtcNow(DigestWorld.Now);
        await Start().RunDueAsync(default);
        Assert.Equal(4, SendCalls);

        _world.Time.SetUtcNow(DigestWorld.Now.AddDays(7).AddHours(hoursLate));
        var next = await Start().RunDueAsync(default);
        await Start().RunDueAsync(default);

        Assert.Equal(4 + expected, SendCalls);
        Assert.Equal(DigestWorld.Now.AddDays(14), next);
    }

    [Fact]
    public async Task RunDueAsync_FirstStartShortlyAfterMonday8_SendsTheDigestDue()
    {
        _world.Time.SetUtcNow(DigestWorld.Now.AddHours(2));

        await Start().RunDueAsync(default);

        Assert.Equal(4, SendCalls);
    }

    [Fact]
    public async Task RunDueAsync_DownForThreeWeeks_NoBurstOfOldDigests()
    {
        await Start().RunDueAsync(default);

        _world.Time.SetUtcNow(DigestWorld.Now.AddDays(21).AddHours(1));
        await Start().RunDueAsync(default);

        Assert.Equal(4, _slack.DirectMessages.Count);
        Assert.All(_slack.DirectMessages, d => Assert.Contains("week of Mon 30 Nov 2026", d.Message.ToPlainText(), StringComparison.Ordinal));
    }

    [Fact]
    public async Task RunDueAsync_OneSendFails_RetriedLaterWithoutDuplicatingTheOthers()
    {
        _world.Time.SetUtcNow(DigestWorld.Now);
        _slack.FailNext("SendDirectImages");
        _slack.FailNext("SendDirectMessage");
        var scheduler = Start();

        var retry = await scheduler.RunDueAsync(default);
        Assert.Equal(3, _slack.DirectMessages.Count);
        Assert.Equal(DigestWorld.Now + DigestScheduler.RetryAfter, retry);

        _world.Time.SetUtcNow(retry!.Value);
        var next = await scheduler.RunDueAsync(default);

        Assert.Equal(["U-kim", "U-lee", "U-mo", "U-pat"], Recipients.Order());
        Assert.Equal(5, SendCalls);
        Assert.Equal(DigestWorld.Now.AddDays(7), next);
    }

    [Fact]
    public async Task RunDueAsync_SendsEachGroupsChartWithTheDigestInOneMessage()
    {
        _world.Time.SetUtcNow(DigestWorld.Now);

        await Start().RunDueAsync(default);

        var lee = Assert.Single(_slack.MessagesIn("D-U-lee"));
        var chart = Assert.Single(lee.Images);
        Assert.Equal("g-tue.png", chart.FileName);
        Assert.Equal("chart of Tuesday Circle", chart.AltText);
        Assert.Equal(new byte[] { 1 }, chart.Png.ToArray());
        Assert.Equal("digest:2026-11-09:lee", lee.Content.IdempotencyKey);
        Assert.StartsWith("Weekly digest", lee.Content.ToPlainText(), StringComparison.Ordinal);

        // The coordinator's program-wide digest has one chart of every group.
        var program = Assert.Single(Assert.Single(_slack.MessagesIn("D-U-mo")).Images);
        Assert.Equal("every-group.png", program.FileName);
        Assert.Equal("chart of Night Owls and Tuesday Circle", program.AltText);
    }

    [Fact]
    public async Task RunDueAsync_ChartUploadFails_TextGoesAloneAndTheLogSaysSoWithoutNamingAnyone()
    {
        _world.Time.SetUtcNow(DigestWorld.Now);
        _slack.FailNext("SendDirectImages", new PlatformException(PlatformErrorKind.Other, "upload refused"));
        using var logs = new ListLoggerProvider();
        using var factory = LoggerFactory.Create(b => b.AddProvider(logs));

        await Start(factory.CreateLogger<DigestDelivery>()).RunDueAsync(default);

        Assert.Equal(["U-kim", "U-lee", "U-mo", "U-pat"], Recipients.Order());
        var textOnly = Assert.Single(_slack.DirectMessages, d => _slack.MessagesIn("D-" + d.UserId).Single().Images.Count == 0);
        Assert.StartsWith("Weekly digest", textOnly.Message.ToPlainText(), StringComparison.Ordinal);
        var line = Assert.Single(logs.Lines, l => l.Contains("sending its text alone", StringComparison.Ordinal));
        Assert.Contains("Slack", line, StringComparison.Ordinal);
        foreach (var person in _world.People.All)
        {
            Assert.DoesNotContain(person.Id, line, StringComparison.Ordinal);
            Assert.DoesNotContain("U-" + person.Id, line, StringComparison.Ordinal);
        }
    }

    [Fact]
    public async Task RunDueAsync_Disabled_SendsNothing()
    {
        _options.Digest.Enabled = false;
        _world.Time.SetUtcNow(DigestWorld.Now);

        Assert.Null(await Start().RunDueAsync(default));
        Assert.Empty(_slack.DirectMessages);
    }

    [Fact]
    public async Task RunDueAsync_CustomScheduleInTheProgramsTimeZone()
    {
        _options.Digest.Schedule = "30 7 * * FRI";
        _world.Time.SetUtcNow(new DateTimeOffset(2026, 11, 20, 12, 29, 0, TimeSpan.Zero));

        var next = await Start().RunDueAsync(default);

        Assert.Equal(new DateTimeOffset(2026, 11, 20, 12, 30, 0, TimeSpan.Zero), next);
    }

    [Fact]
    public void Validate_BadDigestSchedule_ProblemAtItsPath()
    {
        var options = new PeerBotOptions { Digest = { Schedule = "every monday" } };

        var problems = PeerBotOptionsValidator.Validate(options, fileExists: _ => true);

        Assert.Contains(problems, p => p.Path == "PeerBot:Digest:Schedule");
    }

    private sealed class SolidChart : IDigestChartRenderer
    {
        public DigestChart Render(GroupDigest group) => new(group.GroupId + ".png", new byte[] { 1 }, "chart of " + group.Name);

        public DigestChart RenderProgram(DigestReport report) =>
            new("every-group.png", new byte[] { 2 }, "chart of " + string.Join(" and ", report.Groups.Select(g => g.Name)));
    }
}
