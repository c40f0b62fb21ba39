using Xunit;

namespace Ddf.TorchSharp.Tests;

/// <summary>The shapes and settings every numeric test runs over (odd, non-square, edges, vector paths).</summary>
public static class DdfCases
{
    public static TheoryData<int, int, int, int, int, int, int, KernelCombine, bool, bool> All => new()
    {
        // B, C, H, W, k, dilation, stride, combine, channel filter, spatial filter
        { 1, 1, 1, 1, 1, 1, 1, KernelCombine.Mul, true, true },
        { 1, 1, 1, 1, 3, 1, 1, KernelCombine.Mul, true, true },
        { 3, 17, 7, 6, 3, 1, 1, KernelCombine.Mul, true, true },
        { 3, 17, 13, 5, 5, 1, 1, KernelCombine.Add, true, true },
        { 1, 17, 7, 6, 7, 1, 1, KernelCombine.Mul, true, true },
        { 3, 1, 13, 5, 3, 2, 1, KernelCombine.Mul, true, true },
        { 3, 17, 7, 6, 3, 1, 2, KernelCombine.Mul, true, true },
        { 1, 17, 13, 5, 5, 2, 2, KernelCombine.Add, true, true },
        { 3, 17, 7, 6, 3, 1, 1, KernelCombine.Mul, false, true },
        { 3, 17, 13, 5, 5, 1, 2, KernelCombine.Add, false, true },
        { 3, 17, 7, 6, 3, 1, 1, KernelCombine.Mul, true, false },
        { 1, 17, 13, 5, 3, 2, 1, KernelCombine.Add, true, false },
        // Rows wide enough for the vectorised interior, with edges on both sides and a shifted last vector.
        { 2, 5, 9, 37, 3, 1, 1, KernelCombine.Mul, true, true },
        { 2, 5, 6, 41, 5, 2, 1, KernelCombine.Add, true, true },
        { 1, 3, 5, 64, 3, 3, 1, KernelCombine.Mul, false, true },
        { 2, 3, 11, 45, 7, 1, 1, KernelCombine.Mul, true, false },
        { 2, 3, 5, 40, 7, 1, 2, KernelCombine.Mul, true, true },
        { 1, 2, 3, 33, 3, 1, 3, KernelCombine.Add, true, true },
        // Strided input gradients: each residue class of columns runs as vectors, with edge columns on both sides.
        { 2, 4, 9, 53, 3, 2, 2, KernelCombine.Mul, true, false },
        { 1, 3, 8, 70, 5, 1, 2, KernelCombine.Add, false, true },
    };

    internal static DdfCase Make(int b, int c, int h, int w, int k, int d, int s, KernelCombine combine, bool hasCf, bool hasSf) =>
        new(b, c, h, w, k, d, s, combine, hasCf, hasSf);
}
