using System.Linq;
using Ddf.Generators.Helpers;
using Ddf.Generators.Model;
using static Ddf.Generators.KnownTypes;
using static Ddf.Generators.GpuKernelParts;
using static Ddf.Generators.SpecText;

namespace Ddf.Generators;

/// <summary>
/// The forward of stride-1 specs whose padding a neighbour's run covers (<see cref="GpuKernelPlan.QuadForward"/>): each
/// thread computes a run of 4 adjacent output pixels; per channel and window row it loads its own run of 4 input values
/// (one 16-byte load in <c>AlignedForward</c>, 4 element loads in <c>Forward</c>) and takes the Pad values on either
/// side from the neighbouring lanes by warp shuffles; only the warp's first and last lanes load those themselves.
/// Values outside the plane are zeroed where they are loaded (AND with bit masks), so the weights need no masks.
/// </summary>
internal static class GpuQuadForwardWriter
{
    /// <summary>Output pixels per thread (one <c>GpuQuad</c>).</summary>
    public const int Pixels = 4;

    /// <summary>The legend lines of the names only these kernels declare (after <see cref="GpuKernelWriter.Legend"/>).</summary>
    public const string Legend = """
        // Forward (runs of 4 pixels per thread, window edges from the neighbouring lanes):
        //   lane, has{p}             the thread's lane; whether pixel p of its run is inside the row (pixel{p}: clamped)
        //   col{p}, col              window columns of the run (clamped); aligned: the first column of the run's 16-byte load
        //   left{j}, right{j}        columns the warp's first / last lane loads itself (clamped)
        //   mhas{p}, my{u}           bit masks, all ones where pixel p is inside the row / window row u inside the plane (ml{j}, mr{j}: left{j},
        //                            right{j}); values outside are zeroed by AND (TBits.Keep: ~20 conditions do not fit the predicate registers)
        //   r{i}_{u}                 the 16-byte run of channel i in window row u
        """;

    /// <summary>Writes <c>Forward</c> (element loads) and <c>AlignedForward</c> (16-byte loads and stores).</summary>
    internal static void Write(SourceWriter w, DdfSpec spec, GpuPass pass)
    {
        WriteKernel(w, spec, pass, aligned: false);
        w.WriteLine();
        WriteKernel(w, spec, pass, aligned: true);
    }

    private static void WriteKernel(SourceWriter w, DdfSpec spec, GpuPass pass, bool aligned)
    {
        var window = pass.Window;
        int k = spec.KernelSize, pad = spec.Padding;
        string name = aligned ? "AlignedForward" : "Forward";
        string loads = aligned
            ? "one 16-byte load per window row (input and output start 16-byte aligned, rows a multiple of 4 wide) and one\n/// 16-byte store per channel"
            : "four element loads per window row";
        w.WriteLine($$"""
            /// <summary>
            /// Forward{{(aligned ? " with 16-byte loads" : "")}}: each thread computes ForwardPixels adjacent output pixels of a row for ChannelsPerBlock channels,
            /// ForwardUnroll channels per iteration, with {{loads}}; the Pad columns on either side of its run come from the
            /// neighbouring lanes by warp shuffles. Grid: (tiles of (Ho, Wo), channel blocks, batch).
            /// </summary>
            public static void {{name}}<T, TBits>({{GpuView}} input, {{GpuView}} channelFilter, {{GpuView}} spatialFilter, {{GpuView}} output, {{Runtime}}.DdfGpuLaunch launch)
                {{GpuConstraint}}
                where TBits : struct, {{Runtime}}.IDdfGpuBits<T>
            """);
        using (w.OpenBlock(""))
        {
            w.WriteLine(PlaneSizes);
            w.WriteLine($$"""
                int tilesAcross = (outW + (TileWidth * ForwardPixels) - 1) / (TileWidth * ForwardPixels);
                int ox = {{Ilgpu}}.Grid.IdxX % tilesAcross * (TileWidth * ForwardPixels) + {{Ilgpu}}.Group.IdxX * ForwardPixels, oy = {{Ilgpu}}.Grid.IdxX / tilesAcross * TileHeight + {{Ilgpu}}.Group.IdxY;
                // A warp is one row of the tile and its lanes trade window edges by shuffles: only a whole warp may return.
                if (oy >= outH)
                    return;
                int b = {{Ilgpu}}.Grid.IdxZ, bc = b * g.Channels, lane = {{Ilgpu}}.Warp.LaneIdx;
                // Pixels past the row's end read clamped (valid) addresses, count as outside the plane and are not stored.
                """);
            w.WriteLine("bool " + string.Join(", ", Enumerable.Range(0, Pixels).Select(p => $"has{p} = ox{Offset(p)} < outW")) + ";");
            w.WriteLine("int " + string.Join(", ", Enumerable.Range(0, Pixels).Select(p => $"mhas{p} = {Mask($"ox{Offset(p)}", "outW")}")) + ";");
            w.WriteLine("int " + string.Join(", ", Enumerable.Range(0, Pixels).Select(p => $"col{p} = global::System.Math.Min(ox{Offset(p)}, outW - 1)")) + ";");
            w.WriteLine("int " + string.Join(", ", Enumerable.Range(0, Pixels).Select(p => $"{PixelName(p)} = oy * outW + col{p}")) + ";");
            if (aligned)
            {
                w.WriteLine($$"""
                    // The run's 16-byte load starts at ox (a multiple of 4); lanes past the row's end load the row's last run.
                    int col = global::System.Math.Min(ox, outW - ForwardPixels);
                    var inputRuns = {{Ilgpu}}.Runtime.ArrayViewExtensions.AsAligned(input.Cast<{{Runtime}}.GpuQuad<T>>(), 16);
                    var outputRuns = {{Ilgpu}}.Runtime.ArrayViewExtensions.AsAligned(output.Cast<{{Runtime}}.GpuQuad<T>>(), 16);
                    """);
            }
            w.WriteLine("int iy = oy - Pad;");
            w.WriteLine("// Input rows the taps read, clamped into the plane (every load valid); my: their masks, all ones inside the plane (else the values are zero).");
            for (int u = 0; u < k; u++)
                WriteWindowLine(w, spec, window, "row", hit: null, u, $"iy{Offset(window.Rows[u])}", window.Rows[u] == window.Centre, "g.Height", " * g.Width", stepInside: false, mask: "my");
            if (pad > 0)
            {
                w.WriteLine("// Columns beside the run that the warp's first and last lanes load themselves (the others take them from their neighbours).");
                for (int j = 0; j < pad; j++)
                {
                    w.WriteLine($"int left{j} = global::System.Math.Max(ox - {pad - j}, 0), right{j} = global::System.Math.Min(ox + {Pixels + j}, g.Width - 1);");
                    w.WriteLine($"int ml{j} = {Mask($"ox - {pad - j}", "g.Width")}, mr{j} = {Mask($"ox + {Pixels + j}", "g.Width")};");
                }
            }
            if (spec.HasSpatial)
                WriteSpatialTaps(w, spec, Pixels);
            w.WriteLine($"int cBegin = {Ilgpu}.Grid.IdxY * ChannelsPerBlock, cEnd = cBegin + ChannelsPerBlock < g.Channels ? cBegin + ChannelsPerBlock : g.Channels;");
            WriteChannelLoop(w, pass, "inPlane", n =>
            {
                WriteRuns(w, spec, n, aligned);
                if (spec.HasChannel)
                    WriteChannelTaps(w, spec, n);
                for (int i = 0; i < n; i++)
                {
                    for (int p = 0; p < Pixels; p++)
                        WriteSum(w, $"y{i}_{p}", Enumerable.Range(0, spec.Taps).Select(t => $"{WindowValue(spec, window, i, p, t)} * {TapWeight(spec, $"s{p}_{t}", $"k{i}_{t}")}"));
                    if (aligned)
                        w.WriteLine($"if (has0)\n    outputRuns[(plane{i} * outPlane + pixel) >> 2] = new {Runtime}.GpuQuad<T>(y{i}_0, y{i}_1, y{i}_2, y{i}_3);");
                    else
                        for (int p = 0; p < Pixels; p++)
                            w.WriteLine($"if (has{p})\n    output[plane{i} * outPlane + {PixelName(p)}] = y{i}_{p};");
                }
            });
        }
    }

    /// <summary>
    /// Declares <c>v{i}_{u}_{j}</c>, window column j = Pad + p holding the run's pixel p, the Pad columns before it and after
    /// it the neighbours' (by shuffles; the warp's edge lanes load their own), every value zero outside the plane.
    /// </summary>
    private static void WriteRuns(SourceWriter w, DdfSpec spec, int channels, bool aligned)
    {
        int k = spec.KernelSize, pad = spec.Padding;
        // The centre row is always inside the plane.
        string RowInside(int u) => u == (k - 1) / 2 ? "" : $"my{u} & ";
        for (int i = 0; i < channels; i++)
        {
            for (int u = 0; u < k; u++)
            {
                string row = RowInside(u);
                if (aligned)
                    w.WriteLine($"var r{i}_{u} = inputRuns[(at{i} + row{u} + col) >> 2];");
                for (int p = 0; p < Pixels; p++)
                {
                    string value = aligned ? $"r{i}_{u}.V{p}" : $"input[at{i} + row{u} + col{p}]";
                    w.WriteLine($"T v{i}_{u}_{pad + p} = {Kept($"{row}mhas{p}", value)};");
                }
                // A lane's left columns are its left neighbour's last ones, its right columns its right neighbour's first.
                for (int j = 0; j < pad; j++)
                    w.WriteLine($"T v{i}_{u}_{j} = {Ilgpu}.Warp.ShuffleUp(v{i}_{u}_{Pixels + j}, 1);");
                for (int j = 0; j < pad; j++)
                    w.WriteLine($"T v{i}_{u}_{pad + Pixels + j} = {Ilgpu}.Warp.ShuffleDown(v{i}_{u}_{pad + j}, 1);");
            }
        }
        if (pad == 0)
            return;
        WriteEdgeLoads("lane == 0", 0, "ml", "left");
        WriteEdgeLoads("lane == TileWidth - 1", pad + Pixels, "mr", "right");

        // The warp's edge lane loads its own window columns first..first + Pad - 1 (inside: mask {hit}{j}, clamped column {column}{j}).
        void WriteEdgeLoads(string lane, int first, string hit, string column)
        {
            using (w.OpenBlock($"if ({lane})"))
            {
                for (int i = 0; i < channels; i++)
                    for (int u = 0; u < k; u++)
                        for (int j = 0; j < pad; j++)
                            w.WriteLine($"v{i}_{u}_{first + j} = {Kept($"{RowInside(u)}{hit}{j}", $"input[at{i} + row{u} + {column}{j}]")};");
            }
        }
    }
}
