using System;
using System.Collections.Generic;
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
/// Every kernel the runtime can launch, compiled to PTX with ILGPU's CUDA backend for sm_80 and sm_90 in float32 and
/// float64 (no GPU needed): each snapshot spec's generated kernels (as its kernel set holds them), the generic kernels
/// (every generic set holds the same four methods) and stage two of the reductions (<c>SumGroups</c>). Each entry exists
/// and nothing uses local memory; in the generated kernels the per-thread work is the designed one, only the
/// channel-gradient reduction uses shared memory (exactly its warp sums, between barriers), the others read global
/// memory without barriers, and padded taps are selects rather than branches; the generic kernels and SumGroups use no
/// shared memory and no barrier.
/// </summary>
public sealed class PtxTests(PtxTests.Backends backends) : IClassFixture<PtxTests.Backends>
{
    private static readonly CudaArchitecture[] Architectures = [CudaArchitecture.SM_80, CudaArchitecture.SM_90];

    /// <summary>One ILGPU context and one PTX backend per architecture, shared by every test of the class (created once).</summary>
    public sealed class Backends : IDisposable
    {
        private readonly Context context = Context.Create(builder => builder.Cuda().CPU());

        public Backends() => ByArchitecture = Architectures.Select(a => new PTXBackend(context, a, CudaInstructionSet.ISA_80, nvvmAPI: null!)).ToArray();

        public PTXBackend[] ByArchitecture { get; }

        public void Dispose()
        {
            foreach (var backend in ByArchitecture)
                backend.Dispose();
            context.Dispose();
        }
    }

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
            // k = 3 at stride 1: the forward runs 4 pixels per thread and has a 16-byte variant, the backward is one pass
            // (no channel-gradient blocks).
            bool quad = k == 3 && stride == 1;
            int pixels = k <= 5 ? 2 : 1, gradientChannels = quad ? 1 : k == 3 ? 4 : k == 5 ? 2 : 1;
            Assert.Equal((pixels, stride == 1 ? pixels : 1, gradientChannels), (set.PixelsPerThread, set.InputPixelsPerThread, set.GradientChannels));
            Assert.Equal((quad ? 4 : pixels, quad), (set.ForwardPixelsPerThread, set.Single.AlignedForward is not null && set.Double.AlignedForward is not null));
            bool spatial = set.Branches != Ddf.FilterBranches.Channel, channel = set.Branches != Ddf.FilterBranches.Spatial;
            // There the backward is one pass; elsewhere an input-gradient kernel and one per filter branch.
            Assert.Equal(quad, kernels.GetMethod("Backward") is not null);
            Assert.Equal(!quad, kernels.GetMethod("InputGradient") is not null);
            Assert.Equal(spatial && !quad, kernels.GetMethod("SpatialGradient") is not null);
            Assert.Equal(channel && !quad, kernels.GetMethod("ChannelGradient") is not null);
            foreach (var (kernel, method, elementSize) in Entries(set.Single, sizeof(float)).Concat(Entries(set.Double, sizeof(double))))
            {
                // The set holds exactly the spec's generated methods (the ones the runtime loads).
                Assert.Equal(kernels, method.DeclaringType);
                foreach (var (architecture, ptx) in Compile(method, set.Specialization))
                {
                    string what = $"{name} {kernel}<{method.GetGenericArguments()[0].Name}> {architecture}";
                    AssertEntryWithoutLocalMemory(ptx, what);
                    // k = 5 and 7, runs of 4 and the one-pass backward: compiled for at least 2 blocks of 256 threads per
                    // multiprocessor (within 128 registers).
                    Assert.True((k > 3 || quad) == (ptx.Contains(".maxntid 256, 1, 1") && ptx.Contains(".minnctapersm 2")), $"{what}: launch bounds");
                    // Taps in the padding are dropped by selects, not branches: only loops, stores of pixels past the row's
                    // end and the reduction's steps branch (a select compiled as a branch per tap gave ~250 here).
                    // The runs of 4 add, per channel iteration, the edge lanes' own loads (2) and a store per pixel (4).
                    int branches = Regex.Count(ptx, @"@!?%p\d+\s+bra");
                    Assert.True(branches <= (quad && kernel.EndsWith("Forward", StringComparison.Ordinal) ? 32 : 16), $"{what}: {branches} conditional branches");
                    if (quad && kernel.EndsWith("Forward", StringComparison.Ordinal))
                    {
                        // Window edges from the neighbouring lanes; the aligned variant loads and stores whole runs (16 bytes).
                        Assert.Contains("shfl.sync.up", ptx);
                        Assert.Contains("shfl.sync.down", ptx);
                        string vector = elementSize == 4 ? "v4.f32" : "v2.f64";
                        Assert.Equal(kernel == "AlignedForward", Regex.IsMatch(ptx, $@"\bld(\.global)?\.{vector}\b"));
                        Assert.Equal(kernel == "AlignedForward", Regex.IsMatch(ptx, $@"\bst(\.global)?\.{vector}\b"));
                    }
                    if (quad)
                    {
                        // These kernels zero values outside the plane by AND with bit masks (DdfGpuBits), not by selects (~20
                        // conditions do not fit the predicate registers).
                        int zeroSelects = Regex.Count(ptx, @"selp\.[bf](32|64)\s+%fd?\d+,\s*%fd?\d+,\s*0[fd]0+,");
                        Assert.True(zeroSelects == 0, $"{what}: {zeroSelects} zero selects");
                    }
                    if (kernel is "Backward" or "ChannelGradient")
                        // The channel-filter gradient's warp sums are halving exchanges, not shuffle trees.
                        Assert.True(channel == ptx.Contains("shfl.sync.bfly", StringComparison.Ordinal) && !ptx.Contains("shfl.sync.down", StringComparison.Ordinal), $"{what}: warp sums");
                    int[] shared = SharedAllocations(ptx);
                    if (kernel == "ChannelGradient")
                    {
                        // Warp sums of every (channel, tap) of the block: 8 warps, one element each.
                        Assert.True(shared.SequenceEqual([gradientChannels * k * k * 8 * elementSize]), $"{what}: shared allocations [{string.Join(", ", shared)}] bytes");
                        Assert.Contains("bar.sync", ptx);
                    }
                    else
                        AssertNoSharedMemory(ptx, shared, what);
                }
            }
        }
    }

    [Fact]
    public void Generic_gpu_kernels_and_the_partial_sums_compile_to_ptx_without_local_memory()
    {
        // Every generic set (one per weight mode) holds the same four methods: the weight mode is a launch argument.
        var sets = new[] { Ddf.FilterBranches.Both, Ddf.FilterBranches.Spatial, Ddf.FilterBranches.Channel }
            .SelectMany(b => new[] { Ddf.KernelCombine.Mul, Ddf.KernelCombine.Add }.Select(c => Ddf.Runtime.DdfGpuKernelSet.Generic(b, c))).ToArray();
        var methods = Entries(sets[0].Single, sizeof(float)).Concat(Entries(sets[0].Double, sizeof(double))).ToArray();
        Assert.Equal(8, methods.Length);
        foreach (var set in sets)
        {
            Assert.Equal((0, Ddf.Runtime.DdfGpuLayout.Flat), (set.KernelSize, set.Layout));
            Assert.Equal(methods.Select(m => m.Method), Entries(set.Single, 4).Concat(Entries(set.Double, 8)).Select(m => m.Method));
        }
        // Stage two of the channel-filter gradient, which every set's backward launches.
        var all = methods.Select(m => (m.Kernel, m.Method)).Concat([
            ("SumGroups", new Action<ArrayView<float>, ArrayView<float>, int, int>(Ddf.Runtime.GpuPartialSums.SumGroups).Method),
            ("SumGroups", new Action<ArrayView<double>, ArrayView<double>, int, int>(Ddf.Runtime.GpuPartialSums.SumGroups).Method)]);
        foreach (var (kernel, method) in all)
        {
            foreach (var (architecture, ptx) in Compile(method, sets[0].Specialization))
            {
                string what = $"generic {kernel}<{method.GetGenericArguments()[0].Name}> {architecture}";
                AssertEntryWithoutLocalMemory(ptx, what);
                AssertNoSharedMemory(ptx, SharedAllocations(ptx), what);
            }
        }
    }

    /// <summary>The kernels a set's element type holds, as the runtime loads them (absent branches left out), with the element size.</summary>
    private static IEnumerable<(string Kernel, MethodInfo Method, int ElementSize)> Entries<T>(Ddf.Runtime.DdfGpuKernels<T> kernels, int elementSize) where T : unmanaged
    {
        yield return ("Forward", kernels.Forward.Method, elementSize);
        if (kernels.AlignedForward is not null)
            yield return ("AlignedForward", kernels.AlignedForward.Method, elementSize);
        if (kernels.InputGradient is not null)
            yield return ("InputGradient", kernels.InputGradient.Method, elementSize);
        if (kernels.Backward is not null)
            yield return ("Backward", kernels.Backward.Method, elementSize);
        if (kernels.SpatialGradient is not null)
            yield return ("SpatialGradient", kernels.SpatialGradient.Method, elementSize);
        if (kernels.ChannelGradient is not null)
            yield return ("ChannelGradient", kernels.ChannelGradient.Method, elementSize);
    }

    /// <summary>The PTX of <paramref name="method"/> as an explicitly grouped kernel, per architecture.</summary>
    private IEnumerable<(CudaArchitecture Architecture, string Ptx)> Compile(MethodInfo method, KernelSpecialization specialization)
    {
        for (int i = 0; i < Architectures.Length; i++)
        {
            var compiled = (PTXCompiledKernel)backends.ByArchitecture[i].Compile(EntryPointDescription.FromExplicitlyGroupedKernel(method), specialization);
            yield return (Architectures[i], compiled.PTXAssembly);
        }
    }

    private static void AssertEntryWithoutLocalMemory(string ptx, string what)
    {
        Assert.True(Regex.IsMatch(ptx, @"\.visible \.entry \w+\("), $"{what}: no entry");
        Assert.False(ptx.Contains(".local", StringComparison.Ordinal), $"{what}: uses local memory");
    }

    private static int[] SharedAllocations(string ptx) =>
        Regex.Matches(ptx, @"\.shared \.align \d+ \.b8 \w+\[(\d+)\]").Select(m => int.Parse(m.Groups[1].Value)).ToArray();

    private static void AssertNoSharedMemory(string ptx, int[] shared, string what)
    {
        Assert.True(shared.Length == 0, $"{what}: reads global memory, yet allocates shared memory [{string.Join(", ", shared)}]");
        Assert.False(ptx.Contains("bar.sync", StringComparison.Ordinal), $"{what}: has a barrier");
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
