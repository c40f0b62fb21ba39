using System.Linq;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Ddf;

/// <summary>The TorchSharp modules the exporter knows, in standard ONNX operators (eval mode).</summary>
internal static class OnnxModules
{
    /// <summary>The module's outputs, or null when it is not one of these modules.</summary>
    public static string[]? Export(OnnxGraph g, nn.Module module, string[] inputs)
    {
        switch (module)
        {
            case Sequential sequential:
            {
                string x = Single(g, module, inputs);
                foreach (var (name, child) in sequential.named_children())
                    x = g.Call(child, name, x);
                return [x];
            }
            case Conv2d conv:
                return [Conv(g, conv, Single(g, module, inputs))];
            case BatchNorm2d norm:
                return [BatchNorm(g, norm, Single(g, module, inputs))];
            case ReLU:
                return [g.Node("Relu", [Single(g, module, inputs)])];
            case Sigmoid:
                return [g.Node("Sigmoid", [Single(g, module, inputs)])];
            case Tanh:
                return [g.Node("Tanh", [Single(g, module, inputs)])];
            case Identity:
            case Dropout:
            case Dropout2d:
                return [g.Node("Identity", [Single(g, module, inputs)])];
            case Linear linear:
            {
                // Gemm needs 2-D input, as nn.Linear after Flatten is used here.
                var gemmInputs = linear.bias is null
                    ? new[] { Single(g, module, inputs), g.Weight(linear, "weight") }
                    : new[] { Single(g, module, inputs), g.Weight(linear, "weight"), g.Weight(linear, "bias") };
                return [g.Node("Gemm", gemmInputs, OnnxAttribute.Int("transB", 1))];
            }
            case Flatten flatten:
            {
                if (flatten.start_dim != 1 || flatten.end_dim != -1)
                    throw Unsupported(g, module, $"start_dim {flatten.start_dim}, end_dim {flatten.end_dim} (only 1, -1)");
                return [g.Node("Flatten", [Single(g, module, inputs)], OnnxAttribute.Int("axis", 1))];
            }
            case MaxPool2d pool:
            {
                long[] stride = pool.stride ?? pool.kernel_size;
                long[] padding = Pair(pool.padding ?? [0]);
                return [g.Node("MaxPool", [Single(g, module, inputs)],
                    OnnxAttribute.Ints("kernel_shape", Pair(pool.kernel_size)),
                    OnnxAttribute.Ints("strides", Pair(stride)),
                    OnnxAttribute.Ints("pads", padding[0], padding[1], padding[0], padding[1]),
                    OnnxAttribute.Ints("dilations", Pair(pool.dilation ?? [1])),
                    OnnxAttribute.Int("ceil_mode", pool.ceil_mode ? 1 : 0))];
            }
            case AvgPool2d pool:
            {
                if (pool.divisor_override is not null)
                    throw Unsupported(g, module, "divisor_override");
                long[] stride = pool.stride ?? pool.kernel_size;
                long[] padding = Pair(pool.padding ?? [0]);
                return [g.Node("AveragePool", [Single(g, module, inputs)],
                    OnnxAttribute.Ints("kernel_shape", Pair(pool.kernel_size)),
                    OnnxAttribute.Ints("strides", Pair(stride)),
                    OnnxAttribute.Ints("pads", padding[0], padding[1], padding[0], padding[1]),
                    OnnxAttribute.Int("count_include_pad", pool.count_include_pad ? 1 : 0),
                    OnnxAttribute.Int("ceil_mode", pool.ceil_mode ? 1 : 0))];
            }
            case AdaptiveAvgPool2d pool:
            {
                if (pool.output_size.Any(s => s != 1))
                    throw Unsupported(g, module, $"output_size [{string.Join(", ", pool.output_size)}] (only 1)");
                return [g.Node("GlobalAveragePool", [Single(g, module, inputs)])];
            }
            case Upsample upsample:
            {
                var scale = upsample.scale_factor.ToArray();
                if (upsample.mode != UpsampleMode.Nearest || scale.Length == 0 || upsample.size.Length != 0)
                    throw Unsupported(g, module, $"mode {upsample.mode} with {(scale.Length == 0 ? "a size" : "a scale factor")} (only nearest with a scale factor)");
                float sy = (float)scale[0], sx = (float)(scale.Length > 1 ? scale[1] : scale[0]);
                return [Nearest(g, Single(g, module, inputs), sy, sx)];
            }
            default:
                return null;
        }
    }

    /// <summary>Conv2d (zero padding) as Conv.</summary>
    public static string Conv(OnnxGraph g, Conv2d conv, string x)
    {
        if (conv.padding_mode != PaddingModes.Zeros)
            throw Unsupported(g, conv, $"padding_mode {conv.padding_mode} (only zeros)");
        long[] kernel = Pair(conv.kernel_size), dilation = Pair(conv.dilation);
        long[] padding = conv.padding is not null ? Pair(conv.padding)
            : conv.padding_type == Padding.Valid ? [0, 0]
            : [dilation[0] * (kernel[0] - 1) / 2, dilation[1] * (kernel[1] - 1) / 2];
        if (conv.padding is null && conv.padding_type == Padding.Same && (kernel[0] % 2 == 0 || kernel[1] % 2 == 0))
            throw Unsupported(g, conv, "padding 'same' with an even kernel");
        var inputs = conv.bias is null
            ? new[] { x, g.Weight(conv, "weight") }
            : new[] { x, g.Weight(conv, "weight"), g.Weight(conv, "bias") };
        return g.Node("Conv", inputs,
            OnnxAttribute.Ints("kernel_shape", kernel),
            OnnxAttribute.Ints("strides", Pair(conv.stride)),
            OnnxAttribute.Ints("pads", padding[0], padding[1], padding[0], padding[1]),
            OnnxAttribute.Ints("dilations", dilation),
            OnnxAttribute.Int("group", conv.groups));
    }

    /// <summary>BatchNorm2d with its running statistics (eval mode) as BatchNormalization.</summary>
    public static string BatchNorm(OnnxGraph g, BatchNorm2d norm, string x)
    {
        if (norm.running_mean is null || norm.running_var is null)
            throw Unsupported(g, norm, "track_running_stats = false (eval mode needs running statistics)");
        string scale = norm.weight is null ? Constant(g, norm, "weight", ones(norm.num_features)) : g.Weight(norm, "weight");
        string bias = norm.bias is null ? Constant(g, norm, "bias", zeros(norm.num_features)) : g.Weight(norm, "bias");
        return g.Node("BatchNormalization", [x, scale, bias, g.Weight(norm, "running_mean"), g.Weight(norm, "running_var")],
            OnnxAttribute.Float("epsilon", (float)norm.eps));
    }

    /// <summary>Nearest-neighbour upsampling by scale factors, as PyTorch's 'nearest' (floor of dst / scale).</summary>
    public static string Nearest(OnnxGraph g, string x, float scaleY, float scaleX) =>
        g.Node("Resize", [x, "", g.Floats([4], [1f, 1f, scaleY, scaleX])],
            OnnxAttribute.String("mode", "nearest"),
            OnnxAttribute.String("coordinate_transformation_mode", "asymmetric"),
            OnnxAttribute.String("nearest_mode", "floor"));

    private static string Constant(OnnxGraph g, nn.Module module, string name, Tensor value)
    {
        using (value)
            return g.Initializer(value, name);
    }

    private static long[] Pair(long[] values) => values.Length == 1 ? [values[0], values[0]] : [values[0], values[1]];

    private static string Single(OnnxGraph g, nn.Module module, string[] inputs) =>
        inputs.Length == 1 ? inputs[0]
            : throw new System.InvalidOperationException($"{module.GetType().Name} at '{OnnxGraph.Display(g.Path)}' takes one input, got {inputs.Length}.");

    private static System.NotSupportedException Unsupported(OnnxGraph g, nn.Module module, string what) =>
        new($"Ddf.onnx.export: the {module.GetType().FullName} at '{OnnxGraph.Display(g.Path)}' has {what}, which has no ONNX export here.");
}
