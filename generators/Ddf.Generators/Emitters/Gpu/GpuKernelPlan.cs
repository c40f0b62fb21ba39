using System;
using Ddf.Generators.Model;

namespace Ddf.Generators;

/// <summary>
/// One kernel's pass over a plane: the window each thread reads per channel, how many channels an iteration unrolls
/// (and the emitted constant that says so), and whether padded taps are dropped through the weights.
/// </summary>
/// <param name="MasksThroughWeights">
/// Padded taps are dropped by zeroing their spatial taps once per thread instead of selecting zero per load and
/// channel. Valid where each weight is the spatial tap, alone or times the channel tap, because a padded tap reads (by
/// <c>StepInside</c>) a value the same pixel also reads through an inside tap; an infinity there then gives NaN
/// instead of +-Inf in an output that is not finite anyway, and no other output changes. Add and channel-only weights
/// vary per channel, and a strided transposed window hits taps by divisibility, so those select per load.
/// </param>
internal sealed record GpuPass(GpuWindow Window, int Unroll, string UnrollConstant, bool MasksThroughWeights);

/// <summary>
/// Every choice behind the GPU kernel file of one spec, made once (<see cref="For"/>) with the measurements that
/// made it (H200, ILGPU 1.5.3, ptxas 11.8 sm_90; docs/performance.md); <see cref="GpuKernelWriter"/> and the kernel
/// writers only write what it says.
/// </summary>
internal sealed class GpuKernelPlan
{
    /// <summary>The largest kernel size whose GPU kernels are emitted with unrolled taps (k*k values per thread live in registers).</summary>
    public const int UnrolledKernelSize = 7;

    /// <summary>Window loads per channel iteration a thread issues together: channels are unrolled up to 4 within it.</summary>
    public const int LoadBudget = 48;

    private GpuKernelPlan(DdfSpec spec)
    {
        Unrolled = spec.KernelSize <= UnrolledKernelSize;
        var forward = GpuWindow.Forward(spec, PixelsPerThread(spec));
        var transposed = GpuWindow.Transposed(spec, spec.Stride == 1 ? PixelsPerThread(spec) : 1);
        var quad = GpuWindow.Forward(spec, GpuQuadForwardWriter.Pixels);
        // The writer names window column j by its offset from the run's first tap column: the columns must be contiguous.
        QuadForward = Unrolled && spec.KernelSize == 3 && spec.Stride == 1 && spec.Padding <= GpuQuadForwardWriter.Pixels
            && quad.Columns.Length == GpuQuadForwardWriter.Pixels + 2 * spec.Padding;
        Forward = QuadForward
            ? new GpuPass(quad, UnrollFor(quad), "ForwardUnroll", MasksThroughWeights: false)
            : new GpuPass(forward, UnrollFor(forward), "Unroll", WeightsMask(spec, forward));
        InputGradient = new GpuPass(transposed, UnrollFor(transposed), "InputUnroll", WeightsMask(spec, transposed));
        SpatialGradient = new GpuPass(forward, UnrollFor(forward), "Unroll", MasksThroughWeights: false);
        ChannelGradientWindow = forward.Columns.Length < forward.Pixels * spec.KernelSize ? forward : GpuWindow.Forward(spec, 1);
        GradientChannels = Math.Max(1, Math.Min(4, 64 / spec.Taps));
        MinBlocks = spec.Taps > 9 || QuadForward ? 2 : 0;
    }

    /// <summary>Tiled kernels with unrolled taps; above k = <see cref="UnrolledKernelSize"/> the runtime's generic kernels.</summary>
    public bool Unrolled { get; }

    /// <summary>
    /// The forward runs 4 adjacent output pixels per thread (<see cref="GpuQuadForwardWriter"/>): for k = 3 at stride 1
    /// with a padding of at most 4 (a lane's window edges are then its neighbours' runs, taken by shuffles, and its
    /// 4 x 9 spatial taps stay in registers; larger kernels would hold 4 x 25 or more). Rows a multiple of 4 wide load and
    /// store each run as one 16-byte access.
    /// </summary>
    public bool QuadForward { get; }

    /// <summary>
    /// One backward kernel instead of three (<see cref="GpuFusedBackwardWriter"/>): for the specs whose forward runs in 4s
    /// (k = 3 at stride 1, where input and output planes coincide), with the gradient kernels' 2 pixels per thread (their
    /// 3 x 18 taps and sums stay in registers).
    /// </summary>
    public bool FusedBackward => QuadForward;

    /// <summary>
    /// The forward: 4 pixels per thread where <see cref="QuadForward"/>, else Pixels adjacent output pixels per thread, 2 up
    /// to k = 5, else 1 (registers). Their windows overlap, so each channel's loads serve all of them: two pixels per
    /// thread measured 1.3x faster than one for k = 3.
    /// </summary>
    public GpuPass Forward { get; }

    /// <summary>The input gradient by the transposed taps: as many pixels as the forward at stride 1, else 1.</summary>
    public GpuPass InputGradient { get; }

    /// <summary>
    /// The spatial-filter gradient: the forward's window and unroll; padded taps read clamped (real) values and their
    /// sums are replaced by zero at the end, so not even an infinite value there reaches the result.
    /// </summary>
    public GpuPass SpatialGradient { get; }

    /// <summary>
    /// The channel-filter gradient's runs: the forward's pixels per thread where their windows share columns (the loads
    /// are this kernel's cost), else one pixel.
    /// </summary>
    public GpuWindow ChannelGradientWindow { get; }

    /// <summary>Channels one channel-gradient block sums: 4 for k = 3, 2 for k = 5, 1 for k = 7 (their accumulators live in registers); each spatial-filter load serves all of them.</summary>
    public int GradientChannels { get; }

    /// <summary>
    /// Resident blocks per multiprocessor the registers must allow: 2 (128 registers) for k = 5 and 7, whose kernels
    /// otherwise take 146 to 245 (k5 dilation 2 forward 180 -> 128 registers at +1 % instructions, k7 forward 181 -> 128
    /// at +23 %, k7 channel gradient 245 -> 128 at +8 %), and for the runs of 4 and the one-pass backward (k = 3 at stride 1:
    /// Forward 139 -> 126, one-pass Backward 168 -> 128 registers with 24 bytes spilled before its channel loop, whose 384
    /// instructions per channel stay as they were: 16 resident warps instead of 8); 0 (the compiler decides) for the other
    /// k = 3 sets (56 to 96 registers; a bound only made ptxas use more). ptxas 11.8, sm_90; not yet timed on a GPU.
    /// </summary>
    public int MinBlocks { get; }

    public static GpuKernelPlan For(DdfSpec spec) => new(spec);

    private static int PixelsPerThread(DdfSpec spec) => spec.Taps <= 25 ? 2 : 1;

    /// <summary>Channels per iteration: as many (up to 4) as keep the window loads within <see cref="LoadBudget"/>.</summary>
    private static int UnrollFor(GpuWindow window) => Math.Max(1, Math.Min(4, LoadBudget / window.Loads));

    private static bool WeightsMask(DdfSpec spec, GpuWindow window) =>
        spec.HasSpatial && (spec.Branches == FilterBranches.Spatial || spec.Combine == KernelCombine.Mul) && !window.HitsByStride;
}
