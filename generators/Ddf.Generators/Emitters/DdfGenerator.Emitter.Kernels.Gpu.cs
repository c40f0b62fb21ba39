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
        private const string Ilgpu = "global::ILGPU";
        private const string Tiling = "global::Ddf.Runtime.DdfGpuTiling";
        private const string GpuConstraint = "where T : unmanaged, global::System.Numerics.INumber<T>";

        /// <summary>The largest kernel size whose GPU kernels are emitted with unrolled taps (k*k values per thread live in registers).</summary>
        private const int UnrolledGpuKernelSize = 7;

        /// <summary>Window loads per channel iteration a thread issues together: channels are unrolled up to 4 within it.</summary>
        private const int GpuLoadBudget = 48;

        /// <summary>Accumulators whose warp sums run interleaved (bounds the registers of the shuffle chains).</summary>
        private const int WarpSumChunk = 12;

        /// <summary>
        /// ILGPU kernels with the spec's constants baked in and its taps unrolled. They read the input (or upstream
        /// gradient) straight from global memory: measured on an H200 with ILGPU 1.5.3, that beat staging tiles in shared
        /// memory (docs/performance.md, GPU run 12), because the L1 cache already serves the neighbours' overlapping
        /// windows and staging cost barriers and index arithmetic.
        /// </summary>
        private static void WriteGpuKernels(SourceWriter w, DdfSpec spec)
        {
            string branches = $"global::Ddf.FilterBranches.{spec.Branches}", combine = $"global::Ddf.KernelCombine.{CombineName(spec)}";
            if (spec.KernelSize > UnrolledGpuKernelSize)
            {
                w.WriteLine($$"""
                    /// <summary>
                    /// GPU kernels of this layer: k = {{spec.KernelSize}} has {{spec.Taps}} taps per pixel, too many to keep in registers, so it runs the
                    /// runtime's generic kernels (unrolled tiled kernels are emitted up to k = {{UnrolledGpuKernelSize}}).
                    /// </summary>
                    {{GeneratedCode}}
                    internal static class GpuKernels
                    {
                        /// <summary>The generic kernels for this layer's branches and combine mode, as Ddf.Runtime.DdfGpu runs them.</summary>
                        public static readonly {{Runtime}}.DdfGpuKernelSet Set = {{Runtime}}.DdfGpuKernelSet.Generic({{branches}}, {{combine}});
                    }
                    """);
                return;
            }

            int k = spec.KernelSize, d = spec.Dilation, s = spec.Stride;
            var forward = GpuWindow.Forward(spec, GpuPixels(spec));
            var transposed = GpuWindow.Transposed(spec, spec.Stride == 1 ? GpuPixels(spec) : 1);
            string Kernels(string type) =>
                $"new(Forward<{type}>, InputGradient<{type}>, {(spec.HasSpatial ? $"SpatialGradient<{type}>" : "null")}, {(spec.HasChannel ? $"ChannelGradient<{type}>" : "null")})";
            w.WriteLine($$"""
                /// <summary>
                /// GPU (ILGPU) kernels of this layer, specialised at compile time to k = {{k}}, dilation {{d}}, stride {{s}}, {{spec.Branches}}, {{CombineName(spec)}}:
                /// each thread keeps its pixels' taps in registers across channels and reads the input from global memory with
                /// clamped addresses and zero selects (no branches); the channel-filter gradient is reduced in two fixed-order
                /// stages (no atomics), so every result is bitwise reproducible.
                /// </summary>
                {{GeneratedCode}}
                internal static class GpuKernels
                {
                    /// <summary>These kernels for float32 and float64, as Ddf.Runtime.DdfGpu runs them.</summary>
                    public static readonly {{Runtime}}.DdfGpuKernelSet Set = new({{k}}, {{d}}, {{s}}, {{branches}}, {{combine}}, {{Runtime}}.DdfGpuLayout.Tiled,
                        {{Kernels("float")}},
                        {{Kernels("double")}},
                        pixelsPerThread: Pixels, inputPixelsPerThread: InputPixels, gradientChannels: GradientChannels, minBlocksPerMultiprocessor: MinBlocks);

                    private const int K = {{k}};
                    private const int Dilation = {{d}};
                    private const int Stride = {{s}};
                    private const int Pad = {{spec.Padding}};
                    private const int Taps = {{spec.Taps}};

                    private const int TileWidth = {{Tiling}}.Width;
                    private const int TileHeight = {{Tiling}}.Height;
                    private const int ChannelsPerBlock = {{Tiling}}.ChannelsPerBlock;

                    // Adjacent pixels of a row per thread: their windows overlap, so each channel's loads serve all of them
                    // (two pixels per thread measured 1.3x faster than one for k = 3; k = 7 keeps one to bound registers).
                    private const int Pixels = {{forward.Pixels}};
                    private const int InputPixels = {{transposed.Pixels}};

                    // Channels per loop iteration: their {{forward.Loads}} (input gradient: {{transposed.Loads}}) window loads each are issued together.
                    private const int Unroll = {{GpuUnroll(forward)}};
                    private const int InputUnroll = {{GpuUnroll(transposed)}};

                    // Channels one channel-gradient block sums: each spatial-filter load serves all of them.
                    private const int GradientChannels = {{GpuGradientChannels(spec)}};

                    // Resident blocks per multiprocessor the kernels' registers must allow (0: the compiler decides). Left to
                    // itself ptxas gives k = 5 and 7 kernels up to 245 registers (one block of 8 warps); k = 3 ones fit 3 blocks.
                    private const int MinBlocks = {{GpuMinBlocks(spec)}};

                """);
            w.Indentation++;
            WriteGpuForward(w, spec, forward);
            w.WriteLine();
            WriteGpuInputGradient(w, spec, transposed);
            if (spec.HasSpatial)
            {
                w.WriteLine();
                WriteGpuSpatialGradient(w, spec, forward);
            }
            if (spec.HasChannel)
            {
                w.WriteLine();
                WriteGpuChannelGradient(w, spec);
            }
            w.Indentation--;
            w.WriteLine("}");
        }

        /// <summary>Adjacent output pixels per thread in the forward and spatial-gradient kernels: 2 up to k = 5, else 1 (registers).</summary>
        private static int GpuPixels(DdfSpec spec) => spec.Taps <= 25 ? 2 : 1;

        /// <summary>Channels per iteration: as many (up to 4) as keep the window loads within <see cref="GpuLoadBudget"/>.</summary>
        private static int GpuUnroll(GpuWindow window) => Math.Max(1, Math.Min(4, GpuLoadBudget / window.Loads));

        /// <summary>
        /// Resident blocks the registers must allow: 2 (128 registers) for k = 5 and 7, whose kernels otherwise take 146 to 245
        /// (ptxas 11.8, sm_90: k5 dilation 2 forward 180 -> 128 registers at +1 % instructions, k7 forward 181 -> 128 at +23 %,
        /// k7 channel gradient 245 -> 128 at +8 %); none for k = 3 (56 to 96 registers; a bound only made ptxas use more).
        /// </summary>
        private static int GpuMinBlocks(DdfSpec spec) => spec.Taps > 9 ? 2 : 0;

        /// <summary>Channels per channel-gradient block: 4 for k = 3, 2 for k = 5, 1 for k = 7 (their accumulators live in registers).</summary>
        private static int GpuGradientChannels(DdfSpec spec) => Math.Max(1, Math.Min(4, 64 / spec.Taps));

        /// <summary>
        /// What one thread reads of a plane per channel: K rows and the distinct columns its pixels' taps hit, as offsets
        /// from the thread's base coordinates; <see cref="ColumnOf"/>[p, v] is the column pixel p's tap column v reads.
        /// Offsets equal to <see cref="Centre"/> are always inside the plane (the pixel's own row or column).
        /// </summary>
        private sealed class GpuWindow
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

        private static string GpuView => $"{Ilgpu}.ArrayView<T>";

        /// <summary>The sizes the forward, input-gradient and spatial-gradient kernels start with (32-bit: the host checks they fit).</summary>
        private const string PlaneSizes = """
            var g = launch.Geometry;
            int outH = g.OutHeight, outW = g.OutWidth, inPlane = (int)g.InPlane, outPlane = (int)g.OutPlane;
            """;

        /// <summary>
        /// The start of a kernel over pixels of a plane, <paramref name="pixels"/> adjacent ones per thread: this thread's first
        /// pixel (<paramref name="x"/>, <paramref name="y"/>), an early return past the plane, <c>pixel</c> (its index) and
        /// for the others <c>has{p}</c> (inside the row) and <c>pixel{p}</c> (its index, or pixel's where outside, so loads stay valid).
        /// </summary>
        private static void WritePixelsOfThread(SourceWriter w, int pixels, string x, string y, string width, string height)
        {
            string span = pixels == 1 ? "TileWidth" : "(TileWidth * Pixels)", across = pixels == 1 ? "Group.IdxX" : "Group.IdxX * Pixels";
            w.WriteLine($$"""
                int tilesAcross = ({{width}} + {{span}} - 1) / {{span}};
                int {{x}} = {{Ilgpu}}.Grid.IdxX % tilesAcross * {{span}} + {{Ilgpu}}.{{across}}, {{y}} = {{Ilgpu}}.Grid.IdxX / tilesAcross * TileHeight + {{Ilgpu}}.Group.IdxY;
                if ({{x}} >= {{width}} || {{y}} >= {{height}})
                    return;
                int b = {{Ilgpu}}.Grid.IdxZ, bc = b * g.Channels, pixel = {{y}} * {{width}} + {{x}};
                """);
            if (pixels == 1)
                return;
            w.WriteLine("// The thread's other pixels may lie past the row's end: they are computed from clamped reads and not stored.");
            WriteOtherPixels(w, pixels, x, width);
        }

        /// <summary>Declares <c>has{p}</c> (pixel p of the run lies inside the row) and <c>pixel{p}</c> (its index, or pixel's where outside).</summary>
        private static void WriteOtherPixels(SourceWriter w, int pixels, string x, string width)
        {
            for (int p = 1; p < pixels; p++)
                w.WriteLine($"bool has{p} = {x} + {p} < {width};");
            for (int p = 1; p < pixels; p++)
                w.WriteLine($"int pixel{p} = has{p} ? pixel + {p} : pixel;");
        }

        /// <summary>The index of pixel p of the thread: <c>pixel</c>, <c>pixel1</c>, ...</summary>
        private static string PixelName(int p) => p == 0 ? "pixel" : $"pixel{p}";

        /// <summary>
        /// Declares the window's rows (<c>row{u}</c>, already scaled to a plane offset) and columns (<c>col{j}</c>), clamped into
        /// the plane so that every load is valid (with <paramref name="stepInside"/>, moved to the nearest inside tap of the same
        /// pixel; with dilation 1 that is the clamp), and whether each is inside (<c>hy{u}</c>, <c>hx{j}</c>; none for the
        /// centre, which always is). Forward windows start from <c>iy</c>, <c>ix</c> in an input plane of g.Height x g.Width;
        /// transposed ones from <c>jy</c>, <c>jx</c> in an upstream-gradient plane of outH x outW.
        /// </summary>
        private static void WriteWindow(SourceWriter w, DdfSpec spec, GpuWindow window, bool stepInside = false)
        {
            bool t = window.IsTransposed;
            string height = t ? "outH" : "g.Height", width = t ? "outW" : "g.Width";
            string moved = stepInside ? "moved to the nearest inside tap of the same pixel" : "clamped into the plane";
            w.WriteLine(t
                ? $"// Upstream-gradient rows and columns the transposed taps read, {moved} (every load valid); hy/hx: a tap hits them."
                : $"// Input rows and columns the taps read, {moved} (every load valid); hy/hx: inside the plane (else the tap adds zero).");
            for (int u = 0; u < window.Rows.Length; u++)
                WriteWindowLine(w, spec, window, "row", "hy", u, $"{(t ? "jy" : "iy")}{Offset(window.Rows[u])}", window.Rows[u] == window.Centre, height, $" * {width}", stepInside);
            for (int j = 0; j < window.Columns.Length; j++)
                WriteWindowLine(w, spec, window, "col", "hx", j, $"{(t ? "jx" : "ix")}{Offset(window.Columns[j])}", window.Columns[j] == window.Centre, width, "", stepInside);
        }

        private static void WriteWindowLine(SourceWriter w, DdfSpec spec, GpuWindow window, string name, string hit, int index, string coordinate, bool centre, string size, string scale, bool stepInside)
        {
            string at = coordinate.Contains(' ') ? $"({coordinate})" : coordinate;
            if (window.HitsByStride)
            {
                string n = $"n{name}{index}", q = $"q{name}{index}";
                w.WriteLine($"int {n} = {coordinate}, {q} = {Tiling}.FloorDiv({n}, Stride);");
                w.WriteLine($"bool {hit}{index} = {q} * Stride == {n} && (uint){q} < (uint){size};");
                w.WriteLine($"int {name}{index} = {Tiling}.Clamp({q}, {size}){scale};");
            }
            else if (centre)
                w.WriteLine($"int {name}{index} = {(scale.Length > 0 ? at : coordinate)}{scale};");
            else
            {
                string inside = stepInside && spec.Dilation > 1 ? $"{Tiling}.StepInside({coordinate}, {size}, Dilation)" : $"{Tiling}.Clamp({coordinate}, {size})";
                w.WriteLine($"int {name}{index} = {inside}{scale};");
                w.WriteLine($"bool {hit}{index} = (uint){at} < (uint){size};");
            }
        }

        /// <summary>
        /// Whether the forward and the stride-1 input gradient drop padded taps through their weights instead of selecting
        /// zero per load and channel: where each weight is the spatial tap, alone or times the channel tap, zeroing the
        /// spatial taps of padded taps once per thread suffices, because a padded tap reads (by <c>StepInside</c>) a value
        /// that the same pixel also reads through an inside tap. An infinity there then gives NaN instead of +-Inf in an
        /// output that is not finite anyway; no other output changes. Add and channel-only weights vary per channel, so
        /// those specs select per load.
        /// </summary>
        private static bool MasksThroughWeights(DdfSpec spec, GpuWindow window) =>
            spec.HasSpatial && (spec.Branches == BranchesMode.Spatial || spec.Combine == CombineMode.Mul) && !window.HitsByStride;

        /// <summary>Whether window element (u, j) needs a zero select, as a condition ("" when it is always inside).</summary>
        private static string WindowCondition(GpuWindow window, int u, int j)
        {
            var parts = new List<string>(2);
            if (window.HitsByStride || window.Rows[u] != window.Centre)
                parts.Add($"hy{u}");
            if (window.HitsByStride || window.Columns[j] != window.Centre)
                parts.Add($"hx{j}");
            return string.Join(" & ", parts); // "&": no short-circuit branch
        }

        /// <summary>
        /// Declares <c>v{i}_{u}_{j}</c>: the window of channel i (whose plane starts at <c>at{i}</c>) in <paramref name="view"/>, zero
        /// outside the plane unless <paramref name="masked"/> is false (the caller then drops those taps' terms itself).
        /// </summary>
        private static void WriteWindowLoads(SourceWriter w, DdfSpec spec, GpuWindow window, string view, int channels, bool masked = true)
        {
            for (int i = 0; i < channels; i++)
                for (int u = 0; u < window.Rows.Length; u++)
                    for (int j = 0; j < window.Columns.Length; j++)
                        w.WriteLine($"T v{i}_{u}_{j} = {Selected(masked ? WindowCondition(window, u, j) : "", $"{view}[at{i} + row{u} + col{j}]")};");
        }

        /// <summary>The condition (or "") under which pixel p's tap t reads inside the plane.</summary>
        private static string TapCondition(DdfSpec spec, GpuWindow window, int p, int t) =>
            WindowCondition(window, t / spec.KernelSize, window.ColumnOf[p, t % spec.KernelSize]);

        /// <summary><paramref name="value"/> where <paramref name="condition"/> holds, else zero ("" keeps it).</summary>
        private static string Selected(string condition, string value) => condition.Length == 0 ? value : $"{Tiling}.ZeroUnless({condition}, {value})";

        /// <summary>The window value pixel p's tap t reads in channel i.</summary>
        private static string WindowValue(DdfSpec spec, GpuWindow window, int i, int p, int t) =>
            $"v{i}_{t / spec.KernelSize}_{window.ColumnOf[p, t % spec.KernelSize]}";

        /// <summary>
        /// Declares <c>k{i}_{t}</c>: the channel-filter taps of channel i (plane <c>plane{i}</c>), one line per tap row. The
        /// index is 64-bit (<c>f{i}</c>), so ptxas folds each tap's constant offset into its load instead of widening a 32-bit
        /// sum per tap: k3 forward loop 447 -> 390 SASS instructions for 8 outputs, 64 -> 56 registers (ptxas 11.8, sm_90).
        /// </summary>
        private static void WriteChannelTaps(SourceWriter w, DdfSpec spec, int channels)
        {
            w.WriteLine("long " + string.Join(", ", Enumerable.Range(0, channels).Select(i => $"f{i} = (long)plane{i} * Taps")) + ";");
            for (int i = 0; i < channels; i++)
                WriteTapRows(w, spec, t => $"k{i}_{t} = channelFilter[f{i}{(t == 0 ? "" : $" + {t}")}]");
        }

        /// <summary>Declares one T local per tap, one line per tap row: <c>T {declaration(t)}, ...;</c>.</summary>
        private static void WriteTapRows(SourceWriter w, DdfSpec spec, Func<int, string> declaration)
        {
            for (int u = 0; u < spec.KernelSize; u++)
                w.WriteLine("T " + string.Join(", ", Enumerable.Range(u * spec.KernelSize, spec.KernelSize).Select(declaration)) + ";");
        }

        /// <summary>The combined weight of a tap from spatial register <paramref name="spatial"/> and channel tap <paramref name="channel"/>.</summary>
        private static string TapWeight(DdfSpec spec, string spatial, string channel) => spec.Branches switch
        {
            BranchesMode.Spatial => spatial,
            BranchesMode.Channel => channel,
            _ => spec.Combine == CombineMode.Add ? $"({spatial} + {channel})" : $"({spatial} * {channel})",
        };

        /// <summary>
        /// The channel loop of the forward, input-gradient and spatial-gradient kernels over [cBegin, cEnd):
        /// Unroll (InputUnroll for a transposed <paramref name="window"/>) channels per iteration, then one at a time; <paramref name="body"/> writes the body for n
        /// channels, with <c>plane{i}</c> (b * C + channel) and <c>at{i}</c> (its first element in <paramref name="plane"/>) set.
        /// </summary>
        private static void WriteChannelLoop(SourceWriter w, GpuWindow window, string plane, Action<int> body)
        {
            int unroll = GpuUnroll(window);
            string name = window.IsTransposed ? "InputUnroll" : "Unroll";
            w.WriteLine("int c = cBegin;");
            foreach (int n in unroll > 1 ? new[] { unroll, 1 } : new[] { 1 })
            {
                using (w.OpenBlock(n > 1 ? $"for (; c + {name} <= cEnd; c += {name})" : "for (; c < cEnd; c++)"))
                {
                    w.WriteLine("int " + string.Join(", ", Enumerable.Range(0, n).Select(i => $"plane{i} = bc + c{Offset(i)}")) + ";");
                    w.WriteLine("int " + string.Join(", ", Enumerable.Range(0, n).Select(i => $"at{i} = plane{i} * {plane}")) + ";");
                    body(n);
                }
            }
        }

        /// <summary>Stores <paramref name="value"/> at <paramref name="index"/> of pixel p (pixels after the first only where they exist).</summary>
        private static void WritePixelStore(SourceWriter w, int p, string target, string value) =>
            w.WriteLine(p == 0 ? $"{target} = {value};" : $"if (has{p})\n    {target} = {value};");

        private static void WriteGpuForward(SourceWriter w, DdfSpec spec, GpuWindow window)
        {
            w.WriteLine($$"""
                /// <summary>
                /// Forward: each thread computes Pixels adjacent output pixels of a row for ChannelsPerBlock channels, Unroll channels per
                /// iteration. Grid: (tiles of (Ho, Wo), channel blocks, batch).
                /// </summary>
                public static void Forward<T>({{GpuView}} input, {{GpuView}} channelFilter, {{GpuView}} spatialFilter, {{GpuView}} output, {{Runtime}}.DdfGpuLaunch launch)
                    {{GpuConstraint}}
                {
                """);
            w.Indentation++;
            WriteOutputPixelsAndWindow(w, spec, window, stepInside: MasksThroughWeights(spec, window));
            if (spec.HasSpatial)
                WriteSpatialTaps(w, spec, window.Pixels, zeroPadded: MasksThroughWeights(spec, window) ? window : null);
            WriteWeightedSums(w, spec, window, "input", "inPlane", "output", "outPlane", "y");
            w.Indentation--;
            w.WriteLine("}");
        }

        /// <summary>
        /// The start of the forward and spatial-gradient kernels: sizes, this thread's output pixels and the input window
        /// their taps read (see <see cref="WriteWindow"/>).
        /// </summary>
        private static void WriteOutputPixelsAndWindow(SourceWriter w, DdfSpec spec, GpuWindow window, bool stepInside)
        {
            w.WriteLine(PlaneSizes);
            WritePixelsOfThread(w, window.Pixels, "ox", "oy", "outW", "outH");
            w.WriteLine("int iy = oy * Stride - Pad, ix = ox * Stride - Pad;");
            WriteWindow(w, spec, window, stepInside);
        }

        /// <summary>
        /// The channel loop of the forward and the input gradient over the block's channels: per channel and pixel, the
        /// window of <paramref name="source"/> (planes <paramref name="sourcePlane"/> apart) dotted with the combined weights
        /// <c>s{p}_{t}</c> and <c>k{i}_{t}</c>, in tap order, into <c>{sum}{i}_{p}</c>, stored in <paramref name="target"/>.
        /// </summary>
        private static void WriteWeightedSums(SourceWriter w, DdfSpec spec, GpuWindow window, string source, string sourcePlane, string target, string targetPlane, string sum)
        {
            w.WriteLine($"int cBegin = {Ilgpu}.Grid.IdxY * ChannelsPerBlock, cEnd = cBegin + ChannelsPerBlock < g.Channels ? cBegin + ChannelsPerBlock : g.Channels;");
            WriteChannelLoop(w, window, sourcePlane, n =>
            {
                WriteWindowLoads(w, spec, window, source, n, masked: !MasksThroughWeights(spec, window));
                if (spec.HasChannel)
                    WriteChannelTaps(w, spec, n);
                for (int i = 0; i < n; i++)
                {
                    for (int p = 0; p < window.Pixels; p++)
                    {
                        string name = $"{sum}{i}_{p}";
                        for (int t = 0; t < spec.Taps; t++)
                        {
                            string term = $"{WindowValue(spec, window, i, p, t)} * {TapWeight(spec, $"s{p}_{t}", $"k{i}_{t}")}";
                            w.WriteLine(t == 0 ? $"T {name} = {term};" : $"{name} += {term};");
                        }
                        WritePixelStore(w, p, $"{target}[plane{i} * {targetPlane} + {PixelName(p)}]", name);
                    }
                }
            });
        }

        /// <summary>
        /// Declares <c>s{p}_{t}</c>: the spatial taps of this thread's output pixels, in registers for all its channels (and
        /// first <c>sf</c>, the batch element's spatial filter, unless <paramref name="declareBase"/> is false); zero for the
        /// taps of <paramref name="zeroPadded"/> in the padding when given.
        /// </summary>
        private static void WriteSpatialTaps(SourceWriter w, DdfSpec spec, int pixels, bool declareBase = true, GpuWindow? zeroPadded = null)
        {
            if (declareBase)
                w.WriteLine("int sf = b * Taps * outPlane;");
            if (zeroPadded is not null)
            {
                w.WriteLine("// Zero for taps in the padding: their (real, clamped) window values then add nothing.");
                for (int p = 0; p < pixels; p++)
                    for (int t = 0; t < spec.Taps; t++)
                        w.WriteLine($"T s{p}_{t} = {Selected(TapCondition(spec, zeroPadded, p, t), $"spatialFilter[sf{TapOffset(t, "outPlane")} + {PixelName(p)}]")};");
                return;
            }
            for (int p = 0; p < pixels; p++)
                WriteTapRows(w, spec, t => $"s{p}_{t} = spatialFilter[sf{TapOffset(t, "outPlane")} + {PixelName(p)}]");
        }

        private static void WriteGpuInputGradient(SourceWriter w, DdfSpec spec, GpuWindow window)
        {
            int k = spec.KernelSize;
            w.WriteLine($$"""
                /// <summary>
                /// Input gradient by the transposed taps: each thread computes InputPixels adjacent input pixels of a row for
                /// ChannelsPerBlock channels, InputUnroll channels per iteration, with the spatial taps of the upstream pixels it
                /// reads in registers. Grid: (tiles of (H, W), channel blocks, batch).
                /// </summary>
                public static void InputGradient<T>({{GpuView}} gradOutput, {{GpuView}} channelFilter, {{GpuView}} spatialFilter, {{GpuView}} gradInput, {{Runtime}}.DdfGpuLaunch launch)
                    {{GpuConstraint}}
                {
                """);
            w.Indentation++;
            w.WriteLine(PlaneSizes);
            WritePixelsOfThread(w, window.Pixels, "x", "y", "g.Width", "g.Height");
            w.WriteLine("int jy = y + Pad, jx = x + Pad;");
            WriteWindow(w, spec, window, stepInside: MasksThroughWeights(spec, window));
            if (spec.HasSpatial)
            {
                w.WriteLine("// Spatial taps at the upstream pixels each tap reads (zero where it misses), in registers for all channels.");
                w.WriteLine("int sf = b * Taps * outPlane;");
                for (int p = 0; p < window.Pixels; p++)
                {
                    for (int t = 0; t < spec.Taps; t++)
                    {
                        int u = t / k, j = window.ColumnOf[p, t % k];
                        w.WriteLine($"T s{p}_{t} = {Selected(WindowCondition(window, u, j), $"spatialFilter[sf{TapOffset(t, "outPlane")} + row{u} + col{j}]")};");
                    }
                }
            }
            WriteWeightedSums(w, spec, window, "gradOutput", "outPlane", "gradInput", "inPlane", "d");
            w.Indentation--;
            w.WriteLine("}");
        }

        private static void WriteGpuSpatialGradient(SourceWriter w, DdfSpec spec, GpuWindow window)
        {
            bool mul = spec.HasChannel && spec.Combine == CombineMode.Mul;
            w.WriteLine($$"""
                /// <summary>
                /// Spatial-filter gradient: each thread sums, for Pixels adjacent output pixels, every tap's product of upstream
                /// gradient and input{{(mul ? " (times the channel tap)" : "")}} over all channels in order, Unroll channels per iteration, and
                /// writes the result (no partial sums, no cross-thread reduction). Grid: (tiles of (Ho, Wo), 1, batch).
                /// </summary>
                public static void SpatialGradient<T>({{GpuView}} input, {{GpuView}} gradOutput, {{GpuView}} channelFilter, {{GpuView}} spatialFilter,
                    {{GpuView}} gradSpatialFilter, {{Runtime}}.DdfGpuLaunch launch)
                    {{GpuConstraint}}
                {
                """);
            w.Indentation++;
            WriteOutputPixelsAndWindow(w, spec, window, stepInside: false);
            for (int p = 0; p < window.Pixels; p++)
                WriteTapRows(w, spec, t => $"a{p}_{t} = T.Zero");
            w.WriteLine("int cBegin = 0, cEnd = g.Channels;");
            // Taps in the padding read clamped (real) values; their sums are replaced by zero at the end, so that not even
            // an infinite value there reaches the result.
            WriteChannelLoop(w, window, "inPlane", n =>
            {
                WriteWindowLoads(w, spec, window, "input", n, masked: false);
                if (mul)
                    WriteChannelTaps(w, spec, n);
                for (int i = 0; i < n; i++)
                    w.WriteLine("T " + string.Join(", ", Enumerable.Range(0, window.Pixels).Select(p => $"go{i}_{p} = gradOutput[plane{i} * outPlane + {PixelName(p)}]")) + ";");
                for (int i = 0; i < n; i++)
                    for (int p = 0; p < window.Pixels; p++)
                        for (int t = 0; t < spec.Taps; t++)
                            w.WriteLine($"a{p}_{t} += go{i}_{p} * {WindowValue(spec, window, i, p, t)}{(mul ? $" * k{i}_{t}" : "")};");
            });
            w.WriteLine("int sf = b * Taps * outPlane;");
            for (int p = 0; p < window.Pixels; p++)
            {
                var stores = new StringBuilder();
                for (int t = 0; t < spec.Taps; t++)
                    stores.Append(t == 0 ? "" : "\n").Append($"gradSpatialFilter[sf{TapOffset(t, "outPlane")} + {PixelName(p)}] = {Selected(TapCondition(spec, window, p, t), $"a{p}_{t}")};");
                if (p == 0)
                    w.WriteLine(stores.ToString());
                else
                {
                    using (w.OpenBlock($"if (has{p})"))
                        w.WriteLine(stores.ToString());
                }
            }
            w.Indentation--;
            w.WriteLine("}");
        }

        /// <summary>The start of warp-sum slot <paramref name="slot"/>'s index: "", "Warps + ", "{slot} * Warps + ".</summary>
        private static string WarpSumSlot(int slot) => slot switch { 0 => "", 1 => $"{Tiling}.Warps + ", _ => $"{slot} * {Tiling}.Warps + " };

        private static void WriteGpuChannelGradient(SourceWriter w, DdfSpec spec)
        {
            bool mul = spec.HasSpatial && spec.Combine == CombineMode.Mul;
            // Runs of Pixels adjacent pixels where their windows share columns (the loads are this kernel's cost), else one.
            var shared = GpuWindow.Forward(spec, GpuPixels(spec));
            var window = shared.Columns.Length < shared.Pixels * spec.KernelSize ? shared : GpuWindow.Forward(spec, 1);
            int channels = GpuGradientChannels(spec), pixels = window.Pixels;
            w.WriteLine($$"""
                /// <summary>
                /// Stage one of the channel-filter gradient: a block sums, for GradientChannels channels, every tap's product of
                /// upstream gradient and input{{(mul ? " (times the spatial tap)" : "")}} over one of launch.Parts equal parts of the output plane: each thread
                /// over the part's runs of Pixels adjacent pixels of a row it strides through (sharing their window loads), then
                /// warp-shuffle trees and the warps added in order. Writes channelPartials[((b * C + c) * Taps + tap) * Parts + part].
                /// Grid: (parts, channel blocks, batch).
                /// </summary>
                public static void ChannelGradient<T>({{GpuView}} input, {{GpuView}} gradOutput, {{GpuView}} channelFilter, {{GpuView}} spatialFilter,
                    {{GpuView}} channelPartials, {{Runtime}}.DdfGpuLaunch launch)
                    {{GpuConstraint}}
                {
                    var warpSums = {{Ilgpu}}.SharedMemory.Allocate<T>(GradientChannels * Taps * {{Tiling}}.Warps);
                    var g = launch.Geometry;
                    int outW = g.OutWidth, inPlane = (int)g.InPlane, outPlane = (int)g.OutPlane;
                    int b = {{Ilgpu}}.Grid.IdxZ, bc = b * g.Channels, c0 = {{Ilgpu}}.Grid.IdxY * GradientChannels, part = {{Ilgpu}}.Grid.IdxX;
                    int thread = {{Ilgpu}}.Group.IdxY * TileWidth + {{Ilgpu}}.Group.IdxX;
                    {{(pixels == 1 ? "int runs = outPlane;" : "int runsAcross = (outW + Pixels - 1) / Pixels, runs = runsAcross * g.OutHeight;")}}
                    int chunk = (runs + launch.Parts - 1) / launch.Parts, qBegin = part * chunk, qEnd = qBegin + chunk < runs ? qBegin + chunk : runs;
                """);
            w.Indentation++;
            if (channels > 1)
            {
                w.WriteLine("// Channels past the last read the last one (valid addresses); their sums are not written.");
                w.WriteLine("int last = g.Channels - 1;");
            }
            w.WriteLine("int " + string.Join(", ", Enumerable.Range(0, channels).Select(i => i == 0 ? "plane0 = bc + c0" : $"plane{i} = bc + (c0 + {i} < last ? c0 + {i} : last)")) + ";");
            w.WriteLine("int " + string.Join(", ", Enumerable.Range(0, channels).Select(i => $"at{i} = plane{i} * inPlane, out{i} = plane{i} * outPlane")) + ";");
            if (mul)
                w.WriteLine("int sf = b * Taps * outPlane;");
            for (int i = 0; i < channels; i++)
                WriteTapRows(w, spec, t => $"a{i}_{t} = T.Zero");
            using (w.OpenBlock($"for (int run = qBegin + thread; run < qEnd; run += {Tiling}.Threads)"))
            {
                w.WriteLine(pixels == 1
                    ? "int oy = run / outW, ox = run - oy * outW, pixel = run;"
                    : "int oy = run / runsAcross, ox = (run - oy * runsAcross) * Pixels, pixel = oy * outW + ox;");
                WriteOtherPixels(w, pixels, "ox", "outW");
                w.WriteLine("int iy = oy * Stride - Pad, ix = ox * Stride - Pad;");
                WriteWindow(w, spec, window);
                if (mul)
                    WriteSpatialTaps(w, spec, pixels, declareBase: false);
                // Taps in the padding (and pixels past the row's end) read clamped (real) values and add zero instead of their
                // product (selected before the spatial tap multiplies it, so that multiply and the sum fuse).
                WriteWindowLoads(w, spec, window, "input", channels, masked: false);
                for (int i = 0; i < channels; i++)
                    w.WriteLine("T " + string.Join(", ", Enumerable.Range(0, pixels).Select(p => $"go{i}_{p} = gradOutput[out{i} + {PixelName(p)}]")) + ";");
                for (int i = 0; i < channels; i++)
                    for (int p = 0; p < pixels; p++)
                        for (int t = 0; t < spec.Taps; t++)
                        {
                            string condition = string.Join(" & ", new[] { TapCondition(spec, window, p, t), p == 0 ? "" : $"has{p}" }.Where(c => c.Length > 0));
                            w.WriteLine($"a{i}_{t} += {Selected(condition, $"go{i}_{p} * {WindowValue(spec, window, i, p, t)}")}{(mul ? $" * s{p}_{t}" : "")};");
                        }
            }
            // Interleaved shuffle trees over chunks of accumulators (independent chains, no branch between them), then
            // lane 0 stores each chunk's warp sums.
            var sums = Enumerable.Range(0, channels).SelectMany(i => Enumerable.Range(0, spec.Taps).Select(t => (I: i, T: t))).ToArray();
            for (int first = 0; first < sums.Length; first += WarpSumChunk)
            {
                var chunk = sums.Skip(first).Take(WarpSumChunk).ToArray();
                using (w.OpenBlock($"for (int offset = {Ilgpu}.Warp.WarpSize / 2; offset > 0; offset /= 2)"))
                {
                    foreach (var (i, t) in chunk)
                        w.WriteLine($"a{i}_{t} += {Ilgpu}.Warp.ShuffleDown(a{i}_{t}, offset);");
                }
                using (w.OpenBlock($"if ({Ilgpu}.Warp.LaneIdx == 0)"))
                {
                    foreach (var (i, t) in chunk)
                        w.WriteLine($"warpSums[{WarpSumSlot(i * spec.Taps + t)}{Ilgpu}.Warp.WarpIdx] = a{i}_{t};");
                }
            }
            w.WriteLine($$"""
                {{Ilgpu}}.Group.Barrier();
                // The block's sums, warps added in order: one partial per (channel, tap) and part.
                for (int slot = thread; slot < GradientChannels * Taps; slot += {{Tiling}}.Threads)
                {
                    if (c0 + slot / Taps < g.Channels)
                        channelPartials[((bc + c0) * Taps + slot) * launch.Parts + part] = {{Tiling}}.BlockSum(warpSums, slot);
                }
                """);
            w.Indentation--;
            w.WriteLine("}");
        }
    }
}
