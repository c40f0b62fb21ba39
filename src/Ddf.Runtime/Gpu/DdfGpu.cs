using System;
using System.Collections.Generic;
using System.Numerics;
using System.Runtime.CompilerServices;
using ILGPU;
using ILGPU.Runtime;

namespace Ddf.Runtime;

/// <summary>
/// Runs DDF kernel sets (<see cref="DdfGpuKernelSet"/>) on any ILGPU accelerator: the caller's, on the
/// caller's stream. Arguments are checked on the host; kernels are loaded once per accelerator; every sum
/// runs in a fixed order (the spatial-filter gradient within one thread, the channel-filter gradient in two
/// stages), with no atomics, so results are bitwise reproducible.
/// Thread-safe. Views are flat NCHW: input (B, C, H, W), channel filter (B, C, k, k), spatial filter
/// (B, k*k, Ho, Wo), output (B, C, Ho, Wo); an empty view is an absent filter or an unwanted gradient.
/// </summary>
public static class DdfGpu
{
    private static readonly ConditionalWeakTable<AcceleratorStream, GpuScratch> Scratch = new();

    /// <summary>Writes the DDF output of <paramref name="input"/> into <paramref name="output"/> (queued on <paramref name="stream"/>).</summary>
    public static void Forward<T>(AcceleratorStream stream, DdfGpuKernelSet kernels, ArrayView<T> input, ArrayView<T> channelFilter,
        ArrayView<T> spatialFilter, ArrayView<T> output, DdfGeometry geometry) where T : unmanaged, INumber<T>
    {
        var loaded = Prepare<T>(stream, kernels, geometry, g => DdfGpuLimits.Forward(kernels, g));
        CheckInputs(kernels, input, channelFilter, spatialFilter, geometry);
        Check(output, nameof(output), (long)geometry.Batch * geometry.Channels * geometry.OutPlane, "(B, C, Ho, Wo)");
        if (output.Length == 0)
            return;
        var config = kernels.Layout == DdfGpuLayout.Tiled
            ? Tiled(DdfGpuTiling.Tiles(geometry.OutHeight, geometry.OutWidth, kernels.ForwardPixelsPerThread), Blocks(geometry.Channels, DdfGpuTiling.ChannelsPerBlock), geometry.Batch)
            : Flat(output.Length);
        var forward = ForwardLoadsAligned(kernels, input, output, geometry) ? loaded.AlignedForward! : loaded.Forward;
        forward(stream, config, input, channelFilter, spatialFilter, output, Launch(kernels, geometry, parts: 1));
    }

    /// <summary>
    /// True when <see cref="Forward{T}"/> runs the set's <see cref="DdfGpuKernels{T}.AlignedForward"/> kernel for these views:
    /// the set has one, the row width is a multiple of 4 and input and output start on a 16-byte boundary of 16-byte
    /// aligned buffers (so every run of 4 a thread loads or stores is one aligned 16-byte access).
    /// </summary>
    public static bool ForwardLoadsAligned<T>(DdfGpuKernelSet kernels, ArrayView<T> input, ArrayView<T> output, DdfGeometry geometry)
        where T : unmanaged, INumber<T>
    {
        ArgumentNullException.ThrowIfNull(kernels);
        bool has = typeof(T) == typeof(float) ? kernels.Single.AlignedForward is not null : kernels.Double.AlignedForward is not null;
        return has && geometry.Width % 4 == 0 && geometry.OutWidth % 4 == 0 && Aligned16(input) && Aligned16(output);
    }

    private static bool Aligned16<T>(ArrayView<T> view) where T : unmanaged
    {
        if (view.Length == 0)
            return false;
        var contiguous = (IContiguousArrayView)view;
        return (contiguous.Buffer.NativePtr.ToInt64() | contiguous.IndexInBytes) % 16 == 0;
    }

    /// <summary>
    /// Writes the gradients whose views are not empty, for upstream gradient <paramref name="gradOutput"/>
    /// (queued on <paramref name="stream"/>).
    /// </summary>
    public static void Backward<T>(AcceleratorStream stream, DdfGpuKernelSet kernels, ArrayView<T> input, ArrayView<T> channelFilter,
        ArrayView<T> spatialFilter, ArrayView<T> gradOutput, ArrayView<T> gradInput, ArrayView<T> gradChannelFilter, ArrayView<T> gradSpatialFilter,
        DdfGeometry geometry) where T : unmanaged, INumber<T>
    {
        bool wantInput = gradInput.Length > 0, wantChannel = gradChannelFilter.Length > 0, wantSpatial = gradSpatialFilter.Length > 0;
        var loaded = Prepare<T>(stream, kernels, geometry, g => DdfGpuLimits.Backward(kernels, g, wantInput, wantChannel, wantSpatial));
        var g = geometry;
        CheckInputs(kernels, input, channelFilter, spatialFilter, g);
        Check(gradOutput, nameof(gradOutput), (long)g.Batch * g.Channels * g.OutPlane, "(B, C, Ho, Wo)");
        if (wantInput)
            Check(gradInput, nameof(gradInput), input.Length, "(B, C, H, W), like input");
        if (wantChannel)
            Check(gradChannelFilter, nameof(gradChannelFilter), channelFilter.Length, "(B, C, k, k), like channelFilter");
        if (wantSpatial)
            Check(gradSpatialFilter, nameof(gradSpatialFilter), spatialFilter.Length, "(B, k*k, Ho, Wo), like spatialFilter");
        if (gradOutput.Length == 0 || input.Length == 0)
        {
            foreach (var view in new[] { gradInput, gradChannelFilter, gradSpatialFilter })
                if (view.Length > 0)
                    view.MemSetToZero(stream);
            return;
        }

        if (loaded.Backward is not null)
        {
            OnePassBackward(stream, kernels, loaded.Backward, loaded.SumGroups, input, channelFilter, spatialFilter, gradOutput, gradInput, gradChannelFilter, gradSpatialFilter, g);
            return;
        }
        bool tiled = kernels.Layout == DdfGpuLayout.Tiled;
        if (wantInput)
        {
            var config = tiled
                ? Tiled(DdfGpuTiling.Tiles(g.Height, g.Width, kernels.InputPixelsPerThread), Blocks(g.Channels, DdfGpuTiling.ChannelsPerBlock), g.Batch)
                : Flat(gradInput.Length);
            loaded.InputGradient!(stream, config, gradOutput, channelFilter, spatialFilter, gradInput, Launch(kernels, g, parts: 1));
        }
        if (wantSpatial)
        {
            // Each element summed over all channels by one thread: final, no second stage.
            var config = tiled ? Tiled(DdfGpuTiling.Tiles(g.OutHeight, g.OutWidth, kernels.PixelsPerThread), 1, g.Batch) : Flat(gradSpatialFilter.Length);
            loaded.SpatialGradient!(stream, config, input, gradOutput, channelFilter, spatialFilter, gradSpatialFilter, Launch(kernels, g, parts: 1));
        }
        if (!wantChannel)
            return;

        // Stage one writes partial sums per part of the output plane (tiled: blocks of channels x parts, enough blocks
        // to fill the GPU, at least one run of pixels per thread; generic: one per output row); stage two adds them in order.
        int parts = (int)DdfGpuLimits.ChannelGradientParts(kernels, g);
        long partials = (long)g.Batch * g.Channels * g.Taps * parts;
        var scratch = Scratch.GetValue(stream, s => new GpuScratch(s.Accelerator));
        lock (scratch)
        {
            var channelStage = scratch.Rent<T>(partials);
            var config = tiled ? Tiled(parts, Blocks(g.Channels, kernels.GradientChannels), g.Batch) : Flat(partials);
            loaded.ChannelGradient!(stream, config, input, gradOutput, channelFilter, spatialFilter, channelStage, Launch(kernels, g, parts));
            loaded.SumGroups(stream, Flat(gradChannelFilter.Length), channelStage, gradChannelFilter, parts, 1);
        }
    }

    /// <summary>
    /// The one-pass backward: every wanted gradient from one launch over the plane's pixels (the channel-filter gradient as one
    /// partial per warp, added in order by stage two).
    /// </summary>
    private static void OnePassBackward<T>(AcceleratorStream stream, DdfGpuKernelSet kernels,
        Action<AcceleratorStream, KernelConfig, ArrayView<T>, ArrayView<T>, ArrayView<T>, ArrayView<T>, ArrayView<T>, ArrayView<T>, ArrayView<T>, DdfGpuLaunch> backward,
        Action<AcceleratorStream, KernelConfig, ArrayView<T>, ArrayView<T>, int, int> sumGroups, ArrayView<T> input, ArrayView<T> channelFilter,
        ArrayView<T> spatialFilter, ArrayView<T> gradOutput, ArrayView<T> gradInput, ArrayView<T> gradChannelFilter, ArrayView<T> gradSpatialFilter, DdfGeometry g)
        where T : unmanaged, INumber<T>
    {
        int tiles = DdfGpuTiling.Tiles(g.Height, g.Width, kernels.InputPixelsPerThread);
        int parts = (int)DdfGpuLimits.ChannelGradientParts(kernels, g);
        var config = Tiled(tiles, 1, g.Batch);
        var launch = Launch(kernels, g, parts);
        if (gradChannelFilter.Length == 0)
        {
            backward(stream, config, input, gradOutput, channelFilter, spatialFilter, gradInput, gradSpatialFilter, default, launch);
            return;
        }
        var scratch = Scratch.GetValue(stream, s => new GpuScratch(s.Accelerator));
        lock (scratch)
        {
            var partials = scratch.Rent<T>((long)g.Batch * g.Channels * g.Taps * parts);
            backward(stream, config, input, gradOutput, channelFilter, spatialFilter, gradInput, gradSpatialFilter, partials, launch);
            sumGroups(stream, Flat(gradChannelFilter.Length), partials, gradChannelFilter, parts, 1);
        }
    }

    /// <summary>
    /// Throws the <see cref="ArgumentException"/> that <see cref="Forward{T}"/> throws for <paramref name="geometry"/> when a
    /// value its launch computes does not fit the kernels' 32-bit indices (or CUDA's grid), naming the argument, its shape
    /// and the limit; callers use it to refuse before allocating.
    /// </summary>
    public static void CheckFits(DdfGpuKernelSet kernels, DdfGeometry geometry)
    {
        ArgumentNullException.ThrowIfNull(kernels);
        if ((long)geometry.Batch * geometry.Channels > 0 && DdfGpuLimits.Refusal(DdfGpuLimits.Forward(kernels, geometry)) is { } refusal)
            throw refusal;
    }

    /// <summary>Like <see cref="CheckFits(DdfGpuKernelSet, DdfGeometry)"/>, for <see cref="Backward{T}"/> with the gradients wanted.</summary>
    public static void CheckFits(DdfGpuKernelSet kernels, DdfGeometry geometry, bool wantInput, bool wantChannel, bool wantSpatial)
    {
        ArgumentNullException.ThrowIfNull(kernels);
        if ((long)geometry.Batch * geometry.Channels > 0
            && DdfGpuLimits.Refusal(DdfGpuLimits.Backward(kernels, geometry, wantInput, wantChannel, wantSpatial)) is { } refusal)
            throw refusal;
    }

    /// <summary>
    /// Checks the call before any view: the stream, the kernels and the geometry, and that every value the launches
    /// (<paramref name="extents"/>) compute fits its 32-bit index or grid limit (checked only when there is work: B * C > 0);
    /// then loads the kernels.
    /// </summary>
    private static LoadedGpuKernels<T> Prepare<T>(AcceleratorStream stream, DdfGpuKernelSet kernels, DdfGeometry g,
        Func<DdfGeometry, IEnumerable<DdfGpuLimits.Extent>> extents) where T : unmanaged, INumber<T>
    {
        ArgumentNullException.ThrowIfNull(stream);
        ArgumentNullException.ThrowIfNull(kernels);
        if (!kernels.Serves(g))
            throw new ArgumentException(
                $"These kernels are specialised to k = {kernels.KernelSize}, dilation {kernels.Dilation}, stride {kernels.Stride}; " +
                $"the geometry has k = {g.KernelSize}, dilation {g.Dilation}, stride {g.Stride}.", "geometry");
        if (g.Batch < 0 || g.Channels < 0 || g.Height < 1 || g.Width < 1 || g.KernelSize < 1 || g.KernelSize % 2 == 0 || g.Dilation < 1 || g.Stride < 1)
            throw new ArgumentException($"Invalid DDF geometry {g}: sizes must be positive and the kernel size odd.", "geometry");
        if ((long)g.Batch * g.Channels > 0 && DdfGpuLimits.Refusal(extents(g)) is { } refusal)
            throw refusal;
        if (kernels.Layout == DdfGpuLayout.Tiled && stream.Accelerator.WarpSize != 32)
            throw new NotSupportedException(
                $"The tiled DDF kernels need a warp size of 32; accelerator '{stream.Accelerator.Name}' has {stream.Accelerator.WarpSize}.");
        return kernels.LoadOn<T>(stream.Accelerator);
    }

    private static void CheckInputs<T>(DdfGpuKernelSet kernels, ArrayView<T> input, ArrayView<T> channelFilter, ArrayView<T> spatialFilter, DdfGeometry g)
        where T : unmanaged
    {
        Check(input, nameof(input), (long)g.Batch * g.Channels * g.InPlane, "(B, C, H, W)");
        if (kernels.HasChannelFilter)
            Check(channelFilter, nameof(channelFilter), (long)g.Batch * g.Channels * g.Taps, "(B, C, k, k)");
        else if (channelFilter.Length != 0)
            throw new ArgumentException("These kernels have no channel branch: pass an empty channelFilter.", nameof(channelFilter));
        if (kernels.HasSpatialFilter)
            Check(spatialFilter, nameof(spatialFilter), (long)g.Batch * g.Taps * g.OutPlane, "(B, k*k, Ho, Wo)");
        else if (spatialFilter.Length != 0)
            throw new ArgumentException("These kernels have no spatial branch: pass an empty spatialFilter.", nameof(spatialFilter));
    }

    private static void Check<T>(ArrayView<T> view, string name, long expected, string shape) where T : unmanaged
    {
        if (view.Length != expected)
            throw new ArgumentException($"{name} has {view.Length} elements; it needs {expected} {shape}.", name);
    }

    private static DdfGpuLaunch Launch(DdfGpuKernelSet kernels, DdfGeometry g, int parts) =>
        new(g, kernels.HasChannelFilter, kernels.HasSpatialFilter, kernels.Combine, parts);

    private static int Blocks(long count, int size) => (int)((count + size - 1) / size);

    private static KernelConfig Tiled(int tiles, int y, int z) =>
        new(new Index3D(tiles, y, z), new Index3D(DdfGpuTiling.Width, DdfGpuTiling.Height, 1));

    private static KernelConfig Flat(long count) =>
        new(new Index3D(Math.Max(1, Blocks(count, DdfGpuTiling.FlatGroupSize)), 1, 1), new Index3D(DdfGpuTiling.FlatGroupSize, 1, 1));

    /// <summary>One stream's scratch for partial sums, grown on demand; the stream orders its reuse.</summary>
    private sealed class GpuScratch(Accelerator accelerator)
    {
        private MemoryBuffer1D<byte, Stride1D.Dense>? buffer;

        public ArrayView<T> Rent<T>(long length) where T : unmanaged
        {
            long bytes = Math.Max(1, length) * Unsafe.SizeOf<T>();
            if (buffer is null || buffer.Length < bytes)
            {
                buffer?.Dispose(); // frees only after the work queued on it has finished (cuMemFree synchronises)
                buffer = accelerator.Allocate1D<byte>(bytes);
            }
            return buffer.View.AsContiguous().SubView(0, bytes).Cast<T>();
        }
    }
}
