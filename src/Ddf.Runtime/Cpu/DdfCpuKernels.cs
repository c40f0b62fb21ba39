using System;
using System.Numerics;

namespace Ddf.Runtime;

/// <summary>
/// The DDF operation (paper Eq. 2) on caller-owned contiguous CPU memory for any odd kernel size,
/// dilation and stride: input (B, C, H, W), channel filter (B, C, k, k), spatial filter (B, k*k, Ho, Wo),
/// output (B, C, Ho, Wo). A null filter pointer means that branch is absent. Runs
/// <see cref="GenericRows{T, TW}"/> under <see cref="DdfCpuScheduler"/>: parallel, deterministic. These
/// kernels serve <c>Ddf.ops.ddf</c> for any spec and are the reference that the generator's specialised
/// kernels are tested against.
/// </summary>
public static unsafe class DdfCpuKernels
{
    /// <summary>Computes the DDF output.</summary>
    /// <param name="geometry">Sizes of the operation.</param>
    /// <param name="input">Input (B, C, H, W).</param>
    /// <param name="channelFilter">Channel filter (B, C, k, k), or null when that branch is absent.</param>
    /// <param name="spatialFilter">Spatial filter (B, k*k, Ho, Wo), or null when that branch is absent.</param>
    /// <param name="output">Output (B, C, Ho, Wo), fully overwritten.</param>
    /// <param name="combine">How the two filters combine when both are present.</param>
    public static void Forward<T>(in DdfGeometry geometry, T* input, T* channelFilter, T* spatialFilter, T* output, KernelCombine combine)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        var args = new DdfCpuArgs<T>(geometry, input, channelFilter, spatialFilter, output);
        switch (Mode(channelFilter, spatialFilter, combine))
        {
            case WeightMode.Mul: DdfCpuScheduler.Forward<T, GenericRows<T, MulWeight<T>>>(args); break;
            case WeightMode.Add: DdfCpuScheduler.Forward<T, GenericRows<T, AddWeight<T>>>(args); break;
            case WeightMode.Spatial: DdfCpuScheduler.Forward<T, GenericRows<T, SpatialWeight<T>>>(args); break;
            default: DdfCpuScheduler.Forward<T, GenericRows<T, ChannelWeight<T>>>(args); break;
        }
    }

    /// <summary>
    /// Computes the gradients of the DDF operation for the upstream gradient <paramref name="gradOutput"/>
    /// (B, C, Ho, Wo). Each gradient pointer may be null to skip it; each one that is given is fully
    /// overwritten. Deterministic: the channel- and pixel-reductions run in a fixed order, with no atomics.
    /// </summary>
    /// <param name="geometry">Sizes of the operation.</param>
    /// <param name="input">Input (B, C, H, W).</param>
    /// <param name="channelFilter">Channel filter (B, C, k, k), or null when that branch is absent.</param>
    /// <param name="spatialFilter">Spatial filter (B, k*k, Ho, Wo), or null when that branch is absent.</param>
    /// <param name="gradOutput">Upstream gradient (B, C, Ho, Wo).</param>
    /// <param name="gradInput">Receives d/d input (B, C, H, W), or null.</param>
    /// <param name="gradChannelFilter">Receives d/d channel filter (B, C, k, k), or null.</param>
    /// <param name="gradSpatialFilter">Receives d/d spatial filter (B, k*k, Ho, Wo), or null.</param>
    /// <param name="combine">How the two filters combine when both are present.</param>
    public static void Backward<T>(in DdfGeometry geometry, T* input, T* channelFilter, T* spatialFilter, T* gradOutput,
        T* gradInput, T* gradChannelFilter, T* gradSpatialFilter, KernelCombine combine)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        if (gradChannelFilter != null && channelFilter == null)
            throw new ArgumentException("A channel-filter gradient needs the channel filter.", nameof(gradChannelFilter));
        if (gradSpatialFilter != null && spatialFilter == null)
            throw new ArgumentException("A spatial-filter gradient needs the spatial filter.", nameof(gradSpatialFilter));
        var args = new DdfCpuArgs<T>(geometry, input, channelFilter, spatialFilter, gradOutput, gradInput, gradSpatialFilter);
        switch (Mode(channelFilter, spatialFilter, combine))
        {
            case WeightMode.Mul: DdfCpuScheduler.Backward<T, GenericRows<T, MulWeight<T>>>(args, gradChannelFilter); break;
            case WeightMode.Add: DdfCpuScheduler.Backward<T, GenericRows<T, AddWeight<T>>>(args, gradChannelFilter); break;
            case WeightMode.Spatial: DdfCpuScheduler.Backward<T, GenericRows<T, SpatialWeight<T>>>(args, gradChannelFilter); break;
            default: DdfCpuScheduler.Backward<T, GenericRows<T, ChannelWeight<T>>>(args, gradChannelFilter); break;
        }
    }

    private enum WeightMode { Mul, Add, Spatial, Channel }

    private static WeightMode Mode<T>(T* channelFilter, T* spatialFilter, KernelCombine combine) where T : unmanaged
    {
        if (channelFilter == null && spatialFilter == null)
            throw new ArgumentException("At least one of the channel filter and the spatial filter must be given.", nameof(channelFilter));
        if (channelFilter == null)
            return WeightMode.Spatial;
        if (spatialFilter == null)
            return WeightMode.Channel;
        return combine switch
        {
            KernelCombine.Mul => WeightMode.Mul,
            KernelCombine.Add => WeightMode.Add,
            _ => throw new ArgumentOutOfRangeException(nameof(combine), combine, "combine must be KernelCombine.Mul or KernelCombine.Add."),
        };
    }
}
