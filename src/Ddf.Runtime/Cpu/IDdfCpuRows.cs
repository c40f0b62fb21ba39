using System.Numerics;

namespace Ddf.Runtime;

/// <summary>
/// The row kernels of one DDF spec. <see cref="DdfCpuScheduler"/> splits a call into fixed tiles and
/// calls these per row; <see cref="GenericRows{T, TW}"/> implements them for any spec at run time, and
/// the source generator emits implementations with the spec's constants baked in and the taps unrolled.
/// </summary>
public unsafe interface IDdfCpuRows<T> where T : unmanaged, IFloatingPointIeee754<T>
{
    /// <summary>
    /// Writes output row <paramref name="oy"/> of plane (b, c) and, when <paramref name="pair"/> is true, of
    /// plane (b, c + 1) too: kernels may share each spatial-filter load between the two channels.
    /// </summary>
    static abstract void Forward(in DdfCpuArgs<T> args, int b, int c, bool pair, int oy);

    /// <summary>
    /// Writes input-gradient row <paramref name="y"/> of plane (b, c) and, when <paramref name="pair"/> is true, of
    /// plane (b, c + 1) too: kernels may share each spatial-filter load between the two channels.
    /// </summary>
    static abstract void InputGradient(in DdfCpuArgs<T> args, int b, int c, bool pair, int y);

    /// <summary>
    /// Adds output row <paramref name="oy"/>'s contributions of channel <paramref name="c"/> (and, when
    /// <paramref name="pair"/> is true, of channel c + 1 after it) to the spatial-filter gradient row oy of batch b
    /// (when wanted) and to <paramref name="channelPartials"/>[channel * k*k + t] (when not null).
    /// </summary>
    static abstract void FilterGradients(in DdfCpuArgs<T> args, int b, int c, bool pair, int oy, T* channelPartials);
}
