using System.Numerics;
using ILGPU;
using ILGPU.Runtime;

namespace Ddf.Runtime;

/// <summary>One kernel set compiled for one accelerator: typed launchers that take the stream first.</summary>
internal sealed class LoadedGpuKernels<T> where T : unmanaged, INumber<T>
{
    public LoadedGpuKernels(Accelerator accelerator, DdfGpuKernels<T> kernels)
    {
        Forward = accelerator.LoadKernel<ArrayView<T>, ArrayView<T>, ArrayView<T>, ArrayView<T>, DdfGpuLaunch>(kernels.Forward);
        InputGradient = accelerator.LoadKernel<ArrayView<T>, ArrayView<T>, ArrayView<T>, ArrayView<T>, DdfGpuLaunch>(kernels.InputGradient);
        FilterGradients = accelerator.LoadKernel<ArrayView<T>, ArrayView<T>, ArrayView<T>, ArrayView<T>, ArrayView<T>, ArrayView<T>, DdfGpuLaunch>(
            kernels.FilterGradients);
        SumGroups = accelerator.LoadKernel<ArrayView<T>, ArrayView<T>, int, int>(GpuPartialSums.SumGroups);
    }

    public System.Action<AcceleratorStream, KernelConfig, ArrayView<T>, ArrayView<T>, ArrayView<T>, ArrayView<T>, DdfGpuLaunch> Forward { get; }

    public System.Action<AcceleratorStream, KernelConfig, ArrayView<T>, ArrayView<T>, ArrayView<T>, ArrayView<T>, DdfGpuLaunch> InputGradient { get; }

    public System.Action<AcceleratorStream, KernelConfig, ArrayView<T>, ArrayView<T>, ArrayView<T>, ArrayView<T>, ArrayView<T>, ArrayView<T>, DdfGpuLaunch> FilterGradients { get; }

    public System.Action<AcceleratorStream, KernelConfig, ArrayView<T>, ArrayView<T>, int, int> SumGroups { get; }
}
