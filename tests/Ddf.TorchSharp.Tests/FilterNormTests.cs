using System;
using System.Linq;
using Xunit;
using static TorchSharp.torch;

namespace Ddf.TorchSharp.Tests;

public class FilterNormTests
{
    /// <summary>ddf-spec.md: per filter over its k*k taps, (f - mean) / (unbiased std + 1e-10) * scale.</summary>
    private static Tensor Reference(Tensor filters, long groups, long k, Tensor scale)
    {
        long b = filters.shape[0], h = filters.shape[2], w = filters.shape[3];
        var grouped = filters.reshape(b, groups, k * k, h, w);
        var normalised = (grouped - grouped.mean([2], keepdim: true)) / (grouped.std(2, unbiased: true, keepdim: true) + 1e-10);
        return normalised.reshape(b, groups * k * k, h, w) * scale;
    }

    [Theory]
    [InlineData(1, 3, 7, 13)]
    [InlineData(4, 3, 5, 6)]
    [InlineData(2, 5, 9, 11)]
    [InlineData(1, 7, 1, 1)]
    public void Spatial_filters_match_the_formula_in_both_precisions(long groups, long k, long h, long w)
    {
        var norm = new FilterNorm(FilterKind.Spatial, groups, k, Math.Sqrt(2));
        var filters = randn([3, groups * k * k, h, w], ScalarType.Float64, generator: new Generator(4));
        var expected = Reference(filters, groups, k, tensor(Math.Sqrt(2) / k, ScalarType.Float64));

        AssertClose.Tensors(expected, norm.forward(filters), 1e-12, 1e-12);
        AssertClose.Tensors(expected, norm.forward(filters.to(ScalarType.Float32)), 1e-5, 1e-5);
        Assert.Empty(norm.parameters());
    }

    [Fact]
    public void Spatial_filter_gradients_match_finite_differences()
    {
        var norm = new FilterNorm(FilterKind.Spatial, 2, 3, 1.0);
        var filters = randn([2, 18, 3, 5], ScalarType.Float64, generator: new Generator(8));
        GradCheck.Check(args => norm.forward(args[0]), [filters]);
    }

    [Fact]
    public void Channel_filters_use_the_learnable_std_and_its_gradient()
    {
        var norm = new FilterNorm(FilterKind.Channel, 5, 3, Math.Sqrt(2), dtype: ScalarType.Float64);
        var std = norm.parameters().Single();
        Assert.Equal(new long[] { 45 }, std.shape);
        var filters = randn([2, 45, 1, 1], ScalarType.Float64, generator: new Generator(6)).requires_grad_(true);

        AssertClose.Tensors(Reference(filters, 5, 3, std.reshape(1, 45, 1, 1)), norm.forward(filters), 1e-12, 1e-12);
        var probe = randn([2, 45, 1, 1], ScalarType.Float64, generator: new Generator(2));
        GradCheck.Check(() => (norm.forward(filters) * probe).sum(), [filters, std], names: ["filters", "std"]);
    }

    [Fact]
    public void Wrong_filter_count_is_an_argument_error()
    {
        var error = Assert.ThrowsAny<ArgumentException>(() => new FilterNorm(FilterKind.Spatial, 1, 3, 1.0).forward(randn(1, 8, 4, 4)));
        Assert.Equal("filters", error.ParamName);
        Assert.Contains("[1, 8, 4, 4]", error.Message);
    }
}
