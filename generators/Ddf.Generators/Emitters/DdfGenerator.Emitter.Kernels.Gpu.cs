using System;
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
        private const string GpuConstraint = "where T : unmanaged, global::System.Numerics.INumber<T>";

        /// <summary>The largest kernel size whose GPU kernels are emitted with unrolled taps (k*k values per thread live in registers).</summary>
        private const int UnrolledGpuKernelSize = 7;

        /// <summary>
        /// ILGPU kernels with the spec's constants baked in and its taps unrolled: explicitly grouped blocks of
        /// 32 x 8 pixels, the input (or upstream-gradient) tile with its halo staged in shared memory between
        /// paired barriers, per-pixel taps in registers, and deterministic two-stage filter-gradient reductions.
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

            int k = spec.KernelSize, d = spec.Dilation, s = spec.Stride, rows = GpuRowsPerThread(spec);
            w.WriteLine($$"""
                /// <summary>
                /// GPU (ILGPU) kernels of this layer, specialised at compile time to k = {{k}}, dilation {{d}}, stride {{s}}, {{spec.Branches}}, {{CombineName(spec)}}:
                /// blocks of 32 x 8 threads stage their input tile and halo in shared memory, keep each pixel's taps in registers
                /// across channels, and reduce filter gradients in two fixed-order stages (no atomics).
                /// </summary>
                {{GeneratedCode}}
                internal static class GpuKernels
                {
                    /// <summary>These kernels for float32 and float64, as Ddf.Runtime.DdfGpu runs them.</summary>
                    public static readonly {{Runtime}}.DdfGpuKernelSet Set = new({{k}}, {{d}}, {{s}}, {{branches}}, {{combine}}, {{Runtime}}.DdfGpuLayout.Tiled,
                        new(Forward<float>, InputGradient<float>, FilterGradients<float>),
                        new(Forward<double>, InputGradient<double>, FilterGradients<double>), FilterRows);

                    private const int K = {{k}};
                    private const int Dilation = {{d}};
                    private const int Stride = {{s}};
                    private const int Pad = {{spec.Padding}};
                    private const int Taps = {{spec.Taps}};

                    private const int TileWidth = {{Runtime}}.DdfGpuTiling.Width;
                    private const int TileHeight = {{Runtime}}.DdfGpuTiling.Height;
                    private const int ChannelsPerBlock = {{Runtime}}.DdfGpuTiling.ChannelsPerBlock;

                    // Input rows and columns read by one tile of outputs.
                    private const int InputTileHeight = (TileHeight - 1) * Stride + (K - 1) * Dilation + 1;
                    private const int InputTileWidth = (TileWidth - 1) * Stride + (K - 1) * Dilation + 1;
                    private const int InputTile = InputTileHeight * InputTileWidth;

                    // Upstream-gradient rows and columns read by one tile of inputs (the transposed taps).
                    private const int GradTileHeight = (TileHeight - 1 + (K - 1) * Dilation) / Stride + {{(s == 1 ? 1 : 2)}};
                    private const int GradTileWidth = (TileWidth - 1 + (K - 1) * Dilation) / Stride + {{(s == 1 ? 1 : 2)}};
                    private const int GradTile = GradTileHeight * GradTileWidth;

                    // The filter-gradient kernel gives each thread FilterRows pixel rows: their products share the channel-filter
                    // loads and one warp sum per tap (measured faster there; one row is faster for forward and input gradient).
                    private const int FilterRows = {{rows}};
                    private const int FilterTileHeight = TileHeight * FilterRows;
                    private const int FilterInputTileHeight = (FilterTileHeight - 1) * Stride + (K - 1) * Dilation + 1;
                    private const int FilterInputTile = FilterInputTileHeight * InputTileWidth;

                    // Channels staged between one pair of barriers (1 to 4, within the runtime's shared-memory budget), so
                    // every thread has several loads in flight.
                    private const int InputBudget = {{Runtime}}.DdfGpuTiling.StagedElements / InputTile;
                    private const int StagedChannels = InputBudget >= 4 ? 4 : InputBudget > 1 ? InputBudget : 1;
                    private const int GradBudget = {{Runtime}}.DdfGpuTiling.StagedElements / GradTile;
                    private const int StagedGradChannels = GradBudget >= 4 ? 4 : GradBudget > 1 ? GradBudget : 1;
                    private const int FilterBudget = {{Runtime}}.DdfGpuTiling.StagedElements / FilterInputTile;
                    private const int StagedFilterChannels = FilterBudget >= 4 ? 4 : FilterBudget > 1 ? FilterBudget : 1;

                    // Channels whose warp sums wait in shared memory before the block adds them (one barrier per window,
                    // not per staged batch): a multiple of StagedFilterChannels within the same element budget.
                    private const int WindowBudget = {{Runtime}}.DdfGpuTiling.StagedElements / (Taps * {{Runtime}}.DdfGpuTiling.Warps);
                    private const int WindowChannels = WindowBudget >= StagedFilterChannels ? WindowBudget / StagedFilterChannels * StagedFilterChannels : StagedFilterChannels;

                """);
            w.Indentation++;
            WriteGpuForward(w, spec);
            w.WriteLine();
            WriteGpuInputGradient(w, spec);
            w.WriteLine();
            WriteGpuFilterGradients(w, spec, rows);
            w.Indentation--;
            w.WriteLine("}");
        }

        /// <summary>Taps whose warp sums run interleaved (bounds the registers of the chains for k = 5 and 7).</summary>
        private const int WarpSumChunk = 12;

        /// <summary>
        /// Filter-gradient pixel rows per thread, as measured fastest on an H200 (docs/performance.md): 4 for k = 3 at
        /// stride 1, 2 for k = 3 at larger strides (a taller strided tile stages fewer channels) and for k = 5, else 1.
        /// </summary>
        private static int GpuRowsPerThread(DdfSpec spec) => spec.Taps <= 9 ? (spec.Stride == 1 ? 4 : 2) : spec.Taps <= 25 ? 2 : 1;

        private static string GpuView => $"{Ilgpu}.ArrayView<T>";

        /// <summary>
        /// The lines every tiled kernel over output pixels starts with: block origin, this thread's first pixel, which of
        /// its rows are inside the output (<c>active{r}</c>), sizes, and its offset in a staged input tile. The forward
        /// has one row per thread; the filter-gradient kernel <paramref name="filterRows"/> (its FilterRows).
        /// </summary>
        private static void WriteOutputTile(SourceWriter w, int filterRows = 0)
        {
            int rows = Math.Max(1, filterRows);
            string tileHeight = filterRows > 0 ? "FilterTileHeight" : "TileHeight", perThread = filterRows > 0 ? " * FilterRows" : "";
            w.WriteLine($$"""
                var g = launch.Geometry;
                int outH = (g.Height - 1) / Stride + 1, outW = (g.Width - 1) / Stride + 1;
                int tilesAcross = (outW + TileWidth - 1) / TileWidth;
                int ox0 = {{Ilgpu}}.Grid.IdxX % tilesAcross * TileWidth, oy0 = {{Ilgpu}}.Grid.IdxX / tilesAcross * {{tileHeight}};
                int ox = ox0 + {{Ilgpu}}.Group.IdxX, oy = oy0 + {{Ilgpu}}.Group.IdxY{{perThread}}, b = {{Ilgpu}}.Grid.IdxZ;
                long inPlane = (long)g.Height * g.Width, outPlane = (long)outH * outW, pixel = (long)oy * outW + ox;
                int origin = {{Ilgpu}}.Group.IdxY{{perThread}} * Stride * InputTileWidth + {{Ilgpu}}.Group.IdxX * Stride;
                """);
            WriteActiveRows(w, rows, "ox < outW", "oy", "outH");
        }

        /// <summary>Declares <c>active0 ... active{rows-1}</c>: whether row r of this thread is inside the plane.</summary>
        private static void WriteActiveRows(SourceWriter w, int rows, string column, string row, string height)
        {
            var line = new StringBuilder("bool ");
            for (int r = 0; r < rows; r++)
                line.Append(r == 0 ? "" : ", ").Append($"active{r} = {column} && {row}{Offset(r)} < {height}");
            w.WriteLine(line.Append(';').ToString());
        }

        /// <summary>Declares <c>s{r}_{t}</c>: the spatial taps of this thread's pixels, zero outside the output or unless <paramref name="condition"/>.</summary>
        private static void WriteSpatialRegisters(SourceWriter w, DdfSpec spec, int rows, string condition = "")
        {
            w.WriteLine("long sf = (long)b * Taps * outPlane + pixel;");
            for (int r = 0; r < rows; r++)
            {
                for (int t = 0; t < spec.Taps; t++)
                {
                    string at = $"sf{TapOffset(t, "outPlane")}{(r == 0 ? "" : r == 1 ? " + outW" : $" + {r} * outW")}";
                    w.WriteLine($"T s{r}_{t} = active{r}{condition} ? spatialFilter[{at}] : T.Zero;");
                }
            }
        }

        /// <summary>Index of tap t for row r of this thread in the staged input tile (<c>at</c> is this thread's place).</summary>
        private static string InputTapOffset(DdfSpec spec, int t, int r)
        {
            int rowsDown = r * spec.Stride + t / spec.KernelSize * spec.Dilation, cols = t % spec.KernelSize * spec.Dilation;
            string row = rowsDown == 0 ? "" : rowsDown == 1 ? " + InputTileWidth" : $" + {rowsDown} * InputTileWidth";
            return $"at{row}{(cols == 0 ? "" : $" + {cols}")}";
        }

        /// <summary>Loads channel-filter tap t of the current plane into <c>c</c> when the weights need it.</summary>
        private static void WriteChannelTap(SourceWriter w, DdfSpec spec, int t)
        {
            if (spec.HasChannel)
                w.WriteLine(t == 0 ? "c = channelFilter[cf];" : $"c = channelFilter[cf + {t}];");
        }

        /// <summary>The combined weight of a tap from spatial register <paramref name="spatial"/> and channel tap <c>c</c>.</summary>
        private static string TapWeight(DdfSpec spec, string spatial, string channel = "c") => spec.Branches switch
        {
            BranchesMode.Spatial => spatial,
            BranchesMode.Channel => channel,
            _ => spec.Combine == CombineMode.Add ? $"({spatial} + {channel})" : $"({spatial} * {channel})",
        };

        /// <summary>Declares one T local per row: <c>{name}0 = T.Zero, ...</c>.</summary>
        private static string RowLocals(string name, int rows, Func<int, string>? initial = null)
        {
            var line = new StringBuilder("T ");
            for (int r = 0; r < rows; r++)
                line.Append(r == 0 ? "" : ", ").Append($"{name}{r} = {(initial is null ? "T.Zero" : initial(r))}");
            return line.Append(';').ToString();
        }

        private static void WriteGpuForward(SourceWriter w, DdfSpec spec)
        {
            w.WriteLine($$"""
                /// <summary>
                /// Forward: one thread per output pixel of a TileWidth x TileHeight tile, for ChannelsPerBlock channels.
                /// Grid: (tiles of (Ho, Wo), channel blocks, batch).
                /// </summary>
                public static void Forward<T>({{GpuView}} input, {{GpuView}} channelFilter, {{GpuView}} spatialFilter, {{GpuView}} output, {{Runtime}}.DdfGpuLaunch launch)
                    {{GpuConstraint}}
                {
                    var tile = {{Ilgpu}}.SharedMemory.Allocate<T>(StagedChannels * InputTile);
                """);
            w.Indentation++;
            WriteOutputTile(w);
            if (spec.HasSpatial)
            {
                w.WriteLine("// This thread's spatial taps, kept in registers for all the block's channels.");
                WriteSpatialRegisters(w, spec, rows: 1);
            }
            WriteStagedChannelLoop(w, "ChannelsPerBlock", "StagedChannels", "InputTile",
                $"{Runtime}.DdfGpuTiling.Stage(tile, input, first * inPlane, staged, oy0 * Stride - Pad, ox0 * Stride - Pad, InputTileHeight, InputTileWidth, g.Height, g.Width);");
            w.Indentation += 2;
            w.WriteLine("T sum = T.Zero;");
            if (spec.HasChannel)
                w.WriteLine("T c;");
            for (int t = 0; t < spec.Taps; t++)
            {
                WriteChannelTap(w, spec, t);
                w.WriteLine($"sum += tile[{InputTapOffset(spec, t, 0)}] * {TapWeight(spec, $"s0_{t}")};");
            }
            w.WriteLine("output[plane * outPlane + pixel] = sum;");
            CloseStagedChannelLoop(w);
            w.Indentation--;
            w.WriteLine("}");
        }

        /// <summary>
        /// The channel loop of the tiled kernels: per batch of <paramref name="batch"/> channels, a barrier, the staging
        /// call <paramref name="stage"/> (which reads <c>first</c> and <c>staged</c>), a barrier, then (threads with an
        /// active first row, unless <paramref name="activeOnly"/> is false) a loop over the staged channels with
        /// <c>plane</c>, <c>cf</c> (the channel's first filter tap) and <c>at</c> (this thread's <paramref name="origin"/> in
        /// the channel's tile) set. The caller writes the per-channel body and closes with <see cref="CloseStagedChannelLoop"/>.
        /// </summary>
        private static void WriteStagedChannelLoop(SourceWriter w, string perBlock, string batch, string tileSize, string stage, string origin = "origin ", bool activeOnly = true, string beforeLoop = "")
        {
            w.WriteLine($$"""
                int cBegin = {{Ilgpu}}.Grid.IdxY * {{perBlock}};
                int cEnd = cBegin + {{perBlock}} < g.Channels ? cBegin + {{perBlock}} : g.Channels;{{(beforeLoop.Length > 0 ? "\n" + beforeLoop : "")}}
                for (int c0 = cBegin; c0 < cEnd; c0 += {{batch}})
                {
                    int staged = cEnd - c0 < {{batch}} ? cEnd - c0 : {{batch}};
                    long first = (long)b * g.Channels + c0;
                    {{Ilgpu}}.Group.Barrier();
                    {{stage}}
                    {{Ilgpu}}.Group.Barrier();{{(activeOnly ? "\n    if (!active0)\n        continue;" : "")}}
                    for (int j = 0; j < staged; j++)
                    {
                        long plane = first + j, cf = plane * Taps;
                        int at = {{(origin.Length > 0 ? origin + "+ " : "")}}j * {{tileSize}};
                """);
        }

        /// <summary>Closes the loops of <see cref="WriteStagedChannelLoop"/>, writing <paramref name="afterBatch"/> after each batch of channels.</summary>
        private static void CloseStagedChannelLoop(SourceWriter w, string afterBatch = "")
        {
            w.Indentation -= 1;
            w.WriteLine("}");
            if (afterBatch.Length > 0)
                w.WriteLine(afterBatch);
            w.Indentation -= 1;
            w.WriteLine("}");
        }

        private static void WriteGpuInputGradient(SourceWriter w, DdfSpec spec)
        {
            int k = spec.KernelSize;
            bool strided = spec.Stride > 1;
            w.WriteLine($$"""
                /// <summary>
                /// Input gradient by the transposed taps: one thread per input pixel of a tile, for ChannelsPerBlock channels; the
                /// upstream-gradient tile those pixels read is staged in shared memory.
                /// Grid: (tiles of (H, W), channel blocks, batch).
                /// </summary>
                public static void InputGradient<T>({{GpuView}} gradOutput, {{GpuView}} channelFilter, {{GpuView}} spatialFilter, {{GpuView}} gradInput, {{Runtime}}.DdfGpuLaunch launch)
                    {{GpuConstraint}}
                {
                    var tile = {{Ilgpu}}.SharedMemory.Allocate<T>(StagedGradChannels * GradTile);
                    var g = launch.Geometry;
                    int outH = (g.Height - 1) / Stride + 1, outW = (g.Width - 1) / Stride + 1;
                    int tilesAcross = (g.Width + TileWidth - 1) / TileWidth;
                    int x0 = {{Ilgpu}}.Grid.IdxX % tilesAcross * TileWidth, y0 = {{Ilgpu}}.Grid.IdxX / tilesAcross * TileHeight;
                    int x = x0 + {{Ilgpu}}.Group.IdxX, y = y0 + {{Ilgpu}}.Group.IdxY, b = {{Ilgpu}}.Grid.IdxZ;
                    long inPlane = (long)g.Height * g.Width, outPlane = (long)outH * outW;
                    int oyLo = {{Runtime}}.DdfGpuTiling.FloorDiv(y0 + Pad - (K - 1) * Dilation, Stride);
                    int oxLo = {{Runtime}}.DdfGpuTiling.FloorDiv(x0 + Pad - (K - 1) * Dilation, Stride);
                """);
            w.Indentation++;
            WriteActiveRows(w, 1, "x < g.Width", "y", "g.Height");
            w.WriteLine("// Output row (column) that tap row u (column v) reads, whether the stride hits one, and its tile offset.");
            for (int u = 0; u < k; u++)
                WriteTransposedTap(w, spec, $"y{Offset(spec.Padding - u * spec.Dilation)}", $"oy{u}", $"hy{u}", $"ry{u}", "outH", "oyLo", " * GradTileWidth");
            for (int v = 0; v < k; v++)
                WriteTransposedTap(w, spec, $"x{Offset(spec.Padding - v * spec.Dilation)}", $"ox{v}", $"hx{v}", $"rx{v}", "outW", "oxLo", "");
            if (spec.HasSpatial)
            {
                w.WriteLine("// Spatial taps at the output pixels this pixel feeds (zero where the taps miss), in registers for all channels.");
                w.WriteLine("long sf = (long)b * Taps * outPlane;");
                for (int t = 0; t < spec.Taps; t++)
                    w.WriteLine($"T s{t} = active0 && hy{t / k} && hx{t % k} ? spatialFilter[sf{TapOffset(t, "outPlane")} + (long)oy{t / k} * outW + ox{t % k}] : T.Zero;");
            }
            // With stride 1 the zero-filled tile already zeroes taps that miss the output; with a stride, taps whose
            // offset the stride skips still point into the tile, so channel-filter terms not multiplied by a
            // (zeroed) spatial tap get a 0/1 mask.
            bool masked = strided && spec.HasChannel && !(spec.HasSpatial && spec.Combine == CombineMode.Mul);
            if (masked)
            {
                w.WriteLine("// 1 where tap t reads an output pixel, 0 where the stride skips it.");
                for (int t = 0; t < spec.Taps; t++)
                    w.WriteLine($"T m{t} = hy{t / k} && hx{t % k} ? T.One : T.Zero;");
            }
            WriteStagedChannelLoop(w, "ChannelsPerBlock", "StagedGradChannels", "GradTile",
                $"{Runtime}.DdfGpuTiling.Stage(tile, gradOutput, first * outPlane, staged, oyLo, oxLo, GradTileHeight, GradTileWidth, outH, outW);",
                origin: "");
            w.Indentation += 2;
            w.WriteLine("T sum = T.Zero;");
            if (spec.HasChannel)
                w.WriteLine("T c;");
            for (int t = 0; t < spec.Taps; t++)
            {
                WriteChannelTap(w, spec, t);
                string weight = TapWeight(spec, $"s{t}", masked ? $"m{t} * c" : "c");
                if (spec.Branches == BranchesMode.Channel && masked)
                    weight = $"({weight})";
                w.WriteLine($"sum += tile[at + ry{t / k} + rx{t % k}] * {weight};");
            }
            w.WriteLine("gradInput[plane * inPlane + (long)y * g.Width + x] = sum;");
            CloseStagedChannelLoop(w);
            w.Indentation--;
            w.WriteLine("}");
        }

        /// <summary>
        /// For the input coordinate expression <paramref name="numerator"/> (pixel + padding - tap offset): the output
        /// coordinate, whether it exists (the stride hits it and it is inside), and its offset in the staged tile.
        /// </summary>
        private static void WriteTransposedTap(SourceWriter w, DdfSpec spec, string numerator, string o, string hit, string offset, string size, string low, string scale)
        {
            if (spec.Stride > 1)
            {
                w.WriteLine($"int {o} = {Runtime}.DdfGpuTiling.FloorDiv({numerator}, Stride);");
                w.WriteLine($"bool {hit} = {o} * Stride == {numerator} && (uint){o} < (uint){size};");
            }
            else
            {
                w.WriteLine($"int {o} = {numerator};");
                w.WriteLine($"bool {hit} = (uint){o} < (uint){size};");
            }
            w.WriteLine($"int {offset} = ({o} - {low}){scale};");
        }

        private static void WriteGpuFilterGradients(SourceWriter w, DdfSpec spec, int rows)
        {
            bool mul = spec.HasChannel && spec.HasSpatial && spec.Combine == CombineMode.Mul;
            w.WriteLine($$"""
                /// <summary>
                /// Stage one of both filter gradients, fused: each thread takes FilterRows output pixels of a column of a tile, for one
                /// channel group (launch.ChannelsPerGroup channels, staged StagedFilterChannels at a time). Per channel, each tap's
                /// product of upstream gradient and input feeds the spatial-filter gradient (a register sum over the group's
                /// channels, written per group) and the channel-filter gradient (a fixed-order block sum over the tile's pixels,
                /// written per tile, after each window of WindowChannels channels). Grid: (tiles of (Ho, Wo), groups, batch).
                /// </summary>
                public static void FilterGradients<T>({{GpuView}} input, {{GpuView}} gradOutput, {{GpuView}} channelFilter, {{GpuView}} spatialFilter,
                    {{GpuView}} spatialPartials, {{GpuView}} channelPartials, {{Runtime}}.DdfGpuLaunch launch)
                    {{GpuConstraint}}
                {
                    var tile = {{Ilgpu}}.SharedMemory.Allocate<T>(StagedFilterChannels * FilterInputTile);
                """);
            w.Indentation++;
            if (spec.HasChannel)
                w.WriteLine($"var warpSums = {Ilgpu}.SharedMemory.Allocate<T>(WindowChannels * Taps * {Runtime}.DdfGpuTiling.Warps);");
            WriteOutputTile(w, filterRows: rows);
            if (spec.HasChannel)
                w.WriteLine("bool wantChannel = launch.WantChannelGradient != 0;");
            if (mul)
            {
                w.WriteLine("// This thread's spatial taps (the channel gradient's weights), in registers for all the group's channels.");
                WriteSpatialRegisters(w, spec, rows, " && wantChannel");
            }
            if (spec.HasSpatial)
            {
                w.WriteLine("// Spatial-filter gradient of each tap at this thread's pixels, summed over the group's channels.");
                for (int r = 0; r < rows; r++)
                {
                    var sums = new StringBuilder("T ");
                    for (int t = 0; t < spec.Taps; t++)
                        sums.Append(t == 0 ? "" : ", ").Append($"a{r}_{t} = T.Zero");
                    w.WriteLine(sums.Append(';').ToString());
                }
            }
            // Every thread takes part (inactive ones with a zero gradient): the warp sums need whole warps.
            WriteStagedChannelLoop(w, "launch.ChannelsPerGroup", "StagedFilterChannels", "FilterInputTile",
                $"{Runtime}.DdfGpuTiling.Stage(tile, input, first * inPlane, staged, oy0 * Stride - Pad, ox0 * Stride - Pad, FilterInputTileHeight, InputTileWidth, g.Height, g.Width);",
                activeOnly: false, beforeLoop: spec.HasChannel ? "int window = cBegin;" : "");
            w.Indentation += 2;
            if (spec.HasChannel)
                w.WriteLine("int windowed = c0 - window + j;");
            w.WriteLine(RowLocals("go", rows, r => $"active{r} ? gradOutput[plane * outPlane + pixel{(r == 0 ? "" : r == 1 ? " + outW" : $" + {r} * outW")}] : T.Zero"));
            w.WriteLine(RowLocals("p", rows));
            if (mul)
                w.WriteLine("T c;");
            // Taps in chunks: each chunk's channel-gradient products are summed over the warp by interleaved shuffle trees
            // (independent chains, no branch between them), then lane 0 stores the chunk's warp sums.
            for (int t0 = 0; t0 < spec.Taps; t0 += WarpSumChunk)
            {
                int t1 = Math.Min(spec.Taps, t0 + WarpSumChunk);
                for (int t = t0; t < t1; t++)
                {
                    if (mul)
                        WriteChannelTap(w, spec, t);
                    for (int r = 0; r < rows; r++)
                    {
                        w.WriteLine($"p{r} = go{r} * tile[{InputTapOffset(spec, t, r)}];");
                        if (spec.HasSpatial)
                            w.WriteLine(mul ? $"a{r}_{t} += p{r} * c;" : $"a{r}_{t} += p{r};");
                    }
                    if (spec.HasChannel)
                        w.WriteLine($"T q{t} = {string.Join(" + ", Enumerable.Range(0, rows).Select(r => mul ? $"p{r} * s{r}_{t}" : $"p{r}"))};");
                }
                if (!spec.HasChannel)
                    continue;
                w.WriteLine($"for (int offset = {Ilgpu}.Warp.WarpSize / 2; offset > 0; offset /= 2)");
                using (w.OpenBlock(""))
                {
                    for (int t = t0; t < t1; t++)
                        w.WriteLine($"q{t} += {Ilgpu}.Warp.ShuffleDown(q{t}, offset);");
                }
                w.WriteLine($"if ({Ilgpu}.Warp.LaneIdx == 0)");
                using (w.OpenBlock(""))
                {
                    for (int t = t0; t < t1; t++)
                        w.WriteLine($"warpSums[(windowed * Taps + {t}) * {Runtime}.DdfGpuTiling.Warps + {Ilgpu}.Warp.WarpIdx] = q{t};");
                }
            }
            CloseStagedChannelLoop(w, !spec.HasChannel ? "" : $$"""
                if (c0 + staged - window == WindowChannels || c0 + staged == cEnd)
                {
                    // The block's sums of the window's channels, warps added in order: one partial per (channel, tap) and tile.
                    {{Ilgpu}}.Group.Barrier();
                    if (wantChannel)
                    {
                        for (int slot = {{Ilgpu}}.Group.IdxY * TileWidth + {{Ilgpu}}.Group.IdxX; slot < (c0 + staged - window) * Taps; slot += {{Runtime}}.DdfGpuTiling.Threads)
                            channelPartials[(((long)b * g.Channels + window) * Taps + slot) * launch.Tiles + {{Ilgpu}}.Grid.IdxX] = {{Runtime}}.DdfGpuTiling.BlockSum(warpSums, slot);
                    }
                    window = c0 + staged;
                }
                """);
            if (spec.HasSpatial)
            {
                w.WriteLine($$"""
                    if (launch.WantSpatialGradient != 0)
                    {
                        long partial = ((long)b * launch.ChannelGroups + {{Ilgpu}}.Grid.IdxY) * Taps * outPlane + pixel;
                    """);
                w.Indentation++;
                for (int r = 0; r < rows; r++)
                {
                    w.WriteLine($"if (active{r})");
                    using (w.OpenBlock(""))
                    {
                        for (int t = 0; t < spec.Taps; t++)
                            w.WriteLine($"spatialPartials[partial{TapOffset(t, "outPlane")}{(r == 0 ? "" : r == 1 ? " + outW" : $" + {r} * outW")}] = a{r}_{t};");
                    }
                }
                w.Indentation--;
                w.WriteLine("}");
            }
            w.Indentation--;
            w.WriteLine("}");
        }
    }
}
