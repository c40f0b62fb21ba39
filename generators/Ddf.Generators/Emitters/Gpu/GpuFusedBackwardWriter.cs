using System;
using System.Collections.Generic;
using System.Linq;
using Ddf.Generators.Helpers;
using Ddf.Generators.Model;
using static Ddf.Generators.KnownTypes;
using static Ddf.Generators.GpuKernelParts;
using static Ddf.Generators.SpecText;

namespace Ddf.Generators;

/// <summary>
/// The backward of the specs whose forward runs in 4s (<see cref="GpuKernelPlan.FusedBackward"/>), in one pass: at stride 1
/// the input and output planes coincide, so a thread that owns a run of pixels reads, per channel, the input window of
/// their taps and the upstream-gradient window of their transposed taps once, and from them writes the input gradient
/// and the spatial-filter gradient of its pixels itself; the channel-filter products are summed per warp (halving exchanges)
/// into partials that <c>SumGroups</c> adds in order. No atomics: bitwise reproducible.
/// </summary>
internal static class GpuFusedBackwardWriter
{
    /// <summary>The legend lines of the names only this kernel declares (after <see cref="GpuKernelWriter.Legend"/>).</summary>
    public const string Legend = """
        // Backward (one pass; names of the upstream-gradient window start with g: grow{u}, gcol{j}, gmy{u}, gmx{j}, gv{i}_{u}_{j}):
        //   inside, part             the thread's pixels lie in the plane (else it computes on clamped ones, adds and stores nothing); its warp's partial
        //   gs{p}_{t}                spatial tap t at the upstream pixel pixel p's transposed tap t reads
        //   d{i}_{p}_{u}             the part of d{i}_{p} from window row u (zeroed as a whole where that row lies outside the plane)
        //   my{u}, mx{j}, mp{p}      bit masks, all ones where window row u / column j and pixel p lie in the plane (hy{u}, hx{j} are not declared)
        //   q{p}_{t}, e{t}           the product of upstream gradient and input of pixel p's tap t; the thread's channel-gradient term of tap t
        """;

    internal static void Write(SourceWriter w, DdfSpec spec, GpuKernelPlan plan)
    {
        GpuWindow taps = plan.SpatialGradient.Window, transposed = plan.InputGradient.Window;
        int pixels = taps.Pixels, centre = (spec.KernelSize - 1) / 2;
        bool mul = spec.Combine == KernelCombine.Mul;
        w.WriteLine($$"""
            /// <summary>
            /// Backward in one pass: each thread takes BackwardPixels adjacent pixels of a row through all channels in order; per
            /// channel it reads the upstream-gradient window of their transposed taps and the input window of their taps once,
            /// writes their input gradient, and sums their spatial-filter gradient over the channels (written after the loop);
            /// the channel-filter products of each channel are summed over the warp by halving exchanges into
            /// channelPartials[((b * C + c) * Taps + tap) * Parts + part] (part: the warp's place among the plane's warps), which
            /// SumGroups adds in order. Gradients whose view is empty are skipped. Grid: (tiles of (H, W), 1, batch).
            /// </summary>
            public static void Backward<T, TBits>({{GpuView}} input, {{GpuView}} gradOutput, {{GpuView}} channelFilter, {{GpuView}} spatialFilter,
                {{GpuView}} gradInput, {{GpuView}} gradSpatialFilter, {{GpuView}} channelPartials, {{Runtime}}.DdfGpuLaunch launch)
                {{GpuConstraint}}
                where TBits : struct, {{Runtime}}.IDdfGpuBits<T>
            """);
        using (w.OpenBlock(""))
        {
            w.WriteLine(PlaneSizes);
            w.WriteLine($$"""
                int tilesAcross = (g.Width + (TileWidth * BackwardPixels) - 1) / (TileWidth * BackwardPixels);
                int x0 = {{Ilgpu}}.Grid.IdxX % tilesAcross * (TileWidth * BackwardPixels) + {{Ilgpu}}.Group.IdxX * BackwardPixels, y0 = {{Ilgpu}}.Grid.IdxX / tilesAcross * TileHeight + {{Ilgpu}}.Group.IdxY;
                // Every lane takes part in the channel-gradient exchanges: a thread past the plane computes on its last
                // pixel, with its products masked to zero (mp{p}), so it adds nothing, and stores nothing.
                bool inside = x0 < g.Width & y0 < g.Height;
                int x = global::System.Math.Min(x0, g.Width - 1), y = global::System.Math.Min(y0, g.Height - 1);
                int b = {{Ilgpu}}.Grid.IdxZ, bc = b * g.Channels, pixel = y * g.Width + x, part = {{Ilgpu}}.Grid.IdxX * TileHeight + {{Ilgpu}}.Group.IdxY;
                """);
            WriteOtherPixels(w, pixels, "x", "g.Width");
            w.WriteLine($$"""
                bool wantInput = gradInput.Length > 0, wantFilters = gradSpatialFilter.Length > 0 | channelPartials.Length > 0;
                int iy = y - Pad, ix = x - Pad;
                """);
            w.WriteLine("// Values outside the plane are zeroed by AND with bit masks (TBits.Keep): ~20 conditions do not fit the predicate registers.");
            WriteWindow(w, spec, taps, conditions: false, masks: true);
            WriteTransposedAliases(w, taps, transposed);
            w.WriteLine($"int mp0 = {Mask("x0", "g.Width")} & {Mask("y0", "g.Height")};");
            for (int p = 1; p < pixels; p++)
                w.WriteLine($"int mp{p} = mp0 & {Mask($"x + {p}", "g.Width")};");
            if (spec.HasSpatial)
            {
                w.WriteLine("int sf = b * Taps * outPlane;");
                w.WriteLine("// Spatial taps at the upstream pixels the transposed taps read (zero where they miss), for the input gradient.");
                WriteUpstreamSpatialTaps(w, spec, transposed, prefix: "g", bits: true);
                if (spec.HasChannel && mul)
                {
                    w.WriteLine("// Spatial taps of the thread's own pixels, for the channel-filter gradient.");
                    WriteSpatialTaps(w, spec, pixels, declareBase: false);
                }
                for (int p = 0; p < pixels; p++)
                    WriteTapRows(w, spec, t => $"a{p}_{t} = T.Zero");
            }
            if (spec.HasChannel)
                WriteLaneTaps(w, spec);
            using (w.OpenBlock("for (int c = 0; c < g.Channels; c++)"))
            {
                w.WriteLine("int plane0 = bc + c, at0 = plane0 * inPlane;");
                WriteWindowLoads(w, spec, transposed, "gradOutput", 1, prefix: "g", columnMasks: true);
                if (spec.HasChannel)
                    WriteChannelTaps(w, spec, 1);
                using (w.OpenBlock("if (wantInput)"))
                {
                    w.WriteLine("// Each row's terms summed, then zeroed where the row lies outside the plane (the values are masked by column).");
                    for (int p = 0; p < pixels; p++)
                    {
                        IEnumerable<string> Terms(int u) => Enumerable.Range(u * spec.KernelSize, spec.KernelSize).Select(t =>
                            $"{WindowValue(spec, transposed, 0, p, t, "g")} * {TapWeight(spec, $"gs{p}_{t}", $"k0_{t}")}");
                        // The centre row (always inside) starts the sum.
                        WriteSum(w, $"d0_{p}", Terms(centre));
                        foreach (int u in Enumerable.Range(0, spec.KernelSize).Where(u => u != centre))
                        {
                            WriteSum(w, $"d0_{p}_{u}", Terms(u));
                            w.WriteLine($"d0_{p} += {Kept($"gmy{u}", $"d0_{p}_{u}")};");
                        }
                        w.WriteLine($"if (inside{(p == 0 ? "" : $" & has{p}")})\n    gradInput[at0 + {PixelName(p)}] = d0_{p};");
                    }
                }
                using (w.OpenBlock("if (wantFilters)"))
                {
                    w.WriteLine("// The upstream gradient at the thread's own pixels: the centre of its transposed window.");
                    for (int p = 0; p < pixels; p++)
                        w.WriteLine($"T go0_{p} = gv0_{centre}_{transposed.ColumnOf[p, centre]};");
                    // Real (clamped) input values and their products, unmasked: the spatial-gradient sums of taps in the padding are
                    // zeroed once after the loop, the channel-gradient terms of each channel below (so an infinity there never
                    // meets a zero: Inf * 0 would be NaN in a finite sum).
                    WriteWindowLoads(w, spec, taps, "input", 1, masked: false);
                    for (int p = 0; p < pixels; p++)
                        for (int t = 0; t < spec.Taps; t++)
                            w.WriteLine($"T q{p}_{t} = go0_{p} * {WindowValue(spec, taps, 0, p, t)};");
                    if (spec.HasSpatial)
                    {
                        string factor = spec.HasChannel && mul ? " * k0_{0}" : "";
                        for (int p = 0; p < pixels; p++)
                            for (int t = 0; t < spec.Taps; t++)
                                w.WriteLine($"a{p}_{t} += q{p}_{t}{string.Format(factor, t)};");
                    }
                    if (spec.HasChannel)
                        WriteChannelPartials(w, spec, taps, spec.HasSpatial && mul);
                }
            }
            if (spec.HasSpatial)
            {
                using (w.OpenBlock("if (gradSpatialFilter.Length > 0 & inside)"))
                {
                    w.WriteLine("// Taps in the padding: zero (their sums added clamped values).");
                    WritePixelStores(w, pixels, p => string.Join("\n", Enumerable.Range(0, spec.Taps).Select(t =>
                        $"gradSpatialFilter[sf{TapOffset(t, "outPlane")} + {PixelName(p)}] = {Kept(TapCondition(spec, taps, p, t, "my", "mx"), $"a{p}_{t}")};")));
                }
            }
        }
    }

    /// <summary>
    /// Declares the transposed window's names (<c>grow{u}</c>, <c>gcol{j}</c>, <c>gmy{u}</c>, <c>gmx{j}</c>) as the input
    /// window's: at stride 1 the upstream-gradient plane is the input plane and the transposed
    /// taps of a run read the rows and columns its taps read (offsets -Pad + r and Pad - r), so one set of clamped offsets
    /// and masks serves both windows (12 fewer registers across the channel loop for k = 3 than two sets).
    /// </summary>
    private static void WriteTransposedAliases(SourceWriter w, GpuWindow taps, GpuWindow transposed)
    {
        int[] rows = transposed.Rows.Select(r => Array.IndexOf(taps.Rows, r - 2 * transposed.Centre)).ToArray();
        int[] columns = transposed.Columns.Select(c => Array.IndexOf(taps.Columns, c - 2 * transposed.Centre)).ToArray();
        w.WriteLine("// The transposed taps read the same rows and columns (the upstream-gradient plane is the input plane at stride 1).");
        w.WriteLine("int " + string.Join(", ", rows.Select((u, i) => $"grow{i} = row{u}").Concat(columns.Select((j, i) => $"gcol{i} = col{j}"))) + ";");
        var masks = rows.Select((u, i) => (i, u)).Where(r => taps.Rows[r.u] != taps.Centre).Select(r => $"gmy{r.i} = my{r.u}")
            .Concat(columns.Select((j, i) => (i, j)).Where(c => taps.Columns[c.j] != taps.Centre).Select(c => $"gmx{c.i} = mx{c.j}"));
        w.WriteLine("int " + string.Join(", ", masks) + ";");
    }

    /// <summary>
    /// Each tap's channel-filter product summed over the thread's pixels (times their spatial taps when <paramref name="mul"/>),
    /// then over the warp by halving exchanges (<see cref="GpuWarpExchanges"/>): Taps values per lane in 40 shuffles, selects
    /// and adds for k = 3 instead of a shuffle tree per tap (90), and one store per lane instead of Taps from lane 0.
    /// </summary>
    private static void WriteChannelPartials(SourceWriter w, DdfSpec spec, GpuWindow taps, bool mul)
    {
        // A pixel's product is zeroed where it lies outside the plane or its tap's column does, the sum over the pixels where
        // the tap's row does (one mask per pair instead of per triple: fewer registers across the loop).
        w.WriteLine("// Each pixel's term zeroed where the pixel or its tap's column lies outside the plane, their sum where the tap's row does.");
        for (int t = 0; t < spec.Taps; t++)
        {
            int u = t / spec.KernelSize;
            string sum = string.Join(" + ", Enumerable.Range(0, taps.Pixels).Select(p =>
            {
                string column = TapCondition(spec, taps, p, t, row: null, column: "mx");
                string kept = Kept(column.Length == 0 ? $"mp{p}" : $"mp{p} & {column}", $"q{p}_{t}");
                return mul ? $"{kept} * s{p}_{t}" : kept;
            }));
            w.WriteLine($"T e{t} = {(taps.Rows[u] == taps.Centre ? sum : Kept($"my{u}", sum))};");
        }
        var sums = GpuWarpExchanges.WriteSums(w, Enumerable.Range(0, spec.Taps).Select(t => $"e{t}").ToList());
        using (w.OpenBlock("if (channelPartials.Length > 0)"))
        {
            w.WriteLine("// Lanes that end with the same tap hold the same sum (bitwise) and store it to the same place.");
            w.WriteLine("long first = (long)plane0 * Taps * launch.Parts;");
            for (int i = 0; i < sums.Count; i++)
                w.WriteLine($"channelPartials[first + partOfLane{i}] = {sums[i]};");
        }
    }

    /// <summary>
    /// Declares, once before the channel loop, what the halving exchanges need (<see cref="GpuWarpExchanges.WriteLanes"/>)
    /// and <c>partOfLane{i}</c>, where in a channel's partials the lane stores its slot i: the tap whose warp sum it ends
    /// with and the warp's part.
    /// </summary>
    private static void WriteLaneTaps(SourceWriter w, DdfSpec spec)
    {
        w.WriteLine("// The halving exchanges of the channel-filter sums: the lane's bit of each, and which tap's warp sum it ends with.");
        var taps = GpuWarpExchanges.WriteLanes(w, spec.Taps);
        for (int i = 0; i < taps.Count; i++)
            w.WriteLine($"long partOfLane{i} = (long){taps[i]} * launch.Parts + part;");
    }
}
