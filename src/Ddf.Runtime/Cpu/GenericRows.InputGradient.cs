using System;
using System.Numerics;
using System.Runtime.CompilerServices;

namespace Ddf.Runtime;

// GenericRows' input-gradient rows: stride 1 as vector groups, stride > 1 per residue class of columns, and the
// bounds-checked scalar columns the generated kernels' edges call too. The filter gradients: GenericRows.FilterGradients.cs.
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
}
