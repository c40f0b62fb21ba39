using System;
using System.Collections.Generic;
using System.Linq;
using System.Text;
using Ddf.Generators.Helpers;
using Ddf.Generators.Model;
using static Ddf.Generators.KnownTypes;
using static Ddf.Generators.SpecText;

namespace Ddf.Generators;

/// <summary>
/// Writes the unrolled CPU row kernels: one writer for the forward and the input-gradient passes (over one channel
/// or a pair, <see cref="CpuRowPass"/>), and the strided forward row. Edge columns go to the generic rows'
/// bounds-checked helpers.
/// </summary>
internal static class CpuRowWriter
{
    public const string Hot = "[global::System.Runtime.CompilerServices.MethodImpl(global::System.Runtime.CompilerServices.MethodImplOptions.AggressiveOptimization)]";

    private const string Args = $"{Runtime}.DdfCpuArgs<T>";

    /// <summary>
    /// The pass's vectorised row over one channel (<c>{Name}Row</c>) or, with <paramref name="pair"/>, over channels c
    /// and c + 1 (the <c>IDdfCpuRows</c> method), two vectors of each channel a step. Rows too narrow for the vectors,
    /// and a lone last channel, fall back (to the generic row, or to the one-channel row).
    /// </summary>
    public static void WriteRows(SourceWriter w, DdfSpec spec, CpuRowPass pass, bool pair, string generic)
    {
        string row = pass.Row, o = pair ? "o" : "o0";
        string[] channels = pair ? ["a", "b"] : [""];
        w.WriteLine(pair ? "/// <inheritdoc/>" : $"/// <summary>{pass.RowSummary}</summary>");
        w.WriteLine(Hot);
        string signature = pair
            ? $"public static void {pass.Name}(in {Args} a, int b, int c, bool pair, int {row})"
            : $"private static void {pass.Name}Row(in {Args} a, int b, int c, int {row})";
        using (w.OpenBlock(signature))
        {
            w.WriteLine($"int vw = {Numerics}.Vector<T>.Count, {pass.WidthLocal}lo = Spec.Padding, hi = {pass.Width} - Spec.Padding;");
            using (w.OpenBlock(pair ? "if (!pair || hi - lo < 2 * vw)" : "if (hi - lo < 2 * vw)"))
            {
                if (pair)
                    WriteOneByOne(w, pass);
                else
                    w.WriteLine($"{generic}.{pass.Name}(a, b, c, {row});");
                w.WriteLine("return;");
            }
            w.WriteLine(pass.Pointers(pair));
            w.WriteLine("long tap = a.Geometry.OutPlane;");
            w.WriteLine(pass.RowsComment);
            for (int ky = 0; ky < spec.KernelSize; ky++)
                w.WriteLine(pass.RowLines(ky, pass.TapSign * (ky * spec.Dilation - spec.Padding), pair));
            foreach (var channel in channels)
                WriteChannelTaps(w, spec, vector: true, channel);
            if (pass.TapSign > 0)
                WriteAheadRow(w, $"(oy{Offset(1 + (spec.KernelSize - 1) * spec.Dilation - spec.Padding)}) * a.Geometry.Width - Spec.Padding", "input", "oy");
            else
                WriteAheadRow(w, $"(y{Offset(1 + spec.Padding)}) * width + Spec.Padding", "upstream-gradient", "y");
            foreach (var channel in channels)
                w.WriteLine($"{generic}.{pass.Columns}(a, {pass.SourceOf(channel)}, cf{channel}, sf, {pass.TargetOf(channel)}, {row}, 0, lo);");
            w.WriteLine(pair ? "// Two vectors of each channel a step (a cache line); the last step shifts back to end at hi." : pass.SingleLoopComment);
            using (w.OpenBlock("for (int next = lo; ; next += 2 * vw)"))
            {
                w.WriteLine($"int {o} = global::System.Math.Min(next, hi - 2 * vw), o1 = {o} + vw;");
                // Accumulators: p, q (the two vectors of the first channel), u, v (the second's).
                var sums = pair ? new[] { "p", "q", "u", "v" } : ["p", "q"];
                foreach (var sum in sums)
                    w.WriteLine($"var {sum} = {Numerics}.Vector<T>.Zero;");
                if (pair)
                    w.WriteLine($"{Numerics}.Vector<T> s, s1;");
                WritePrefetches(w, o, channels.Select(c => pass.SourceOf(c) + " + ahead").Concat(channels.Select(c => $"{pass.TargetOf(c)} + {pass.RowEnd}")).ToArray());
                WriteTapRows(w, spec, (ky, kx, t) => TapLines(spec, pass, pair, o, ky, kx, t));
                for (int i = 0; i < sums.Length; i++)
                    w.WriteLine($"Store({sums[i]}, {pass.TargetOf(channels[i / 2])} + {(i % 2 == 0 ? o : "o1")});");
                w.WriteLine($"if ({o} == hi - 2 * vw)\n    break;");
            }
            foreach (var channel in channels)
                w.WriteLine($"{generic}.{pass.Columns}(a, {pass.SourceOf(channel)}, cf{channel}, sf, {pass.TargetOf(channel)}, {row}, hi, {pass.RowEnd});");
        }
    }

    /// <summary>The <c>IDdfCpuRows</c> method of a pass whose rows run one channel at a time.</summary>
    public static void WriteRowsOneByOne(SourceWriter w, CpuRowPass pass)
    {
        w.WriteLine("/// <inheritdoc/>");
        using (w.OpenBlock($"public static void {pass.Name}(in {Args} a, int b, int c, bool pair, int {pass.Row})"))
            WriteOneByOne(w, pass);
    }

    private static void WriteOneByOne(SourceWriter w, CpuRowPass pass)
    {
        w.WriteLine($"{pass.Name}Row(a, b, c, {pass.Row});");
        w.WriteLine($"if (pair)\n    {pass.Name}Row(a, b, c + 1, {pass.Row});");
    }

    /// <summary>Tap (ky, kx) of every accumulator: the value at the tap's address times its weight.</summary>
    private static IEnumerable<string> TapLines(DdfSpec spec, CpuRowPass pass, bool pair, string o, int ky, int kx, int t)
    {
        string shift = Offset(pass.TapSign * kx * spec.Dilation);
        string At(string column) => $"r{ky} + {column}{shift}";
        string Spatial(string column) => $"Load(sf{TapOffset(t)} + {(pass.SpatialAtTap ? At(column) : column)})";
        if (!pair)
        {
            return new[] { ("p", o), ("q", "o1") }.Select(v =>
            {
                string value = pass.RowPointers(pair) ? $"x{ky} + {v.Item2}{shift}" : $"{pass.SourceOf("")} + {At(v.Item2)}";
                return $"{v.Item1} = Tap({v.Item1}, Load({value}), {ChannelTap(spec, "c", t)}, {(spec.HasSpatial ? Spatial(v.Item2) : "default")});";
            });
        }
        string ca = ChannelTap(spec, "ca", t), cb = ChannelTap(spec, "cb", t), sa = pass.SourceOf("a"), sb = pass.SourceOf("b");
        return
        [
            $"s = {Spatial(o)};", $"s1 = {Spatial("o1")};",
            $"p = Tap(p, Load({sa} + {At(o)}), {ca}, s);", $"q = Tap(q, Load({sa} + {At("o1")}), {ca}, s1);",
            $"u = Tap(u, Load({sb} + {At(o)}), {cb}, s);", $"v = Tap(v, Load({sb} + {At("o1")}), {cb}, s1);",
        ];
    }

    /// <summary>Output row oy of a strided forward: scalar columns (the taps of neighbouring outputs do not overlap into vectors).</summary>
    public static void WriteStridedForwardRow(SourceWriter w, DdfSpec spec, string generic)
    {
        w.WriteLine("/// <summary>Writes output row oy of plane (b, c).</summary>");
        w.WriteLine(Hot);
        using (w.OpenBlock($"private static void ForwardRow(in {Args} a, int b, int c, int oy)"))
        {
            w.WriteLine("""
                // Columns whose taps all lie inside the row: ox * Stride - Padding >= 0 and ox * Stride + Padding <= W - 1.
                int last = a.Geometry.Width - 1 - Spec.Padding;
                int lo = (Spec.Padding + Spec.Stride - 1) / Spec.Stride, hi = last < 0 ? 0 : global::System.Math.Min(a.Geometry.OutWidth, last / Spec.Stride + 1);
                """);
            using (w.OpenBlock("if (hi <= lo)"))
            {
                w.WriteLine($"{generic}.Forward(a, b, c, oy);");
                w.WriteLine("return;");
            }
            w.WriteLine("""
                T* xPlane = a.InputPlane(b, c), cf = a.ChannelTaps(b, c), sf = a.SpatialRow(b, oy), y = a.OutputRow(b, c, oy);
                long tap = a.Geometry.OutPlane;
                // Input rows of tap rows ky (read only inside the image), shifted left by the padding.
                """);
            for (int ky = 0; ky < spec.KernelSize; ky++)
            {
                w.WriteLine($"int iy{ky} = oy * Spec.Stride{Offset(ky * spec.Dilation - spec.Padding)};");
                w.WriteLine($"bool in{ky} = (uint)iy{ky} < (uint)a.Geometry.Height;");
                w.WriteLine($"T* x{ky} = xPlane + (long)iy{ky} * a.Geometry.Width - Spec.Padding;");
            }
            WriteChannelTaps(w, spec, vector: false);
            w.WriteLine($"{generic}.ForwardColumns(a, xPlane, cf, sf, y, oy, 0, lo);");
            using (w.OpenBlock("for (int ox = lo; ox < hi; ox++)"))
            {
                w.WriteLine("int ix = ox * Spec.Stride;");
                w.WriteLine("T sum = T.Zero;");
                WriteTapRows(w, spec, (ky, kx, t) =>
                [
                    $"sum = {Weight(spec, "T")}.Accumulate(sum, x{ky}[ix{Offset(kx * spec.Dilation)}], {(spec.HasChannel ? $"c{t}" : "T.Zero")}, " +
                    $"{(spec.HasSpatial ? $"sf[{(t == 0 ? "" : t == 1 ? "tap + " : $"{t} * tap + ")}ox]" : "T.Zero")});",
                ]);
                w.WriteLine("y[ox] = sum;");
            }
            w.WriteLine($"{generic}.ForwardColumns(a, xPlane, cf, sf, y, oy, hi, a.Geometry.OutWidth);");
        }
    }

    /// <summary>The hoisted vector of channel-filter tap t (local <paramref name="local"/>{t}), or default without a channel branch.</summary>
    private static string ChannelTap(DdfSpec spec, string local, int t) => spec.HasChannel ? $"{local}{t}" : "default";

    /// <summary>
    /// Declares <c>c{channel}0 ... c{channel}{k*k-1}</c> from the pointer <c>cf{channel}</c>: the channel-filter taps
    /// broadcast (or scalar) when the spec has a channel branch. Channel pairs name their channels "a" and "b".
    /// </summary>
    private static void WriteChannelTaps(SourceWriter w, DdfSpec spec, bool vector, string channel = "")
    {
        if (!spec.HasChannel)
            return;
        var line = new StringBuilder(vector ? $"{Numerics}.Vector<T> " : "T ");
        for (int t = 0; t < spec.Taps; t++)
            line.Append(t == 0 ? "" : ", ").Append(vector ? $"c{channel}{t} = new(cf{channel}[{t}])" : $"c{channel}{t} = cf{channel}[{t}]");
        w.WriteLine(line.Append(';').ToString());
    }

    /// <summary>
    /// The unrolled taps: per tap row ky an <c>if (in{ky})</c> block (rows outside the image are skipped),
    /// inside it the lines <paramref name="tap"/> gives for each tap (ky, kx, t = ky * k + kx).
    /// </summary>
    private static void WriteTapRows(SourceWriter w, DdfSpec spec, Func<int, int, int, IEnumerable<string>> tap)
    {
        for (int ky = 0; ky < spec.KernelSize; ky++)
        {
            using (w.OpenBlock($"if (in{ky})"))
            {
                for (int kx = 0; kx < spec.KernelSize; kx++)
                {
                    foreach (var line in tap(ky, kx, ky * spec.KernelSize + kx))
                        w.WriteLine(line);
                }
            }
        }
    }

    /// <summary>
    /// Declares <c>ahead</c>: the offset of the row the next call (row <paramref name="row"/> + 1) adds to the window, in
    /// the plane named by <paramref name="plane"/>; <see cref="WritePrefetches"/> fetches it a step ahead.
    /// </summary>
    private static void WriteAheadRow(SourceWriter w, string offset, string plane, string row)
    {
        w.WriteLine($"// The {plane} row that row {row} + 1 adds to the window: prefetched a step ahead, with the next output row.");
        w.WriteLine($"long ahead = (long){offset};");
    }

    /// <summary>
    /// Prefetches, at column <paramref name="column"/> + 2 vectors (the next step's cache line), each of
    /// <paramref name="rows"/>: the hardware prefetchers do not run far enough ahead of these rows (docs/performance.md).
    /// </summary>
    private static void WritePrefetches(SourceWriter w, string column, params string[] rows)
    {
        foreach (var row in rows)
            w.WriteLine($"{Runtime}.CachePrefetch.Read({row} + {column} + 2 * vw);");
    }
}
