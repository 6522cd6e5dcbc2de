using Microsoft.Extensions.Logging.Abstractions;
using Moq;
using PeerBot.Core.Groups;
using PeerBot.Core.Platform;
using PeerBot.Core.Safety;
using PeerBot.Testing;

namespace PeerBot.Core.Tests.Safety;

public sealed class AlertDeliveryTests
{
    [Fact]
    public async Task DeliverAsync_AcknowledgedWhileStillBeingSent_KeepsTheAcknowledgementAndUpdatesTheLaterCopy()
    {
        var h = new SafetyHarness();
        var fake = new FakeChatPlatform(PlatformKind.Slack);
        var leeSending = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var release = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);

        // Lee's copy is held on its way, as a slow or rate-limited platform would, while Kim already has hers.
        var platform = new Mock<IChatPlatform>();
        platform.SetupGet(p => p.Kind).Returns(PlatformKind.Slack);
        platform.Setup(p => p.SendDirectMessageAsync(It.IsAny<string>(), It.IsAny<OutgoingMessage>(), It.IsAny<CancellationToken>()))
            .Returns(async (string userId, OutgoingMessage message, CancellationToken ct) =>
            {
                if (userId == "U-lee")
                {
                    leeSending.TrySetResult();
                    await release.Task;
                }

                return await fake.SendDirectMessageAsync(userId, message, ct);
            });
        platform.Setup(p => p.UpdateMessageAsync(It.IsAny<MessageRef>(), It.IsAny<OutgoingMessage>(), It.IsAny<CancellationToken>()))
            .Returns((MessageRef message, OutgoingMessage content, CancellationToken ct) => fake.UpdateMessageAsync(message, content, ct));
        var groups = new Mock<IGroupDirectory>();
        groups.Setup(g => g.Find("g1")).Returns(h.Group);
        using var delivery = new AlertDelivery(h.Store, groups.Object, h.People, new PlatformRegistry([platform.Object]),
            Microsoft.Extensions.Options.Options.Create(h.Options), NullLogger<AlertDelivery>.Instance);
        using var monitor = h.NewMonitor(new SpiralDetector(h.Options.Safety), delivery, new Random(7));
        var alerts = new AlertService(h.Store, delivery, h.Time, NullLogger<AlertService>.Instance);

        var observing = monitor.ObserveAsync(new ObservedMessage("g1", "ana", "ana", SafetyHarness.Start, "i want to die"), CancellationToken.None);
        await leeSending.Task.WaitAsync(TimeSpan.FromSeconds(10));
        var id = Assert.Single(await h.Store.ListAsync(["g1"], includeResolved: false, CancellationToken.None)).Id;
        Assert.True((await alerts.AcknowledgeAsync(id, "kim", CancellationToken.None)).Succeeded);
        release.SetResult();
        await observing.WaitAsync(TimeSpan.FromSeconds(10));

        var stored = (await h.Store.FindAsync(id, CancellationToken.None))!;
        Assert.Equal(AlertStatus.Acknowledged, stored.Status);
        Assert.Equal("kim", stored.AcknowledgedBy);
        Assert.True(stored.Delivered);
        Assert.True(stored.AuthorReplied);
        Assert.Equal(["kim", "lee"], stored.DeliveredTo.Select(d => d.PersonId));
        var kimCopy = Assert.Single(fake.MessagesIn("D-U-kim")).Content;
        var leeCopy = Assert.Single(fake.MessagesIn("D-U-lee")).Content;
        Assert.All(new[] { kimCopy, leeCopy }, copy =>
        {
            Assert.Contains("acknowledged by Dr Kim", copy.ToPlainText(), StringComparison.Ordinal);
            Assert.Equal(["resolve:" + id], copy.Buttons.Select(b => b.ActionId));
        });
    }

    [Fact]
    public async Task DeliverAsync_RetriedWhileTheFirstDeliveryIsStillSending_NobodyGetsTheAlertTwice()
    {
        var h = new SafetyHarness();
        var fake = new FakeChatPlatform(PlatformKind.Slack);
        var leeSending = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var release = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var platform = new Mock<IChatPlatform>();
        platform.SetupGet(p => p.Kind).Returns(PlatformKind.Slack);
        platform.Setup(p => p.SendDirectMessageAsync(It.IsAny<string>(), It.IsAny<OutgoingMessage>(), It.IsAny<CancellationToken>()))
            .Returns(async (string userId, OutgoingMessage message, CancellationToken ct) =>
            {
                if (userId == "U-lee")
                {
                    leeSending.TrySetResult();
                    await release.Task;
                }

                return await fake.SendDirectMessageAsync(userId, message, ct);
            });
        var groups = new Mock<IGroupDirectory>();
        groups.Setup(g => g.Find("g1")).Returns(h.Group);
        using var delivery = new AlertDelivery(h.Store, groups.Object, h.People, new PlatformRegistry([platform.Object]),
            Microsoft.Extensions.Options.Options.Create(h.Options), NullLogger<AlertDelivery>.Instance);
        using var monitor = new SafetyMonitor(new RuleBasedClassifier(h.Options.Safety), new SpiralDetector(h.Options.Safety), h.Store, h.Pending, delivery,
            new AlertIdGenerator(new Random(7)), h.Time, NullLogger<SafetyMonitor>.Instance);

        // Lee's copy is on its way (a slow or rate-limited platform) when the maintenance pass finds the alert
        // undelivered and delivers it again.
        var observing = monitor.ObserveAsync(new ObservedMessage("g1", "ana", "ana", SafetyHarness.Start, "i want to die"), CancellationToken.None);
        await leeSending.Task.WaitAsync(TimeSpan.FromSeconds(10));
        var stored = Assert.Single(await h.Store.ListAsync(["g1"], includeResolved: false, CancellationToken.None));
        Assert.False(stored.Delivered);
        var retry = delivery.DeliverAsync(stored, CancellationToken.None);
        release.SetResult();
        await observing.WaitAsync(TimeSpan.FromSeconds(10));
        var after = await retry.WaitAsync(TimeSpan.FromSeconds(10));

        Assert.True(after.Delivered);
        Assert.Single(fake.MessagesIn("D-U-lee"));
        Assert.Single(fake.MessagesIn("D-U-kim"));
        Assert.Equal(["kim", "lee"], after.DeliveredTo.Select(d => d.PersonId));
    }

    [Fact]
    public async Task ResolveAsync_WhileTheAlertIsStillBeingSent_IsNotUndoneByTheDelivery()
    {
        var h = new SafetyHarness();
        var raised = await h.SayAsync("ana", 0, "i want to die");
        var id = raised.Alert!.Id;

        // A delivery that began before the resolution writes its progress over the stored record, not its own copy.
        var stale = (await h.Store.FindAsync(id, CancellationToken.None))!;
        Assert.True((await h.Alerts.ResolveAsync(id, "kim", "called her", CancellationToken.None)).Succeeded);
        await h.Delivery.DeliverAsync(stale, CancellationToken.None);

        var stored = (await h.Store.FindAsync(id, CancellationToken.None))!;
        Assert.Equal(AlertStatus.Resolved, stored.Status);
        Assert.Equal("called her", stored.ResolutionNote);
        Assert.Equal(stale.DeliveryAttempts + 1, stored.DeliveryAttempts);
    }
}
