using System.Numerics;

namespace PeerBot.Embeddings.Training;

/// <summary>
/// L2-regularised logistic regression fitted by Newton's method (iteratively reweighted least squares), with
/// per-class weights. Deterministic: the same rows in the same order give the same weights, bit for bit.
/// </summary>
public static class LogisticRegression
{
    /// <summary>Fits weights (one per feature) and a bias.</summary>
    /// <param name="rows">Feature vectors, all of one length.</param>
    /// <param name="labels">The label of each row.</param>
    /// <param name="ridge">The L2 penalty on the weights (not on the bias).</param>
    /// <param name="positiveWeight">How much a positive row counts against a negative one.</param>
    /// <param name="iterations">Newton steps.</param>
    public static (double[] Weights, double Bias) Fit(IReadOnlyList<float[]> rows, IReadOnlyList<bool> labels, double ridge, double positiveWeight, int iterations = 12)
    {
        ArgumentNullException.ThrowIfNull(rows);
        ArgumentNullException.ThrowIfNull(labels);
        var n = rows.Count;
        var d = rows[0].Length + 1; // the last column is the bias
        var beta = new double[d];
        var x = new double[d];
        for (var iteration = 0; iteration < iterations; iteration++)
        {
            var hessian = new double[d * d];
            var gradient = new double[d];
            for (var i = 0; i < n; i++)
            {
                Row(rows[i], x);
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
                    AddScaled(hessian.AsSpan((j * d) + j, d - j), curvature * x[j], x.AsSpan(j));
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

            var step = SolveCholesky(hessian, gradient, d);
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

    /// <summary>
    /// <paramref name="target"/>[k] += <paramref name="scale"/> × <paramref name="x"/>[k], several at a time: each element
    /// is multiplied and added on its own (no fused multiply-add), so the result is the same bits as one at a time.
    /// </summary>
    internal static void AddScaled(Span<double> target, double scale, ReadOnlySpan<double> x)
    {
        var k = 0;
        if (Vector.IsHardwareAccelerated)
        {
            var scales = new Vector<double>(scale);
            for (; k <= target.Length - Vector<double>.Count; k += Vector<double>.Count)
            {
                var sum = new Vector<double>(target[k..]) + (scales * new Vector<double>(x[k..]));
                sum.CopyTo(target[k..]);
            }
        }

        for (; k < target.Length; k++)
        {
            target[k] += scale * x[k];
        }
    }

    private static void Row(float[] features, double[] x)
    {
        for (var j = 0; j < features.Length; j++)
        {
            x[j] = features[j];
        }

        x[^1] = 1;
    }

    private static double[] SolveCholesky(double[] a, double[] b, int d)
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
