using System.Reflection;
using PeerBot.Core.Sharing;

namespace PeerBot.Core.Tests.Sharing;

public sealed class RandomDelayJitterTests
{
    [Fact]
    public void Constructors_NoneTakesAPredictableSource()
    {
        // A seeded or shared System.Random can be predicted from a few delays; the live jitter must not accept one.
        var parameters = typeof(RandomDelayJitter).GetConstructors(BindingFlags.Public | BindingFlags.NonPublic | BindingFlags.Instance)
            .SelectMany(c => c.GetParameters());
        var fields = typeof(RandomDelayJitter).GetFields(BindingFlags.NonPublic | BindingFlags.Instance | BindingFlags.Static);

        Assert.DoesNotContain(parameters, p => typeof(Random).IsAssignableFrom(p.ParameterType));
        Assert.DoesNotContain(fields, f => typeof(Random).IsAssignableFrom(f.FieldType));
    }

    [Fact]
    public void Pick_ManyPicks_InBoundsInclusive()
    {
        var jitter = new RandomDelayJitter();
        var min = TimeSpan.FromSeconds(20);
        var max = TimeSpan.FromSeconds(21);

        var picks = Enumerable.Range(0, 500).Select(_ => jitter.Pick(min, max)).ToList();

        Assert.All(picks, p => Assert.InRange(p, min, max));
        Assert.Equal(min, jitter.Pick(min, min));
        Assert.Equal(min, jitter.Pick(min, min - TimeSpan.FromSeconds(1)));
    }

    [Fact]
    public void Pick_TwoTickRange_BothEndsDrawn()
    {
        var jitter = new RandomDelayJitter();
        var min = TimeSpan.FromSeconds(20);
        var max = min + TimeSpan.FromTicks(1);

        var picks = Enumerable.Range(0, 200).Select(_ => jitter.Pick(min, max)).ToHashSet();

        Assert.Equal(new HashSet<TimeSpan> { min, max }, picks);
    }

    [Fact]
    public void Pick_OneDayRange_SpreadsOverTheWholeRange()
    {
        // More ticks than an int holds: every tenth of the day is reached, so the draw is not cut to 32 bits.
        var jitter = new RandomDelayJitter();
        var max = TimeSpan.FromDays(1);

        var tenths = Enumerable.Range(0, 2000).Select(_ => (int)(jitter.Pick(TimeSpan.Zero, max).Ticks * 10 / (max.Ticks + 1))).ToHashSet();

        Assert.Equal(Enumerable.Range(0, 10).ToHashSet(), tenths);
    }

    [Fact]
    public void Uniform_SmallBound_EveryValueAboutEquallyOften()
    {
        var counts = new int[3];
        for (var i = 0; i < 3000; i++)
        {
            counts[RandomDelayJitter.Uniform(3)]++;
        }

        Assert.All(counts, c => Assert.InRange(c, 850, 1150));
    }
}
