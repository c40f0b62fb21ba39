using System.Numerics;
using System.Runtime.CompilerServices;
using ILGPU;

namespace Ddf.Runtime;

/// <summary>
/// The block shape of the tiled GPU kernels and the device-side helpers they share. The generator bakes
/// these constants into each layer's kernels; the host launches with the same ones.
/// </summary>
public static class DdfGpuTiling
{
    /// <summary>Threads per block along x: one warp, so each block row reads and writes coalesced.</summary>
    public const int Width = 32;

    /// <summary>Threads per block along y.</summary>
    public const int Height = 8;

    /// <summary>Threads per block.</summary>
    public const int Threads = Width * Height;

    /// <summary>Warps per block (the tiled kernels need a warp size of 32).</summary>
    public const int Warps = Threads / 32;

    /// <summary>
    /// Channels one forward, input-gradient or spatial-gradient block runs through, reusing the per-pixel spatial taps it keeps in
    /// registers (the spatial filter is read once per this many channels; 16 to 32 measured best on an H200).
    /// </summary>
    public const int ChannelsPerBlock = 32;

    /// <summary>Threads per block of the flat (one thread per element) kernels.</summary>
    public const int FlatGroupSize = 256;

    /// <summary>
    /// Tiles of (<see cref="Width"/> * <paramref name="pixelsAcross"/>) x <see cref="Height"/> pixels covering a
    /// height x width plane (each thread takes <paramref name="pixelsAcross"/> adjacent pixels of a row).
    /// </summary>
    public static int Tiles(int height, int width, int pixelsAcross) =>
        (width + Width * pixelsAcross - 1) / (Width * pixelsAcross) * ((height + Height - 1) / Height);

    /// <summary>Floor division for a possibly negative numerator and a positive divisor.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static int FloorDiv(int numerator, int divisor)
    {
        int q = numerator / divisor;
        return q * divisor > numerator ? q - 1 : q;
    }

    /// <summary>Device side: <paramref name="value"/> clamped into [0, size - 1], so an address built from it is always valid (min and max, no branch).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static int Clamp(int value, int size) => System.Math.Min(System.Math.Max(value, 0), size - 1);

    /// <summary>
    /// Device side: <paramref name="value"/> moved by whole <paramref name="step"/>s to the nearest coordinate inside
    /// [0, size), then clamped (so an address built from it is always valid). For a tap in the padding that is the nearest
    /// tap of the same pixel inside the plane (a pixel's taps are a dilation apart and its centre is inside): a load there
    /// reads a value the pixel reads anyway, with a nonzero weight.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static int StepInside(int value, int size, int step)
    {
        int below = System.Math.Max(0, -value), above = System.Math.Max(0, value - size + 1);
        return Clamp(value + (below + step - 1) / step * step - (above + step - 1) / step * step, size);
    }

    /// <summary>
    /// Device side: <paramref name="value"/> where <paramref name="inside"/>, else zero, as a select: the caller computes the
    /// value unconditionally (a load from a clamped, always valid address, or a product of such loads), so no branch splits
    /// a warp, and an infinite value read for a tap in the padding never reaches a result (Inf * 0 would be NaN).
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static T ZeroUnless<T>(bool inside, T value) where T : unmanaged, INumber<T> => inside ? value : T.Zero;

    /// <summary>
    /// Device side: the block total of one slot of warp sums stored at <c>warpSums[slot * Warps + warp]</c>, warps added
    /// in order.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static T BlockSum<T>(ArrayView<T> warpSums, int slot) where T : unmanaged, INumber<T>
    {
        T sum = warpSums[slot * Warps];
        for (int w = 1; w < Warps; w++)
            sum += warpSums[slot * Warps + w];
        return sum;
    }
}
