using System;
using Xunit;
using static TorchSharp.torch;

namespace Ddf.TorchSharp.Tests;

/// <summary>The <c>out:</c> overload of ops.ddf: same values as a fresh output, written in place, and clear errors.</summary>
public class DdfOutTests
{
    [Theory]
    [InlineData(3, 1, 1, KernelCombine.Mul, true, true)]
    [InlineData(3, 1, 2, KernelCombine.Add, true, true)]
    [InlineData(5, 2, 1, KernelCombine.Mul, true, false)]
    [InlineData(7, 1, 1, KernelCombine.Mul, false, true)]
    public void Writes_the_same_values_into_the_given_tensor(int k, int d, int s, KernelCombine combine, bool hasCf, bool hasSf)
    {
        var ddfCase = DdfCases.Make(2, 5, 13, 10, k, d, s, combine, hasCf, hasSf);
        var (x, cf, sf) = ddfCase.Inputs();
        var target = full([2, 5, ddfCase.OutHeight, ddfCase.OutWidth], double.NaN, ScalarType.Float64);

        var returned = ops.ddf(x, cf, sf, k, @out: target, dilation: d, stride: s, combine: combine);

        Assert.Same(target, returned);
        AssertClose.Bitwise(ops.ddf(x, cf, sf, k, d, s, combine), target, "out: overload differs from a fresh output");
        AssertClose.Tensors(ddfCase.Reference(x, cf, sf), target, 1e-12, 1e-12);
    }

    [Fact]
    public void Reuses_one_output_across_calls_without_reading_its_old_values()
    {
        var ddfCase = DdfCases.Make(1, 4, 9, 11, 3, 1, 1, KernelCombine.Mul, true, true);
        var (x, cf, sf) = ddfCase.Inputs();
        var target = empty([1, 4, 9, 11], ScalarType.Float64);
        ops.ddf(x, cf, sf, 3, @out: target);
        ops.ddf(x * 2, cf, sf, 3, @out: target);
        AssertClose.Bitwise(ops.ddf(x * 2, cf, sf, 3), target, "second call into the same output");
    }

    [Fact]
    public void Calls_with_out_allocate_no_managed_memory()
    {
        // Large enough for several tiles, so the parallel loop runs; the calling thread allocates every closure,
        // task or wrapper a call would need.
        var (x, cf, sf) = (randn(2, 16, 40, 50), randn(2, 16, 3, 3), randn(2, 9, 40, 50));
        var target = empty(2, 16, 40, 50);
        using var noGrad = no_grad();
        for (int i = 0; i < 3; i++)
            ops.ddf(x, cf, sf, 3, @out: target);
        long before = GC.GetAllocatedBytesForCurrentThread();
        for (int i = 0; i < 20; i++)
            ops.ddf(x, cf, sf, 3, @out: target);
        long perCall = (GC.GetAllocatedBytesForCurrentThread() - before) / 20;
        Assert.True(perCall == 0, $"ops.ddf(..., out:) allocated {perCall} bytes per call on the calling thread");
    }

    private static readonly Tensor X = randn(2, 3, 7, 6);
    private static readonly Tensor Cf = randn(2, 3, 3, 3);
    private static readonly Tensor Sf = randn(2, 9, 7, 6);

    private static void AssertRejectsOut(string[] fragments, Action call)
    {
        var error = Assert.ThrowsAny<ArgumentException>(call);
        Assert.Equal("out", error.ParamName);
        foreach (var fragment in fragments)
            Assert.Contains(fragment, error.Message);
    }

    [Fact]
    public void Wrong_shape() =>
        AssertRejectsOut(["[2, 3, 7, 5]", "[2, 3, 7, 6]", "(B, C, Ho, Wo)"], () => ops.ddf(X, Cf, Sf, 3, @out: empty(2, 3, 7, 5)));

    [Fact]
    public void Wrong_dtype() =>
        AssertRejectsOut(["Float64", "Float32"], () => ops.ddf(X, Cf, Sf, 3, @out: empty([2, 3, 7, 6], ScalarType.Float64)));

    [Fact]
    public void Not_contiguous() =>
        AssertRejectsOut(["contiguous", "strides"], () => ops.ddf(X, Cf, Sf, 3, @out: empty(2, 3, 6, 7).transpose(2, 3)));

    [Fact]
    public void Sharing_memory_with_the_input() =>
        AssertRejectsOut(["shares memory with input"], () => ops.ddf(X, Cf, Sf, 3, @out: X));

    [Fact]
    public void Overlapping_a_filter_through_a_view() =>
        AssertRejectsOut(["shares memory with spatial_filter"], () => ops.ddf(X, Cf, Sf, 3, @out: Sf.view(-1).narrow(0, 100, 2 * 3 * 7 * 6).view(2, 3, 7, 6)));

    [Fact]
    public void Null_out() =>
        Assert.Throws<ArgumentNullException>("out", () => ops.ddf(X, Cf, Sf, 3, @out: null!));

    [Fact]
    public void An_argument_requiring_grad_with_grad_enabled()
    {
        var x = X.clone().requires_grad_(true);
        AssertRejectsOut(["not differentiable", "no_grad"], () => ops.ddf(x, Cf, Sf, 3, @out: empty(2, 3, 7, 6)));
        using (no_grad())
        {
            var target = empty(2, 3, 7, 6);
            ops.ddf(x, Cf, Sf, 3, @out: target);
            AssertClose.Bitwise(ops.ddf(X, Cf, Sf, 3), target, "under no_grad");
        }
    }
}
