using System;
using System.ComponentModel;
using Ddf.Runtime;
using static TorchSharp.torch;

namespace Ddf;

/// <summary>
/// Runs a spec's DDF kernels on TorchSharp tensors' own memory, by the tensors' device: CPU tensors on the
/// managed kernels (<see cref="DdfCpuKernelSet"/>), CUDA tensors on the ILGPU kernels (<see cref="DdfGpuKernelSet"/>).
/// <c>Ddf.ops.ddf</c> uses it with the generic or pre-specialised kernels; generated layers with their own.
/// </summary>
[EditorBrowsable(EditorBrowsableState.Advanced)]
public static unsafe class DdfTensors
{
    /// <summary>
    /// Checks the arguments of a DDF call (see <see cref="ops.ddf(TorchSharp.torch.Tensor, TorchSharp.torch.Tensor?, TorchSharp.torch.Tensor?, long, long, long, KernelCombine)"/>) and returns its geometry; throws
    /// an <see cref="System.ArgumentException"/> naming the argument that is wrong.
    /// </summary>
    public static DdfGeometry Validate(Tensor input, Tensor? channel_filter, Tensor? spatial_filter,
        long kernel_size, long dilation, long stride, KernelCombine combine) =>
        DdfArguments.Validate(input, channel_filter, spatial_filter, kernel_size, dilation, stride, combine);

    /// <summary>
    /// The DDF output for validated tensors (made contiguous first where they are not), on <paramref name="kernels"/>
    /// for CPU tensors and <paramref name="gpuKernels"/> for CUDA tensors, written into <paramref name="output"/> when
    /// given (a contiguous tensor of the output's shape, dtype and device) or else into a new tensor.
    /// </summary>
    public static Tensor Forward(Tensor input, Tensor? channelFilter, Tensor? spatialFilter, DdfGeometry g, DdfCpuKernelSet kernels,
        DdfGpuKernelSet? gpuKernels = null, Tensor? output = null)
    {
        if (input.device_type == TorchSharp.DeviceType.CUDA)
            DdfGpu.CheckFits(GpuKernels(gpuKernels), g); // before allocating
        output ??= ReusedTensorMemory.Empty([g.Batch, g.Channels, g.OutHeight, g.OutWidth], input);
        if (output.numel() == 0)
            return output;
        using var xc = new Contiguous(input);
        using var cfc = new Contiguous(channelFilter);
        using var sfc = new Contiguous(spatialFilter);
        var (x, cf, sf) = (xc.Tensor!, cfc.Tensor, sfc.Tensor);
        if (input.device_type == TorchSharp.DeviceType.CUDA)
            DdfCudaTensors.Forward(x, cf, sf, output, g, GpuKernels(gpuKernels));
        else if (input.dtype == ScalarType.Float32)
            kernels.ForwardSingle(new DdfCpuArgs<float>(g, Pointer<float>(x), Pointer<float>(cf), Pointer<float>(sf), Pointer<float>(output)));
        else
            kernels.ForwardDouble(new DdfCpuArgs<double>(g, Pointer<double>(x), Pointer<double>(cf), Pointer<double>(sf), Pointer<double>(output)));
        return output;
    }

    /// <summary>The gradients asked for (the others are null) for upstream gradient <paramref name="gradOutput"/>.</summary>
    public static (Tensor? Input, Tensor? ChannelFilter, Tensor? SpatialFilter) Backward(
        Tensor input, Tensor? channelFilter, Tensor? spatialFilter, Tensor gradOutput, DdfGeometry g, DdfCpuKernelSet kernels,
        bool wantInput, bool wantChannel, bool wantSpatial, DdfGpuKernelSet? gpuKernels = null)
    {
        if (input.device_type == TorchSharp.DeviceType.CUDA)
            DdfGpu.CheckFits(GpuKernels(gpuKernels), g, wantInput, wantChannel && channelFilter is not null, wantSpatial && spatialFilter is not null); // before allocating
        var dx = wantInput ? ReusedTensorMemory.Empty(input.shape, input) : null;
        var dcf = wantChannel && channelFilter is not null ? ReusedTensorMemory.Empty(channelFilter.shape, input) : null;
        var dsf = wantSpatial && spatialFilter is not null ? ReusedTensorMemory.Empty(spatialFilter.shape, input) : null;
        if (input.numel() == 0 || gradOutput.numel() == 0)
            return (dx?.zero_(), dcf?.zero_(), dsf?.zero_());
        using var xc = new Contiguous(input);
        using var cfc = new Contiguous(channelFilter);
        using var sfc = new Contiguous(spatialFilter);
        using var goc = new Contiguous(gradOutput);
        var (x, cf, sf, go) = (xc.Tensor!, cfc.Tensor, sfc.Tensor, goc.Tensor!);
        if (input.device_type == TorchSharp.DeviceType.CUDA)
            DdfCudaTensors.Backward(x, cf, sf, go, dx, dcf, dsf, g, GpuKernels(gpuKernels));
        else if (input.dtype == ScalarType.Float32)
            kernels.BackwardSingle(new DdfCpuArgs<float>(g, Pointer<float>(x), Pointer<float>(cf), Pointer<float>(sf), Pointer<float>(go), Pointer<float>(dx), Pointer<float>(dsf)), Pointer<float>(dcf));
        else
            kernels.BackwardDouble(new DdfCpuArgs<double>(g, Pointer<double>(x), Pointer<double>(cf), Pointer<double>(sf), Pointer<double>(go), Pointer<double>(dx), Pointer<double>(dsf)), Pointer<double>(dcf));
        return (dx, dcf, dsf);
    }

    /// <summary>
    /// A tensor's contiguous form: the tensor itself when it already is (no new wrapper object per call), else a
    /// contiguous copy that <see cref="Dispose"/> frees.
    /// </summary>
    private readonly struct Contiguous(Tensor? source) : IDisposable
    {
        public readonly Tensor? Tensor = source is null || source.is_contiguous() ? source : source.contiguous();

        public void Dispose()
        {
            if (!ReferenceEquals(Tensor, source))
                Tensor?.Dispose();
        }
    }

    private static DdfGpuKernelSet GpuKernels(DdfGpuKernelSet? kernels) =>
        kernels ?? throw new ArgumentException("CUDA tensors need the spec's GPU kernels: pass gpuKernels.", "gpuKernels");

    private static T* Pointer<T>(Tensor? tensor) where T : unmanaged => TensorMemory.PointerOrNull<T>(tensor);
}
