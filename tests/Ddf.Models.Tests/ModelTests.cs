using System;
using System.Linq;
using Xunit;
using static TorchSharp.torch;
using static TorchSharp.torch.nn;

namespace Ddf.Models.Tests;

[DynamicFilter] internal partial class ProbeDdf;

public class ModelTests
{
    private static long Parameters(TorchSharp.torch.nn.Module model) => model.parameters().Sum(p => p.numel());

    [Fact]
    public void ResNet_parameter_counts_are_the_published_ones()
    {
        // ddf-spec.md section 4 and torchvision.
        Assert.Equal(16_843_748, Parameters(models.ddf_resnet50()));
        Assert.Equal(16_843_748, Parameters(models.ddf_resnet50(combine: KernelCombine.Add)));
        Assert.Equal(28_146_912, Parameters(models.ddf_resnet101()));
        Assert.Equal(25_557_032, Parameters(models.resnet50()));
        Assert.Equal(44_549_160, Parameters(models.resnet101()));
        Assert.Equal(11_689_512, Parameters(models.resnet18()));
    }

    [Fact]
    public void DDF_ResNet_18_replaces_every_3x3_conv()
    {
        // Stage widths 64/128/256/512: every 3x3 conv becomes a DDF layer of P(c) parameters (ddf-spec.md section 2);
        // the three channel-changing convs become DDF(c_in) + a 1x1 conv c_in -> c_out.
        static long P(long c) { long m = c / 5; return 9 * (c + 1) + m * (c + 1) + 9 * c * (m + 2); }
        long replaced = 4 * 9 * 64 * 64 + 3 * 9 * 128 * 128 + 3 * 9 * 256 * 256 + 3 * 9 * 512 * 512
            + 9 * 64 * 128 + 9 * 128 * 256 + 9 * 256 * 512;
        long ddf = 4 * P(64) + 3 * P(128) + 3 * P(256) + 3 * P(512) + P(64) + 64 * 128 + P(128) + 128 * 256 + P(256) + 256 * 512;
        Assert.Equal(11_689_512 - replaced + ddf, Parameters(models.ddf_resnet18()));
    }

    [Fact]
    public void A_DDF_ResNet_classifies_a_batch_and_backpropagates()
    {
        var model = models.ddf_resnet50(num_classes: 7);
        var x = randn(2, 3, 64, 48);
        var output = model.forward(x);
        Assert.Equal(new long[] { 2, 7 }, output.shape);
        output.sum().backward();
        Assert.All(model.parameters(), p => Assert.NotNull(p.grad));
    }

    [Fact]
    public void The_profiler_counts_conv_linear_and_ddf_multiply_adds()
    {
        var model = Sequential(
            ("conv", Conv2d(3, 8, 3, stride: 2, padding: 1)),
            ("ddf", new ProbeDdf(8)),
            ("pool", AdaptiveAvgPool2d(1)),
            ("flat", Flatten()),
            ("fc", Linear(8, 10)));
        var rows = ModelProfile.Run(model, randn(1, 3, 9, 11));
        var conv = rows.Single(r => r.Name == "conv");
        var ddf = rows.Single(r => r.Name == "ddf");
        var fc = rows.Single(r => r.Name == "fc");

        // conv: 8 x 5 x 6 outputs, 3*3*3 each.
        Assert.Equal(8 * 5 * 6 * 27, conv.Macs);
        // ddf: spatial 1x1 conv 8 -> 9 on 5 x 6, channel convs 8 -> 1 -> 72 on 1 x 1; the op: 1.5 * 240 outputs * 9 taps.
        Assert.Equal(9 * 5 * 6 * 8 + 1 * 8 + 72 * 1, ddf.Macs);
        Assert.Equal(1.5 * 240 * 9, ddf.DdfMacs);
        Assert.Equal(80, fc.Macs);
        Assert.Equal(Parameters(model), rows[^1].Parameters);
        Assert.Equal(rows.Take(rows.Count - 1).Sum(r => r.AllMacs), rows[^1].AllMacs);
    }

    [Fact]
    public void DDF_ResNet_50_at_224_costs_what_the_paper_counted()
    {
        var rows = ModelProfile.Run(models.ddf_resnet50(), randn(1, 3, 224, 224));
        var total = rows[^1];
        // The paper reports 2.3B for DDF-ResNet-50 from a counter that skipped the DDF operation.
        Assert.InRange(total.Macs / 1e9, 2.2, 2.4);
        // The DDF operation: 1.5 * k*k per output element of each DDF layer (C x Ho x Wo per block, per stage).
        long outputs = 3 * 64 * 56 * 56 + 4 * 128 * 28 * 28 + 6 * 256 * 14 * 14 + 3 * 512 * 7 * 7;
        Assert.Equal(1.5 * 9 * outputs, total.DdfMacs);
        var plain = ModelProfile.Run(models.resnet50(), randn(1, 3, 224, 224))[^1];
        Assert.InRange(plain.Macs / 1e9, 4.0, 4.2);
    }

    [Theory]
    [InlineData(FpnUpsampling.DdfUp)]
    [InlineData(FpnUpsampling.Nearest)]
    public void The_FPN_neck_keeps_each_level_size(FpnUpsampling upsampling)
    {
        var neck = new FpnNeck([16, 32, 64], 24, upsampling);
        var levels = new[] { randn(2, 16, 25, 33), randn(2, 32, 13, 17), randn(2, 64, 7, 9) };
        var outputs = neck.forward(levels);
        for (int i = 0; i < 3; i++)
            Assert.Equal(new[] { 2L, 24, levels[i].shape[2], levels[i].shape[3] }, outputs[i].shape);
        outputs.Select(o => o.sum()).Aggregate((a, b) => a + b).backward();
        Assert.All(neck.parameters(), p => Assert.NotNull(p.grad));
    }

    [Theory]
    [InlineData(4)]
    [InlineData(8)]
    [InlineData(16)]
    public void DDF_Up_Net_upsamples_depth_by_its_scale(long scale)
    {
        var net = new DdfUpNet(scale, channels: 8, guidance_channels: 8);
        var depth = randn(2, 1, 3, 5);
        var rgb = randn(2, 3, 3 * scale, 5 * scale);
        Assert.Equal(new[] { 2L, 1, 3 * scale, 5 * scale }, net.forward(depth, rgb).shape);
        Assert.Equal((int)Math.Log2(scale), net.named_modules().Count(m => m.module is IDynamicFilterLayer));
    }

    [Fact]
    public void DDF_Up_Net_refuses_bad_scales_and_shapes()
    {
        Assert.Equal("scale", Assert.ThrowsAny<ArgumentException>(() => new DdfUpNet(3)).ParamName);
        var net = new DdfUpNet(4, 8, 8);
        var error = Assert.ThrowsAny<ArgumentException>(() => net.forward(randn(1, 1, 4, 4), randn(1, 3, 15, 16)));
        Assert.Equal("rgb", error.ParamName);
        Assert.Contains("(1, 3, 16, 16)", error.Message);
    }
}
