using System;
using System.Numerics;
using System.Runtime.CompilerServices;

namespace Ddf.Runtime;

/// <summary>
/// Filter normalisation of per-pixel filters in one pass (DDF paper, section 3.3): for every pixel and
/// head, the k*k taps v (which lie a plane apart in the (B, heads * k*k, H, W) layout) become
/// <c>(v - mean) / (std + 1e-10) * scale</c>, with the unbiased standard deviation. Vectorised over
/// pixels, parallel over (batch, head, pixel block); each output element is written by one tile.
/// </summary>
public static unsafe class FilterNormKernels
{
    /// <summary>Added to the standard deviation, as the reference FilterNorm does.</summary>
    public const double Epsilon = 1e-10;

    private const int PixelBlock = 4096;

    /// <summary>Normalises <paramref name="input"/> into <paramref name="output"/> (both (batches, groups * taps, pixels)).</summary>
    public static void Forward<T>(T* input, T* output, int batches, int groups, int taps, long pixels, T scale)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        var loop = new Tiles<T>(input, null, output, taps, pixels, scale);
        CpuParallelism.For(checked((int)(batches * groups * loop.Blocks)), ref loop);
    }

    /// <summary>
    /// The input gradient of <see cref="Forward"/> for upstream gradient <paramref name="gradOutput"/>,
    /// recomputing the statistics from <paramref name="input"/>.
    /// </summary>
    public static void Backward<T>(T* input, T* gradOutput, T* gradInput, int batches, int groups, int taps, long pixels, T scale)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        var loop = new Tiles<T>(input, gradOutput, gradInput, taps, pixels, scale);
        CpuParallelism.For(checked((int)(batches * groups * loop.Blocks)), ref loop);
    }

    /// <summary>
    /// Tiles of (batch, head, pixel block): the forward into <paramref name="output"/>, or with <paramref name="gradOutput"/>
    /// the input gradient into it.
    /// </summary>
    private readonly struct Tiles<T>(T* input, T* gradOutput, T* output, int taps, long pixels, T scale) : ITileLoop
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        public long Blocks => (pixels + PixelBlock - 1) / PixelBlock;

        public void Run(int tile)
        {
            long start = tile % Blocks * PixelBlock, end = Math.Min(pixels, start + PixelBlock);
            long offset = tile / Blocks * taps * pixels;
            var group = new Group<T>(input + offset, output + offset, taps, pixels);
            if (gradOutput == null)
                group.Forward(start, end, scale);
            else
                group.Backward(gradOutput + offset, start, end, scale);
        }
    }

    /// <summary>One head's taps for all pixels of one batch element: tap t of pixel p is at t * pixels + p.</summary>
    private readonly struct Group<T>(T* input, T* output, int taps, long pixels) where T : unmanaged, IFloatingPointIeee754<T>
    {
        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        public void Forward(long start, long end, T scale)
        {
            T n = T.CreateTruncating(taps), eps = T.CreateTruncating(Epsilon);
            long p = start;
            for (int vw = Vector<T>.Count; p + vw <= end; p += vw)
            {
                var sum = Vector<T>.Zero;
                for (int t = 0; t < taps; t++)
                    sum += Vector.Load(input + t * pixels + p);
                var mean = sum / new Vector<T>(n);
                var squares = Vector<T>.Zero;
                for (int t = 0; t < taps; t++)
                {
                    var d = Vector.Load(input + t * pixels + p) - mean;
                    squares += d * d;
                }
                var factor = new Vector<T>(scale) / (Vector.SquareRoot(squares / new Vector<T>(n - T.One)) + new Vector<T>(eps));
                for (int t = 0; t < taps; t++)
                    Vector.Store((Vector.Load(input + t * pixels + p) - mean) * factor, output + t * pixels + p);
            }
            for (; p < end; p++)
            {
                T sum = T.Zero;
                for (int t = 0; t < taps; t++)
                    sum += input[t * pixels + p];
                T mean = sum / n, squares = T.Zero;
                for (int t = 0; t < taps; t++)
                {
                    T d = input[t * pixels + p] - mean;
                    squares += d * d;
                }
                T factor = scale / (T.Sqrt(squares / (n - T.One)) + eps);
                for (int t = 0; t < taps; t++)
                    output[t * pixels + p] = (input[t * pixels + p] - mean) * factor;
            }
        }

        /// <summary>
        /// With d = v - mean, sd = sqrt(sum d^2 / (n - 1)), s = sd + eps and h = scale * grad:
        /// dv_j = (h_j - mean(h)) / s - d_j * sum(h * d) / (s^2 * (n - 1) * sd), the last term 0 when sd = 0.
        /// </summary>
        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        public void Backward(T* gradOutput, long start, long end, T scale)
        {
            T n = T.CreateTruncating(taps), eps = T.CreateTruncating(Epsilon);
            for (long p = start; p < end; p++)
            {
                T sum = T.Zero;
                for (int t = 0; t < taps; t++)
                    sum += input[t * pixels + p];
                T mean = sum / n, squares = T.Zero, gradSum = T.Zero, gradDot = T.Zero;
                for (int t = 0; t < taps; t++)
                {
                    T d = input[t * pixels + p] - mean, h = scale * gradOutput[t * pixels + p];
                    squares += d * d;
                    gradSum += h;
                    gradDot += h * d;
                }
                T sd = T.Sqrt(squares / (n - T.One)), s = sd + eps, gradMean = gradSum / n;
                T coupling = sd > T.Zero ? gradDot / (s * s * (n - T.One) * sd) : T.Zero;
                for (int t = 0; t < taps; t++)
                {
                    T d = input[t * pixels + p] - mean;
                    output[t * pixels + p] = (scale * gradOutput[t * pixels + p] - gradMean) / s - d * coupling;
                }
            }
        }
    }
}
