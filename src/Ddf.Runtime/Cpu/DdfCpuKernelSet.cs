using System;
using System.Numerics;

namespace Ddf.Runtime;

/// <summary>Computes a DDF output into <c>args.Output</c>.</summary>
public delegate void DdfCpuForward<T>(in DdfCpuArgs<T> args) where T : unmanaged, IFloatingPointIeee754<T>;

/// <summary>Computes the DDF gradients asked for (see <see cref="DdfCpuScheduler.Backward{T, TRows}"/>).</summary>
public unsafe delegate void DdfCpuBackward<T>(in DdfCpuArgs<T> args, T* gradChannelFilter) where T : unmanaged, IFloatingPointIeee754<T>;

/// <summary>
/// The CPU kernels of one DDF spec for float32 and float64: the generator's specialised ones, or the
/// generic ones for a weight mode (<see cref="Generic"/>). Which filters they expect (both, spatial
/// only, channel only) and how both combine is part of the spec.
/// </summary>
/// <param name="ForwardSingle">float32 forward.</param>
/// <param name="ForwardDouble">float64 forward.</param>
/// <param name="BackwardSingle">float32 backward.</param>
/// <param name="BackwardDouble">float64 backward.</param>
public sealed record DdfCpuKernelSet(
    DdfCpuForward<float> ForwardSingle, DdfCpuForward<double> ForwardDouble,
    DdfCpuBackward<float> BackwardSingle, DdfCpuBackward<double> BackwardDouble)
{
    /// <summary>The generic sets, indexed by <see cref="WeightModes"/>.</summary>
    private static readonly DdfCpuKernelSet[] GenericSets =
    [
        Of<MulWeight<float>, MulWeight<double>>(), Of<AddWeight<float>, AddWeight<double>>(),
        Of<SpatialWeight<float>, SpatialWeight<double>>(), Of<ChannelWeight<float>, ChannelWeight<double>>(),
    ];

    /// <summary>The generic (run-time kernel size, dilation, stride) kernels for the filters present and the combine mode.</summary>
    public static DdfCpuKernelSet Generic(bool hasChannelFilter, bool hasSpatialFilter, KernelCombine combine) =>
        GenericSets[WeightModes.Of(hasChannelFilter, hasSpatialFilter, combine)];

    private static unsafe DdfCpuKernelSet Of<TSingle, TDouble>()
        where TSingle : struct, ITapWeight<float>
        where TDouble : struct, ITapWeight<double> =>
        new(DdfCpuScheduler.Forward<float, GenericRows<float, TSingle>>, DdfCpuScheduler.Forward<double, GenericRows<double, TDouble>>,
            DdfCpuScheduler.Backward<float, GenericRows<float, TSingle>>, DdfCpuScheduler.Backward<double, GenericRows<double, TDouble>>);
}
