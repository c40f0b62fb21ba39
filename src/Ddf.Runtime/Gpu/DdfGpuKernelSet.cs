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
    /// Blocks of <see cref="DdfGpuTiling.Width"/> x <see cref="DdfGpuTiling.Height"/> threads, each taking
    /// <see cref="DdfGpuKernelSet.PixelsPerThread"/> adjacent pixels of a row (the generated kernels).
    /// </summary>
    Tiled,
}

/// <summary>The kernels of one spec for one element type.</summary>
/// <param name="Forward">(input, channel filter, spatial filter, output, launch): writes the output.</param>
/// <param name="InputGradient">
/// (upstream gradient, channel filter, spatial filter, input gradient, launch): the input gradient by the transposed taps;
/// null where <paramref name="Backward"/> computes every gradient.
/// </param>
/// <param name="SpatialGradient">
/// (input, upstream gradient, channel filter, spatial filter, spatial-filter gradient, launch): writes the spatial-filter
/// gradient, each element summed over the channels by one thread; null without a spatial branch.
/// </param>
/// <param name="ChannelGradient">
/// (input, upstream gradient, channel filter, spatial filter, channel-gradient partials, launch): stage one of the
/// channel-filter gradient, <see cref="DdfGpuLaunch.Parts"/> partial sums per element; null without a channel branch.
/// </param>
/// <param name="AlignedForward">
/// Like <paramref name="Forward"/>, with 16-byte loads and stores of runs of <see cref="GpuQuad{T}"/>: run instead of it
/// where input and output start 16-byte aligned and the row width is a multiple of 4 (<see cref="DdfGpu.ForwardLoadsAligned{T}"/>);
/// null where the forward has no such variant.
/// </param>
/// <param name="Backward">
/// (input, upstream gradient, channel filter, spatial filter, input gradient, spatial-filter gradient, channel-gradient
/// partials, launch): every gradient in one pass (views of unwanted ones empty), the channel-filter gradient as
/// <see cref="DdfGpuLaunch.Parts"/> partial sums per element; where given, the three gradient kernels are null.
/// </param>
public sealed record DdfGpuKernels<T>(
    Action<ArrayView<T>, ArrayView<T>, ArrayView<T>, ArrayView<T>, DdfGpuLaunch> Forward,
    Action<ArrayView<T>, ArrayView<T>, ArrayView<T>, ArrayView<T>, DdfGpuLaunch>? InputGradient,
    Action<ArrayView<T>, ArrayView<T>, ArrayView<T>, ArrayView<T>, ArrayView<T>, DdfGpuLaunch>? SpatialGradient,
    Action<ArrayView<T>, ArrayView<T>, ArrayView<T>, ArrayView<T>, ArrayView<T>, DdfGpuLaunch>? ChannelGradient,
    Action<ArrayView<T>, ArrayView<T>, ArrayView<T>, ArrayView<T>, DdfGpuLaunch>? AlignedForward = null,
    Action<ArrayView<T>, ArrayView<T>, ArrayView<T>, ArrayView<T>, ArrayView<T>, ArrayView<T>, ArrayView<T>, DdfGpuLaunch>? Backward = null)
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
    /// A set of kernels specialised to one spec (<paramref name="kernelSize"/> 0 accepts any geometry). Tiled kernels:
    /// spatial-gradient threads take <paramref name="pixelsPerThread"/> adjacent output pixels, forward threads
    /// <paramref name="forwardPixelsPerThread"/> (0: as many), input-gradient threads <paramref name="inputPixelsPerThread"/>
    /// input pixels, and a channel-gradient block <paramref name="gradientChannels"/> channels. <paramref name="minBlocksPerMultiprocessor"/> above 0 compiles the
    /// kernels for that many resident blocks of 256 threads (the compiler then keeps them within 65536 / (256 * that)
    /// registers); 0 leaves the register count to the compiler.
    /// </summary>
    public DdfGpuKernelSet(int kernelSize, int dilation, int stride, FilterBranches branches, KernelCombine combine, DdfGpuLayout layout,
        DdfGpuKernels<float> single, DdfGpuKernels<double> @double, int pixelsPerThread = 1, int inputPixelsPerThread = 1, int gradientChannels = 1,
        int minBlocksPerMultiprocessor = 0, int forwardPixelsPerThread = 0)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(pixelsPerThread, 1);
        ArgumentOutOfRangeException.ThrowIfNegative(forwardPixelsPerThread);
        ArgumentOutOfRangeException.ThrowIfLessThan(inputPixelsPerThread, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(gradientChannels, 1);
        ArgumentOutOfRangeException.ThrowIfNegative(minBlocksPerMultiprocessor);
        KernelSize = kernelSize;
        Dilation = dilation;
        Stride = stride;
        Branches = branches;
        Combine = combine;
        Layout = layout;
        Single = single ?? throw new ArgumentNullException(nameof(single));
        Double = @double ?? throw new ArgumentNullException(nameof(@double));
        CheckGradientKernels(single, nameof(single));
        CheckGradientKernels(@double, nameof(@double));
        if ((single.AlignedForward is null) != (@double.AlignedForward is null))
            throw new ArgumentException("An AlignedForward kernel is given for one element type only.", single.AlignedForward is null ? nameof(single) : nameof(@double));
        if ((single.Backward is null) != (@double.Backward is null))
            throw new ArgumentException("A one-pass Backward kernel is given for one element type only.", single.Backward is null ? nameof(single) : nameof(@double));
        PixelsPerThread = pixelsPerThread;
        ForwardPixelsPerThread = forwardPixelsPerThread == 0 ? pixelsPerThread : forwardPixelsPerThread;
        InputPixelsPerThread = inputPixelsPerThread;
        GradientChannels = gradientChannels;
        Specialization = minBlocksPerMultiprocessor > 0 ? new KernelSpecialization(DdfGpuTiling.Threads, minBlocksPerMultiprocessor) : KernelSpecialization.Empty;
    }

    /// <summary>The backward is one kernel or the separate gradient kernels the branches need, never both.</summary>
    private void CheckGradientKernels<T>(DdfGpuKernels<T> kernels, string name) where T : unmanaged
    {
        bool separate = kernels.InputGradient is not null || kernels.SpatialGradient is not null || kernels.ChannelGradient is not null;
        if (kernels.Backward is not null)
        {
            if (separate)
                throw new ArgumentException("Kernels with a one-pass Backward kernel take no InputGradient, SpatialGradient or ChannelGradient kernel.", name);
            return;
        }
        if (kernels.InputGradient is null)
            throw new ArgumentException("Kernels need an InputGradient kernel (or a one-pass Backward kernel).", name);
        if (HasSpatialFilter && kernels.SpatialGradient is null)
            throw new ArgumentException($"Kernels with a spatial branch ({Branches}) need a SpatialGradient kernel.", name);
        if (HasChannelFilter && kernels.ChannelGradient is null)
            throw new ArgumentException($"Kernels with a channel branch ({Branches}) need a ChannelGradient kernel.", name);
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

    /// <summary>Tiled spatial-gradient and channel-gradient kernels: adjacent output pixels of a row each thread computes.</summary>
    public int PixelsPerThread { get; }

    /// <summary>Tiled forward kernels: adjacent output pixels of a row each thread computes.</summary>
    public int ForwardPixelsPerThread { get; }

    /// <summary>Tiled input-gradient (or one-pass backward) kernel: adjacent input pixels of a row each thread computes.</summary>
    public int InputPixelsPerThread { get; }

    /// <summary>Tiled channel-gradient kernel: channels one block sums (each spatial-filter load serves all of them).</summary>
    public int GradientChannels { get; }

    /// <summary>How the kernels are compiled (block size and resident blocks the register allocation must allow, or none).</summary>
    public KernelSpecialization Specialization { get; }

    /// <summary>float32 kernels.</summary>
    public DdfGpuKernels<float> Single { get; }

    /// <summary>float64 kernels.</summary>
    public DdfGpuKernels<double> Double { get; }

    /// <summary>True when the backward is one kernel (<see cref="DdfGpuKernels{T}.Backward"/>).</summary>
    public bool IsOnePassBackward => Single.Backward is not null;

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
            new(GenericGpuKernels.Forward, GenericGpuKernels.InputGradient, GenericGpuKernels.SpatialGradient, GenericGpuKernels.ChannelGradient),
            new(GenericGpuKernels.Forward, GenericGpuKernels.InputGradient, GenericGpuKernels.SpatialGradient, GenericGpuKernels.ChannelGradient));

    /// <summary>True when these kernels serve <paramref name="g"/>.</summary>
    internal bool Serves(DdfGeometry g) =>
        KernelSize == 0 || (g.KernelSize == KernelSize && g.Dilation == Dilation && g.Stride == Stride);

    internal bool HasChannelFilter => Branches != FilterBranches.Spatial;

    internal bool HasSpatialFilter => Branches != FilterBranches.Channel;

    /// <summary>This set's kernels compiled for <paramref name="accelerator"/>, loaded once and cached.</summary>
    internal LoadedGpuKernels<T> LoadOn<T>(Accelerator accelerator) where T : unmanaged, INumber<T>
    {
        if (typeof(T) == typeof(float))
            return (LoadedGpuKernels<T>)loadedSingle.GetValue(accelerator, a => new LoadedGpuKernels<float>(a, Single, Specialization));
        if (typeof(T) == typeof(double))
            return (LoadedGpuKernels<T>)loadedDouble.GetValue(accelerator, a => new LoadedGpuKernels<double>(a, Double, Specialization));
        throw new NotSupportedException($"DDF GPU kernels exist for float32 and float64, not {typeof(T).Name}.");
    }
}
