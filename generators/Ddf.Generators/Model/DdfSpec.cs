using Ddf.Generators.Helpers;

namespace Ddf.Generators.Model;

/// <summary>Which attribute made the layer.</summary>
internal enum LayerKind { Filter = 0, Upsample = 1 }

/// <summary>A type that contains the annotated class, outermost first.</summary>
/// <param name="Keyword">The declaration keyword: <c>class</c>, <c>struct</c>, <c>record</c>, <c>record struct</c> or <c>interface</c>.</param>
/// <param name="Name">The type's name.</param>
internal sealed record ContainingType(string Keyword, string Name);

/// <summary>
/// Everything the emitters need to know about one <c>[DynamicFilter]</c> class.
/// </summary>
/// <remarks>
/// This record is the output of the parse step and the key of the generator's cache: it must stay
/// immutable and compare by value, so it holds only strings, numbers, enums and equatable arrays,
/// never an ISymbol, SyntaxNode, Location or Compilation.
/// </remarks>
/// <param name="Namespace">The class's namespace, or null for the global namespace.</param>
/// <param name="TypeName">The class's name.</param>
/// <param name="ContainingTypes">Types the class is nested in, outermost first.</param>
/// <param name="KernelSize">Odd kernel size k, 3 to 31.</param>
/// <param name="Dilation">Dilation of the taps, at least 1.</param>
/// <param name="Stride">Stride, at least 1.</param>
/// <param name="Heads">Spatial-filter heads, at least 1.</param>
/// <param name="SqueezeRatio">Channel-branch squeeze ratio in (0, 1].</param>
/// <param name="Normalization">Normalisation of the predicted filters.</param>
/// <param name="Branches">Which filter branches the layer has.</param>
/// <param name="Combine">How the two filters combine.</param>
/// <param name="Kind">[DynamicFilter] or [DynamicFilterUp].</param>
/// <param name="ScaleFactor">DDF-Up: the upsampling factor S (2 to 8); 1 for a [DynamicFilter] layer.</param>
/// <param name="JointGuidance">DDF-Up: spatial filters predicted from separate guidance features.</param>
internal sealed record DdfSpec(
    string? Namespace,
    string TypeName,
    EquatableArray<ContainingType> ContainingTypes,
    int KernelSize,
    int Dilation,
    int Stride,
    int Heads,
    double SqueezeRatio,
    FilterNormalization Normalization,
    FilterBranches Branches,
    KernelCombine Combine,
    LayerKind Kind = LayerKind.Filter,
    int ScaleFactor = 1,
    bool JointGuidance = false)
{
    public int Taps => KernelSize * KernelSize;

    public int Padding => Dilation * (KernelSize - 1) / 2;

    public bool HasSpatial => Branches != FilterBranches.Channel;

    public bool HasChannel => Branches != FilterBranches.Spatial;

    /// <summary>File-name prefix of the generated files: namespace, containing types and name, dot-separated.</summary>
    public string HintPrefix
    {
        get
        {
            var parts = new System.Collections.Generic.List<string>();
            if (Namespace is not null)
                parts.Add(Namespace);
            foreach (var type in ContainingTypes)
                parts.Add(type.Name);
            parts.Add(TypeName);
            return string.Join(".", parts);
        }
    }
}
