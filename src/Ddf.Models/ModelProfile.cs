using System;
using System.Collections.Generic;
using System.Linq;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Ddf;

/// <summary>Parameters and multiply-adds of one part of a model for one forward pass.</summary>
/// <param name="Name">The part's name (a top-level child, or "total").</param>
/// <param name="Parameters">Trainable parameters.</param>
/// <param name="Macs">Multiply-adds of convolutions and linear layers, as the paper's counter counted them.</param>
/// <param name="DdfMacs">
/// The DDF operation itself, which that counter skipped: per output element k*k multiply-adds to apply the
/// filter plus k*k multiplies to combine the channel and spatial filters (the paper's 3nck^2 FLOPs, so
/// 1.5 nck^2 multiply-adds).
/// </param>
public sealed record LayerProfile(string Name, long Parameters, double Macs, double DdfMacs)
{
    /// <summary>Everything counted: <see cref="Macs"/> plus <see cref="DdfMacs"/>.</summary>
    public double AllMacs => Macs + DdfMacs;
}

/// <summary>
/// Counts parameters and multiply-adds per top-level part of a model by running one forward pass with
/// forward hooks on its Conv2d, Linear and generated DDF layers.
/// </summary>
public static class ModelProfile
{
    /// <summary>Profiles <paramref name="model"/> on <paramref name="input"/>; the last entry is the total.</summary>
    public static IReadOnlyList<LayerProfile> Run(nn.Module<Tensor, Tensor> model, Tensor input)
    {
        var macs = new Dictionary<string, double>();
        var ddf = new Dictionary<string, double>();
        var removers = new List<Action>();
        foreach (var (name, module) in model.named_modules())
        {
            string part = name.Split('.')[0];
            if (module is Conv2d conv)
                Remember(removers, conv.register_forward_hook((m, _, output) => Add(macs, part, output.numel() * ConvMacsPerOutput(conv), output)));
            else if (module is Linear linear)
                Remember(removers, linear.register_forward_hook((m, _, output) => Add(macs, part, output.numel() * (double)linear.in_features, output)));
            else if (module is IDynamicFilterLayer layer && module is nn.Module<Tensor, Tensor> hookable)
                Remember(removers, hookable.register_forward_hook((m, _, output) => Add(ddf, part, 1.5 * output.numel() * layer.kernel_size * layer.kernel_size, output)));
        }
        try
        {
            using var noGrad = no_grad();
            using var scope = NewDisposeScope();
            model.eval();
            model.call(input);
        }
        finally
        {
            removers.ForEach(remove => remove());
        }

        var rows = model.named_children()
            .Select(c => new LayerProfile(c.name, c.module.parameters().Sum(p => p.numel()), macs.GetValueOrDefault(c.name), ddf.GetValueOrDefault(c.name)))
            .ToList();
        rows.Add(new LayerProfile("total", model.parameters().Sum(p => p.numel()), rows.Sum(r => r.Macs), rows.Sum(r => r.DdfMacs)));
        return rows;
    }

    private static void Remember(List<Action> removers, nn.HookableModule<Func<nn.Module<Tensor, Tensor>, Tensor, Tensor>, Func<nn.Module<Tensor, Tensor>, Tensor, Tensor, Tensor>>.HookRemover hook) =>
        removers.Add(hook.remove);

    private static double ConvMacsPerOutput(Conv2d conv)
    {
        var weight = conv.weight!;
        return (double)weight.shape[1] * weight.shape[2] * weight.shape[3];   // (in / groups) * kh * kw
    }

    private static Tensor Add(Dictionary<string, double> counts, string part, double value, Tensor output)
    {
        counts[part] = counts.GetValueOrDefault(part) + value;
        return output;
    }
}
