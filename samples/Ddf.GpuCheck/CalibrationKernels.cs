using System;
using System.Reflection;
using Ddf.Runtime;
using ILGPU;
using ILGPU.Runtime;

namespace Ddf.GpuCheck;

/// <summary>
/// Two ILGPU copy kernels that calibrate the timings: what an ILGPU kernel reaches on pure data movement, one float per
/// thread and one 16-byte vector per thread, next to the driver's device-to-device copy. A DDF kernel far above the
/// scalar copy loses time in its own code; the gap between the two copies is what vector loads are worth.
/// </summary>
internal static class CalibrationKernels
{
    /// <summary>Threads per block of both copies.</summary>
    public const int GroupSize = 256;

    /// <summary>The kernels by name, for the PTX statistics and the per-kernel resources.</summary>
    public static readonly (string Name, MethodInfo Method)[] Methods =
    [
        ("CopyScalar", ((Action<ArrayView<float>, ArrayView<float>>)CopyScalar).Method),
        ("CopyVector", ((Action<ArrayView<float>, ArrayView<float>>)CopyVector).Method),
    ];

    /// <summary>target[i] = source[i], one float per thread.</summary>
    public static void CopyScalar(ArrayView<float> source, ArrayView<float> target)
    {
        long i = Grid.GlobalIndex.X;
        if (i < target.Length)
            target[i] = source[i];
    }

    /// <summary>
    /// The same copy, four floats per thread through the 16-byte <see cref="GpuQuad{T}"/> the DDF forward loads runs with: the cast views are asserted 16-byte aligned, so
    /// ILGPU emits one 16-byte load and store (ld.v4.f32 / st.v4.f32: generic addresses, as all its view accesses, not
    /// ld.global). Needs a length divisible by 4 (<see cref="CalibrationCopies"/> checks it).
    /// </summary>
    public static void CopyVector(ArrayView<float> source, ArrayView<float> target)
    {
        var from = source.Cast<GpuQuad<float>>().AsAligned(16);
        var to = target.Cast<GpuQuad<float>>().AsAligned(16);
        long i = Grid.GlobalIndex.X;
        if (i < to.Length)
            to[i] = from[i];
    }
}

/// <summary>The calibration copies loaded on one accelerator, launched over a whole buffer on a stream.</summary>
internal sealed class CalibrationCopies(Accelerator accelerator)
{
    private readonly Action<AcceleratorStream, KernelConfig, ArrayView<float>, ArrayView<float>> scalar =
        accelerator.LoadKernel<ArrayView<float>, ArrayView<float>>(CalibrationKernels.CopyScalar);

    private readonly Action<AcceleratorStream, KernelConfig, ArrayView<float>, ArrayView<float>> vector =
        accelerator.LoadKernel<ArrayView<float>, ArrayView<float>>(CalibrationKernels.CopyVector);

    public void Scalar(AcceleratorStream stream, ArrayView<float> source, ArrayView<float> target)
    {
        CheckLengths(source, target);
        scalar(stream, Config(target.Length), source, target);
    }

    public void Vector(AcceleratorStream stream, ArrayView<float> source, ArrayView<float> target)
    {
        CheckLengths(source, target);
        if (target.Length % 4 != 0)
            throw new ArgumentException($"The vector copy moves whole float4s; {target.Length} floats is not a multiple of 4.", nameof(target));
        vector(stream, Config(target.Length / 4), source, target);
    }

    private static void CheckLengths(ArrayView<float> source, ArrayView<float> target)
    {
        if (source.Length != target.Length)
            throw new ArgumentException($"Copy of {source.Length} floats into {target.Length}.", nameof(target));
    }

    private static KernelConfig Config(long threads) =>
        new(new Index3D((int)Math.Max(1, (threads + CalibrationKernels.GroupSize - 1) / CalibrationKernels.GroupSize), 1, 1),
            new Index3D(CalibrationKernels.GroupSize, 1, 1));
}
