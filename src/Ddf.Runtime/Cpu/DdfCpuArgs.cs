using System.Numerics;

namespace Ddf.Runtime;

/// <summary>
/// The memory of one DDF call on the CPU, handed to row kernels: contiguous NCHW buffers (null where a
/// branch is absent or a gradient is not wanted) and the call's geometry. Layouts: input and input
/// gradient (B, C, H, W); channel filter (B, C, k, k); spatial filter (B, k*k, Ho, Wo); output and
/// output gradient (B, C, Ho, Wo).
/// </summary>
public readonly unsafe struct DdfCpuArgs<T> where T : unmanaged, IFloatingPointIeee754<T>
{
    /// <summary>Sizes of the call.</summary>
    public readonly DdfGeometry Geometry;

    /// <summary>Input (B, C, H, W).</summary>
    public readonly T* Input;

    /// <summary>Channel filter (B, C, k, k), or null.</summary>
    public readonly T* ChannelFilter;

    /// <summary>Spatial filter (B, k*k, Ho, Wo), or null.</summary>
    public readonly T* SpatialFilter;

    /// <summary>Forward: the output (B, C, Ho, Wo). Backward: the upstream gradient of the output.</summary>
    public readonly T* Output;

    /// <summary>Backward: receives the input gradient, or null.</summary>
    public readonly T* GradInput;

    /// <summary>Backward: receives the spatial-filter gradient, or null.</summary>
    public readonly T* GradSpatialFilter;

    /// <summary>Bundles the buffers of one call.</summary>
    public DdfCpuArgs(in DdfGeometry geometry, T* input, T* channelFilter, T* spatialFilter, T* output,
        T* gradInput = null, T* gradSpatialFilter = null)
    {
        Geometry = geometry;
        Input = input;
        ChannelFilter = channelFilter;
        SpatialFilter = spatialFilter;
        Output = output;
        GradInput = gradInput;
        GradSpatialFilter = gradSpatialFilter;
    }

    /// <summary>Plane (b, c) of the input.</summary>
    public T* InputPlane(int b, int c) => Input + ((long)b * Geometry.Channels + c) * Geometry.InPlane;

    /// <summary>The k*k channel-filter taps of plane (b, c), or null when that branch is absent.</summary>
    public T* ChannelTaps(int b, int c) =>
        ChannelFilter == null ? null : ChannelFilter + ((long)b * Geometry.Channels + c) * Geometry.Taps;

    /// <summary>Tap 0 of the spatial filter of batch b at output row oy (tap t is <c>t * OutPlane</c> further), or null.</summary>
    public T* SpatialRow(int b, int oy) =>
        SpatialFilter == null ? null : SpatialFilter + (long)b * Geometry.Taps * Geometry.OutPlane + (long)oy * Geometry.OutWidth;

    /// <summary>Row oy of plane (b, c) of the output (forward) or output gradient (backward).</summary>
    public T* OutputRow(int b, int c, int oy) =>
        Output + ((long)b * Geometry.Channels + c) * Geometry.OutPlane + (long)oy * Geometry.OutWidth;
}
