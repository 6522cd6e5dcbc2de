using Microsoft.Extensions.Time.Testing;
using PeerBot.Cli;
using PeerBot.Core.Digest;
using PeerBot.Core.Groups;
using PeerBot.Core.Platform;
using PeerBot.Storage;
using PeerBot.Storage.Digest;
using PeerBot.Storage.Groups;

namespace PeerBot.Tests;

public sealed class DigestCliTests : IDisposable
{
    // Monday 16 November 2026: the digest reports on the week of 9 November.
    private readonly FakeTimeProvider _time = new(new DateTimeOffset(2026, 11, 16, 13, 0, 0, TimeSpan.Zero));
    private readonly string _folder = Path.Combine(Path.GetTempPath(), "peerbot-cli-tests", Guid.NewGuid().ToString("N"));

    public DigestCliTests() => Directory.CreateDirectory(_folder);

    public void Dispose() => Directory.Delete(_folder, recursive: true);

    private string Database => Path.Combine(_folder, "data", "peerbot.db");

    private string Out => Path.Combine(_folder, "out");

    private async Task<(int Exit, string Out, string Err)> RunAsync(params string[] args)
    {
        using var input = new StringReader("");
        using var output = new StringWriter();
        using var error = new StringWriter();
        var exit = await new PeerBotCli(input, output, error, _time).RunAsync(args, CancellationToken.None);
        return (exit, output.ToString(), error.ToString());
    }

    private string Config()
    {
        var path = Path.Combine(_folder, "program.json");
        File.WriteAllText(path, $$"""
            { "PeerBot": {
              "Storage": { "Path": "{{Database.Replace("\\", "\\\\", StringComparison.Ordinal)}}" },
              "People": [
                { "Id": "ana", "Name": "Ana R.", "Role": "Resident", "Pgy": 1 },
                { "Id": "ben", "Name": "Ben T.", "Role": "Resident", "Pgy": 2 },
                { "Id": "cat", "Name": "Cat W.", "Role": "Resident", "Pgy": 3 },
                { "Id": "dan", "Name": "Dan O.", "Role": "Resident", "Pgy": 1 },
                { "Id": "dr-lee", "Name": "Dr. Sam Lee", "Role": "Alumni" },
                { "Id": "mo", "Name": "Mo C.", "Role": "Coordinator" }
              ],
              "Groups": [
                { "Name": "Tuesday Circle", "Platform": "Sandbox", "Members": ["ana", "ben", "cat", "dan"], "Facilitators": ["dr-lee"], "Schedule": "0 19 * * TUE" }
              ]
            } }
            """);
        return path;
    }

    private void Seed()
    {
        Directory.CreateDirectory(Path.GetDirectoryName(Database)!);
        using var database = PeerBotDatabase.OpenFile(Database);
        new LiteDbGroupStore(database).SaveGroup(new GroupRecord
        {
            Id = "g-tue",
            Name = "Tuesday Circle",
            Platform = PlatformKind.Sandbox,
            ChannelName = "peer-tuesday-circle",
            PlannedMemberIds = ["ana", "ben", "cat", "dan"],
            PlannedFacilitatorIds = ["dr-lee"],
            Schedule = "0 19 * * TUE",
            TimeZone = "UTC",
        });
        var counters = new LiteDigestCounters(database);
        var week = new DateOnly(2026, 11, 9);
        foreach (var mark in new[] { "m1", "m2", "m3" })
        {
            counters.AddParticipant("g-tue", week, mark);
        }

        counters.Add("g-tue", DigestCounter.Messages, week, 14);
        counters.Add("g-tue", DigestCounter.FatalisticMessages, week, 2);
    }

    [Fact]
    public async Task Digest_SeededDatabase_WritesTextAndChartPerRecipient()
    {
        Seed();

        var (exit, output, error) = await RunAsync("digest", "--config", Config(), "--out", Out);

        Assert.True(exit == 0, error);
        Assert.Contains("Wrote 2 digests to", output, StringComparison.Ordinal);
        var lee = File.ReadAllText(Path.Combine(Out, "dr-lee", "digest.txt"));
        Assert.Contains("Weekly digest, week of Mon 9 Nov 2026", lee, StringComparison.Ordinal);
        Assert.Contains("Tuesday Circle: 3 of 4 members took part, up from fewer than 3; 14 messages.", lee, StringComparison.Ordinal);
        Assert.Contains("Chart tuesday-circle.png: Tuesday Circle, 8 weeks", lee, StringComparison.Ordinal);
        Assert.Contains("Program digest, every group", File.ReadAllText(Path.Combine(Out, "mo", "digest.txt")), StringComparison.Ordinal);
        var png = File.ReadAllBytes(Path.Combine(Out, "dr-lee", "tuesday-circle.png"));
        Assert.Equal([0x89, (byte)'P', (byte)'N', (byte)'G'], png[..4]);
        Assert.False(Directory.Exists(Path.Combine(Out, "ana")));
        foreach (var resident in new[] { "Ana R.", "Ben T.", "Cat W.", "Dan O." })
        {
            Assert.DoesNotContain(resident, lee, StringComparison.Ordinal);
        }
    }

    [Fact]
    public async Task Digest_NoDatabase_ExitsTwoAndWritesNothing()
    {
        var (exit, _, error) = await RunAsync("digest", "--config", Config(), "--out", Out);

        Assert.Equal(2, exit);
        Assert.Contains("nothing has been counted yet", error, StringComparison.Ordinal);
        Assert.False(Directory.Exists(Out));
    }

    [Theory]
    [InlineData(new[] { "digest" }, "digest needs --out DIR")]
    [InlineData(new[] { "analyze", "--out", "x" }, "--out applies to digest, not analyze")]
    [InlineData(new[] { "digest", "--out" }, "--out needs a folder path")]
    public async Task Digest_BadCommandLine_ExitsTwoAndSaysWhy(string[] args, string expected)
    {
        var (exit, _, error) = await RunAsync(args);

        Assert.Equal(2, exit);
        Assert.Contains(expected, error, StringComparison.Ordinal);
    }
}
