using System;
using Ddf.Runtime;
using TorchSharp;
using static TorchSharp.torch;

namespace Ddf;

/// <summary>Runs the Ddf.Runtime CPU kernels on TorchSharp tensors' own memory.</summary>
internal static unsafe class DdfCpu
{
    /// <summary>The DDF output for validated CPU tensors (made contiguous first where they are not).</summary>
    public static Tensor Forward(Tensor input, Tensor? channelFilter, Tensor? spatialFilter, DdfGeometry g, KernelCombine combine)
    {
        var output = empty([g.Batch, g.Channels, g.OutHeight, g.OutWidth], input.dtype, input.device);
        if (output.numel() == 0)
            return output;
        using var x = input.contiguous();
        using var cf = channelFilter?.contiguous();
        using var sf = spatialFilter?.contiguous();
        if (input.dtype == ScalarType.Float32)
            DdfCpuKernels.Forward(g, TensorMemory.Pointer<float>(x), TensorMemory.PointerOrNull<float>(cf), TensorMemory.PointerOrNull<float>(sf), TensorMemory.Pointer<float>(output), combine);
        else
            DdfCpuKernels.Forward(g, TensorMemory.Pointer<double>(x), TensorMemory.PointerOrNull<double>(cf), TensorMemory.PointerOrNull<double>(sf), TensorMemory.Pointer<double>(output), combine);
        return output;
    }

    /// <summary>The gradients asked for (the others are null) for upstream gradient <paramref name="gradOutput"/>.</summary>
    public static (Tensor? Input, Tensor? ChannelFilter, Tensor? SpatialFilter) Backward(
        Tensor input, Tensor? channelFilter, Tensor? spatialFilter, Tensor gradOutput, DdfGeometry g, KernelCombine combine,
        bool wantInput, bool wantChannel, bool wantSpatial)
    {
        var dx = wantInput ? empty(input.shape, input.dtype, input.device) : null;
        var dcf = wantChannel && channelFilter is not null ? empty(channelFilter.shape, input.dtype, input.device) : null;
        var dsf = wantSpatial && spatialFilter is not null ? empty(spatialFilter.shape, input.dtype, input.device) : null;
        if (input.numel() == 0 || gradOutput.numel() == 0)
            return (dx?.zero_(), dcf?.zero_(), dsf?.zero_());
        using var x = input.contiguous();
        using var cf = channelFilter?.contiguous();
        using var sf = spatialFilter?.contiguous();
        using var go = gradOutput.contiguous();
        if (input.dtype == ScalarType.Float32)
            DdfCpuKernels.Backward(g, TensorMemory.Pointer<float>(x), TensorMemory.PointerOrNull<float>(cf), TensorMemory.PointerOrNull<float>(sf),
                TensorMemory.Pointer<float>(go), TensorMemory.PointerOrNull<float>(dx), TensorMemory.PointerOrNull<float>(dcf), TensorMemory.PointerOrNull<float>(dsf), combine);
        else
            DdfCpuKernels.Backward(g, TensorMemory.Pointer<double>(x), TensorMemory.PointerOrNull<double>(cf), TensorMemory.PointerOrNull<double>(sf),
                TensorMemory.Pointer<double>(go), TensorMemory.PointerOrNull<double>(dx), TensorMemory.PointerOrNull<double>(dcf), TensorMemory.PointerOrNull<double>(dsf), combine);
        return (dx, dcf, dsf);
    }
}
