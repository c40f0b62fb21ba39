using System;
using static TorchSharp.torch;

namespace Ddf.IntegrationTests;

/// <summary>
/// One generated layer under test with the settings its attribute declares, written out again here so
/// the tests check the generated code against an independent statement of the spec.
/// </summary>
public sealed record LayerCase(
    string Name, Func<long, ScalarType, nn.Module<Tensor, Tensor>> Create, Func<Tensor, Tensor?, Tensor?, Tensor> Filter,
    int K, int Dilation, int Stride, int Heads, double Ratio, FilterNormalization Norm, FilterBranches Branches, KernelCombine Combine)
{
    public bool HasSpatial => Branches != FilterBranches.Channel;
    public bool HasChannel => Branches != FilterBranches.Spatial;
    public int Taps => K * K;

    /// <summary>FilterNorm gain: ReLU's sqrt(2) in DDF layers, linear 1 in DDF-Up layers.</summary>
    public double Gain { get; init; } = Math.Sqrt(2);

    public override string ToString() => Name;

    public static LayerCase Get(string name) => name switch
    {
        nameof(DefaultDdf) => new(name, (c, t) => new DefaultDdf(c, dtype: t), (x, cf, sf) => DefaultDdf.filter(x, cf!, sf!),
            3, 1, 1, 1, 0.2, FilterNormalization.Filter, FilterBranches.Both, KernelCombine.Mul),
        nameof(Dilated5Add) => new(name, (c, t) => new Dilated5Add(c, dtype: t), (x, cf, sf) => Dilated5Add.filter(x, cf!, sf!),
            5, 2, 1, 1, 0.2, FilterNormalization.Filter, FilterBranches.Both, KernelCombine.Add),
        nameof(Strided3) => new(name, (c, t) => new Strided3(c, dtype: t), (x, cf, sf) => Strided3.filter(x, cf!, sf!),
            3, 1, 2, 1, 0.2, FilterNormalization.Filter, FilterBranches.Both, KernelCombine.Mul),
        nameof(Heads4k7) => new(name, (c, t) => new Heads4k7(c, dtype: t), (x, cf, sf) => Heads4k7.filter(x, cf!, sf!),
            7, 1, 1, 4, 0.3, FilterNormalization.Filter, FilterBranches.Both, KernelCombine.Mul),
        nameof(SpatialOnlySigmoid) => new(name, (c, t) => new SpatialOnlySigmoid(c, dtype: t), (x, cf, sf) => SpatialOnlySigmoid.filter(x, sf!),
            3, 1, 1, 1, 0.2, FilterNormalization.Sigmoid, FilterBranches.Spatial, KernelCombine.Mul),
        nameof(ChannelOnlyStrided) => new(name, (c, t) => new ChannelOnlyStrided(c, dtype: t), (x, cf, sf) => ChannelOnlyStrided.filter(x, cf!),
            5, 1, 2, 1, 0.2, FilterNormalization.None, FilterBranches.Channel, KernelCombine.Mul),
        nameof(BatchNormalised) => new(name, (c, t) => new BatchNormalised(c, dtype: t), (x, cf, sf) => BatchNormalised.filter(x, cf!, sf!),
            3, 1, 1, 1, 0.2, FilterNormalization.Batch, FilterBranches.Both, KernelCombine.Mul),
        nameof(Blocks.NestedDilated3) => new(name, (c, t) => new Blocks.NestedDilated3(c, dtype: t), (x, cf, sf) => Blocks.NestedDilated3.filter(x, cf!, sf!),
            3, 3, 1, 1, 0.2, FilterNormalization.Filter, FilterBranches.Both, KernelCombine.Add),
        _ => throw new ArgumentException($"no layer case named {name}", nameof(name)),
    };

    public static Xunit.TheoryData<string> All => new()
    {
        nameof(DefaultDdf), nameof(Dilated5Add), nameof(Strided3), nameof(Heads4k7),
        nameof(SpatialOnlySigmoid), nameof(ChannelOnlyStrided), nameof(BatchNormalised), nameof(Blocks.NestedDilated3),
    };
}
