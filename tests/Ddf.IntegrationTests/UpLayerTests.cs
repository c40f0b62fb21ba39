using System;
using System.Collections.Generic;
using System.Linq;
using Xunit;
using static TorchSharp.torch;

namespace Ddf.IntegrationTests;

/// <summary>Generated [DynamicFilterUp] layers against the reference DDFUpPack composition.</summary>
public class UpLayerTests
{
    /// <summary>A DDF-Up layer under test: its settings, a factory, and how to run it.</summary>
    public sealed record UpCase(string Name, int Scale, bool Joint, LayerCase Spec, Func<long, long, ScalarType, nn.Module> Create, Func<nn.Module, Tensor, Tensor?, Tensor> Run)
    {
        public override string ToString() => Name;
    }

    private static LayerCase Settings(int k, int dilation, int heads, FilterNormalization norm, KernelCombine combine) =>
        new("up", (_, _) => throw new NotSupportedException(), (_, _, _) => throw new NotSupportedException(),
            k, dilation, 1, heads, 0.2, norm, FilterBranches.Both, combine) { Gain = 1.0 };

    public static UpCase Get(string name) => name switch
    {
        nameof(SelfUp2) => new(name, 2, false, Settings(3, 1, 1, FilterNormalization.Filter, KernelCombine.Mul),
            (c, _, t) => new SelfUp2(c, dtype: t), (m, x, _) => ((SelfUp2)m).forward(x)),
        nameof(SelfUp4) => new(name, 4, false, Settings(5, 2, 2, FilterNormalization.Filter, KernelCombine.Add),
            (c, _, t) => new SelfUp4(c, dtype: t), (m, x, _) => ((SelfUp4)m).forward(x)),
        nameof(JointUp2) => new(name, 2, true, Settings(3, 1, 1, FilterNormalization.Filter, KernelCombine.Mul),
            (c, cg, t) => new JointUp2(c, cg, dtype: t), (m, x, g) => ((JointUp2)m).forward(x, g!)),
        nameof(JointUp3Sigmoid) => new(name, 3, true, Settings(3, 1, 1, FilterNormalization.Sigmoid, KernelCombine.Mul),
            (c, cg, t) => new JointUp3Sigmoid(c, cg, dtype: t), (m, x, g) => ((JointUp3Sigmoid)m).forward(x, g!)),
        _ => throw new ArgumentException($"no DDF-Up case named {name}", nameof(name)),
    };

    public static TheoryData<string> All => new() { nameof(SelfUp2), nameof(SelfUp4), nameof(JointUp2), nameof(JointUp3Sigmoid) };

    private static Dictionary<string, Tensor> State(nn.Module module) => module.state_dict();

    [Theory]
    [MemberData(nameof(All))]
    public void Forward_matches_the_reference_composition(string name)
    {
        var up = Get(name);
        manual_seed(3);
        var layer = up.Create(4, 3, ScalarType.Float32);
        var x = randn([2, 4, 7, 11], generator: new Generator(1));
        var guidance = up.Joint ? randn([2, 3, 7, 11], generator: new Generator(2)) : null;
        using var noGrad = no_grad();

        var actual = up.Run(layer, x, guidance);

        Assert.Equal(new long[] { 2, 4, 7 * up.Scale, 11 * up.Scale }, actual.shape);
        AssertClose.Tensors(LayerReference.Upsample(up.Spec, up.Scale, up.Joint, State(layer), x, guidance), actual, 1e-5, 1e-5);
    }

    [Theory]
    [MemberData(nameof(All))]
    public void Float64_gradients_of_inputs_and_every_parameter_match_finite_differences(string name)
    {
        var up = Get(name);
        manual_seed(4);
        var layer = up.Create(2, 2, ScalarType.Float64);
        var x = randn([1, 2, 3, 4], ScalarType.Float64, generator: new Generator(5)).requires_grad_(true);
        var guidance = up.Joint ? randn([1, 2, 3, 4], ScalarType.Float64, generator: new Generator(6)).requires_grad_(true) : null;
        var probe = randn([1, 2, 3 * up.Scale, 4 * up.Scale], ScalarType.Float64, generator: new Generator(7));
        var named = layer.named_parameters().ToArray();
        var leaves = named.Select(p => (Tensor)p.parameter).Prepend(guidance).Prepend(x).Where(t => t is not null).Select(t => t!).ToArray();
        var names = named.Select(p => p.name).Prepend(up.Joint ? "guidance" : null).Prepend("input").Where(n => n is not null).Select(n => n!).ToArray();

        GradCheck.Check(() => (up.Run(layer, x, guidance) * probe).sum(), leaves, names: names);
    }

    [Theory]
    [InlineData(nameof(SelfUp2), 64, 0)]
    [InlineData(nameof(SelfUp4), 32, 0)]
    [InlineData(nameof(JointUp2), 64, 16)]
    [InlineData(nameof(JointUp2), 32, 128)]
    public void Parameters_and_state_dict_keys_are_those_of_the_reference_DDFUpPack(string name, long c, long cg)
    {
        var up = Get(name);
        var layer = up.Create(c, cg, ScalarType.Float32);
        long g = up.Spec.Heads, kk = up.Spec.Taps, m = Math.Max(1, (long)(c * 0.2)), branches = up.Scale * up.Scale;
        long spatialIn = up.Joint ? cg : c;
        // ddf-spec.md section 3: P over the spatial branch's input channels; Self adds a depthwise 3x3 conv per branch.
        long p = g * kk * (spatialIn + 1) + m * (c + 1) + c * kk * (m + 2);
        long expected = branches * (p + (up.Joint ? 0 : c * (9 + 1)));
        Assert.Equal(expected, layer.parameters().Sum(t => t.numel()));

        var keys = new List<(string, long[])>();
        for (int i = 0; i < branches; i++)
        {
            string conv = up.Joint ? $"spatial_branch.{i}.0" : $"spatial_branch.{i}.1.0";
            if (!up.Joint)
            {
                keys.Add(($"spatial_branch.{i}.0.weight", [c, 1, 3, 3]));
                keys.Add(($"spatial_branch.{i}.0.bias", [c]));
            }
            keys.Add(($"{conv}.weight", [g * kk, spatialIn, 1, 1]));
            keys.Add(($"{conv}.bias", [g * kk]));
            keys.Add(($"channel_branch.{i}.1.weight", [m, c, 1, 1]));
            keys.Add(($"channel_branch.{i}.1.bias", [m]));
            keys.Add(($"channel_branch.{i}.3.weight", [c * kk, m, 1, 1]));
            keys.Add(($"channel_branch.{i}.3.bias", [c * kk]));
            keys.Add(($"channel_branch.{i}.4.std", [c * kk]));
        }
        var actual = layer.state_dict();
        Assert.Equal(keys.Select(k => k.Item1).Order(), actual.Keys.Order());
        foreach (var (key, shape) in keys)
            Assert.Equal(shape, actual[key].shape);
    }

    [Theory]
    [MemberData(nameof(All))]
    public void A_layer_learns_to_upsample(string name)
    {
        var up = Get(name);
        manual_seed(8);
        var layer = up.Create(4, 3, ScalarType.Float32);
        var x = randn([4, 4, 6, 6], generator: new Generator(9));
        var guidance = up.Joint ? randn([4, 3, 6, 6], generator: new Generator(10)) : null;
        // Target: nearest-neighbour upsampling of the input, which a DDF-Up layer can express.
        var target = x.repeat_interleave(up.Scale, 2).repeat_interleave(up.Scale, 3);
        TrainingCheck.AssertLearns(layer.parameters(), () => nn.functional.mse_loss(up.Run(layer, x, guidance), target));
    }

    [Fact]
    public void Guidance_of_the_wrong_size_is_an_argument_error()
    {
        var layer = new JointUp2(4, 3);
        var error = Assert.ThrowsAny<ArgumentException>(() => layer.forward(randn(1, 4, 5, 5), randn(1, 3, 4, 5)));
        Assert.Equal("guidance", error.ParamName);
        Assert.Contains("[1, 3, 4, 5]", error.Message);
        Assert.Contains("(1, 3, 5, 5)", error.Message);
    }
}
