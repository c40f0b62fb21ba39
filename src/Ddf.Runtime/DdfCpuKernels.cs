using System;
using System.Numerics;
using System.Runtime.CompilerServices;

namespace Ddf.Runtime;

/// <summary>
/// The generic CPU kernels of the DDF operation (paper Eq. 2) for any odd kernel size, dilation and
/// stride, working in place on caller-owned contiguous NCHW memory: input (B, C, H, W), channel filter
/// (B, C, k, k), spatial filter (B, k*k, Ho, Wo), output (B, C, Ho, Wo). A null filter pointer means
/// that branch is absent. Work is split into fixed tiles run in parallel; every output element is
/// written by exactly one tile and every reduction runs in a fixed order, so results are bitwise the
/// same for any thread count. These kernels serve <c>Ddf.ops.ddf</c> for any spec and are the
/// reference that the generator's specialised kernels are tested against.
/// </summary>
public static unsafe partial class DdfCpuKernels
{
    /// <summary>Output rows per tile: a tile's spatial-filter rows stay in cache across its channels.</summary>
    private const int RowBlock = 8;

    /// <summary>Channels per forward / input-gradient tile.</summary>
    private const int ChannelBlock = 32;

    /// <summary>Vectors per inner-loop group: independent accumulators hide the FMA latency.</summary>
    private const int Unroll = 4;

    /// <summary>Computes the DDF output.</summary>
    /// <param name="geometry">Sizes of the operation.</param>
    /// <param name="input">Input (B, C, H, W).</param>
    /// <param name="channelFilter">Channel filter (B, C, k, k), or null when that branch is absent.</param>
    /// <param name="spatialFilter">Spatial filter (B, k*k, Ho, Wo), or null when that branch is absent.</param>
    /// <param name="output">Output (B, C, Ho, Wo), fully overwritten.</param>
    /// <param name="combine">How the two filters combine when both are present.</param>
    public static void Forward<T>(in DdfGeometry geometry, T* input, T* channelFilter, T* spatialFilter, T* output, KernelCombine combine)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        switch (Mode(channelFilter, spatialFilter, combine))
        {
            case WeightMode.Mul: Forward<T, MulWeight<T>>(geometry, input, channelFilter, spatialFilter, output); break;
            case WeightMode.Add: Forward<T, AddWeight<T>>(geometry, input, channelFilter, spatialFilter, output); break;
            case WeightMode.Spatial: Forward<T, SpatialWeight<T>>(geometry, input, channelFilter, spatialFilter, output); break;
            default: Forward<T, ChannelWeight<T>>(geometry, input, channelFilter, spatialFilter, output); break;
        }
    }

    private enum WeightMode { Mul, Add, Spatial, Channel }

    private static WeightMode Mode<T>(T* channelFilter, T* spatialFilter, KernelCombine combine) where T : unmanaged
    {
        if (channelFilter == null && spatialFilter == null)
            throw new ArgumentException("At least one of the channel filter and the spatial filter must be given.", nameof(channelFilter));
        if (channelFilter == null)
            return WeightMode.Spatial;
        if (spatialFilter == null)
            return WeightMode.Channel;
        return combine switch
        {
            KernelCombine.Mul => WeightMode.Mul,
            KernelCombine.Add => WeightMode.Add,
            _ => throw new ArgumentOutOfRangeException(nameof(combine), combine, "combine must be KernelCombine.Mul or KernelCombine.Add."),
        };
    }

    /// <summary>
    /// The output columns [lo, hi) whose taps all fall inside the input row at stride 1, when that range
    /// holds at least one vector; otherwise an empty range and every column takes the scalar path.
    /// </summary>
    private static (int Lo, int Hi) VectorColumns(in DdfGeometry g, int vectorWidth)
    {
        int lo = g.Pad, hi = g.Width - g.Pad;
        return g.Stride == 1 && hi - lo >= vectorWidth ? (lo, hi) : (g.OutWidth, g.OutWidth);
    }

    private static void Forward<T, TW>(DdfGeometry g, T* x, T* cf, T* sf, T* y)
        where T : unmanaged, IFloatingPointIeee754<T>
        where TW : struct, ITapWeight<T>
    {
        int rowBlocks = CpuParallelism.Blocks(g.OutHeight, RowBlock);
        int channelBlocks = CpuParallelism.Blocks(g.Channels, ChannelBlock);
        CpuParallelism.For(g.Batch * rowBlocks * channelBlocks, tile =>
        {
            int cb = tile % channelBlocks, rb = tile / channelBlocks % rowBlocks, b = tile / channelBlocks / rowBlocks;
            int c1 = Math.Min(g.Channels, (cb + 1) * ChannelBlock), oy1 = Math.Min(g.OutHeight, (rb + 1) * RowBlock);
            for (int c = cb * ChannelBlock; c < c1; c++)
            {
                for (int oy = rb * RowBlock; oy < oy1; oy++)
                    ForwardRow<T, TW>(g, x, cf, sf, y, b, c, oy);
            }
        });
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void ForwardRow<T, TW>(in DdfGeometry g, T* x, T* cf, T* sf, T* y, int b, int c, int oy)
        where T : unmanaged, IFloatingPointIeee754<T>
        where TW : struct, ITapWeight<T>
    {
        int k = g.KernelSize, d = g.Dilation, pad = g.Pad, width = g.Width, outWidth = g.OutWidth;
        long plane = (long)b * g.Channels + c, outPlane = g.OutPlane;
        T* xPlane = x + plane * g.InPlane;
        T* cfTaps = TW.HasChannel ? cf + plane * g.Taps : null;
        T* sfRow = TW.HasSpatial ? sf + (long)b * g.Taps * outPlane + (long)oy * outWidth : null;
        T* yRow = y + plane * outPlane + (long)oy * outWidth;

        int vw = Vector<T>.Count;
        var (lo, hi) = VectorColumns(g, vw);
        for (int ox = 0; ox < lo; ox++)
            yRow[ox] = OutputAt<T, TW>(g, xPlane, cfTaps, sfRow, oy, ox);
        if (hi - lo >= Unroll * vw)
        {
            // Groups of Unroll vectors, the last group shifted back to end at hi (it recomputes a few
            // columns: no scalar tail). Independent accumulators hide the FMA latency.
            for (int next = lo; ; next += Unroll * vw)
            {
                int ox0 = Math.Min(next, hi - Unroll * vw);
                ForwardVectors4<T, TW>(g, xPlane, cfTaps, sfRow, yRow, oy, ox0);
                if (ox0 == hi - Unroll * vw)
                    break;
            }
        }
        else if (hi > lo)
        {
            for (int next = lo; ; next += vw)
            {
                int ox0 = Math.Min(next, hi - vw);
                ForwardVector<T, TW>(g, xPlane, cfTaps, sfRow, yRow, oy, ox0);
                if (ox0 == hi - vw)
                    break;
            }
        }
        for (int ox = Math.Max(hi, lo); ox < outWidth; ox++)
            yRow[ox] = OutputAt<T, TW>(g, xPlane, cfTaps, sfRow, oy, ox);
    }

    /// <summary>Output columns [ox0, ox0 + Unroll * width) of one row, all taps inside the image row.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void ForwardVectors4<T, TW>(in DdfGeometry g, T* xPlane, T* cfTaps, T* sfRow, T* yRow, int oy, int ox0)
        where T : unmanaged, IFloatingPointIeee754<T>
        where TW : struct, ITapWeight<T>
    {
        int k = g.KernelSize, d = g.Dilation, pad = g.Pad, vw = Vector<T>.Count;
        long outPlane = g.OutPlane;
        Vector<T> a0 = default, a1 = default, a2 = default, a3 = default;
        for (int ky = 0; ky < k; ky++)
        {
            int iy = oy - pad + ky * d;
            if ((uint)iy >= (uint)g.Height)
                continue;
            T* xr = xPlane + (long)iy * g.Width + ox0 - pad;
            for (int kx = 0; kx < k; kx++)
            {
                int t = ky * k + kx;
                T* xt = xr + kx * d, st = sfRow + t * outPlane + ox0;
                var cv = TW.HasChannel ? new Vector<T>(cfTaps[t]) : default;
                a0 = TW.Accumulate(a0, Vector.Load(xt), cv, TW.HasSpatial ? Vector.Load(st) : default);
                a1 = TW.Accumulate(a1, Vector.Load(xt + vw), cv, TW.HasSpatial ? Vector.Load(st + vw) : default);
                a2 = TW.Accumulate(a2, Vector.Load(xt + 2 * vw), cv, TW.HasSpatial ? Vector.Load(st + 2 * vw) : default);
                a3 = TW.Accumulate(a3, Vector.Load(xt + 3 * vw), cv, TW.HasSpatial ? Vector.Load(st + 3 * vw) : default);
            }
        }
        T* y = yRow + ox0;
        a0.Store(y);
        a1.Store(y + vw);
        a2.Store(y + 2 * vw);
        a3.Store(y + 3 * vw);
    }

    /// <summary>Output columns [ox0, ox0 + width) of one row, all taps inside the image row.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void ForwardVector<T, TW>(in DdfGeometry g, T* xPlane, T* cfTaps, T* sfRow, T* yRow, int oy, int ox0)
        where T : unmanaged, IFloatingPointIeee754<T>
        where TW : struct, ITapWeight<T>
    {
        int k = g.KernelSize, d = g.Dilation, pad = g.Pad;
        long outPlane = g.OutPlane;
        var acc = Vector<T>.Zero;
        for (int ky = 0; ky < k; ky++)
        {
            int iy = oy - pad + ky * d;
            if ((uint)iy >= (uint)g.Height)
                continue;
            T* xr = xPlane + (long)iy * g.Width + ox0 - pad;
            for (int kx = 0; kx < k; kx++)
            {
                int t = ky * k + kx;
                var cv = TW.HasChannel ? new Vector<T>(cfTaps[t]) : default;
                var sv = TW.HasSpatial ? Vector.Load(sfRow + t * outPlane + ox0) : default;
                acc = TW.Accumulate(acc, Vector.Load(xr + kx * d), cv, sv);
            }
        }
        acc.Store(yRow + ox0);
    }

    /// <summary>One output element with bounds checks on every tap (edges, and any stride).</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static T OutputAt<T, TW>(in DdfGeometry g, T* xPlane, T* cfTaps, T* sfRow, int oy, int ox)
        where T : unmanaged, IFloatingPointIeee754<T>
        where TW : struct, ITapWeight<T>
    {
        int k = g.KernelSize, d = g.Dilation, s = g.Stride, pad = g.Pad;
        long outPlane = g.OutPlane;
        T acc = T.Zero;
        for (int ky = 0; ky < k; ky++)
        {
            int iy = oy * s - pad + ky * d;
            if ((uint)iy >= (uint)g.Height)
                continue;
            for (int kx = 0; kx < k; kx++)
            {
                int ix = ox * s - pad + kx * d;
                if ((uint)ix >= (uint)g.Width)
                    continue;
                int t = ky * k + kx;
                acc = TW.Accumulate(acc, xPlane[(long)iy * g.Width + ix],
                    TW.HasChannel ? cfTaps[t] : T.Zero, TW.HasSpatial ? sfRow[t * outPlane + ox] : T.Zero);
            }
        }
        return acc;
    }
}
