using System;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;
using static TorchSharp.torch.nn;

namespace Ddf;

/// <summary>
/// Joint depth upsampling with DDF-Up (the paper's DDF-Up-Net, whose code the reference never released):
/// the low-resolution depth map is encoded, then upsampled by log2(scale) stacked x2 DDF-Up layers whose
/// spatial filters come from RGB features at each layer's input resolution; the network predicts a
/// residual on top of the bicubic upsampling.
/// </summary>
public sealed class DdfUpNet : Module<Tensor, Tensor, Tensor>, IOnnxExportable
{
    private readonly Sequential depth_encoder, rgb_encoder;
    private readonly ModuleList<Module<Tensor, Tensor, Tensor>> up;
    private readonly ModuleList<Module<Tensor, Tensor>> refine;
    private readonly Conv2d head;

    /// <summary>Creates the network.</summary>
    /// <param name="scale">Upsampling factor: 4, 8 or 16.</param>
    /// <param name="channels">Feature channels of the depth path. Default: 32.</param>
    /// <param name="guidance_channels">Feature channels of the RGB guidance path. Default: 32.</param>
    public DdfUpNet(long scale, long channels = 32, long guidance_channels = 32) : base(nameof(DdfUpNet))
    {
        if (scale is not (4 or 8 or 16))
            throw new ArgumentOutOfRangeException(nameof(scale), scale, $"scale must be 4, 8 or 16, got {scale}.");
        this.scale = scale;
        int stages = (int)Math.Round(Math.Log2(scale));
        depth_encoder = Sequential(Conv2d(1, channels, 3, padding: 1), ReLU(), Conv2d(channels, channels, 3, padding: 1), ReLU());
        rgb_encoder = Sequential(Conv2d(3, guidance_channels, 3, padding: 1), ReLU(), Conv2d(guidance_channels, guidance_channels, 3, padding: 1), ReLU());
        var upsamplers = new Module<Tensor, Tensor, Tensor>[stages];
        var refiners = new Module<Tensor, Tensor>[stages];
        for (int i = 0; i < stages; i++)
        {
            upsamplers[i] = new Models.JointUp2(channels, guidance_channels);
            refiners[i] = Sequential(Conv2d(channels, channels, 3, padding: 1), ReLU());
        }
        up = ModuleList(upsamplers);
        refine = ModuleList(refiners);
        head = Conv2d(channels, 1, 3, padding: 1);
        RegisterComponents();
    }

    /// <summary>The upsampling factor.</summary>
    public long scale { get; }

    /// <summary>Upsamples <paramref name="depth"/> (B, 1, h, w) guided by <paramref name="rgb"/> (B, 3, h*scale, w*scale).</summary>
    public override Tensor forward(Tensor depth, Tensor rgb)
    {
        if (depth.dim() != 4 || depth.shape[1] != 1)
            throw new ArgumentException($"depth must be (B, 1, h, w), got [{string.Join(", ", depth.shape)}].", nameof(depth));
        if (rgb.dim() != 4 || rgb.shape[0] != depth.shape[0] || rgb.shape[1] != 3 || rgb.shape[2] != depth.shape[2] * scale || rgb.shape[3] != depth.shape[3] * scale)
            throw new ArgumentException($"rgb must be ({depth.shape[0]}, 3, {depth.shape[2] * scale}, {depth.shape[3] * scale}), got [{string.Join(", ", rgb.shape)}].", nameof(rgb));
        using var scope = NewDisposeScope();
        var guidance = rgb_encoder.call(rgb);
        var x = depth_encoder.call(depth);
        long factor = scale;
        for (int i = 0; i < up.Count; i++)
        {
            factor /= 2;
            // Guidance at this layer's input resolution: RGB features averaged over factor*2 x factor*2 blocks.
            var g = functional.avg_pool2d(guidance, factor * 2);
            x = refine[i].call(up[i].call(x, g));
        }
        var baseline = functional.interpolate(depth, scale_factor: [scale, scale], mode: InterpolationMode.Bicubic, align_corners: false);
        return baseline.add(head.call(x), HeldScalars.One).MoveToOuterDisposeScope();
    }

    /// <summary>The forward above in ONNX operators; the bicubic baseline is Resize (cubic, a = -0.75, half-pixel centres, as PyTorch's).</summary>
    public string[] ExportOnnx(OnnxGraph graph, string[] inputs)
    {
        if (inputs.Length != 2)
            throw new ArgumentException($"DdfUpNet takes depth and rgb, got {inputs.Length} inputs.", nameof(inputs));
        string guidance = graph.Call(rgb_encoder, nameof(rgb_encoder), inputs[1]);
        string x = graph.Call(depth_encoder, nameof(depth_encoder), inputs[0]);
        long factor = scale;
        for (int i = 0; i < up.Count; i++)
        {
            factor /= 2;
            string g = graph.Node("AveragePool", [guidance], OnnxAttribute.Ints("kernel_shape", factor * 2, factor * 2), OnnxAttribute.Ints("strides", factor * 2, factor * 2));
            x = graph.Call(refine[i], $"refine.{i}", graph.Call(up[i], $"up.{i}", x, g));
        }
        string baseline = graph.Node("Resize", [inputs[0], "", graph.Floats([4], [1f, 1f, scale, scale])],
            OnnxAttribute.String("mode", "cubic"), OnnxAttribute.Float("cubic_coeff_a", -0.75f),
            OnnxAttribute.String("coordinate_transformation_mode", "half_pixel"));
        return [graph.Node("Add", [baseline, graph.Call(head, nameof(head), x)])];
    }
}
