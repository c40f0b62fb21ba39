using System;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;
using static TorchSharp.torch.nn;

namespace Ddf.Cli.Mnist;

/// <summary>
/// A decoupled dynamic filter layer written with <see cref="ops.ddf"/> and <see cref="FilterNorm"/>:
/// the reference DDFPack (spatial branch: 1x1 conv + filter norm; channel branch: pool, squeeze,
/// expand, filter norm).
/// </summary>
internal sealed class FunctionalDdf : Module<Tensor, Tensor>
{
    private readonly Sequential spatial_branch;
    private readonly Sequential channel_branch;
    private readonly long kernelSize;
    private readonly long stride;

    public FunctionalDdf(long channels, long kernelSize = 3, long stride = 1, double squeezeRatio = 0.2) : base(nameof(FunctionalDdf))
    {
        this.kernelSize = kernelSize;
        this.stride = stride;
        long taps = kernelSize * kernelSize, mid = Math.Max(1, (long)(channels * squeezeRatio));
        double gain = Math.Sqrt(2);
        spatial_branch = Sequential(Conv2d(channels, taps, 1, stride: stride), new FilterNorm(FilterKind.Spatial, 1, kernelSize, gain));
        channel_branch = Sequential(AdaptiveAvgPool2d(1), Conv2d(channels, mid, 1), ReLU(), Conv2d(mid, channels * taps, 1),
            new FilterNorm(FilterKind.Channel, channels, kernelSize, gain));
        RegisterComponents();
    }

    public override Tensor forward(Tensor x)
    {
        using var channel = channel_branch.forward(x);
        using var channelFilter = channel.view(x.shape[0], x.shape[1], kernelSize, kernelSize);
        using var spatialFilter = spatial_branch.forward(x);
        return ops.ddf(x, channelFilter, spatialFilter, kernelSize, stride: stride);
    }
}

/// <summary>Small digit classifiers: a DDF network and its twin with 3x3 convolutions in the same places.</summary>
internal static class MnistNets
{
    public static Module<Tensor, Tensor> Ddf() => Build(static (channels, stride) => new FunctionalDdf(channels, 3, stride));

    public static Module<Tensor, Tensor> Conv() =>
        Build(static (channels, stride) => Conv2d(channels, channels, 3, stride: stride, padding: 1, groups: 1));

    private static Module<Tensor, Tensor> Build(Func<long, long, Module<Tensor, Tensor>> filter) => Sequential(
        Conv2d(1, 32, 3, padding: 1), BatchNorm2d(32), ReLU(),
        filter(32, 2), BatchNorm2d(32), ReLU(),                          // 14 x 14
        Conv2d(32, 64, 1), BatchNorm2d(64), ReLU(),
        filter(64, 2), BatchNorm2d(64), ReLU(),                          // 7 x 7
        Conv2d(64, 128, 1), BatchNorm2d(128), ReLU(),
        filter(128, 1), BatchNorm2d(128), ReLU(),
        AdaptiveAvgPool2d(1), Flatten(), Linear(128, 10));
}
