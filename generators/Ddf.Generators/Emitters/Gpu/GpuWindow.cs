using System;
using System.Linq;
using Ddf.Generators.Model;

namespace Ddf.Generators;

/// <summary>
/// What one thread reads of a plane per channel: K rows and the distinct columns its pixels' taps hit, as offsets
/// from the thread's base coordinates; <see cref="ColumnOf"/>[p, v] is the column pixel p's tap column v reads.
/// Offsets equal to <see cref="Centre"/> are always inside the plane (the pixel's own row or column).
/// </summary>
internal sealed class GpuWindow
{
    private GpuWindow(int pixels, int[] rows, int[] columns, int[,] columnOf, int centre, bool transposed, bool strided)
    {
        Pixels = pixels;
        Rows = rows;
        Columns = columns;
        ColumnOf = columnOf;
        Centre = centre;
        IsTransposed = transposed;
        HitsByStride = strided;
    }

    public int Pixels { get; }

    public int[] Rows { get; }

    public int[] Columns { get; }

    public int[,] ColumnOf { get; }

    public int Centre { get; }

    /// <summary>True for the input gradient's window (offsets in the upstream gradient, read by the transposed taps).</summary>
    public bool IsTransposed { get; }

    /// <summary>A transposed window with a stride: a tap reads an upstream pixel only where the stride divides its coordinate.</summary>
    public bool HitsByStride { get; }

    /// <summary>Loads per channel.</summary>
    public int Loads => Rows.Length * Columns.Length;

    /// <summary>Forward taps of <paramref name="pixels"/> output pixels: input rows u * d and columns p * s + v * d from (oy * s - pad, ox * s - pad).</summary>
    public static GpuWindow Forward(DdfSpec spec, int pixels) =>
        Create(spec, pixels, (p, v) => p * spec.Stride + v * spec.Dilation, spec.Padding, transposed: false);

    /// <summary>
    /// Transposed taps of <paramref name="pixels"/> input pixels: tap (u, v) of pixel p reads upstream row (y + pad - u * d) / s and column
    /// (x + p + pad - v * d) / s, where the stride divides them (with a stride, one pixel per thread).
    /// </summary>
    public static GpuWindow Transposed(DdfSpec spec, int pixels) =>
        Create(spec, pixels, (p, v) => p - v * spec.Dilation, -spec.Padding, transposed: true);

    private static GpuWindow Create(DdfSpec spec, int pixels, Func<int, int, int> column, int centre, bool transposed)
    {
        int k = spec.KernelSize;
        var rows = Enumerable.Range(0, k).Select(u => (transposed ? -u : u) * spec.Dilation).ToArray();
        var columns = Enumerable.Range(0, pixels).SelectMany(p => Enumerable.Range(0, k).Select(v => column(p, v))).Distinct().OrderBy(o => o).ToArray();
        var columnOf = new int[pixels, k];
        for (int p = 0; p < pixels; p++)
            for (int v = 0; v < k; v++)
                columnOf[p, v] = Array.IndexOf(columns, column(p, v));
        return new GpuWindow(pixels, rows, columns, columnOf, centre, transposed, transposed && spec.Stride > 1);
    }
}
