using System;
using static TorchSharp.torch;
using static TorchSharp.torch.nn;

namespace Ddf.Cli.Mnist;

/// <summary>A DDF layer that halves the resolution: the spatial filters are predicted at stride 2.</summary>
[DynamicFilter(KernelSize = 3, Stride = 2)]
internal partial class DdfDown;

/// <summary>The paper's default DDF layer: k = 3, squeeze ratio 0.2, filter normalisation, Mul.</summary>
[DynamicFilter(KernelSize = 3)]
internal partial class Ddf3;

/// <summary>Small digit classifiers: a DDF network and its twin with 3x3 convolutions in the same places.</summary>
internal static class MnistNets
{
    public static Module<Tensor, Tensor> Ddf() =>
        Build(static (channels, stride) => stride == 2 ? new DdfDown(channels) : new Ddf3(channels));

    public static Module<Tensor, Tensor> Conv() =>
        Build(static (channels, stride) => Conv2d(channels, channels, 3, stride: stride, padding: 1));

    private static Module<Tensor, Tensor> Build(Func<long, long, Module<Tensor, Tensor>> filter) => Sequential(
        Conv2d(1, 32, 3, padding: 1), BatchNorm2d(32), ReLU(),
        filter(32, 2), BatchNorm2d(32), ReLU(),                          // 14 x 14
        Conv2d(32, 64, 1), BatchNorm2d(64), ReLU(),
        filter(64, 2), BatchNorm2d(64), ReLU(),                          // 7 x 7
        Conv2d(64, 128, 1), BatchNorm2d(128), ReLU(),
        filter(128, 1), BatchNorm2d(128), ReLU(),
        AdaptiveAvgPool2d(1), Flatten(), Linear(128, 10));
}
