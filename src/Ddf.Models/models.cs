using TorchSharp;
using static TorchSharp.torch;
using static TorchSharp.torch.nn;

#pragma warning disable CS8981 // PyTorch-style lower-case name, like torchvision.models.

namespace Ddf;

/// <summary>Networks built from generated DDF layers, next to their plain counterparts.</summary>
public static class models
{
    /// <summary>
    /// DDF-ResNet-18 (ImageNet layout): both 3x3 convs of every basic block are DDF layers (k = 3), the first
    /// with the block's stride. Where a block changes the channel count (the first block of stages 2-4) a
    /// DDF cannot (it keeps its channels), so there the first 3x3 conv becomes DDF followed by a 1x1 conv.
    /// </summary>
    /// <param name="num_classes">Classifier outputs. Default: 1000.</param>
    /// <param name="combine">How the DDF filters combine. Default: Mul.</param>
    public static Module<Tensor, Tensor> ddf_resnet18(long num_classes = 1000, KernelCombine combine = KernelCombine.Mul) =>
        new Models.ResNet("DDFResNet18", false, [2, 2, 2, 2], num_classes, (inChannels, channels, stride) =>
            inChannels == channels
                ? Ddf(channels, stride, combine)
                : Sequential(("ddf", Ddf(inChannels, stride, combine)), ("project", Conv2d(inChannels, channels, 1, bias: false))));

    /// <summary>DDF-ResNet-50: the 3x3 conv of every bottleneck is a DDF layer (ddf-spec.md section 4); 16,843,748 parameters.</summary>
    /// <param name="num_classes">Classifier outputs. Default: 1000.</param>
    /// <param name="combine">How the DDF filters combine. Default: Mul.</param>
    public static Module<Tensor, Tensor> ddf_resnet50(long num_classes = 1000, KernelCombine combine = KernelCombine.Mul) =>
        new Models.ResNet("DDFResNet50", true, [3, 4, 6, 3], num_classes, (_, channels, stride) => Ddf(channels, stride, combine));

    /// <summary>DDF-ResNet-101: as DDF-ResNet-50 with [3, 4, 23, 3] blocks; 28,146,912 parameters.</summary>
    /// <param name="num_classes">Classifier outputs. Default: 1000.</param>
    /// <param name="combine">How the DDF filters combine. Default: Mul.</param>
    public static Module<Tensor, Tensor> ddf_resnet101(long num_classes = 1000, KernelCombine combine = KernelCombine.Mul) =>
        new Models.ResNet("DDFResNet101", true, [3, 4, 23, 3], num_classes, (_, channels, stride) => Ddf(channels, stride, combine));

    /// <summary>
    /// The README's digit classifier (1 x 28 x 28 to 10 classes): a stem conv and three residual bottlenecks whose
    /// filters are DDF layers (k = 3; stride 2 in the first two), 60,016 parameters.
    /// </summary>
    public static Module<Tensor, Tensor> mnist_ddf() => Models.MnistNets.Ddf();

    /// <summary>The twin of <see cref="mnist_ddf"/> with 3x3 convolutions where it has DDF layers, 108,970 parameters.</summary>
    public static Module<Tensor, Tensor> mnist_conv() => Models.MnistNets.Conv();

    /// <summary>The plain ResNet-18 (11,689,512 parameters with 1000 classes).</summary>
    /// <param name="num_classes">Classifier outputs. Default: 1000.</param>
    public static Module<Tensor, Tensor> resnet18(long num_classes = 1000) =>
        new Models.ResNet("ResNet18", false, [2, 2, 2, 2], num_classes, Conv3x3);

    /// <summary>The plain ResNet-50 (25,557,032 parameters with 1000 classes).</summary>
    /// <param name="num_classes">Classifier outputs. Default: 1000.</param>
    public static Module<Tensor, Tensor> resnet50(long num_classes = 1000) =>
        new Models.ResNet("ResNet50", true, [3, 4, 6, 3], num_classes, Conv3x3);

    /// <summary>The plain ResNet-101 (44,549,160 parameters with 1000 classes).</summary>
    /// <param name="num_classes">Classifier outputs. Default: 1000.</param>
    public static Module<Tensor, Tensor> resnet101(long num_classes = 1000) =>
        new Models.ResNet("ResNet101", true, [3, 4, 23, 3], num_classes, Conv3x3);

    private static Module<Tensor, Tensor> Conv3x3(long inChannels, long channels, long stride) =>
        Conv2d(inChannels, channels, 3, stride: stride, padding: 1, bias: false);

    private static Module<Tensor, Tensor> Ddf(long channels, long stride, KernelCombine combine) => (stride, combine) switch
    {
        (1, KernelCombine.Mul) => new Models.ResNetDdf(channels),
        (2, KernelCombine.Mul) => new Models.ResNetDdfStride2(channels),
        (1, _) => new Models.ResNetDdfAdd(channels),
        _ => new Models.ResNetDdfAddStride2(channels),
    };
}
