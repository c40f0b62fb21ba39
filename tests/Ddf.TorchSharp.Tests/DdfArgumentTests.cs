using System;
using Xunit;
using static TorchSharp.torch;

namespace Ddf.TorchSharp.Tests;

/// <summary>Every bad input gets an ArgumentException naming the argument and what it got.</summary>
public class DdfArgumentTests
{
    private static readonly Tensor X = randn(2, 3, 7, 6);
    private static readonly Tensor Cf = randn(2, 3, 3, 3);
    private static readonly Tensor Sf = randn(2, 9, 7, 6);

    private static void AssertRejects(string parameter, string[] fragments, Action call)
    {
        var error = Assert.ThrowsAny<ArgumentException>(call);
        Assert.Equal(parameter, error.ParamName);
        Assert.Contains(parameter, error.Message);
        foreach (var fragment in fragments)
            Assert.Contains(fragment, error.Message);
    }

    [Fact]
    public void Wrong_input_rank() =>
        AssertRejects("input", ["[3, 7, 6]", "rank 3", "(B, C, H, W)"], () => ops.ddf(randn(3, 7, 6), Cf, Sf, 3));

    [Fact]
    public void Batch_mismatch_of_the_channel_filter() =>
        AssertRejects("channel_filter", ["[3, 3, 3, 3]", "[2, 3, 3, 3]"], () => ops.ddf(X, randn(3, 3, 3, 3), Sf, 3));

    [Fact]
    public void Channel_mismatch_of_the_channel_filter() =>
        AssertRejects("channel_filter", ["[2, 4, 3, 3]", "(B, C, k, k)"], () => ops.ddf(X, randn(2, 4, 3, 3), Sf, 3));

    [Fact]
    public void Channel_filter_with_the_wrong_kernel_size() =>
        AssertRejects("channel_filter", ["[2, 3, 5, 5]", "[2, 3, 3, 3]"], () => ops.ddf(X, randn(2, 3, 5, 5), Sf, 3));

    [Fact]
    public void Batch_mismatch_of_the_spatial_filter() =>
        AssertRejects("spatial_filter", ["[1, 9, 7, 6]", "[2, 9, 7, 6]"], () => ops.ddf(X, Cf, randn(1, 9, 7, 6), 3));

    [Fact]
    public void Spatial_filter_with_the_wrong_tap_count() =>
        AssertRejects("spatial_filter", ["[2, 25, 7, 6]", "(B, k*k, Ho, Wo)"], () => ops.ddf(X, Cf, randn(2, 25, 7, 6), 3));

    [Fact]
    public void Spatial_filter_at_the_input_size_when_stride_is_two() =>
        AssertRejects("spatial_filter", ["[2, 9, 7, 6]", "[2, 9, 4, 3]"], () => ops.ddf(X, Cf, Sf, 3, stride: 2));

    [Theory]
    [InlineData(4)]
    [InlineData(0)]
    [InlineData(-3)]
    public void Kernel_size_not_a_positive_odd_number(long kernelSize) =>
        AssertRejects("kernel_size", [$"got {kernelSize}", "odd"], () => ops.ddf(X, null, Sf, kernelSize));

    [Theory]
    [InlineData(0)]
    [InlineData(-1)]
    public void Dilation_below_one(long dilation) =>
        AssertRejects("dilation", [$"got {dilation}"], () => ops.ddf(X, Cf, Sf, 3, dilation: dilation));

    [Theory]
    [InlineData(0)]
    [InlineData(-2)]
    public void Stride_below_one(long stride) =>
        AssertRejects("stride", [$"got {stride}"], () => ops.ddf(X, Cf, Sf, 3, stride: stride));

    [Fact]
    public void Both_filters_null() =>
        AssertRejects("channel_filter", ["both null"], () => ops.ddf(X, null, null, 3));

    [Fact]
    public void Undefined_combine_value() =>
        AssertRejects("combine", ["got 7"], () => ops.ddf(X, Cf, Sf, 3, combine: (KernelCombine)7));

    [Fact]
    public void Mixed_dtypes() =>
        AssertRejects("spatial_filter", ["Float64", "Float32"], () => ops.ddf(X, Cf, Sf.to(ScalarType.Float64), 3));

    [Fact]
    public void Unsupported_dtype() =>
        AssertRejects("input", ["Int32", "Float32 and Float64"],
            () => ops.ddf(X.to(ScalarType.Int32), Cf.to(ScalarType.Int32), Sf.to(ScalarType.Int32), 3));

    [Fact]
    public void Filters_on_another_device_than_the_input() =>
        AssertRejects("channel_filter", ["meta", "cpu"], () => ops.ddf(X, Cf.to(META), Sf, 3));

    [Fact]
    public void Tensors_neither_on_the_cpu_nor_on_cuda_are_not_supported()
    {
        var error = Assert.Throws<NotSupportedException>(() => ops.ddf(X.to(META), Cf.to(META), Sf.to(META), 3));
        Assert.Contains("CPU", error.Message);
    }

    [Fact]
    public void Sizes_beyond_32_bit_tiling_are_refused_before_any_memory_is_touched() =>
        // Meta tensors have shapes but no memory: the check must come first.
        AssertRejects("input", ["[2147483647, 64, 8, 8]", "too large", "2^31"],
            () => ops.ddf(empty([int.MaxValue, 64, 8, 8], device: META), null, empty([int.MaxValue, 9, 8, 8], device: META), 3));

    [Fact]
    public void Empty_spatial_size() =>
        AssertRejects("input", ["[2, 3, 0, 6]"], () => ops.ddf(randn(2, 3, 0, 6), Cf, null, 3));
}
