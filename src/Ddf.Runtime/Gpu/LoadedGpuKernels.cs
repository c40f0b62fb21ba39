using System;
using System.Numerics;
using ILGPU;
using ILGPU.Runtime;

namespace Ddf.Runtime;

/// <summary>One kernel set compiled for one accelerator: typed launchers that take the stream first (null for an absent branch).</summary>
internal sealed class LoadedGpuKernels<T> where T : unmanaged, INumber<T>
{
    public LoadedGpuKernels(Accelerator accelerator, DdfGpuKernels<T> kernels)
    {
        Forward = accelerator.LoadKernel<ArrayView<T>, ArrayView<T>, ArrayView<T>, ArrayView<T>, DdfGpuLaunch>(kernels.Forward);
        InputGradient = accelerator.LoadKernel<ArrayView<T>, ArrayView<T>, ArrayView<T>, ArrayView<T>, DdfGpuLaunch>(kernels.InputGradient);
        if (kernels.SpatialGradient is not null)
            SpatialGradient = accelerator.LoadKernel<ArrayView<T>, ArrayView<T>, ArrayView<T>, ArrayView<T>, ArrayView<T>, DdfGpuLaunch>(kernels.SpatialGradient);
        if (kernels.ChannelGradient is not null)
            ChannelGradient = accelerator.LoadKernel<ArrayView<T>, ArrayView<T>, ArrayView<T>, ArrayView<T>, ArrayView<T>, DdfGpuLaunch>(kernels.ChannelGradient);
        SumGroups = accelerator.LoadKernel<ArrayView<T>, ArrayView<T>, int, int>(GpuPartialSums.SumGroups);
    }

    public Action<AcceleratorStream, KernelConfig, ArrayView<T>, ArrayView<T>, ArrayView<T>, ArrayView<T>, DdfGpuLaunch> Forward { get; }

    public Action<AcceleratorStream, KernelConfig, ArrayView<T>, ArrayView<T>, ArrayView<T>, ArrayView<T>, DdfGpuLaunch> InputGradient { get; }

    public Action<AcceleratorStream, KernelConfig, ArrayView<T>, ArrayView<T>, ArrayView<T>, ArrayView<T>, ArrayView<T>, DdfGpuLaunch>? SpatialGradient { get; }

    public Action<AcceleratorStream, KernelConfig, ArrayView<T>, ArrayView<T>, ArrayView<T>, ArrayView<T>, ArrayView<T>, DdfGpuLaunch>? ChannelGradient { get; }

    public Action<AcceleratorStream, KernelConfig, ArrayView<T>, ArrayView<T>, int, int> SumGroups { get; }
}
