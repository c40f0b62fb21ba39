using System;
using System.Numerics;
using System.Runtime.CompilerServices;

namespace Ddf.Runtime;

public readonly unsafe partial struct GenericRows<T, TW>
{
    /// <inheritdoc/>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void InputGradient(in DdfCpuArgs<T> a, int b, int c, int y)
    {
        var g = a.Geometry;
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

    /// <summary>Input-gradient columns [ix0, ix0 + 4 vectors) of row y (stride 1), every transposed tap inside the output.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void InputGradientVectors4(in DdfGeometry g, T* gPlane, T* cfTaps, T* sfBatch, T* dxRow, int y, int ix0)
    {
        int k = g.KernelSize, d = g.Dilation, pad = g.Pad, vw = Vector<T>.Count;
        long outPlane = g.OutPlane;
        Vector<T> a0 = default, a1 = default, a2 = default, a3 = default;
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
                int ny = iy + pad - ky * d;
                if (ny < 0 || ny % s != 0 || ny / s >= g.OutHeight)
                    continue;
                long rowStart = (long)(ny / s) * g.OutWidth;
                for (int kx = 0; kx < k; kx++)
                {
                    int nx = ix + pad - kx * d;
                    if (nx < 0 || nx % s != 0 || nx / s >= g.OutWidth)
                        continue;
                    int t = ky * k + kx;
                    long at = rowStart + nx / s;
                    acc = TW.Accumulate(acc, gPlane[at], TW.HasChannel ? cfTaps[t] : T.Zero, TW.HasSpatial ? sfBatch[t * outPlane + at] : T.Zero);
                }
            }
            dxRow[ix] = acc;
        }
    }

    /// <inheritdoc/>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void FilterGradients(in DdfCpuArgs<T> a, int b, int oy, T* channelPartials)
    {
        var g = a.Geometry;
        int k = g.KernelSize, d = g.Dilation, s = g.Stride, pad = g.Pad, width = g.Width, outWidth = g.OutWidth;
        long outPlane = g.OutPlane;
        T* sfRow = a.SpatialRow(b, oy);
        T* dsfRow = a.GradSpatialFilter == null ? null : a.GradSpatialFilter + (sfRow - a.SpatialFilter);
        int vw = Vector<T>.Count;
        for (int c = 0; c < g.Channels; c++)
        {
            T* xPlane = a.InputPlane(b, c), gRow = a.OutputRow(b, c, oy), cfTaps = a.ChannelTaps(b, c);
            T* partial = channelPartials == null ? null : channelPartials + c * (long)g.Taps;
            for (int ky = 0; ky < k; ky++)
            {
                int iy = oy * s - pad + ky * d;
                if ((uint)iy >= (uint)g.Height)
                    continue;
                T* xRow = xPlane + (long)iy * width;
                for (int kx = 0; kx < k; kx++)
                {
                    int t = ky * k + kx;
                    // dsf += g * x_tap * (Mul: cf, else 1); dcf += g * x_tap * (Mul: sf, else 1).
                    T cft = TW.IsProduct ? cfTaps[t] : T.One;
                    T* dsfTap = dsfRow == null ? null : dsfRow + t * outPlane;
                    T* sfTap = TW.IsProduct ? sfRow + t * outPlane : null;
                    // Output columns whose tap kx lies inside the row: ix = ox * s - pad + kx * d in [0, W).
                    int lo = Math.Max(0, CeilDiv(pad - kx * d, s)), hi = Math.Min(outWidth, CeilDiv(width + pad - kx * d, s));
                    int ox = lo;
                    T dcfSum = T.Zero;
                    if (s == 1 && hi - lo >= vw)
                    {
                        var cfv = new Vector<T>(cft);
                        Vector<T> dcfAcc0 = default, dcfAcc1 = default;
                        T* xTap = xRow - pad + kx * d;
                        // Two vectors a step with two dcf accumulators, so the reduction's FMA latency is hidden.
                        for (; ox <= hi - 2 * vw; ox += 2 * vw)
                        {
                            var gx0 = Vector.Load(gRow + ox) * Vector.Load(xTap + ox);
                            var gx1 = Vector.Load(gRow + ox + vw) * Vector.Load(xTap + ox + vw);
                            if (dsfTap != null)
                            {
                                VectorMath.Fma(gx0, cfv, Vector.Load(dsfTap + ox)).Store(dsfTap + ox);
                                VectorMath.Fma(gx1, cfv, Vector.Load(dsfTap + ox + vw)).Store(dsfTap + ox + vw);
                            }
                            if (partial != null)
                            {
                                dcfAcc0 = TW.IsProduct ? VectorMath.Fma(gx0, Vector.Load(sfTap + ox), dcfAcc0) : dcfAcc0 + gx0;
                                dcfAcc1 = TW.IsProduct ? VectorMath.Fma(gx1, Vector.Load(sfTap + ox + vw), dcfAcc1) : dcfAcc1 + gx1;
                            }
                        }
                        for (; ox <= hi - vw; ox += vw)
                        {
                            var gx = Vector.Load(gRow + ox) * Vector.Load(xTap + ox);
                            if (dsfTap != null)
                                VectorMath.Fma(gx, cfv, Vector.Load(dsfTap + ox)).Store(dsfTap + ox);
                            if (partial != null)
                                dcfAcc0 = TW.IsProduct ? VectorMath.Fma(gx, Vector.Load(sfTap + ox), dcfAcc0) : dcfAcc0 + gx;
                        }
                        dcfSum = Vector.Sum(dcfAcc0 + dcfAcc1);
                    }
                    for (; ox < hi; ox++)
                    {
                        T gx = gRow[ox] * xRow[ox * s - pad + kx * d];
                        if (dsfTap != null)
                            dsfTap[ox] = T.FusedMultiplyAdd(gx, cft, dsfTap[ox]);
                        if (partial != null)
                            dcfSum = TW.IsProduct ? T.FusedMultiplyAdd(gx, sfTap[ox], dcfSum) : dcfSum + gx;
                    }
                    if (partial != null)
                        partial[t] += dcfSum;
                }
            }
        }
    }

    /// <summary>
    /// The filter-gradient contributions of output columns [ox0, ox1) of row oy, channel c, with bounds
    /// checks on every tap: dsf row oy (when wanted) and <paramref name="partial"/>[t] (when not null).
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void FilterGradientColumns(in DdfCpuArgs<T> a, int b, int c, int oy, int ox0, int ox1, T* partial)
    {
        var g = a.Geometry;
        int k = g.KernelSize, d = g.Dilation, s = g.Stride, pad = g.Pad;
        long outPlane = g.OutPlane;
        T* xPlane = a.InputPlane(b, c), gRow = a.OutputRow(b, c, oy), cfTaps = a.ChannelTaps(b, c), sfRow = a.SpatialRow(b, oy);
        T* dsfRow = a.GradSpatialFilter == null ? null : a.GradSpatialFilter + (sfRow - a.SpatialFilter);
        for (int ky = 0; ky < k; ky++)
        {
            int iy = oy * s - pad + ky * d;
            if ((uint)iy >= (uint)g.Height)
                continue;
            for (int kx = 0; kx < k; kx++)
            {
                int t = ky * k + kx;
                T cft = TW.IsProduct ? cfTaps[t] : T.One, dcfSum = T.Zero;
                for (int ox = ox0; ox < ox1; ox++)
                {
                    int ix = ox * s - pad + kx * d;
                    if ((uint)ix >= (uint)g.Width)
                        continue;
                    T gx = gRow[ox] * xPlane[(long)iy * g.Width + ix];
                    if (dsfRow != null)
                        dsfRow[t * outPlane + ox] = T.FusedMultiplyAdd(gx, cft, dsfRow[t * outPlane + ox]);
                    dcfSum = TW.IsProduct ? T.FusedMultiplyAdd(gx, sfRow[t * outPlane + ox], dcfSum) : dcfSum + gx;
                }
                if (partial != null)
                    partial[t] += dcfSum;
            }
        }
    }

    /// <summary>Ceiling of a / b for b &gt; 0 and any sign of a.</summary>
    private static int CeilDiv(int a, int b) => a >= 0 ? (a + b - 1) / b : -(-a / b);
}
