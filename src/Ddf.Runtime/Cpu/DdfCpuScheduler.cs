using System;
using System.Numerics;

namespace Ddf.Runtime;

/// <summary>
/// Splits a DDF call into fixed tiles run in parallel and calls a spec's row kernels
/// (<see cref="IDdfCpuRows{T}"/>) on them. Every output element is written by exactly one tile and
/// every reduction runs in a fixed order, so results are bitwise the same for any thread count.
/// </summary>
public static unsafe class DdfCpuScheduler
{
    /// <summary>Rows per tile: a tile's spatial-filter rows stay in cache across its channels.</summary>
    private const int RowBlock = 8;

    /// <summary>Channels per forward / input-gradient tile.</summary>
    private const int ChannelBlock = 32;

    /// <summary>
    /// Null when the scheduler can run a call of this geometry, else why not: its tile counts and per-tile
    /// partial sums are indexed with 32-bit integers (element offsets themselves are 64-bit).
    /// </summary>
    public static string? Unsupported(in DdfGeometry g)
    {
        long tiles = (long)g.Batch * CpuParallelism.Blocks(Math.Max(g.Height, g.OutHeight), RowBlock) * CpuParallelism.Blocks(g.Channels, ChannelBlock);
        if (tiles > int.MaxValue)
            return $"{tiles} tiles of {RowBlock} rows x {ChannelBlock} channels exceed 2^31 - 1";
        long partials = (long)g.Channels * g.Taps;
        return partials > int.MaxValue ? $"channels x taps = {partials} exceeds 2^31 - 1" : null;
    }

    /// <summary>Writes <c>args.Output</c>: tiles of (batch, output rows, channels), channels taken in pairs.</summary>
    public static void Forward<T, TRows>(in DdfCpuArgs<T> args)
        where T : unmanaged, IFloatingPointIeee754<T>
        where TRows : IDdfCpuRows<T>
    {
        var g = args.Geometry;
        var loop = new ChannelPairTiles<T, TRows, ForwardPass<T, TRows>>(args, CpuParallelism.Blocks(g.OutHeight, RowBlock), CpuParallelism.Blocks(g.Channels, ChannelBlock));
        CpuParallelism.For(g.Batch * loop.RowBlocks * loop.ChannelBlocks, ref loop);
    }

    /// <summary>
    /// Writes the gradients asked for: <c>args.GradInput</c>, <c>args.GradSpatialFilter</c> and
    /// <paramref name="gradChannelFilter"/> (each may be null), with <c>args.Output</c> holding the
    /// upstream gradient. With filter gradients wanted, one pass over tiles of (batch, rows) computes them and,
    /// while each channel's upstream-gradient rows are still in cache, the input gradient of those rows too;
    /// when that gives too few tiles to keep every core busy, the input gradient runs as its own pass over
    /// (batch, rows, channels). Either way each element is computed by the same row kernel in the same order.
    /// </summary>
    public static void Backward<T, TRows>(in DdfCpuArgs<T> args, T* gradChannelFilter)
        where T : unmanaged, IFloatingPointIeee754<T>
        where TRows : IDdfCpuRows<T>
    {
        var g = args.Geometry;
        bool filters = gradChannelFilter != null || args.GradSpatialFilter != null;
        bool fuse = filters && args.GradInput != null && g.Batch * CpuParallelism.Blocks(g.OutHeight, RowBlock) >= 2 * CpuParallelism.Threads;
        if (args.GradInput != null && !fuse)
        {
            var loop = new ChannelPairTiles<T, TRows, InputGradientPass<T, TRows>>(args, CpuParallelism.Blocks(g.Height, RowBlock), CpuParallelism.Blocks(g.Channels, ChannelBlock));
            CpuParallelism.For(g.Batch * loop.RowBlocks * loop.ChannelBlocks, ref loop);
        }
        if (args.GradSpatialFilter == null && args.GradInput == null && gradChannelFilter != null)
        {
            // dcf alone: per-row-tile partial sums would outgrow this small output, so each tile owns a channel pair of
            // one batch element and adds its rows in order straight into dcf (a fixed order, so still deterministic).
            var loop = new ChannelFilterGradientTiles<T, TRows>(args, gradChannelFilter, CpuParallelism.Blocks(g.Channels, 2));
            CpuParallelism.For(g.Batch * loop.Pairs, ref loop);
        }
        else if (filters)
        {
            FilterGradients<T, TRows>(args, gradChannelFilter, fuse);
        }
    }

    /// <summary>
    /// dsf (a reduction over channels) and dcf (a reduction over pixels) in one pass over tiles of (batch, output
    /// rows); with <paramref name="inputGradient"/>, the input gradient too. Each tile owns its dsf rows and writes
    /// per-tile dcf partial sums, which a second stage adds up in tile order: a deterministic two-stage reduction.
    /// </summary>
    private static void FilterGradients<T, TRows>(in DdfCpuArgs<T> a, T* dcf, bool inputGradient)
        where T : unmanaged, IFloatingPointIeee754<T>
        where TRows : IDdfCpuRows<T>
    {
        var g = a.Geometry;
        int rowBlocks = CpuParallelism.Blocks(g.OutHeight, RowBlock);
        long partialsPerTile = (long)g.Channels * g.Taps;
        T* partials = dcf == null ? null : (T*)ScratchMemory.Allocate((nuint)(g.Batch * rowBlocks * partialsPerTile), (nuint)sizeof(T));
        try
        {
            var tiles = new FilterGradientTiles<T, TRows>(a, rowBlocks, partials, inputGradient);
            CpuParallelism.For(g.Batch * rowBlocks, ref tiles);
            if (partials != null)
            {
                var sums = new PartialSums<T>(partials, dcf, rowBlocks, partialsPerTile);
                CpuParallelism.For(g.Batch, ref sums);
            }
        }
        finally
        {
            ScratchMemory.Free(partials);
        }
    }

    /// <summary>
    /// Tile of a pass over (batch, rows, channels), channels taken in pairs: the forward over output rows, or the input
    /// gradient on its own over input rows (<typeparamref name="TPass"/>).
    /// </summary>
    private readonly struct ChannelPairTiles<T, TRows, TPass>(DdfCpuArgs<T> a, int rowBlocks, int channelBlocks) : ITileLoop
        where T : unmanaged, IFloatingPointIeee754<T>
        where TRows : IDdfCpuRows<T>
        where TPass : IRowPass<T, TRows>
    {
        public int RowBlocks => rowBlocks;
        public int ChannelBlocks => channelBlocks;

        public void Run(int tile)
        {
            var g = a.Geometry;
            int cb = tile % channelBlocks, rb = tile / channelBlocks % rowBlocks, b = tile / channelBlocks / rowBlocks;
            int c1 = Math.Min(g.Channels, (cb + 1) * ChannelBlock), y1 = Math.Min(TPass.Rows(g), (rb + 1) * RowBlock);
            for (int c = cb * ChannelBlock; c < c1; c += 2)
            {
                for (int y = rb * RowBlock; y < y1; y++)
                    TPass.Row(a, b, c, c + 1 < c1, y);
            }
        }
    }

    /// <summary>The row kernel a <see cref="ChannelPairTiles{T, TRows, TPass}"/> pass calls, and how many rows it has.</summary>
    private interface IRowPass<T, TRows>
        where T : unmanaged, IFloatingPointIeee754<T>
        where TRows : IDdfCpuRows<T>
    {
        static abstract int Rows(in DdfGeometry g);

        static abstract void Row(in DdfCpuArgs<T> a, int b, int c, bool pair, int y);
    }

    /// <summary>The forward: output rows.</summary>
    private readonly struct ForwardPass<T, TRows> : IRowPass<T, TRows>
        where T : unmanaged, IFloatingPointIeee754<T>
        where TRows : IDdfCpuRows<T>
    {
        public static int Rows(in DdfGeometry g) => g.OutHeight;

        public static void Row(in DdfCpuArgs<T> a, int b, int c, bool pair, int y) => TRows.Forward(a, b, c, pair, y);
    }

    /// <summary>The input gradient: input rows.</summary>
    private readonly struct InputGradientPass<T, TRows> : IRowPass<T, TRows>
        where T : unmanaged, IFloatingPointIeee754<T>
        where TRows : IDdfCpuRows<T>
    {
        public static int Rows(in DdfGeometry g) => g.Height;

        public static void Row(in DdfCpuArgs<T> a, int b, int c, bool pair, int y) => TRows.InputGradient(a, b, c, pair, y);
    }

    /// <summary>
    /// Filter-gradient tile: (batch, output rows), all channels in pairs, its dsf rows zeroed first and its dcf partials
    /// (when wanted) at <c>partials + tile * C * k*k</c>; when fused, each channel pair's input-gradient rows
    /// [oy0 * stride, oy1 * stride) follow its filter-gradient rows while its upstream-gradient rows are in cache.
    /// </summary>
    private readonly struct FilterGradientTiles<T, TRows>(DdfCpuArgs<T> a, int rowBlocks, T* partials, bool inputGradient) : ITileLoop
        where T : unmanaged, IFloatingPointIeee754<T>
        where TRows : IDdfCpuRows<T>
    {
        public void Run(int tile)
        {
            var g = a.Geometry;
            int b = tile / rowBlocks, oy0 = tile % rowBlocks * RowBlock, oy1 = Math.Min(g.OutHeight, oy0 + RowBlock);
            int y0 = oy0 * g.Stride, y1 = Math.Min(g.Height, oy1 * g.Stride);
            long partialsPerTile = (long)g.Channels * g.Taps;
            T* tilePartials = partials == null ? null : partials + tile * partialsPerTile;
            if (tilePartials != null)
                new Span<T>(tilePartials, checked((int)partialsPerTile)).Clear();
            if (a.GradSpatialFilter != null)
            {
                for (int oy = oy0; oy < oy1; oy++)
                {
                    T* dsfRow = a.GradSpatialFilter + (long)b * g.Taps * g.OutPlane + (long)oy * g.OutWidth;
                    for (int t = 0; t < g.Taps; t++)
                        new Span<T>(dsfRow + t * g.OutPlane, g.OutWidth).Clear();
                }
            }
            for (int c = 0; c < g.Channels; c += 2)
            {
                bool pair = c + 1 < g.Channels;
                for (int oy = oy0; oy < oy1; oy++)
                    TRows.FilterGradients(a, b, c, pair, oy, tilePartials);
                for (int y = y0; inputGradient && y < y1; y++)
                    TRows.InputGradient(a, b, c, pair, y);
            }
        }
    }

    /// <summary>dcf without the other gradients: tile (batch, channel pair) over all output rows, summed in row order.</summary>
    private readonly struct ChannelFilterGradientTiles<T, TRows>(DdfCpuArgs<T> a, T* dcf, int pairs) : ITileLoop
        where T : unmanaged, IFloatingPointIeee754<T>
        where TRows : IDdfCpuRows<T>
    {
        public int Pairs => pairs;

        public void Run(int tile)
        {
            var g = a.Geometry;
            int b = tile / pairs, c = tile % pairs * 2;
            bool pair = c + 1 < g.Channels;
            T* batch = dcf + (long)b * g.Channels * g.Taps;
            new Span<T>(batch + (long)c * g.Taps, (pair ? 2 : 1) * g.Taps).Clear();
            for (int oy = 0; oy < g.OutHeight; oy++)
                TRows.FilterGradients(a, b, c, pair, oy, batch);
        }
    }

    /// <summary>Second stage of dcf: for batch b, the row tiles' partial sums added in tile order.</summary>
    private readonly struct PartialSums<T>(T* partials, T* dcf, int rowBlocks, long partialsPerTile) : ITileLoop
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        public void Run(int b)
        {
            T* target = dcf + b * partialsPerTile;
            for (long i = 0; i < partialsPerTile; i++)
            {
                T sum = T.Zero;
                for (int rb = 0; rb < rowBlocks; rb++)
                    sum += partials[((long)b * rowBlocks + rb) * partialsPerTile + i];
                target[i] = sum;
            }
        }
    }
}
