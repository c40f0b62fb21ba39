using System;
using Ddf.Runtime;
using ILGPU;
using ILGPU.Runtime;
using ILGPU.Runtime.CPU;
using Xunit;

namespace Ddf.IntegrationTests;

/// <summary>
/// Runs a GPU kernel set on ILGPU's CPU accelerator (simulating an NVIDIA device: warps of 32, blocks up to
/// 1024 threads) and the managed CPU kernels of the same spec on the same random float32 data, and compares
/// forward and every gradient.
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

    /// <summary>All outputs of one call: forward output, input gradient, channel- and spatial-filter gradients (null where absent).</summary>
    public sealed record Results(float[] Output, float[] GradInput, float[]? GradChannel, float[]? GradSpatial);

    public static (float[] Input, float[]? Channel, float[]? Spatial, float[] GradOutput) RandomData(DdfGeometry g, bool channel, bool spatial, int seed)
    {
        var random = new Random(seed);
        float[] Fill(long n)
        {
            var a = new float[n];
            for (long i = 0; i < n; i++)
                a[i] = (float)(random.NextDouble() * 2 - 1);
            return a;
        }
        long outputs = (long)g.Batch * g.Channels * g.OutPlane;
        return (Fill(g.Batch * g.Channels * g.InPlane), channel ? Fill((long)g.Batch * g.Channels * g.Taps) : null,
            spatial ? Fill((long)g.Batch * g.Taps * g.OutPlane) : null, Fill(outputs));
    }

    public static unsafe Results RunCpu(DdfCpuKernelSet kernels, DdfGeometry g, (float[] Input, float[]? Channel, float[]? Spatial, float[] GradOutput) data)
    {
        var output = new float[g.Batch * g.Channels * g.OutPlane];
        var gradInput = new float[data.Input.Length];
        var gradChannel = data.Channel is null ? null : new float[data.Channel.Length];
        var gradSpatial = data.Spatial is null ? null : new float[data.Spatial.Length];
        fixed (float* x = data.Input, cf = data.Channel, sf = data.Spatial, go = data.GradOutput, y = output, dx = gradInput, dcf = gradChannel, dsf = gradSpatial)
        {
            kernels.ForwardSingle(new DdfCpuArgs<float>(g, x, cf, sf, y));
            kernels.BackwardSingle(new DdfCpuArgs<float>(g, x, cf, sf, go, dx, dsf), dcf);
        }
        return new Results(output, gradInput, gradChannel, gradSpatial);
    }

    public Results RunGpu(DdfGpuKernelSet kernels, DdfGeometry g, (float[] Input, float[]? Channel, float[]? Spatial, float[] GradOutput) data)
    {
        var stream = Accelerator.DefaultStream;
        using var x = Upload(data.Input);
        using var cf = Upload(data.Channel);
        using var sf = Upload(data.Spatial);
        using var go = Upload(data.GradOutput);
        using var y = Accelerator.Allocate1D<float>((long)g.Batch * g.Channels * g.OutPlane);
        using var dx = Accelerator.Allocate1D<float>(data.Input.Length);
        using var dcf = Accelerator.Allocate1D<float>(data.Channel?.Length ?? 0);
        using var dsf = Accelerator.Allocate1D<float>(data.Spatial?.Length ?? 0);
        DdfGpu.Forward<float>(stream, kernels, x.View, cf.View, sf.View, y.View, g);
        DdfGpu.Backward<float>(stream, kernels, x.View, cf.View, sf.View, go.View, dx.View, dcf.View, dsf.View, g);
        stream.Synchronize();
        return new Results(y.GetAsArray1D(), dx.GetAsArray1D(), data.Channel is null ? null : dcf.GetAsArray1D(),
            data.Spatial is null ? null : dsf.GetAsArray1D());
    }

    private MemoryBuffer1D<float, Stride1D.Dense> Upload(float[]? values)
    {
        var buffer = Accelerator.Allocate1D<float>(values?.Length ?? 0);
        if (values is { Length: > 0 })
            buffer.CopyFromCPU(values);
        return buffer;
    }

    /// <summary>Fails unless |expected - actual| &lt;= tolerance * max(1, |expected|) everywhere.</summary>
    public static void Close(float[]? expected, float[]? actual, double tolerance, string what)
    {
        Assert.Equal(expected is null, actual is null);
        if (expected is null || actual is null)
            return;
        Assert.Equal(expected.Length, actual.Length);
        for (int i = 0; i < expected.Length; i++)
        {
            double e = expected[i], a = actual[i];
            if (!(Math.Abs(e - a) <= tolerance * Math.Max(1, Math.Abs(e))))
                Assert.Fail($"{what}: flat index {i}: CPU {e:R}, GPU kernel {a:R} (tolerance {tolerance})");
        }
    }
}
