using System;
using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace Ddf.Runtime;

public static unsafe partial class DdfCpuKernels
{
    /// <summary>
    /// Computes the gradients of the DDF operation for the upstream gradient <paramref name="gradOutput"/>
    /// (B, C, Ho, Wo). Each gradient pointer may be null to skip it; each one that is given is fully
    /// overwritten. Deterministic: the channel- and pixel-reductions run in a fixed order, with no atomics.
    /// </summary>
    /// <param name="geometry">Sizes of the operation.</param>
    /// <param name="input">Input (B, C, H, W).</param>
    /// <param name="channelFilter">Channel filter (B, C, k, k), or null when that branch is absent.</param>
    /// <param name="spatialFilter">Spatial filter (B, k*k, Ho, Wo), or null when that branch is absent.</param>
    /// <param name="gradOutput">Upstream gradient (B, C, Ho, Wo).</param>
    /// <param name="gradInput">Receives d/d input (B, C, H, W), or null.</param>
    /// <param name="gradChannelFilter">Receives d/d channel filter (B, C, k, k), or null.</param>
    /// <param name="gradSpatialFilter">Receives d/d spatial filter (B, k*k, Ho, Wo), or null.</param>
    /// <param name="combine">How the two filters combine when both are present.</param>
    public static void Backward<T>(in DdfGeometry geometry, T* input, T* channelFilter, T* spatialFilter, T* gradOutput,
        T* gradInput, T* gradChannelFilter, T* gradSpatialFilter, KernelCombine combine)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        if (gradChannelFilter != null && channelFilter == null)
            throw new ArgumentException("A channel-filter gradient needs the channel filter.", nameof(gradChannelFilter));
        if (gradSpatialFilter != null && spatialFilter == null)
            throw new ArgumentException("A spatial-filter gradient needs the spatial filter.", nameof(gradSpatialFilter));
        switch (Mode(channelFilter, spatialFilter, combine))
        {
            case WeightMode.Mul: Backward<T, MulWeight<T>>(geometry, input, channelFilter, spatialFilter, gradOutput, gradInput, gradChannelFilter, gradSpatialFilter); break;
            case WeightMode.Add: Backward<T, AddWeight<T>>(geometry, input, channelFilter, spatialFilter, gradOutput, gradInput, gradChannelFilter, gradSpatialFilter); break;
            case WeightMode.Spatial: Backward<T, SpatialWeight<T>>(geometry, input, channelFilter, spatialFilter, gradOutput, gradInput, gradChannelFilter, gradSpatialFilter); break;
            default: Backward<T, ChannelWeight<T>>(geometry, input, channelFilter, spatialFilter, gradOutput, gradInput, gradChannelFilter, gradSpatialFilter); break;
        }
    }

    private static void Backward<T, TW>(DdfGeometry g, T* x, T* cf, T* sf, T* go, T* dx, T* dcf, T* dsf)
        where T : unmanaged, IFloatingPointIeee754<T>
        where TW : struct, ITapWeight<T>
    {
        if (dx != null)
            InputGradient<T, TW>(g, cf, sf, go, dx);
        if (dcf != null || dsf != null)
            FilterGradients<T, TW>(g, x, cf, sf, go, dcf, dsf);
    }

    /// <summary>dx by the transposed taps, gathered per input row: tiles of (batch, channels, input rows).</summary>
    private static void InputGradient<T, TW>(DdfGeometry g, T* cf, T* sf, T* go, T* dx)
        where T : unmanaged, IFloatingPointIeee754<T>
        where TW : struct, ITapWeight<T>
    {
        int rowBlocks = CpuParallelism.Blocks(g.Height, RowBlock);
        int channelBlocks = CpuParallelism.Blocks(g.Channels, ChannelBlock);
        CpuParallelism.For(g.Batch * rowBlocks * channelBlocks, tile =>
        {
            int cb = tile % channelBlocks, rb = tile / channelBlocks % rowBlocks, b = tile / channelBlocks / rowBlocks;
            int c1 = Math.Min(g.Channels, (cb + 1) * ChannelBlock), y1 = Math.Min(g.Height, (rb + 1) * RowBlock);
            for (int c = cb * ChannelBlock; c < c1; c++)
            {
                for (int y = rb * RowBlock; y < y1; y++)
                    InputGradientRow<T, TW>(g, cf, sf, go, dx, b, c, y);
            }
        });
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void InputGradientRow<T, TW>(in DdfGeometry g, T* cf, T* sf, T* go, T* dx, int b, int c, int y)
        where T : unmanaged, IFloatingPointIeee754<T>
        where TW : struct, ITapWeight<T>
    {
        int k = g.KernelSize, d = g.Dilation, pad = g.Pad, outWidth = g.OutWidth;
        long plane = (long)b * g.Channels + c, outPlane = g.OutPlane;
        T* gPlane = go + plane * outPlane;
        T* cfTaps = TW.HasChannel ? cf + plane * g.Taps : null;
        T* sfBatch = TW.HasSpatial ? sf + (long)b * g.Taps * outPlane : null;
        T* dxRow = dx + plane * g.InPlane + (long)y * g.Width;

        int vw = Vector<T>.Count;
        var (lo, hi) = VectorColumns(g, vw);
        lo = Math.Min(lo, g.Width);
        hi = Math.Min(hi, g.Width);
        for (int ix = 0; ix < lo; ix++)
            dxRow[ix] = InputGradientAt<T, TW>(g, gPlane, cfTaps, sfBatch, y, ix);
        if (hi - lo >= Unroll * vw)
        {
            for (int next = lo; ; next += Unroll * vw)
            {
                int ix0 = Math.Min(next, hi - Unroll * vw);
                InputGradientVectors4<T, TW>(g, gPlane, cfTaps, sfBatch, dxRow, y, ix0);
                if (ix0 == hi - Unroll * vw)
                    break;
            }
        }
        else if (hi > lo)
        {
            for (int next = lo; ; next += vw)
            {
                int ix0 = Math.Min(next, hi - vw);
                InputGradientVector<T, TW>(g, gPlane, cfTaps, sfBatch, dxRow, y, ix0);
                if (ix0 == hi - vw)
                    break;
            }
        }
        for (int ix = Math.Max(hi, lo); ix < g.Width; ix++)
            dxRow[ix] = InputGradientAt<T, TW>(g, gPlane, cfTaps, sfBatch, y, ix);
    }

    /// <summary>Input-gradient columns [ix0, ix0 + Unroll * width) of row y, every transposed tap inside the output.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void InputGradientVectors4<T, TW>(in DdfGeometry g, T* gPlane, T* cfTaps, T* sfBatch, T* dxRow, int y, int ix0)
        where T : unmanaged, IFloatingPointIeee754<T>
        where TW : struct, ITapWeight<T>
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

    /// <summary>Input-gradient columns [ix0, ix0 + width) of row y, every transposed tap inside the output.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void InputGradientVector<T, TW>(in DdfGeometry g, T* gPlane, T* cfTaps, T* sfBatch, T* dxRow, int y, int ix0)
        where T : unmanaged, IFloatingPointIeee754<T>
        where TW : struct, ITapWeight<T>
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

    /// <summary>One input-gradient element: the output positions whose taps land on (iy, ix), any stride.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static T InputGradientAt<T, TW>(in DdfGeometry g, T* gPlane, T* cfTaps, T* sfBatch, int iy, int ix)
        where T : unmanaged, IFloatingPointIeee754<T>
        where TW : struct, ITapWeight<T>
    {
        int k = g.KernelSize, d = g.Dilation, s = g.Stride, pad = g.Pad;
        long outPlane = g.OutPlane;
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
        return acc;
    }

    /// <summary>
    /// dsf (a reduction over channels) and dcf (a reduction over pixels) in one pass over tiles of
    /// (batch, output rows). Each tile owns its dsf rows and writes per-tile dcf partial sums, which a
    /// second stage adds up in tile order: a deterministic two-stage reduction.
    /// </summary>
    private static void FilterGradients<T, TW>(DdfGeometry g, T* x, T* cf, T* sf, T* go, T* dcf, T* dsf)
        where T : unmanaged, IFloatingPointIeee754<T>
        where TW : struct, ITapWeight<T>
    {
        int rowBlocks = CpuParallelism.Blocks(g.OutHeight, RowBlock);
        int tiles = g.Batch * rowBlocks;
        long partialsPerTile = (long)g.Channels * g.Taps;
        T* partials = dcf == null ? null : (T*)NativeMemory.Alloc((nuint)(tiles * partialsPerTile), (nuint)sizeof(T));
        try
        {
            CpuParallelism.For(tiles, tile =>
            {
                int b = tile / rowBlocks, oy0 = tile % rowBlocks * RowBlock, oy1 = Math.Min(g.OutHeight, oy0 + RowBlock);
                T* tilePartials = partials == null ? null : partials + tile * partialsPerTile;
                if (tilePartials != null)
                    new Span<T>(tilePartials, checked((int)partialsPerTile)).Clear();
                for (int oy = oy0; oy < oy1; oy++)
                    FilterGradientRow<T, TW>(g, x, cf, sf, go, dsf, tilePartials, b, oy);
            });
            if (partials != null)
            {
                CpuParallelism.For(g.Batch, b =>
                {
                    T* target = dcf + b * partialsPerTile;
                    for (long i = 0; i < partialsPerTile; i++)
                    {
                        T sum = T.Zero;
                        for (int rb = 0; rb < rowBlocks; rb++)
                            sum += partials[((long)b * rowBlocks + rb) * partialsPerTile + i];
                        target[i] = sum;
                    }
                });
            }
        }
        finally
        {
            NativeMemory.Free(partials);
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void FilterGradientRow<T, TW>(in DdfGeometry g, T* x, T* cf, T* sf, T* go, T* dsf, T* dcfPartials, int b, int oy)
        where T : unmanaged, IFloatingPointIeee754<T>
        where TW : struct, ITapWeight<T>
    {
        int k = g.KernelSize, d = g.Dilation, s = g.Stride, pad = g.Pad, width = g.Width, outWidth = g.OutWidth;
        long outPlane = g.OutPlane;
        long sfRowOffset = (long)b * g.Taps * outPlane + (long)oy * outWidth;
        T* sfRow = TW.HasSpatial ? sf + sfRowOffset : null;
        T* dsfRow = dsf == null ? null : dsf + sfRowOffset;
        if (dsfRow != null)
        {
            for (int t = 0; t < g.Taps; t++)
                new Span<T>(dsfRow + t * outPlane, outWidth).Clear();
        }

        int vw = Vector<T>.Count;
        for (int c = 0; c < g.Channels; c++)
        {
            long plane = (long)b * g.Channels + c;
            T* xPlane = x + plane * g.InPlane;
            T* gRow = go + plane * outPlane + (long)oy * outWidth;
            T* cfTaps = TW.HasChannel ? cf + plane * g.Taps : null;
            T* partial = dcfPartials == null ? null : dcfPartials + c * (long)g.Taps;
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

    /// <summary>Ceiling of a / b for b &gt; 0 and any sign of a.</summary>
    private static int CeilDiv(int a, int b) => a >= 0 ? (a + b - 1) / b : -(-a / b);
}
