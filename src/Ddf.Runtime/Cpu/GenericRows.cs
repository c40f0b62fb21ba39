using System;
using System.ComponentModel;
using System.Numerics;
using System.Runtime.CompilerServices;

namespace Ddf.Runtime;

/// <summary>
/// Row kernels for any kernel size, dilation and stride, read from the geometry at run time, for one
/// weight mode <typeparamref name="TW"/> (Mul, Add, spatial-only, channel-only). The interior columns of
/// stride-1 rows run 4-vector groups (the last group shifted back to end at the interior's edge, so there
/// is no scalar tail); edge columns and strided rows take the bounds-checked scalar path. Its public
/// scalar helpers also serve the edges of the generator's specialised kernels.
/// </summary>
[EditorBrowsable(EditorBrowsableState.Advanced)]
public readonly unsafe partial struct GenericRows<T, TW> : IDdfCpuRows<T>
    where T : unmanaged, IFloatingPointIeee754<T>
    where TW : struct, ITapWeight<T>
{
    /// <summary>Vectors per interior group: independent accumulators hide the FMA latency.</summary>
    private const int Unroll = 4;

    /// <summary>
    /// The columns [lo, hi) whose taps all fall inside the row at stride 1, when that range holds at
    /// least one vector; otherwise an empty range at the row's end, and every column is scalar.
    /// </summary>
    public static (int Lo, int Hi) VectorColumns(in DdfGeometry g)
    {
        int lo = g.Pad, hi = g.Width - g.Pad;
        return g.Stride == 1 && hi - lo >= Vector<T>.Count ? (lo, hi) : (g.OutWidth, g.OutWidth);
    }

    /// <inheritdoc/>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void Forward(in DdfCpuArgs<T> a, int b, int c, bool pair, int oy)
    {
        int vw = Vector<T>.Count;
        var (lo, hi) = VectorColumns(a.Geometry);
        if (!pair || !TW.HasSpatial || hi - lo < Unroll * vw)
        {
            Forward(a, b, c, oy);
            if (pair)
                Forward(a, b, c + 1, oy);
            return;
        }
        // Two channels a pass: each spatial-filter load serves both (loads, not arithmetic, bound these rows).
        T* xa = a.InputPlane(b, c), xb = a.InputPlane(b, c + 1), cfa = a.ChannelTaps(b, c), cfb = a.ChannelTaps(b, c + 1);
        T* sfRow = a.SpatialRow(b, oy), ya = a.OutputRow(b, c, oy), yb = a.OutputRow(b, c + 1, oy);
        ForwardColumns(a, xa, cfa, sfRow, ya, oy, 0, lo);
        ForwardColumns(a, xb, cfb, sfRow, yb, oy, 0, lo);
        for (int next = lo; ; next += Unroll * vw)
        {
            int ox0 = Math.Min(next, hi - Unroll * vw);
            ForwardPairVectors4(a.Geometry, xa, xb, cfa, cfb, sfRow, ya, yb, oy, ox0);
            if (ox0 == hi - Unroll * vw)
                break;
        }
        ForwardColumns(a, xa, cfa, sfRow, ya, oy, hi, a.Geometry.OutWidth);
        ForwardColumns(a, xb, cfb, sfRow, yb, oy, hi, a.Geometry.OutWidth);
    }

    /// <summary>Output columns [ox0, ox0 + 4 vectors) of one row of two channels (a, b), all taps inside the image row.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void ForwardPairVectors4(in DdfGeometry g, T* xa, T* xb, T* cfa, T* cfb, T* sfRow, T* ya, T* yb, int oy, int ox0)
    {
        int k = g.KernelSize, d = g.Dilation, pad = g.Pad, vw = Vector<T>.Count;
        long outPlane = g.OutPlane;
        Vector<T> a0 = default, a1 = default, a2 = default, a3 = default, b0 = default, b1 = default, b2 = default, b3 = default;
        long ahead = AheadRow(g, oy) + ox0 + Unroll * vw, nextOut = g.OutWidth + ox0 + Unroll * vw;
        PrefetchGroup(xa + ahead);
        PrefetchGroup(xb + ahead);
        PrefetchGroup(ya + nextOut);
        PrefetchGroup(yb + nextOut);
        for (int ky = 0; ky < k; ky++)
        {
            int iy = oy - pad + ky * d;
            if ((uint)iy >= (uint)g.Height)
                continue;
            long row = (long)iy * g.Width + ox0 - pad;
            for (int kx = 0; kx < k; kx++)
            {
                int t = ky * k + kx;
                T* st = sfRow + t * outPlane + ox0, pa = xa + row + kx * d, pb = xb + row + kx * d;
                var (ca, cb) = TW.HasChannel ? (new Vector<T>(cfa[t]), new Vector<T>(cfb[t])) : (default, default);
                var (s0, s1, s2, s3) = (Vector.Load(st), Vector.Load(st + vw), Vector.Load(st + 2 * vw), Vector.Load(st + 3 * vw));
                a0 = TW.Accumulate(a0, Vector.Load(pa), ca, s0);
                a1 = TW.Accumulate(a1, Vector.Load(pa + vw), ca, s1);
                a2 = TW.Accumulate(a2, Vector.Load(pa + 2 * vw), ca, s2);
                a3 = TW.Accumulate(a3, Vector.Load(pa + 3 * vw), ca, s3);
                b0 = TW.Accumulate(b0, Vector.Load(pb), cb, s0);
                b1 = TW.Accumulate(b1, Vector.Load(pb + vw), cb, s1);
                b2 = TW.Accumulate(b2, Vector.Load(pb + 2 * vw), cb, s2);
                b3 = TW.Accumulate(b3, Vector.Load(pb + 3 * vw), cb, s3);
            }
        }
        a0.Store(ya + ox0);
        a1.Store(ya + ox0 + vw);
        a2.Store(ya + ox0 + 2 * vw);
        a3.Store(ya + ox0 + 3 * vw);
        b0.Store(yb + ox0);
        b1.Store(yb + ox0 + vw);
        b2.Store(yb + ox0 + 2 * vw);
        b3.Store(yb + ox0 + 3 * vw);
    }

    /// <summary>Writes output row <paramref name="oy"/> of plane (b, c).</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void Forward(in DdfCpuArgs<T> a, int b, int c, int oy)
    {
        T* xPlane = a.InputPlane(b, c), cfTaps = a.ChannelTaps(b, c), sfRow = a.SpatialRow(b, oy), yRow = a.OutputRow(b, c, oy);
        int vw = Vector<T>.Count;
        var (lo, hi) = VectorColumns(a.Geometry);
        ForwardColumns(a, xPlane, cfTaps, sfRow, yRow, oy, 0, lo);
        if (hi - lo >= Unroll * vw)
        {
            for (int next = lo; ; next += Unroll * vw)
            {
                int ox0 = Math.Min(next, hi - Unroll * vw);
                ForwardVectors4(a.Geometry, xPlane, cfTaps, sfRow, yRow, oy, ox0);
                if (ox0 == hi - Unroll * vw)
                    break;
            }
        }
        else if (hi > lo)
        {
            for (int next = lo; ; next += vw)
            {
                int ox0 = Math.Min(next, hi - vw);
                ForwardVector(a.Geometry, xPlane, cfTaps, sfRow, yRow, oy, ox0);
                if (ox0 == hi - vw)
                    break;
            }
        }
        ForwardColumns(a, xPlane, cfTaps, sfRow, yRow, oy, Math.Max(hi, lo), a.Geometry.OutWidth);
    }

    /// <summary>Output columns [ox0, ox0 + 4 vectors) of one row, all taps inside the image row.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void ForwardVectors4(in DdfGeometry g, T* xPlane, T* cfTaps, T* sfRow, T* yRow, int oy, int ox0)
    {
        int k = g.KernelSize, d = g.Dilation, pad = g.Pad, vw = Vector<T>.Count;
        long outPlane = g.OutPlane;
        Vector<T> a0 = default, a1 = default, a2 = default, a3 = default;
        PrefetchGroup(xPlane + AheadRow(g, oy) + ox0 + Unroll * vw);
        PrefetchGroup(yRow + g.OutWidth + ox0 + Unroll * vw);
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

    /// <summary>The offset in an input plane of the row that output row <paramref name="oy"/> + 1 adds to the window (stride 1).</summary>
    private static long AheadRow(in DdfGeometry g, int oy) => (long)(oy + 1 - g.Pad + (g.KernelSize - 1) * g.Dilation) * g.Width - g.Pad;

    /// <summary>
    /// Prefetches the cache lines of the next group (<see cref="Unroll"/> vectors, two lines of floats) of a row the next
    /// call reads or writes, a group ahead of their use (<see cref="CachePrefetch"/>).
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void PrefetchGroup(T* start)
    {
        CachePrefetch.Read(start);
        CachePrefetch.Read(start + Unroll * Vector<T>.Count / 2);
    }

    /// <summary>Output columns [ox0, ox0 + one vector) of one row, all taps inside the image row.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void ForwardVector(in DdfGeometry g, T* xPlane, T* cfTaps, T* sfRow, T* yRow, int oy, int ox0)
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

    /// <summary>Output columns [ox0, ox1) of one row with bounds checks on every tap (edges, any stride).</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void ForwardColumns(in DdfCpuArgs<T> a, T* xPlane, T* cfTaps, T* sfRow, T* yRow, int oy, int ox0, int ox1)
    {
        var g = a.Geometry;
        int k = g.KernelSize, d = g.Dilation, s = g.Stride, pad = g.Pad;
        long outPlane = g.OutPlane;
        for (int ox = ox0; ox < ox1; ox++)
        {
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
            yRow[ox] = acc;
        }
    }
}
