using System;
using TorchSharp.Modules;
using static TorchSharp.torch;
using static TorchSharp.torch.nn;

namespace Ddf.Models;

/// <summary>
/// A residual bottleneck as in DDF-ResNet: 1x1 - BN - ReLU - filter (3x3 conv or DDF, with the stride) -
/// BN - ReLU - 1x1 - BN, plus the shortcut. DDF's normalised filters are zero-mean, so like the paper we
/// use them inside residual blocks, where the shortcut carries the rest.
/// </summary>
internal sealed class MnistBlock : Module<Tensor, Tensor>, IOnnxExportable
{
    private readonly Sequential body;
    private readonly Module<Tensor, Tensor>? shortcut;

    public MnistBlock(long inChannels, long width, long outChannels, long stride, Func<long, long, Module<Tensor, Tensor>> filter) : base(nameof(MnistBlock))
    {
        body = Sequential(
            Conv2d(inChannels, width, 1, bias: false), BatchNorm2d(width), ReLU(),
            filter(width, stride), BatchNorm2d(width), ReLU(),
            Conv2d(width, outChannels, 1, bias: false), BatchNorm2d(outChannels));
        if (stride != 1 || inChannels != outChannels)
            shortcut = Sequential(Conv2d(inChannels, outChannels, 1, stride: stride, bias: false), BatchNorm2d(outChannels));
        RegisterComponents();
    }

    public override Tensor forward(Tensor x)
    {
        using var scope = NewDisposeScope();
        return functional.relu(body.call(x).add(shortcut?.call(x) ?? x, HeldScalars.One)).MoveToOuterDisposeScope();
    }

    /// <summary>The forward above in ONNX operators (for <c>Ddf.onnx.export</c>).</summary>
    public string[] ExportOnnx(OnnxGraph graph, string[] inputs)
    {
        string x = inputs[0];
        string y = graph.Call(body, nameof(body), x);
        string skip = shortcut is null ? x : graph.Call(shortcut, nameof(shortcut), x);
        return [graph.Node("Relu", [graph.Node("Add", [y, skip])])];
    }
}

/// <summary>Small digit classifiers (the README's main job): a DDF network and its twin with 3x3 convolutions in the same places.</summary>
internal static class MnistNets
{
    public static Module<Tensor, Tensor> Ddf() =>
        Build(static (channels, stride) => stride == 2 ? new ResNetDdfStride2(channels) : new ResNetDdf(channels));

    public static Module<Tensor, Tensor> Conv() =>
        Build(static (channels, stride) => Conv2d(channels, channels, 3, stride: stride, padding: 1, bias: false));

    private static Module<Tensor, Tensor> Build(Func<long, long, Module<Tensor, Tensor>> filter) => Sequential(
        Conv2d(1, 32, 3, padding: 1, bias: false), BatchNorm2d(32), ReLU(),    // 28 x 28
        new MnistBlock(32, 32, 64, 2, filter),                               // 14 x 14
        new MnistBlock(64, 48, 128, 2, filter),                              // 7 x 7
        new MnistBlock(128, 64, 128, 1, filter),
        AdaptiveAvgPool2d(1), Flatten(), Linear(128, 10));
}
