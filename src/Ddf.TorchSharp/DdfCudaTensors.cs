using System;
using Ddf.Runtime;
using ILGPU;
using ILGPU.Runtime;
using static TorchSharp.torch;

namespace Ddf;

/// <summary>
/// The CUDA side of <see cref="DdfTensors"/>: a spec's ILGPU kernels on the tensors' own device memory, no copy and
/// no host round trip. The accelerator runs in the device's primary CUDA context (libtorch's) on the legacy default
/// stream, so the kernels are ordered with libtorch's default-stream work; code that runs libtorch on other
/// streams must synchronise itself.
/// </summary>
internal static class DdfCudaTensors
{
    public static Tensor Forward(Tensor input, Tensor? channelFilter, Tensor? spatialFilter, DdfGeometry g, DdfGpuKernelSet kernels)
    {
        var output = empty([g.Batch, g.Channels, g.OutHeight, g.OutWidth], input.dtype, input.device);
        if (output.numel() == 0)
            return output;
        using var x = input.contiguous();
        using var cf = channelFilter?.contiguous();
        using var sf = spatialFilter?.contiguous();
        var accelerator = DdfCudaDevices.Get(input.device_index);
        if (input.dtype == ScalarType.Float32)
            DdfGpu.Forward(accelerator.DefaultStream, kernels, View<float>(accelerator, x), View<float>(accelerator, cf), View<float>(accelerator, sf), View<float>(accelerator, output), g);
        else
            DdfGpu.Forward(accelerator.DefaultStream, kernels, View<double>(accelerator, x), View<double>(accelerator, cf), View<double>(accelerator, sf), View<double>(accelerator, output), g);
        return output;
    }

    public static (Tensor? Input, Tensor? ChannelFilter, Tensor? SpatialFilter) Backward(
        Tensor input, Tensor? channelFilter, Tensor? spatialFilter, Tensor gradOutput, DdfGeometry g, DdfGpuKernelSet kernels,
        bool wantInput, bool wantChannel, bool wantSpatial)
    {
        var dx = wantInput ? empty(input.shape, input.dtype, input.device) : null;
        var dcf = wantChannel && channelFilter is not null ? empty(channelFilter.shape, input.dtype, input.device) : null;
        var dsf = wantSpatial && spatialFilter is not null ? empty(spatialFilter.shape, input.dtype, input.device) : null;
        using var x = input.contiguous();
        using var cf = channelFilter?.contiguous();
        using var sf = spatialFilter?.contiguous();
        using var go = gradOutput.contiguous();
        var a = DdfCudaDevices.Get(input.device_index);
        if (input.dtype == ScalarType.Float32)
            DdfGpu.Backward(a.DefaultStream, kernels, View<float>(a, x), View<float>(a, cf), View<float>(a, sf), View<float>(a, go),
                View<float>(a, dx), View<float>(a, dcf), View<float>(a, dsf), g);
        else
            DdfGpu.Backward(a.DefaultStream, kernels, View<double>(a, x), View<double>(a, cf), View<double>(a, sf), View<double>(a, go),
                View<double>(a, dx), View<double>(a, dcf), View<double>(a, dsf), g);
        return (dx, dcf, dsf);
    }

    private static unsafe ArrayView<T> View<T>(Accelerator accelerator, Tensor? tensor) where T : unmanaged =>
        tensor is null || tensor.numel() == 0 ? default : DdfGpuMemory.View<T>(accelerator, (IntPtr)TensorMemory.Pointer<T>(tensor), tensor.numel());
}
