using System;
using System.Linq;
using Xunit;
using static TorchSharp.torch;

namespace Ddf.IntegrationTests;

// The ablations of the paper's Table 3, each expressed as an attribute.
[DynamicFilter(Branches = FilterBranches.Spatial)] public partial class T3SpatialOnly;
[DynamicFilter(Branches = FilterBranches.Channel)] public partial class T3ChannelOnly;
[DynamicFilter] public partial class T3Both;
[DynamicFilter(Normalization = FilterNormalization.Batch)] public partial class T3BatchNorm;
[DynamicFilter(Normalization = FilterNormalization.Sigmoid)] public partial class T3Sigmoid;
[DynamicFilter(Normalization = FilterNormalization.None)] public partial class T3NoNorm;
[DynamicFilter(SqueezeRatio = 0.3)] public partial class T3Ratio03;
[DynamicFilter(SqueezeRatio = 0.4)] public partial class T3Ratio04;
[DynamicFilter(Combine = KernelCombine.Add)] public partial class T3Add;
[DynamicFilter(Heads = 8)] public partial class T3Heads8;

public class Table3VariantTests
{
    public static TheoryData<string, FilterBranches, FilterNormalization, double, long> Variants => new()
    {
        { nameof(T3SpatialOnly), FilterBranches.Spatial, FilterNormalization.Filter, 0.2, 1 },
        { nameof(T3ChannelOnly), FilterBranches.Channel, FilterNormalization.Filter, 0.2, 1 },
        { nameof(T3Both), FilterBranches.Both, FilterNormalization.Filter, 0.2, 1 },
        { nameof(T3BatchNorm), FilterBranches.Both, FilterNormalization.Batch, 0.2, 1 },
        { nameof(T3Sigmoid), FilterBranches.Both, FilterNormalization.Sigmoid, 0.2, 1 },
        { nameof(T3NoNorm), FilterBranches.Both, FilterNormalization.None, 0.2, 1 },
        { nameof(T3Ratio03), FilterBranches.Both, FilterNormalization.Filter, 0.3, 1 },
        { nameof(T3Ratio04), FilterBranches.Both, FilterNormalization.Filter, 0.4, 1 },
        { nameof(T3Add), FilterBranches.Both, FilterNormalization.Filter, 0.2, 1 },
        { nameof(T3Heads8), FilterBranches.Both, FilterNormalization.Filter, 0.2, 8 },
    };

    private static nn.Module<Tensor, Tensor> Create(string name, long c) => name switch
    {
        nameof(T3SpatialOnly) => new T3SpatialOnly(c),
        nameof(T3ChannelOnly) => new T3ChannelOnly(c),
        nameof(T3Both) => new T3Both(c),
        nameof(T3BatchNorm) => new T3BatchNorm(c),
        nameof(T3Sigmoid) => new T3Sigmoid(c),
        nameof(T3NoNorm) => new T3NoNorm(c),
        nameof(T3Ratio03) => new T3Ratio03(c),
        nameof(T3Ratio04) => new T3Ratio04(c),
        nameof(T3Add) => new T3Add(c),
        nameof(T3Heads8) => new T3Heads8(c),
        _ => throw new ArgumentException(name, nameof(name)),
    };

    [Theory]
    [MemberData(nameof(Variants))]
    public void Parameter_count_follows_the_reference_formula(string name, FilterBranches branches, FilterNormalization norm, double ratio, long heads)
    {
        foreach (long c in new long[] { 64, 256, 512 })
        {
            long kk = 9, m = Math.Max(1, (long)(c * ratio));
            // Spatial branch: 1x1 conv c -> heads*k*k (+ BatchNorm's weight and bias); FilterNorm has none.
            long spatial = heads * kk * (c + 1) + (norm == FilterNormalization.Batch ? 2 * heads * kk : 0);
            // Channel branch: c -> m -> c*k*k 1x1 convs, plus FilterNorm's std (c*k*k) or BatchNorm's weight and bias.
            long channel = m * (c + 1) + c * kk * (m + 1)
                + norm switch { FilterNormalization.Filter => c * kk, FilterNormalization.Batch => 2 * c * kk, _ => 0 };
            long expected = (branches != FilterBranches.Channel ? spatial : 0) + (branches != FilterBranches.Spatial ? channel : 0);

            Assert.Equal(expected, Create(name, c).parameters().Sum(p => p.numel()));
        }
    }

    public static TheoryData<string> Names => new(Variants.Select(row => (string)row[0]));

    [Theory]
    [MemberData(nameof(Names))]
    public void Each_variant_runs_forward_and_backward(string name)
    {
        var layer = Create(name, 16);
        var x = randn(2, 16, 9, 20).requires_grad_(true);
        layer.forward(x).square().mean().backward();
        Assert.True(x.grad!.isfinite().all().item<bool>());
        Assert.All(layer.parameters(), p => Assert.NotNull(p.grad));
    }
}
