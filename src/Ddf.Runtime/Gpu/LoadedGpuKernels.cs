using System;
using System.Numerics;
using ILGPU;
using ILGPU.Runtime;

namespace Ddf.Runtime;

/// <summary>
/// One kernel set compiled for one accelerator (with the set's <see cref="DdfGpuKernelSet.Specialization"/>): typed launchers that take the
/// stream first (null for an absent branch).
/// </summary>
internal sealed class LoadedGpuKernels<T> where T : unmanaged, INumber<T>
{
    public LoadedGpuKernels(Accelerator accelerator, DdfGpuKernels<T> kernels, KernelSpecialization specialization)
    {
        Forward = accelerator.LoadKernel<ArrayView<T>, ArrayView<T>, ArrayView<T>, ArrayView<T>, DdfGpuLaunch>(kernels.Forward, specialization);
        if (kernels.InputGradient is not null)
            InputGradient = accelerator.LoadKernel<ArrayView<T>, ArrayView<T>, ArrayView<T>, ArrayView<T>, DdfGpuLaunch>(kernels.InputGradient, specialization);
        if (kernels.Backward is not null)
            Backward = accelerator.LoadKernel<ArrayView<T>, ArrayView<T>, ArrayView<T>, ArrayView<T>, ArrayView<T>, ArrayView<T>, ArrayView<T>, DdfGpuLaunch>(kernels.Backward, specialization);
        if (kernels.SpatialGradient is not null)
            SpatialGradient = accelerator.LoadKernel<ArrayView<T>, ArrayView<T>, ArrayView<T>, ArrayView<T>, ArrayView<T>, DdfGpuLaunch>(kernels.SpatialGradient, specialization);
        if (kernels.ChannelGradient is not null)
            ChannelGradient = accelerator.LoadKernel<ArrayView<T>, ArrayView<T>, ArrayView<T>, ArrayView<T>, ArrayView<T>, DdfGpuLaunch>(kernels.ChannelGradient, specialization);
        if (kernels.AlignedForward is not null)
            AlignedForward = accelerator.LoadKernel<ArrayView<T>, ArrayView<T>, ArrayView<T>, ArrayView<T>, DdfGpuLaunch>(kernels.AlignedForward, specialization);
        SumGroups = accelerator.LoadKernel<ArrayView<T>, ArrayView<T>, int, int>(GpuPartialSums.SumGroups, specialization);
    }

    public Action<AcceleratorStream, KernelConfig, ArrayView<T>, ArrayView<T>, ArrayView<T>, ArrayView<T>, DdfGpuLaunch> Forward { get; }

    public Action<AcceleratorStream, KernelConfig, ArrayView<T>, ArrayView<T>, ArrayView<T>, ArrayView<T>, DdfGpuLaunch>? AlignedForward { get; }

    public Action<AcceleratorStream, KernelConfig, ArrayView<T>, ArrayView<T>, ArrayView<T>, ArrayView<T>, DdfGpuLaunch>? InputGradient { get; }

    public Action<AcceleratorStream, KernelConfig, ArrayView<T>, ArrayView<T>, ArrayView<T>, ArrayView<T>, ArrayView<T>, ArrayView<T>, ArrayView<T>, DdfGpuLaunch>? Backward { get; }

    public Action<AcceleratorStream, KernelConfig, ArrayView<T>, ArrayView<T>, ArrayView<T>, ArrayView<T>, ArrayView<T>, DdfGpuLaunch>? SpatialGradient { get; }

    public Action<AcceleratorStream, KernelConfig, ArrayView<T>, ArrayView<T>, ArrayView<T>, ArrayView<T>, ArrayView<T>, DdfGpuLaunch>? ChannelGradient { get; }

    public Action<AcceleratorStream, KernelConfig, ArrayView<T>, ArrayView<T>, int, int> SumGroups { get; }
}
