namespace Ddf;

/// <summary>
/// Implemented by every generated [DynamicFilter] and [DynamicFilterUp] layer, so tools (profilers,
/// model summaries) can recognise them and count the DDF operation, which is no submodule.
/// </summary>
public interface IDynamicFilterLayer
{
    /// <summary>Kernel size k of the layer's dynamic filters.</summary>
    long kernel_size { get; }
}
