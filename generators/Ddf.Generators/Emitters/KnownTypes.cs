namespace Ddf.Generators;

/// <summary>
/// The names of the types the generator looks for and the global:: prefixes the emitted code is written with,
/// in one place, so a rename in Ddf.Runtime, TorchSharp or ILGPU is one edit here.
/// </summary>
internal static class KnownTypes
{
    /// <summary>Metadata name of <c>[DynamicFilter]</c>, from the DSL assembly.</summary>
    public static readonly string DynamicFilterAttribute = typeof(global::Ddf.DynamicFilterAttribute).FullName!;

    /// <summary>Metadata name of <c>[DynamicFilterUp]</c>.</summary>
    public static readonly string DynamicFilterUpAttribute = typeof(global::Ddf.DynamicFilterUpAttribute).FullName!;

    /// <summary>A type only TorchSharp defines: its presence means layers are emitted, not kernels only.</summary>
    public const string TorchSharpMarker = "TorchSharp.torch";

    /// <summary>A type only Ddf.Onnx defines: its presence means the ONNX graph writer is emitted.</summary>
    public const string OnnxExportable = "Ddf.IOnnxExportable";

    public const string Tensor = "global::TorchSharp.torch.Tensor";
    public const string Nn = "global::TorchSharp.torch.nn";
    public const string Runtime = "global::Ddf.Runtime";
    public const string Numerics = "global::System.Numerics";
    public const string Ilgpu = "global::ILGPU";
    public const string GpuTiling = "global::Ddf.Runtime.DdfGpuTiling";
    public const string GpuBits = "global::Ddf.Runtime.DdfGpuBits";
    public const string OnnxGraph = "global::Ddf.OnnxGraph";
    public const string OnnxAttribute = "global::Ddf.OnnxAttribute";
}
