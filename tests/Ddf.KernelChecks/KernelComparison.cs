using System;
using System.Numerics;
using Ddf.Runtime;
using ILGPU;
using ILGPU.Runtime;

namespace Ddf.KernelChecks;

/// <summary>The tensors of one DDF call as flat NCHW arrays (null where a branch is absent).</summary>
public sealed record DdfData<T>(T[] Input, T[]? ChannelFilter, T[]? SpatialFilter, T[] GradOutput);

/// <summary>What one DDF call computes: output and the three gradients (null where a branch is absent).</summary>
public sealed record DdfResults<T>(T[] Output, T[] GradInput, T[]? GradChannelFilter, T[]? GradSpatialFilter);

/// <summary>
/// Runs the same DDF call through a spec's managed CPU kernels and through its GPU kernels on an ILGPU
/// accelerator (a CUDA GPU, or ILGPU's CPU accelerator in tests), so the two can be compared.
/// </summary>
public static class KernelComparison
{
    /// <summary>Uniform random data in [-1, 1) for geometry <paramref name="g"/>.</summary>
    public static DdfData<T> RandomData<T>(DdfGeometry g, FilterBranches branches, int seed) where T : unmanaged, IFloatingPointIeee754<T>
    {
        var random = new Random(seed);
        T[] Fill(long n)
        {
            var a = new T[n];
            for (long i = 0; i < n; i++)
                a[i] = T.CreateChecked(random.NextDouble() * 2 - 1);
            return a;
        }
        return new(Fill(g.Batch * g.Channels * g.InPlane),
            branches != FilterBranches.Spatial ? Fill((long)g.Batch * g.Channels * g.Taps) : null,
            branches != FilterBranches.Channel ? Fill((long)g.Batch * g.Taps * g.OutPlane) : null,
            Fill((long)g.Batch * g.Channels * g.OutPlane));
    }

    /// <summary>Forward and backward on the managed CPU kernels.</summary>
    public static unsafe DdfResults<T> RunCpu<T>(DdfCpuKernelSet kernels, DdfGeometry g, DdfData<T> data) where T : unmanaged, IFloatingPointIeee754<T>
    {
        var results = new DdfResults<T>(new T[g.Batch * g.Channels * g.OutPlane], new T[data.Input.Length],
            data.ChannelFilter is null ? null : new T[data.ChannelFilter.Length], data.SpatialFilter is null ? null : new T[data.SpatialFilter.Length]);
        fixed (T* x = data.Input, cf = data.ChannelFilter, sf = data.SpatialFilter, go = data.GradOutput)
        fixed (T* y = results.Output, dx = results.GradInput, dcf = results.GradChannelFilter, dsf = results.GradSpatialFilter)
        {
            if (typeof(T) == typeof(float))
            {
                kernels.ForwardSingle(new DdfCpuArgs<float>(g, (float*)x, (float*)cf, (float*)sf, (float*)y));
                kernels.BackwardSingle(new DdfCpuArgs<float>(g, (float*)x, (float*)cf, (float*)sf, (float*)go, (float*)dx, (float*)dsf), (float*)dcf);
            }
            else
            {
                kernels.ForwardDouble(new DdfCpuArgs<double>(g, (double*)x, (double*)cf, (double*)sf, (double*)y));
                kernels.BackwardDouble(new DdfCpuArgs<double>(g, (double*)x, (double*)cf, (double*)sf, (double*)go, (double*)dx, (double*)dsf), (double*)dcf);
            }
        }
        return results;
    }

    /// <summary>Forward and backward on the GPU kernels, on <paramref name="accelerator"/>'s default stream.</summary>
    public static DdfResults<T> RunGpu<T>(Accelerator accelerator, DdfGpuKernelSet kernels, DdfGeometry g, DdfData<T> data)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        var stream = accelerator.DefaultStream;
        using var x = Upload(accelerator, data.Input);
        using var cf = Upload(accelerator, data.ChannelFilter);
        using var sf = Upload(accelerator, data.SpatialFilter);
        using var go = Upload(accelerator, data.GradOutput);
        using var y = accelerator.Allocate1D<T>((long)g.Batch * g.Channels * g.OutPlane);
        using var dx = accelerator.Allocate1D<T>(data.Input.Length);
        using var dcf = accelerator.Allocate1D<T>(data.ChannelFilter?.Length ?? 0);
        using var dsf = accelerator.Allocate1D<T>(data.SpatialFilter?.Length ?? 0);
        DdfGpu.Forward<T>(stream, kernels, x.View, cf.View, sf.View, y.View, g);
        DdfGpu.Backward<T>(stream, kernels, x.View, cf.View, sf.View, go.View, dx.View, dcf.View, dsf.View, g);
        stream.Synchronize();
        return new(y.GetAsArray1D(), dx.GetAsArray1D(), data.ChannelFilter is null ? null : dcf.GetAsArray1D(),
            data.SpatialFilter is null ? null : dsf.GetAsArray1D());
    }

    /// <summary>
    /// The largest error of <paramref name="actual"/> against <paramref name="expected"/> in units of
    /// max(1, |expected|): below the tolerance means every element is close.
    /// </summary>
    public static double WorstError<T>(T[]? expected, T[]? actual, out long index) where T : unmanaged, IFloatingPointIeee754<T>
    {
        index = -1;
        if (expected is null && actual is null)
            return 0;
        if (expected is null || actual is null || expected.Length != actual.Length)
            return double.PositiveInfinity;
        double worst = 0;
        for (long i = 0; i < expected.Length; i++)
        {
            double e = double.CreateChecked(expected[i]), a = double.CreateChecked(actual[i]);
            if (e.Equals(a))
                continue; // also the same infinity, or NaN in both
            double error = Math.Abs(e - a) / Math.Max(1, Math.Abs(e));
            if (!(error <= worst))
            {
                worst = double.IsNaN(error) ? double.PositiveInfinity : error;
                index = i;
            }
        }
        return worst;
    }

    /// <summary>A device buffer holding <paramref name="values"/> (empty for null).</summary>
    public static MemoryBuffer1D<T, Stride1D.Dense> Upload<T>(Accelerator accelerator, T[]? values) where T : unmanaged
    {
        var buffer = accelerator.Allocate1D<T>(values?.Length ?? 0);
        if (values is { Length: > 0 })
            buffer.CopyFromCPU(values);
        return buffer;
    }
}
