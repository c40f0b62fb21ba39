using TorchSharp;
using Xunit;
using static TorchSharp.torch;

namespace Ddf.Onnx.Tests;

/// <summary>Whole networks exported at one size and run under ONNX Runtime at another batch and size.</summary>
public class NetworkExportTests
{
    private const double Tolerance = 1e-3;

    [Theory]
    [InlineData("ddf_resnet18")]
    [InlineData("ddf_resnet50")]
    [InlineData("resnet18")]
    public void ResNet_matches_TorchSharp(string name)
    {
        using var scope = NewDisposeScope();
        torch.random.manual_seed(3);
        var model = name switch
        {
            "ddf_resnet18" => models.ddf_resnet18(num_classes: 10),
            "ddf_resnet50" => models.ddf_resnet50(num_classes: 10, combine: KernelCombine.Add),
            _ => models.resnet18(num_classes: 10),
        };
        OrtHarness.Prepare(model, 4);
        double error = OrtHarness.ExportAndCompare(model, [randn(1, 3, 64, 64)], [randn(2, 3, 72, 56)]);
        Assert.True(error <= Tolerance, $"{name}: relative error {error:E2}");
    }

    [Theory]
    [InlineData(FpnUpsampling.DdfUp)]
    [InlineData(FpnUpsampling.Nearest)]
    public void FpnNeck_matches_TorchSharp_on_odd_sizes(FpnUpsampling upsampling)
    {
        using var scope = NewDisposeScope();
        torch.random.manual_seed(5);
        var neck = OrtHarness.Prepare(new FpnNeck([8, 16, 32], 16, upsampling), 6);
        double error = OrtHarness.ExportAndCompare(neck,
            [randn(1, 8, 16, 16), randn(1, 16, 8, 8), randn(1, 32, 4, 4)],
            [randn(2, 8, 15, 13), randn(2, 16, 8, 7), randn(2, 32, 4, 4)]);
        Assert.True(error <= Tolerance, $"{upsampling}: relative error {error:E2}");
    }

    [Fact]
    public void DdfUpNet_matches_TorchSharp()
    {
        using var scope = NewDisposeScope();
        torch.random.manual_seed(7);
        var net = OrtHarness.Prepare(new DdfUpNet(4, channels: 8, guidance_channels: 6), 8);
        double error = OrtHarness.ExportAndCompare(net, [randn(1, 1, 8, 8), randn(1, 3, 32, 32)], [randn(2, 1, 6, 10), randn(2, 3, 24, 40)]);
        Assert.True(error <= Tolerance, $"relative error {error:E2}");
    }

    [Fact]
    public void Mnist_network_matches_TorchSharp()
    {
        using var scope = NewDisposeScope();
        torch.random.manual_seed(9);
        var net = OrtHarness.Prepare(models.mnist_ddf(), 10);
        double error = OrtHarness.ExportAndCompare(net, [randn(1, 1, 28, 28)], [randn(3, 1, 28, 28)]);
        Assert.True(error <= Tolerance, $"28x28: relative error {error:E2}");
        error = OrtHarness.ExportAndCompare(net, [randn(1, 1, 28, 28)], [randn(2, 1, 33, 30)]);
        Assert.True(error <= Tolerance, $"33x30: relative error {error:E2}");
    }
}
