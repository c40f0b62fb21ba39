using System;
using Ddf.Runtime;
using ILGPU;
using ILGPU.Runtime;
using static TorchSharp.torch;

namespace Ddf;

/// <summary>
/// The CUDA side of <see cref="DdfTensors"/>: a spec's ILGPU kernels on contiguous tensors' own device memory, no copy
/// and no host round trip. Each call runs inside <see cref="DdfCudaDevices.Enter"/>: the tensor's device's primary CUDA
/// context (libtorch's) is current on the calling thread (the user's, a thread-pool thread, autograd's backward thread)
/// while kernels load, scratch memory is allocated and kernels launch, and the thread's previous context is restored
/// afterwards. The kernels run on the legacy default stream: libtorch's current stream cannot be read or set through
/// TorchSharp 0.107 (no managed API, no LibTorchSharp export), so it is libtorch's default stream (the null stream, legacy
/// semantics) unless native code outside TorchSharp changes it; code that does must synchronise itself. Not verified on a GPU.
/// </summary>
internal static class DdfCudaTensors
{
    /// <summary>Writes <paramref name="output"/>; the filters are null where a branch is absent.</summary>
    public static void Forward(Tensor input, Tensor? channelFilter, Tensor? spatialFilter, Tensor output, DdfGeometry g, DdfGpuKernelSet kernels)
    {
        using var scope = DdfCudaDevices.Enter(input.device_index);
        var a = scope.Accelerator;
        if (input.dtype == ScalarType.Float32)
            DdfGpu.Forward(a.DefaultStream, kernels, View<float>(a, input), View<float>(a, channelFilter), View<float>(a, spatialFilter), View<float>(a, output), g);
        else
            DdfGpu.Forward(a.DefaultStream, kernels, View<double>(a, input), View<double>(a, channelFilter), View<double>(a, spatialFilter), View<double>(a, output), g);
    }

    /// <summary>Writes the gradients that are not null.</summary>
    public static void Backward(Tensor input, Tensor? channelFilter, Tensor? spatialFilter, Tensor gradOutput,
        Tensor? gradInput, Tensor? gradChannelFilter, Tensor? gradSpatialFilter, DdfGeometry g, DdfGpuKernelSet kernels)
    {
        using var scope = DdfCudaDevices.Enter(input.device_index);
        var a = scope.Accelerator;
        if (input.dtype == ScalarType.Float32)
            DdfGpu.Backward(a.DefaultStream, kernels, View<float>(a, input), View<float>(a, channelFilter), View<float>(a, spatialFilter), View<float>(a, gradOutput),
                View<float>(a, gradInput), View<float>(a, gradChannelFilter), View<float>(a, gradSpatialFilter), g);
        else
            DdfGpu.Backward(a.DefaultStream, kernels, View<double>(a, input), View<double>(a, channelFilter), View<double>(a, spatialFilter), View<double>(a, gradOutput),
                View<double>(a, gradInput), View<double>(a, gradChannelFilter), View<double>(a, gradSpatialFilter), g);
    }

    private static unsafe ArrayView<T> View<T>(Accelerator accelerator, Tensor? tensor) where T : unmanaged =>
        tensor is null || tensor.numel() == 0 ? default : DdfGpuMemory.View<T>(accelerator, (IntPtr)TensorMemory.Pointer<T>(tensor), tensor.numel());
}
