using System;

namespace Ddf.Runtime.Tests;

/// <summary>How a tap's weight is formed (the four kernel modes).</summary>
public enum Weights
{
    /// <summary>cf * sf.</summary>
    Mul,

    /// <summary>cf + sf.</summary>
    Add,

    /// <summary>sf alone (no channel filter).</summary>
    Spatial,

    /// <summary>cf alone (no spatial filter).</summary>
    Channel,
}

/// <summary>DDF (paper Eq. 2) and its gradients by direct loops in float64: the values the guarded runs must give.</summary>
internal static class DdfReference
{
    public static bool HasChannel(this Weights w) => w != Weights.Spatial;

    public static bool HasSpatial(this Weights w) => w != Weights.Channel;

    public static double[] Forward(DdfGeometry g, Weights w, double[] x, double[]? cf, double[]? sf)
    {
        var y = new double[g.Batch * g.Channels * g.OutPlane];
        Taps(g, w, x, cf, sf, y, null, null, null, null);
        return y;
    }

    public static (double[] Dx, double[]? Dcf, double[]? Dsf) Backward(DdfGeometry g, Weights w, double[] x, double[]? cf, double[]? sf, double[] gy)
    {
        var dx = new double[x.Length];
        var dcf = cf is null ? null : new double[cf.Length];
        var dsf = sf is null ? null : new double[sf.Length];
        Taps(g, w, x, cf, sf, null, gy, dx, dcf, dsf);
        return (dx, dcf, dsf);
    }

    /// <summary>
    /// Every tap of every output that lies inside the input (padded taps contribute nothing): the forward into
    /// <paramref name="y"/>, or for upstream gradient <paramref name="gy"/> the gradients into dx, dcf and dsf.
    /// </summary>
    private static void Taps(in DdfGeometry g, Weights w, double[] x, double[]? cf, double[]? sf,
        double[]? y, double[]? gy, double[]? dx, double[]? dcf, double[]? dsf)
    {
        int k = g.KernelSize;
        for (int b = 0; b < g.Batch; b++)
            for (int c = 0; c < g.Channels; c++)
                for (int oy = 0; oy < g.OutHeight; oy++)
                    for (int ox = 0; ox < g.OutWidth; ox++)
                    {
                        long oi = ((long)b * g.Channels + c) * g.OutPlane + (long)oy * g.OutWidth + ox;
                        double sum = 0, upstream = gy?[oi] ?? 0;
                        for (int ky = 0; ky < k; ky++)
                        {
                            int iy = oy * g.Stride - g.Pad + ky * g.Dilation;
                            if (iy < 0 || iy >= g.Height)
                                continue;
                            for (int kx = 0; kx < k; kx++)
                            {
                                int ix = ox * g.Stride - g.Pad + kx * g.Dilation, t = ky * k + kx;
                                if (ix < 0 || ix >= g.Width)
                                    continue;
                                long xi = ((long)b * g.Channels + c) * g.InPlane + (long)iy * g.Width + ix;
                                long ci = ((long)b * g.Channels + c) * g.Taps + t;
                                long si = ((long)b * g.Taps + t) * g.OutPlane + (long)oy * g.OutWidth + ox;
                                double cv = cf is null ? 0 : cf[ci], sv = sf is null ? 0 : sf[si];
                                double weight = w switch { Weights.Mul => cv * sv, Weights.Add => cv + sv, Weights.Spatial => sv, _ => cv };
                                if (y is not null)
                                {
                                    sum += x[xi] * weight;
                                    continue;
                                }
                                double gx = upstream * x[xi];
                                dx![xi] += upstream * weight;
                                if (dcf is not null)
                                    dcf[ci] += w == Weights.Mul ? gx * sv : gx;
                                if (dsf is not null)
                                    dsf[si] += w == Weights.Mul ? gx * cv : gx;
                            }
                        }
                        if (y is not null)
                            y[oi] = sum;
                    }
    }

    /// <summary>Filter normalisation of (batches, groups * taps, pixels) filters (see FilterNormKernels).</summary>
    public static double[] FilterNorm(double[] v, int batches, int groups, int taps, long pixels, double scale)
    {
        var result = new double[v.Length];
        for (long group = 0; group < (long)batches * groups; group++)
            for (long p = 0; p < pixels; p++)
            {
                long at(int t) => (group * taps + t) * pixels + p;
                var (mean, sd) = MeanAndDeviation(v, at(0), pixels, taps);
                double factor = scale / (sd + FilterNormKernels.Epsilon);
                for (int t = 0; t < taps; t++)
                    result[at(t)] = (v[at(t)] - mean) * factor;
            }
        return result;
    }

    /// <summary>The input gradient of <see cref="FilterNorm"/> for upstream gradient <paramref name="gy"/>.</summary>
    public static double[] FilterNormBackward(double[] v, double[] gy, int batches, int groups, int taps, long pixels, double scale)
    {
        var result = new double[v.Length];
        for (long group = 0; group < (long)batches * groups; group++)
            for (long p = 0; p < pixels; p++)
            {
                long at(int t) => (group * taps + t) * pixels + p;
                var (mean, sd) = MeanAndDeviation(v, at(0), pixels, taps);
                double s = sd + FilterNormKernels.Epsilon;
                // y_j = scale * d_j / s with d = v - mean: dy_j/dv_i = scale * ((delta_ij - 1/n) / s - d_j * d_i / (s^2 * (n - 1) * sd)).
                double gradSum = 0, gradDot = 0;
                for (int t = 0; t < taps; t++)
                {
                    gradSum += scale * gy[at(t)];
                    gradDot += scale * gy[at(t)] * (v[at(t)] - mean);
                }
                for (int t = 0; t < taps; t++)
                    result[at(t)] = (scale * gy[at(t)] - gradSum / taps) / s - (v[at(t)] - mean) * gradDot / (s * s * (taps - 1) * sd);
            }
        return result;
    }

    /// <summary>
    /// Mean and sample standard deviation (divided by n - 1, as FilterNormKernels) of the <paramref name="taps"/> values
    /// v[first + t * pixels]: one filter's taps at one pixel.
    /// </summary>
    private static (double Mean, double Deviation) MeanAndDeviation(double[] v, long first, long pixels, int taps)
    {
        double mean = 0, squares = 0;
        for (int t = 0; t < taps; t++)
            mean += v[first + t * pixels];
        mean /= taps;
        for (int t = 0; t < taps; t++)
            squares += (v[first + t * pixels] - mean) * (v[first + t * pixels] - mean);
        return (mean, Math.Sqrt(squares / (taps - 1)));
    }
}
