using Ddf.Generators.Helpers;
using Ddf.Generators.Model;
using static Ddf.Generators.KnownTypes;
using static Ddf.Generators.SpecText;

namespace Ddf.Generators;

/// <summary>
/// Writes <c>{Type}.Kernels.Gpu.g.cs</c>: ILGPU kernels with the spec's constants baked in and its taps unrolled, as
/// <see cref="GpuKernelPlan"/> decides (above k = <see cref="GpuKernelPlan.UnrolledKernelSize"/>, the runtime's generic
/// kernels). They read the input (or upstream gradient) straight from global memory: measured on an H200 with ILGPU
/// 1.5.3, that beat staging tiles in shared memory (docs/performance.md, GPU run 12), because the L1 cache already
/// serves the neighbours' overlapping windows and staging cost barriers and index arithmetic.
/// </summary>
internal static class GpuKernelWriter
{
    /// <summary>The comment that opens a file of unrolled kernels: what the names <see cref="GpuKernelParts"/> declares stand for.</summary>
    public const string Legend = """
        // Names in these kernels (tap t = u * K + v: row u, column v of the K x K filter; i: a channel of the unrolled
        // iteration; p: a pixel of the thread's run of adjacent pixels):
        //   pixel, pixel{p}, has{p}  index of the thread's first pixel, of pixel p (clamped), whether pixel p is inside the row
        //   row{u}, col{j}           plane offsets of window row u and window column j, clamped so every load is valid
        //   hy{u}, hx{j}             whether window row u / column j lies inside the plane (transposed: is hit by a tap)
        //   plane{i}, at{i}          plane index b * C + c of channel i and its first element; f{i} its first channel tap
        //   v{i}_{u}_{j}             window value of channel i at window row u, column j
        //   s{p}_{t}, k{i}_{t}       spatial tap t at pixel p; channel tap t of channel i
        //   y{i}_{p}, d{i}_{p}       output and input-gradient sums; go{i}_{p}: the upstream gradient at pixel p
        //   a{p}_{t}, a{i}_{t}       spatial-gradient sums (per pixel) and channel-gradient sums (per channel) of tap t
        //   lane, hi{o}              the lane's number and its bit o (warp sums by halving exchanges pair the lanes o apart)
        //   e{o}_{i}, slot{o}_{i}    slot i of the lane's warp sums after the exchange with the lane o away, and which sum it is
        """;

    public static void Write(SourceWriter w, DdfSpec spec)
    {
        var plan = GpuKernelPlan.For(spec);
        string branches = $"global::Ddf.FilterBranches.{spec.Branches}", combine = $"global::Ddf.KernelCombine.{spec.Combine}";
        if (!plan.Unrolled)
        {
            w.WriteLine($$"""
                /// <summary>
                /// GPU kernels of this layer: k = {{spec.KernelSize}} has {{spec.Taps}} taps per pixel, too many to keep in registers, so it runs the
                /// runtime's generic kernels (unrolled tiled kernels are emitted up to k = {{GpuKernelPlan.UnrolledKernelSize}}).
                /// </summary>
                {{GeneratedCode}}
                """);
            using (w.OpenBlock("internal static class GpuKernels"))
            {
                w.WriteLine($$"""
                    /// <summary>The generic kernels for this layer's branches and combine mode, as Ddf.Runtime.DdfGpu runs them.</summary>
                    public static readonly {{Runtime}}.DdfGpuKernelSet Set = {{Runtime}}.DdfGpuKernelSet.Generic({{branches}}, {{combine}});
                    """);
            }
            return;
        }

        int k = spec.KernelSize, d = spec.Dilation, s = spec.Stride;
        static string Bits(string type) => $"{GpuBits}.{(type == "float" ? "Single" : "Double")}";
        string Kernels(string type) => plan.QuadForward
            ? $"new(Forward<{type}, {Bits(type)}>, null, null, null, AlignedForward<{type}, {Bits(type)}>, Backward<{type}, {Bits(type)}>)"
            : $"new(Forward<{type}>, InputGradient<{type}>, {(spec.HasSpatial ? $"SpatialGradient<{type}>" : "null")}, {(spec.HasChannel ? $"ChannelGradient<{type}>" : "null")})";
        w.WriteLine(Legend);
        if (plan.QuadForward)
        {
            w.WriteLine(GpuQuadForwardWriter.Legend);
            w.WriteLine(GpuFusedBackwardWriter.Legend);
        }
        w.WriteLine($$"""
            /// <summary>
            /// GPU (ILGPU) kernels of this layer, specialised at compile time to k = {{k}}, dilation {{d}}, stride {{s}}, {{spec.Branches}}, {{spec.Combine}}:
            /// each thread keeps its pixels' taps in registers across channels and reads the input from global memory with
            /// clamped addresses and {{(plan.QuadForward ? "zeroes values outside the plane by AND with bit masks" : "zero selects")}} (no branches); the channel-filter gradient is reduced in two fixed-order
            /// stages (no atomics), so every result is bitwise reproducible.
            /// </summary>
            {{GeneratedCode}}
            """);
        using (w.OpenBlock("internal static class GpuKernels"))
        {
            string sizes = plan.QuadForward
                ? "pixelsPerThread: BackwardPixels, inputPixelsPerThread: BackwardPixels, minBlocksPerMultiprocessor: MinBlocks, forwardPixelsPerThread: ForwardPixels"
                : "pixelsPerThread: Pixels, inputPixelsPerThread: InputPixels, gradientChannels: GradientChannels, minBlocksPerMultiprocessor: MinBlocks";
            w.WriteLine($$"""
                /// <summary>These kernels for float32 and float64, as Ddf.Runtime.DdfGpu runs them.</summary>
                public static readonly {{Runtime}}.DdfGpuKernelSet Set = new({{k}}, {{d}}, {{s}}, {{branches}}, {{combine}}, {{Runtime}}.DdfGpuLayout.Tiled,
                    {{Kernels("float")}},
                    {{Kernels("double")}},
                    {{sizes}});

                private const int K = {{k}};
                private const int Dilation = {{d}};
                private const int Stride = {{s}};
                private const int Pad = {{spec.Padding}};
                private const int Taps = {{spec.Taps}};

                private const int TileWidth = {{GpuTiling}}.Width;
                private const int TileHeight = {{GpuTiling}}.Height;
                private const int ChannelsPerBlock = {{GpuTiling}}.ChannelsPerBlock;

                """);
            if (plan.QuadForward)
                WriteRunConstants(w, plan);
            else
                WriteTileConstants(w, plan);
            w.WriteLine($$"""
                // Resident blocks per multiprocessor the kernels' registers must allow (0: the compiler decides). Left to
                // itself ptxas gives k = 5 and 7 kernels up to 245 registers (one block of 8 warps), the runs of 4 and the
                // one-pass backward up to 168; the other k = 3 kernels fit 3 blocks.
                private const int MinBlocks = {{plan.MinBlocks}};

                """);
            if (plan.QuadForward)
            {
                GpuQuadForwardWriter.Write(w, spec, plan.Forward);
                w.WriteLine();
                GpuFusedBackwardWriter.Write(w, spec, plan);
                return;
            }
            GpuForwardWriter.WriteForward(w, spec, plan.Forward);
            w.WriteLine();
            GpuForwardWriter.WriteInputGradient(w, spec, plan.InputGradient);
            if (spec.HasSpatial)
            {
                w.WriteLine();
                GpuFilterGradientWriter.WriteSpatialGradient(w, spec, plan.SpatialGradient);
            }
            if (spec.HasChannel)
            {
                w.WriteLine();
                GpuFilterGradientWriter.WriteChannelGradient(w, spec, plan);
            }
        }
    }

    /// <summary>The per-thread work of the tiled kernels: pixels, channels per iteration, channels per channel-gradient block.</summary>
    private static void WriteTileConstants(SourceWriter w, GpuKernelPlan plan)
    {
        GpuWindow taps = plan.SpatialGradient.Window, transposed = plan.InputGradient.Window;
        w.WriteLine($$"""
                // Adjacent pixels of a row per thread: their windows overlap, so each channel's loads serve all of them
                // (two pixels per thread measured 1.3x faster than one for k = 3; k = 7 keeps one to bound registers).
                private const int Pixels = {{taps.Pixels}};
                private const int InputPixels = {{transposed.Pixels}};

                // Channels per loop iteration: their {{taps.Loads}} (input gradient: {{transposed.Loads}}) window loads each are issued together.
                private const int Unroll = {{plan.SpatialGradient.Unroll}};
                private const int InputUnroll = {{plan.InputGradient.Unroll}};

                // Channels one channel-gradient block sums: each spatial-filter load serves all of them.
                private const int GradientChannels = {{plan.GradientChannels}};

                """);
    }

    /// <summary>The per-thread work of the run kernels: the forward's runs and channels per iteration, the backward's pixels.</summary>
    private static void WriteRunConstants(SourceWriter w, GpuKernelPlan plan)
    {
        GpuWindow forward = plan.Forward.Window;
        w.WriteLine($$"""
            // The forward's runs of adjacent output pixels (one 16-byte load or store each where rows allow) and channels
            // per iteration: {{forward.Loads}} window values each, {{forward.Rows.Length}} runs loaded, the rest shuffled in.
            private const int ForwardPixels = {{forward.Pixels}};
            private const int ForwardUnroll = {{plan.Forward.Unroll}};

            // Adjacent pixels of a row per backward thread: its taps, transposed taps and spatial-gradient sums stay in registers.
            private const int BackwardPixels = {{plan.SpatialGradient.Window.Pixels}};

            """);
    }
}
