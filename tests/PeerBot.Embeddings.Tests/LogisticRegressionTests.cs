using PeerBot.Embeddings.Training;

namespace PeerBot.Embeddings.Tests;

/// <summary>
/// The trainer's logistic regression: it learns what decides, and its Hessian, summed several values at a time, gives
/// the same bits as one value at a time (the committed model must stay reproducible).
/// </summary>
public sealed class LogisticRegressionTests
{
    [Theory]
    [InlineData(1)]
    [InlineData(4)]
    [InlineData(13)]
    [InlineData(397)]
    public void AddScaled_TheSameBitsAsOneValueAtATime(int length)
    {
        var random = new Random(length);
        var x = Enumerable.Range(0, length).Select(_ => random.NextDouble() - 0.5).ToArray();
        var target = Enumerable.Range(0, length).Select(_ => (random.NextDouble() - 0.5) * 1e3).ToArray();
        var expected = target.ToArray();
        const double scale = 0.123456789;
        for (var k = 0; k < length; k++)
        {
            expected[k] += scale * x[k];
        }

        LogisticRegression.AddScaled(target, scale, x);

        Assert.Equal(expected.Select(BitConverter.DoubleToInt64Bits), target.Select(BitConverter.DoubleToInt64Bits));
    }

    [Fact]
    public void Fit_LearnsTheSignOfTheFeatureThatDecides()
    {
        var random = new Random(3);
        var rows = Enumerable.Range(0, 400).Select(_ => Enumerable.Range(0, 5).Select(_ => (float)(random.NextDouble() - 0.5)).ToArray()).ToList();
        var labels = rows.Select(r => r[0] - (0.5 * r[1]) + ((random.NextDouble() - 0.5) * 0.2) > 0).ToList();

        var (weights, _) = LogisticRegression.Fit(rows, labels, ridge: 0.5, positiveWeight: 1, iterations: 12);

        // The label is the sign of feature 0 minus half of feature 1, with a little noise.
        Assert.True(weights[0] > 1, $"w0 {weights[0]}");
        Assert.True(weights[1] < -0.5, $"w1 {weights[1]}");
        Assert.True(Math.Abs(weights[4]) < Math.Abs(weights[1]), $"w4 {weights[4]}");
    }
}
