using System;
using Ddf.KernelChecks;
using ILGPU;
using ILGPU.Runtime.CPU;
using Xunit;

namespace Ddf.IntegrationTests;

/// <summary>
/// ILGPU's CPU accelerator simulating an NVIDIA device (warps of 32, blocks up to 1024 threads), shared by the
/// GPU kernel tests; the runs themselves are the GPU check's (KernelComparison in tests/Ddf.KernelChecks, which samples/Ddf.GpuCheck runs on a GPU).
/// </summary>
public sealed class GpuKernelHarness : IDisposable
{
    private readonly Context context = Context.Create(builder => builder.CPU(CPUDeviceKind.Nvidia));

    public GpuKernelHarness() => Accelerator = context.CreateCPUAccelerator(0);

    public CPUAccelerator Accelerator { get; }

    public void Dispose()
    {
        Accelerator.Dispose();
        context.Dispose();
    }

    /// <summary>Fails unless every element is within <paramref name="tolerance"/> * max(1, |expected|).</summary>
    public static void Close(float[]? expected, float[]? actual, double tolerance, string what)
    {
        double worst = KernelComparison.WorstError(expected, actual, out long index);
        if (!(worst <= tolerance))
            Assert.Fail($"{what}: flat index {index}: CPU {expected?[index]:R}, GPU kernel {actual?[index]:R} (error {worst:G3}, tolerance {tolerance})");
    }
}
