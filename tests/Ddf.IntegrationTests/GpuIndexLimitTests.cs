using System;
using System.Collections.Generic;
using System.Linq;
using System.Runtime.InteropServices;
using Ddf.Runtime;
using ILGPU;
using Xunit;

namespace Ddf.IntegrationTests;

/// <summary>
/// The GPU kernels' 32-bit limits (<see cref="DdfGpuLimits"/>): for each kind of value the launches compute, the shapes on
/// both sides of its limit, the accepted one at the limit (or the last shape below it) and the refused one just past it,
/// through the pure size function (no memory) and through <see cref="DdfGpu"/>'s public entry points on the CPU
/// accelerator with views over a few bytes (the check runs before any view is read, so nothing huge is allocated).
/// </summary>
public sealed class GpuIndexLimitTests(GpuKernelHarness harness) : IClassFixture<GpuKernelHarness>
{
    private const long Limit = int.MaxValue;

    private static readonly DdfGpuKernelSet Generic = DdfGpuKernelSet.Generic(FilterBranches.Both, KernelCombine.Mul);

    /// <summary>A tiled set's launch parameters (what the limits read) around the generic kernels' delegates.</summary>
    private static DdfGpuKernelSet Tiled(int k, int stride, FilterBranches branches, int pixels, int gradientChannels)
    {
        var single = Generic.Single;
        var @double = Generic.Double;
        return new DdfGpuKernelSet(k, 1, stride, branches, KernelCombine.Mul, DdfGpuLayout.Tiled, single, @double,
            pixelsPerThread: pixels, inputPixelsPerThread: stride == 1 ? pixels : 1, gradientChannels: gradientChannels);
    }

    private static readonly DdfGpuKernelSet ChannelK3 = Tiled(3, 1, FilterBranches.Channel, pixels: 2, gradientChannels: 4);
    private static readonly DdfGpuKernelSet ChannelK3Stride2 = Tiled(3, 2, FilterBranches.Channel, pixels: 2, gradientChannels: 4);
    private static readonly DdfGpuKernelSet ChannelK7 = Tiled(7, 1, FilterBranches.Channel, pixels: 1, gradientChannels: 1);

    /// <summary>The extent of <paramref name="argument"/> whose quantity (and shape) start as given.</summary>
    private static DdfGpuLimits.Extent Find(IEnumerable<DdfGpuLimits.Extent> extents, string argument, string quantity, string shape) =>
        extents.Single(e => e.Argument == argument && e.Quantity.StartsWith(quantity, StringComparison.Ordinal) && e.Shape.StartsWith(shape, StringComparison.Ordinal));

    /// <summary>
    /// The extent (<paramref name="argument"/>, <paramref name="quantity"/>, <paramref name="shape"/>) is <paramref name="acceptedLargest"/>
    /// (at most the limit) for <paramref name="accepted"/>, which is not refused, and <paramref name="refusedLargest"/> (above it) for
    /// <paramref name="refused"/>, which is refused naming the argument, the value and the limit.
    /// </summary>
    private static void AssertBoundary(Func<DdfGeometry, IEnumerable<DdfGpuLimits.Extent>> extents,
        DdfGeometry accepted, DdfGeometry refused, string argument, string quantity, long acceptedLargest, long refusedLargest, long limit = Limit, string shape = "")
    {
        Assert.Equal(acceptedLargest, Find(extents(accepted), argument, quantity, shape).Largest);
        Assert.True(acceptedLargest <= limit);
        Assert.Null(DdfGpuLimits.Refusal(extents(accepted)));
        Assert.Equal(refusedLargest, Find(extents(refused), argument, quantity, shape).Largest);
        Assert.True(refusedLargest > limit);
        var error = DdfGpuLimits.Refusal(extents(refused));
        Assert.NotNull(error);
        Assert.Equal(argument, error!.ParamName);
        Assert.Contains(limit.ToString(), error.Message);
        Assert.Contains(refusedLargest.ToString(), error.Message);
    }

    private static DdfGeometry G(int b, int c, int h, int w, int k = 3, int d = 1, int s = 1) => new(b, c, h, w, k, d, s);

    [Fact]
    public void The_shapes_the_old_guard_refused_fit()
    {
        // k = 7, B = 4, C = 256, 200 x 300: every index is below 2^26, yet B * C * Ho * Wo * k * k > 2^31 refused it.
        var issue = G(4, 256, 200, 300, k: 7);
        var k7 = Tiled(7, 1, FilterBranches.Both, pixels: 1, gradientChannels: 1);
        Assert.Null(DdfGpuLimits.Refusal(DdfGpuLimits.Forward(k7, issue)));
        Assert.Null(DdfGpuLimits.Refusal(DdfGpuLimits.Backward(k7, issue, true, true, true)));
        Assert.Null(DdfGpuLimits.Refusal(DdfGpuLimits.Backward(Generic, issue, true, true, true)));
        // The generic kernels index the input with 64 bits: a stride-2 forward reads 2^32 input elements.
        Assert.Null(DdfGpuLimits.Refusal(DdfGpuLimits.Forward(Generic, G(1, 1, 4, 1 << 30, s: 2))));
        // and they launch on the grid's x alone: no batch limit.
        Assert.Null(DdfGpuLimits.Refusal(DdfGpuLimits.Forward(Generic, G(100_000, 1, 1, 1))));
    }

    [Fact]
    public void Tiled_flat_indices_are_refused_exactly_past_2_to_the_31()
    {
        // Input: 2^31 elements (largest index 2^31 - 1) fit, 2^31 + 1 = 3 * 715827883 do not.
        AssertBoundary(g => DdfGpuLimits.Forward(ChannelK3, g), G(1, 1, 2, 1 << 30), G(1, 1, 3, 715827883), "input", "its largest flat index", Limit, Limit + 1);
        // Spatial filter (B, 9, Ho, Wo): the last W before 9 * W exceeds 2^31, and the next.
        var both = Tiled(3, 1, FilterBranches.Both, pixels: 2, gradientChannels: 4);
        AssertBoundary(g => DdfGpuLimits.Forward(both, g), G(1, 1, 1, 238609294), G(1, 1, 1, 238609295), "spatialFilter", "its largest flat index", 2147483645, 2147483654);
        // Input gradient (written only when wanted): 2^31 elements fit, 2^31 + 1 do not.
        // (stride 2, so that the upstream gradient it reads stays small).
        AssertBoundary(g => DdfGpuLimits.Backward(ChannelK3Stride2, g, true, false, false), G(1, 1, 2, 1 << 30, s: 2), G(1, 1, 3, 715827883, s: 2),
            "gradInput", "its largest flat index", Limit, Limit + 1);
    }

    [Fact]
    public void Tiled_plane_sweeps_and_grid_are_refused_exactly_past_their_limits()
    {
        // A thread's first column: Wo + 64 - 1 (tiles of 32 threads x 2 pixels) must fit.
        AssertBoundary(g => DdfGpuLimits.Forward(ChannelK3, g), G(1, 1, 1, int.MaxValue - 63), G(1, 1, 1, int.MaxValue - 62), "output", "its plane width plus a tile", Limit, Limit + 1);
        // Channel-gradient runs: Wo (one pixel per run) + max(255, parts - 1), here 2048 parts of one channel block.
        AssertBoundary(g => DdfGpuLimits.Backward(ChannelK7, g, false, true, false), G(1, 1, 1, int.MaxValue - 2047, k: 7), G(1, 1, 1, int.MaxValue - 2046, k: 7),
            "gradChannelFilter", "pixel runs", Limit, Limit + 1);
        // Grid z (batch) and y (channel blocks of 32; 4 per channel-gradient block) up to 65535.
        AssertBoundary(g => DdfGpuLimits.Forward(ChannelK3, g), G(65535, 1, 1, 1), G(65536, 1, 1, 1), "output", "the grid's z", 65535, 65536, DdfGpuLimits.GridLimit);
        AssertBoundary(g => DdfGpuLimits.Forward(ChannelK3, g), G(1, 65535 * 32, 1, 1), G(1, 65535 * 32 + 1, 1, 1), "output", "the grid's y", 65535, 65536, DdfGpuLimits.GridLimit);
        AssertBoundary(g => DdfGpuLimits.Backward(ChannelK3, g, false, true, false), G(1, 65535 * 4, 1, 1), G(1, 65535 * 4 + 1, 1, 1),
            "gradChannelFilter", "the grid's y", 65535, 65536, DdfGpuLimits.GridLimit);
    }

    [Fact]
    public void Flat_thread_indices_are_refused_exactly_past_2_to_the_31()
    {
        // One thread per output element, blocks of 256: 2^31 elements give thread indices up to 2^31 - 1; one more gives a block more.
        AssertBoundary(g => DdfGpuLimits.Forward(Generic, g), G(1, 1, 2, 1 << 30), G(1, 1, 3, 715827883), "output", "the largest thread index", Limit, Limit + 256);
        // Channel-gradient partial sums (B, C, 9, Ho): one thread each.
        AssertBoundary(g => DdfGpuLimits.Backward(Generic, g, false, true, false), G(1, 1, 238609294, 1), G(1, 1, 238609295, 1),
            "gradChannelFilter", "the largest thread index", Limit, 2147483903, shape: "its partial sums");
        // Stage two (and the channel gradient of any layout): one thread per (B, C, k, k) element.
        AssertBoundary(g => DdfGpuLimits.Backward(Generic, g, false, true, false), G(1, 238609294, 1, 1), G(1, 238609295, 1, 1),
            "gradChannelFilter", "the largest thread index", Limit, 2147483903, shape: "(B, C, k, k)");
    }

    [Fact]
    public void Coordinates_and_taps_are_refused_exactly_past_2_to_the_31()
    {
        // Padding d * (k - 1) = 2^31 - 2 fits; 2^31 does not (the geometry's own Pad would overflow).
        AssertBoundary(g => DdfGpuLimits.Forward(Generic, g), G(1, 1, 1, 1, d: 1073741823), G(1, 1, 1, 1, d: 1073741824), "geometry", "the rows and columns", Limit - 1, Limit + 1);
        // The generic kernels' largest column: W - 1 + pad.
        AssertBoundary(g => DdfGpuLimits.Forward(Generic, g), G(1, 1, 1, int.MaxValue - 1, d: 2), G(1, 1, 1, int.MaxValue, d: 2), "geometry", "the rows and columns", Limit, Limit + 1);
        // k * k: 46339^2 fits, 46341^2 does not.
        AssertBoundary(g => DdfGpuLimits.Forward(Generic, g), G(1, 1, 1, 1, k: 46339), G(1, 1, 1, 1, k: 46341), "geometry", "the taps", 2147302921, 2147488281);
    }

    [Fact]
    public void Public_entry_points_refuse_past_the_limit_and_accept_at_it()
    {
        var stream = harness.Accelerator.DefaultStream;
        var kernels = GpuChannelStrided2.GpuKernels.Set; // tiled, k = 3, stride 2, channel only
        IntPtr bytes = Marshal.AllocHGlobal(64); // every view points here; none is read (each call throws before launching)
        try
        {
            ArrayView<float> View(long length) => DdfGpuMemory.View<float>(harness.Accelerator, bytes, length);

            var refused = G(1, 1, 3, 715827883, s: 2);
            var error = Assert.Throws<ArgumentException>(() => DdfGpu.Forward(stream, kernels, default(ArrayView<float>), default, default, default, refused));
            Assert.Equal("input", error.ParamName);
            Assert.Contains("[1, 1, 3, 715827883]", error.Message);
            Assert.Contains("2147483647", error.Message);
            Assert.Equal("input", Assert.Throws<ArgumentException>(() => DdfGpu.CheckFits(kernels, refused)).ParamName);

            // At the limit the check passes, and the call goes on to check the views: the output view given is too short.
            var accepted = G(1, 1, 2, 1 << 30, s: 2);
            DdfGpu.CheckFits(kernels, accepted);
            error = Assert.Throws<ArgumentException>(() => DdfGpu.Forward(stream, kernels, View(1L << 31), View(9), default, View(1), accepted));
            Assert.Equal("output", error.ParamName);
            Assert.Contains($"needs {1L << 29}", error.Message);

            // Backward, generic kernels: the channel-gradient partial sums (B, C, 9, Ho).
            var generic = DdfGpuKernelSet.Generic(FilterBranches.Both, KernelCombine.Mul);
            error = Assert.Throws<ArgumentException>(() => DdfGpu.Backward(stream, generic, default(ArrayView<float>), default, default, default, default, View(9), default, G(1, 1, 238609295, 1)));
            Assert.Equal("gradChannelFilter", error.ParamName);
            Assert.Contains("partial sums (B, C, k*k, Ho) = [1, 1, 9, 238609295]", error.Message);
            var fits = G(1, 1, 238609294, 1);
            error = Assert.Throws<ArgumentException>(() => DdfGpu.Backward(stream, generic, View(238609294), View(9), View(9L * 238609294), View(1), default, View(9), default, fits));
            Assert.Equal("gradOutput", error.ParamName);
        }
        finally
        {
            Marshal.FreeHGlobal(bytes);
        }
    }
}
