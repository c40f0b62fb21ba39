using System;
using System.Collections.Generic;
using System.Linq;
using System.Text;
using Ddf.Generators.Helpers;
using Ddf.Generators.Model;
using static Ddf.Generators.KnownTypes;
using static Ddf.Generators.GpuKernelParts;
using static Ddf.Generators.SpecText;

namespace Ddf.Generators;

/// <summary>The forward and input-gradient kernels: per channel and pixel, a window dotted with the combined weights.</summary>
internal static class GpuForwardWriter
{
    internal static void WriteForward(SourceWriter w, DdfSpec spec, GpuPass pass)
    {
        var window = pass.Window;
        w.WriteLine($$"""
            /// <summary>
            /// Forward: each thread computes Pixels adjacent output pixels of a row for ChannelsPerBlock channels, Unroll channels per
            /// iteration. Grid: (tiles of (Ho, Wo), channel blocks, batch).
            /// </summary>
            public static void Forward<T>({{GpuView}} input, {{GpuView}} channelFilter, {{GpuView}} spatialFilter, {{GpuView}} output, {{Runtime}}.DdfGpuLaunch launch)
                {{GpuConstraint}}
            """);
        using (w.OpenBlock(""))
        {
            WriteOutputPixelsAndWindow(w, spec, window, stepInside: pass.MasksThroughWeights);
            if (spec.HasSpatial)
                WriteSpatialTaps(w, spec, window.Pixels, zeroPadded: pass.MasksThroughWeights ? window : null);
            WriteWeightedSums(w, spec, pass, "input", "inPlane", "output", "outPlane", "y");
        }
    }

    /// <summary>
    /// The channel loop of the forward and the input gradient over the block's channels: per channel and pixel, the
    /// window of <paramref name="source"/> (planes <paramref name="sourcePlane"/> apart) dotted with the combined weights
    /// <c>s{p}_{t}</c> and <c>k{i}_{t}</c>, in tap order, into <c>{sum}{i}_{p}</c>, stored in <paramref name="target"/>.
    /// </summary>
    private static void WriteWeightedSums(SourceWriter w, DdfSpec spec, GpuPass pass, string source, string sourcePlane, string target, string targetPlane, string sum)
    {
        var window = pass.Window;
        w.WriteLine($"int cBegin = {Ilgpu}.Grid.IdxY * ChannelsPerBlock, cEnd = cBegin + ChannelsPerBlock < g.Channels ? cBegin + ChannelsPerBlock : g.Channels;");
        WriteChannelLoop(w, pass, sourcePlane, n =>
        {
            WriteWindowLoads(w, spec, window, source, n, masked: !pass.MasksThroughWeights);
            if (spec.HasChannel)
                WriteChannelTaps(w, spec, n);
            for (int i = 0; i < n; i++)
            {
                for (int p = 0; p < window.Pixels; p++)
                {
                    string name = $"{sum}{i}_{p}";
                    WriteSum(w, name, Enumerable.Range(0, spec.Taps).Select(t => $"{WindowValue(spec, window, i, p, t)} * {TapWeight(spec, $"s{p}_{t}", $"k{i}_{t}")}"));
                    WritePixelStore(w, p, $"{target}[plane{i} * {targetPlane} + {PixelName(p)}]", name);
                }
            }
        });
    }

    internal static void WriteInputGradient(SourceWriter w, DdfSpec spec, GpuPass pass)
    {
        var window = pass.Window;
        w.WriteLine($$"""
            /// <summary>
            /// Input gradient by the transposed taps: each thread computes InputPixels adjacent input pixels of a row for
            /// ChannelsPerBlock channels, InputUnroll channels per iteration, with the spatial taps of the upstream pixels it
            /// reads in registers. Grid: (tiles of (H, W), channel blocks, batch).
            /// </summary>
            public static void InputGradient<T>({{GpuView}} gradOutput, {{GpuView}} channelFilter, {{GpuView}} spatialFilter, {{GpuView}} gradInput, {{Runtime}}.DdfGpuLaunch launch)
                {{GpuConstraint}}
            """);
        using (w.OpenBlock(""))
        {
            w.WriteLine(PlaneSizes);
            WritePixelsOfThread(w, window.Pixels, "x", "y", "g.Width", "g.Height");
            w.WriteLine("int jy = y + Pad, jx = x + Pad;");
            WriteWindow(w, spec, window, stepInside: pass.MasksThroughWeights);
            if (spec.HasSpatial)
            {
                w.WriteLine("// Spatial taps at the upstream pixels each tap reads (zero where it misses), in registers for all channels.");
                w.WriteLine("int sf = b * Taps * outPlane;");
                WriteUpstreamSpatialTaps(w, spec, window);
            }
            WriteWeightedSums(w, spec, pass, "gradOutput", "outPlane", "gradInput", "inPlane", "d");
        }
    }
}
