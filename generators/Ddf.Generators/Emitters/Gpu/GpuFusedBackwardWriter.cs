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
        // Backward (one pass; names of the upstream-gradient window start with g: grow{u}, gcol{j}, ghy{u}, ghx{j}, gv{i}_{u}_{j}):
        //   inside, part             the thread's pixels lie in the plane (else it computes on clamped ones, adds and stores nothing); its warp's partial
        //   gs{p}_{t}                spatial tap t at the upstream pixel pixel p's transposed tap t reads
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
            public static void Backward<T>({{GpuView}} input, {{GpuView}} gradOutput, {{GpuView}} channelFilter, {{GpuView}} spatialFilter,
                {{GpuView}} gradInput, {{GpuView}} gradSpatialFilter, {{GpuView}} channelPartials, {{Runtime}}.DdfGpuLaunch launch)
                {{GpuConstraint}}
            """);
        using (w.OpenBlock(""))
        {
            w.WriteLine(PlaneSizes);
            w.WriteLine($$"""
                int tilesAcross = (g.Width + (TileWidth * BackwardPixels) - 1) / (TileWidth * BackwardPixels);
                int x0 = {{Ilgpu}}.Grid.IdxX % tilesAcross * (TileWidth * BackwardPixels) + {{Ilgpu}}.Group.IdxX * BackwardPixels, y0 = {{Ilgpu}}.Grid.IdxX / tilesAcross * TileHeight + {{Ilgpu}}.Group.IdxY;
                // Every lane takes part in the channel-gradient exchanges: a thread past the plane computes on its last
                // pixel with a zero upstream gradient (so it adds nothing) and stores nothing.
                bool inside = x0 < g.Width & y0 < g.Height;
                int x = global::System.Math.Min(x0, g.Width - 1), y = global::System.Math.Min(y0, g.Height - 1);
                int b = {{Ilgpu}}.Grid.IdxZ, bc = b * g.Channels, pixel = y * g.Width + x, part = {{Ilgpu}}.Grid.IdxX * TileHeight + {{Ilgpu}}.Group.IdxY;
                """);
            WriteOtherPixels(w, pixels, "x", "g.Width");
            w.WriteLine($$"""
                bool wantInput = gradInput.Length > 0, wantFilters = gradSpatialFilter.Length > 0 | channelPartials.Length > 0;
                int iy = y - Pad, ix = x - Pad, jy = y + Pad, jx = x + Pad;
                """);
            WriteWindow(w, spec, taps);
            WriteWindow(w, spec, transposed, prefix: "g");
            if (spec.HasSpatial)
            {
                w.WriteLine("int sf = b * Taps * outPlane;");
                w.WriteLine("// Spatial taps at the upstream pixels the transposed taps read (zero where they miss), for the input gradient.");
                WriteUpstreamSpatialTaps(w, spec, transposed, prefix: "g");
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
                WriteWindowLoads(w, spec, transposed, "gradOutput", 1, prefix: "g");
                if (spec.HasChannel)
                    WriteChannelTaps(w, spec, 1);
                using (w.OpenBlock("if (wantInput)"))
                {
                    for (int p = 0; p < pixels; p++)
                    {
                        WriteSum(w, $"d0_{p}", Enumerable.Range(0, spec.Taps).Select(t =>
                            $"{WindowValue(spec, transposed, 0, p, t, "g")} * {TapWeight(spec, $"gs{p}_{t}", $"k0_{t}")}"));
                        w.WriteLine($"if (inside{(p == 0 ? "" : $" & has{p}")})\n    gradInput[at0 + {PixelName(p)}] = d0_{p};");
                    }
                }
                using (w.OpenBlock("if (wantFilters)"))
                {
                    w.WriteLine("// The upstream gradient at the thread's own pixels: the centre of its transposed window.");
                    for (int p = 0; p < pixels; p++)
                        w.WriteLine($"T go0_{p} = gv0_{centre}_{transposed.ColumnOf[p, centre]};");
                    // Real (clamped) input values; each product is selected to zero where its tap lies in the padding or its pixel
                    // outside the plane, so an infinity there never meets a zero (Inf * 0 would be NaN in a finite sum).
                    WriteWindowLoads(w, spec, taps, "input", 1, masked: false);
                    for (int p = 0; p < pixels; p++)
                    {
                        for (int t = 0; t < spec.Taps; t++)
                        {
                            string condition = string.Join(" & ", new[] { "inside", p == 0 ? "" : $"has{p}", TapCondition(spec, taps, p, t) }.Where(c => c.Length > 0));
                            w.WriteLine($"T q{p}_{t} = {Selected(condition, $"go0_{p} * {WindowValue(spec, taps, 0, p, t)}")};");
                        }
                    }
                    if (spec.HasSpatial)
                    {
                        string factor = spec.HasChannel && mul ? " * k0_{0}" : "";
                        for (int p = 0; p < pixels; p++)
                            for (int t = 0; t < spec.Taps; t++)
                                w.WriteLine($"a{p}_{t} += q{p}_{t}{string.Format(factor, t)};");
                    }
                    if (spec.HasChannel)
                        WriteChannelPartials(w, spec, pixels, spec.HasSpatial && mul);
                }
            }
            if (spec.HasSpatial)
            {
                using (w.OpenBlock("if (gradSpatialFilter.Length > 0 & inside)"))
                {
                    WritePixelStores(w, pixels, p => string.Join("\n", Enumerable.Range(0, spec.Taps).Select(t =>
                        $"gradSpatialFilter[sf{TapOffset(t, "outPlane")} + {PixelName(p)}] = a{p}_{t};")));
                }
            }
        }
    }

    /// <summary>
    /// Each tap's channel-filter product summed over the thread's pixels (times their spatial taps when <paramref name="mul"/>),
    /// then over the warp by halving exchanges (<see cref="GpuWarpExchanges"/>): Taps values per lane in 40 shuffles, selects
    /// and adds for k = 3 instead of a shuffle tree per tap (90), and one store per lane instead of Taps from lane 0.
    /// </summary>
    private static void WriteChannelPartials(SourceWriter w, DdfSpec spec, int pixels, bool mul)
    {
        for (int t = 0; t < spec.Taps; t++)
            w.WriteLine($"T e{t} = " + string.Join(" + ", Enumerable.Range(0, pixels).Select(p => mul ? $"q{p}_{t} * s{p}_{t}" : $"q{p}_{t}")) + ";");
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
