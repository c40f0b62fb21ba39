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
/// (no GPU needed): each entry exists, stages exactly the designed tile in shared memory between barriers, and
/// nothing spills to local memory.
/// </summary>
public sealed class PtxTests : IDisposable
{
    private static readonly string[] Kernels = ["Forward", "InputGradient", "FilterGradients"];

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
            // The designed tiles, from the spec alone: blocks of 32 x 8 threads; the inputs a block of outputs reads, the
            // upstream gradients a block of inputs reads, and for the filter gradients the inputs of 32 x 8 * rows outputs
            // (each thread 4 (k = 3, stride 1), 2 (k = 3 strided, k = 5) or 1 row).
            int rows = k == 3 ? (stride == 1 ? 4 : 2) : k == 5 ? 2 : 1;
            Assert.Equal(rows, set.FilterGradientRows);
            int width = (32 - 1) * stride + (k - 1) * dilation + 1;
            int inputTile = ((8 - 1) * stride + (k - 1) * dilation + 1) * width;
            int filterTile = ((8 * rows - 1) * stride + (k - 1) * dilation + 1) * width;
            int extra = stride == 1 ? 1 : 2;
            int gradTile = ((8 - 1 + (k - 1) * dilation) / stride + extra) * ((32 - 1 + (k - 1) * dilation) / stride + extra);
            // Channels staged per barrier pair: 1 to 4 within a 4096-element budget.
            int inputChannels = Math.Clamp(4096 / inputTile, 1, 4), gradChannels = Math.Clamp(4096 / gradTile, 1, 4);
            int filterChannels = Math.Clamp(4096 / filterTile, 1, 4);
            // Warp sums of a window of channels: a multiple of the staged channels within the same budget.
            int windowBudget = 4096 / (k * k * 8);
            int window = windowBudget >= filterChannels ? windowBudget / filterChannels * filterChannels : filterChannels;
            int warpSums = set.Branches == Ddf.FilterBranches.Spatial ? 0 : window * k * k * 8;
            foreach (var architecture in new[] { CudaArchitecture.SM_80, CudaArchitecture.SM_90 })
            {
                using var backend = new PTXBackend(context, architecture, CudaInstructionSet.ISA_80, nvvmAPI: null!);
                foreach (var kernel in Kernels)
                {
                    var method = kernels.GetMethod(kernel)!.MakeGenericMethod(typeof(float));
                    var compiled = (PTXCompiledKernel)backend.Compile(EntryPointDescription.FromExplicitlyGroupedKernel(method), KernelSpecialization.Empty);
                    string ptx = compiled.PTXAssembly, what = $"{name} {kernel} {architecture}";
                    Assert.Matches(@"\.visible \.entry \w+\(", ptx);
                    Assert.DoesNotContain(".local", ptx);
                    Assert.Contains("bar.sync", ptx);
                    int[] shared = Regex.Matches(ptx, @"\.shared \.align \d+ \.b8 \w+\[(\d+)\]").Select(m => int.Parse(m.Groups[1].Value)).Order().ToArray();
                    int[] expected = kernel switch
                    {
                        "Forward" => [inputChannels * inputTile * 4],
                        "InputGradient" => [gradChannels * gradTile * 4],
                        _ => new[] { filterChannels * filterTile * 4, warpSums * 4 }.Where(n => n > 0).Order().ToArray(),
                    };
                    Assert.True(expected.SequenceEqual(shared), $"{what}: shared allocations [{string.Join(", ", shared)}] bytes, designed [{string.Join(", ", expected)}]");
                    Assert.Contains("ld.shared", ptx);
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
