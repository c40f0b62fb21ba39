using System.Numerics;
using System.Runtime.CompilerServices;
using ILGPU;

namespace Ddf.Runtime;

/// <summary>
/// The generic GPU kernels: kernel size, dilation, stride, branches and combine read at run time, one
/// thread per element, no shared memory. They serve <c>Ddf.ops.ddf</c> for any spec and generated layers
/// whose kernel is too large to unroll, and they are the GPU reference for the generated tiled kernels.
/// Every sum runs in a fixed order, so results are bitwise reproducible.
/// </summary>
internal static class GenericGpuKernels
{
    /// <summary>One thread per output element (b, c, oy, ox).</summary>
    public static void Forward<T>(ArrayView<T> input, ArrayView<T> channelFilter, ArrayView<T> spatialFilter, ArrayView<T> output, DdfGpuLaunch launch)
        where T : unmanaged, INumber<T>
    {
        long index = Grid.GlobalIndex.X;
        if (index >= output.Length)
            return;
        var g = launch.Geometry;
        int outW = g.OutWidth, outH = g.OutHeight, k = g.KernelSize;
        int ox = (int)(index % outW);
        long rest = index / outW;
        int oy = (int)(rest % outH);
        long plane = rest / outH; // b * C + c
        int b = (int)(plane / g.Channels);
        long inBase = plane * g.InPlane;
        T sum = T.Zero;
        for (int u = 0; u < k; u++)
        {
            int y = oy * g.Stride - g.Pad + u * g.Dilation;
            if ((uint)y >= (uint)g.Height)
                continue;
            for (int v = 0; v < k; v++)
            {
                int x = ox * g.Stride - g.Pad + v * g.Dilation;
                if ((uint)x >= (uint)g.Width)
                    continue;
                int tap = u * k + v;
                T weight = Weight(launch, channelFilter, spatialFilter, plane * g.Taps + tap, ((long)b * g.Taps + tap) * g.OutPlane + (long)oy * outW + ox);
                sum += input[inBase + (long)y * g.Width + x] * weight;
            }
        }
        output[index] = sum;
    }

    /// <summary>One thread per input element (b, c, y, x): the taps that read it, transposed.</summary>
    public static void InputGradient<T>(ArrayView<T> gradOutput, ArrayView<T> channelFilter, ArrayView<T> spatialFilter, ArrayView<T> gradInput, DdfGpuLaunch launch)
        where T : unmanaged, INumber<T>
    {
        long index = Grid.GlobalIndex.X;
        if (index >= gradInput.Length)
            return;
        var g = launch.Geometry;
        int outW = g.OutWidth, outH = g.OutHeight, k = g.KernelSize;
        int x = (int)(index % g.Width);
        long rest = index / g.Width;
        int y = (int)(rest % g.Height);
        long plane = rest / g.Height;
        int b = (int)(plane / g.Channels);
        long outBase = plane * g.OutPlane;
        T sum = T.Zero;
        for (int u = 0; u < k; u++)
        {
            int ny = y + g.Pad - u * g.Dilation;
            int oy = DdfGpuTiling.FloorDiv(ny, g.Stride);
            if (oy * g.Stride != ny || (uint)oy >= (uint)outH)
                continue;
            for (int v = 0; v < k; v++)
            {
                int nx = x + g.Pad - v * g.Dilation;
                int ox = DdfGpuTiling.FloorDiv(nx, g.Stride);
                if (ox * g.Stride != nx || (uint)ox >= (uint)outW)
                    continue;
                int tap = u * k + v;
                long pixel = (long)oy * outW + ox;
                sum += gradOutput[outBase + pixel] * Weight(launch, channelFilter, spatialFilter, plane * g.Taps + tap, ((long)b * g.Taps + tap) * g.OutPlane + pixel);
            }
        }
        gradInput[index] = sum;
    }

    /// <summary>One thread per spatial-filter gradient element (b, tap, oy, ox), summed over the channels in order.</summary>
    public static void SpatialGradient<T>(ArrayView<T> input, ArrayView<T> gradOutput, ArrayView<T> channelFilter, ArrayView<T> spatialFilter,
        ArrayView<T> gradSpatialFilter, DdfGpuLaunch launch)
        where T : unmanaged, INumber<T>
    {
        long index = Grid.GlobalIndex.X;
        if (index >= gradSpatialFilter.Length)
            return;
        var g = launch.Geometry;
        int outW = g.OutWidth, outH = g.OutHeight, k = g.KernelSize;
        bool mul = launch.Add == 0 && launch.HasChannelFilter != 0;
        int ox = (int)(index % outW);
        long rest = index / outW;
        int oy = (int)(rest % outH);
        rest /= outH;
        int tap = (int)(rest % g.Taps);
        int b = (int)(rest / g.Taps);
        int y = oy * g.Stride - g.Pad + tap / k * g.Dilation;
        int x = ox * g.Stride - g.Pad + tap % k * g.Dilation;
        T sum = T.Zero;
        if ((uint)y < (uint)g.Height && (uint)x < (uint)g.Width)
        {
            long pixel = (long)oy * outW + ox, at = (long)y * g.Width + x;
            for (int c = 0; c < g.Channels; c++)
            {
                long plane = (long)b * g.Channels + c;
                T product = gradOutput[plane * g.OutPlane + pixel] * input[plane * g.InPlane + at];
                sum += mul ? product * channelFilter[plane * g.Taps + tap] : product;
            }
        }
        gradSpatialFilter[index] = sum;
    }

    /// <summary>
    /// One thread per channel-filter gradient partial (b, c, tap, oy): the sum over output row oy, which
    /// <see cref="GpuPartialSums.SumGroups{T}"/> adds over the rows (launch.Parts = Ho).
    /// </summary>
    public static void ChannelGradient<T>(ArrayView<T> input, ArrayView<T> gradOutput, ArrayView<T> channelFilter, ArrayView<T> spatialFilter,
        ArrayView<T> channelPartials, DdfGpuLaunch launch)
        where T : unmanaged, INumber<T>
    {
        long index = Grid.GlobalIndex.X;
        if (index >= channelPartials.Length)
            return;
        var g = launch.Geometry;
        int outW = g.OutWidth, outH = g.OutHeight, k = g.KernelSize;
        bool mul = launch.Add == 0 && launch.HasSpatialFilter != 0;
        int oy = (int)(index % outH);
        long rest = index / outH;
        int tap = (int)(rest % g.Taps);
        long plane = rest / g.Taps;
        int b = (int)(plane / g.Channels);
        int y = oy * g.Stride - g.Pad + tap / k * g.Dilation;
        T sum = T.Zero;
        if ((uint)y < (uint)g.Height)
        {
            long sfRow = ((long)b * g.Taps + tap) * g.OutPlane + (long)oy * outW;
            for (int ox = 0; ox < outW; ox++)
            {
                int x = ox * g.Stride - g.Pad + tap % k * g.Dilation;
                if ((uint)x >= (uint)g.Width)
                    continue;
                T product = gradOutput[plane * g.OutPlane + (long)oy * outW + ox] * input[plane * g.InPlane + (long)y * g.Width + x];
                sum += mul ? product * spatialFilter[sfRow + ox] : product;
            }
        }
        channelPartials[index] = sum;
    }

    /// <summary>The combined weight of one tap at one pixel for the launch's branches and combine mode.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static T Weight<T>(DdfGpuLaunch launch, ArrayView<T> channelFilter, ArrayView<T> spatialFilter, long channelIndex, long spatialIndex)
        where T : unmanaged, INumber<T>
    {
        if (launch.HasChannelFilter == 0)
            return spatialFilter[spatialIndex];
        if (launch.HasSpatialFilter == 0)
            return channelFilter[channelIndex];
        return launch.Add != 0
            ? channelFilter[channelIndex] + spatialFilter[spatialIndex]
            : channelFilter[channelIndex] * spatialFilter[spatialIndex];
    }
}
