namespace Ddf.Generators;

/// <summary>Names of the pipeline steps, for incrementality tests.</summary>
public static class TrackingNames
{
    /// <summary>Attribute found, class parsed into a spec and diagnostics.</summary>
    public const string Parse = nameof(Parse);

    /// <summary>Valid specs only: the input of the emitters.</summary>
    public const string Spec = nameof(Spec);

    /// <summary>Whether the compilation references TorchSharp (layers) or not (kernels only).</summary>
    public const string TorchSharp = nameof(TorchSharp);

    /// <summary>Whether the compilation references Ddf.Onnx (the ONNX graph writer is emitted).</summary>
    public const string Onnx = nameof(Onnx);
}
