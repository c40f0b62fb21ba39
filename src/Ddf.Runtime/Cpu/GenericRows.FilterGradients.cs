using System;
using System.Numerics;
using System.Runtime.CompilerServices;

namespace Ddf.Runtime;

// GenericRows' filter-gradient rows: the spatial-filter gradient and the channel-filter partial sums of one output row,
// for one channel or a pair. The input gradient: GenericRows.InputGradient.cs.
public readonly unsafe partial struct GenericRows<T, TW>
{
    /// <inheritdoc/>
    public static void FilterGradients(in DdfCpuArgs<T> a, int b, int c, bool pair, int oy, T* channelPartials)
    {
        if (pair)
            FilterGradients<TwoChannels>(a, b, c, oy, channelPartials);
        else
            FilterGradients<OneChannel>(a, b, c, oy, channelPartials);
    }

    /// <summary>
    /// <see cref="FilterGradients(in DdfCpuArgs{T}, int, int, bool, int, T*)"/> for <typeparamref name="TCount"/> channels
    /// (one or two, a JIT-time constant): per tap, one pass over the row's columns; a pair shares each spatial-filter
    /// gradient load and store and adds its channels in order, so the sums are those of one channel at a time.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void FilterGradients<TCount>(in DdfCpuArgs<T> a, int b, int c, int oy, T* channelPartials)
        where TCount : struct, IChannelCount
    {
        var g = a.Geometry;
        int k = g.KernelSize, d = g.Dilation, s = g.Stride, pad = g.Pad, width = g.Width, outWidth = g.OutWidth, vw = Vector<T>.Count;
        long outPlane = g.OutPlane;
        bool two = TCount.IsPair;
        T* sfRow = a.SpatialRow(b, oy);
        T* dsfRow = a.GradSpatialFilter == null ? null : a.GradSpatialFilter + (sfRow - a.SpatialFilter);
        T* x0 = a.InputPlane(b, c), x1 = x0 + g.InPlane;
        T* g0 = a.OutputRow(b, c, oy), g1 = g0 + outPlane;
        T* cf0 = a.ChannelTaps(b, c), cf1 = cf0 + g.Taps;
        T* p0 = channelPartials == null ? null : channelPartials + (long)c * g.Taps, p1 = p0 + g.Taps;
        // The first tap's column loop prefetches what the next row (oy + 1) adds: its upstream-gradient rows and
        // the input rows its last tap row reads.
        T* aheadX = x0 + (long)((oy + 1) * s - pad + (k - 1) * d) * width, aheadG = g0 + outWidth;
        bool lead = true;
        for (int ky = 0; ky < k; ky++)
        {
            int iy = oy * s - pad + ky * d;
            if ((uint)iy >= (uint)g.Height)
                continue;
            for (int kx = 0; kx < k; kx++)
            {
                int t = ky * k + kx;
                // dsf += g * x_tap * (Mul: cf, else 1); dcf += g * x_tap * (Mul: sf, else 1).
                T cft0 = TW.IsProduct ? cf0[t] : T.One, cft1 = TW.IsProduct && two ? cf1[t] : T.One;
                T* dsfTap = dsfRow == null ? null : dsfRow + t * outPlane;
                T* sfTap = TW.IsProduct ? sfRow + t * outPlane : null;
                T* xt0 = x0 + (long)iy * width - pad + kx * d, xt1 = xt0 + g.InPlane;
                // Output columns whose tap kx lies inside the row: ix = ox * s - pad + kx * d in [0, W).
                int lo = Math.Max(0, CeilDiv(pad - kx * d, s)), hi = Math.Min(outWidth, CeilDiv(width + pad - kx * d, s));
                int ox = lo;
                T sum0 = T.Zero, sum1 = T.Zero;
                if (s == 1 && hi - lo >= vw)
                {
                    var (cv0, cv1) = (new Vector<T>(cft0), new Vector<T>(cft1));
                    Vector<T> a0 = default, a1 = default, b0 = default, b1 = default;
                    // Two vectors a step with separate dcf accumulators, so the reductions' FMA latency is hidden.
                    for (; ox <= hi - 2 * vw; ox += 2 * vw)
                    {
                        if (lead)
                        {
                            CachePrefetch.Read(aheadX + ox + 2 * vw);
                            CachePrefetch.Read(aheadG + ox + 2 * vw);
                            if (two)
                            {
                                CachePrefetch.Read(aheadX + g.InPlane + ox + 2 * vw);
                                CachePrefetch.Read(aheadG + outPlane + ox + 2 * vw);
                            }
                        }
                        var gx0 = Vector.Load(g0 + ox) * Vector.Load(xt0 + ox);
                        var hx0 = Vector.Load(g0 + ox + vw) * Vector.Load(xt0 + ox + vw);
                        var gx1 = two ? Vector.Load(g1 + ox) * Vector.Load(xt1 + ox) : default;
                        var hx1 = two ? Vector.Load(g1 + ox + vw) * Vector.Load(xt1 + ox + vw) : default;
                        if (dsfTap != null)
                        {
                            var u = VectorMath.Fma(gx0, cv0, Vector.Load(dsfTap + ox));
                            var v = VectorMath.Fma(hx0, cv0, Vector.Load(dsfTap + ox + vw));
                            (two ? VectorMath.Fma(gx1, cv1, u) : u).Store(dsfTap + ox);
                            (two ? VectorMath.Fma(hx1, cv1, v) : v).Store(dsfTap + ox + vw);
                        }
                        if (p0 != null)
                        {
                            var (sv, sw) = TW.IsProduct ? (Vector.Load(sfTap + ox), Vector.Load(sfTap + ox + vw)) : (Vector<T>.One, Vector<T>.One);
                            a0 = VectorMath.Fma(gx0, sv, a0);
                            b0 = VectorMath.Fma(hx0, sw, b0);
                            if (two)
                            {
                                a1 = VectorMath.Fma(gx1, sv, a1);
                                b1 = VectorMath.Fma(hx1, sw, b1);
                            }
                        }
                    }
                    // The rest in whole vectors, the last shifted back to end at hi with its already-done lanes masked off.
                    for (; ox < hi; ox += vw)
                    {
                        int o = Math.Min(ox, hi - vw);
                        var fresh = Vector.GreaterThanOrEqual(Vector<T>.Indices, new Vector<T>(T.CreateTruncating(ox - o)));
                        var gx0 = Vector.Load(g0 + o) * Vector.Load(xt0 + o);
                        var gx1 = two ? Vector.Load(g1 + o) * Vector.Load(xt1 + o) : default;
                        if (dsfTap != null)
                        {
                            var old = Vector.Load(dsfTap + o);
                            var u = VectorMath.Fma(gx0, cv0, old);
                            Vector.ConditionalSelect(fresh, two ? VectorMath.Fma(gx1, cv1, u) : u, old).Store(dsfTap + o);
                        }
                        if (p0 != null)
                        {
                            var sv = TW.IsProduct ? Vector.Load(sfTap + o) : Vector<T>.One;
                            a0 += Vector.ConditionalSelect(fresh, gx0 * sv, Vector<T>.Zero);
                            if (two)
                                a1 += Vector.ConditionalSelect(fresh, gx1 * sv, Vector<T>.Zero);
                        }
                    }
                    (sum0, sum1) = (Vector.Sum(a0 + b0), Vector.Sum(a1 + b1));
                }
                for (; ox < hi; ox++)
                {
                    T gx0 = g0[ox] * xt0[ox * s], gx1 = two ? g1[ox] * xt1[ox * s] : T.Zero;
                    if (dsfTap != null)
                    {
                        T u = T.FusedMultiplyAdd(gx0, cft0, dsfTap[ox]);
                        dsfTap[ox] = two ? T.FusedMultiplyAdd(gx1, cft1, u) : u;
                    }
                    if (p0 != null)
                    {
                        T sv = TW.IsProduct ? sfTap[ox] : T.One;
                        sum0 = T.FusedMultiplyAdd(gx0, sv, sum0);
                        if (two)
                            sum1 = T.FusedMultiplyAdd(gx1, sv, sum1);
                    }
                }
                if (p0 != null)
                {
                    p0[t] += sum0;
                    if (two)
                        p1[t] += sum1;
                }
                lead = false;
            }
        }
    }

    /// <summary>Ceiling of a / b for b &gt; 0 and any sign of a.</summary>
    private static int CeilDiv(int a, int b) => a >= 0 ? (a + b - 1) / b : -(-a / b);

    /// <summary>How many channels a row kernel handles, as a JIT-time constant.</summary>
    private interface IChannelCount
    {
        static abstract bool IsPair { get; }
    }

    private readonly struct OneChannel : IChannelCount
    {
        public static bool IsPair => false;
    }

    private readonly struct TwoChannels : IChannelCount
    {
        public static bool IsPair => true;
    }
}
