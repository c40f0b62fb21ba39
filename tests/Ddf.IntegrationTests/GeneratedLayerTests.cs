using System;
using System.Linq;
using Xunit;
using static TorchSharp.torch;

namespace Ddf.IntegrationTests;

/// <summary>The generated [DynamicFilter] layers, checked as a user would use them.</summary>
public class GeneratedLayerTests
{
    private static Tensor Input(long b, long c, long h, long w, ScalarType type, int seed = 1) =>
        randn([b, c, h, w], type, generator: new Generator((ulong)seed));

    [Theory]
    [MemberData(nameof(LayerCase.All), MemberType = typeof(LayerCase))]
    public void Forward_matches_the_reference_composition(string name)
    {
        var spec = LayerCase.Get(name);
        manual_seed(11);
        var layer = spec.Create(8, ScalarType.Float32);
        layer.eval();
        // 29 columns: the vectorised interior and both edges; 9 columns: the narrow-row fallback.
        foreach (var (h, w) in new[] { (11L, 29L), (6L, 9L) })
        {
            using var noGrad = no_grad();
            var x = Input(2, 8, h, w, ScalarType.Float32);
            var actual = layer.forward(x);
            Assert.Equal(new[] { 2L, 8, (h - 1) / spec.Stride + 1, (w - 1) / spec.Stride + 1 }, actual.shape);
            AssertClose.Tensors(LayerReference.Forward(spec, layer, x), actual, 1e-5, 1e-5);
        }
    }

    [Theory]
    [MemberData(nameof(LayerCase.All), MemberType = typeof(LayerCase))]
    public void Float64_gradients_of_input_and_every_parameter_match_finite_differences(string name)
    {
        var spec = LayerCase.Get(name);
        manual_seed(5);
        var layer = spec.Create(4, ScalarType.Float64);
        if (spec.Norm == FilterNormalization.Batch)
            layer.eval(); // batch statistics of a 2-sample batch make the loss too curved for finite differences
        var x = Input(2, 4, 5, 17, ScalarType.Float64).requires_grad_(true);
        var probe = Input(2, 4, 5, 17, ScalarType.Float64, seed: 9)[.., .., ..(int)((5 - 1) / spec.Stride + 1), ..(int)((17 - 1) / spec.Stride + 1)];
        var named = layer.named_parameters().ToArray();
        var leaves = named.Select(p => (Tensor)p.parameter).Prepend(x).ToArray();
        var names = named.Select(p => p.name).Prepend("input").ToArray();

        GradCheck.Check(() => (layer.forward(x) * probe).sum(), leaves, names: names);
    }

    [Theory]
    [MemberData(nameof(LayerCase.All), MemberType = typeof(LayerCase))]
    public void Specialised_kernels_match_the_generic_kernels_with_gradients(string name)
    {
        var spec = LayerCase.Get(name);
        var generator = new Generator(3);
        // 7 channels: channel pairs and a last single channel.
        long b = 2, c = 7, h = 23, w = 41, ho = (h - 1) / spec.Stride + 1, wo = (w - 1) / spec.Stride + 1;
        foreach (var type in new[] { ScalarType.Float32, ScalarType.Float64 })
        {
            var x = randn([b, c, h, w], type, generator: generator).requires_grad_(true);
            var cf = spec.HasChannel ? randn([b, c, spec.K, spec.K], type, generator: generator).requires_grad_(true) : null;
            var sf = spec.HasSpatial ? randn([b, spec.Taps, ho, wo], type, generator: generator).requires_grad_(true) : null;
            var probe = randn([b, c, ho, wo], type, generator: generator);
            var inputs = new[] { x, cf, sf }.Where(t => t is not null).Select(t => t!).ToArray();

            var specialised = spec.Filter(x, cf, sf);
            var specialisedGrads = autograd.grad([(specialised * probe).sum()], inputs);
            // The generic (run-time kernel size) kernels, called directly: ops.ddf itself runs specialised kernels for common specs.
            var geometry = DdfTensors.Validate(x, cf, sf, spec.K, spec.Dilation, spec.Stride, spec.Combine);
            var kernels = Runtime.DdfCpuKernelSet.Generic(cf is not null, sf is not null, spec.Combine);
            var generic = DdfTensors.Forward(x.detach(), cf?.detach(), sf?.detach(), geometry, kernels);
            var (dx, dcf, dsf) = DdfTensors.Backward(x.detach(), cf?.detach(), sf?.detach(), probe, geometry, kernels, true, true, true);
            var genericGrads = new[] { dx, dcf, dsf }.Where(t => t is not null).ToArray();

            double tolerance = type == ScalarType.Float32 ? 1e-5 : 1e-12;
            AssertClose.Tensors(generic, specialised, tolerance, tolerance);
            for (int i = 0; i < inputs.Length; i++)
                AssertClose.Tensors(genericGrads[i]!, specialisedGrads[i], tolerance, tolerance);
        }
    }

    [Theory]
    [InlineData(nameof(DefaultDdf), 64)]
    [InlineData(nameof(DefaultDdf), 256)]
    [InlineData(nameof(Heads4k7), 64)]
    [InlineData(nameof(SpatialOnlySigmoid), 32)]
    [InlineData(nameof(ChannelOnlyStrided), 32)]
    [InlineData(nameof(BatchNormalised), 16)]
    public void Parameters_and_state_dict_keys_are_those_of_the_reference_DDFPack(string name, long c)
    {
        var spec = LayerCase.Get(name);
        var layer = spec.Create(c, ScalarType.Float32);
        long g = spec.Heads, kk = spec.Taps, m = Math.Max(1, (long)(c * spec.Ratio));
        var expected = new System.Collections.Generic.List<(string, long[])>();
        if (spec.HasSpatial)
        {
            expected.Add(("spatial_branch.0.weight", [g * kk, c, 1, 1]));
            expected.Add(("spatial_branch.0.bias", [g * kk]));
            if (spec.Norm == FilterNormalization.Batch)
                expected.AddRange(BatchNormEntries("spatial_branch.1", g * kk));
        }
        if (spec.HasChannel)
        {
            expected.Add(("channel_branch.1.weight", [m, c, 1, 1]));
            expected.Add(("channel_branch.1.bias", [m]));
            expected.Add(("channel_branch.3.weight", [c * kk, m, 1, 1]));
            expected.Add(("channel_branch.3.bias", [c * kk]));
            if (spec.Norm == FilterNormalization.Filter)
                expected.Add(("channel_branch.4.std", [c * kk]));
            if (spec.Norm == FilterNormalization.Batch)
                expected.AddRange(BatchNormEntries("channel_branch.4", c * kk));
        }

        var actual = layer.state_dict().Select(e => (e.Key, e.Value.shape)).ToList();
        Assert.Equal(expected.Select(e => e.Item1).Order(), actual.Select(e => e.Key).Order());
        foreach (var (key, shape) in expected)
            Assert.Equal(shape, actual.Single(e => e.Key == key).shape);
        if (spec.Branches == FilterBranches.Both && spec.Norm == FilterNormalization.Filter)
        {
            // ddf-spec.md: P = g*k*k*(c + 1) + m*(c + 1) + c*k*k*(m + 2).
            long formula = g * kk * (c + 1) + m * (c + 1) + c * kk * (m + 2);
            Assert.Equal(formula, layer.parameters().Sum(p => p.numel()));
        }
    }

    [Fact]
    public void The_default_layer_has_the_parameter_counts_of_ddf_spec()
    {
        foreach (var (c, count) in new[] { (64L, 9_429L), (128L, 35_490L), (256L, 137_532L), (512L, 536_175L) })
            Assert.Equal(count, new DefaultDdf(c).parameters().Sum(p => p.numel()));
    }

    private static (string, long[])[] BatchNormEntries(string prefix, long features) =>
    [
        ($"{prefix}.weight", [features]), ($"{prefix}.bias", [features]), ($"{prefix}.running_mean", [features]),
        ($"{prefix}.running_var", [features]), ($"{prefix}.num_batches_tracked", []),
    ];

    [Theory]
    [MemberData(nameof(LayerCase.All), MemberType = typeof(LayerCase))]
    public void A_layer_learns_a_small_regression_task(string name)
    {
        var spec = LayerCase.Get(name);
        manual_seed(2);
        var teacher = spec.Create(8, ScalarType.Float32);
        var student = spec.Create(8, ScalarType.Float32);
        var x = Input(4, 8, 12, 20, ScalarType.Float32);
        Tensor target;
        using (no_grad())
            target = teacher.forward(x);
        TrainingCheck.AssertLearns(student.parameters(), () => nn.functional.mse_loss(student.forward(x), target));
    }

    [Fact]
    public void Bad_channel_counts_are_argument_errors()
    {
        var error = Assert.ThrowsAny<ArgumentException>(() => new Heads4k7(6));
        Assert.Equal("in_channels", error.ParamName);
        Assert.Contains("Heads = 4", error.Message);
        var layer = new DefaultDdf(4);
        var input = Assert.ThrowsAny<ArgumentException>(() => layer.forward(randn(1, 3, 5, 5)));
        Assert.Equal("input", input.ParamName);
        Assert.Contains("[1, 3, 5, 5]", input.Message);
    }
}
