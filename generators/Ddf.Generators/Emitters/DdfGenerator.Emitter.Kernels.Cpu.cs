using System;
using System.Collections.Generic;
using System.Linq;
using System.Text;
using Ddf.Generators.Helpers;
using Ddf.Generators.Model;

namespace Ddf.Generators;

public sealed partial class DdfGenerator
{
    internal static partial class Emitter
    {
        private const string Runtime = "global::Ddf.Runtime";
        private const string Numerics = "global::System.Numerics";
        private const string TConstraint = "where T : unmanaged, global::System.Numerics.IFloatingPointIeee754<T>";
        private const string Hot = "[global::System.Runtime.CompilerServices.MethodImpl(global::System.Runtime.CompilerServices.MethodImplOptions.AggressiveOptimization)]";
        private const string Inline = "[global::System.Runtime.CompilerServices.MethodImpl(global::System.Runtime.CompilerServices.MethodImplOptions.AggressiveInlining)]";

        /// <summary>
        /// CPU row kernels with the spec's constants baked in and its k*k taps unrolled, run by the
        /// runtime's tile scheduler; edge columns use the runtime's bounds-checked scalar helpers.
        /// </summary>
        private static void WriteCpuKernels(SourceWriter w, DdfSpec spec)
        {
            string generic = $"{Runtime}.GenericRows<T, {Weight(spec, "T")}>";
            w.WriteLine($$"""
                /// <summary>
                /// CPU kernels of this layer, specialised at compile time to k = {{spec.KernelSize}}, dilation {{spec.Dilation}}, stride {{spec.Stride}}, {{spec.Branches}}, {{CombineName(spec)}}:
                /// the taps are unrolled with constant offsets, rows are vectorised, tiles run in parallel, and results do not
                /// depend on the thread count. They work in place on the tensors' memory.
                /// </summary>
                {{GeneratedCode}}
                internal static unsafe class CpuKernels
                {
                    /// <summary>These kernels for float32 and float64, as Ddf.DdfTensors runs them.</summary>
                    public static readonly {{Runtime}}.DdfCpuKernelSet Set = new(Forward<float>, Forward<double>, Backward<float>, Backward<double>);

                    /// <summary>Writes args.Output.</summary>
                    public static void Forward<T>(in {{Runtime}}.DdfCpuArgs<T> args) {{TConstraint}} =>
                        {{Runtime}}.DdfCpuScheduler.Forward<T, Rows<T>>(args);

                    /// <summary>Writes the gradients asked for (null pointers are skipped).</summary>
                    public static void Backward<T>(in {{Runtime}}.DdfCpuArgs<T> args, T* gradChannelFilter) {{TConstraint}} =>
                        {{Runtime}}.DdfCpuScheduler.Backward<T, Rows<T>>(args, gradChannelFilter);

                    private readonly struct Rows<T> : {{Runtime}}.IDdfCpuRows<T> {{TConstraint}}
                    {
                """);
            w.Indentation += 2;
            w.WriteLine($$"""
                {{Inline}}
                private static {{Numerics}}.Vector<T> Load(T* p) => {{Numerics}}.Vector.Load(p);

                {{Inline}}
                private static void Store({{Numerics}}.Vector<T> value, T* p) => {{Numerics}}.Vector.Store(value, p);

                {{Inline}}
                private static {{Numerics}}.Vector<T> Tap({{Numerics}}.Vector<T> sum, {{Numerics}}.Vector<T> value, {{Numerics}}.Vector<T> channel, {{Numerics}}.Vector<T> spatial) =>
                    {{Weight(spec, "T")}}.Accumulate(sum, value, channel, spatial);
                """);
            w.WriteLine();
            if (spec.KernelSize > UnrolledKernelSize)
            {
                // Measured (docs/performance.md): unrolled 49-tap rows are huge methods the JIT compiles poorly
                // (k = 7 ran ~3x slower than the generic row; k = 5 ran 1.45x faster), so larger kernels run the generic rows.
                w.WriteLine($$"""
                    /// <inheritdoc/>
                    /// <remarks>k = {{spec.KernelSize}}: the generic rows (unrolled rows only pay off up to k = {{UnrolledKernelSize}}).</remarks>
                    public static void Forward(in {{Runtime}}.DdfCpuArgs<T> a, int b, int c, bool pair, int oy) => {{generic}}.Forward(a, b, c, pair, oy);

                    /// <inheritdoc/>
                    /// <remarks>k = {{spec.KernelSize}}: the generic rows.</remarks>
                    public static void InputGradient(in {{Runtime}}.DdfCpuArgs<T> a, int b, int c, bool pair, int y) => {{generic}}.InputGradient(a, b, c, pair, y);
                    """);
            }
            else
            {
                WriteUnrolledRows(w, spec, generic);
            }
            w.WriteLine();
            // Measured (docs/performance.md): unrolling the taps of this reduction over channels and pixels made it
            // slower than the generic row, whose per-tap column loops stream one filter row at a time.
            w.WriteLine($$"""
                /// <inheritdoc/>
                /// <remarks>The generic row: per tap, a column loop streams one filter-gradient row (faster here than unrolled taps).</remarks>
                public static void FilterGradients(in {{Runtime}}.DdfCpuArgs<T> a, int b, int c, bool pair, int oy, T* channelPartials) => {{generic}}.FilterGradients(a, b, c, pair, oy, channelPartials);
                """);
            w.Indentation -= 2;
            w.WriteLine("""
                    }
                }
                """);
        }

        /// <summary>The largest kernel size whose rows are emitted with unrolled taps.</summary>
        private const int UnrolledKernelSize = 5;

        /// <summary>Forward and input-gradient rows with unrolled taps (channel pairs, single rows, strided rows).</summary>
        private static void WriteUnrolledRows(SourceWriter w, DdfSpec spec, string generic)
        {
                if (spec.Stride == 1 && spec.HasSpatial)
                {
                    WriteForwardPair(w, spec, generic);
                }
                else
                {
                    w.WriteLine($$"""
                        /// <inheritdoc/>
                        public static void Forward(in {{Runtime}}.DdfCpuArgs<T> a, int b, int c, bool pair, int oy)
                        {
                            ForwardRow(a, b, c, oy);
                            if (pair)
                                ForwardRow(a, b, c + 1, oy);
                        }
                        """);
                }
                w.WriteLine();
                if (spec.Stride == 1)
                    WriteForwardRow(w, spec, generic);
                else
                    WriteStridedForwardRow(w, spec, generic);
                w.WriteLine();
                if (spec.Stride == 1)
                {
                    if (spec.HasSpatial)
                    {
                        WriteInputGradientPair(w, spec, generic);
                    }
                    else
                    {
                        w.WriteLine($$"""
                            /// <inheritdoc/>
                            public static void InputGradient(in {{Runtime}}.DdfCpuArgs<T> a, int b, int c, bool pair, int y)
                            {
                                InputGradientRow(a, b, c, y);
                                if (pair)
                                    InputGradientRow(a, b, c + 1, y);
                            }
                            """);
                    }
                    w.WriteLine();
                    WriteInputGradientRow(w, spec, generic);
                }
                else
                {
                    w.WriteLine($$"""
                        /// <inheritdoc/>
                        /// <remarks>Stride {{spec.Stride}}: the transposed taps land on a strided subset of columns, so this runs the generic rows.</remarks>
                        public static void InputGradient(in {{Runtime}}.DdfCpuArgs<T> a, int b, int c, bool pair, int y) => {{generic}}.InputGradient(a, b, c, pair, y);
                        """);
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
                w.WriteLine($"if (in{ky})");
                using (w.OpenBlock(""))
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

        private static string Offset(int value) => value switch { 0 => "", > 0 => $" + {value}", _ => $" - {-value}" };

        /// <summary>The offset of tap t in a tap-major array whose taps are <paramref name="stride"/> apart: "", " + tap", " + 2 * tap".</summary>
        private static string TapOffset(int t, string stride = "tap") => t switch { 0 => "", 1 => $" + {stride}", _ => $" + {t} * {stride}" };

        private static void WriteForwardRow(SourceWriter w, DdfSpec spec, string generic)
        {
            w.WriteLine($$"""
                /// <summary>Writes output row oy of plane (b, c).</summary>
                {{Hot}}
                private static void ForwardRow(in {{Runtime}}.DdfCpuArgs<T> a, int b, int c, int oy)
                {
                    int vw = {{Numerics}}.Vector<T>.Count, lo = Spec.Padding, hi = a.Geometry.Width - Spec.Padding;
                    if (hi - lo < 2 * vw)
                    {
                        {{generic}}.Forward(a, b, c, oy);
                        return;
                    }
                    T* xPlane = a.InputPlane(b, c), cf = a.ChannelTaps(b, c), sf = a.SpatialRow(b, oy), y = a.OutputRow(b, c, oy);
                    long tap = a.Geometry.OutPlane;
                    // Input rows of tap rows ky (read only inside the image), shifted left by the padding.
                """);
            w.Indentation++;
            for (int ky = 0; ky < spec.KernelSize; ky++)
            {
                w.WriteLine($"int iy{ky} = oy{Offset(ky * spec.Dilation - spec.Padding)};");
                w.WriteLine($"bool in{ky} = (uint)iy{ky} < (uint)a.Geometry.Height;");
                w.WriteLine($"T* x{ky} = xPlane + (long)iy{ky} * a.Geometry.Width - Spec.Padding;");
            }
            WriteChannelTaps(w, spec, vector: true);
            WriteAheadRow(w, $"(oy{Offset(1 + (spec.KernelSize - 1) * spec.Dilation - spec.Padding)}) * a.Geometry.Width - Spec.Padding", "input", "oy");
            w.WriteLine($$"""
                {{generic}}.ForwardColumns(a, xPlane, cf, sf, y, oy, 0, lo);
                // Two vectors a step (a cache line); the last step shifts back to end at hi, so there is no scalar tail.
                for (int next = lo; ; next += 2 * vw)
                {
                    int o0 = global::System.Math.Min(next, hi - 2 * vw), o1 = o0 + vw;
                    var p = {{Numerics}}.Vector<T>.Zero;
                    var q = {{Numerics}}.Vector<T>.Zero;
                """);
            w.Indentation++;
            WritePrefetches(w, "o0", "xPlane + ahead", "y + a.Geometry.OutWidth");
            WriteTapRows(w, spec, (ky, kx, t) => new[] { ("p", "o0"), ("q", "o1") }.Select(v =>
                $"{v.Item1} = Tap({v.Item1}, Load(x{ky} + {v.Item2}{Offset(kx * spec.Dilation)}), {ChannelTap(spec, "c", t)}, " +
                $"{(spec.HasSpatial ? $"Load(sf{TapOffset(t)} + {v.Item2})" : "default")});"));
            w.WriteLine("""
                Store(p, y + o0);
                Store(q, y + o1);
                if (o0 == hi - 2 * vw)
                    break;
                """);
            w.Indentation--;
            w.WriteLine("}");
            w.WriteLine($"{generic}.ForwardColumns(a, xPlane, cf, sf, y, oy, hi, a.Geometry.OutWidth);");
            w.Indentation--;
            w.WriteLine("}");
        }

        /// <summary>Two channels per pass over a row: each spatial-filter load serves both.</summary>
        private static void WriteForwardPair(SourceWriter w, DdfSpec spec, string generic)
        {
            w.WriteLine($$"""
                /// <inheritdoc/>
                {{Hot}}
                public static void Forward(in {{Runtime}}.DdfCpuArgs<T> a, int b, int c, bool pair, int oy)
                {
                    int vw = {{Numerics}}.Vector<T>.Count, lo = Spec.Padding, hi = a.Geometry.Width - Spec.Padding;
                    if (!pair || hi - lo < 2 * vw)
                    {
                        ForwardRow(a, b, c, oy);
                        if (pair)
                            ForwardRow(a, b, c + 1, oy);
                        return;
                    }
                    T* xa = a.InputPlane(b, c), xb = a.InputPlane(b, c + 1), cfa = a.ChannelTaps(b, c), cfb = a.ChannelTaps(b, c + 1);
                    T* sf = a.SpatialRow(b, oy), ya = a.OutputRow(b, c, oy), yb = a.OutputRow(b, c + 1, oy);
                    long tap = a.Geometry.OutPlane;
                    // Input rows of tap rows ky (read only inside the image), shifted left by the padding.
                """);
            w.Indentation++;
            for (int ky = 0; ky < spec.KernelSize; ky++)
            {
                w.WriteLine($"int iy{ky} = oy{Offset(ky * spec.Dilation - spec.Padding)};");
                w.WriteLine($"bool in{ky} = (uint)iy{ky} < (uint)a.Geometry.Height;");
                w.WriteLine($"long r{ky} = (long)iy{ky} * a.Geometry.Width - Spec.Padding;");
            }
            WriteChannelTaps(w, spec, vector: true, channel: "a");
            WriteChannelTaps(w, spec, vector: true, channel: "b");
            WriteAheadRow(w, $"(oy{Offset(1 + (spec.KernelSize - 1) * spec.Dilation - spec.Padding)}) * a.Geometry.Width - Spec.Padding", "input", "oy");
            w.WriteLine($$"""
                {{generic}}.ForwardColumns(a, xa, cfa, sf, ya, oy, 0, lo);
                {{generic}}.ForwardColumns(a, xb, cfb, sf, yb, oy, 0, lo);
                // Two vectors of each channel a step (a cache line); the last step shifts back to end at hi.
                for (int next = lo; ; next += 2 * vw)
                {
                    int o = global::System.Math.Min(next, hi - 2 * vw), o1 = o + vw;
                    var p = {{Numerics}}.Vector<T>.Zero;
                    var q = {{Numerics}}.Vector<T>.Zero;
                    var u = {{Numerics}}.Vector<T>.Zero;
                    var v = {{Numerics}}.Vector<T>.Zero;
                    {{Numerics}}.Vector<T> s, s1;
                """);
            w.Indentation++;
            WritePrefetches(w, "o", "xa + ahead", "xb + ahead", "ya + a.Geometry.OutWidth", "yb + a.Geometry.OutWidth");
            WriteTapRows(w, spec, (ky, kx, t) =>
            {
                string at = $"r{ky} + o{Offset(kx * spec.Dilation)}", at1 = $"r{ky} + o1{Offset(kx * spec.Dilation)}";
                string ca = ChannelTap(spec, "ca", t), cb = ChannelTap(spec, "cb", t);
                return
                [
                    $"s = Load(sf{TapOffset(t)} + o);", $"s1 = Load(sf{TapOffset(t)} + o1);",
                    $"p = Tap(p, Load(xa + {at}), {ca}, s);", $"q = Tap(q, Load(xa + {at1}), {ca}, s1);",
                    $"u = Tap(u, Load(xb + {at}), {cb}, s);", $"v = Tap(v, Load(xb + {at1}), {cb}, s1);",
                ];
            });
            w.WriteLine("""
                Store(p, ya + o);
                Store(q, ya + o1);
                Store(u, yb + o);
                Store(v, yb + o1);
                if (o == hi - 2 * vw)
                    break;
                """);
            w.Indentation--;
            w.WriteLine("}");
            w.WriteLine($"{generic}.ForwardColumns(a, xa, cfa, sf, ya, oy, hi, a.Geometry.OutWidth);");
            w.WriteLine($"{generic}.ForwardColumns(a, xb, cfb, sf, yb, oy, hi, a.Geometry.OutWidth);");
            w.Indentation--;
            w.WriteLine("}");
        }

        private static void WriteStridedForwardRow(SourceWriter w, DdfSpec spec, string generic)
        {
            w.WriteLine($$"""
                /// <summary>Writes output row oy of plane (b, c).</summary>
                {{Hot}}
                private static void ForwardRow(in {{Runtime}}.DdfCpuArgs<T> a, int b, int c, int oy)
                {
                    // Columns whose taps all lie inside the row: ox * Stride - Padding >= 0 and ox * Stride + Padding <= W - 1.
                    int last = a.Geometry.Width - 1 - Spec.Padding;
                    int lo = (Spec.Padding + Spec.Stride - 1) / Spec.Stride, hi = last < 0 ? 0 : global::System.Math.Min(a.Geometry.OutWidth, last / Spec.Stride + 1);
                    if (hi <= lo)
                    {
                        {{generic}}.Forward(a, b, c, oy);
                        return;
                    }
                    T* xPlane = a.InputPlane(b, c), cf = a.ChannelTaps(b, c), sf = a.SpatialRow(b, oy), y = a.OutputRow(b, c, oy);
                    long tap = a.Geometry.OutPlane;
                    // Input rows of tap rows ky (read only inside the image), shifted left by the padding.
                """);
            w.Indentation++;
            for (int ky = 0; ky < spec.KernelSize; ky++)
            {
                w.WriteLine($"int iy{ky} = oy * Spec.Stride{Offset(ky * spec.Dilation - spec.Padding)};");
                w.WriteLine($"bool in{ky} = (uint)iy{ky} < (uint)a.Geometry.Height;");
                w.WriteLine($"T* x{ky} = xPlane + (long)iy{ky} * a.Geometry.Width - Spec.Padding;");
            }
            WriteChannelTaps(w, spec, vector: false);
            w.WriteLine($$"""
                {{generic}}.ForwardColumns(a, xPlane, cf, sf, y, oy, 0, lo);
                for (int ox = lo; ox < hi; ox++)
                {
                    int ix = ox * Spec.Stride;
                    T sum = T.Zero;
                """);
            w.Indentation++;
            WriteTapRows(w, spec, (ky, kx, t) =>
            [
                $"sum = {Weight(spec, "T")}.Accumulate(sum, x{ky}[ix{Offset(kx * spec.Dilation)}], {(spec.HasChannel ? $"c{t}" : "T.Zero")}, " +
                $"{(spec.HasSpatial ? $"sf[{(t == 0 ? "" : t == 1 ? "tap + " : $"{t} * tap + ")}ox]" : "T.Zero")});",
            ]);
            w.WriteLine("y[ox] = sum;");
            w.Indentation--;
            w.WriteLine("}");
            w.WriteLine($"{generic}.ForwardColumns(a, xPlane, cf, sf, y, oy, hi, a.Geometry.OutWidth);");
            w.Indentation--;
            w.WriteLine("}");
        }

        /// <summary>
        /// Input-gradient rows of two channels per pass (stride 1): each spatial-filter load serves both, as in
        /// the forward pair (loads, not arithmetic, bound these rows).
        /// </summary>
        private static void WriteInputGradientPair(SourceWriter w, DdfSpec spec, string generic)
        {
            w.WriteLine($$"""
                /// <inheritdoc/>
                {{Hot}}
                public static void InputGradient(in {{Runtime}}.DdfCpuArgs<T> a, int b, int c, bool pair, int y)
                {
                    int vw = {{Numerics}}.Vector<T>.Count, width = a.Geometry.Width, lo = Spec.Padding, hi = width - Spec.Padding;
                    if (!pair || hi - lo < 2 * vw)
                    {
                        InputGradientRow(a, b, c, y);
                        if (pair)
                            InputGradientRow(a, b, c + 1, y);
                        return;
                    }
                    T* ga = a.OutputRow(b, c, 0), gb = a.OutputRow(b, c + 1, 0), cfa = a.ChannelTaps(b, c), cfb = a.ChannelTaps(b, c + 1), sf = a.SpatialRow(b, 0);
                    T* dxa = a.GradInput + ((long)b * a.Geometry.Channels + c) * a.Geometry.InPlane + (long)y * width, dxb = dxa + a.Geometry.InPlane;
                    long tap = a.Geometry.OutPlane;
                    // Output rows that tap rows ky reach from input row y (oy = y + Padding - ky * Dilation), shifted right by the padding.
                """);
            w.Indentation++;
            for (int ky = 0; ky < spec.KernelSize; ky++)
            {
                w.WriteLine($"int oy{ky} = y{Offset(spec.Padding - ky * spec.Dilation)};");
                w.WriteLine($"bool in{ky} = (uint)oy{ky} < (uint)a.Geometry.OutHeight;");
                w.WriteLine($"long r{ky} = (long)oy{ky} * width + Spec.Padding;");
            }
            WriteChannelTaps(w, spec, vector: true, channel: "a");
            WriteChannelTaps(w, spec, vector: true, channel: "b");
            WriteAheadRow(w, $"(y{Offset(1 + spec.Padding)}) * width + Spec.Padding", "upstream-gradient", "y");
            w.WriteLine($$"""
                {{generic}}.InputGradientColumns(a, ga, cfa, sf, dxa, y, 0, lo);
                {{generic}}.InputGradientColumns(a, gb, cfb, sf, dxb, y, 0, lo);
                // Two vectors of each channel a step (a cache line); the last step shifts back to end at hi.
                for (int next = lo; ; next += 2 * vw)
                {
                    int o = global::System.Math.Min(next, hi - 2 * vw), o1 = o + vw;
                    var p = {{Numerics}}.Vector<T>.Zero;
                    var q = {{Numerics}}.Vector<T>.Zero;
                    var u = {{Numerics}}.Vector<T>.Zero;
                    var v = {{Numerics}}.Vector<T>.Zero;
                    {{Numerics}}.Vector<T> s, s1;
                """);
            w.Indentation++;
            WritePrefetches(w, "o", "ga + ahead", "gb + ahead", "dxa + width", "dxb + width");
            WriteTapRows(w, spec, (ky, kx, t) =>
            {
                string at = $"r{ky} + o{Offset(-kx * spec.Dilation)}", at1 = $"r{ky} + o1{Offset(-kx * spec.Dilation)}";
                string ca = ChannelTap(spec, "ca", t), cb = ChannelTap(spec, "cb", t);
                return
                [
                    $"s = Load(sf{TapOffset(t)} + {at});", $"s1 = Load(sf{TapOffset(t)} + {at1});",
                    $"p = Tap(p, Load(ga + {at}), {ca}, s);", $"q = Tap(q, Load(ga + {at1}), {ca}, s1);",
                    $"u = Tap(u, Load(gb + {at}), {cb}, s);", $"v = Tap(v, Load(gb + {at1}), {cb}, s1);",
                ];
            });
            w.WriteLine("""
                Store(p, dxa + o);
                Store(q, dxa + o1);
                Store(u, dxb + o);
                Store(v, dxb + o1);
                if (o == hi - 2 * vw)
                    break;
                """);
            w.Indentation--;
            w.WriteLine("}");
            w.WriteLine($"{generic}.InputGradientColumns(a, ga, cfa, sf, dxa, y, hi, width);");
            w.WriteLine($"{generic}.InputGradientColumns(a, gb, cfb, sf, dxb, y, hi, width);");
            w.Indentation--;
            w.WriteLine("}");
        }

        private static void WriteInputGradientRow(SourceWriter w, DdfSpec spec, string generic)
        {
            w.WriteLine($$"""
                /// <summary>Writes input-gradient row y of plane (b, c).</summary>
                {{Hot}}
                private static void InputGradientRow(in {{Runtime}}.DdfCpuArgs<T> a, int b, int c, int y)
                {
                    int vw = {{Numerics}}.Vector<T>.Count, width = a.Geometry.Width, lo = Spec.Padding, hi = width - Spec.Padding;
                    if (hi - lo < 2 * vw)
                    {
                        {{generic}}.InputGradient(a, b, c, y);
                        return;
                    }
                    T* gPlane = a.OutputRow(b, c, 0), cf = a.ChannelTaps(b, c), sf = a.SpatialRow(b, 0);
                    T* dx = a.GradInput + ((long)b * a.Geometry.Channels + c) * a.Geometry.InPlane + (long)y * width;
                    long tap = a.Geometry.OutPlane;
                    // Output rows that tap rows ky reach from input row y (oy = y + Padding - ky * Dilation), shifted right by the padding.
                """);
            w.Indentation++;
            for (int ky = 0; ky < spec.KernelSize; ky++)
            {
                w.WriteLine($"int oy{ky} = y{Offset(spec.Padding - ky * spec.Dilation)};");
                w.WriteLine($"bool in{ky} = (uint)oy{ky} < (uint)a.Geometry.OutHeight;");
                w.WriteLine($"long r{ky} = (long)oy{ky} * width + Spec.Padding;");
            }
            WriteChannelTaps(w, spec, vector: true);
            WriteAheadRow(w, $"(y{Offset(1 + spec.Padding)}) * width + Spec.Padding", "upstream-gradient", "y");
            w.WriteLine($$"""
                {{generic}}.InputGradientColumns(a, gPlane, cf, sf, dx, y, 0, lo);
                // Two vectors a step (a cache line); the last step shifts back to end at hi.
                for (int next = lo; ; next += 2 * vw)
                {
                    int o0 = global::System.Math.Min(next, hi - 2 * vw), o1 = o0 + vw;
                    var p = {{Numerics}}.Vector<T>.Zero;
                    var q = {{Numerics}}.Vector<T>.Zero;
                """);
            w.Indentation++;
            WritePrefetches(w, "o0", "gPlane + ahead", "dx + width");
            WriteTapRows(w, spec, (ky, kx, t) => new[] { ("p", "o0"), ("q", "o1") }.Select(v =>
            {
                string at = $"r{ky} + {v.Item2}{Offset(-kx * spec.Dilation)}";
                return $"{v.Item1} = Tap({v.Item1}, Load(gPlane + {at}), {ChannelTap(spec, "c", t)}, " +
                    $"{(spec.HasSpatial ? $"Load(sf{TapOffset(t)} + {at})" : "default")});";
            }));
            w.WriteLine("""
                Store(p, dx + o0);
                Store(q, dx + o1);
                if (o0 == hi - 2 * vw)
                    break;
                """);
            w.Indentation--;
            w.WriteLine("}");
            w.WriteLine($"{generic}.InputGradientColumns(a, gPlane, cf, sf, dx, y, hi, width);");
            w.Indentation--;
            w.WriteLine("}");
        }
    }
}
