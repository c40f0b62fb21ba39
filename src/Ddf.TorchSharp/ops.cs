using Ddf.Runtime;
using TorchSharp;
using static TorchSharp.torch;

#pragma warning disable CS8981 // PyTorch-style lower-case name, like torch.nn.functional.

namespace Ddf;

/// <summary>Functional DDF operations, in TorchSharp's naming style (compare <c>torch.nn.functional</c>).</summary>
public static class ops
{
    /// <summary>
    /// The decoupled dynamic filter (paper Eq. 2): out[b, c, oy, ox] = sum over taps (ky, kx) of
    /// x[b, c, oy*s - p + ky*d, ox*s - p + kx*d] * W, with W = channel_filter[b, c, ky, kx] (op)
    /// spatial_filter[b, ky*k + kx, oy, ox], zero padding p = d * (k - 1) / 2, and output size
    /// Ho = (H - 1) / s + 1, Wo = (W - 1) / s + 1. Differentiable in all three tensors; float32 and float64.
    /// CPU tensors run vectorised, parallel, deterministic kernels directly on the tensors' memory, CUDA tensors
    /// ILGPU kernels on the tensors' device memory: for the common specs (k = 3 at stride 1 and 2, k = 5; dilation 1,
    /// both filters) kernels this library's generator specialises, otherwise the generic ones.
    /// </summary>
    /// <param name="input">Input features (B, C, H, W).</param>
    /// <param name="channel_filter">Per-channel filters (B, C, k, k), or null for a spatial-only filter.</param>
    /// <param name="spatial_filter">Per-pixel filters (B, k*k, Ho, Wo), shared by all channels, or null for a channel-only filter.</param>
    /// <param name="kernel_size">Odd kernel size k &gt;= 1.</param>
    /// <param name="dilation">Dilation d &gt;= 1 of the taps. Default: 1.</param>
    /// <param name="stride">Stride s &gt;= 1. Default: 1.</param>
    /// <param name="combine">How the two filters combine when both are given. Default: <see cref="KernelCombine.Mul"/>.</param>
    /// <returns>The filtered features (B, C, Ho, Wo).</returns>
    /// <exception cref="System.ArgumentException">A shape, dtype, device or setting is invalid; the message names the argument, what it got and what it needs.</exception>
    /// <exception cref="System.NotSupportedException">The tensors are neither on the CPU nor on a CUDA device.</exception>
    public static Tensor ddf(Tensor input, Tensor? channel_filter, Tensor? spatial_filter, long kernel_size,
        long dilation = 1, long stride = 1, KernelCombine combine = KernelCombine.Mul)
    {
        var geometry = DdfArguments.Validate(input, channel_filter, spatial_filter, kernel_size, dilation, stride, combine);
        var (cpu, gpu) = Kernels(geometry, channel_filter, spatial_filter, combine);
        bool recordsGraph = is_grad_enabled()
            && (input.requires_grad || channel_filter?.requires_grad == true || spatial_filter?.requires_grad == true);
        return recordsGraph
            ? DdfFunction.apply(input, channel_filter!, spatial_filter!, geometry, cpu, gpu)
            : DdfTensors.Forward(input, channel_filter, spatial_filter, geometry, cpu, gpu);
    }

    /// <summary>
    /// <see cref="ddf(Tensor, Tensor?, Tensor?, long, long, long, KernelCombine)"/> written into <paramref name="out"/>, a
    /// preallocated contiguous (B, C, Ho, Wo) tensor of the input's dtype and device, which is returned. Reusing one
    /// output tensor across calls avoids the fresh pages a new 100 MB output costs (README, "Performance"). Like
    /// PyTorch's <c>out=</c>, this overload is not differentiable: call it under <c>torch.no_grad()</c> or with
    /// arguments that do not require grad.
    /// </summary>
    /// <param name="input">Input features (B, C, H, W).</param>
    /// <param name="channel_filter">Per-channel filters (B, C, k, k), or null for a spatial-only filter.</param>
    /// <param name="spatial_filter">Per-pixel filters (B, k*k, Ho, Wo), or null for a channel-only filter.</param>
    /// <param name="kernel_size">Odd kernel size k &gt;= 1.</param>
    /// <param name="out">Receives the result; must not share memory with the inputs.</param>
    /// <param name="dilation">Dilation d &gt;= 1 of the taps. Default: 1.</param>
    /// <param name="stride">Stride s &gt;= 1. Default: 1.</param>
    /// <param name="combine">How the two filters combine when both are given. Default: <see cref="KernelCombine.Mul"/>.</param>
    /// <returns><paramref name="out"/>.</returns>
    /// <exception cref="System.ArgumentException">An argument is invalid (as for the overload without out), <paramref name="out"/> has the
    /// wrong shape, dtype or device, is not contiguous, overlaps an input, or an argument requires grad.</exception>
    public static Tensor ddf(Tensor input, Tensor? channel_filter, Tensor? spatial_filter, long kernel_size, Tensor @out,
        long dilation = 1, long stride = 1, KernelCombine combine = KernelCombine.Mul)
    {
        var geometry = DdfArguments.Validate(input, channel_filter, spatial_filter, kernel_size, dilation, stride, combine);
        DdfArguments.ValidateOut(@out, geometry, input, channel_filter, spatial_filter);
        var (cpu, gpu) = Kernels(geometry, channel_filter, spatial_filter, combine);
        return DdfTensors.Forward(input, channel_filter, spatial_filter, geometry, cpu, gpu, @out);
    }

    /// <summary>The kernels for a call: pre-specialised ones for common specs with both filters, else the generic ones.</summary>
    private static (DdfCpuKernelSet Cpu, DdfGpuKernelSet Gpu) Kernels(in DdfGeometry geometry, Tensor? channel_filter, Tensor? spatial_filter, KernelCombine combine) =>
        (channel_filter is not null && spatial_filter is not null ? Specialised.CommonSpecs.Find(geometry, combine) : null)
            ?? (DdfCpuKernelSet.Generic(channel_filter is not null, spatial_filter is not null, combine),
                DdfGpuKernelSet.Generic(channel_filter is not null, spatial_filter is not null, combine));
}
