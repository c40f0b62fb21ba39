using System;
using System.Collections.Generic;
using Ddf.KernelChecks;
using Ddf.Runtime;
using ILGPU;
using ILGPU.Runtime;
using Xunit;

namespace Ddf.IntegrationTests;

/// <summary>
/// The generated (tiled, unrolled) and generic GPU kernels, run on ILGPU's CPU accelerator, against the managed
/// CPU kernels of the same spec: forward and all three gradients to 1e-5 in float32, at small odd and
/// non-square sizes, with several channel blocks and channel-gradient parts, and with infinite values at borders.
/// </summary>
public sealed class GpuKernelTests(GpuKernelHarness harness) : IClassFixture<GpuKernelHarness>
{
    private const double Tolerance = 1e-5;

    /// <summary>
    /// (batch, channels, height, width): odd and non-square, batch > 1, several channel groups; a width of 8 lets the
    /// k = 3 forward load and store 16-byte runs.
    /// </summary>
    private static readonly (int B, int C, int H, int W)[] Sizes = [(2, 3, 7, 6), (1, 10, 13, 5), (2, 5, 5, 8)];

    /// <summary>Several channel blocks (more than 32 channels), tiles across and down, partial rows of a tile.</summary>
    private static readonly (int B, int C, int H, int W) Wide = (1, 34, 37, 35);

    public static TheoryData<string> GeneratedLayers() => new(Layers.Keys);

    private static readonly Dictionary<string, (DdfCpuKernelSet Cpu, DdfGpuKernelSet Gpu, int K, int Dilation, int Stride)> Layers = new()
    {
        ["k3"] = (DefaultDdf.CpuKernels.Set, DefaultDdf.GpuKernels.Set, 3, 1, 1),
        ["k5 dilation 2 add"] = (Dilated5Add.CpuKernels.Set, Dilated5Add.GpuKernels.Set, 5, 2, 1),
        ["k3 stride 2"] = (Strided3.CpuKernels.Set, Strided3.GpuKernels.Set, 3, 1, 2),
        ["k7"] = (Heads4k7.CpuKernels.Set, Heads4k7.GpuKernels.Set, 7, 1, 1),
        ["k3 spatial only"] = (SpatialOnlySigmoid.CpuKernels.Set, SpatialOnlySigmoid.GpuKernels.Set, 3, 1, 1),
        // The one-pass backward's weights without a zero spatial tap in the padding: only its masks drop those taps.
        ["k3 add"] = (T3Add.CpuKernels.Set, T3Add.GpuKernels.Set, 3, 1, 1),
        ["k3 channel only"] = (T3ChannelOnly.CpuKernels.Set, T3ChannelOnly.GpuKernels.Set, 3, 1, 1),
        ["k5 dilation 2"] = (GpuK5Dilated2.CpuKernels.Set, GpuK5Dilated2.GpuKernels.Set, 5, 2, 1),
        ["k5 channel only stride 2"] = (ChannelOnlyStrided.CpuKernels.Set, ChannelOnlyStrided.GpuKernels.Set, 5, 1, 2),
        ["k5 stride 2 add"] = (InteropK5AddStrided.CpuKernels.Set, InteropK5AddStrided.GpuKernels.Set, 5, 1, 2),
        ["k7 dilation 2 stride 2 add"] = (GpuK7Dilated2Strided2Add.CpuKernels.Set, GpuK7Dilated2Strided2Add.GpuKernels.Set, 7, 2, 2),
        ["k3 spatial only dilation 2 stride 2"] = (GpuSpatialDilated2Strided2.CpuKernels.Set, GpuSpatialDilated2Strided2.GpuKernels.Set, 3, 2, 2),
        ["k3 channel only stride 2 add"] = (GpuChannelStrided2.CpuKernels.Set, GpuChannelStrided2.GpuKernels.Set, 3, 1, 2),
        ["k9 (generic GPU kernels)"] = (GpuK9.CpuKernels.Set, GpuK9.GpuKernels.Set, 9, 1, 1),
    };

    [Theory]
    [MemberData(nameof(GeneratedLayers))]
    public void Generated_gpu_kernels_match_the_cpu_kernels(string layer)
    {
        var (cpu, gpu, k, dilation, stride) = Layers[layer];
        Assert.Equal(k <= 7 ? DdfGpuLayout.Tiled : DdfGpuLayout.Flat, gpu.Layout);
        foreach (var (b, c, h, w) in Sizes)
            Compare(cpu, gpu, new DdfGeometry(b, c, h, w, k, dilation, stride), gpu.Branches, seed: h * 31 + w);
    }

    [Theory]
    [InlineData("k3")]
    [InlineData("k5 stride 2 add")]
    [InlineData("k7 dilation 2 stride 2 add")]
    public void Generated_gpu_kernels_match_across_tiles_and_channel_blocks(string layer)
    {
        var (cpu, gpu, k, dilation, stride) = Layers[layer];
        Compare(cpu, gpu, new DdfGeometry(Wide.B, Wide.C, Wide.H, Wide.W, k, dilation, stride), gpu.Branches, seed: 11);
    }

    [Theory]
    [InlineData("k3", 136, true)]
    [InlineData("k3", 133, false)]
    [InlineData("k3 spatial only", 260, true)]
    [InlineData("k3 spatial only", 258, false)]
    public void Forward_runs_of_four_trade_edges_across_lanes_warps_and_tiles(string layer, int width, bool aligned)
    {
        // Rows wider than a warp's 128 pixels: lanes 0 and 31 load their outer columns, the others take them by shuffles,
        // across warps and tiles; widths a multiple of 4 run the 16-byte kernel, others the element-load one.
        var (cpu, gpu, k, dilation, stride) = Layers[layer];
        var g = new DdfGeometry(2, 3, 5, width, k, dilation, stride);
        using var x = harness.Accelerator.Allocate1D<float>((long)g.Batch * g.Channels * g.InPlane);
        using var y = harness.Accelerator.Allocate1D<float>((long)g.Batch * g.Channels * g.OutPlane);
        Assert.Equal(aligned, DdfGpu.ForwardLoadsAligned<float>(gpu, x.View, y.View, g));
        Compare(cpu, gpu, g, gpu.Branches, seed: width);
    }

    [Fact]
    public void Forward_views_off_a_16_byte_boundary_run_the_element_load_kernel()
    {
        var g = new DdfGeometry(1, 2, 3, 8, 3, 1, 1);
        using var x = harness.Accelerator.Allocate1D<float>(g.Channels * g.InPlane + 1);
        using var y = harness.Accelerator.Allocate1D<float>(g.Channels * g.OutPlane + 1);
        var gpu = DefaultDdf.GpuKernels.Set;
        Assert.True(DdfGpu.ForwardLoadsAligned<float>(gpu, x.View.SubView(0, g.Channels * g.InPlane), y.View.SubView(0, g.Channels * g.OutPlane), g));
        Assert.False(DdfGpu.ForwardLoadsAligned<float>(gpu, x.View.SubView(1, g.Channels * g.InPlane), y.View.SubView(0, g.Channels * g.OutPlane), g));
        Assert.False(DdfGpu.ForwardLoadsAligned<float>(gpu, x.View.SubView(0, g.Channels * g.InPlane), y.View.SubView(1, g.Channels * g.OutPlane), g));
        // A set without the 16-byte variant (k = 5) never takes it.
        Assert.False(DdfGpu.ForwardLoadsAligned<float>(Dilated5Add.GpuKernels.Set, x.View, y.View, new DdfGeometry(1, 2, 3, 8, 5, 2, 1)));
    }

    [Fact]
    public void Channel_gradient_partial_sums_of_uneven_parts_and_channel_blocks_add_up()
    {
        // 6 channels in blocks of 4 (the second block half past the last channel) and the 41 x 67 plane in 5 parts of 279
        // runs of 2 pixels (the last part 278 runs; each row's last run one pixel): stage two adds the parts' partials.
        var (cpu, gpu, k, dilation, stride) = Layers["k3"];
        Compare(cpu, gpu, new DdfGeometry(1, 6, 41, 67, k, dilation, stride), gpu.Branches, seed: 3);
    }

    [Theory]
    [InlineData("k3")]
    [InlineData("k3 add")]
    [InlineData("k3 channel only")]
    [InlineData("k5 dilation 2")]
    [InlineData("k5 dilation 2 add")]
    [InlineData("k3 spatial only dilation 2 stride 2")]
    [InlineData("k5 channel only stride 2")]
    public void Infinite_values_reach_exactly_the_results_whose_taps_read_them(string layer)
    {
        // Every address is kept inside the plane: a tap in the padding reads a real value (for Mul and spatial-only
        // weights, one its own pixel also reads; else any) and is dropped by a zero weight or a select. An infinity at a
        // border pixel must reach only the results whose real taps read it; there the GPU may give NaN where the CPU
        // kernels give +-Inf (Inf * 0 from the padded tap), nowhere else may they differ.
        var (cpu, gpu, k, dilation, stride) = Layers[layer];
        var g = new DdfGeometry(2, 3, 9, 11, k, dilation, stride);
        var data = KernelComparison.RandomData<float>(g, gpu.Branches, seed: 9);
        data.Input[4] = float.PositiveInfinity; // (0, 0, 0, 4): top row
        data.Input[(1 * 3 + 1) * 99 + 5 * 11] = float.NegativeInfinity; // (1, 1, 5, 0): left column
        data.GradOutput[^1] = float.PositiveInfinity; // last upstream pixel: bottom-right corner
        var expected = KernelComparison.RunCpu(cpu, g, data);
        var actual = KernelComparison.RunGpu(harness.Accelerator, gpu, g, data);
        SameNonFinite(expected.Output, actual.Output, "output");
        SameNonFinite(expected.GradInput, actual.GradInput, "input gradient");
        SameNonFinite(expected.GradChannelFilter, actual.GradChannelFilter, "channel-filter gradient");
        SameNonFinite(expected.GradSpatialFilter, actual.GradSpatialFilter, "spatial-filter gradient");
    }

    /// <summary>Non-finite in the same places (NaN may stand for an infinity, not the reverse), within tolerance elsewhere.</summary>
    private static void SameNonFinite(float[]? expected, float[]? actual, string what)
    {
        Assert.Equal(expected is null, actual is null);
        if (expected is null || actual is null)
            return;
        int nonFinite = 0;
        for (int i = 0; i < expected.Length; i++)
        {
            float e = expected[i], a = actual[i];
            bool same = float.IsFinite(e)
                ? float.IsFinite(a) && Math.Abs(e - a) <= Tolerance * Math.Max(1, Math.Abs(e))
                : float.IsNaN(a) || a.Equals(e);
            Assert.True(same, $"{what}, flat index {i}: CPU {e:R}, GPU kernel {a:R}");
            nonFinite += float.IsFinite(e) ? 0 : 1;
        }
        Assert.True(nonFinite < expected.Length, $"{what}: every value is non-finite, the check shows nothing");
    }

    public static TheoryData<int, int, int, FilterBranches, KernelCombine> GenericCases()
    {
        var cases = new TheoryData<int, int, int, FilterBranches, KernelCombine>();
        foreach (int k in new[] { 1, 3, 5, 7 })
        {
            cases.Add(k, 1, 1, FilterBranches.Both, KernelCombine.Mul);
            cases.Add(k, 2, 2, FilterBranches.Both, KernelCombine.Add);
        }
        cases.Add(3, 2, 1, FilterBranches.Spatial, KernelCombine.Mul);
        cases.Add(5, 1, 2, FilterBranches.Channel, KernelCombine.Mul);
        return cases;
    }

    [Theory]
    [MemberData(nameof(GenericCases))]
    public void Generic_gpu_kernels_match_the_generic_cpu_kernels(int k, int dilation, int stride, FilterBranches branches, KernelCombine combine)
    {
        var gpu = DdfGpuKernelSet.Generic(branches, combine);
        var cpu = DdfCpuKernelSet.Generic(branches != FilterBranches.Spatial, branches != FilterBranches.Channel, combine);
        foreach (var (b, c, h, w) in Sizes)
            Compare(cpu, gpu, new DdfGeometry(b, c, h, w, k, dilation, stride), branches, seed: k * 7 + h);
    }

    [Fact]
    public void Gpu_results_are_bitwise_reproducible()
    {
        var g = new DdfGeometry(2, 10, 13, 37, 3, 1, 1);
        var data = KernelComparison.RandomData<float>(g, FilterBranches.Both, seed: 5);
        var first = KernelComparison.RunGpu(harness.Accelerator, DefaultDdf.GpuKernels.Set, g, data);
        var second = KernelComparison.RunGpu(harness.Accelerator, DefaultDdf.GpuKernels.Set, g, data);
        Assert.Equal(first.Output, second.Output);
        Assert.Equal(first.GradInput, second.GradInput);
        Assert.Equal(first.GradChannelFilter, second.GradChannelFilter);
        Assert.Equal(first.GradSpatialFilter, second.GradSpatialFilter);
    }

    [Fact]
    public void A_kernel_set_without_the_gradient_kernel_of_a_branch_it_has_is_refused()
    {
        var generated = Dilated5Add.GpuKernels.Set;
        var error = Assert.Throws<ArgumentException>(() => new DdfGpuKernelSet(5, 2, 1, FilterBranches.Both, KernelCombine.Add, DdfGpuLayout.Tiled,
            generated.Single with { SpatialGradient = null }, generated.Double));
        Assert.Equal("single", error.ParamName);
        Assert.Contains("SpatialGradient", error.Message);
    }

    [Fact]
    public void A_kernel_set_takes_either_the_one_pass_backward_or_the_separate_gradient_kernels()
    {
        var onePass = DefaultDdf.GpuKernels.Set;
        var separate = Dilated5Add.GpuKernels.Set;
        Assert.True(onePass.IsOnePassBackward);
        Assert.False(separate.IsOnePassBackward);
        var none = Assert.Throws<ArgumentException>(() => new DdfGpuKernelSet(3, 1, 1, FilterBranches.Both, KernelCombine.Mul, DdfGpuLayout.Tiled,
            onePass.Single, onePass.Double with { Backward = null }));
        Assert.Equal("double", none.ParamName);
        Assert.Contains("InputGradient", none.Message);
        var both = Assert.Throws<ArgumentException>(() => new DdfGpuKernelSet(3, 1, 1, FilterBranches.Both, KernelCombine.Mul, DdfGpuLayout.Tiled,
            onePass.Single with { InputGradient = separate.Single.InputGradient }, onePass.Double));
        Assert.Equal("single", both.ParamName);
        Assert.Contains("one-pass", both.Message);
    }

    [Theory]
    [InlineData("k3")]
    [InlineData("k3 spatial only")]
    [InlineData("k3 add")]
    [InlineData("k3 channel only")]
    [InlineData("k5 dilation 2 add")]
    public void Each_gradient_wanted_alone_equals_the_one_computed_with_the_others(string layer)
    {
        // The one-pass backward skips the work of unwanted gradients by flags; each gradient's sums must not depend on them.
        var (_, gpu, k, dilation, stride) = Layers[layer];
        var g = new DdfGeometry(2, 3, 6, 9, k, dilation, stride);
        var data = KernelComparison.RandomData<float>(g, gpu.Branches, seed: 21);
        var all = KernelComparison.RunGpu(harness.Accelerator, gpu, g, data);
        var a = harness.Accelerator;
        using var x = KernelComparison.Upload(a, data.Input);
        using var cf = KernelComparison.Upload(a, data.ChannelFilter);
        using var sf = KernelComparison.Upload(a, data.SpatialFilter);
        using var go = KernelComparison.Upload(a, data.GradOutput);
        using var dx = a.Allocate1D<float>(data.Input.Length);
        using var dcf = a.Allocate1D<float>(cf.Length);
        using var dsf = a.Allocate1D<float>(sf.Length);
        DdfGpu.Backward<float>(a.DefaultStream, gpu, x.View, cf.View, sf.View, go.View, dx.View, default, default, g);
        if (cf.Length > 0)
            DdfGpu.Backward<float>(a.DefaultStream, gpu, x.View, cf.View, sf.View, go.View, default, dcf.View, default, g);
        if (sf.Length > 0)
            DdfGpu.Backward<float>(a.DefaultStream, gpu, x.View, cf.View, sf.View, go.View, default, default, dsf.View, g);
        a.DefaultStream.Synchronize();
        Assert.Equal(all.GradInput, dx.GetAsArray1D());
        if (cf.Length > 0)
            Assert.Equal(all.GradChannelFilter, dcf.GetAsArray1D());
        if (sf.Length > 0)
            Assert.Equal(all.GradSpatialFilter, dsf.GetAsArray1D());
    }

    private void Compare(DdfCpuKernelSet cpu, DdfGpuKernelSet gpu, DdfGeometry g, FilterBranches branches, int seed) =>
        Compare(cpu, gpu, g, KernelComparison.RandomData<float>(g, branches, seed));

    private void Compare(DdfCpuKernelSet cpu, DdfGpuKernelSet gpu, DdfGeometry g, DdfData<float> data)
    {
        var expected = KernelComparison.RunCpu(cpu, g, data);
        var actual = KernelComparison.RunGpu(harness.Accelerator, gpu, g, data);
        string at = $"{g}";
        GpuKernelHarness.Close(expected.Output, actual.Output, Tolerance, $"output {at}");
        GpuKernelHarness.Close(expected.GradInput, actual.GradInput, Tolerance, $"input gradient {at}");
        GpuKernelHarness.Close(expected.GradChannelFilter, actual.GradChannelFilter, Tolerance, $"channel-filter gradient {at}");
        GpuKernelHarness.Close(expected.GradSpatialFilter, actual.GradSpatialFilter, Tolerance, $"spatial-filter gradient {at}");
    }
}
