using PeerBot.Embeddings.Training;

namespace PeerBot.Embeddings.Tests;

/// <summary>
/// The trainer's logistic regression: it separates what is separable, and its Hessian, summed several values at a time,
/// gives the same bits as the plain one-at-a-time arithmetic it replaced (the committed model must stay reproducible).
/// </summary>
public sealed class LogisticRegressionTests
{
    [Theory]
    [InlineData(3)]
    [InlineData(12)]
    [InlineData(13)]
    public void Fit_TheSameBitsAsOneValueAtATime(int features)
    {
        var (rows, labels) = Data(features, seed: features);

        var (weights, bias) = LogisticRegression.Fit(rows, labels, ridge: 0.5, positiveWeight: 1.7, iterations: 8);
        var (expectedWeights, expectedBias) = ReferenceFit(rows, labels, ridge: 0.5, positiveWeight: 1.7, iterations: 8);

        Assert.Equal(expectedWeights.Select(BitConverter.DoubleToInt64Bits), weights.Select(BitConverter.DoubleToInt64Bits));
        Assert.Equal(BitConverter.DoubleToInt64Bits(expectedBias), BitConverter.DoubleToInt64Bits(bias));
    }

    [Fact]
    public void Fit_LearnsTheSignOfTheFeatureThatDecides()
    {
        var (rows, labels) = Data(5, seed: 3);

        var (weights, _) = LogisticRegression.Fit(rows, labels, ridge: 0.5, positiveWeight: 1, iterations: 12);

        // The label is the sign of feature 0 minus half of feature 1, with a little noise.
        Assert.True(weights[0] > 1, $"w0 {weights[0]}");
        Assert.True(weights[1] < -0.5, $"w1 {weights[1]}");
        Assert.True(Math.Abs(weights[4]) < Math.Abs(weights[1]), $"w4 {weights[4]}");
    }

    private static (List<float[]> Rows, List<bool> Labels) Data(int features, int seed)
    {
        var random = new Random(seed);
        var rows = Enumerable.Range(0, 400).Select(_ => Enumerable.Range(0, features).Select(_ => (float)(random.NextDouble() - 0.5)).ToArray()).ToList();
        var labels = rows.Select(r => r[0] - (features > 1 ? 0.5 * r[1] : 0) + ((random.NextDouble() - 0.5) * 0.2) > 0).ToList();
        return (rows, labels);
    }

    /// <summary>The regression as it was written before its Hessian was summed several values at a time.</summary>
    private static (double[] Weights, double Bias) ReferenceFit(List<float[]> rows, List<bool> labels, double ridge, double positiveWeight, int iterations)
    {
        var d = rows[0].Length + 1;
        var beta = new double[d];
        var x = new double[d];
        for (var iteration = 0; iteration < iterations; iteration++)
        {
            var hessian = new double[d * d];
            var gradient = new double[d];
            for (var i = 0; i < rows.Count; i++)
            {
                for (var j = 0; j < d - 1; j++)
                {
                    x[j] = rows[i][j];
                }

                x[^1] = 1;
                var z = 0.0;
                for (var j = 0; j < d; j++)
                {
                    z += beta[j] * x[j];
                }

                var p = 1 / (1 + Math.Exp(-z));
                var weight = labels[i] ? positiveWeight : 1;
                var residual = weight * ((labels[i] ? 1 : 0) - p);
                var curvature = weight * Math.Max(p * (1 - p), 1e-9);
                for (var j = 0; j < d; j++)
                {
                    gradient[j] += residual * x[j];
                    var scaled = curvature * x[j];
                    for (var k = j; k < d; k++)
                    {
                        hessian[(j * d) + k] += scaled * x[k];
                    }
                }
            }

            for (var j = 0; j < d - 1; j++)
            {
                gradient[j] -= ridge * beta[j];
                hessian[(j * d) + j] += ridge;
            }

            hessian[(d * d) - 1] += 1e-6;
            for (var j = 0; j < d; j++)
            {
                for (var k = 0; k < j; k++)
                {
                    hessian[(j * d) + k] = hessian[(k * d) + j];
                }
            }

            var step = Solve(hessian, gradient, d);
            var change = 0.0;
            for (var j = 0; j < d; j++)
            {
                beta[j] += step[j];
                change = Math.Max(change, Math.Abs(step[j]));
            }

            if (change < 1e-7)
            {
                break;
            }
        }

        return (beta[..^1], beta[^1]);
    }

    /// <summary>Cholesky, as the regression solves its Newton step.</summary>
    private static double[] Solve(double[] a, double[] b, int d)
    {
        var l = new double[d * d];
        for (var i = 0; i < d; i++)
        {
            for (var j = 0; j <= i; j++)
            {
                var sum = a[(i * d) + j];
                for (var k = 0; k < j; k++)
                {
                    sum -= l[(i * d) + k] * l[(j * d) + k];
                }

                l[(i * d) + j] = i == j ? Math.Sqrt(Math.Max(sum, 1e-12)) : sum / l[(j * d) + j];
            }
        }

        var y = new double[d];
        for (var i = 0; i < d; i++)
        {
            var sum = b[i];
            for (var k = 0; k < i; k++)
            {
                sum -= l[(i * d) + k] * y[k];
            }

            y[i] = sum / l[(i * d) + i];
        }

        var solution = new double[d];
        for (var i = d - 1; i >= 0; i--)
        {
            var sum = y[i];
            for (var k = i + 1; k < d; k++)
            {
                sum -= l[(k * d) + i] * solution[k];
            }

            solution[i] = sum / l[(i * d) + i];
        }

        return solution;
    }
}
