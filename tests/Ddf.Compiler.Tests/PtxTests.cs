using System;
using System.IO;
using System.Linq;
using System.Reflection;
using System.Text.RegularExpressions;
using ILGPU;
using ILGPU.Backends.EntryPoints;
using ILGPU.Backends.PTX;
using ILGPU.Runtime;
using ILGPU.Runtime.CPU;
using ILGPU.Runtime.Cuda;
using Microsoft.CodeAnalysis;
using Xunit;

namespace Ddf.Compiler.Tests;

/// <summary>
/// Every snapshot spec's generated GPU kernels, compiled to PTX with ILGPU's CUDA backend for sm_80 and sm_90
/// (no GPU needed): each entry the spec needs exists, the per-thread work is the designed one, only the
/// channel-gradient reduction uses shared memory (exactly its warp sums, between barriers), the others read
/// global memory without barriers, padded taps are selects rather than branches, and nothing spills to local memory.
/// </summary>
public sealed class PtxTests : IDisposable
{
    private readonly Context context = Context.Create(builder => builder.Cuda().CPU());

    public void Dispose() => context.Dispose();

    public static TheoryData<string, string> Specs => SnapshotTests.Specs;

    [Theory]
    [MemberData(nameof(Specs))]
    public void Generated_gpu_kernels_compile_to_ptx_without_local_memory(string name, string source)
    {
        foreach (var kernels in GpuKernelClasses(source))
        {
            var set = (Ddf.Runtime.DdfGpuKernelSet)kernels.GetField("Set")!.GetValue(null)!;
            if (set.Layout == Ddf.Runtime.DdfGpuLayout.Flat)
            {
                // Too many taps to unroll: the spec reuses the runtime's generic kernels and emits none.
                Assert.True(set.KernelSize == 0 && kernels.GetMethod("Forward") is null, $"{name}: a flat set must be the generic one");
                continue;
            }
            int k = Constant(kernels, "K"), dilation = Constant(kernels, "Dilation"), stride = Constant(kernels, "Stride");
            Assert.Equal((set.KernelSize, set.Dilation, set.Stride), (k, dilation, stride));
            // The designed work per thread, from the spec alone: two adjacent pixels up to k = 5 (one for k = 7; the input
            // gradient one with a stride), and 4, 2 or 1 channels per channel-gradient block for k = 3, 5, 7.
            int pixels = k <= 5 ? 2 : 1, gradientChannels = k == 3 ? 4 : k == 5 ? 2 : 1;
            Assert.Equal((pixels, stride == 1 ? pixels : 1, gradientChannels), (set.PixelsPerThread, set.InputPixelsPerThread, set.GradientChannels));
            bool spatial = set.Branches != Ddf.FilterBranches.Channel, channel = set.Branches != Ddf.FilterBranches.Spatial;
            Assert.Equal(spatial, kernels.GetMethod("SpatialGradient") is not null);
            Assert.Equal(channel, kernels.GetMethod("ChannelGradient") is not null);
            var entries = new[] { "Forward", "InputGradient" }.Concat(spatial ? ["SpatialGradient"] : []).Concat(channel ? ["ChannelGradient"] : []);
            foreach (var architecture in new[] { CudaArchitecture.SM_80, CudaArchitecture.SM_90 })
            {
                using var backend = new PTXBackend(context, architecture, CudaInstructionSet.ISA_80, nvvmAPI: null!);
                foreach (var kernel in entries)
                {
                    var method = kernels.GetMethod(kernel)!.MakeGenericMethod(typeof(float));
                    var compiled = (PTXCompiledKernel)backend.Compile(EntryPointDescription.FromExplicitlyGroupedKernel(method), set.Specialization);
                    string ptx = compiled.PTXAssembly, what = $"{name} {kernel} {architecture}";
                    Assert.Matches(@"\.visible \.entry \w+\(", ptx);
                    Assert.DoesNotContain(".local", ptx);
                    // k = 5 and 7: compiled for at least 2 blocks of 256 threads per multiprocessor (within 128 registers).
                    Assert.Equal(k > 3, ptx.Contains(".maxntid 256, 1, 1") && ptx.Contains(".minnctapersm 2"));
                    // Taps in the padding are dropped by selects, not branches: only loops, stores of pixels past the row's
                    // end and the reduction's steps branch (a select compiled as a branch per tap gave ~250 here).
                    int branches = Regex.Count(ptx, @"@!?%p\d+\s+bra");
                    Assert.True(branches <= 16, $"{what}: {branches} conditional branches");
                    int[] shared = Regex.Matches(ptx, @"\.shared \.align \d+ \.b8 \w+\[(\d+)\]").Select(m => int.Parse(m.Groups[1].Value)).ToArray();
                    if (kernel == "ChannelGradient")
                    {
                        // Warp sums of every (channel, tap) of the block: 8 warps x 4 bytes each.
                        Assert.True(shared.SequenceEqual([gradientChannels * k * k * 8 * 4]), $"{what}: shared allocations [{string.Join(", ", shared)}] bytes");
                        Assert.Contains("bar.sync", ptx);
                        Assert.Contains("shfl.sync.down", ptx);
                    }
                    else
                    {
                        Assert.True(shared.Length == 0, $"{what}: reads global memory, yet allocates shared memory [{string.Join(", ", shared)}]");
                        Assert.DoesNotContain("bar.sync", ptx);
                    }
                }
            }
        }
    }

    /// <summary>Runs the generator on <paramref name="source"/>, compiles the result in memory and returns its GpuKernels classes.</summary>
    private static Type[] GpuKernelClasses(string source)
    {
        var (_, _, output) = GeneratorHarness.Run(GeneratorHarness.Compile(true, source));
        using var image = new MemoryStream();
        var emitted = output.Emit(image);
        Assert.True(emitted.Success, string.Join("\n", emitted.Diagnostics.Where(d => d.Severity == DiagnosticSeverity.Error)));
        var assembly = Assembly.Load(image.ToArray());
        var classes = assembly.GetTypes().Where(t => t.Name == "GpuKernels").ToArray();
        Assert.NotEmpty(classes);
        return classes;
    }

    private static int Constant(Type type, string name) =>
        (int)type.GetField(name, BindingFlags.NonPublic | BindingFlags.Static)!.GetRawConstantValue()!;
}
