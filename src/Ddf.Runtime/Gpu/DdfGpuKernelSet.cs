using System;
using System.Numerics;
using System.Runtime.CompilerServices;
using ILGPU;
using ILGPU.Runtime;

namespace Ddf.Runtime;

/// <summary>How a kernel set is launched.</summary>
public enum DdfGpuLayout
{
    /// <summary>One thread per element, <see cref="DdfGpuTiling.FlatGroupSize"/> per block (the generic kernels).</summary>
    Flat,

    /// <summary>
    /// Blocks of <see cref="DdfGpuTiling.Width"/> x <see cref="DdfGpuTiling.Height"/> pixels with the input tile
    /// staged in shared memory (the generated kernels).
    /// </summary>
    Tiled,
}

/// <summary>The three kernels of one spec for one element type.</summary>
/// <param name="Forward">(input, channel filter, spatial filter, output, launch): writes the output.</param>
/// <param name="InputGradient">
/// (upstream gradient, channel filter, spatial filter, input gradient, launch): the input gradient by the transposed taps.
/// </param>
/// <param name="FilterGradients">
/// (input, upstream gradient, channel filter, spatial filter, spatial-gradient partials, channel-gradient partials,
/// launch): stage one of both filter gradients.
/// </param>
public sealed record DdfGpuKernels<T>(
    Action<ArrayView<T>, ArrayView<T>, ArrayView<T>, ArrayView<T>, DdfGpuLaunch> Forward,
    Action<ArrayView<T>, ArrayView<T>, ArrayView<T>, ArrayView<T>, DdfGpuLaunch> InputGradient,
    Action<ArrayView<T>, ArrayView<T>, ArrayView<T>, ArrayView<T>, ArrayView<T>, ArrayView<T>, DdfGpuLaunch> FilterGradients)
    where T : unmanaged;

/// <summary>
/// The ILGPU kernels of one DDF spec for float32 and float64: a layer's generated ones (constants baked in,
/// taps unrolled, tiled) or the generic ones (<see cref="Generic(bool, bool, KernelCombine)"/>). <see cref="DdfGpu"/> loads each set once
/// per accelerator and runs it.
/// </summary>
public sealed class DdfGpuKernelSet
{
    private readonly ConditionalWeakTable<Accelerator, object> loadedSingle = new();
    private readonly ConditionalWeakTable<Accelerator, object> loadedDouble = new();

    /// <summary>
    /// A set of kernels specialised to one spec (<paramref name="kernelSize"/> 0 accepts any geometry); a tiled
    /// filter-gradient kernel computes <paramref name="filterGradientRows"/> pixel rows per thread.
    /// </summary>
    public DdfGpuKernelSet(int kernelSize, int dilation, int stride, FilterBranches branches, KernelCombine combine, DdfGpuLayout layout,
        DdfGpuKernels<float> single, DdfGpuKernels<double> @double, int filterGradientRows = 1)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(filterGradientRows, 1);
        FilterGradientRows = filterGradientRows;
        KernelSize = kernelSize;
        Dilation = dilation;
        Stride = stride;
        Branches = branches;
        Combine = combine;
        Layout = layout;
        Single = single ?? throw new ArgumentNullException(nameof(single));
        Double = @double ?? throw new ArgumentNullException(nameof(@double));
    }

    /// <summary>Kernel size the kernels are specialised to; 0 for the generic kernels.</summary>
    public int KernelSize { get; }

    /// <summary>Dilation the kernels are specialised to (ignored when <see cref="KernelSize"/> is 0).</summary>
    public int Dilation { get; }

    /// <summary>Stride the kernels are specialised to (ignored when <see cref="KernelSize"/> is 0).</summary>
    public int Stride { get; }

    /// <summary>Which filters the kernels expect.</summary>
    public FilterBranches Branches { get; }

    /// <summary>How the two filters combine.</summary>
    public KernelCombine Combine { get; }

    /// <summary>How the kernels are launched.</summary>
    public DdfGpuLayout Layout { get; }

    /// <summary>
    /// Tiled filter-gradient kernel: pixel rows each thread computes (its blocks cover Width x Height * FilterGradientRows
    /// pixels; forward and input-gradient blocks cover Width x Height).
    /// </summary>
    public int FilterGradientRows { get; }

    /// <summary>float32 kernels.</summary>
    public DdfGpuKernels<float> Single { get; }

    /// <summary>float64 kernels.</summary>
    public DdfGpuKernels<double> Double { get; }

    /// <summary>The generic sets, indexed by <see cref="WeightModes"/>.</summary>
    private static readonly DdfGpuKernelSet[] GenericSets =
    [
        OfGeneric(FilterBranches.Both, KernelCombine.Mul), OfGeneric(FilterBranches.Both, KernelCombine.Add),
        OfGeneric(FilterBranches.Spatial, KernelCombine.Mul), OfGeneric(FilterBranches.Channel, KernelCombine.Mul),
    ];

    /// <summary>The generic (run-time kernel size, dilation, stride) kernels for the filters present and the combine mode.</summary>
    public static DdfGpuKernelSet Generic(bool hasChannelFilter, bool hasSpatialFilter, KernelCombine combine) =>
        GenericSets[WeightModes.Of(hasChannelFilter, hasSpatialFilter, combine)];

    /// <summary>The generic kernels of one weight mode, reused by generated layers whose kernel is too large to unroll.</summary>
    public static DdfGpuKernelSet Generic(FilterBranches branches, KernelCombine combine) =>
        Generic(branches != FilterBranches.Spatial, branches != FilterBranches.Channel, combine);

    private static DdfGpuKernelSet OfGeneric(FilterBranches branches, KernelCombine combine) =>
        new(0, 1, 1, branches, combine, DdfGpuLayout.Flat,
            new(GenericGpuKernels.Forward, GenericGpuKernels.InputGradient, GenericGpuKernels.FilterGradients),
            new(GenericGpuKernels.Forward, GenericGpuKernels.InputGradient, GenericGpuKernels.FilterGradients));

    /// <summary>True when these kernels serve <paramref name="g"/>.</summary>
    internal bool Serves(DdfGeometry g) =>
        KernelSize == 0 || (g.KernelSize == KernelSize && g.Dilation == Dilation && g.Stride == Stride);

    internal bool HasChannelFilter => Branches != FilterBranches.Spatial;

    internal bool HasSpatialFilter => Branches != FilterBranches.Channel;

    /// <summary>This set's kernels compiled for <paramref name="accelerator"/>, loaded once and cached.</summary>
    internal LoadedGpuKernels<T> LoadOn<T>(Accelerator accelerator) where T : unmanaged, INumber<T>
    {
        if (typeof(T) == typeof(float))
            return (LoadedGpuKernels<T>)loadedSingle.GetValue(accelerator, a => new LoadedGpuKernels<float>(a, Single));
        if (typeof(T) == typeof(double))
            return (LoadedGpuKernels<T>)loadedDouble.GetValue(accelerator, a => new LoadedGpuKernels<double>(a, Double));
        throw new NotSupportedException($"DDF GPU kernels exist for float32 and float64, not {typeof(T).Name}.");
    }
}
