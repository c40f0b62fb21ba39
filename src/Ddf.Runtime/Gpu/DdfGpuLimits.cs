using System;
using System.Collections.Generic;

namespace Ddf.Runtime;

/// <summary>
/// The 32-bit limits of the DDF GPU kernels, derived from what each kernel computes (see the emitter,
/// <c>generators/Ddf.Generators/Emitters/Gpu/</c>, and <see cref="GenericGpuKernels"/>): a call is refused exactly when one
/// of the values below exceeds its limit. Each is the largest value of its kind the call's launches compute, except the
/// coordinate bound (last item), which may exceed that by a stride plus a dilation.
/// <list type="bullet">
/// <item>Tiled (generated) kernels index input, spatial filter, output and their gradients with 32-bit flat indices:
/// the largest is the buffer's length - 1; the channel-gradient partial sums (B, C, k*k, parts) likewise. The channel
/// filter is indexed with 64 bits. A thread's first pixel is found from tiles of 32 * pixels-per-thread columns and 8
/// rows, so the plane width plus one tile width - 1 is computed; the channel-gradient threads stride through runs of
/// pixels 256 at a time, so the runs plus 255 (or plus the parts - 1) are computed. Grid y (channel blocks) and z (batch)
/// are at most 65535 (CUDA). (The kernels also hold the plane sizes H * W and Ho * Wo in 32 bits; a plane of 2^31
/// elements whose flat indices fit has B * C = 1, where the wrapped size only multiplies plane 0, or is the channel-gradient
/// run count, refused above; so they refuse nothing more.)</item>
/// <item>Flat (generic) kernels and the partial-sum reduction index with 64 bits but take one thread per element, and
/// ILGPU's <c>Grid.GlobalIndex</c> is 32-bit: the largest thread index is the element count rounded up to 256, - 1.</item>
/// <item>Every kernel computes row and column coordinates before clamping them, and the padding itself
/// (dilation * (k - 1)) in 32 bits; their bound here (largest plane side + padding + a stride or dilation step per extra
/// pixel of a thread) is at most a stride plus a dilation above the largest coordinate a launch computes (exact for the
/// generic input gradient, which computes y + padding): it can refuse a fitting shape only for planes or dilations within
/// that much of 2^31.</item>
/// </list>
/// </summary>
internal static class DdfGpuLimits
{
    /// <summary>The largest value a 32-bit index may take.</summary>
    public const long IndexLimit = int.MaxValue;

    /// <summary>CUDA's largest grid y and z dimension.</summary>
    public const long GridLimit = ushort.MaxValue;

    /// <summary>Threads per block of the flat kernels.</summary>
    private const int FlatGroup = DdfGpuTiling.FlatGroupSize;

    /// <summary>Blocks the tiled channel-filter gradient aims for when it splits the output plane into parts.</summary>
    public const int TargetBlocks = 2048;

    /// <summary>One value a kernel computes: the argument it belongs to, that argument's shape, what it is, its largest value and its limit.</summary>
    public readonly record struct Extent(string Argument, string Shape, string Quantity, long Largest, long Limit)
    {
        public bool Fits => Largest <= Limit;
    }

    /// <summary>
    /// Partial sums per channel-filter gradient element (stage one writes them, <see cref="GpuPartialSums.SumGroups{T}"/> adds
    /// them): parts of the output plane for the tiled kernels (enough blocks of channels x parts to fill the GPU, at least one
    /// run of pixels per thread), output rows for the generic ones.
    /// </summary>
    public static long ChannelGradientParts(DdfGpuKernelSet kernels, in DdfGeometry g)
    {
        if (kernels.Layout != DdfGpuLayout.Tiled)
            return g.OutHeight;
        if (kernels.IsOnePassBackward) // one per warp of the launch over the plane
            return Blocks(g.Width, (long)DdfGpuTiling.Width * kernels.InputPixelsPerThread) * Blocks(g.Height, DdfGpuTiling.Height) * DdfGpuTiling.Height;
        long channelBlocks = Blocks(g.Channels, kernels.GradientChannels) * g.Batch;
        long wanted = channelBlocks == 0 ? 1 : Blocks(TargetBlocks, channelBlocks);
        return Math.Clamp(wanted, 1, Math.Max(1, g.OutPlane / ((long)DdfGpuTiling.Threads * kernels.PixelsPerThread)));
    }

    /// <summary>The values the forward launch computes.</summary>
    public static IEnumerable<Extent> Forward(DdfGpuKernelSet kernels, DdfGeometry g)
    {
        var s = new Sizes(g);
        bool tiled = kernels.Layout == DdfGpuLayout.Tiled;
        yield return Taps(g);
        if (tiled)
        {
            yield return Index("input", s.Input, s.InputLength);
            if (kernels.HasSpatialFilter)
                yield return Index("spatialFilter", s.Spatial, s.SpatialLength);
            yield return Index("output", s.Output, s.OutputLength);
            foreach (var e in TiledPlane("output", s.Output, g.OutHeight, g.OutWidth, kernels.ForwardPixelsPerThread, Blocks(g.Channels, DdfGpuTiling.ChannelsPerBlock), g.Batch))
                yield return e;
        }
        else
            yield return Threads("output", s.Output, s.OutputLength);
        yield return Coordinates(kernels, g, s);
    }

    /// <summary>The values the backward launches for the gradients wanted compute.</summary>
    public static IEnumerable<Extent> Backward(DdfGpuKernelSet kernels, DdfGeometry g, bool wantInput, bool wantChannel, bool wantSpatial)
    {
        var s = new Sizes(g);
        bool tiled = kernels.Layout == DdfGpuLayout.Tiled;
        wantChannel &= kernels.HasChannelFilter;
        wantSpatial &= kernels.HasSpatialFilter;
        yield return Taps(g);
        if (tiled && kernels.IsOnePassBackward)
        {
            // One launch over the plane reads every input and writes the wanted gradients (the channel-gradient partials
            // with 64-bit indices).
            if (wantInput || wantSpatial || wantChannel)
            {
                yield return Index("input", s.Input, s.InputLength);
                if (kernels.HasSpatialFilter)
                    yield return Index("spatialFilter", s.Spatial, s.SpatialLength);
                yield return Index("gradOutput", s.Output, s.OutputLength);
                foreach (var e in TiledPlane("gradOutput", s.Output, g.Height, g.Width, kernels.InputPixelsPerThread, 1, g.Batch))
                    yield return e;
            }
            if (wantInput)
                yield return Index("gradInput", s.Input, s.InputLength);
            if (wantSpatial)
                yield return Index("gradSpatialFilter", s.Spatial, s.SpatialLength);
        }
        else if (tiled)
        {
            if (wantSpatial || wantChannel)
                yield return Index("input", s.Input, s.InputLength);
            if (kernels.HasSpatialFilter && (wantInput || (wantChannel && kernels.Combine == KernelCombine.Mul)))
                yield return Index("spatialFilter", s.Spatial, s.SpatialLength);
            if (wantInput || wantSpatial || wantChannel)
                yield return Index("gradOutput", s.Output, s.OutputLength);
            if (wantInput)
            {
                yield return Index("gradInput", s.Input, s.InputLength);
                foreach (var e in TiledPlane("gradInput", s.Input, g.Height, g.Width, kernels.InputPixelsPerThread, Blocks(g.Channels, DdfGpuTiling.ChannelsPerBlock), g.Batch))
                    yield return e;
            }
            if (wantSpatial)
            {
                yield return Index("gradSpatialFilter", s.Spatial, s.SpatialLength);
                foreach (var e in TiledPlane("gradSpatialFilter", s.Spatial, g.OutHeight, g.OutWidth, kernels.PixelsPerThread, 1, g.Batch))
                    yield return e;
            }
        }
        else
        {
            if (wantInput)
                yield return Threads("gradInput", s.Input, s.InputLength);
            if (wantSpatial)
                yield return Threads("gradSpatialFilter", s.Spatial, s.SpatialLength);
        }
        if (wantChannel)
        {
            long parts = ChannelGradientParts(kernels, g);
            string partials = $"its partial sums (B, C, k*k, {(tiled ? "parts" : "Ho")}) = {Show(g.Batch, g.Channels, s.Taps, parts)}";
            long partialsLength = Product(g.Batch, g.Channels, s.Taps, parts);
            if (tiled && !kernels.IsOnePassBackward)
            {
                yield return Index("gradChannelFilter", partials, partialsLength);
                long runs = kernels.PixelsPerThread == 1 ? g.OutPlane : Blocks(g.OutWidth, kernels.PixelsPerThread) * g.OutHeight;
                yield return new("gradChannelFilter", s.Output,
                    $"pixel runs of the output plane a channel-gradient thread strides through, 256 at a time, in {parts} parts (runs + max(255, parts - 1))",
                    runs + Math.Max(DdfGpuTiling.Threads - 1, parts - 1), IndexLimit);
                yield return Grid("gradChannelFilter", partials, "y (blocks of channels)", Blocks(g.Channels, kernels.GradientChannels));
                yield return Grid("gradChannelFilter", partials, "z (batch)", g.Batch);
            }
            else if (!tiled)
                yield return Threads("gradChannelFilter", partials, partialsLength);
            else
                yield return new("gradChannelFilter", partials, "its partial sums per element (one per warp of the launch over the plane; 32-bit)", parts, IndexLimit);
            // Stage two: one thread per channel-filter gradient element.
            yield return Threads("gradChannelFilter", s.Channel, s.ChannelLength);
        }
        if (wantInput || wantSpatial || wantChannel)
            yield return Coordinates(kernels, g, s);
    }

    /// <summary>The first value of <paramref name="extents"/> past its limit, as the exception to throw; null when all fit.</summary>
    public static ArgumentException? Refusal(IEnumerable<Extent> extents)
    {
        foreach (var e in extents)
        {
            if (!e.Fits)
                return new ArgumentException(
                    $"{e.Argument}: {e.Shape}: {e.Quantity} reaches {e.Largest}, above the DDF GPU kernels' limit of {e.Limit}" +
                    (e.Limit == IndexLimit ? " (2^31 - 1: they compute it in 32 bits)" : " (CUDA's grid limit)") + "; split the batch or the plane.",
                    e.Argument);
        }
        return null;
    }

    private static Extent Index(string argument, string shape, long length) =>
        new(argument, shape, "its largest flat index (32-bit in the tiled kernels)", length - 1, IndexLimit);

    private static Extent Threads(string argument, string shape, long length) =>
        new(argument, shape, $"the largest thread index (one thread per element, blocks of {FlatGroup}; ILGPU's Grid.GlobalIndex is 32-bit)",
            Blocks(length, FlatGroup) * FlatGroup - 1, IndexLimit);

    private static Extent Grid(string argument, string shape, string dimension, long blocks) =>
        new(argument, shape, $"the grid's {dimension} dimension", blocks, GridLimit);

    /// <summary>
    /// A tiled launch over a plane of <paramref name="height"/> x <paramref name="width"/> pixels, <paramref name="pixels"/>
    /// adjacent ones per thread: the width plus one tile width - 1 (the tiles across), the rows rounded up to tiles, and the grid.
    /// </summary>
    private static IEnumerable<Extent> TiledPlane(string argument, string shape, int height, int width, int pixels, long channelBlocks, long batch)
    {
        long span = (long)DdfGpuTiling.Width * pixels;
        yield return new(argument, shape, $"its plane width plus a tile of {span} columns - 1 (the tiles across)", width + span - 1, IndexLimit);
        yield return new(argument, shape, $"its plane rows rounded up to tiles of {DdfGpuTiling.Height}, - 1", Blocks(height, DdfGpuTiling.Height) * DdfGpuTiling.Height - 1, IndexLimit);
        yield return new(argument, shape, "the grid's x dimension (tiles)", Blocks(width, span) * Blocks(height, DdfGpuTiling.Height), IndexLimit);
        yield return Grid(argument, shape, "y (blocks of channels)", channelBlocks);
        yield return Grid(argument, shape, "z (batch)", batch);
    }

    /// <summary>The taps k * k, which the geometry and every kernel hold in 32 bits.</summary>
    private static Extent Taps(in DdfGeometry g) =>
        new(GeometryArgument, $"kernel size {g.KernelSize}", "the taps k * k", (long)g.KernelSize * g.KernelSize, IndexLimit);

    private const string GeometryArgument = "geometry";

    /// <summary>The rows and columns the kernels compute before clamping, and the padding's dilation * (k - 1).</summary>
    private static Extent Coordinates(DdfGpuKernelSet kernels, in DdfGeometry g, in Sizes s)
    {
        long span = (long)g.Dilation * (g.KernelSize - 1), pad = span / 2;
        long step = kernels.Layout == DdfGpuLayout.Tiled
            ? Math.Max((long)(Math.Max(kernels.PixelsPerThread, kernels.ForwardPixelsPerThread) - 1) * g.Stride, kernels.InputPixelsPerThread - 1) + (g.Dilation > 1 ? g.Dilation - 1 : 0)
            : 0;
        long largest = Math.Max(span, Math.Max(g.Height, g.Width) - 1 + pad + step);
        return new(GeometryArgument, $"(H, W) = [{g.Height}, {g.Width}], kernel size {g.KernelSize}, dilation {g.Dilation}, stride {g.Stride}",
            "the rows and columns the kernels compute before clamping (plane side - 1 + padding + the steps of a thread's other pixels), or dilation * (k - 1)",
            largest, IndexLimit);
    }

    private static long Blocks(long count, long size) => (count + size - 1) / size;

    /// <summary>The product, saturated at <see cref="long.MaxValue"/> (sizes up to 2^31 each can overflow 64 bits).</summary>
    private static long Product(params long[] factors)
    {
        Int128 product = 1;
        foreach (long f in factors)
        {
            product *= f;
            if (product > long.MaxValue)
                return long.MaxValue;
        }
        return (long)product;
    }

    private static string Show(params long[] dims) => "[" + string.Join(", ", dims) + "]";

    /// <summary>The arguments' shapes and lengths.</summary>
    private readonly struct Sizes
    {
        public Sizes(in DdfGeometry g)
        {
            Taps = (long)g.KernelSize * g.KernelSize;
            Input = $"(B, C, H, W) = {Show(g.Batch, g.Channels, g.Height, g.Width)}";
            Output = $"(B, C, Ho, Wo) = {Show(g.Batch, g.Channels, g.OutHeight, g.OutWidth)}";
            Spatial = $"(B, k*k, Ho, Wo) = {Show(g.Batch, Taps, g.OutHeight, g.OutWidth)}";
            Channel = $"(B, C, k, k) = {Show(g.Batch, g.Channels, g.KernelSize, g.KernelSize)}";
            InputLength = Product(g.Batch, g.Channels, g.Height, g.Width);
            OutputLength = Product(g.Batch, g.Channels, g.OutHeight, g.OutWidth);
            SpatialLength = Product(g.Batch, Taps, g.OutHeight, g.OutWidth);
            ChannelLength = Product(g.Batch, g.Channels, Taps);
        }

        public long Taps { get; }
        public string Input { get; }
        public string Output { get; }
        public string Spatial { get; }
        public string Channel { get; }
        public long InputLength { get; }
        public long OutputLength { get; }
        public long SpatialLength { get; }
        public long ChannelLength { get; }
    }
}
