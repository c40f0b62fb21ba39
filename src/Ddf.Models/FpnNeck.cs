using System;
using System.Linq;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;
using static TorchSharp.torch.nn;

namespace Ddf;

/// <summary>How an FPN neck upsamples the coarser level in its top-down path.</summary>
public enum FpnUpsampling
{
    /// <summary>A learned x2 DDF-Up layer per level (paper Table 6).</summary>
    DdfUp,

    /// <summary>Nearest-neighbour interpolation (the FPN baseline).</summary>
    Nearest,
}

/// <summary>
/// A feature pyramid network neck (Lin et al. 2017): 1x1 lateral convs, a top-down path that upsamples
/// each coarser level x2 and adds it, then 3x3 output convs. Its input is the backbone's levels, finest
/// first, each half the size of the one before; its output has <c>out_channels</c> at every level.
/// </summary>
public sealed class FpnNeck : Module<Tensor[], Tensor[]>, IOnnxExportable
{
    private readonly ModuleList<Module<Tensor, Tensor>> lateral, output, upsample;

    /// <summary>Creates the neck.</summary>
    /// <param name="in_channels">Channels of each input level, finest first.</param>
    /// <param name="out_channels">Channels of every output level. Default: 256.</param>
    /// <param name="upsampling">DDF-Up (default) or nearest-neighbour upsampling.</param>
    public FpnNeck(long[] in_channels, long out_channels = 256, FpnUpsampling upsampling = FpnUpsampling.DdfUp) : base(nameof(FpnNeck))
    {
        if (in_channels.Length < 2)
            throw new ArgumentException($"an FPN neck needs at least 2 levels, got {in_channels.Length}.", nameof(in_channels));
        lateral = ModuleList(in_channels.Select(c => (Module<Tensor, Tensor>)Conv2d(c, out_channels, 1)).ToArray());
        output = ModuleList(in_channels.Select(_ => (Module<Tensor, Tensor>)Conv2d(out_channels, out_channels, 3, padding: 1)).ToArray());
        upsample = ModuleList(Enumerable.Range(0, in_channels.Length - 1)
            .Select(_ => upsampling == FpnUpsampling.DdfUp ? new Models.FpnUp2(out_channels) : (Module<Tensor, Tensor>)Upsample(scale_factor: [2, 2], mode: UpsampleMode.Nearest))
            .ToArray());
        this.upsampling = upsampling;
        RegisterComponents();
    }

    /// <summary>How this neck upsamples.</summary>
    public FpnUpsampling upsampling { get; }

    /// <summary>Fuses the levels (finest first); returns one map per level.</summary>
    public override Tensor[] forward(Tensor[] levels)
    {
        if (levels.Length != lateral.Count)
            throw new ArgumentException($"expected {lateral.Count} levels, got {levels.Length}.", nameof(levels));
        using var scope = NewDisposeScope();
        var merged = new Tensor[levels.Length];
        merged[^1] = lateral[levels.Length - 1].call(levels[^1]);
        for (int i = levels.Length - 2; i >= 0; i--)
        {
            var up = upsample[i].call(merged[i + 1]);
            var here = lateral[i].call(levels[i]);
            // Odd sizes: crop the upsampled map to the finer level (both start at the top-left pixel).
            merged[i] = here.add(up[.., .., ..(int)here.shape[2], ..(int)here.shape[3]], HeldScalars.One);
        }
        return merged.Select((m, i) => output[i].call(m).MoveToOuterDisposeScope()).ToArray();
    }

    /// <summary>The forward above in ONNX operators (the crop of odd sizes reads the finer level's shape in the graph).</summary>
    public string[] ExportOnnx(OnnxGraph graph, string[] inputs)
    {
        if (inputs.Length != lateral.Count)
            throw new ArgumentException($"expected {lateral.Count} levels, got {inputs.Length}.", nameof(inputs));
        var merged = new string[inputs.Length];
        merged[^1] = graph.Call(lateral[inputs.Length - 1], $"lateral.{inputs.Length - 1}", inputs[^1]);
        for (int i = inputs.Length - 2; i >= 0; i--)
        {
            string up = graph.Call(upsample[i], $"upsample.{i}", merged[i + 1]);
            string here = graph.Call(lateral[i], $"lateral.{i}", inputs[i]);
            string size = graph.Node("Slice", [graph.Node("Shape", [here]), graph.Int64s(2), graph.Int64s(4), graph.Int64s(0)]);
            string cropped = graph.Node("Slice", [up, graph.Int64s(0, 0), size, graph.Int64s(2, 3)]);
            merged[i] = graph.Node("Add", [here, cropped]);
        }
        return merged.Select((m, i) => graph.Call(output[i], $"output.{i}", m)).ToArray();
    }
}
