using System;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;
using static TorchSharp.torch.nn;

namespace Ddf.Models;

/// <summary>Which 3x3 filter a ResNet block uses.</summary>
internal delegate Module<Tensor, Tensor> FilterFactory(long inChannels, long outChannels, long stride);

/// <summary>ResNet basic block (ResNet-18/34): 3x3 - BN - ReLU - 3x3 - BN (+ shortcut) - ReLU.</summary>
internal sealed class BasicBlock : Module<Tensor, Tensor>, IOnnxExportable
{
    public const long Expansion = 1;
    private readonly Module<Tensor, Tensor> conv1, conv2;
    private readonly BatchNorm2d bn1, bn2;
    private readonly Module<Tensor, Tensor>? downsample;

    public BasicBlock(long inChannels, long channels, long stride, FilterFactory filter) : base(nameof(BasicBlock))
    {
        conv1 = filter(inChannels, channels, stride);
        bn1 = BatchNorm2d(channels);
        conv2 = filter(channels, channels, 1);
        bn2 = BatchNorm2d(channels);
        if (stride != 1 || inChannels != channels)
            downsample = Sequential(Conv2d(inChannels, channels, 1, stride: stride, bias: false), BatchNorm2d(channels));
        RegisterComponents();
    }

    public override Tensor forward(Tensor x)
    {
        using var scope = NewDisposeScope();
        var y = functional.relu(bn1.call(conv1.call(x)));
        y = bn2.call(conv2.call(y));
        return functional.relu(y.add(downsample?.call(x) ?? x, HeldScalars.One)).MoveToOuterDisposeScope();
    }

    /// <summary>The forward above in ONNX operators.</summary>
    public string[] ExportOnnx(OnnxGraph graph, string[] inputs)
    {
        string x = inputs[0];
        string y = graph.Node("Relu", [graph.Call(bn1, nameof(bn1), graph.Call(conv1, nameof(conv1), x))]);
        y = graph.Call(bn2, nameof(bn2), graph.Call(conv2, nameof(conv2), y));
        string shortcut = downsample is null ? x : graph.Call(downsample, nameof(downsample), x);
        return [graph.Node("Relu", [graph.Node("Add", [y, shortcut])])];
    }
}

/// <summary>ResNet bottleneck (ResNet-50/101): 1x1 - BN - ReLU - 3x3 - BN - ReLU - 1x1 - BN (+ shortcut) - ReLU.</summary>
internal sealed class Bottleneck : Module<Tensor, Tensor>, IOnnxExportable
{
    public const long Expansion = 4;
    private readonly Conv2d conv1, conv3;
    private readonly Module<Tensor, Tensor> conv2;
    private readonly BatchNorm2d bn1, bn2, bn3;
    private readonly Module<Tensor, Tensor>? downsample;

    public Bottleneck(long inChannels, long channels, long stride, FilterFactory filter) : base(nameof(Bottleneck))
    {
        conv1 = Conv2d(inChannels, channels, 1, bias: false);
        bn1 = BatchNorm2d(channels);
        conv2 = filter(channels, channels, stride);   // the stride lives in the 3x3 filter (ResNet v1.5, DDF-ResNet)
        bn2 = BatchNorm2d(channels);
        conv3 = Conv2d(channels, channels * Expansion, 1, bias: false);
        bn3 = BatchNorm2d(channels * Expansion);
        if (stride != 1 || inChannels != channels * Expansion)
            downsample = Sequential(Conv2d(inChannels, channels * Expansion, 1, stride: stride, bias: false), BatchNorm2d(channels * Expansion));
        RegisterComponents();
    }

    public override Tensor forward(Tensor x)
    {
        using var scope = NewDisposeScope();
        var y = functional.relu(bn1.call(conv1.call(x)));
        y = functional.relu(bn2.call(conv2.call(y)));
        y = bn3.call(conv3.call(y));
        return functional.relu(y.add(downsample?.call(x) ?? x, HeldScalars.One)).MoveToOuterDisposeScope();
    }

    /// <summary>The forward above in ONNX operators.</summary>
    public string[] ExportOnnx(OnnxGraph graph, string[] inputs)
    {
        string x = inputs[0];
        string y = graph.Node("Relu", [graph.Call(bn1, nameof(bn1), graph.Call(conv1, nameof(conv1), x))]);
        y = graph.Node("Relu", [graph.Call(bn2, nameof(bn2), graph.Call(conv2, nameof(conv2), y))]);
        y = graph.Call(bn3, nameof(bn3), graph.Call(conv3, nameof(conv3), y));
        string shortcut = downsample is null ? x : graph.Call(downsample, nameof(downsample), x);
        return [graph.Node("Relu", [graph.Node("Add", [y, shortcut])])];
    }
}

/// <summary>The ImageNet ResNet (torchvision layout and state_dict names) with a chosen 3x3 filter.</summary>
internal sealed class ResNet : Module<Tensor, Tensor>, IOnnxExportable
{
    private readonly Conv2d conv1;
    private readonly BatchNorm2d bn1;
    private readonly MaxPool2d maxpool;
    private readonly Sequential layer1, layer2, layer3, layer4;
    private readonly AdaptiveAvgPool2d avgpool;
    private readonly Linear fc;

    public ResNet(string name, bool bottleneck, int[] blocks, long numClasses, FilterFactory filter) : base(name)
    {
        long expansion = bottleneck ? Bottleneck.Expansion : BasicBlock.Expansion, inChannels = 64;
        Sequential Stage(long channels, int count, long stride)
        {
            var stage = new Module<Tensor, Tensor>[count];
            for (int i = 0; i < count; i++)
            {
                stage[i] = bottleneck
                    ? new Bottleneck(inChannels, channels, i == 0 ? stride : 1, filter)
                    : new BasicBlock(inChannels, channels, i == 0 ? stride : 1, filter);
                inChannels = channels * expansion;
            }
            return Sequential(stage);
        }
        conv1 = Conv2d(3, 64, 7, stride: 2, padding: 3, bias: false);
        bn1 = BatchNorm2d(64);
        maxpool = MaxPool2d(3, stride: 2, padding: 1);
        layer1 = Stage(64, blocks[0], 1);
        layer2 = Stage(128, blocks[1], 2);
        layer3 = Stage(256, blocks[2], 2);
        layer4 = Stage(512, blocks[3], 2);
        avgpool = AdaptiveAvgPool2d(1);
        fc = Linear(512 * expansion, numClasses);
        RegisterComponents();
        Initialise();
    }

    /// <summary>Kaiming-normal (fan_out, ReLU) conv weights and unit BatchNorms, as torchvision and the reference do.</summary>
    private void Initialise()
    {
        using var noGrad = no_grad();
        foreach (var (_, module) in named_modules())
        {
            if (module is Conv2d conv)
                nn.init.kaiming_normal_(conv.weight!, mode: nn.init.FanInOut.FanOut, nonlinearity: nn.init.NonlinearityType.ReLU);
            else if (module is BatchNorm2d norm)
            {
                nn.init.ones_(norm.weight!);
                nn.init.zeros_(norm.bias!);
            }
        }
    }

    public override Tensor forward(Tensor x)
    {
        using var scope = NewDisposeScope();
        var y = maxpool.call(functional.relu(bn1.call(conv1.call(x))));
        y = layer4.call(layer3.call(layer2.call(layer1.call(y))));
        return fc.call(avgpool.call(y).flatten(1)).MoveToOuterDisposeScope();
    }

    /// <summary>The forward above in ONNX operators.</summary>
    public string[] ExportOnnx(OnnxGraph graph, string[] inputs)
    {
        string y = graph.Node("Relu", [graph.Call(bn1, nameof(bn1), graph.Call(conv1, nameof(conv1), inputs[0]))]);
        y = graph.Call(maxpool, nameof(maxpool), y);
        y = graph.Call(layer1, nameof(layer1), y);
        y = graph.Call(layer2, nameof(layer2), y);
        y = graph.Call(layer3, nameof(layer3), y);
        y = graph.Call(layer4, nameof(layer4), y);
        y = graph.Node("Flatten", [graph.Call(avgpool, nameof(avgpool), y)], OnnxAttribute.Int("axis", 1));
        return [graph.Call(fc, nameof(fc), y)];
    }
}
