using PeerBot.Core.Configuration;
using PeerBot.Core.Safety;

namespace PeerBot.Core.Tests.Safety;

/// <summary><c>/peer forget-me</c> in the safety engine: a person's kept spiral messages go, from the store and from memory.</summary>
public sealed class SafetyForgetTests
{
    private const string Handle = "h_anaHandle";

    [Fact]
    public async Task ForgetAuthorsAsync_PersonIdAndHandle_ErasesBothFromStoreOthersKept()
    {
        var h = new SafetyHarness(options: new PeerBotOptions { Safety = new SafetyOptions { SpiralMinMessages = 10 } });
        await h.SayAsync("ana", 0, "nothing will ever change here");
        await h.SayAsync(Handle, 1, "what's the point of any of it");
        await h.SayAsync("ben", 2, "i've given up honestly");
        Assert.Equal(3, h.Pending.Entries.Count);

        var erased = await h.Monitor.ForgetAuthorsAsync(["ana", Handle], CancellationToken.None);

        Assert.Equal(2, erased);
        var left = Assert.Single(h.Pending.Entries);
        Assert.Equal("ben", left.Entry.AuthorKey);
    }

    [Fact]
    public async Task ForgetAuthorsAsync_HeldInDetector_NoLaterAlertCarriesTheirWords()
    {
        var h = new SafetyHarness(options: new PeerBotOptions { Safety = new SafetyOptions { SpiralMinMessages = 3, SpiralMinPeople = 2 } });
        await h.SayAsync("ana", 0, "nothing will ever change here");
        await h.SayAsync("ben", 1, "what's the point of any of it");

        await h.Monitor.ForgetAuthorsAsync(["ana"], CancellationToken.None);
        var third = await h.SayAsync("cat", 2, "i've given up honestly");

        // Without Ana's message there are two, short of a spiral; after one more it alerts without her words.
        Assert.Null(third.Alert);
        var fourth = await h.SayAsync("cat", 3, "what's the point");
        Assert.Equal(AlertKind.Spiral, fourth.Alert?.Kind);
        Assert.DoesNotContain(fourth.Alert!.Excerpts, e => e.Contains("nothing will ever change here", StringComparison.Ordinal));
        Assert.Equal(3, fourth.Alert.MessageCount);
    }

    [Fact]
    public async Task ForgetAuthorsAsync_AfterRestartBeforeRestore_ErasedEntriesNotRestored()
    {
        var h = new SafetyHarness();
        await h.SayAsync("ana", 0, "nothing will ever change here");
        await h.SayAsync("ben", 1, "what's the point of any of it");

        using var restarted = h.NewMonitor(new SpiralDetector(h.Options.Safety));
        await restarted.ForgetAuthorsAsync(["ana"], CancellationToken.None);
        await restarted.RestoreAsync(CancellationToken.None);
        var third = await restarted.ObserveAsync(new ObservedMessage("g1", "cat", "cat", SafetyHarness.Start.AddMinutes(2), "i've given up honestly"), CancellationToken.None);

        Assert.Null(third.Alert);
        Assert.DoesNotContain(h.Pending.Entries, e => e.Entry.AuthorKey == "ana");
    }

    [Fact]
    public void Forget_Detector_DropsOnlyThoseAuthorsInEveryGroup()
    {
        var detector = new SpiralDetector(new SafetyOptions { SpiralMinMessages = 10 });
        var fatalistic = new MessageAssessment(true, 0.9, false, ["futility"]);
        detector.Observe("g1", "ana", SafetyHarness.Start, fatalistic, "a");
        detector.Observe("g2", "ana", SafetyHarness.Start, fatalistic, "b");
        detector.Observe("g2", "ben", SafetyHarness.Start, fatalistic, "c");

        Assert.Equal(2, detector.Forget(["ana"]));
        Assert.Equal(0, detector.Forget(["ana"]));
        Assert.Equal(1, detector.Forget(["ben"]));
    }
}
