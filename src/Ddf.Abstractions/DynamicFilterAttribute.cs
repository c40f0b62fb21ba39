using System;
using System.Diagnostics;

namespace Ddf;

/// <summary>
/// Turns the annotated <c>partial class</c> into a Decoupled Dynamic Filter layer: at compile time the
/// Ddf.Compiler source generator emits a <c>torch.nn.Module&lt;Tensor, Tensor&gt;</c> with the spatial and
/// channel filter branches, kernels specialised to these settings, and their autograd function.
/// </summary>
/// <remarks>
/// Every property must be a compile-time constant. Invalid values are compile errors (DDF0001 and up)
/// reported on the offending argument.
/// </remarks>
[AttributeUsage(AttributeTargets.Class, AllowMultiple = false, Inherited = false)]
[Conditional("DDF_COMPILER_USAGES")]
public sealed class DynamicFilterAttribute : Attribute
{
    /// <summary>Kernel size k of the k*k dynamic filter. Odd, from 3 to 31. Default: 3.</summary>
    public int KernelSize { get; set; } = 3;

    /// <summary>Dilation of the filter taps. At least 1. Default: 1.</summary>
    public int Dilation { get; set; } = 1;

    /// <summary>Stride of the filtering; output size is (H - 1) / Stride + 1. At least 1. Default: 1.</summary>
    public int Stride { get; set; } = 1;

    /// <summary>Number of spatial-filter heads; must divide the layer's in_channels. At least 1. Default: 1.</summary>
    public int Heads { get; set; } = 1;

    /// <summary>Squeeze ratio r of the channel branch (hidden width floor(c * r), at least 1). 0 &lt; r &lt;= 1. Default: 0.2.</summary>
    public double SqueezeRatio { get; set; } = 0.2;

    /// <summary>Normalisation of the predicted filters. Default: <see cref="FilterNormalization.Filter"/>.</summary>
    public FilterNormalization Normalization { get; set; } = FilterNormalization.Filter;

    /// <summary>Which filter branches the layer has. Default: <see cref="FilterBranches.Both"/>.</summary>
    public FilterBranches Branches { get; set; } = FilterBranches.Both;

    /// <summary>How the two filters combine. Default: <see cref="KernelCombine.Mul"/>.</summary>
    public KernelCombine Combine { get; set; } = KernelCombine.Mul;
}
