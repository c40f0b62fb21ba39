using System;
using Ddf.Runtime;
using TorchSharp;
using static TorchSharp.torch;

namespace Ddf;

/// <summary>Checks the arguments of <see cref="ops.ddf(TorchSharp.torch.Tensor, TorchSharp.torch.Tensor?, TorchSharp.torch.Tensor?, long, long, long, KernelCombine)"/> and derives the operation's geometry.</summary>
internal static class DdfArguments
{
    public static DdfGeometry Validate(Tensor input, Tensor? channel_filter, Tensor? spatial_filter,
        long kernel_size, long dilation, long stride, KernelCombine combine)
    {
        ArgumentNullException.ThrowIfNull(input);
        if (kernel_size < 1 || kernel_size % 2 == 0 || kernel_size > int.MaxValue)
            throw new ArgumentOutOfRangeException(nameof(kernel_size), kernel_size, $"kernel_size must be an odd number >= 1, got {kernel_size}.");
        if (dilation < 1 || dilation > int.MaxValue)
            throw new ArgumentOutOfRangeException(nameof(dilation), dilation, $"dilation must be >= 1, got {dilation}.");
        if (stride < 1 || stride > int.MaxValue)
            throw new ArgumentOutOfRangeException(nameof(stride), stride, $"stride must be >= 1, got {stride}.");
        if (combine is not (KernelCombine.Mul or KernelCombine.Add))
            throw new ArgumentOutOfRangeException(nameof(combine), combine, $"combine must be KernelCombine.Mul or KernelCombine.Add, got {(int)combine}.");
        if (channel_filter is null && spatial_filter is null)
            throw new ArgumentException("channel_filter and spatial_filter are both null; at least one filter is needed (a null filter means that branch is absent).", nameof(channel_filter));

        if (input.dim() != 4)
            throw new ArgumentException($"input must be a 4-D tensor (B, C, H, W), got shape {Show(input.shape)} (rank {input.dim()}).", nameof(input));
        if (input.dtype is not (ScalarType.Float32 or ScalarType.Float64))
            throw new ArgumentException($"input has dtype {input.dtype}; ddf supports Float32 and Float64.", nameof(input));
        CheckSameKind(input, channel_filter, nameof(channel_filter));
        CheckSameKind(input, spatial_filter, nameof(spatial_filter));

        long batch = input.size(0), channels = input.size(1), height = input.size(2), width = input.size(3);
        if (height < 1 || width < 1)
            throw new ArgumentException($"input must have H >= 1 and W >= 1, got shape {Show(input.shape)}.", nameof(input));
        if (batch > int.MaxValue || channels > int.MaxValue || height > int.MaxValue || width > int.MaxValue)
            throw new ArgumentException($"input dimensions must each be below 2^31, got shape {Show(input.shape)}.", nameof(input));
        long k = kernel_size;
        long outHeight = (height - 1) / stride + 1, outWidth = (width - 1) / stride + 1;
        if (channel_filter is not null)
            CheckShape(channel_filter, nameof(channel_filter), "(B, C, k, k)", batch, channels, k, k);
        if (spatial_filter is not null)
            CheckShape(spatial_filter, nameof(spatial_filter), "(B, k*k, Ho, Wo)", batch, k * k, outHeight, outWidth);
        var geometry = new DdfGeometry((int)batch, (int)channels, (int)height, (int)width, (int)kernel_size, (int)dilation, (int)stride);
        if (input.device_type != DeviceType.CUDA && DdfCpuScheduler.Unsupported(geometry) is { } reason)
            throw new ArgumentException($"input of shape {Show(input.shape)} is too large for the CPU kernels with kernel_size {kernel_size}: {reason}.", nameof(input));
        if (input.device_type is not (DeviceType.CPU or DeviceType.CUDA))
            throw new NotSupportedException($"Ddf.ops.ddf runs on CPU and CUDA tensors; input is on {input.device}.");

        return geometry;
    }

    /// <summary>
    /// Checks <paramref name="output"/> of the <c>out:</c> overload: the output's shape, dtype and device, contiguous,
    /// not sharing memory with an input (the kernels read the inputs while writing it), and no graph to record
    /// (like PyTorch's <c>out=</c>, it is not differentiable).
    /// </summary>
    public static void ValidateOut(Tensor output, in DdfGeometry g, Tensor input, Tensor? channel_filter, Tensor? spatial_filter)
    {
        const string name = "out";
        ArgumentNullException.ThrowIfNull(output, name);
        CheckSameKind(input, output, name);
        CheckShape(output, name, "(B, C, Ho, Wo)", g.Batch, g.Channels, g.OutHeight, g.OutWidth);
        if (!output.is_contiguous())
            throw new ArgumentException($"{name} must be contiguous (the kernels write it in place), got strides {Show(output.stride())}.", name);
        CheckNoOverlap(output, input, nameof(input));
        CheckNoOverlap(output, channel_filter, nameof(channel_filter));
        CheckNoOverlap(output, spatial_filter, nameof(spatial_filter));
        if (output.requires_grad || (is_grad_enabled()
            && (input.requires_grad || channel_filter?.requires_grad == true || spatial_filter?.requires_grad == true)))
            throw new ArgumentException($"{name}: ddf with an out tensor is not differentiable, but an argument requires grad; call it under torch.no_grad() or use the overload without out.", name);
    }

    private static unsafe void CheckNoOverlap(Tensor output, Tensor? other, string otherName)
    {
        if (other is null || output.numel() == 0 || other.numel() == 0)
            return;
        static (long Start, long End) Bytes(Tensor t)
        {
            long start = (long)TensorMemory.Pointer<byte>(t), last = 0;
            for (int i = 0; i < t.dim(); i++)
                last += (t.size(i) - 1) * Math.Abs(t.stride(i));
            return (start, start + (last + 1) * t.ElementSize);
        }
        var (a, b) = (Bytes(output), Bytes(other));
        if (a.Start < b.End && b.Start < a.End)
            throw new ArgumentException($"out shares memory with {otherName}; ddf cannot write its output over its inputs.", "out");
    }

    private static void CheckSameKind(Tensor input, Tensor? other, string name)
    {
        if (other is null)
            return;
        if (other.dtype != input.dtype)
            throw new ArgumentException($"{name} has dtype {other.dtype} but input has {input.dtype}; all tensors must share one dtype.", name);
        if (other.device_type != input.device_type || other.device_index != input.device_index)
            throw new ArgumentException($"{name} is on {other.device} but input is on {input.device}; all tensors must be on one device.", name);
    }

    private static void CheckShape(Tensor tensor, string name, string layout, long n0, long n1, long n2, long n3)
    {
        if (tensor.dim() != 4 || tensor.size(0) != n0 || tensor.size(1) != n1 || tensor.size(2) != n2 || tensor.size(3) != n3)
            throw new ArgumentException($"{name} must have shape {layout} = {Show([n0, n1, n2, n3])} for this input, kernel size and stride, got {Show(tensor.shape)}.", name);
    }

    internal static string Show(long[] shape) => "[" + string.Join(", ", shape) + "]";
}
