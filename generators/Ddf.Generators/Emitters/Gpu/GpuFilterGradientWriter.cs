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
/// The filter-gradient kernels: the spatial-filter gradient (a sum over channels per thread, no cross-thread
/// reduction) and stage one of the channel-filter gradient (per-block partials in a fixed order, no atomics).
/// </summary>
internal static class GpuFilterGradientWriter
{
    internal static void WriteSpatialGradient(SourceWriter w, DdfSpec spec, GpuPass pass)
    {
        var window = pass.Window;
        bool mul = spec.HasChannel && spec.Combine == KernelCombine.Mul;
        w.WriteLine($$"""
            /// <summary>
            /// Spatial-filter gradient: each thread sums, for Pixels adjacent output pixels, every tap's product of upstream
            /// gradient and input{{(mul ? " (times the channel tap)" : "")}} over all channels in order, Unroll channels per iteration, and
            /// writes the result (no partial sums, no cross-thread reduction). Grid: (tiles of (Ho, Wo), 1, batch).
            /// </summary>
            public static void SpatialGradient<T>({{GpuView}} input, {{GpuView}} gradOutput, {{GpuView}} channelFilter, {{GpuView}} spatialFilter,
                {{GpuView}} gradSpatialFilter, {{Runtime}}.DdfGpuLaunch launch)
                {{GpuConstraint}}
            """);
        using (w.OpenBlock(""))
        {
            WriteOutputPixelsAndWindow(w, spec, window, stepInside: false);
            for (int p = 0; p < window.Pixels; p++)
                WriteTapRows(w, spec, t => $"a{p}_{t} = T.Zero");
            w.WriteLine("int cBegin = 0, cEnd = g.Channels;");
            // Taps in the padding read clamped (real) values; their sums are replaced by zero at the end, so that not even
            // an infinite value there reaches the result.
            WriteChannelLoop(w, pass, "inPlane", n =>
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
            WritePixelStores(w, window.Pixels, p => string.Join("\n", Enumerable.Range(0, spec.Taps).Select(t =>
                $"gradSpatialFilter[sf{TapOffset(t, "outPlane")} + {PixelName(p)}] = {Selected(TapCondition(spec, window, p, t), $"a{p}_{t}")};")));
        }
    }

    /// <summary>The start of warp-sum slot <paramref name="slot"/>'s index: "", "Warps + ", "{slot} * Warps + ".</summary>
    private static string WarpSumSlot(string slot) => slot switch { "0" => "", "1" => $"{GpuTiling}.Warps + ", _ => $"{slot} * {GpuTiling}.Warps + " };

    internal static void WriteChannelGradient(SourceWriter w, DdfSpec spec, GpuKernelPlan plan)
    {
        bool mul = spec.HasSpatial && spec.Combine == KernelCombine.Mul;
        var window = plan.ChannelGradientWindow;
        int channels = plan.GradientChannels, pixels = window.Pixels;
        w.WriteLine($$"""
            /// <summary>
            /// Stage one of the channel-filter gradient: a block sums, for GradientChannels channels, every tap's product of
            /// upstream gradient and input{{(mul ? " (times the spatial tap)" : "")}} over one of launch.Parts equal parts of the output plane: each thread
            /// over the part's runs of Pixels adjacent pixels of a row it strides through (sharing their window loads), then
            /// over the warp by halving exchanges, and the warps added in order. Writes channelPartials[((b * C + c) * Taps + tap) * Parts + part].
            /// Grid: (parts, channel blocks, batch).
            /// </summary>
            public static void ChannelGradient<T>({{GpuView}} input, {{GpuView}} gradOutput, {{GpuView}} channelFilter, {{GpuView}} spatialFilter,
                {{GpuView}} channelPartials, {{Runtime}}.DdfGpuLaunch launch)
                {{GpuConstraint}}
            """);
        using (w.OpenBlock(""))
        {
            w.WriteLine($$"""
                var warpSums = {{Ilgpu}}.SharedMemory.Allocate<T>(GradientChannels * Taps * {{GpuTiling}}.Warps);
                var g = launch.Geometry;
                int outW = g.OutWidth, inPlane = (int)g.InPlane, outPlane = (int)g.OutPlane;
                int b = {{Ilgpu}}.Grid.IdxZ, bc = b * g.Channels, c0 = {{Ilgpu}}.Grid.IdxY * GradientChannels, part = {{Ilgpu}}.Grid.IdxX;
                int thread = {{Ilgpu}}.Group.IdxY * TileWidth + {{Ilgpu}}.Group.IdxX;
                {{(pixels == 1 ? "int runs = outPlane;" : "int runsAcross = (outW + Pixels - 1) / Pixels, runs = runsAcross * g.OutHeight;")}}
                int chunk = (runs + launch.Parts - 1) / launch.Parts, qBegin = part * chunk, qEnd = qBegin + chunk < runs ? qBegin + chunk : runs;
                """);
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
            using (w.OpenBlock($"for (int run = qBegin + thread; run < qEnd; run += {GpuTiling}.Threads)"))
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
            // The warp's sums by halving exchanges; lanes that end with the same slot hold the same sum (bitwise) and store
            // it to the same place.
            var slots = GpuWarpExchanges.WriteLanes(w, channels * spec.Taps);
            var sums = GpuWarpExchanges.WriteSums(w, Enumerable.Range(0, channels).SelectMany(i => Enumerable.Range(0, spec.Taps).Select(t => $"a{i}_{t}")).ToList());
            for (int i = 0; i < sums.Count; i++)
                w.WriteLine($"warpSums[{WarpSumSlot(slots[i])}{Ilgpu}.Warp.WarpIdx] = {sums[i]};");
            w.WriteLine($$"""
                {{Ilgpu}}.Group.Barrier();
                // The block's sums, warps added in order: one partial per (channel, tap) and part.
                for (int slot = thread; slot < GradientChannels * Taps; slot += {{GpuTiling}}.Threads)
                {
                    if (c0 + slot / Taps < g.Channels)
                        channelPartials[((bc + c0) * Taps + slot) * launch.Parts + part] = {{GpuTiling}}.BlockSum(warpSums, slot);
                }
                """);
        }
    }
}
