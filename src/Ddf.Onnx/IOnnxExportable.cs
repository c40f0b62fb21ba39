namespace Ddf;

/// <summary>
/// A module whose forward is C# code says here how it exports to ONNX (<see cref="onnx.export"/>): it writes its
/// forward into the graph in standard operators, calling <see cref="OnnxGraph.Call(TorchSharp.torch.nn.Module, string, string[])"/>
/// for its submodules. Generated [DynamicFilter] and [DynamicFilterUp] layers implement it; users' own modules can too.
/// </summary>
public interface IOnnxExportable
{
    /// <summary>Writes the module's eval-mode forward.</summary>
    /// <param name="graph">The graph being built.</param>
    /// <param name="inputs">The graph values of the forward's arguments, in order.</param>
    /// <returns>The graph values of the forward's outputs (one for a <c>Module&lt;..., Tensor&gt;</c>).</returns>
    string[] ExportOnnx(OnnxGraph graph, string[] inputs);
}
