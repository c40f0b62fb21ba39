using System;
using System.Collections.Generic;
using System.Linq;
using static TorchSharp.torch;
using F = TorchSharp.torch.nn.functional;

namespace Ddf.IntegrationTests;

/// <summary>
/// The reference DDFPack forward written with TorchSharp ops and Ddf.ops.ddf over a layer's own
/// parameters (by state_dict name), with filter normalisation spelled out from ddf-spec.md.
/// </summary>
internal static class LayerReference
{
    public static Tensor Forward(LayerCase spec, nn.Module<Tensor, Tensor> layer, Tensor x)
    {
        var p = layer.state_dict();
        long b = x.shape[0], c = x.shape[1], h = x.shape[2], w = x.shape[3], g = spec.Heads, taps = spec.Taps;
        long ho = (h - 1) / spec.Stride + 1, wo = (w - 1) / spec.Stride + 1;
        double gain = Math.Sqrt(2);
        Tensor? sf = null, cf = null;
        if (spec.HasSpatial)
        {
            var raw = F.conv2d(x, p["spatial_branch.0.weight"], p["spatial_branch.0.bias"], strides: [spec.Stride, spec.Stride]);
            sf = Normalise(spec, raw, p, "spatial_branch.1", raw.reshape(b, g, taps, ho, wo), gain / spec.K).reshape(b * g, taps, ho, wo);
        }
        if (spec.HasChannel)
        {
            var hidden = F.relu(F.conv2d(x.mean([2, 3], keepdim: true), p["channel_branch.1.weight"], p["channel_branch.1.bias"]));
            var raw = F.conv2d(hidden, p["channel_branch.3.weight"], p["channel_branch.3.bias"]);
            var scale = spec.Norm == FilterNormalization.Filter ? p["channel_branch.4.std"].reshape(1, c, taps) : null;
            cf = Normalise(spec, raw, p, "channel_branch.4", raw.reshape(b, c, taps), scale).reshape(b * g, c / g, spec.K, spec.K);
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
