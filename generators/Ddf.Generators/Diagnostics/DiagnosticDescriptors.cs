using Microsoft.CodeAnalysis;

namespace Ddf.Generators.Diagnostics;

/// <summary>
/// Every diagnostic the Ddf.Compiler generator reports. Keep in sync with AnalyzerReleases.*.md and
/// docs/diagnostics.md. Each is an error: the class is left without generated code.
/// </summary>
internal static class DiagnosticDescriptors
{
    private const string Category = "Ddf.Compiler";

    /// <summary>"KernelSize {0} is not supported: use an odd number from 3 to 31, such as 3, 5 or 7".</summary>
    public static readonly DiagnosticDescriptor InvalidKernelSize = Error("DDF0001", "Invalid kernel size",
        "KernelSize {0} is not supported: use an odd number from 3 to 31, such as 3, 5 or 7");

    /// <summary>"Dilation {0} is not supported: use 1 or more".</summary>
    public static readonly DiagnosticDescriptor InvalidDilation = Error("DDF0002", "Invalid dilation",
        "Dilation {0} is not supported: use 1 or more");

    /// <summary>"Stride {0} is not supported: use 1 or more".</summary>
    public static readonly DiagnosticDescriptor InvalidStride = Error("DDF0003", "Invalid stride",
        "Stride {0} is not supported: use 1 or more");

    /// <summary>"Heads {0} is not supported: use 1 or more (a divisor of the layer's in_channels)".</summary>
    public static readonly DiagnosticDescriptor InvalidHeads = Error("DDF0004", "Invalid head count",
        "Heads {0} is not supported: use 1 or more (a divisor of the layer's in_channels)");

    /// <summary>"SqueezeRatio {0} is not supported: use a number greater than 0 and at most 1, such as 0.2".</summary>
    public static readonly DiagnosticDescriptor InvalidSqueezeRatio = Error("DDF0005", "Invalid squeeze ratio",
        "SqueezeRatio {0} is not supported: use a number greater than 0 and at most 1, such as 0.2");

    /// <summary>"'{0}' must be declared partial so that Ddf.Compiler can generate the layer: write 'partial class {0}'".</summary>
    public static readonly DiagnosticDescriptor ClassNotPartial = Error("DDF0006", "Layer class is not partial",
        "'{0}' must be declared partial so that Ddf.Compiler can generate the layer: write 'partial class {0}'");

    /// <summary>"'{0}' is nested in '{1}', which must be partial too: write 'partial' on '{1}'".</summary>
    public static readonly DiagnosticDescriptor ContainingTypeNotPartial = Error("DDF0007", "Containing type is not partial",
        "'{0}' is nested in '{1}', which must be partial too: write 'partial' on '{1}'");

    /// <summary>"'{0}' is generic or nested in a generic type: declare the layer as a non-generic class".</summary>
    public static readonly DiagnosticDescriptor GenericClass = Error("DDF0008", "Layer class is generic",
        "'{0}' is generic or nested in a generic type: declare the layer as a non-generic class");

    /// <summary>"'{0}' already derives from '{1}': a generated layer derives from Module&lt;Tensor, Tensor&gt;; remove the base class".</summary>
    public static readonly DiagnosticDescriptor ClassHasBaseClass = Error("DDF0009", "Layer class already has a base class",
        "'{0}' already derives from '{1}': a generated layer derives from Module<Tensor, Tensor>; remove the base class");

    /// <summary>"'{0}' is {1}: a layer must be a non-static, non-abstract class".</summary>
    public static readonly DiagnosticDescriptor StaticOrAbstractClass = Error("DDF0010", "Layer class is static or abstract",
        "'{0}' is {1}: a layer must be a non-static, non-abstract class");

    /// <summary>"'{0}' has both [DynamicFilter] and [DynamicFilterUp]: keep one, a class is one layer".</summary>
    public static readonly DiagnosticDescriptor BothAttributes = Error("DDF0011", "Both DynamicFilter and DynamicFilterUp",
        "'{0}' has both [DynamicFilter] and [DynamicFilterUp]: keep one, a class is one layer");

    /// <summary>"{0} = {1} is not a defined value of {2}: use one of its named members".</summary>
    public static readonly DiagnosticDescriptor UndefinedEnumValue = Error("DDF0012", "Undefined enum value",
        "{0} = {1} is not a defined value of {2}: use one of its named members");

    /// <summary>"'{0}' needs unsafe code: its generated CPU kernels work on tensor memory through pointers; add &lt;AllowUnsafeBlocks&gt;true&lt;/AllowUnsafeBlocks&gt; to the project".</summary>
    public static readonly DiagnosticDescriptor UnsafeCodeNotAllowed = Error("DDF0013", "Project does not allow unsafe code",
        "'{0}' needs unsafe code: its generated CPU kernels work on tensor memory through pointers; add <AllowUnsafeBlocks>true</AllowUnsafeBlocks> to the project");

    /// <summary>"ScaleFactor {0} is not supported: use a whole number from 2 to 8".</summary>
    public static readonly DiagnosticDescriptor InvalidScaleFactor = Error("DDF0014", "Invalid scale factor",
        "ScaleFactor {0} is not supported: use a whole number from 2 to 8");

    private static DiagnosticDescriptor Error(string id, string title, string message) =>
        new(id, title, message, Category, DiagnosticSeverity.Error, isEnabledByDefault: true);
}
