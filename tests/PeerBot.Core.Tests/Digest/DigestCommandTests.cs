using Microsoft.Extensions.Logging.Abstractions;
using PeerBot.Core.Commands;
using PeerBot.Core.Commands.Subcommands;
using PeerBot.Core.Digest;
using PeerBot.Core.Platform;
using PeerBot.Testing.Sharing;

namespace PeerBot.Core.Tests.Digest;

public sealed class DigestCommandTests : IDisposable
{
    private readonly DigestWorld _world = new();
    private readonly InMemoryAuditLog _audit = new();
    private readonly DigestCommand _command;

    public DigestCommandTests()
    {
        _world.Week("g-tue", DigestWorld.LastWeek, 4, (DigestCounter.Messages, 12));
        _world.Week("g-owl", DigestWorld.LastWeek, 3, (DigestCounter.Messages, 5));
        _command = new DigestCommand(new CommandAuthorizer(_world.Groups, _audit, _world.Time, NullLogger<CommandAuthorizer>.Instance), _world.Builder);
    }

    public void Dispose() => _world.Dispose();

    private Task<InteractionResponse> RunAsync(string personId, params string[] args) =>
        _command.ExecuteAsync(new CommandContext(_world.Person(personId), PlatformKind.Slack, "U-" + personId, null, true), args, default);

    private static string Text(InteractionResponse response) => response.Reply!.ToPlainText();

    [Fact]
    public async Task ExecuteAsync_Facilitator_TheirGroupsOnly()
    {
        var text = Text(await RunAsync("lee"));

        Assert.Contains("Tuesday Circle: 4 of 5 members took part", text, StringComparison.Ordinal);
        Assert.DoesNotContain("Night Owls", text, StringComparison.Ordinal);
        Assert.Contains(_audit.Recent(10), e => e.Action == "digest" && e.ActorPersonId == "lee");
    }

    [Fact]
    public async Task ExecuteAsync_CoordinatorNamingAGroup_ThatGroup()
    {
        var text = Text(await RunAsync("mo", "Night Owls"));

        Assert.Contains("Night Owls: 3 of 4 members took part", text, StringComparison.Ordinal);
        Assert.DoesNotContain("Tuesday Circle", text, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ExecuteAsync_OtherFacilitatorsGroup_RefusedPolitely()
    {
        var text = Text(await RunAsync("pat", "Tuesday Circle"));

        Assert.DoesNotContain("took part", text, StringComparison.Ordinal);
        Assert.Contains(_audit.Recent(10), e => e.Action == "digest" && e.Outcome == AuditOutcome.Refused);
    }

    [Fact]
    public void Audience_StaffOnly() => Assert.Equal(CommandAudience.Staff, _command.Audience);

    [Fact]
    public async Task ExecuteAsync_WithCharts_TextAnswersPrivatelyAndTheChartsFollowAsADirectMessage()
    {
        var slack = new PeerBot.Testing.FakeChatPlatform(PlatformKind.Slack);
        var command = WithCharts(slack);

        var reply = (await command.ExecuteAsync(new CommandContext(_world.Person("lee"), PlatformKind.Slack, "U-lee", "C-tue", false), [], default)).Reply!;

        Assert.Contains("Tuesday Circle: 4 of 5 members took part", reply.ToPlainText(), StringComparison.Ordinal);
        Assert.Contains("Its chart is in your direct messages with PeerBot.", reply.ToPlainText(), StringComparison.Ordinal);
        var sent = Assert.Single(slack.Calls, c => c.Operation == "SendDirectImages");
        Assert.Equal("U-lee", sent.Target);
        var image = Assert.Single(sent.Images!);
        Assert.Equal("chart of Tuesday Circle", image.AltText);
    }

    [Fact]
    public async Task ExecuteAsync_ChartsCannotBeSent_TheReplySaysSoAndStillHasEveryFigure()
    {
        var slack = new PeerBot.Testing.FakeChatPlatform(PlatformKind.Slack);
        slack.FailNext("SendDirectImages");
        var command = WithCharts(slack);

        var reply = (await command.ExecuteAsync(new CommandContext(_world.Person("lee"), PlatformKind.Slack, "U-lee", "C-tue", false), [], default)).Reply!.ToPlainText();

        Assert.Contains("Tuesday Circle: 4 of 5 members took part", reply, StringComparison.Ordinal);
        Assert.Contains("Its charts could not be sent just now", reply, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ExecuteAsync_ChartsCannotBeDrawn_TheTextStillAnswers()
    {
        var slack = new PeerBot.Testing.FakeChatPlatform(PlatformKind.Slack);
        var command = WithCharts(slack, new BrokenChart());

        var reply = (await command.ExecuteAsync(new CommandContext(_world.Person("lee"), PlatformKind.Slack, "U-lee", "C-tue", false), [], default)).Reply!.ToPlainText();

        Assert.Contains("Tuesday Circle: 4 of 5 members took part", reply, StringComparison.Ordinal);
        Assert.DoesNotContain(slack.Calls, c => c.Operation == "SendDirectImages");
    }

    private DigestCommand WithCharts(IChatPlatform platform, IDigestChartRenderer? charts = null) =>
        new(
            new CommandAuthorizer(_world.Groups, _audit, _world.Time, NullLogger<CommandAuthorizer>.Instance),
            _world.Builder,
            new DigestComposer(_world.Builder, charts ?? new NamedChart()),
            new PlatformRegistry([platform]));

    private sealed class BrokenChart : IDigestChartRenderer
    {
        public DigestChart Render(GroupDigest group) => throw new InvalidOperationException("font missing");

        public DigestChart RenderProgram(DigestReport report) => throw new InvalidOperationException("font missing");
    }

    private sealed class NamedChart : IDigestChartRenderer
    {
        public DigestChart Render(GroupDigest group) => new(group.GroupId + ".png", new byte[] { 1 }, "chart of " + group.Name);

        public DigestChart RenderProgram(DigestReport report) => new("every-group.png", new byte[] { 2 }, "chart of every group");
    }
}
