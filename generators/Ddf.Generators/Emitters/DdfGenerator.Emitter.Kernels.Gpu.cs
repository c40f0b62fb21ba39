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

            int k = spec.KernelSize, d = spec.Dilation, s = spec.Stride;
            w.WriteLine($$"""
                /// <summary>
                /// GPU (ILGPU) kernels of this layer, specialised at compile time to k = {{k}}, dilation {{d}}, stride {{s}}, {{spec.Branches}}, {{CombineName(spec)}}:
                /// blocks of {{Runtime}}.DdfGpuTiling.Width x Height pixels stage their input tile and halo in shared memory, keep each
                /// pixel's taps in registers across channels, and reduce filter gradients in two fixed-order stages (no atomics).
                /// </summary>
                {{GeneratedCode}}
                internal static class GpuKernels
                {
                    /// <summary>These kernels for float32 and float64, as Ddf.Runtime.DdfGpu runs them.</summary>
                    public static readonly {{Runtime}}.DdfGpuKernelSet Set = new({{k}}, {{d}}, {{s}}, {{branches}}, {{combine}}, {{Runtime}}.DdfGpuLayout.Tiled,
                        new(Forward<float>, InputGradient<float>, FilterGradients<float>),
                        new(Forward<double>, InputGradient<double>, FilterGradients<double>));

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

                    // Upstream-gradient rows and columns read by one tile of inputs (the transposed taps).
                    private const int GradTileHeight = (TileHeight - 1 + (K - 1) * Dilation) / Stride + {{(s == 1 ? 1 : 2)}};
                    private const int GradTileWidth = (TileWidth - 1 + (K - 1) * Dilation) / Stride + {{(s == 1 ? 1 : 2)}};

                """);
            w.Indentation++;
            WriteGpuForward(w, spec);
            w.WriteLine();
            WriteGpuInputGradient(w, spec);
            w.WriteLine();
            WriteGpuFilterGradients(w, spec);
            w.Indentation--;
            w.WriteLine("}");
        }

        private static string GpuView => $"{Ilgpu}.ArrayView<T>";

        /// <summary>The lines every tiled kernel over output pixels starts with: block origin, this thread's pixel, sizes.</summary>
        private static void WriteOutputTile(SourceWriter w) => w.WriteLine($$"""
            var g = launch.Geometry;
            int outH = (g.Height - 1) / Stride + 1, outW = (g.Width - 1) / Stride + 1;
            int tilesAcross = (outW + TileWidth - 1) / TileWidth;
            int ox0 = {{Ilgpu}}.Grid.IdxX % tilesAcross * TileWidth, oy0 = {{Ilgpu}}.Grid.IdxX / tilesAcross * TileHeight;
            int ox = ox0 + {{Ilgpu}}.Group.IdxX, oy = oy0 + {{Ilgpu}}.Group.IdxY, b = {{Ilgpu}}.Grid.IdxZ;
            bool active = ox < outW && oy < outH;
            long inPlane = (long)g.Height * g.Width, outPlane = (long)outH * outW, pixel = (long)oy * outW + ox;
            int at = {{Ilgpu}}.Group.IdxY * Stride * InputTileWidth + {{Ilgpu}}.Group.IdxX * Stride;
            """);

        /// <summary>Declares <c>s0 ... s{k*k-1}</c>: this pixel's spatial taps, zero for inactive threads.</summary>
        private static void WriteSpatialRegisters(SourceWriter w, DdfSpec spec, string condition)
        {
            w.WriteLine("long sf = (long)b * Taps * outPlane + pixel;");
            for (int t = 0; t < spec.Taps; t++)
                w.WriteLine($"T s{t} = {condition} ? spatialFilter[sf{TapOffset(t, "outPlane")}] : T.Zero;");
        }

        /// <summary>Tile offset of tap t relative to <c>at</c> in the staged input tile.</summary>
        private static string InputTapOffset(DdfSpec spec, int t)
        {
            int ky = t / spec.KernelSize, kx = t % spec.KernelSize;
            int rows = ky * spec.Dilation, cols = kx * spec.Dilation;
            var text = new StringBuilder("at");
            if (rows != 0)
                text.Append(rows == 1 ? " + InputTileWidth" : $" + {rows} * InputTileWidth");
            if (cols != 0)
                text.Append($" + {cols}");
            return text.ToString();
        }

        /// <summary>Channel-filter tap t of the current plane (base <c>cf</c>).</summary>
        private static string ChannelTapAt(int t) => t == 0 ? "channelFilter[cf]" : $"channelFilter[cf + {t}]";

        /// <summary>The combined weight of tap t for channel-filter base <c>cf</c> (spatial tap in s{t}).</summary>
        private static string TapWeightExpression(DdfSpec spec, int t) => spec.Branches switch
        {
            BranchesMode.Spatial => $"s{t}",
            BranchesMode.Channel => ChannelTapAt(t),
            _ => spec.Combine == CombineMode.Add ? $"(s{t} + {ChannelTapAt(t)})" : $"(s{t} * {ChannelTapAt(t)})",
        };

        private static void WriteGpuForward(SourceWriter w, DdfSpec spec)
        {
            w.WriteLine($$"""
                /// <summary>
                /// Forward: one thread per output pixel of a {{Runtime}}.DdfGpuTiling.Width x Height tile, for ChannelsPerBlock channels.
                /// Grid: (tiles of (Ho, Wo), channel blocks, batch).
                /// </summary>
                public static void Forward<T>({{GpuView}} input, {{GpuView}} channelFilter, {{GpuView}} spatialFilter, {{GpuView}} output, {{Runtime}}.DdfGpuLaunch launch)
                    {{GpuConstraint}}
                {
                    var tile = {{Ilgpu}}.SharedMemory.Allocate<T>(InputTileHeight * InputTileWidth);
                """);
            w.Indentation++;
            WriteOutputTile(w);
            if (spec.HasSpatial)
            {
                w.WriteLine("// This pixel's spatial taps, kept in registers for all the block's channels.");
                WriteSpatialRegisters(w, spec, "active");
            }
            w.WriteLine($$"""
                int cEnd = ({{Ilgpu}}.Grid.IdxY + 1) * ChannelsPerBlock < g.Channels ? ({{Ilgpu}}.Grid.IdxY + 1) * ChannelsPerBlock : g.Channels;
                for (int c = {{Ilgpu}}.Grid.IdxY * ChannelsPerBlock; c < cEnd; c++)
                {
                    long plane = (long)b * g.Channels + c;
                    {{Ilgpu}}.Group.Barrier();
                    {{Runtime}}.DdfGpuTiling.Stage(tile, input, plane * inPlane, oy0 * Stride - Pad, ox0 * Stride - Pad, InputTileHeight, InputTileWidth, g.Height, g.Width);
                    {{Ilgpu}}.Group.Barrier();
                    if (!active)
                        continue;
                    long cf = plane * Taps;
                    T sum = T.Zero;
                """);
            w.Indentation++;
            for (int t = 0; t < spec.Taps; t++)
                w.WriteLine($"sum += tile[{InputTapOffset(spec, t)}] * {TapWeightExpression(spec, t)};");
            w.WriteLine("output[plane * outPlane + pixel] = sum;");
            w.Indentation--;
            w.WriteLine("}");
            w.Indentation--;
            w.WriteLine("}");
        }

        private static void WriteGpuInputGradient(SourceWriter w, DdfSpec spec)
        {
            int k = spec.KernelSize;
            bool strided = spec.Stride > 1;
            w.WriteLine($$"""
                /// <summary>
                /// Input gradient by the transposed taps: one thread per input pixel of a tile, for ChannelsPerBlock channels; the
                /// upstream-gradient tile those pixels read is staged in shared memory. Grid: (tiles of (H, W), channel blocks, batch).
                /// </summary>
                public static void InputGradient<T>({{GpuView}} gradOutput, {{GpuView}} channelFilter, {{GpuView}} spatialFilter, {{GpuView}} gradInput, {{Runtime}}.DdfGpuLaunch launch)
                    {{GpuConstraint}}
                {
                    var tile = {{Ilgpu}}.SharedMemory.Allocate<T>(GradTileHeight * GradTileWidth);
                    var g = launch.Geometry;
                    int outH = (g.Height - 1) / Stride + 1, outW = (g.Width - 1) / Stride + 1;
                    int tilesAcross = (g.Width + TileWidth - 1) / TileWidth;
                    int x0 = {{Ilgpu}}.Grid.IdxX % tilesAcross * TileWidth, y0 = {{Ilgpu}}.Grid.IdxX / tilesAcross * TileHeight;
                    int x = x0 + {{Ilgpu}}.Group.IdxX, y = y0 + {{Ilgpu}}.Group.IdxY, b = {{Ilgpu}}.Grid.IdxZ;
                    bool active = x < g.Width && y < g.Height;
                    long inPlane = (long)g.Height * g.Width, outPlane = (long)outH * outW;
                    int oyLo = {{Runtime}}.DdfGpuTiling.FloorDiv(y0 + Pad - (K - 1) * Dilation, Stride);
                    int oxLo = {{Runtime}}.DdfGpuTiling.FloorDiv(x0 + Pad - (K - 1) * Dilation, Stride);
                    // Output row (column) that tap row (column) i reads this pixel from, whether one exists, and its tile offset.
                """);
            w.Indentation++;
            for (int i = 0; i < k; i++)
            {
                string ny = $"y{Offset(spec.Padding - i * spec.Dilation)}", nx = $"x{Offset(spec.Padding - i * spec.Dilation)}";
                if (strided)
                {
                    w.WriteLine($"int oy{i} = {Runtime}.DdfGpuTiling.FloorDiv({ny}, Stride), ox{i} = {Runtime}.DdfGpuTiling.FloorDiv({nx}, Stride);");
                    w.WriteLine($"bool hy{i} = oy{i} * Stride == {ny} && (uint)oy{i} < (uint)outH, hx{i} = ox{i} * Stride == {nx} && (uint)ox{i} < (uint)outW;");
                }
                else
                {
                    w.WriteLine($"int oy{i} = {ny}, ox{i} = {nx};");
                    w.WriteLine($"bool hy{i} = (uint)oy{i} < (uint)outH, hx{i} = (uint)ox{i} < (uint)outW;");
                }
                w.WriteLine($"int ry{i} = (oy{i} - oyLo) * GradTileWidth, rx{i} = ox{i} - oxLo;");
            }
            if (spec.HasSpatial)
            {
                w.WriteLine("// Spatial taps at the output pixels this pixel feeds (zero where the taps miss), in registers for all channels.");
                w.WriteLine("long sf = (long)b * Taps * outPlane;");
                for (int t = 0; t < spec.Taps; t++)
                {
                    int ky = t / k, kx = t % k;
                    w.WriteLine($"T s{t} = active && hy{ky} && hx{kx} ? spatialFilter[sf{TapOffset(t, "outPlane")} + (long)oy{ky} * outW + ox{kx}] : T.Zero;");
                }
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
            w.WriteLine($$"""
                int cEnd = ({{Ilgpu}}.Grid.IdxY + 1) * ChannelsPerBlock < g.Channels ? ({{Ilgpu}}.Grid.IdxY + 1) * ChannelsPerBlock : g.Channels;
                for (int c = {{Ilgpu}}.Grid.IdxY * ChannelsPerBlock; c < cEnd; c++)
                {
                    long plane = (long)b * g.Channels + c;
                    {{Ilgpu}}.Group.Barrier();
                    {{Runtime}}.DdfGpuTiling.Stage(tile, gradOutput, plane * outPlane, oyLo, oxLo, GradTileHeight, GradTileWidth, outH, outW);
                    {{Ilgpu}}.Group.Barrier();
                    if (!active)
                        continue;
                    long cf = plane * Taps;
                    T sum = T.Zero;
                """);
            w.Indentation++;
            for (int t = 0; t < spec.Taps; t++)
            {
                string channel = masked ? $"m{t} * {ChannelTapAt(t)}" : ChannelTapAt(t);
                string weight = spec.Branches switch
                {
                    BranchesMode.Spatial => $"s{t}",
                    BranchesMode.Channel => masked ? $"({channel})" : channel,
                    _ => spec.Combine == CombineMode.Add ? $"(s{t} + {channel})" : $"(s{t} * {ChannelTapAt(t)})",
                };
                w.WriteLine($"sum += tile[ry{t / k} + rx{t % k}] * {weight};");
            }
            w.WriteLine("gradInput[plane * inPlane + (long)y * g.Width + x] = sum;");
            w.Indentation--;
            w.WriteLine("}");
            w.Indentation--;
            w.WriteLine("}");
        }

        private static void WriteGpuFilterGradients(SourceWriter w, DdfSpec spec)
        {
            bool mul = spec.HasChannel && spec.HasSpatial && spec.Combine == CombineMode.Mul;
            w.WriteLine($$"""
                /// <summary>
                /// Stage one of both filter gradients, fused: one thread per output pixel of a tile, for one channel group
                /// (launch.ChannelsPerGroup channels). Per channel, each tap's product of upstream gradient and input feeds the
                /// spatial-filter gradient (a register sum over the group's channels, written per group) and the channel-filter
                /// gradient (a fixed-order block sum over the tile's pixels, written per tile). Grid: (tiles of (Ho, Wo), groups, batch).
                /// </summary>
                public static void FilterGradients<T>({{GpuView}} input, {{GpuView}} gradOutput, {{GpuView}} channelFilter, {{GpuView}} spatialFilter,
                    {{GpuView}} spatialPartials, {{GpuView}} channelPartials, {{Runtime}}.DdfGpuLaunch launch)
                    {{GpuConstraint}}
                {
                    var tile = {{Ilgpu}}.SharedMemory.Allocate<T>(InputTileHeight * InputTileWidth);
                """);
            w.Indentation++;
            if (spec.HasChannel)
                w.WriteLine($"var warpSums = {Ilgpu}.SharedMemory.Allocate<T>(Taps * {Runtime}.DdfGpuTiling.Warps);");
            WriteOutputTile(w);
            if (spec.HasChannel)
                w.WriteLine("bool wantChannel = launch.WantChannelGradient != 0;");
            if (mul)
            {
                w.WriteLine("// This pixel's spatial taps (the channel gradient's weights), in registers for all the group's channels.");
                WriteSpatialRegisters(w, spec, "active && wantChannel");
            }
            if (spec.HasSpatial)
            {
                var sums = new StringBuilder("T ");
                for (int t = 0; t < spec.Taps; t++)
                    sums.Append(t == 0 ? "" : ", ").Append($"a{t} = T.Zero");
                w.WriteLine("// Spatial-filter gradient of each tap at this pixel, summed over the group's channels.");
                w.WriteLine(sums.Append(';').ToString());
            }
            w.WriteLine($$"""
                int cBegin = {{Ilgpu}}.Grid.IdxY * launch.ChannelsPerGroup;
                int cEnd = cBegin + launch.ChannelsPerGroup < g.Channels ? cBegin + launch.ChannelsPerGroup : g.Channels;
                for (int c = cBegin; c < cEnd; c++)
                {
                    long plane = (long)b * g.Channels + c;
                    {{Ilgpu}}.Group.Barrier();
                    {{Runtime}}.DdfGpuTiling.Stage(tile, input, plane * inPlane, oy0 * Stride - Pad, ox0 * Stride - Pad, InputTileHeight, InputTileWidth, g.Height, g.Width);
                    {{Ilgpu}}.Group.Barrier();
                    T go = active ? gradOutput[plane * outPlane + pixel] : T.Zero;
                    long cf = plane * Taps;
                    T p;
                """);
            w.Indentation++;
            for (int t = 0; t < spec.Taps; t++)
            {
                w.WriteLine($"p = go * tile[{InputTapOffset(spec, t)}];");
                if (spec.HasSpatial)
                    w.WriteLine(mul ? $"a{t} += p * {ChannelTapAt(t)};" : $"a{t} += p;");
                if (spec.HasChannel)
                {
                    w.WriteLine("if (wantChannel)");
                    w.WriteLine($"    {Runtime}.DdfGpuTiling.WarpSum({(mul ? $"p * s{t}" : "p")}, warpSums, {t});");
                }
            }
            if (spec.HasChannel)
            {
                w.WriteLine($$"""
                    if (wantChannel)
                    {
                        {{Ilgpu}}.Group.Barrier();
                        int lane = {{Ilgpu}}.Group.IdxY * TileWidth + {{Ilgpu}}.Group.IdxX;
                        if (lane < Taps)
                            channelPartials[(cf + lane) * launch.Tiles + {{Ilgpu}}.Grid.IdxX] = {{Runtime}}.DdfGpuTiling.BlockSum(warpSums, lane);
                    }
                    """);
            }
            w.Indentation--;
            w.WriteLine("}");
            if (spec.HasSpatial)
            {
                w.WriteLine($$"""
                    if (active && launch.WantSpatialGradient != 0)
                    {
                        long partial = ((long)b * launch.ChannelGroups + {{Ilgpu}}.Grid.IdxY) * Taps * outPlane + pixel;
                    """);
                w.Indentation++;
                for (int t = 0; t < spec.Taps; t++)
                    w.WriteLine($"spatialPartials[partial{TapOffset(t, "outPlane")}] = a{t};");
                w.Indentation--;
                w.WriteLine("}");
            }
            w.Indentation--;
            w.WriteLine("}");
        }
    }
}
