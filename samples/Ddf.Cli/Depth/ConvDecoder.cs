using System;
using TorchSharp.Modules;
using static TorchSharp.torch;
using static TorchSharp.torch.nn;

namespace Ddf.Cli.Depth;

/// <summary>
/// The plain baseline for joint depth upsampling: DDF-Up-Net's layout with each DDF-Up replaced by
/// bilinear x2 upsampling and a 3x3 conv over the depth features concatenated with the RGB features.
/// </summary>
internal sealed class ConvDecoder : Module<Tensor, Tensor, Tensor>
{
    private readonly Sequential depth_encoder, rgb_encoder;
    private readonly ModuleList<Module<Tensor, Tensor>> fuse;
    private readonly Conv2d head;
    private readonly long scale;

    public ConvDecoder(long scale, long channels = 32, long guidanceChannels = 32) : base(nameof(ConvDecoder))
    {
        this.scale = scale;
        int stages = (int)Math.Round(Math.Log2(scale));
        depth_encoder = Sequential(Conv2d(1, channels, 3, padding: 1), ReLU(), Conv2d(channels, channels, 3, padding: 1), ReLU());
        rgb_encoder = Sequential(Conv2d(3, guidanceChannels, 3, padding: 1), ReLU(), Conv2d(guidanceChannels, guidanceChannels, 3, padding: 1), ReLU());
        var stagesList = new Module<Tensor, Tensor>[stages];
        for (int i = 0; i < stages; i++)
            stagesList[i] = Sequential(Conv2d(channels + guidanceChannels, channels, 3, padding: 1), ReLU());
        fuse = ModuleList(stagesList);
        head = Conv2d(channels, 1, 3, padding: 1);
        RegisterComponents();
    }

    public override Tensor forward(Tensor depth, Tensor rgb)
    {
        using var scope = NewDisposeScope();
        var guidance = rgb_encoder.call(rgb);
        var x = depth_encoder.call(depth);
        long factor = scale;
        foreach (var stage in fuse)
        {
            factor /= 2;
            x = functional.interpolate(x, scale_factor: [2, 2], mode: InterpolationMode.Bilinear, align_corners: false);
            var g = factor == 1 ? guidance : functional.avg_pool2d(guidance, factor);
            x = stage.call(cat([x, g], 1));
        }
        var baseline = functional.interpolate(depth, scale_factor: [scale, scale], mode: InterpolationMode.Bicubic, align_corners: false);
        return baseline.add(head.call(x), HeldScalars.One).MoveToOuterDisposeScope();
    }
}
