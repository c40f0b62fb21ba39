using System;
using System.Numerics;
using System.Runtime.CompilerServices;

namespace Ddf.Runtime;

public readonly unsafe partial struct GenericRows<T, TW>
{
    /// <inheritdoc/>
    public static void InputGradient(in DdfCpuArgs<T> a, int b, int c, bool pair, int y)
    {
        InputGradient(a, b, c, y);
        if (pair)
            InputGradient(a, b, c + 1, y);
    }

    /// <summary>Writes input-gradient row <paramref name="y"/> of plane (b, c).</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void InputGradient(in DdfCpuArgs<T> a, int b, int c, int y)
    {
        var g = a.Geometry;
        if (g.Stride != 1)
        {
            StridedInputGradient(a, b, c, y);
            return;
        }
        T* gPlane = a.OutputRow(b, c, 0), cfTaps = a.ChannelTaps(b, c), sfBatch = a.SpatialRow(b, 0);
        T* dxRow = a.GradInput + ((long)b * g.Channels + c) * g.InPlane + (long)y * g.Width;
        int vw = Vector<T>.Count;
        var (lo, hi) = VectorColumns(g);
        lo = Math.Min(lo, g.Width);
        hi = Math.Min(hi, g.Width);
        InputGradientColumns(a, gPlane, cfTaps, sfBatch, dxRow, y, 0, lo);
        if (hi - lo >= Unroll * vw)
        {
            for (int next = lo; ; next += Unroll * vw)
            {
                int ix0 = Math.Min(next, hi - Unroll * vw);
                InputGradientVectors4(g, gPlane, cfTaps, sfBatch, dxRow, y, ix0);
                if (ix0 == hi - Unroll * vw)
                    break;
            }
        }
        else if (hi > lo)
        {
            for (int next = lo; ; next += vw)
            {
                int ix0 = Math.Min(next, hi - vw);
                InputGradientVector(g, gPlane, cfTaps, sfBatch, dxRow, y, ix0);
                if (ix0 == hi - vw)
                    break;
            }
        }
        InputGradientColumns(a, gPlane, cfTaps, sfBatch, dxRow, y, Math.Max(hi, lo), g.Width);
    }

    /// <summary>
    /// Input-gradient row y at stride s &gt; 1. The columns ix = r + s * j of one residue r read, through each tap kx
    /// with (r + pad - kx * d) divisible by s, the output columns j + (r + pad - kx * d) / s: contiguous in j. So each
    /// residue runs as vectors over j (the taps that reach it found once per row), then goes back to every s-th column;
    /// columns whose taps leave the output row take the bounds-checked scalar path.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void StridedInputGradient(in DdfCpuArgs<T> a, int b, int c, int y)
    {
        var g = a.Geometry;
        int k = g.KernelSize, d = g.Dilation, s = g.Stride, pad = g.Pad, vw = Vector<T>.Count;
        long outPlane = g.OutPlane;
        T* gPlane = a.OutputRow(b, c, 0), cfTaps = a.ChannelTaps(b, c), sfBatch = a.SpatialRow(b, 0);
        T* dxRow = a.GradInput + ((long)b * g.Channels + c) * g.InPlane + (long)y * g.Width;
        T* lanes = stackalloc T[vw];
        // Output row of each tap row (-1: the stride skips it or it lies outside), and the taps kx reaching residue r.
        int* rowOf = stackalloc int[k];
        for (int ky = 0; ky < k; ky++)
            rowOf[ky] = StrideHit(y + pad - ky * d, s, g.OutHeight, out int oy) ? oy : -1;
        int* tapX = stackalloc int[k], shift = stackalloc int[k];
        for (int r = 0; r < s && r < g.Width; r++)
        {
            int count = (g.Width - r + s - 1) / s, taps = 0, lo = 0, hi = count;
            for (int kx = 0; kx < k; kx++)
            {
                int n = r + pad - kx * d, off = DdfGpuTiling.FloorDiv(n, s);
                if (off * s != n)
                    continue;
                (tapX[taps], shift[taps]) = (kx, off);
                taps++;
                lo = Math.Max(lo, -off);
                hi = Math.Min(hi, g.OutWidth - off);
            }
            if (hi - lo < vw)
                (lo, hi) = (count, count);
            for (int next = lo; hi > lo; next += vw)
            {
                int j0 = Math.Min(next, hi - vw);
                var acc = Vector<T>.Zero;
                for (int ky = 0; ky < k; ky++)
                {
                    if (rowOf[ky] < 0)
                        continue;
                    long rowStart = (long)rowOf[ky] * g.OutWidth + j0;
                    for (int i = 0; i < taps; i++)
                    {
                        int t = ky * k + tapX[i];
                        long at = rowStart + shift[i];
                        var cv = TW.HasChannel ? new Vector<T>(cfTaps[t]) : default;
                        acc = TW.Accumulate(acc, Vector.Load(gPlane + at), cv, TW.HasSpatial ? Vector.Load(sfBatch + t * outPlane + at) : default);
                    }
                }
                acc.Store(lanes);
                T* dst = dxRow + r + (long)s * j0;
                for (int i = 0; i < vw; i++)
                    dst[(long)s * i] = lanes[i];
                if (j0 == hi - vw)
                    break;
            }
            // Edge columns (all of them when the interior is narrower than a vector): the bounds-checked scalar path.
            for (int j = 0; j < lo; j++)
                InputGradientColumns(a, gPlane, cfTaps, sfBatch, dxRow, y, r + s * j, r + s * j + 1);
            for (int j = hi; j < count; j++)
                InputGradientColumns(a, gPlane, cfTaps, sfBatch, dxRow, y, r + s * j, r + s * j + 1);
        }
    }

    /// <summary>Input-gradient columns [ix0, ix0 + 4 vectors) of row y (stride 1), every transposed tap inside the output.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void InputGradientVectors4(in DdfGeometry g, T* gPlane, T* cfTaps, T* sfBatch, T* dxRow, int y, int ix0)
    {
        int k = g.KernelSize, d = g.Dilation, pad = g.Pad, vw = Vector<T>.Count;
        long outPlane = g.OutPlane;
        Vector<T> a0 = default, a1 = default, a2 = default, a3 = default;
        // The upstream-gradient row that input row y + 1 adds to the window, and the next input-gradient row.
        PrefetchGroup(gPlane + (long)(y + 1 + pad) * g.OutWidth + ix0 + pad + Unroll * vw);
        PrefetchGroup(dxRow + g.Width + ix0 + Unroll * vw);
        for (int ky = 0; ky < k; ky++)
        {
            int oy = y + pad - ky * d;
            if ((uint)oy >= (uint)g.OutHeight)
                continue;
            long rowStart = (long)oy * g.OutWidth + ix0 + pad;
            for (int kx = 0; kx < k; kx++)
            {
                int t = ky * k + kx;
                long at = rowStart - kx * d;
                T* gt = gPlane + at, st = sfBatch + t * outPlane + at;
                var cv = TW.HasChannel ? new Vector<T>(cfTaps[t]) : default;
                a0 = TW.Accumulate(a0, Vector.Load(gt), cv, TW.HasSpatial ? Vector.Load(st) : default);
                a1 = TW.Accumulate(a1, Vector.Load(gt + vw), cv, TW.HasSpatial ? Vector.Load(st + vw) : default);
                a2 = TW.Accumulate(a2, Vector.Load(gt + 2 * vw), cv, TW.HasSpatial ? Vector.Load(st + 2 * vw) : default);
                a3 = TW.Accumulate(a3, Vector.Load(gt + 3 * vw), cv, TW.HasSpatial ? Vector.Load(st + 3 * vw) : default);
            }
        }
        T* dst = dxRow + ix0;
        a0.Store(dst);
        a1.Store(dst + vw);
        a2.Store(dst + 2 * vw);
        a3.Store(dst + 3 * vw);
    }

    /// <summary>Input-gradient columns [ix0, ix0 + one vector) of row y (stride 1), every transposed tap inside the output.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void InputGradientVector(in DdfGeometry g, T* gPlane, T* cfTaps, T* sfBatch, T* dxRow, int y, int ix0)
    {
        int k = g.KernelSize, d = g.Dilation, pad = g.Pad;
        long outPlane = g.OutPlane;
        var acc = Vector<T>.Zero;
        for (int ky = 0; ky < k; ky++)
        {
            int oy = y + pad - ky * d;
            if ((uint)oy >= (uint)g.OutHeight)
                continue;
            long rowStart = (long)oy * g.OutWidth + ix0 + pad;
            for (int kx = 0; kx < k; kx++)
            {
                int t = ky * k + kx;
                long at = rowStart - kx * d;
                var cv = TW.HasChannel ? new Vector<T>(cfTaps[t]) : default;
                var sv = TW.HasSpatial ? Vector.Load(sfBatch + t * outPlane + at) : default;
                acc = TW.Accumulate(acc, Vector.Load(gPlane + at), cv, sv);
            }
        }
        acc.Store(dxRow + ix0);
    }

    /// <summary>
    /// Input-gradient columns [ix0, ix1) of row iy with bounds checks: for each, the output positions
    /// whose taps land on it (any stride). <paramref name="gPlane"/> is the output-gradient plane,
    /// <paramref name="sfBatch"/> tap 0 of the batch's spatial filter.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void InputGradientColumns(in DdfCpuArgs<T> a, T* gPlane, T* cfTaps, T* sfBatch, T* dxRow, int iy, int ix0, int ix1)
    {
        var g = a.Geometry;
        int k = g.KernelSize, d = g.Dilation, s = g.Stride, pad = g.Pad;
        long outPlane = g.OutPlane;
        for (int ix = ix0; ix < ix1; ix++)
        {
            T acc = T.Zero;
            for (int ky = 0; ky < k; ky++)
            {
                if (!StrideHit(iy + pad - ky * d, s, g.OutHeight, out int oy))
                    continue;
                long rowStart = (long)oy * g.OutWidth;
                for (int kx = 0; kx < k; kx++)
                {
                    if (!StrideHit(ix + pad - kx * d, s, g.OutWidth, out int ox))
                        continue;
                    int t = ky * k + kx;
                    long at = rowStart + ox;
                    acc = TW.Accumulate(acc, gPlane[at], TW.HasChannel ? cfTaps[t] : T.Zero, TW.HasSpatial ? sfBatch[t * outPlane + at] : T.Zero);
                }
            }
            dxRow[ix] = acc;
        }
    }

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

    /// <summary>
    /// Whether input offset <paramref name="n"/> (relative to output 0's first tap) is where a stride-<paramref name="s"/>
    /// output at index <paramref name="o"/> &lt; <paramref name="limit"/> reads; stride 1 skips the divisions, which
    /// otherwise dominate the edge columns.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static bool StrideHit(int n, int s, int limit, out int o)
    {
        if (s == 1)
        {
            o = n;
            return (uint)n < (uint)limit;
        }
        o = n / s;
        return n >= 0 && n % s == 0 && o < limit;
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
