using System;
using System.Collections.Generic;
using System.Linq;
using static TorchSharp.torch;
using F = TorchSharp.torch.nn.functional;

namespace Ddf.IntegrationTests;

/// <summary>
/// The reference DDFPack and DDFUpPack forwards written with TorchSharp ops and Ddf.ops.ddf over a
/// layer's own parameters (by state_dict name), with filter normalisation spelled out from ddf-spec.md.
/// </summary>
internal static class LayerReference
{
    public static Tensor Forward(LayerCase spec, nn.Module<Tensor, Tensor> layer, Tensor x) =>
        Filter(spec, layer.state_dict(), x, x, "spatial_branch.0", "spatial_branch.1", "channel_branch");

    /// <summary>
    /// DDF-Up (the reference DDFUpPack): S*S branch pairs filter the input, and output i*S + j fills the
    /// pixels (y*S + i, x*S + j), written out with reshape and permute rather than a pixel-shuffle op.
    /// </summary>
    public static Tensor Upsample(LayerCase spec, int scale, bool joint, Dictionary<string, Tensor> p, Tensor x, Tensor? guidance)
    {
        long b = x.shape[0], c = x.shape[1], h = x.shape[2], w = x.shape[3];
        var outputs = new Tensor[scale * scale];
        for (int i = 0; i < outputs.Length; i++)
        {
            string prefix = $"spatial_branch.{i}";
            // Self guidance: a depthwise 3x3 conv (".0") in front of the DDF spatial branch (".1").
            var source = joint ? guidance! : F.conv2d(x, p[$"{prefix}.0.weight"], p[$"{prefix}.0.bias"], padding: [1, 1], groups: c);
            outputs[i] = joint
                ? Filter(spec, p, x, source, $"{prefix}.0", $"{prefix}.1", $"channel_branch.{i}")
                : Filter(spec, p, x, source, $"{prefix}.1.0", $"{prefix}.1.1", $"channel_branch.{i}");
        }
        return stack(outputs, 2).reshape(b, c, scale, scale, h, w).permute(0, 1, 4, 2, 5, 3).reshape(b, c, h * scale, w * scale);
    }

    /// <summary>One DDFPack: spatial filters from <paramref name="guide"/>, channel filters from x, both from the named parameters.</summary>
    private static Tensor Filter(LayerCase spec, Dictionary<string, Tensor> p, Tensor x, Tensor guide, string spatialConv, string spatialNorm, string channel)
    {
        long b = x.shape[0], c = x.shape[1], h = x.shape[2], w = x.shape[3], g = spec.Heads, taps = spec.Taps;
        long ho = (h - 1) / spec.Stride + 1, wo = (w - 1) / spec.Stride + 1;
        double gain = spec.Gain;
        Tensor? sf = null, cf = null;
        if (spec.HasSpatial)
        {
            var raw = F.conv2d(guide, p[$"{spatialConv}.weight"], p[$"{spatialConv}.bias"], strides: [spec.Stride, spec.Stride]);
            sf = Normalise(spec, raw, p, spatialNorm, raw.reshape(b, g, taps, ho, wo), gain / spec.K).reshape(b * g, taps, ho, wo);
        }
        if (spec.HasChannel)
        {
            var hidden = F.relu(F.conv2d(x.mean([2, 3], keepdim: true), p[$"{channel}.1.weight"], p[$"{channel}.1.bias"]));
            var raw = F.conv2d(hidden, p[$"{channel}.3.weight"], p[$"{channel}.3.bias"]);
            var scale = spec.Norm == FilterNormalization.Filter ? p[$"{channel}.4.std"].reshape(1, c, taps) : null;
            cf = Normalise(spec, raw, p, $"{channel}.4", raw.reshape(b, c, taps), scale).reshape(b * g, c / g, spec.K, spec.K);
        }
        return ops.ddf(x.reshape(b * g, c / g, h, w), cf, sf, spec.K, spec.Dilation, spec.Stride, spec.Combine).reshape(b, c, ho, wo);
    }

    private static Tensor Normalise(LayerCase spec, Tensor raw, Dictionary<string, Tensor> p, string module, Tensor grouped, object? scale) =>
        spec.Norm switch
        {
            // Each filter over its k*k taps (dim 2): zero mean, unbiased std + 1e-10, then scaled.
            FilterNormalization.Filter => Scale((grouped - grouped.mean([2], keepdim: true)) / (grouped.std(2, unbiased: true, keepdim: true) + 1e-10), scale),
            FilterNormalization.Batch => F.batch_norm(raw, p[$"{module}.running_mean"], p[$"{module}.running_var"], p[$"{module}.weight"], p[$"{module}.bias"], training: false),
            FilterNormalization.Sigmoid => raw.sigmoid(),
            _ => raw,
        };

    private static Tensor Scale(Tensor normalised, object? scale) => scale switch
    {
        double s => normalised * s,
        Tensor t => normalised * t,
        _ => throw new ArgumentException("scale must be a number or a tensor", nameof(scale)),
    };
}
