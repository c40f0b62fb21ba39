using System;
using TorchSharp;
using Xunit;
using static TorchSharp.torch;

namespace Ddf.Onnx.Tests;

/// <summary>
/// Every snapshot spec and DDF-Up (Self and Joint, guidance channels != C, scale 2 and 4), exported on one
/// example size and run under ONNX Runtime on another batch and spatial size (odd sizes, not multiples of the stride).
/// </summary>
public class LayerExportTests
{
    private const double Tolerance = 1e-4;

    public static TheoryData<string> Filters => new()
    {
        nameof(Defaults), nameof(Kernel5Dilation2), nameof(Stride2), nameof(AddCombine), nameof(SpatialOnly), nameof(ChannelOnly),
        nameof(Heads4), nameof(BatchNormalisation), nameof(SigmoidNormalisation), nameof(NoNormalisation), nameof(Kernel7),
        nameof(Stride3Add), nameof(ChannelOnlyStride2), nameof(Kernel9), nameof(Kernel5), nameof(Heads2BatchStride2),
        nameof(SpatialStride2Dilation3),
    };

    private static nn.Module<Tensor, Tensor> Filter(string name, long c) => name switch
    {
        nameof(Defaults) => new Defaults(c),
        nameof(Kernel5Dilation2) => new Kernel5Dilation2(c),
        nameof(Stride2) => new Stride2(c),
        nameof(AddCombine) => new AddCombine(c),
        nameof(SpatialOnly) => new SpatialOnly(c),
        nameof(ChannelOnly) => new ChannelOnly(c),
        nameof(Heads4) => new Heads4(c),
        nameof(BatchNormalisation) => new BatchNormalisation(c),
        nameof(SigmoidNormalisation) => new SigmoidNormalisation(c),
        nameof(NoNormalisation) => new NoNormalisation(c),
        nameof(Kernel7) => new Kernel7(c),
        nameof(Stride3Add) => new Stride3Add(c),
        nameof(ChannelOnlyStride2) => new ChannelOnlyStride2(c),
        nameof(Kernel9) => new Kernel9(c),
        nameof(Kernel5) => new Kernel5(c),
        nameof(Heads2BatchStride2) => new Heads2BatchStride2(c),
        nameof(SpatialStride2Dilation3) => new SpatialStride2Dilation3(c),
        _ => throw new ArgumentException(name),
    };

    [Theory]
    [MemberData(nameof(Filters))]
    public void Filter_layer_matches_TorchSharp_under_ONNX_Runtime(string name)
    {
        using var scope = NewDisposeScope();
        var layer = OrtHarness.Prepare(Filter(name, 8), 11);
        double error = OrtHarness.ExportAndCompare(layer, [randn(1, 8, 12, 12)], [randn(2, 8, 13, 10)]);
        Assert.True(error <= Tolerance, $"{name}: relative error {error:E2}");
    }

    [Theory]
    [InlineData(2)]
    [InlineData(4)]
    public void Self_guided_upsampler_matches_TorchSharp(int scale)
    {
        using var scope = NewDisposeScope();
        nn.Module<Tensor, Tensor> layer = scale == 2 ? new UpSelf2(8) : new UpSelf4(8);
        OrtHarness.Prepare(layer, 12);
        double error = OrtHarness.ExportAndCompare(layer, [randn(1, 8, 6, 6)], [randn(2, 8, 7, 5)]);
        Assert.True(error <= Tolerance, $"x{scale}: relative error {error:E2}");
    }

    [Fact]
    public void Self_guided_upsampler_with_batch_norm_and_add_matches_TorchSharp()
    {
        using var scope = NewDisposeScope();
        var layer = OrtHarness.Prepare(new UpSelf2BatchAdd(8), 13);
        double error = OrtHarness.ExportAndCompare(layer, [randn(1, 8, 6, 6)], [randn(3, 8, 5, 9)]);
        Assert.True(error <= Tolerance, $"relative error {error:E2}");
    }

    [Theory]
    [InlineData(2)]
    [InlineData(4)]
    public void Joint_upsampler_with_other_guidance_channels_matches_TorchSharp(int scale)
    {
        using var scope = NewDisposeScope();
        nn.Module<Tensor, Tensor, Tensor> layer = scale == 2 ? new UpJoint2(8, 6) : new UpJoint4(8, 6);
        OrtHarness.Prepare(layer, 14);
        double error = OrtHarness.ExportAndCompare(layer, [randn(1, 8, 6, 6), randn(1, 6, 6, 6)], [randn(2, 8, 5, 7), randn(2, 6, 5, 7)]);
        Assert.True(error <= Tolerance, $"x{scale}: relative error {error:E2}");
    }

    [Theory]
    [InlineData(13)]
    [InlineData(21)]
    public void Other_opsets_export_too(long opset)
    {
        using var scope = NewDisposeScope();
        var layer = OrtHarness.Prepare(new Heads4(8), 15);
        double error = OrtHarness.ExportAndCompare(layer, [randn(1, 8, 12, 12)], [randn(2, 8, 9, 14)], opset);
        Assert.True(error <= Tolerance, $"opset {opset}: relative error {error:E2}");
    }
}
