using Ddf.Generators.Model;

namespace Ddf.Generators;

/// <summary>
/// What the CPU kernel file of one spec is made of, decided once (<see cref="For"/>); <see cref="CpuKernelWriter"/>
/// and <see cref="CpuRowWriter"/> only write what it says. The measurements behind each choice are in docs/performance.md.
/// </summary>
/// <param name="Unrolled">
/// Forward and input-gradient rows with the taps unrolled and constant offsets, up to k = <see cref="UnrolledKernelSize"/>.
/// Larger kernels run the generic rows: unrolled 49-tap rows are huge methods the JIT compiles poorly (k = 7 ran ~3x
/// slower than the generic row; k = 5 ran 1.45x faster).
/// </param>
/// <param name="Strided">
/// Stride above 1: the unrolled forward row runs scalar columns, and the input gradient runs the generic rows (the
/// transposed taps land on a strided subset of columns).
/// </param>
/// <param name="Pairs">
/// Stride-1 rows run two channels per pass over a row, so each spatial-filter load serves both (loads, not arithmetic,
/// bound these rows); without a spatial branch there is nothing to share and rows run one channel at a time.
/// </param>
/// <remarks>
/// The filter-gradient pass always runs the generic row: unrolling the taps of that reduction over channels and pixels
/// made it slower than the generic row, whose per-tap column loops stream one filter row at a time.
/// </remarks>
internal sealed record CpuKernelPlan(bool Unrolled, bool Strided, bool Pairs)
{
    /// <summary>The largest kernel size whose rows are emitted with unrolled taps.</summary>
    public const int UnrolledKernelSize = 5;

    public static CpuKernelPlan For(DdfSpec spec)
    {
        bool unrolled = spec.KernelSize <= UnrolledKernelSize, strided = spec.Stride > 1;
        return new CpuKernelPlan(unrolled, strided, unrolled && !strided && spec.HasSpatial);
    }
}
