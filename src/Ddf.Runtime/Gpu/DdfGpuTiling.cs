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
    /// <summary>Threads (pixels) per block along x: one warp, so each block row reads coalesced.</summary>
    public const int Width = 32;

    /// <summary>Threads (pixels) per block along y.</summary>
    public const int Height = 8;

    /// <summary>Threads per block.</summary>
    public const int Threads = Width * Height;

    /// <summary>Warps per block (the tiled kernels need a warp size of 32).</summary>
    public const int Warps = Threads / 32;

    /// <summary>
    /// Channels one forward or input-gradient block runs through, reusing the per-pixel spatial taps it keeps in
    /// registers (the spatial filter is read once per this many channels).
    /// </summary>
    public const int ChannelsPerBlock = 32;

    /// <summary>
    /// Budget, in elements, for the channel tiles a block stages at once: generated kernels stage
    /// min(4, this / tile elements) channels between one pair of barriers, so each thread has several loads in flight.
    /// </summary>
    public const int StagedElements = 4096;

    /// <summary>Threads per block of the flat (one thread per element) kernels.</summary>
    public const int FlatGroupSize = 256;

    /// <summary>Tiles of <see cref="Width"/> x (<see cref="Height"/> * rowsPerThread) pixels covering a height x width plane.</summary>
    public static int Tiles(int height, int width, int rowsPerThread = 1) =>
        TilesAcross(width) * ((height + Height * rowsPerThread - 1) / (Height * rowsPerThread));

    /// <summary>Tiles along x for a plane <paramref name="width"/> wide.</summary>
    public static int TilesAcross(int width) => (width + Width - 1) / Width;

    /// <summary>Floor division for a possibly negative numerator and a positive divisor.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static int FloorDiv(int numerator, int divisor)
    {
        int q = numerator / divisor;
        return q * divisor > numerator ? q - 1 : q;
    }

    /// <summary>
    /// Device side, called by every thread of the block: copies rows [row0, row0 + rows) x columns
    /// [col0, col0 + cols) of <paramref name="planes"/> consecutive planes, the first at <paramref name="planeBase"/>,
    /// into <paramref name="tile"/> (plane after plane), zero outside the planes. Consecutive threads read
    /// consecutive columns (coalesced).
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void Stage<T>(ArrayView<T> tile, ArrayView<T> source, long planeBase, int planes, int row0, int col0, int rows, int cols, int height, int width)
        where T : unmanaged, INumber<T>
    {
        int perPlane = rows * cols, count = planes * perPlane;
        long planeSize = (long)height * width;
        for (int i = Group.IdxY * Width + Group.IdxX; i < count; i += Threads)
        {
            int p = i / perPlane, rest = i - p * perPlane;
            int r = rest / cols;
            int y = row0 + r;
            int x = col0 + rest - r * cols;
            tile[i] = (uint)y < (uint)height && (uint)x < (uint)width ? source[planeBase + p * planeSize + (long)y * width + x] : T.Zero;
        }
    }

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
