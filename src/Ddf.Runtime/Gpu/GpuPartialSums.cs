using System.Numerics;
using ILGPU;

namespace Ddf.Runtime;

/// <summary>Stage two of the deterministic gradient reductions: partial sums added in a fixed order, no atomics.</summary>
internal static class GpuPartialSums
{
    /// <summary>
    /// result[o * inner + i] = sum over g &lt; groups, in order, of partials[(o * groups + g) * inner + i].
    /// One thread per result element.
    /// </summary>
    public static void SumGroups<T>(ArrayView<T> partials, ArrayView<T> result, int groups, int inner) where T : unmanaged, INumber<T>
    {
        long index = Grid.GlobalIndex.X;
        if (index >= result.Length)
            return;
        long outer = index / inner;
        long first = outer * groups * inner + (index - outer * inner);
        T sum = partials[first];
        for (int g = 1; g < groups; g++)
            sum += partials[first + (long)g * inner];
        result[index] = sum;
    }
}
