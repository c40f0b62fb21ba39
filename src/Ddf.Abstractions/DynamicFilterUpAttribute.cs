using System;
using System.Diagnostics;

namespace Ddf;

/// <summary>
/// Turns the annotated <c>partial class</c> into a DDF-Up upsampling layer (the reference DDFUpPack):
/// ScaleFactor^2 decoupled dynamic filters whose outputs are pixel-shuffled, mapping (B, C, H, W) to
/// (B, C, H * ScaleFactor, W * ScaleFactor). Generated at compile time by the Ddf.Compiler source generator.
/// </summary>
[AttributeUsage(AttributeTargets.Class, AllowMultiple = false, Inherited = false)]
[Conditional("DDF_COMPILER_USAGES")]
public sealed class DynamicFilterUpAttribute : Attribute
{
    /// <summary>Kernel size k of the k*k dynamic filters. Odd, from 3 to 31. Default: 3.</summary>
    public int KernelSize { get; set; } = 3;

    /// <summary>Upsampling factor S. From 2 to 8. Default: 2.</summary>
    public int ScaleFactor { get; set; } = 2;

    /// <summary>Dilation of the filter taps. At least 1. Default: 1.</summary>
    public int Dilation { get; set; } = 1;

    /// <summary>Number of spatial-filter heads; must divide the layer's in_channels. At least 1. Default: 1.</summary>
    public int Heads { get; set; } = 1;

    /// <summary>Squeeze ratio r of the channel branches. 0 &lt; r &lt;= 1. Default: 0.2.</summary>
    public double SqueezeRatio { get; set; } = 0.2;

    /// <summary>Normalisation of the predicted filters. Default: <see cref="FilterNormalization.Filter"/>.</summary>
    public FilterNormalization Normalization { get; set; } = FilterNormalization.Filter;

    /// <summary>How the two filters combine. Default: <see cref="KernelCombine.Mul"/>.</summary>
    public KernelCombine Combine { get; set; } = KernelCombine.Mul;

    /// <summary>Where the spatial filters are predicted from. Default: <see cref="UpsampleGuidance.Self"/>.</summary>
    public UpsampleGuidance Guidance { get; set; } = UpsampleGuidance.Self;
}
